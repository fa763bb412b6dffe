"""The vectorised batch path gives exactly the per-ticket engine's answers."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sla_cases import CN, NY_24X7, NY_NIGHT, NYC, sh
from sla_oracle import WAITING, make_policies, make_ticket

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
    Unit,
    compute_many,
    compute_ticket,
)
from sqms.sla.batch import compute_batch
from sqms.sla.presets import BANK_COMPLAINT, HAOCHAPING_RECTIFICATION

EXTRA_POLICIES = [
    BANK_COMPLAINT,
    HAOCHAPING_RECTIFICATION,
    ClockPolicy(
        (
            TargetSpec("first_response", Unit.BUSINESS_HOURS, 0),
            TargetSpec("resolution", Unit.NATURAL_DAYS, 7, extend_past_holidays=True, max_amount=9),
            TargetSpec("callback", Unit.WORKING_DAYS, 2, starts_on="responded", stops_on="called"),
            TargetSpec("confirmation", Unit.WORKING_DAYS, 0, pausable=False),
        ),
        frozenset({WAITING, "on_hold"}),
    ),
    ClockPolicy((TargetSpec("resolution", Unit.BUSINESS_HOURS, 2.25, pausable=False),)),
    ClockPolicy((TargetSpec("resolution", Unit.WORKING_DAYS, 1500),), frozenset({WAITING})),
]
STATUSES = ["accepted", "in_progress", WAITING, "on_hold", "resolved", "closed"]
MILESTONES = ["responded", "resolved", "confirmed", "called", "created", "other"]


def _random_event(rng: random.Random, at: datetime, policies: list[ClockPolicy]) -> Event:
    roll = rng.random()
    if roll < 0.4:
        return StatusChanged(at, rng.choice(STATUSES))
    if roll < 0.7:
        return Milestone(at, rng.choice(MILESTONES))
    if roll < 0.9:
        name = rng.choice(["first_response", "resolution", "confirmation", "callback", "nope"])
        return ExtensionApproved(at, name, rng.choice([1, 2, 0.5, 3.75, 8, 0]))
    if roll < 0.95:
        return PolicyChanged(at, rng.choice(policies))
    return Reopened(at)


def random_ticket(rng: random.Random, now: datetime) -> list[Event]:
    """A realistic ticket (the oracle's generator) or, often, a stranger one."""
    policies = make_policies() + EXTRA_POLICIES
    created = now - timedelta(seconds=rng.randint(-3 * 86400, 40 * 86400))
    if rng.random() < 0.5 and created <= now:
        created = created.replace(second=0, microsecond=0)
        return make_ticket(rng, created, rng.choice(policies), now)
    if rng.random() < 0.3:
        created = created.replace(microsecond=rng.randint(0, 999_999))
    status = rng.choice(["new", "new", WAITING, "on_hold"])
    events: list[Event] = [Created(created, rng.choice(policies), status)]
    t = created
    for _ in range(rng.randint(0, 12)):
        t += timedelta(seconds=rng.choice([0, 60, rng.randint(1, 3 * 86400)]))
        events.append(_random_event(rng, t, policies))
    roll = rng.random()
    if roll < 0.05:
        rng.shuffle(events)
    elif roll < 0.08:
        events.insert(0, StatusChanged(created - timedelta(minutes=5), WAITING))
    elif roll < 0.1:
        events.append(Created(t, rng.choice(policies)))
    return events


def _check(cal: BusinessCalendar, tickets: list[list[Event]], now: datetime) -> None:
    expected = [compute_ticket(cal, events, now) for events in tickets]
    got = compute_batch(cal, tickets, now)
    for i, (want, have) in enumerate(zip(expected, got, strict=True)):
        assert have == want, f"ticket {i}: {tickets[i]!r}"
        assert type(have) is type(want)
        assert list(have.targets) == list(want.targets)


@pytest.mark.parametrize("cal", [CN, NYC, NY_24X7, NY_NIGHT], ids=["CN", "NYC", "24x7", "night"])
def test_batch_equals_per_ticket_on_random_tickets(cal: BusinessCalendar) -> None:
    rng = random.Random(hash(cal.tz) & 0xFFFF)
    for round_ in range(3):
        now = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randint(0, 500 * 86400))
        if round_ == 2:
            now = sh(2025, 10, 9, 10, 30)  # inside National Day's aftermath
        _check(cal, [random_ticket(rng, now) for _ in range(1500)], now)


def test_batch_equals_per_ticket_on_benchmark_tickets() -> None:
    rng = random.Random(11)
    policies = make_policies()
    now = sh(2026, 1, 16)
    tickets = [
        make_ticket(
            rng, sh(2025, 1, 1) + timedelta(minutes=rng.randint(0, 380 * 24 * 60)), rng.choice(policies), now
        )
        for _ in range(3000)
    ]
    _check(CN, tickets, now)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_batch_matches_per_ticket_property(seed: int) -> None:
    rng = random.Random(seed)
    now = datetime(2024, 6, 1, tzinfo=UTC) + timedelta(seconds=rng.randint(0, 700 * 86400))
    _check(CN, [random_ticket(rng, now) for _ in range(80)], now)


def test_compute_many_uses_batch_and_keeps_the_list_api() -> None:
    rng = random.Random(5)
    now = sh(2025, 11, 3, 15)
    tickets = [random_ticket(rng, now) for _ in range(300)]
    assert compute_many(CN, iter(tickets), now) == [compute_ticket(CN, t, now) for t in tickets]
    assert compute_many(CN, tickets[:3], now) == [compute_ticket(CN, t, now) for t in tickets[:3]]
    assert compute_many(CN, [], now) == []
    assert compute_batch(CN, [], now) == []


def test_batch_errors_are_the_per_ticket_errors() -> None:
    now = sh(2025, 6, 4)
    good: list[Event] = [Created(sh(2025, 6, 3), make_policies()[0])]
    with pytest.raises(ValueError, match="Created"):
        compute_batch(CN, [good] * 100 + [[StatusChanged(sh(2025, 6, 3), WAITING)]], now)
    with pytest.raises(ValueError, match="naive"):
        compute_batch(CN, [good] * 100 + [[Created(datetime(2025, 6, 3), make_policies()[0])]], now)
    with pytest.raises(ValueError, match="Created"):
        compute_batch(CN, [good] * 100 + [[]], now)


def test_batch_far_future_and_uncovered_years() -> None:
    policy = make_policies()[0]
    now = datetime(2031, 3, 2, 10, tzinfo=UTC)
    tickets: list[list[Event]] = [[Created(now - timedelta(hours=h), policy)] for h in range(100)]
    tickets.append([Created(now - timedelta(days=3), EXTRA_POLICIES[-1])])  # due years later
    _check(CN, tickets, now)
    assert compute_batch(CN, tickets, now)[0].uncovered_years
