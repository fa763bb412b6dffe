"""``BatchResult.wake_ts``: the instant a ticket's sweep figures next change without a new event.

Checked against the per-ticket engine at later instants: nothing the sweep acts on (a ladder step
reached, a target's state) changes before the wake instant; at it something does (a step, a state,
or a paused target's projected due instant is reached); no wake instant means nothing changes for
weeks. Exact for vectorised tickets, a lower bound for per-ticket (fallback) ones."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sla_cases import CN, NYC, sh
from sla_oracle import make_policies, make_ticket

from sqms.sla import BusinessCalendar, Event, PolicyChanged, State, compute_ticket
from sqms.sla.arithmetic import from_ts, to_ts
from sqms.sla.batch import columns_from_events, compute_columns

LADDER = (50, 75, 100)


def _signature(cal: BusinessCalendar, events: list[Event], at: datetime) -> frozenset[tuple[str, str, int]]:
    """What the sweep acts on: each target's state and the ladder steps its open clock has reached."""
    out = set()
    for name, t in compute_ticket(cal, events, at).targets.items():
        out.add((name, t.state.value, -1))
        if t.fulfilled_ts is None and t.state not in (State.PENDING, State.MET):
            out.update((name, "step", p) for p in LADDER if t.budget <= 0 or t.elapsed * 100 >= p * t.budget)
    return frozenset(out)


def _tickets(seed: int, now: datetime, n: int) -> list[list[Event]]:
    rng = random.Random(seed)
    policies = make_policies()
    out = []
    for _ in range(n):
        created = now - timedelta(minutes=rng.randint(10, 12 * 24 * 60))
        events = make_ticket(rng, created, rng.choice(policies), now)
        if rng.random() < 0.05:  # a policy change: the per-ticket path
            events.append(PolicyChanged(now - timedelta(minutes=1), rng.choice(policies)))
            events.sort(key=lambda e: e.at)
        out.append(events)
    return out


def _check(cal: BusinessCalendar, tickets: list[list[Event]], now: datetime) -> dict[str, int]:
    result = compute_columns(cal, columns_from_events(tickets), now)
    wake = result.wake_ts(cal, now, LADDER)
    now_ts = to_ts(now)
    seen = {"exact": 0, "never": 0, "fallback": 0, "paused": 0}
    for i, events in enumerate(tickets):
        w = int(wake[i])
        before = _signature(cal, events, now)
        if w < 0:
            seen["never"] += 1
            for days in (1, 7, 40):
                assert _signature(cal, events, now + timedelta(days=days)) == before, i
            continue
        assert w > now_ts, i
        # nothing changes before the wake instant
        assert _signature(cal, events, from_ts(w - 1)) == before, i
        if i in result.fallback:
            seen["fallback"] += 1
            continue
        clock = compute_ticket(cal, events, now)
        paused_due = [
            t.due_ts
            for t in clock.targets.values()
            if t.state is State.PAUSED and t.due_ts is not None and t.fulfilled_ts is None
        ]
        if paused_due and w == max(min(paused_due), now_ts + 60):
            seen["paused"] += 1
            continue
        assert _signature(cal, events, from_ts(w)) != before, i  # exact: something changes at w
        seen["exact"] += 1
    return seen


def test_wake_instants_on_cn_and_new_york() -> None:
    for cal, now in ((CN, sh(2026, 1, 16, 10, 7)), (NYC, sh(2025, 11, 3, 2, 0))):
        seen = _check(cal, _tickets(5, now, 400), now)
        assert seen["exact"] > 50 and seen["never"] > 20 and seen["paused"] > 5 and seen["fallback"] > 3


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 60 * 24 * 14))
def test_wake_instants_property(seed: int, minutes: int) -> None:
    now = sh(2026, 1, 5) + timedelta(minutes=minutes)
    _check(CN, _tickets(seed, now, 80), now)
