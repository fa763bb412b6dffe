"""Business-time arithmetic: hand-checked table, DST, properties and the minute-stepping oracle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sla_cases import CN, NY_24X7, NY_NIGHT, NYC, ny, sh, utc
from sla_oracle import oracle_add_minutes, oracle_minutes_between, oracle_natural_days, oracle_working_days

from sqms.sla import (
    BusinessCalendar,
    add_business_minutes,
    add_natural_days,
    add_working_days,
    business_minutes_between,
    is_working_time,
)

# ----------------------------------------------------------------------------- hand-checked table
# (calendar, start, business minutes, expected due) — each worked out by hand against the
# official 2025/2026 schedules (国办发明电 2024-11-12 and 2025-11-04).
BUSINESS_MINUTES_CASES = [
    pytest.param(CN, sh(2025, 6, 3, 9), 180, sh(2025, 6, 3, 12), id="morning-runs-out-at-12:00-not-13:30"),
    pytest.param(CN, sh(2025, 6, 3, 11, 30), 60, sh(2025, 6, 3, 14), id="across-lunch"),
    pytest.param(CN, sh(2025, 6, 3, 12, 15), 15, sh(2025, 6, 3, 13, 45), id="start-inside-lunch"),
    pytest.param(CN, sh(2025, 6, 3, 20), 30, sh(2025, 6, 4, 9, 30), id="overnight"),
    pytest.param(CN, sh(2025, 6, 6, 18), 30, sh(2025, 6, 9, 9, 30), id="friday-evening-to-monday"),
    pytest.param(CN, sh(2025, 6, 3, 9), 420, sh(2025, 6, 3, 17, 30), id="one-full-day"),
    pytest.param(CN, sh(2025, 9, 30, 16), 120, sh(2025, 10, 9, 9, 30), id="national-day-oct-1-8"),
    pytest.param(CN, sh(2025, 9, 26, 17), 60, sh(2025, 9, 28, 9, 30), id="make-up-sunday-sep-28"),
    pytest.param(CN, sh(2025, 10, 10, 17), 60, sh(2025, 10, 11, 9, 30), id="make-up-saturday-oct-11"),
    pytest.param(CN, sh(2025, 1, 24, 17), 60, sh(2025, 1, 26, 9, 30), id="spring-festival-make-up-jan-26"),
    pytest.param(CN, sh(2025, 1, 27, 17), 60, sh(2025, 2, 5, 9, 30), id="spring-festival-jan-28-feb-4"),
    pytest.param(CN, sh(2025, 2, 7, 17), 60, sh(2025, 2, 8, 9, 30), id="spring-festival-make-up-feb-8"),
    pytest.param(CN, sh(2024, 12, 31, 17), 60, sh(2025, 1, 2, 9, 30), id="dec-31-to-jan-2"),
    pytest.param(CN, sh(2025, 12, 31, 17), 60, sh(2026, 1, 4, 9, 30), id="new-year-2026-make-up-sunday"),
    pytest.param(CN, sh(2025, 6, 3, 10), 0, sh(2025, 6, 3, 10), id="zero-target-is-start"),
    pytest.param(CN, sh(2025, 10, 3, 10), 0, sh(2025, 10, 3, 10), id="zero-target-on-holiday"),
    # New York, DST starts Sun 2025-03-09 and ends Sun 2025-11-02.
    pytest.param(NYC, ny(2025, 3, 7, 16), 120, ny(2025, 3, 10, 10), id="ny-dst-march"),
    pytest.param(NYC, ny(2025, 10, 31, 16), 120, ny(2025, 11, 3, 10), id="ny-dst-november"),
    pytest.param(NY_24X7, ny(2025, 3, 8, 23), 240, ny(2025, 3, 9, 4), id="ny-24x7-spring-gap-is-1h-short"),
    pytest.param(NY_24X7, ny(2025, 11, 2, 0), 180, ny(2025, 11, 2, 2), id="ny-24x7-fall-back-is-1h-long"),
]


@pytest.mark.parametrize(("cal", "start", "minutes", "expected"), BUSINESS_MINUTES_CASES)
def test_business_minutes_table(
    cal: BusinessCalendar, start: datetime, minutes: int, expected: datetime
) -> None:
    due = add_business_minutes(cal, start, minutes)
    assert due == expected
    assert due.tzinfo is UTC
    assert business_minutes_between(cal, start, due) == minutes


def test_ny_dst_absolute_instants() -> None:
    # 16:00 EST is 21:00Z; Monday 10:00 EDT is 14:00Z — the offset change is honoured.
    assert add_business_minutes(NYC, utc(2025, 3, 7, 21), 120) == utc(2025, 3, 10, 14)
    assert add_business_minutes(NYC, utc(2025, 10, 31, 20), 120) == utc(2025, 11, 3, 15)


def test_ny_window_inside_dst_gap_counts_real_time() -> None:
    # On 2025-03-09 the local 01:00-03:00 window lasts one real hour (02:00-03:00 does not exist).
    assert business_minutes_between(NY_NIGHT, ny(2025, 3, 9, 0), ny(2025, 3, 9, 4)) == 60
    # On 2025-11-02 it lasts three real hours (01:00-02:00 happens twice).
    assert business_minutes_between(NY_NIGHT, ny(2025, 11, 2, 0), ny(2025, 11, 2, 4)) == 180
    assert business_minutes_between(NY_NIGHT, ny(2025, 11, 3, 0), ny(2025, 11, 3, 4)) == 120


WORKING_DAY_CASES = [
    pytest.param(sh(2025, 9, 30, 10), 1, sh(2025, 10, 9, 17, 30), id="1wd-over-national-day"),
    pytest.param(sh(2025, 9, 30, 10), 5, sh(2025, 10, 14, 17, 30), id="5wd-haochaping-with-make-up-sat"),
    pytest.param(sh(2025, 9, 26, 10), 1, sh(2025, 9, 28, 17, 30), id="1wd-friday-to-make-up-sunday"),
    pytest.param(sh(2025, 10, 3, 10), 1, sh(2025, 10, 9, 17, 30), id="start-on-holiday"),
    pytest.param(sh(2025, 1, 27, 8), 1, sh(2025, 2, 5, 17, 30), id="spring-festival"),
    pytest.param(sh(2025, 6, 3, 23, 59), 1, sh(2025, 6, 4, 17, 30), id="start-day-never-counts"),
    pytest.param(sh(2025, 6, 3, 1), 1, sh(2025, 6, 4, 17, 30), id="even-before-opening"),
    pytest.param(sh(2025, 12, 31, 10), 1, sh(2026, 1, 4, 17, 30), id="year-end"),
    pytest.param(sh(2025, 6, 3, 10), 0, sh(2025, 6, 3, 10), id="zero"),
]


@pytest.mark.parametrize(("start", "n", "expected"), WORKING_DAY_CASES)
def test_working_days_table(start: datetime, n: int, expected: datetime) -> None:
    assert add_working_days(CN, start, n) == expected


def test_working_days_ny_dst() -> None:
    assert add_working_days(NYC, ny(2025, 3, 7, 10), 1) == ny(2025, 3, 10, 17)
    assert add_working_days(NYC, ny(2025, 3, 7, 10), 1) == utc(2025, 3, 10, 21)


NATURAL_DAY_CASES = [
    pytest.param(sh(2025, 9, 30, 10), 15, False, sh(2025, 10, 16), id="bank-15-days-ends-24:00"),
    pytest.param(sh(2025, 9, 30, 23, 59), 1, False, sh(2025, 10, 2), id="start-day-not-counted"),
    pytest.param(sh(2025, 9, 16, 10), 15, True, sh(2025, 10, 10), id="last-day-holiday-extends"),
    pytest.param(sh(2025, 9, 16, 10), 15, False, sh(2025, 10, 2), id="no-extension-by-default"),
    pytest.param(sh(2025, 12, 31, 10), 1, False, sh(2026, 1, 2), id="year-end"),
]


@pytest.mark.parametrize(("start", "n", "extend", "expected"), NATURAL_DAY_CASES)
def test_natural_days_table(start: datetime, n: int, extend: bool, expected: datetime) -> None:
    assert add_natural_days(CN, start, n, extend_past_holidays=extend) == expected


def test_natural_days_across_dst_end_at_local_midnight() -> None:
    assert add_natural_days(NYC, ny(2025, 3, 8, 10), 1) == ny(2025, 3, 10) == utc(2025, 3, 10, 4)
    assert add_natural_days(NYC, ny(2025, 11, 1, 10), 1) == ny(2025, 11, 3) == utc(2025, 11, 3, 5)


def test_national_day_between() -> None:
    assert business_minutes_between(CN, sh(2025, 9, 30, 9), sh(2025, 10, 9, 9)) == 420
    assert business_minutes_between(CN, sh(2025, 10, 9, 9), sh(2025, 9, 30, 9)) == -420


def test_naive_datetime_rejected() -> None:
    with pytest.raises(ValueError, match="naive"):
        add_business_minutes(CN, datetime(2025, 1, 1, 9), 10)


def test_negative_rejected() -> None:
    with pytest.raises(ValueError):
        add_business_minutes(CN, sh(2025, 6, 3, 9), -1)
    with pytest.raises(ValueError):
        add_working_days(CN, sh(2025, 6, 3, 9), -1)


def test_far_dates_extend_the_timeline_lazily() -> None:
    cal = BusinessCalendar(tz="Asia/Shanghai", weekly={0: ((540, 600),)})
    assert add_business_minutes(cal, sh(2060, 1, 1), 60) == sh(2060, 1, 5, 10)  # a Monday
    assert add_business_minutes(cal, sh(1995, 1, 1), 60) == sh(1995, 1, 2, 10)
    # values obtained before and after the extension still agree
    assert business_minutes_between(cal, sh(1995, 1, 1), sh(2060, 1, 6)) == 60 * len(
        [
            d
            for d in range(0, (sh(2060, 1, 6) - sh(1995, 1, 1)).days)
            if (sh(1995, 1, 1) + timedelta(d)).weekday() == 0
        ]
    )


def test_huge_target_walks_forward() -> None:
    start = sh(2025, 6, 3, 9)
    due = add_business_minutes(CN, start, 420 * 2000)
    assert business_minutes_between(CN, start, due) == 420 * 2000


# ----------------------------------------------------------------------------- properties
CALS = st.sampled_from([CN, NYC, NY_24X7])
STARTS = st.datetimes(min_value=datetime(2023, 1, 1), max_value=datetime(2027, 6, 30), timezones=st.just(UTC))
MINUTE_STARTS = STARTS.map(lambda d: d.replace(second=0, microsecond=0))
MINUTES = st.integers(min_value=0, max_value=30_000)


@settings(deadline=None)  # a lazy timeline build can take >200 ms on a loaded machine
@given(CALS, STARTS, MINUTES, MINUTES)
def test_longer_target_never_earlier(cal: BusinessCalendar, start: datetime, a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    assert add_business_minutes(cal, start, lo) <= add_business_minutes(cal, start, hi)


@settings(deadline=None)  # a lazy timeline build can take >200 ms on a loaded machine
@given(CALS, STARTS, MINUTES, MINUTES)
def test_chaining_equals_sum(cal: BusinessCalendar, start: datetime, a: int, b: int) -> None:
    assert add_business_minutes(cal, add_business_minutes(cal, start, a), b) == add_business_minutes(
        cal, start, a + b
    )


@settings(deadline=None)  # a lazy timeline build can take >200 ms on a loaded machine
@given(CALS, STARTS, MINUTES)
def test_between_inverts_add(cal: BusinessCalendar, start: datetime, m: int) -> None:
    assert business_minutes_between(cal, start, add_business_minutes(cal, start, m)) == m


@settings(deadline=None)  # a lazy timeline build can take >200 ms on a loaded machine
@given(CALS, STARTS, MINUTES)
def test_due_inside_a_working_window(cal: BusinessCalendar, start: datetime, m: int) -> None:
    due = add_business_minutes(cal, start, m)
    if m == 0:
        assert due == start.replace(microsecond=0)
    else:
        # due is in (window start, window end]: the second just before it is working time
        assert is_working_time(cal, due - timedelta(seconds=1))


@settings(deadline=None)  # a lazy timeline build can take >200 ms on a loaded machine
@given(STARTS, st.integers(0, 40), st.integers(0, 40))
def test_working_and_natural_days_monotone(start: datetime, a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    assert add_working_days(CN, start, lo) <= add_working_days(CN, start, hi)
    assert add_natural_days(CN, start, lo) <= add_natural_days(CN, start, hi)
    if lo < hi:
        assert add_working_days(CN, start, lo) < add_working_days(CN, start, hi)


# ----------------------------------------------------------------------------- oracle
@settings(max_examples=60, deadline=None)
@given(st.sampled_from([CN, NYC, NY_NIGHT]), MINUTE_STARTS, st.integers(0, 3_000))
def test_matches_minute_stepping_oracle(cal: BusinessCalendar, start: datetime, m: int) -> None:
    due = add_business_minutes(cal, start, m)
    assert due == oracle_add_minutes(cal, start, m)
    assert business_minutes_between(cal, start, due) == oracle_minutes_between(cal, start, due)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([CN, NYC]), MINUTE_STARTS, st.integers(0, 12))
def test_days_match_oracle(cal: BusinessCalendar, start: datetime, n: int) -> None:
    assert add_working_days(cal, start, n) == oracle_working_days(cal, start, n)
    assert add_natural_days(cal, start, n) == oracle_natural_days(cal, start, n)
