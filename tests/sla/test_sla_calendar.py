"""Business calendar rules, the CN preset and the uncovered-year fallback."""

from __future__ import annotations

from datetime import date

import pytest
from sla_cases import CN, sh

from sqms.sla import (
    CN_WINDOWS,
    BusinessCalendar,
    add_business_minutes,
    add_working_days,
    cn_known_years,
    cn_preset,
    hm,
    windows,
)


def test_windows_parsing_and_validation() -> None:
    assert hm("13:30") == 810
    assert windows("13:30-17:30", "09:00-12:00") == CN_WINDOWS
    assert windows("09:00-12:00", "12:00-13:00") == ((540, 780),)  # touching windows merge
    with pytest.raises(ValueError):
        windows("09:00-12:00", "11:00-13:00")
    with pytest.raises(ValueError):
        windows("12:00-09:00")
    with pytest.raises(ValueError):
        BusinessCalendar(tz="Asia/Shanghai", weekly={})
    with pytest.raises(ValueError):
        BusinessCalendar(tz="Asia/Shanghai", weekly={7: CN_WINDOWS})


def test_precedence_override_holiday_makeup_weekly() -> None:
    cal = BusinessCalendar(
        tz="Asia/Shanghai",
        weekly=dict.fromkeys(range(5), CN_WINDOWS),
        holidays=frozenset({date(2025, 6, 3), date(2025, 6, 7)}),
        makeup_workdays={date(2025, 6, 7): None, date(2025, 6, 8): windows("10:00-11:00")},
        overrides={date(2025, 6, 4): windows("09:00-10:00")},
    )
    assert cal.windows_for(date(2025, 6, 2)) == CN_WINDOWS  # weekly
    assert cal.windows_for(date(2025, 6, 3)) == ()  # holiday
    assert cal.windows_for(date(2025, 6, 4)) == ((540, 600),)  # override
    assert cal.windows_for(date(2025, 6, 7)) == ()  # holiday beats a conflicting make-up day
    assert cal.windows_for(date(2025, 6, 8)) == ((600, 660),)  # make-up with its own windows
    assert cal.windows_for(date(2025, 6, 14)) == ()  # plain Saturday


def test_cn_preset_2025_schedule() -> None:
    for d in (date(2025, 10, 1), date(2025, 10, 8), date(2025, 1, 28), date(2025, 2, 4), date(2025, 1, 1)):
        assert not CN.is_working_day(d), d
    for d in (date(2025, 9, 28), date(2025, 10, 11), date(2025, 1, 26), date(2025, 2, 8)):
        assert CN.windows_for(d) == CN_WINDOWS, d
    assert CN.code == "CN"
    assert CN.tz == "Asia/Shanghai"
    assert set(cn_known_years()) <= set(CN.covered_years or ())


def test_cn_preset_uncovered_year_is_reported_not_fatal() -> None:
    years = cn_known_years()
    future = years.stop + 5
    cal = cn_preset([years.stop - 1, future])
    assert cal.is_year_covered(years.stop - 1)
    assert not cal.is_year_covered(future)
    assert cal.covered_years == frozenset({years.stop - 1})
    # the weekly pattern applies: 1 January of the uncovered year is worked if it is a weekday
    jan1 = date(future, 1, 1)
    assert cal.is_working_day(jan1) == (jan1.weekday() < 5)
    start = sh(future, 1, 1, 8)
    due = add_business_minutes(cal, start, 60)
    assert due > start
    assert cal.uncovered_years(start, due) == (future,)
    assert cal.uncovered_years(sh(years.stop - 1, 6, 1), sh(years.stop - 1, 7, 1)) == ()


def test_uncovered_year_hand_entered_holidays() -> None:
    # Admins add next year's holidays by hand and mark the year covered: they apply at once.
    future = cn_known_years().stop + 1
    base = cn_preset([future])
    jan1 = date(future, 1, 1)
    cal = BusinessCalendar(
        tz=base.tz,
        weekly=base.weekly,
        holidays=base.holidays | {jan1},
        makeup_workdays=base.makeup_workdays,
        covered_years=frozenset({future}),
    )
    assert not cal.is_working_day(jan1)
    assert cal.uncovered_years(sh(future, 1, 1), sh(future, 3, 1)) == ()


def test_calendar_without_holiday_source_counts_as_covered() -> None:
    cal = BusinessCalendar(tz="UTC", weekly={0: CN_WINDOWS})
    assert cal.is_year_covered(1999)
    assert cal.uncovered_years(sh(2025, 1, 1), sh(2030, 1, 1)) == ()


def test_makeup_windows_default_to_first_weekday_pattern() -> None:
    cal = BusinessCalendar(
        tz="Asia/Shanghai", weekly={1: windows("10:00-11:00")}, makeup_workdays={date(2025, 6, 8): None}
    )
    assert cal.windows_for(date(2025, 6, 8)) == ((600, 660),)
    assert add_working_days(cal, sh(2025, 6, 7, 9), 1) == sh(2025, 6, 8, 11)


def test_bad_time_zone_fails_at_construction() -> None:
    with pytest.raises(Exception, match="Nowhere"):
        BusinessCalendar(tz="Nowhere/Land", weekly={0: CN_WINDOWS})


def test_window_end_says_how_long_business_time_keeps_running() -> None:
    from sla_cases import NY_24X7

    from sqms.sla.arithmetic import to_ts

    tl = CN.timeline
    # CN weekday windows 09:00-12:00 and 13:30-17:30; 2025-03-14 is a Friday
    assert tl.window_end(to_ts(sh(2025, 3, 14, 10))) == to_ts(sh(2025, 3, 14, 12))
    assert tl.window_end(to_ts(sh(2025, 3, 14, 16))) == to_ts(sh(2025, 3, 14, 17, 30))
    assert tl.window_end(to_ts(sh(2025, 3, 14, 12, 30))) is None  # lunch break
    assert tl.window_end(to_ts(sh(2025, 3, 15, 10))) is None  # Saturday
    assert tl.window_end(to_ts(sh(2025, 3, 14, 12))) is None  # a window's end is outside it
    # round the clock: back-to-back days run on, not to midnight
    end = NY_24X7.timeline.window_end(to_ts(sh(2025, 3, 14, 10)))
    assert end is not None and end - to_ts(sh(2025, 3, 14, 10)) > 7 * 86400
