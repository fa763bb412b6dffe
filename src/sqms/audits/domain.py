"""Pure rules of inspections and audits: the inspection score, the reproducible random draw of a spot
check, schedule dates of an inspection plan, auditor independence and reminder windows. No Django."""

from __future__ import annotations

import calendar
import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

PASS_FAIL = "pass_fail"
POINTS = "points"

PASS = "pass"
FAIL = "fail"
NA = "na"
SCORED = "scored"


@dataclass(frozen=True)
class ItemAnswer:
    """One checklist item as answered: its scoring rule, weight, whether it is critical, and the answer.

    ``outcome`` is "pass", "fail", "na" or "scored" (points items) or "" (not answered yet)."""

    weight: Decimal
    scoring: str = PASS_FAIL
    max_points: int = 1
    critical: bool = False
    outcome: str = ""
    points: Decimal | None = None


@dataclass(frozen=True)
class Score:
    earned: Decimal  # weighted points earned
    possible: Decimal  # weighted points possible (N/A items excluded)
    percent: Decimal | None  # 0–100 rounded to 2 places; None when every item is N/A
    critical_failed: bool
    passed: bool | None  # None while unanswered items remain or nothing is scorable
    answered: int
    unanswered: int
    failed_items: int


def item_fraction(a: ItemAnswer) -> Decimal | None:
    """The share (0–1) of an item's weight earned; None for N/A or unanswered items."""
    if a.outcome == NA or a.outcome == "":
        return None
    if a.scoring == PASS_FAIL:
        return Decimal(1) if a.outcome == PASS else Decimal(0)
    if a.points is None or a.max_points <= 0:
        return None
    pts = min(max(a.points, Decimal(0)), Decimal(a.max_points))
    return pts / Decimal(a.max_points)


def is_failed(a: ItemAnswer) -> bool:
    """A pass/fail item answered "fail", or a points item scored 0."""
    if a.outcome == FAIL:
        return True
    return a.scoring == POINTS and a.outcome == SCORED and a.points is not None and a.points <= 0


def score(answers: Sequence[ItemAnswer], pass_mark: Decimal = Decimal(80)) -> Score:
    """Weighted score in percent. N/A items leave both numerator and denominator; a failed critical item
    fails the inspection whatever the percentage."""
    earned = Decimal(0)
    possible = Decimal(0)
    answered = unanswered = failed = 0
    critical_failed = False
    for a in answers:
        if a.outcome == "":
            unanswered += 1
            continue
        answered += 1
        if is_failed(a):
            failed += 1
            if a.critical:
                critical_failed = True
        frac = item_fraction(a)
        if frac is None:
            continue
        earned += a.weight * frac
        possible += a.weight
    percent = None
    if possible > 0:
        percent = (earned * 100 / possible).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    passed: bool | None
    if critical_failed:
        passed = False
    elif unanswered or percent is None:
        passed = None
    else:
        passed = percent >= pass_mark
    return Score(earned, possible, percent, critical_failed, passed, answered, unanswered, failed)


def draw_sample(population: Sequence[int], size: int, seed: int) -> list[int]:
    """A reproducible random sample (without replacement) of ids: the same population, size and seed
    always give the same ids, whatever order the population came in."""
    ids = sorted(set(population))
    if size <= 0 or not ids:
        return []
    rng = random.Random(seed)
    return sorted(rng.sample(ids, min(size, len(ids))))


FREQUENCY_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}
FREQUENCY_DAYS = {"weekly": 7, "biweekly": 14}


def add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def schedule_dates(start: dt.date, end: dt.date, frequency: str, limit: int = 400) -> list[dt.date]:
    """The due dates of a plan from ``start`` to ``end`` inclusive ("once" gives just the start)."""
    if end < start:
        return []
    if frequency == "once":
        return [start]
    dates: list[dt.date] = []
    i = 0
    while len(dates) < limit:
        if frequency in FREQUENCY_DAYS:
            d = start + dt.timedelta(days=FREQUENCY_DAYS[frequency] * i)
        elif frequency in FREQUENCY_MONTHS:
            d = add_months(start, FREQUENCY_MONTHS[frequency] * i)
        else:
            raise ValueError(f"unknown frequency {frequency}")
        if d > end:
            break
        dates.append(d)
        i += 1
    return dates


def independence_conflicts(auditor_unit_paths: Sequence[str], auditee_paths: Sequence[str]) -> list[str]:
    """The auditee unit paths an auditor may not audit: those containing (or equal to) one of his own
    units. Auditing one's own unit — or a unit above it — is not independent."""
    return [a for a in auditee_paths if any(own.startswith(a) for own in auditor_unit_paths if own)]


def reminder_due(due: dt.date | None, today: dt.date, lead_days: int, reminded_for: dt.date | None) -> bool:
    """Remind once per due date, from ``lead_days`` before it (and when overdue)."""
    if due is None:
        return False
    if reminded_for == due:
        return False
    return (due - today).days <= lead_days
