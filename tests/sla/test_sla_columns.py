"""The column-based batch path (event columns in, arrays out) agrees with the per-ticket engine.

Hypothesis draws whole event logs (not seeds), so a failure shrinks to the smallest log that
disagrees; the arrays of :class:`BatchResult` are checked field by field against the
:class:`TicketClock` objects of :func:`compute_ticket`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sla_cases import CN, NYC, sh
from sla_oracle import WAITING, make_policies

from sqms.sla import (
    BusinessCalendar,
    ClockPolicy,
    Created,
    Event,
    ExtensionApproved,
    Milestone,
    PolicyChanged,
    Reopened,
    StatusChanged,
    TargetSpec,
    TicketClock,
    Unit,
    compute_ticket,
)
from sqms.sla.batch import STATES, columns_from_events, compute_batch, compute_columns
from sqms.sla.presets import BANK_COMPLAINT, HAOCHAPING_RECTIFICATION

POLICIES = [
    *make_policies(),
    BANK_COMPLAINT,
    HAOCHAPING_RECTIFICATION,
    ClockPolicy(
        (
            TargetSpec("first_response", Unit.BUSINESS_HOURS, 0.5),
            TargetSpec("resolution", Unit.NATURAL_DAYS, 3, extend_past_holidays=True, max_amount=5),
            TargetSpec("callback", Unit.WORKING_DAYS, 1, starts_on="responded", stops_on="called"),
        ),
        frozenset({WAITING, "on_hold"}),
    ),
]
STATUSES = ["accepted", "in_progress", WAITING, "on_hold", "resolved", "closed"]
MILESTONES = ["responded", "resolved", "confirmed", "called"]
TARGETS = ["first_response", "resolution", "confirmation", "callback"]
BASE = datetime(2024, 9, 20, tzinfo=UTC)  # spans National Day 2024, New Year and Spring Festival 2025

offsets = st.integers(0, 6 * 86400) | st.sampled_from([0, 60, 3600])


@st.composite
def event_log(draw: st.DrawFn) -> list[Event]:
    created = BASE + timedelta(seconds=draw(st.integers(0, 150 * 86400)))
    events: list[Event] = [
        Created(created, draw(st.sampled_from(POLICIES)), draw(st.sampled_from(["new", WAITING])))
    ]
    at = created
    for _ in range(draw(st.integers(0, 9))):
        at += timedelta(seconds=draw(offsets))
        kind = draw(st.integers(0, 19))
        if kind < 8:
            events.append(StatusChanged(at, draw(st.sampled_from(STATUSES))))
        elif kind < 14:
            events.append(Milestone(at, draw(st.sampled_from(MILESTONES))))
        elif kind < 18:
            amount = draw(st.sampled_from([0, 0.5, 1, 2, 8]))
            events.append(ExtensionApproved(at, draw(st.sampled_from(TARGETS)), amount))
        elif kind < 19:
            events.append(PolicyChanged(at, draw(st.sampled_from(POLICIES))))
        else:
            events.append(Reopened(at))
    if draw(st.integers(0, 29)) == 0:  # rarely: out of order (per-ticket path, same answer)
        events.reverse()
    return events


def _assert_arrays_match(cal: BusinessCalendar, tickets: list[list[Event]], now: datetime) -> None:
    expected = [compute_ticket(cal, events, now) for events in tickets]
    result = compute_columns(cal, columns_from_events(tickets), now)
    assert result.clocks() == expected
    for i in (0, len(tickets) - 1):
        assert result.clock(i) == expected[i]
    for name in {n for clock in expected for n in clock.targets}:
        col = result.target(name)
        for i, clock in enumerate(expected):
            t = clock.targets.get(name)
            assert bool(col.present[i]) == (t is not None), (i, name)
            if t is None:
                continue
            got = (
                STATES[col.state[i]],
                int(col.budget[i]),
                int(col.elapsed[i]),
                int(col.remaining[i]),
                int(col.paused[i]),
                int(col.due_ts[i]),
                int(col.breached_ts[i]),
                int(col.fulfilled_ts[i]),
            )
            want = (
                t.state,
                t.budget,
                t.elapsed,
                t.remaining,
                t.paused,
                -1 if t.due_ts is None else t.due_ts,
                -1 if t.breached_ts is None else t.breached_ts,
                -1 if t.fulfilled_ts is None else t.fulfilled_ts,
            )
            assert got == want, (i, name, tickets[i])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tickets=st.lists(event_log(), min_size=1, max_size=25),
    now_offset=st.integers(0, 200 * 86400),
)
def test_batch_equals_per_ticket_on_random_event_logs(tickets: list[list[Event]], now_offset: int) -> None:
    now = BASE + timedelta(seconds=now_offset)
    assert compute_batch(CN, tickets, now) == [compute_ticket(CN, events, now) for events in tickets]
    _assert_arrays_match(CN, tickets, now)


@settings(max_examples=10, deadline=None)
@given(tickets=st.lists(event_log(), min_size=1, max_size=15), now_offset=st.integers(0, 200 * 86400))
def test_arrays_match_per_ticket_on_a_dst_calendar(tickets: list[list[Event]], now_offset: int) -> None:
    _assert_arrays_match(NYC, tickets, BASE + timedelta(seconds=now_offset))


def test_target_column_of_a_known_ticket() -> None:
    """Hand-checked: P-policy created Friday 2025-06-06 16:00 Shanghai, 4 business hours to respond."""
    policy = ClockPolicy((TargetSpec("first_response", Unit.BUSINESS_HOURS, 4),), frozenset({WAITING}))
    tickets: list[list[Event]] = [
        [Created(sh(2025, 6, 6, 16), policy)],
        [Created(sh(2025, 6, 6, 16), policy)],
    ]
    tickets[1].append(Milestone(sh(2025, 6, 9, 9, 30), "responded"))
    now = sh(2025, 6, 9, 10)
    col = compute_columns(CN, columns_from_events(tickets), now).target("first_response")
    # Friday 16:00-17:30 is 1.5 h; Monday 09:00-11:30 the remaining 2.5 h (weekend skipped).
    assert col.due_ts.tolist() == [int(sh(2025, 6, 9, 11, 30).timestamp())] * 2
    assert [STATES[s].value for s in col.state] == ["running", "met"]
    assert col.elapsed.tolist() == [int(2.5 * 3600), (2 * 3600)]
    assert col.fulfilled_ts.tolist() == [-1, int(sh(2025, 6, 9, 9, 30).timestamp())]
    assert not compute_columns(CN, columns_from_events(tickets), now).target("nope").present.any()


def test_columns_need_a_fallback_for_tickets_the_machine_does_not_model() -> None:
    policy = make_policies()[0]
    tickets: list[list[Event]] = [
        [Created(sh(2025, 6, 3), policy)],
        [Created(sh(2025, 6, 3), policy), Reopened(sh(2025, 6, 3, 10))],
    ]
    cols = columns_from_events(tickets)
    result = compute_columns(CN, cols, sh(2025, 6, 4))
    assert set(result.fallback) == {1} and result.fast_idx.tolist() == [0]
    assert result.clocks() == [compute_ticket(CN, t, sh(2025, 6, 4)) for t in tickets]
    bare = type(cols)(**{**cols.__dict__, "fallback": None})
    with pytest.raises(ValueError, match="fallback"):
        compute_columns(CN, bare, sh(2025, 6, 4))


def test_empty_batch_and_types() -> None:
    result = compute_columns(CN, columns_from_events([]), sh(2025, 6, 4))
    assert result.clocks() == [] and result.target("resolution").present.shape == (0,)
    tickets: list[list[Event]] = [[Created(sh(2025, 6, 3), make_policies()[1])]]
    clocks = compute_columns(CN, columns_from_events(tickets), sh(2025, 6, 4)).clocks()
    assert type(clocks[0]) is TicketClock and isinstance(clocks[0].targets["resolution"].due_ts, int)
    assert np.issubdtype(columns_from_events(tickets).ts.dtype, np.integer)
