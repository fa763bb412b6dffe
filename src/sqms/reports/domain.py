"""Pure report arithmetic: report periods (month or quarter), percentages and the minimum group size rule.

No Django here (mypy --strict)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

MONTHLY = "monthly"
QUARTERLY = "quarterly"

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")


@dataclass(frozen=True)
class Period:
    """A calendar month or quarter: ``start`` inclusive, ``end`` inclusive (the last day)."""

    kind: str
    year: int
    number: int  # month 1–12 or quarter 1–4

    @property
    def key(self) -> str:
        return f"{self.year}-{self.number:02d}" if self.kind == MONTHLY else f"{self.year}-Q{self.number}"

    @property
    def start(self) -> date:
        month = self.number if self.kind == MONTHLY else 3 * (self.number - 1) + 1
        return date(self.year, month, 1)

    @property
    def end(self) -> date:
        months = 1 if self.kind == MONTHLY else 3
        y, m = self.start.year, self.start.month + months
        if m > 12:
            y, m = y + 1, m - 12
        return date(y, m, 1) - timedelta(days=1)

    def previous(self) -> Period:
        limit = 12 if self.kind == MONTHLY else 4
        if self.number > 1:
            return Period(self.kind, self.year, self.number - 1)
        return Period(self.kind, self.year - 1, limit)


def parse_period(text: str, *, quarter: bool = False) -> Period:
    """``2026-10`` (a month; with ``quarter`` the quarter containing it) or ``2026-Q4``. ValueError otherwise."""
    text = (text or "").strip()
    m = _QUARTER.match(text)
    if m:
        return Period(QUARTERLY, int(m.group(1)), int(m.group(2)))
    m = _MONTH.match(text)
    if not m:
        raise ValueError("expected YYYY-MM or YYYY-Qn")
    year, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12 or not 1900 <= year <= 9999:
        raise ValueError("month out of range")
    if quarter:
        return Period(QUARTERLY, year, (month - 1) // 3 + 1)
    return Period(MONTHLY, year, month)


def period_of(kind: str, day: date) -> Period:
    if kind == QUARTERLY:
        return Period(QUARTERLY, day.year, (day.month - 1) // 3 + 1)
    return Period(MONTHLY, day.year, day.month)


def due_periods(today: date) -> list[Period]:
    """What the scheduler generates on ``today``: last month on the 1st; also last quarter on 1 Jan/Apr/Jul/Oct."""
    if today.day != 1:
        return []
    last = today - timedelta(days=1)
    out = [period_of(MONTHLY, last)]
    if today.month in (1, 4, 7, 10):
        out.append(period_of(QUARTERLY, last))
    return out


def pct(num: float, den: float, digits: int = 1) -> float | None:
    return round(100.0 * num / den, digits) if den else None


def ratio(num: float, den: float, digits: int = 2) -> float | None:
    return round(num / den, digits) if den else None


def with_minimum(rows: list[dict[str, Any]], n_key: str, minimum: int) -> tuple[list[dict[str, Any]], int]:
    """Keep rows whose ``n_key`` count reaches ``minimum``; also return how many were withheld."""
    kept = [r for r in rows if int(r.get(n_key) or 0) >= minimum]
    return kept, len(rows) - len(kept)


def fmt(value: Any, suffix: str = "") -> str:
    """A figure for tables: ``—`` for missing, thousands separators, one decimal for floats."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}{suffix}"
    if isinstance(value, float):
        return f"{value:,.1f}{suffix}"
    return f"{value}{suffix}"
