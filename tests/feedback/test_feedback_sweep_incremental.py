"""The incremental SLA sweep (only tickets with ``sla_next_at`` unset or reached) fires exactly the
escalations and keeps exactly the breach flags of the per-ticket clock, minute after minute; a new
event, a calendar edit or a policy edit makes the next sweep recompute the tickets concerned; a stale
sweep never stores its next check over a newer event; saving a loaded ticket keeps the sweep's fields."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sqms import sla
from sqms.feedback import services, sweep
from sqms.feedback.models import Calendar, CalendarDay, Escalation, SlaPolicy, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def _expected(pks: list[int], now: datetime) -> tuple[set[tuple[int, str, int]], dict[int, bool]]:
    """Ladder steps reached and breach flags, from each ticket's own clock (the per-ticket engine)."""
    from sqms.feedback import domain

    steps, breached = set(), {}
    for t in Ticket.objects.filter(pk__in=pks).select_related("sla_policy__calendar"):
        rows = list(TicketEvent.objects.filter(ticket=t, kind__in=sweep.SWEEP_KINDS).order_by("at", "id"))
        clock = services.ticket_clock(t, now, rows)
        breached[t.pk] = any(s.state == sla.State.BREACHED for s in clock.targets.values())
        for name, st in clock.targets.items():
            if st.fulfilled_ts is not None or st.state in (sla.State.PENDING, sla.State.MET):
                continue
            steps.update((t.pk, name, pct) for pct, _who in domain.steps_reached(st.elapsed, st.budget))
    return steps, breached


def _state(pks: list[int]) -> tuple[set[tuple[int, str, int]], dict[int, bool]]:
    esc = set(Escalation.objects.filter(ticket_id__in=pks).values_list("ticket_id", "target", "step"))
    return esc, dict(Ticket.objects.filter(pk__in=pks).values_list("pk", "breached"))


def _mixed_tickets(org: Any, make_ticket: Any, start: datetime, n: int) -> list[int]:
    rng = random.Random(23)
    pks = []
    for i in range(n):
        received = start + timedelta(minutes=rng.randint(0, 2 * 24 * 60))
        t = make_ticket(received_at=received, priority=rng.choice(["P1", "P2", "P3"]), title=f"投诉 {i}")
        roll = rng.random()
        if roll < 0.25:
            services.transition(t, actor=org.agent_a, action="accept")
        elif roll < 0.45:
            services.transition(t, actor=org.agent_a, action="accept")
            services.transition(t, actor=org.agent_a, action="wait")  # paused
        elif roll < 0.55:
            services.extend_deadline(t, actor=org.quality, amount=2, reason="复杂")
        elif roll < 0.62:
            services.change_priority(t, actor=org.quality, priority="P1")  # per-ticket path
        pks.append(t.pk)
        # events stamped after the sweeps' first "now" would be in their future
        TicketEvent.objects.filter(ticket=t).exclude(kind="created").update(
            at=received + timedelta(minutes=3)
        )
    return pks


def test_incremental_sweeps_match_the_clock_minute_after_minute(org: Any, make_ticket: Any) -> None:
    start = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 Shanghai
    pks = _mixed_tickets(org, make_ticket, start, 60)
    now = start + timedelta(days=2, hours=2)
    first = services.sla_sweep(now=now)
    assert first["tickets"] == 60  # everything is new
    assert _state(pks) == _expected(pks, now)
    assert not Ticket.objects.filter(pk__in=pks, sla_next_at__isnull=True).exists()
    computed = []
    # every 7 minutes over two working days (lunch, a night): same answers as the clock each time
    for k in range(1, 60):
        at = now + timedelta(minutes=7 * k) if k < 40 else now + timedelta(hours=14 + k - 40)
        stats = services.sla_sweep(now=at)
        computed.append(stats["tickets"])
        assert _state(pks) == _expected(pks, at), at
    assert sum(computed) < 60 * len(computed) / 4  # few tickets each time
    assert max(computed) > 0
    # a full sweep afterwards finds nothing new
    last = now + timedelta(hours=14 + 19)
    assert services.sla_sweep(now=last, full=True)["escalations"] == 0


