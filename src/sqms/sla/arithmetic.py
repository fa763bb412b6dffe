"""Business-time arithmetic on aware datetimes: UTC (or any aware zone) in, UTC out.

Conventions (chosen once, used by the clock, the CLI and the tests):

* **Business minutes** — ``add_business_minutes(cal, start, m)`` is the earliest instant at which
  ``m`` minutes of working time have passed since ``start``.  It lands inside a working window,
  possibly exactly on its closing edge (a 3-hour target started at 09:00 is due at 12:00, not at
  13:30 after lunch).  ``m == 0`` returns ``start`` itself, even outside working time.
* **Working days** — ``add_working_days(cal, start, n)`` is the *end of the last window of the n-th
  working day after the start's local date*.  The start day never counts, whatever the hour:
  this is the rule of the PRC Civil Code (art. 201: "按照年、月、日计算期间的，开始的当日不计入";
  art. 203: the period ends when business stops on its last day), and what regulatory rules such
  as 好差评 "5 working days" rectification mean.  ``n == 0`` returns ``start``.
* **Natural days** — ``add_natural_days(cal, start, n)`` is the *end of the n-th calendar day after
  the start's local date*, i.e. local midnight (24:00) that closes it; the start day does not
  count (same Civil Code rule; a bank's "15 days" complaint deadline is read this way).  With
  ``extend_past_holidays=True`` a last day that is not a working day moves to the end of the
  next working day's date (art. 203: "期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的
  最后一日").  ``n == 0`` returns ``start``.

Datetimes are handled at whole-second precision (sub-second parts are dropped): deadlines are
stored and shown to the second, and integer seconds keep the arithmetic exact.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqms.sla.calendar import BusinessCalendar

__all__ = [
    "add_business_minutes",
    "add_business_seconds",
    "add_natural_days",
    "add_working_days",
    "business_minutes_between",
    "business_seconds_between",
    "from_ts",
    "is_working_time",
    "natural_days_end_ts",
    "to_ts",
]


def to_ts(moment: datetime) -> int:
    """Aware datetime → integer UTC epoch seconds (floor).  Naive datetimes are rejected.

    A naive datetime would silently mean "server local time", which is exactly the kind of bug
    a deadline engine must not have, so it is an error.
    """
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: SLA arithmetic needs aware datetimes")
    return int(moment.timestamp() // 1)


def from_ts(ts: int) -> datetime:
    """Integer UTC epoch seconds → aware UTC datetime."""
    return datetime.fromtimestamp(ts, UTC)


def add_business_seconds(cal: BusinessCalendar, start: datetime, seconds: int) -> datetime:
    """``start`` plus ``seconds`` of working time (see the module conventions)."""
    return from_ts(cal.timeline.add(to_ts(start), int(seconds)))


def add_business_minutes(cal: BusinessCalendar, start: datetime, minutes: float) -> datetime:
    """``start`` plus ``minutes`` of working time; fractional minutes round to the second."""
    if minutes < 0:
        raise ValueError("business minutes to add must not be negative")
    return from_ts(cal.timeline.add(to_ts(start), round(minutes * 60)))


def business_seconds_between(cal: BusinessCalendar, a: datetime, b: datetime) -> int:
    """Working seconds in ``[a, b]``; negative when ``b`` is before ``a`` (it is a difference)."""
    tl = cal.timeline
    return tl.cum_at(to_ts(b)) - tl.cum_at(to_ts(a))


def business_minutes_between(cal: BusinessCalendar, a: datetime, b: datetime) -> float:
    """Working minutes between ``a`` and ``b``; inverts :func:`add_business_minutes` exactly."""
    return business_seconds_between(cal, a, b) / 60


def is_working_time(cal: BusinessCalendar, moment: datetime) -> bool:
    """True when ``moment`` lies inside a working window (closing edge excluded)."""
    tl = cal.timeline
    ts = to_ts(moment)
    return tl.cum_at(ts + 1) > tl.cum_at(ts)


def add_working_days(cal: BusinessCalendar, start: datetime, n: int) -> datetime:
    """End of the n-th working day after ``start``'s local date (start day not counted)."""
    if n < 0:
        raise ValueError("working days must not be negative")
    if n == 0:
        return from_ts(to_ts(start))
    return from_ts(working_days_ts(cal, to_ts(start), n))


def working_days_ts(cal: BusinessCalendar, ts: int, n: int) -> int:
    """Integer form of :func:`add_working_days` (used by the clock's hot path)."""
    if n <= 0:
        return ts
    tl = cal.timeline
    return tl.working_day_end(tl.local_ordinal(ts), n)


def add_natural_days(
    cal: BusinessCalendar, start: datetime, n: int, *, extend_past_holidays: bool = False
) -> datetime:
    """End (local 24:00) of the n-th calendar day after ``start``'s local date."""
    if n < 0:
        raise ValueError("natural days must not be negative")
    return from_ts(natural_days_end_ts(cal, to_ts(start), n, extend_past_holidays=extend_past_holidays))


def natural_days_end_ts(cal: BusinessCalendar, ts: int, n: int, *, extend_past_holidays: bool = False) -> int:
    """Integer form of :func:`add_natural_days`."""
    if n <= 0:
        return ts
    tl = cal.timeline
    last = tl.local_ordinal(ts) + n
    if extend_past_holidays:
        last = tl.next_working_day(last)
    return tl.midnight(last + 1)
