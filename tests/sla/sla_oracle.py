"""Brute-force minute-stepping oracle for the SLA engine (tests and the benchmark baseline).

Deliberately naive and independent of :class:`sqms.sla.calendar.Timeline`: it asks the calendar
only "which windows does this local date have?" and walks one minute at a time, converting
every minute to local time with zoneinfo.  Inputs must be whole minutes.  The clock oracle
supports Created, StatusChanged, Milestone and ExtensionApproved (the events the benchmark
generates); PolicyChanged and Reopened are covered by the hand-checked tests instead.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from sqms.sla.calendar import BusinessCalendar
from sqms.sla.clock import (
    ClockPolicy,
    Created,
    Event,
    ExtensionApproved,
    Milestone,
    State,
    StatusChanged,
    TargetSpec,
    Unit,
)
from sqms.sla.presets import PRIORITY_BUSINESS_HOURS

MIN = 60


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


def is_working_minute(cal: BusinessCalendar, ts: int) -> bool:
    """Whether the minute starting at ``ts`` lies inside a working window (local rules)."""
    local = datetime.fromtimestamp(ts, cal.zone)
    minute = local.hour * 60 + local.minute
    return any(s <= minute < e for s, e in cal.windows_for(local.date()))


def oracle_add_minutes(cal: BusinessCalendar, start: datetime, minutes: int) -> datetime:
    """Step minute by minute until ``minutes`` working minutes have passed."""
    t = _ts(start)
    left = minutes
    while left > 0:
        if is_working_minute(cal, t):
            left -= 1
        t += MIN
    return datetime.fromtimestamp(t, UTC)


def oracle_minutes_between(cal: BusinessCalendar, a: datetime, b: datetime) -> int:
    """Count working minutes in ``[a, b)`` one by one."""
    t, end, n = _ts(a), _ts(b), 0
    while t < end:
        n += is_working_minute(cal, t)
        t += MIN
    return n


def _local_midnight(cal: BusinessCalendar, day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=cal.zone).timestamp())


def oracle_working_days(cal: BusinessCalendar, start: datetime, n: int) -> datetime:
    """Walk dates one by one; due at the end of the last working minute of the n-th working day."""
    if n == 0:
        return start
    day = start.astimezone(cal.zone).date()
    while n:
        day += timedelta(days=1)
        if cal.windows_for(day):
            n -= 1
    # last working minute of that day, found by stepping through the day
    t = _local_midnight(cal, day)
    stop = _local_midnight(cal, day + timedelta(days=1))
    last = t
    while t < stop:
        if is_working_minute(cal, t):
            last = t + MIN
        t += MIN
    return datetime.fromtimestamp(last, UTC)


def oracle_natural_days(cal: BusinessCalendar, start: datetime, n: int) -> datetime:
    if n == 0:
        return start
    day = start.astimezone(cal.zone).date() + timedelta(days=n + 1)
    return datetime.fromtimestamp(_local_midnight(cal, day), UTC)


def _budget_minutes(cal: BusinessCalendar, spec: TargetSpec, amount: float, start: int) -> int:
    begin = datetime.fromtimestamp(start, UTC)
    if spec.unit is Unit.BUSINESS_HOURS:
        return round(amount * 60)
    if spec.unit is Unit.WORKING_DAYS:
        return oracle_minutes_between(cal, begin, oracle_working_days(cal, begin, int(amount)))
    return (_ts(oracle_natural_days(cal, begin, int(amount))) - start) // MIN


def oracle_ticket(
    cal: BusinessCalendar, events: Sequence[Event], now: datetime
) -> dict[str, tuple[State, int | None]]:
    """(state, due epoch seconds) per target by stepping every minute from its start.

    Each target is walked minute by minute from its start until it is fulfilled, breached or
    ``now`` is reached; events are applied at their minute.  Same conventions as the engine:
    a breach happens when a counting target's time runs out before a later instant.
    """
    evs = sorted(events, key=lambda e: e.at)
    created = next(e for e in evs if isinstance(e, Created))
    policy = created.policy
    now_ts = _ts(now)
    by_time: dict[int, list[Event]] = {}
    for e in evs:
        if _ts(e.at) <= now_ts and e is not created:
            by_time.setdefault(_ts(e.at), []).append(e)
    out: dict[str, tuple[State, int | None]] = {}
    for spec in policy.targets:
        start: int | None = None
        if spec.starts_on == "created":
            start = _ts(created.at)
        else:
            for e in evs:
                if isinstance(e, Milestone) and e.name == spec.starts_on and _ts(e.at) <= now_ts:
                    start = _ts(e.at)
                    break
        if start is None:
            out[spec.name] = (State.PENDING, None)
            continue
        natural = spec.unit is Unit.NATURAL_DAYS
        amount = spec.amount
        budget = _budget_minutes(cal, spec, amount, start)
        paused = created.status in policy.pause_statuses and spec.pausable
        for e in evs:  # status in force when the target starts
            if isinstance(e, StatusChanged) and _ts(e.at) < start:
                paused = e.status in policy.pause_statuses and spec.pausable
        used = 0
        due: int | None = start if budget == 0 else None
        state: State | None = None
        t = start
        while True:
            if due is not None and not paused and t > due:
                state = State.BREACHED
                break
            for e in by_time.get(t, []):
                if isinstance(e, StatusChanged):
                    new = e.status in policy.pause_statuses and spec.pausable
                    if paused and not new and used >= budget:
                        due = t  # resumed with nothing left: due at the resume instant
                    paused = new
                elif isinstance(e, ExtensionApproved) and e.target == spec.name:
                    amount = amount + e.amount
                    if spec.max_amount is not None:
                        amount = min(amount, max(spec.max_amount, spec.amount))
                    budget = _budget_minutes(cal, spec, amount, start)
                    if used < budget:
                        due = None
                elif isinstance(e, Milestone) and e.name == spec.stops_on and t > start:
                    state = State.MET
                    break
            if state is not None or t >= now_ts:
                break
            if not paused and (natural or is_working_minute(cal, t)):
                used += 1
                if used == budget:
                    due = t + MIN
            t += MIN
        if state is None:
            state = State.PAUSED if paused else State.RUNNING
        if due is None or state is State.PAUSED:  # project the due time from where we stopped
            left = budget - used
            due = (
                t + left * MIN
                if natural
                else _ts(oracle_add_minutes(cal, datetime.fromtimestamp(t, UTC), left))
            )
        out[spec.name] = (state, due)
    return out


# ---------------------------------------------------------------------- realistic tickets
WAITING = "waiting_customer"


def make_policies() -> list[ClockPolicy]:
    """Three-target policies: business-hour priorities plus a working-days variant."""
    policies = list(PRIORITY_BUSINESS_HOURS.values())
    policies.append(
        ClockPolicy(
            (
                TargetSpec("first_response", Unit.BUSINESS_HOURS, 4),
                TargetSpec("resolution", Unit.WORKING_DAYS, 5),
                TargetSpec("confirmation", Unit.NATURAL_DAYS, 3, pausable=False),
            ),
            frozenset({WAITING}),
        )
    )
    return policies


def make_ticket(rng: random.Random, created: datetime, policy: ClockPolicy, now: datetime) -> list[Event]:
    """A realistic, minute-aligned event log: accept, respond, ~30 % pauses, some extensions,
    resolve, sometimes confirm.  Times are random offsets, so some targets are breached."""
    m = timedelta(minutes=1)
    t = created.replace(second=0, microsecond=0)
    events: list[Event] = [Created(t, policy)]
    resolution = next(s for s in policy.targets if s.name == "resolution")
    t += m * rng.randint(1, 240)
    events.append(StatusChanged(t, "accepted"))
    t += m * rng.randint(0, 600)
    events.append(Milestone(t, "responded"))
    events.append(StatusChanged(t, "in_progress"))
    if rng.random() < 0.3:
        for _ in range(rng.choice((1, 1, 2))):
            t += m * rng.randint(10, 1500)
            events.append(StatusChanged(t, WAITING))
            t += m * rng.randint(10, 4000)
            events.append(StatusChanged(t, "in_progress"))
    if rng.random() < 0.1:
        t += m * rng.randint(10, 600)
        amount = 1 if resolution.unit is not Unit.BUSINESS_HOURS else rng.choice((2, 4, 8))
        events.append(ExtensionApproved(t, "resolution", amount))
    if rng.random() < 0.85:
        t += m * rng.randint(30, 5000)
        events.append(StatusChanged(t, "resolved"))
        events.append(Milestone(t, "resolved"))
        if rng.random() < 0.6:
            t += m * rng.randint(10, 5000)
            events.append(Milestone(t, "confirmed"))
            events.append(StatusChanged(t, "closed"))
    return [e for e in events if e.at <= now]
