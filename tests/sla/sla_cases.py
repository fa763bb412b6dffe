"""Shared calendars and helpers for the SLA tests (not a test module)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqms.sla import BusinessCalendar, cn_preset, windows

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")

CN = cn_preset()
NYC = BusinessCalendar(
    tz="America/New_York", weekly=dict.fromkeys(range(5), windows("09:00-17:00")), code="NY"
)
NY_24X7 = BusinessCalendar(tz="America/New_York", weekly=dict.fromkeys(range(7), windows("00:00-24:00")))
#: A night shift on the DST-change hour, to exercise windows inside a gap / an ambiguous hour.
NY_NIGHT = BusinessCalendar(tz="America/New_York", weekly=dict.fromkeys(range(7), windows("01:00-03:00")))


def sh(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    """A Shanghai wall-clock time as an aware datetime."""
    return datetime(y, mo, d, h, mi, tzinfo=SH)


def ny(y: int, mo: int, d: int, h: int = 0, mi: int = 0, fold: int = 0) -> datetime:
    """A New York wall-clock time as an aware datetime."""
    return datetime(y, mo, d, h, mi, tzinfo=NY, fold=fold)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)
