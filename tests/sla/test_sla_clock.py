"""The SLA clock: hand-checked scenarios, conventions, properties and the stepping oracle."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sla_cases import CN, NYC, sh
from sla_oracle import make_policies, make_ticket, oracle_ticket

from sqms.sla import (
    ClockPolicy,
    Created,
    Event,
    ExtensionApproved,
    Milestone,
    PolicyChanged,
    Reopened,
    State,
    StatusChanged,
    TargetSpec,
    Unit,
    add_business_minutes,
    cn_known_years,
    compute_many,
    compute_ticket,
    threshold_time,
)
from sqms.sla.presets import BANK_COMPLAINT, HAOCHAPING_RECTIFICATION, PRIORITY_BUSINESS_HOURS

H = 3600
W = "waiting_customer"
POLICY = ClockPolicy(
    (
        TargetSpec("first_response", Unit.BUSINESS_HOURS, 4),
        TargetSpec("resolution", Unit.BUSINESS_HOURS, 16),
        TargetSpec("confirmation", Unit.NATURAL_DAYS, 3, pausable=False),
    ),
    frozenset({W}),
)

# Created on the last working day before National Day 2025, paused for the whole of 9 October.
NATIONAL_DAY: list[Event] = [
    Created(sh(2025, 9, 30, 10), POLICY),
    Milestone(sh(2025, 9, 30, 11), "responded"),
    StatusChanged(sh(2025, 10, 9, 9), W),
    StatusChanged(sh(2025, 10, 10, 9), "in_progress"),
]


def test_national_day_running() -> None:
    clock = compute_ticket(CN, NATIONAL_DAY, sh(2025, 10, 10, 15))
    fr, res, conf = (clock.targets[n] for n in ("first_response", "resolution", "confirmation"))
    assert fr.state is State.MET
    assert fr.due_at == sh(2025, 9, 30, 15, 30)
    assert fr.fulfilled_at == sh(2025, 9, 30, 11)
    assert fr.elapsed == 1 * H
    # 16 h from 30 Sep 10:00 would be 10 Oct 12:00; the 7 h pause on 9 Oct pushes it over the
    # afternoon of the 10th onto the make-up Saturday 11 Oct.
    assert res.state is State.RUNNING
    assert res.due_at == sh(2025, 10, 11, 12)
    assert res.elapsed == int(10.5 * H)
    assert res.remaining == int(5.5 * H)
    assert res.paused == 7 * H
    assert conf.state is State.PENDING
    assert conf.due_at is None
    assert not clock.paused
    assert clock.uncovered_years == ()


def test_national_day_paused_projects_due_from_now() -> None:
    clock = compute_ticket(CN, NATIONAL_DAY, sh(2025, 10, 9, 15))
    res = clock.targets["resolution"]
    assert clock.paused
    assert res.state is State.PAUSED
    assert res.elapsed == 6 * H
    assert res.paused == int(4.5 * H)
    assert res.due_at == sh(2025, 10, 11, 9, 30)


def test_national_day_breached_on_make_up_saturday() -> None:
    res = compute_ticket(CN, NATIONAL_DAY, sh(2025, 10, 13, 12)).targets["resolution"]
    assert res.state is State.BREACHED
    assert res.breached_at == sh(2025, 10, 11, 12)
    assert res.due_at == res.breached_at
    assert res.remaining == -7 * H


def test_resolve_confirm_and_reopen() -> None:
    resolved = [*NATIONAL_DAY, Milestone(sh(2025, 10, 10, 15), "resolved")]
    clock = compute_ticket(CN, [*resolved, Milestone(sh(2025, 10, 12, 20), "confirmed")], sh(2025, 10, 20))
    assert clock.targets["resolution"].state is State.MET
    assert clock.targets["resolution"].elapsed == int(10.5 * H)
    conf = clock.targets["confirmation"]
    assert conf.state is State.MET
    assert conf.started_at == sh(2025, 10, 10, 15)
    assert conf.due_at == sh(2025, 10, 14)  # end of the 3rd natural day after 10 Oct

    # Reopened instead: resolution resumes with 5.5 h left from 13 Oct 09:00 (the time between
    # resolution and reopening is not counted) → 3 h before lunch, 2.5 h after → due 16:00.
    # The confirmation target goes back to pending.
    reopened = compute_ticket(CN, [*resolved, Reopened(sh(2025, 10, 13, 9))], sh(2025, 10, 13, 12))
    assert reopened.targets["resolution"].state is State.RUNNING
    assert reopened.targets["resolution"].due_at == sh(2025, 10, 13, 16)
    reopened = compute_ticket(CN, [*resolved, Reopened(sh(2025, 10, 13, 9))], sh(2025, 10, 13, 17))
    res = reopened.targets["resolution"]
    assert res.state is State.BREACHED
    assert res.breached_at == sh(2025, 10, 13, 16)
    assert res.fulfilled_at is None
    assert reopened.targets["confirmation"].state is State.PENDING
    assert reopened.targets["first_response"].state is State.MET


def test_first_response_only_first_counts() -> None:
    events: list[Event] = [
        Created(sh(2025, 6, 3, 9), POLICY),
        Milestone(sh(2025, 6, 3, 10), "responded"),
        Milestone(sh(2025, 6, 5, 10), "responded"),
    ]
    fr = compute_ticket(CN, events, sh(2025, 6, 6)).targets["first_response"]
    assert fr.state is State.MET
    assert fr.fulfilled_at == sh(2025, 6, 3, 10)


def test_met_late_is_breached() -> None:
    events: list[Event] = [Created(sh(2025, 6, 3, 9), POLICY), Milestone(sh(2025, 6, 3, 15), "responded")]
    fr = compute_ticket(CN, events, sh(2025, 6, 6)).targets["first_response"]
    assert fr.state is State.BREACHED
    assert fr.breached_at == sh(2025, 6, 3, 14, 30)  # 3 h before lunch + 1 h after
    assert fr.fulfilled_at == sh(2025, 6, 3, 15)


def test_due_exactly_at_fulfilment_is_met() -> None:
    events: list[Event] = [Created(sh(2025, 6, 3, 9), POLICY), Milestone(sh(2025, 6, 3, 14, 30), "responded")]
    assert compute_ticket(CN, events, sh(2025, 6, 6)).targets["first_response"].state is State.MET


def test_bank_complaint_extension_capped_at_30_days() -> None:
    created = sh(2025, 6, 3, 10)
    base = compute_ticket(CN, [Created(created, BANK_COMPLAINT)], sh(2025, 6, 4))
    assert base.targets["resolution"].due_at == sh(2025, 6, 19)
    assert base.targets["first_response"].due_at == sh(2025, 6, 4, 17, 30)
    extended = compute_ticket(
        CN,
        [Created(created, BANK_COMPLAINT), ExtensionApproved(sh(2025, 6, 10), "resolution", 20)],
        sh(2025, 6, 11),
    )
    assert extended.targets["resolution"].due_at == sh(2025, 7, 4)  # 30 days, not 35


def test_haochaping_five_working_days() -> None:
    clock = compute_ticket(CN, [Created(sh(2025, 9, 30, 10), HAOCHAPING_RECTIFICATION)], sh(2025, 10, 1))
    assert clock.targets["resolution"].due_at == sh(2025, 10, 14, 17, 30)


def test_extension_after_breach_is_ignored() -> None:
    events: list[Event] = [
        Created(sh(2025, 6, 3, 9), PRIORITY_BUSINESS_HOURS["P2"]),
        ExtensionApproved(sh(2025, 6, 3, 11), "first_response", 4),
    ]
    fr = compute_ticket(CN, events, sh(2025, 6, 3, 12)).targets["first_response"]
    assert fr.state is State.BREACHED
    assert fr.breached_at == sh(2025, 6, 3, 10)
    assert fr.ignored_extensions == 1


def test_priority_raised_makes_ticket_overdue_at_the_change() -> None:
    events: list[Event] = [
        Created(sh(2025, 6, 3, 9), PRIORITY_BUSINESS_HOURS["P3"]),
        PolicyChanged(sh(2025, 6, 4, 9), PRIORITY_BUSINESS_HOURS["P1"]),
        PolicyChanged(sh(2025, 6, 4, 10), PRIORITY_BUSINESS_HOURS["P4"]),
    ]
    res = compute_ticket(CN, events, sh(2025, 6, 4, 11)).targets["resolution"]
    assert res.state is State.BREACHED  # lowering the priority again does not erase the breach
    assert res.breached_at == sh(2025, 6, 4, 9)


def test_priority_lowered_measures_from_original_start() -> None:
    events: list[Event] = [
        Created(sh(2025, 6, 3, 9), PRIORITY_BUSINESS_HOURS["P1"]),
        PolicyChanged(sh(2025, 6, 3, 10), PRIORITY_BUSINESS_HOURS["P2"]),
    ]
    res = compute_ticket(CN, events, sh(2025, 6, 3, 11)).targets["resolution"]
    assert res.state is State.RUNNING
    assert res.due_at == sh(2025, 6, 4, 10)  # 8 business hours from 3 Jun 09:00


def test_target_added_by_policy_change_is_measured_from_creation_minus_pauses() -> None:
    only_resolution = ClockPolicy((TargetSpec("resolution", Unit.BUSINESS_HOURS, 16),), frozenset({W}))
    events: list[Event] = [
        Created(sh(2025, 6, 3, 9), only_resolution),
        StatusChanged(sh(2025, 6, 3, 10), W),
        StatusChanged(sh(2025, 6, 3, 11), "in_progress"),
        PolicyChanged(sh(2025, 6, 3, 15), POLICY),
    ]
    fr = compute_ticket(CN, events, sh(2025, 6, 3, 15, 1)).targets["first_response"]
    assert fr.paused == 1 * H
    assert fr.due_at == sh(2025, 6, 3, 15, 30)  # 09:00 + 4 h + 1 h paused
    assert fr.state is State.RUNNING


def test_natural_day_target_pause_pushes_by_wall_clock() -> None:
    policy = ClockPolicy((TargetSpec("resolution", Unit.NATURAL_DAYS, 3),), frozenset({W}))
    events: list[Event] = [
        Created(sh(2025, 6, 3, 10), policy),
        StatusChanged(sh(2025, 6, 4, 10), W),
        StatusChanged(sh(2025, 6, 5, 10), "in_progress"),
    ]
    res = compute_ticket(CN, events, sh(2025, 6, 5, 12)).targets["resolution"]
    assert res.natural
    assert res.paused == 24 * H
    assert res.due_at == sh(2025, 6, 8)


def test_pause_spanning_holidays_counts_only_business_time() -> None:
    policy = ClockPolicy((TargetSpec("resolution", Unit.BUSINESS_HOURS, 16),), frozenset({W}))
    events: list[Event] = [
        Created(sh(2025, 9, 29, 9), policy),
        StatusChanged(sh(2025, 9, 30, 9), W),
        StatusChanged(sh(2025, 10, 10, 9), "in_progress"),
    ]
    res = compute_ticket(CN, events, sh(2025, 10, 10, 10)).targets["resolution"]
    assert res.paused == 14 * H  # 30 Sep + 9 Oct; the holidays in between are not business time
    assert res.due_at == sh(2025, 10, 11, 11)  # 9 h left from 10 Oct 09:00, into make-up Saturday


def test_unpausable_target_ignores_pause() -> None:
    policy = ClockPolicy((TargetSpec("resolution", Unit.BUSINESS_HOURS, 4, pausable=False),), frozenset({W}))
    events: list[Event] = [Created(sh(2025, 6, 3, 9), policy), StatusChanged(sh(2025, 6, 3, 9, 30), W)]
    res = compute_ticket(CN, events, sh(2025, 6, 3, 10)).targets["resolution"]
    assert res.state is State.RUNNING
    assert res.due_at == sh(2025, 6, 3, 14, 30)


def test_created_in_pause_status() -> None:
    events: list[Event] = [Created(sh(2025, 6, 3, 9), POLICY, status=W)]
    clock = compute_ticket(CN, events, sh(2025, 6, 3, 10))
    assert clock.targets["resolution"].state is State.PAUSED
    assert clock.targets["resolution"].elapsed == 0


def test_same_events_same_answer_any_order_and_future_events_ignored() -> None:
    events = [*NATIONAL_DAY, Milestone(sh(2025, 10, 10, 15), "resolved")]
    now = sh(2025, 10, 10, 12)
    expected = compute_ticket(CN, events[:4], now)
    rng = random.Random(4)
    for _ in range(5):
        shuffled = events[:]
        rng.shuffle(shuffled)
        assert compute_ticket(CN, shuffled, now) == expected
    assert compute_many(CN, [events, events], now) == [expected, expected]


def test_event_before_creation_counts_at_creation() -> None:
    events: list[Event] = [StatusChanged(sh(2025, 6, 3, 8, 59), W), Created(sh(2025, 6, 3, 9), POLICY)]
    assert compute_ticket(CN, events, sh(2025, 6, 3, 10)).targets["resolution"].state is State.PAUSED


def test_bad_logs() -> None:
    with pytest.raises(ValueError, match="Created"):
        compute_ticket(CN, [StatusChanged(sh(2025, 6, 3), W)], sh(2025, 6, 4))
    with pytest.raises(ValueError, match="naive"):
        compute_ticket(CN, [Created(datetime(2025, 6, 3), POLICY)], sh(2025, 6, 4))
    assert compute_ticket(CN, [Created(sh(2025, 6, 3), POLICY)], sh(2025, 6, 2)).targets == {}


def test_uncovered_year_flag_in_clock() -> None:
    future = cn_known_years().stop + 1
    clock = compute_ticket(CN, [Created(sh(future, 3, 2, 9), POLICY)], sh(future, 3, 2, 10))
    assert clock.uncovered_years == (future,)
    assert clock.targets["resolution"].state is State.RUNNING  # weekly pattern used, no crash
    last = cn_known_years().stop - 1
    spanning = compute_ticket(CN, [Created(sh(last, 12, 31, 9), POLICY)], sh(last, 12, 31, 10))
    assert spanning.uncovered_years == (last + 1,)  # the resolution due date falls in the next year


def test_threshold_time_for_escalation() -> None:
    clock = compute_ticket(CN, [Created(sh(2025, 6, 3, 9), POLICY)], sh(2025, 6, 3, 10))
    res = clock.targets["resolution"]
    assert threshold_time(CN, res, 0.5, sh(2025, 6, 3, 10)) == sh(2025, 6, 4, 10)  # 8 of 16 h
    assert threshold_time(CN, res, 0.01, sh(2025, 6, 3, 10)) == sh(2025, 6, 3, 10)
    assert 0 < res.fraction_used < 0.1


def test_ny_dst_clock() -> None:
    policy = ClockPolicy((TargetSpec("resolution", Unit.BUSINESS_HOURS, 2),))
    clock = compute_ticket(NYC, [Created(datetime(2025, 3, 7, 21, tzinfo=UTC), policy)], datetime.now(UTC))
    assert clock.targets["resolution"].breached_at == datetime(2025, 3, 10, 14, tzinfo=UTC)


# ----------------------------------------------------------------------------- properties
STARTS = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 6, 30), timezones=st.just(UTC))
OFFSETS = st.integers(min_value=0, max_value=20 * 24 * 60)


def _single(unit: Unit, amount: float) -> ClockPolicy:
    return ClockPolicy((TargetSpec("resolution", unit, amount),), frozenset({W}))


@settings(deadline=None)  # a lazy timeline build can take >200 ms on a loaded machine
@given(STARTS, st.sampled_from(list(Unit)), st.integers(0, 30), st.integers(0, 30), OFFSETS, OFFSETS, OFFSETS)
def test_pause_never_makes_deadline_earlier(
    start: datetime, unit: Unit, amount: int, _unused: int, p0: int, plen: int, now_off: int
) -> None:
    now = start + timedelta(minutes=now_off)
    plain = compute_ticket(CN, [Created(start, _single(unit, amount))], now).targets["resolution"]
    paused = compute_ticket(
        CN,
        [
            Created(start, _single(unit, amount)),
            StatusChanged(start + timedelta(minutes=p0), W),
            StatusChanged(start + timedelta(minutes=p0 + plen), "in_progress"),
        ],
        now,
    ).targets["resolution"]
    assert plain.due_ts is not None
    assert paused.due_ts is not None
    assert paused.due_ts >= plain.due_ts
    if plain.state is not State.BREACHED:
        assert paused.state is not State.BREACHED


@settings(deadline=None)  # a lazy timeline build can take >200 ms on a loaded machine
@given(STARTS, st.sampled_from(list(Unit)), st.integers(0, 30), st.integers(0, 30), OFFSETS)
def test_longer_target_never_earlier_in_clock(
    start: datetime, unit: Unit, a: int, b: int, now_off: int
) -> None:
    lo, hi = sorted((a, b))
    now = start + timedelta(minutes=now_off)
    d_lo = compute_ticket(CN, [Created(start, _single(unit, lo))], now).targets["resolution"].due_ts
    d_hi = compute_ticket(CN, [Created(start, _single(unit, hi))], now).targets["resolution"].due_ts
    assert d_lo is not None
    assert d_hi is not None
    assert d_lo <= d_hi


@settings(deadline=None)  # a lazy timeline build can take >200 ms on a loaded machine
@given(STARTS, st.integers(1, 40), OFFSETS)
def test_unpaused_business_due_equals_arithmetic(start: datetime, hours: int, now_off: int) -> None:
    res = compute_ticket(
        CN, [Created(start, _single(Unit.BUSINESS_HOURS, hours))], start + timedelta(minutes=now_off)
    ).targets["resolution"]
    assert res.due_at == add_business_minutes(CN, start, hours * 60)


@settings(deadline=None)  # a lazy timeline build can take >200 ms on a loaded machine
@given(STARTS, st.integers(1, 40), OFFSETS, OFFSETS)
def test_extension_is_like_a_longer_target(start: datetime, hours: int, ext_at: int, now_off: int) -> None:
    now = start + timedelta(minutes=ext_at + now_off)
    extended = compute_ticket(
        CN,
        [
            Created(start, _single(Unit.BUSINESS_HOURS, hours)),
            ExtensionApproved(start + timedelta(minutes=ext_at), "resolution", 3),
        ],
        now,
    ).targets["resolution"]
    longer = compute_ticket(CN, [Created(start, _single(Unit.BUSINESS_HOURS, hours + 3))], now).targets[
        "resolution"
    ]
    if extended.ignored_extensions == 0:
        assert extended.due_ts == longer.due_ts
        assert extended.state == longer.state


# ----------------------------------------------------------------------------- oracle
@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_clock_matches_minute_stepping_oracle(seed: int) -> None:
    rng = random.Random(seed)
    policies = make_policies()
    created = sh(2025, 1, 1) + timedelta(minutes=rng.randint(0, 360 * 24 * 60))
    now = created + timedelta(minutes=rng.randint(0, 15 * 24 * 60))
    events = make_ticket(rng, created, rng.choice(policies), now)
    clock = compute_ticket(CN, events, now)
    expected = oracle_ticket(CN, events, now)
    got = {name: (t.state, t.due_ts) for name, t in clock.targets.items()}
    assert got == expected


def test_runs_for_says_how_long_the_time_left_keeps_falling() -> None:
    """Business time falls until the current working window ends (CN: 13:30-17:30), not at lunch, not
    for a met or pending target; a natural-day target falls without end (hand-checked)."""
    from sqms.sla import runs_for

    at_15 = sh(2025, 10, 10, 15)
    clock = compute_ticket(CN, NATIONAL_DAY, at_15)
    fr, res, conf = (clock.targets[n] for n in ("first_response", "resolution", "confirmation"))
    assert runs_for(CN, res, at_15) == int(2.5 * H)  # until 17:30
    assert runs_for(CN, fr, at_15) == 0  # met
    assert runs_for(CN, conf, at_15) == 0  # pending until resolved
    lunch = sh(2025, 10, 10, 12, 30)
    assert runs_for(CN, compute_ticket(CN, NATIONAL_DAY, lunch).targets["resolution"], lunch) == 0
    resolved = [*NATIONAL_DAY, Milestone(sh(2025, 10, 10, 16), "resolved")]
    evening = sh(2025, 10, 10, 20)
    conf = compute_ticket(CN, resolved, evening).targets["confirmation"]
    assert conf.natural and runs_for(CN, conf, evening) is None  # natural days: falls at night too
