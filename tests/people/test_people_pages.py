"""The scorecard and leaderboard pages, the admin registers, the sidebar, the dashboard card and the
report section; in both languages and scoped."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sqms_testing import fresh

pytestmark = pytest.mark.django_db


def test_scorecard_page_actions_and_scoping(scene: Any, client_for: Any) -> None:
    from sqms.people.models import PointAppeal, PointEntry

    org = scene.org
    q = client_for(org.quality)
    pid = scene.period.pk
    r = q.post("/people/", {"action": "compute", "period": pid}, follow=True)
    assert r.status_code == 200
    assert PointEntry.objects.filter(period=scene.period).exists()
    page = q.get(f"/people/?period={pid}").content.decode()
    assert 'id="staff-scorecards"' in page and "Agent_B" in page and 'id="unit-scorecards"' in page
    # Manual entry without a reason: the error names the field, nothing is stored.
    r = q.post(
        "/people/",
        {"action": "manual", "period": pid, "staff": "E-agent_a", "points": "4", "reason": ""},
        follow=True,
    )
    assert "reason" in r.content.decode()
    assert not PointEntry.objects.filter(source="manual").exists()
    # Manager A approves all of his; the page shows only his branch.
    ma = client_for(org.manager_a)
    page = ma.get(f"/people/?period={pid}").content.decode()
    assert "Agent_A" in page and "Agent_B" not in page
    ma.post("/people/", {"action": "approve_all", "period": pid})
    assert PointEntry.objects.filter(status="approved", staff=scene.staff_a).exists()
    assert not PointEntry.objects.filter(status="approved", staff=scene.staff_b).exists()
    # The agent sees his scorecard and appeals.
    agent = client_for(org.agent_a)
    page = agent.get(f"/people/?period={pid}").content.decode()
    assert 'id="my-scorecard"' in page and 'id="staff-scorecards"' in page and "Agent_B" not in page
    entry = PointEntry.objects.get(staff=scene.staff_a, rule__code="COMPLAINT")
    agent.post("/people/", {"action": "appeal", "period": pid, "entry": entry.pk, "reason": "Wrong shift"})
    assert PointAppeal.objects.filter(entry=entry, status="open").count() == 1
    # Another agent cannot appeal it (it is not even visible).
    client_for(org.agent_b).post(
        "/people/", {"action": "appeal", "period": pid, "entry": entry.pk, "reason": "x"}
    )
    assert PointAppeal.objects.count() == 1
    ma.post(
        "/people/",
        {
            "action": "decide",
            "period": pid,
            "appeal": PointAppeal.objects.get().pk,
            "verdict": "accept",
            "decision": "Shift log checked",
            "corrected_points": "",
        },
    )
    assert PointEntry.objects.get(pk=entry.pk).status == "voided"
    board = q.get(f"/people/leaderboard/?period={pid}").content.decode()
    assert 'id="leaderboard"' in board and "Agent_B" in board
    assert (
        "Agent_B" not in client_for(org.manager_a).get(f"/people/leaderboard/?period={pid}").content.decode()
    )


def test_pages_in_english_and_chinese_and_admin_registers(scene: Any, client_for: Any) -> None:
    from sqms.people import services

    org = scene.org
    services.compute_period(actor=fresh(org.quality), period=scene.period)
    q = client_for(org.quality)
    zh = q.get(f"/people/?period={scene.period.pk}", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "积分" in zh and "计算" in zh
    zh_board = q.get(f"/people/leaderboard/?period={scene.period.pk}&kind=unit").content.decode()
    assert "积分排行榜" in zh_board and "名次" in zh_board
    q.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    en = q.get(f"/people/leaderboard/?period={scene.period.pk}&kind=unit").content.decode()
    assert "Leaderboard" in en and "Rank" in en
    en_page = q.get(f"/people/?period={scene.period.pk}").content.decode()
    assert "Compute scorecards and points" in en_page and "Staff scorecards" in en_page
    for model in ["rule", "period", "scorecard", "pointentry", "pointappeal"]:
        assert q.get(f"/admin/people/{model}/").status_code == 200, model
    rule = scene.rules["csat"]
    assert q.get(f"/admin/people/rule/{rule.pk}/change/").status_code == 200
    assert q.get("/admin/people/rule/add/").status_code == 200
    # The sidebar shows the pages to the agent; the admin register of rules is read-only for him.
    agent = client_for(org.agent_a)
    home = agent.get("/admin/").content.decode()
    assert "/people/" in home and "/people/leaderboard/" in home
    assert agent.get("/admin/people/rule/add/").status_code == 403


@pytest.fixture
def english() -> Any:
    from django.utils import translation

    with translation.override("en"):
        yield


def test_dashboard_card_and_report_section(scene: Any, rf: Any, english: Any) -> None:
    from django.utils import translation

    from sqms.people import selectors, services

    org = scene.org
    services.compute_period(actor=fresh(org.quality), period=scene.period)
    request = rf.get("/admin/")
    request.user = fresh(org.manager_a)
    card = selectors.dashboard_card(request)
    assert card is not None and any(f["value"] for f in card["figures"])
    section = selectors.quality_report_section(
        fresh(org.quality), dt.date(2026, 10, 1), dt.date(2026, 10, 31), ""
    )
    assert section is not None
    figures = {str(f["label"]): f["value"] for f in section["figures"]}
    assert figures["Rewards (points)"] == 10 + 6 + 20 + 20
    assert figures["Penalties (points)"] == -5 - 10
    top = section["tables"][0]["rows"][0]
    assert top[0] == 1 and top[1].startswith("Agent_B") and top[3] == 6
    branch_b = selectors.quality_report_section(
        fresh(org.quality), dt.date(2026, 10, 1), dt.date(2026, 10, 31), org.branch_b.path
    )
    assert {str(f["label"]): f["value"] for f in branch_b["figures"]}["Rewards (points)"] == 16
    assert (
        selectors.quality_report_section(fresh(org.quality), dt.date(2026, 11, 1), dt.date(2026, 11, 30), "")[
            "figures"
        ][0]["value"]
        == 0
    )
    with translation.override("zh-hans"):
        zh = selectors.quality_report_section(
            fresh(org.quality), dt.date(2026, 10, 1), dt.date(2026, 10, 31), ""
        )
        assert str(zh["figures"][1]["label"]) == "奖励（积分）"
    # Without the right to see points there is no section.
    from django.contrib.auth import get_user_model

    nobody = get_user_model().objects.create_user("nobody", password="x")
    assert selectors.quality_report_section(nobody, dt.date(2026, 10, 1), dt.date(2026, 10, 31), "") is None


def test_quality_report_includes_the_scorecard_section(scene: Any) -> None:
    from sqms.people import services
    from sqms.reports.domain import parse_period
    from sqms.reports.sections import ReportPeriod, build_sections

    services.compute_period(actor=fresh(scene.org.quality), period=scene.period)
    sections = build_sections(ReportPeriod(parse_period("2026-10")), fresh(scene.org.quality))
    people = next(s for s in sections if s["key"] == "people")
    assert people["tables"][0]["rows"][0][3] == 6  # agent_b tops the staff leaderboard
