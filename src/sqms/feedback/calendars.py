"""The adapter between the feedback app's models and the pure SLA engine (:mod:`sqms.sla`).

Models are converted into the engine's immutable ``BusinessCalendar`` / ``ClockPolicy`` objects; a
ticket's timeline rows are converted into the clock's event log. Converted calendars are cached per
(calendar id, updated_at) so a changed calendar is picked up at once and recomputes open tickets.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqms import sla
from sqms.sla import BusinessCalendar, ClockPolicy, TargetSpec, Unit

WEEKDAY_KEYS = [str(i) for i in range(7)]
CN_WEEKLY = {str(d): ["09:00-12:00", "13:30-17:30"] for d in range(5)}
TARGET_NAMES = ("first_response", "resolution", "confirmation")

_cache: dict[tuple[int, str, int], BusinessCalendar] = {}
_lock = threading.Lock()


def engine_from_parts(
    tz: str,
    weekly: dict[str, Sequence[str]],
    days: Iterable[tuple[date, str]],
    covered_years: Iterable[int] | None,
    code: str = "",
) -> BusinessCalendar:
    """Build the engine calendar from stored parts (window strings, dated holiday/make-up rows)."""
    week = {int(k): sla.windows(*v) for k, v in (weekly or {}).items() if v}
    holidays: set[date] = set()
    makeup: dict[date, Any] = {}
    for day, kind in days:
        if kind == "holiday":
            holidays.add(day)
        else:
            makeup[day] = None
    return BusinessCalendar(
        tz=tz,
        weekly=week,
        holidays=frozenset(holidays),
        makeup_workdays=makeup,
        covered_years=frozenset(int(y) for y in covered_years) if covered_years is not None else None,
        code=code,
    )


def engine_for(calendar: Any) -> BusinessCalendar:
    """The engine calendar of a :class:`~sqms.feedback.models.Calendar` row (cached per version)."""
    key = (calendar.pk, calendar.updated_at.isoformat() if calendar.updated_at else "", calendar.days.count())
    cal = _cache.get(key)
    if cal is None:
        days = list(calendar.days.values_list("date", "kind"))
        cal = engine_from_parts(calendar.tz, calendar.weekly, days, calendar.covered_years, calendar.code)
        with _lock:
            for k in [k for k in _cache if k[0] == calendar.pk]:
                del _cache[k]
            _cache[key] = cal
    return cal


def uncovered_years(calendar: Any, years: Iterable[int]) -> list[int]:
    covered = set(calendar.covered_years or [])
    return [y for y in years if y not in covered]


def clock_policy(policy: Any, priority: str) -> ClockPolicy:
    """The engine policy for an SLA policy row and a priority (falls back to the "*" entry)."""
    table = policy.targets or {}
    rows = table.get(priority) or table.get("*") or []
    specs = []
    for row in rows:
        name = row["name"]
        unit = Unit(row["unit"])
        amount = float(row["amount"])
        if unit is not Unit.BUSINESS_HOURS:
            amount = int(amount)
        max_amount = row.get("max_amount")
        specs.append(
            TargetSpec(
                name,
                unit,
                amount,
                pausable=name != "confirmation",
                max_amount=float(max_amount) if max_amount else None,
            )
        )
    return ClockPolicy(targets=tuple(specs), pause_statuses=frozenset(policy.pause_statuses or []))


def due_after(
    calendar: Any,
    start: datetime,
    *,
    business_hours: float | None = None,
    working_days: int | None = None,
    natural_days: int | None = None,
) -> datetime:
    """A single deadline from ``start`` (for the CLI, the API and rectification orders)."""
    cal = engine_for(calendar)
    if business_hours is not None:
        return sla.add_business_minutes(cal, start, business_hours * 60)
    if working_days is not None:
        return sla.add_working_days(cal, start, working_days)
    if natural_days is not None:
        return sla.add_natural_days(cal, start, natural_days)
    raise ValueError("give business_hours, working_days or natural_days")


def events_for(ticket: Any, rows: Sequence[Any], policy_for: Any) -> list[sla.Event]:
    """Convert a ticket's timeline rows into the clock's event log.

    ``policy_for(priority, policy_id)`` returns the ClockPolicy in force; a priority change or a new
    policy becomes a ``PolicyChanged`` event."""
    events: list[sla.Event] = []
    for ev in rows:
        kind = ev.kind
        if kind == "created":
            events.append(
                sla.Created(
                    ev.at,
                    policy_for(
                        ev.data.get("priority", ticket.priority), ev.data.get("policy", ticket.sla_policy_id)
                    ),
                    ev.to_status or "new",
                )
            )
        elif kind == "status":
            events.append(sla.StatusChanged(ev.at, ev.to_status))
            if ev.to_status == "resolved":
                events.append(sla.Milestone(ev.at, "resolved"))
            elif ev.to_status in ("confirmed", "closed"):
                # Closing ends the wait for the customer's confirmation as well.
                events.append(sla.Milestone(ev.at, "confirmed"))
            if ev.data.get("reopen"):
                events.append(sla.Reopened(ev.at))
        elif kind in ("reply", "accepted_response"):
            events.append(sla.Milestone(ev.at, "responded"))
        elif kind == "priority":
            events.append(
                sla.PolicyChanged(ev.at, policy_for(ev.data.get("priority"), ev.data.get("policy")))
            )
        elif kind == "extension":
            events.append(
                sla.ExtensionApproved(
                    ev.at, ev.data.get("target", "resolution"), float(ev.data.get("amount", 0))
                )
            )
        if ev.data.get("responded"):
            events.append(sla.Milestone(ev.at, "responded"))
    return events


def preset_calendar_days(years: Iterable[int] | None = None) -> tuple[list[tuple[date, str]], list[int]]:
    """Holidays and make-up days of the CN preset, from the chinese_calendar package via the engine."""
    cal = sla.cn_preset(years)
    days = [(d, "holiday") for d in sorted(cal.holidays)] + [
        (d, "makeup") for d in sorted(cal.makeup_workdays)
    ]
    return days, sorted(cal.covered_years or [])
