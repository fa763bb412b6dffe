"""The column-wise sweep (plain rows → engine columns → numpy thresholds) fires exactly the escalations
and stores exactly the due times of the previous ORM sweep and of the per-ticket clock, on a mixed set:
pauses, resumes, replies, extensions, priority changes (policy changes: per-ticket fallback), reopened
tickets, a ticket without its "created" row, two calendars (one with daylight saving) and three policies."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction

from sqms.feedback import services
from sqms.feedback.models import Calendar, Escalation, SlaPolicy, Ticket, TicketEvent
from sqms.feedback.sweep import SWEEP_KINDS

pytestmark = pytest.mark.django_db

US_WEEKLY = {str(d): ["09:00-12:00", "13:00-17:00"] for d in range(5)}


class _Rollback(Exception):
    pass


def _snapshot() -> tuple[set[tuple[int, str, int]], dict[int, tuple[Any, Any, bool]]]:
    esc = set(Escalation.objects.values_list("ticket_id", "target", "step"))
    fields = {
        pk: (fr, rs, br)
        for pk, fr, rs, br in Ticket.objects.values_list(
            "pk", "first_response_due", "resolution_due", "breached"
        )
    }
    return esc, fields


def _expected(tickets: list[Ticket], now: datetime) -> set[tuple[int, str, int]]:
    """Escalation steps reached, from each ticket's own clock (the per-ticket engine)."""
    from sqms import sla
    from sqms.feedback import domain

    out = set()
    for t in Ticket.objects.filter(pk__in=[t.pk for t in tickets]).select_related("sla_policy__calendar"):
        rows = list(TicketEvent.objects.filter(ticket=t, kind__in=SWEEP_KINDS).order_by("at", "id"))
        clock = services.ticket_clock(t, now, rows)
        for name, st in clock.targets.items():
            if st.fulfilled_ts is not None or st.state in (sla.State.PENDING, sla.State.MET):
                continue
            out.update((t.pk, name, pct) for pct, _who in domain.steps_reached(st.elapsed, st.budget))
    return out


def test_column_sweep_equals_orm_sweep_and_per_ticket_clock(org: Any, make_ticket: Any) -> None:
    rng = random.Random(11)
    us = Calendar.objects.create(code="US-NY", name="New York", tz="America/New_York", weekly=US_WEEKLY)
    SlaPolicy.objects.create(
        code="PHONE",
        name="Phone",
        order=10,
        calendar=us,
        channel="phone",
        targets={
            "*": [
                {"name": "first_response", "unit": "business_hours", "amount": 3},
                {"name": "resolution", "unit": "working_days", "amount": 2},
            ]
        },
        pause_statuses=["waiting_customer"],
    )
    start = datetime(2026, 10, 29, 1, 0, tzinfo=UTC)  # New York leaves daylight saving on Nov 1
    tickets = []
    for i in range(90):
        received = start + timedelta(minutes=rng.randint(0, 5 * 24 * 60))
        t = make_ticket(
            received_at=received,
            priority=rng.choice(["P1", "P2", "P3", "P4"]),
            channel=rng.choice(["web", "phone"]),
            title=f"投诉 {i}",
        )
        roll = rng.random()
        act = lambda action, t=t: services.transition(t, actor=org.agent_a, action=action)  # noqa: E731
        if roll < 0.15:
            act("accept")
        elif roll < 0.3:
            act("accept")
            act("wait")
        elif roll < 0.4:
            act("accept")
            act("wait")
            act("resume")
        elif roll < 0.5:
            services.add_message(t, actor=org.agent_a, body="已收到", public=True)
        elif roll < 0.6:
            services.extend_deadline(t, actor=org.quality, amount=rng.choice([2, 8]), reason="复杂")
        elif roll < 0.7:
            services.change_priority(t, actor=org.quality, priority=rng.choice(["P1", "P4"]))
        elif roll < 0.78:
            act("accept")
            act("resolve")
        elif roll < 0.85:
            act("accept")
            act("resolve")
            act("reopen")
        tickets.append(t)
    # another policy than the one the "created" row names; a ticket without its "created" row
    Ticket.objects.filter(pk__in=[t.pk for t in tickets[:6]]).update(
        sla_policy=SlaPolicy.objects.get(code="BANK-COMPLAINT")
    )
    TicketEvent.objects.filter(ticket__in=tickets[6:8], kind="created").delete()
    # events stamped at the sweep's "now" would be in its future: spread them after each creation
    for t in tickets:
        later = TicketEvent.objects.filter(ticket=t).exclude(kind="created").order_by("id")
        for k, ev in enumerate(later):
            TicketEvent.objects.filter(pk=ev.pk).update(at=t.received_at + timedelta(minutes=7 * (k + 1)))
    Escalation.objects.all().delete()
    now = start + timedelta(days=6)

    with pytest.raises(_Rollback), transaction.atomic():
        ref_stats = services.sla_sweep_orm(now=now)
        ref_esc, ref_fields = _snapshot()
        raise _Rollback
    assert Escalation.objects.count() == 0

    expected = _expected(tickets, now)
    assert ref_esc == expected
    stats = services.sla_sweep(now=now, batch=37)  # several chunks
    esc, fields = _snapshot()
    assert stats == ref_stats
    assert esc == expected
    assert fields == ref_fields
    # the set really is mixed: both calendars escalate, paused and fallback tickets are present
    cal_of = dict(Ticket.objects.values_list("pk", "sla_policy__calendar__code"))
    assert {cal_of[pk] for pk, _t, _s in esc} == {"CN", "US-NY"}
    assert {s for _p, _t, s in esc} == {50, 75, 100}
    assert TicketEvent.objects.filter(ticket__in=tickets, kind="priority").exists()
    assert Ticket.objects.filter(pk__in=[t.pk for t in tickets], status="waiting_customer").exists()
    # idempotent: nothing fires twice and nothing changes; the incremental re-run reads no ticket
    again = services.sla_sweep(now=now)
    assert again == {"tickets": 0, "escalations": 0, "breaches": 0}
    again = services.sla_sweep(now=now, full=True)
    assert again["escalations"] == 0 and again["tickets"] == stats["tickets"]
    assert _snapshot() == (esc, fields)
