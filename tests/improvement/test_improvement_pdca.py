"""PDCA stage gates, suggestions → pilot → rollout with reward points, library search, management review
inputs and PDF minutes (Chinese text via pdftotext), and the demo seeder."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest

from sqms.core.errors import Forbidden, ValidationFailed
from sqms.improvement import services
from sqms.improvement.models import (
    GoodPractice,
    ImprovementProject,
    Nonconformity,
    RewardEntry,
    StageGate,
    Suggestion,
)
from sqms.kpi.models import DailyRollup

pytestmark = pytest.mark.django_db
D0 = dt.date(2026, 1, 1)


def test_pdca_gates_from_plan_to_closed(org):
    for i in range(20):
        for day, on_time in ((D0 + dt.timedelta(days=i), 30), (D0 + dt.timedelta(days=40 + i), 38)):
            DailyRollup.objects.create(
                org_unit=org.team_a, day=day, service_type="s", total=40, with_promise=40, on_time=on_time
            )
    p = services.create_project(
        actor=org.manager_a,
        data={"title": "Faster repairs", "org_unit": org.branch_a, "leader": org.manager_a},
    )
    assert p.number.startswith("PDCA-") and p.stage == "plan"
    with pytest.raises(ValidationFailed) as e:
        services.pass_gate(p, actor=org.quality)
    assert "action_plan" in e.value.fields
    with pytest.raises(ValidationFailed) as e:
        services.update_project(p, actor=org.manager_a, changes={"kpi_code": "nope"})
    assert "kpi_code" in e.value.fields
    p = services.update_project(
        p,
        actor=org.manager_a,
        changes={
            "problem": "late",
            "kpi_code": "on_time_rate",
            "kpi_target": 90.0,
            "root_causes": "manual dispatch",
            "action_plan": "GPS",
            "expected_effect": "+15 points",
        },
    )
    with pytest.raises(Forbidden):  # unit managers may not approve gates
        services.pass_gate(p, actor=org.manager_a)
    p = services.pass_gate(p, actor=org.quality, note="ok")
    assert p.stage == "do"
    task = services.add_task(p, actor=org.manager_a, title="Install GPS", owner=org.agent_a)
    with pytest.raises(ValidationFailed) as e:
        services.pass_gate(p, actor=org.quality)
    assert "tasks" in e.value.fields
    services.complete_task(task, actor=org.manager_a)
    p = services.pass_gate(p, actor=org.quality)
    p = services.check_project(
        p,
        actor=org.quality,
        baseline=(D0, D0 + dt.timedelta(days=19)),
        after=(D0 + dt.timedelta(days=40), D0 + dt.timedelta(days=59)),
    )
    assert p.check_result["before"] == pytest.approx(75.0) and p.check_result["after"] == pytest.approx(95.0)
    assert p.check_result["improved"] and p.check_result["target_met"]
    p = services.pass_gate(p, actor=org.quality)
    assert p.stage == "act"
    with pytest.raises(ValidationFailed) as e:
        services.pass_gate(p, actor=org.quality)
    assert set(e.value.fields) == {"standard_reference", "lessons_learned"}
    p = services.update_project(
        p,
        actor=org.manager_a,
        changes={"standard_reference": "Q/JN-FW-03 v2", "lessons_learned": "GPS works"},
    )
    p = services.pass_gate(p, actor=org.quality)
    assert p.stage == "closed" and p.closed_at
    assert list(StageGate.objects.filter(project=p).values_list("to_stage", flat=True)) == [
        "do",
        "check",
        "act",
        "closed",
    ]
    with pytest.raises(ValidationFailed):
        services.pass_gate(p, actor=org.quality)


def test_suggestion_pilot_rollout_and_rewards(org):
    s = services.submit_suggestion(
        actor=org.agent_a, title="Kiosk", description="Add a kiosk", org_unit=org.team_a
    )
    with pytest.raises(Forbidden):
        services.evaluate_suggestion(s, actor=org.agent_a, feasibility=4, benefit=4, adopt=True)
    with pytest.raises(ValidationFailed) as e:
        services.roll_out_suggestion(s, actor=org.quality, pilot_result="x")
    assert "status" in e.value.fields
    s = services.evaluate_suggestion(s, actor=org.quality, feasibility=4, benefit=5, adopt=True, note="good")
    assert s.status == "pilot" and s.pilot.is_pilot and s.pilot.org_unit == org.team_a
    s = services.grant_reward(s, actor=org.quality, points=30, reason="adopted")
    with pytest.raises(ValidationFailed) as e:
        services.grant_reward(s, actor=org.quality, points=-5, reason="x")
    assert "points" in e.value.fields
    s = services.roll_out_suggestion(s, actor=org.quality, pilot_result="Queues −20%")
    assert s.status == "rolled_out" and s.reward_points == 30
    assert RewardEntry.objects.get().user == org.agent_a


def test_library_search_by_word_and_tag(org, client_for):
    from sqms.improvement import selectors

    GoodPractice.objects.create(title="弹性排班", body="午间增开窗口", tags="排队,排班", org_unit=org.team_a)
    GoodPractice.objects.create(title="GPS dispatch", body="nearest crew", tags="repair", org_unit=org.team_b)
    assert [g.title for g in selectors.practices(org.quality, q="窗口")] == ["弹性排班"]
    assert [g.title for g in selectors.practices(org.quality, tag="repair")] == ["GPS dispatch"]
    assert [g.title for g in selectors.practices(org.manager_a)] == ["弹性排班"]
    page = client_for(org.quality).get("/improvement/practices/?q=GPS").content.decode()
    assert "GPS dispatch" in page and "弹性排班" not in page


def test_review_items_tracked_to_closure_and_pdf_has_chinese(org):
    nc = services.open_nonconformity(
        actor=org.quality, source="complaint", source_ref="t:1", org_unit=org.team_a, title="x"
    )
    review = services.create_review(
        actor=org.quality,
        data={
            "title": "2026年度管理评审",
            "org_unit": org.hq,
            "period_start": D0,
            "period_end": dt.date(2026, 12, 31),
            "meeting_date": dt.date(2026, 12, 20),
        },
    )
    assert review.inputs["nonconformities"]["total"] == (1 if nc.detected_on.year == 2026 else 0)
    with pytest.raises(ValidationFailed) as e:
        services.add_review_item(review, actor=org.quality, kind="action", text="do it")
    assert {"owner", "due_date"} <= set(e.value.fields)
    item = services.add_review_item(
        review, actor=org.quality, kind="action", text="完成定位改造", owner=org.manager_a, due_date=D0
    )
    with pytest.raises(ValidationFailed) as e:
        services.close_review(review, actor=org.quality)
    assert "items" in e.value.fields
    services.close_review_item(item, actor=org.quality, outcome="done")
    review = services.close_review(review, actor=org.quality)
    assert review.status == "closed"
    from sqms.improvement.pdf import review_minutes_pdf

    data = review_minutes_pdf(review)
    assert data.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=data, capture_output=True, check=True
        ).stdout.decode()
        assert "2026年度管理评审" in text and "完成定位改造" in text


def test_demo_seeder_is_idempotent(db):
    from sqms.core.demo import SEEDERS

    seen: list[str] = []
    SEEDERS["organisation"].run("small", seen.append)
    SEEDERS["improvement"].run("small", seen.append)
    n = Nonconformity.objects.count()
    assert n == 180 and ImprovementProject.objects.count() == 6 and Suggestion.objects.count() == 24
    assert Nonconformity.objects.filter(status="closed").exists()
    assert set(Nonconformity.objects.values_list("source", flat=True)) >= {"complaint", "inspection"}
    SEEDERS["improvement"].run("small", seen.append)
    assert Nonconformity.objects.count() == n
