"""The periodic sweep computes clocks through the engine's batch path (one batch per calendar): the same
clocks as one ticket at a time, and the same escalations."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sqms.feedback import services
from sqms.feedback.models import Escalation, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def test_batch_clocks_equal_per_ticket_clocks_and_sweep_escalates(org: Any, make_ticket: Any) -> None:
    rng = random.Random(4)
    start = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 Shanghai
    tickets = []
    for i in range(80):  # above the engine's batch threshold (64)
        received = start + timedelta(minutes=rng.randint(0, 3 * 24 * 60))
        t = make_ticket(received_at=received, priority=rng.choice(["P1", "P2", "P3"]), title=f"投诉 {i}")
        roll = rng.random()
        if roll < 0.3:
            services.transition(t, actor=org.agent_a, action="accept")
        elif roll < 0.5:
            services.transition(t, actor=org.agent_a, action="accept")
            services.transition(t, actor=org.agent_a, action="wait")  # paused
        tickets.append(t)
    # events stamped at the sweep's "now" would be in its future: place them at the ticket's creation
    for t in tickets:
        TicketEvent.objects.filter(ticket=t).exclude(kind="created").update(
            at=t.received_at + timedelta(minutes=5)
        )
    now = start + timedelta(days=4)
    chunk = list(Ticket.objects.filter(pk__in=[t.pk for t in tickets]).select_related("sla_policy__calendar"))
    rows: dict[int, list[Any]] = {t.pk: [] for t in chunk}
    for ev in TicketEvent.objects.filter(ticket__in=chunk).order_by("at", "id"):
        rows[ev.ticket_id].append(ev)
    batch = services.ticket_clocks(chunk, rows, now)
    assert len(batch) == 80
    for t in chunk:
        assert batch[t.pk] == services.ticket_clock(t, now, rows[t.pk]), t.number
    assert {c.paused for c in batch.values()} == {True, False}
    stats = services.sla_sweep(now=now)
    assert stats["tickets"] == 80 and stats["escalations"] > 0
    assert Escalation.objects.count() == stats["escalations"]
    again = services.sla_sweep(now=now)
    assert again["escalations"] == 0  # idempotent
