"""Scorecards in the browser: the quality manager creates and computes October's period, the unit
manager approves his branch's points, and the agent sees his points and appeals one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from sqms_testing import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def october(day: int) -> dt.datetime:
    return dt.datetime(2026, 10, day, 10, tzinfo=timezone.get_default_timezone())


def scene(org):
    """Rules "CSAT >= 4.8 → +10" and "each valid complaint → −5"; agent_a has two 5-star ratings and one
    complaint in October; agent_b one complaint."""
    from sqms.feedback.models import Rating, Ticket
    from sqms.org.models import Staff
    from sqms.people.models import Rule

    Rule.objects.create(
        code="CSAT-HIGH",
        name="满意度≥4.8奖励",
        subject="staff",
        metric="csat",
        comparator=">=",
        threshold=Decimal("4.8"),
        mode="once",
        points=10,
        valid_from=dt.date(2026, 1, 1),
    )
    Rule.objects.create(
        code="COMPLAINT",
        name="每件有效投诉扣5分",
        subject="staff",
        metric="valid_complaints",
        mode="each",
        points=-5,
        valid_from=dt.date(2026, 1, 1),
    )
    for n, (user, unit, kind, rated) in enumerate(
        [
            (org.agent_a, org.team_a, "inquiry", 5),
            (org.agent_a, org.team_a, "inquiry", 5),
            (org.agent_a, org.team_a, "complaint", None),
            (org.agent_b, org.team_b, "complaint", None),
        ]
    ):
        t = Ticket.objects.create(
            number=f"T-B-{n}",
            verification_code="x",
            kind=kind,
            title="工单",
            org_unit=unit,
            staff=Staff.objects.get(user=user),
            assignee=user,
            received_at=october(3 + n),
        )
        if rated:
            Rating.objects.create(org_unit=unit, ticket=t, score=rated, rated_at=october(4 + n))


def test_compute_approve_and_appeal(org, live_server, page, artifacts_dir):
    from sqms.people.models import PointAppeal, PointEntry

    scene(org)
    # 1. The quality manager creates October's period for the company and computes it.
    login(page, live_server, "quality")
    page.goto(f"{live_server.url}/people/")
    assert "尚无计分周期" in page.content()
    form = page.locator("#create-period")
    form.locator("input[name=day]").fill("2026-10")
    form.locator("select[name=org_unit]").select_option("HQ")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "2026-10" in page.locator("h1.sqms-h1").inner_text()
    page.locator("#compute-form button").click()
    page.wait_for_load_state()
    assert "已计算" in page.content()
    assert PointEntry.objects.count() == 3  # agent_a: +10, −5; agent_b: −5
    assert page.locator("#staff-scorecards tbody tr").count() >= 6
    page.screenshot(path=f"{artifacts_dir}/people-computed.png", full_page=True)
    page.context.clear_cookies()

    # 2. Branch A's manager sees only his branch's entries and approves them.
    login(page, live_server, "manager_a")
    page.goto(f"{live_server.url}/people/")
    pending = page.locator("#pending tbody tr")
    assert pending.count() == 2
    assert "Agent_B" not in page.locator("#pending").inner_text()
    page.screenshot(path=f"{artifacts_dir}/people-approval.png", full_page=True)
    page.locator("#approve-all").click()
    page.wait_for_load_state()
    assert "已审批 2 条记录" in page.content()
    assert set(PointEntry.objects.filter(staff__user=org.agent_a).values_list("status", flat=True)) == {
        "approved"
    }
    assert PointEntry.objects.get(staff__user=org.agent_b).status == "pending"
    page.context.clear_cookies()

    # 3. The agent sees his points (+10 − 5 = +5) and appeals the complaint penalty.
    login(page, live_server, "agent_a")
    page.goto(f"{live_server.url}/people/")
    assert page.locator("#my-total").inner_text() == "+5"
    assert page.locator("#my-entries tbody tr").count() == 2
    assert "Agent_B" not in page.content()
    row = page.locator("#my-entries tr", has_text="-5")
    row.locator("input[name=reason]").fill("该投诉系另一班次人员所致，有排班表为证。")
    row.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "您的申诉已提交" in page.content()
    assert page.locator("#my-entries tr", has_text="-5").locator("td").nth(3).inner_text() == "申诉待裁决"
    appeal = PointAppeal.objects.get()
    assert appeal.appellant == org.agent_a and appeal.status == "open"
    page.screenshot(path=f"{artifacts_dir}/people-my-points.png", full_page=True)
    page.goto(f"{live_server.url}/people/leaderboard/")
    assert page.locator("#leaderboard tbody tr").count() == 1  # front-line staff see their own line
    page.context.clear_cookies()

    # 4. The manager decides the appeal (rejected, with his reasons); the agent is notified.
    login(page, live_server, "manager_a")
    page.goto(f"{live_server.url}/people/")
    decide = page.locator("#appeals form.decide-form")
    decide.locator("input[name=decision]").fill("排班表显示当班为本人，维持扣分。")
    decide.locator("button[value=reject]").click()
    page.wait_for_load_state()
    assert "申诉已驳回" in page.content()
    assert PointAppeal.objects.get().status == "rejected"
    assert org.agent_a.notifications.filter(kind="people").count() == 1
    page.screenshot(path=f"{artifacts_dir}/people-appeal-decided.png", full_page=True)
    page.context.clear_cookies()

    # 5. The quality manager's leaderboard ranks everybody, equal points sharing a rank.
    login(page, live_server, "quality")
    page.goto(f"{live_server.url}/people/leaderboard/")
    first = page.locator("#leaderboard tbody tr").first.inner_text()
    assert "Agent_A" in first and "+5" in first
    page.screenshot(path=f"{artifacts_dir}/people-leaderboard.png", full_page=True)