def test_new_events_and_calendar_and_policy_edits_recompute(org: Any, make_ticket: Any) -> None:
    start = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    pks = _mixed_tickets(org, make_ticket, start, 12)
    now = start + timedelta(days=2, hours=1)
    services.sla_sweep(now=now)
    assert services.sla_sweep(now=now)["tickets"] == 0
    # a new clock event marks its ticket (in the same transaction)
    t = Ticket.objects.get(pk=pks[0])
    services.add_message(t, actor=org.agent_a, body="已收到", public=True)
    assert Ticket.objects.get(pk=pks[0]).sla_next_at is None
    assert services.sla_sweep(now=now)["tickets"] == 1
    # an internal note is no clock event
    services.add_message(t, actor=org.agent_a, body="内部", public=False)
    assert services.sla_sweep(now=now)["tickets"] == 0
    # a calendar edit (a new holiday) recomputes the open tickets on that calendar
    cn = Calendar.objects.get(code="CN")
    CalendarDay.objects.create(calendar=cn, date=datetime(2026, 11, 3).date(), kind="holiday")
    assert services.sla_sweep(now=now)["tickets"] == 12
    before = set(Ticket.objects.filter(pk__in=pks).values_list("pk", "first_response_due", "resolution_due"))
    cn.weekly = {**cn.weekly, "0": ["09:00-12:00"]}
    cn.save()
    assert services.sla_sweep(now=now)["tickets"] == 12
    after = set(Ticket.objects.filter(pk__in=pks).values_list("pk", "first_response_due", "resolution_due"))
    assert before != after  # shorter Mondays: later due times, stored at once
    (esc, flags), (want_esc, want_flags) = _state(pks), _expected(pks, now)
    assert flags == want_flags and want_esc <= esc  # steps fired under the old calendar stay fired
    # a policy edit recomputes open tickets
    policy = SlaPolicy.objects.get(pk=Ticket.objects.get(pk=pks[0]).sla_policy_id)
    policy.save()
    assert services.sla_sweep(now=now)["tickets"] == 12


def test_stale_sweep_does_not_store_its_next_check_over_a_new_event(org: Any, make_ticket: Any) -> None:
    start = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    t = make_ticket(received_at=start, priority="P2", title="x")
    seq = Ticket.objects.get(pk=t.pk).sla_seq
    services.transition(t, actor=org.agent_a, action="accept")  # an event while a sweep computes
    sweep._write([(-1, -1, False, sweep.NEVER_TS, seq, t.pk)])  # the sweep read the older seq
    row = Ticket.objects.get(pk=t.pk)
    assert row.sla_next_at is None and row.sla_seq == seq + 1
    sweep._write([(-1, -1, False, sweep.NEVER_TS, row.sla_seq, t.pk)])
    assert Ticket.objects.get(pk=t.pk).sla_next_at == datetime(2999, 12, 31, tzinfo=UTC)


def test_saving_a_loaded_ticket_keeps_the_sweep_fields(org: Any, make_ticket: Any) -> None:
    t = make_ticket(received_at=datetime(2026, 11, 2, 1, 0, tzinfo=UTC), priority="P2", title="x")
    services.sla_sweep(now=datetime(2026, 11, 2, 1, 5, tzinfo=UTC))
    stale = Ticket.objects.get(pk=t.pk)
    TicketEvent.objects.create(ticket=t, kind="reply", body="ok", public=True)  # marks it
    stale.title = "y"
    stale.save()
    row = Ticket.objects.get(pk=t.pk)
    assert row.title == "y" and row.sla_next_at is None


def test_two_workers_notify_each_breach_once(org: Any, make_ticket: Any) -> None:
    start = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    pks = _mixed_tickets(org, make_ticket, start, 20)
    now = start + timedelta(days=3)
    a = services.sla_sweep(now=now)
    Ticket.objects.filter(pk__in=pks).update(sla_next_at=None)  # a second worker read the same tickets
    b = services.sla_sweep(now=now)
    assert a["escalations"] > 0 and b["escalations"] == 0 and b["tickets"] == 20
    assert Escalation.objects.filter(ticket_id__in=pks).count() == a["escalations"]
