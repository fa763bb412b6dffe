"""SLA integration: due times on the CN calendar, pauses, calendar edits, the sweep (once per step)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from sqms.core.models import Notification
from sqms.feedback import services
from sqms.feedback.models import Calendar, CalendarDay, Escalation, Ticket, TicketEvent

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def test_due_times_on_cn_calendar_across_holiday(org: Any, make_ticket: Any) -> None:
    # P3: first response 4 business hours, resolution 24 business hours; received 30 Sep 2026 16:00.
    t = make_ticket(received_at=at(2026, 9, 30, 16, 0), priority="P3", title="一般问题", description="")
    clock = services.ticket_clock(t, at(2026, 9, 30, 16, 30))
    assert clock.targets["first_response"].due_at == at(2026, 10, 8, 11, 30)
    # 1.5 h on 30 Sep; 1-7 Oct off; 7 h on 8 Oct, 9 Oct and the make-up Saturday 10 Oct; 1.5 h on Monday.
    assert clock.targets["resolution"].due_at == at(2026, 10, 12, 10, 30)


def test_pause_pushes_due_time(org: Any, make_ticket: Any) -> None:
    t = make_ticket(received_at=at(2026, 11, 2, 9, 0), priority="P2", title="x", description="")  # Monday
    before = services.ticket_clock(t, at(2026, 11, 2, 9, 30)).targets["resolution"].due_at
    assert before == at(2026, 11, 3, 10, 0)  # 8 business hours: 7 h on Monday + 1 h on Tuesday
    TicketEvent.objects.create(
        ticket=t, kind="status", to_status="waiting_customer", at=at(2026, 11, 2, 10, 0)
    )
    TicketEvent.objects.create(ticket=t, kind="status", to_status="in_progress", at=at(2026, 11, 2, 11, 0))
    clock = services.ticket_clock(t, at(2026, 11, 2, 11, 30))
    assert clock.targets["resolution"].due_at == before + timedelta(hours=1)
    assert clock.targets["resolution"].paused == 3600


def test_paused_state_while_waiting(org: Any, make_ticket: Any) -> None:
    t = make_ticket(priority="P3")
    t = services.transition(t, actor=org.agent_a, action="accept")
    t = services.transition(t, actor=org.agent_a, action="wait")
    rows = {r["name"]: r["state"] for r in __import__("sqms.feedback.selectors", fromlist=["x"]).sla_rows(t)}
    assert rows["resolution"] == "paused" and rows["first_response"] == "met"


def test_uncovered_year_falls_back_and_admin_can_add_holidays(org: Any) -> None:
    cal = Calendar.objects.get(code="CN")
    assert 2099 not in cal.covered_years
    from sqms.feedback.calendars import due_after, engine_for

    due = due_after(cal, at(2099, 1, 1, 9, 0), business_hours=7)  # 1 Jan 2099 is a Thursday: weekly pattern
    assert due == at(2099, 1, 1, 17, 30)
    assert engine_for(cal).uncovered_years(at(2099, 1, 1), due) == (2099,)
    CalendarDay.objects.create(calendar=cal, date=datetime(2099, 1, 1).date(), kind="holiday")
    cal.covered_years = [*cal.covered_years, 2099]
    cal.save()
    assert due_after(cal, at(2099, 1, 1, 9, 0), business_hours=7) == at(2099, 1, 2, 17, 30)


def test_sweep_is_idempotent(org: Any, make_ticket: Any) -> None:
    start = at(2026, 11, 2, 9, 0)
    t = make_ticket(received_at=start, priority="P1", title="x", description="")
    t.assignee = org.agent_a
    t.save()
    n0 = Notification.objects.count()
    stats = services.sla_sweep(now=start + timedelta(minutes=20))  # 20 of 30 min first response: 50 %
    assert stats["escalations"] == 1
    assert Notification.objects.filter(recipient=org.agent_a).count() == 1
    services.sla_sweep(now=start + timedelta(minutes=21))
    assert Notification.objects.count() == n0 + 1
    services.sla_sweep(now=start + timedelta(minutes=40))  # past 100 %: 75 % and 100 % fire, once each
    services.sla_sweep(now=start + timedelta(minutes=41))
    steps = sorted(
        Escalation.objects.filter(ticket=t, target="first_response").values_list("step", flat=True)
    )
    assert steps == [50, 75, 100]
    assert Ticket.objects.get(pk=t.pk).breached is True
    quality_notes = Notification.objects.filter(recipient=org.quality, kind="sla")
    assert quality_notes.count() == 1 and "SLA" in quality_notes.first().title
    assert Notification.objects.filter(recipient=org.manager_a, kind="sla").count() == 1


def test_sla_deadline_command(org: Any, capsys: Any) -> None:
    call_command(
        "sla", "deadline", "--calendar", "CN", "--start", "2026-09-30T16:00:00+08:00", "--working-days", "5"
    )
    assert capsys.readouterr().out.strip() == "2026-10-13T17:30:00+08:00"
    call_command(
        "sla", "deadline", "--calendar", "CN", "--start", "2026-09-30T16:00:00+08:00", "--natural-days", "15"
    )
    assert capsys.readouterr().out.strip() == "2026-10-16T00:00:00+08:00"
    call_command(
        "sla", "deadline", "--calendar", "CN", "--start", "2026-09-30T16:00:00+08:00", "--business-hours", "4"
    )
    assert capsys.readouterr().out.strip() == "2026-10-08T11:30:00+08:00"
