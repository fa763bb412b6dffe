"""A month clipped at today reads the monthly rollup only when it holds exactly the days up to the clip."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from sqms.kpi import selectors
from sqms.kpi import services as kpi_services
from sqms.kpi.selectors import SYSTEM
from sqms_testing import service_row as row

pytestmark = pytest.mark.django_db
CLIPPED = ("2026-10", dt.date(2026, 10, 1), dt.date(2026, 10, 15))


def record(ext: str, day: int, unit: str = "BA-T") -> dict[str, Any]:
    return row(ext, unit, day=day, rating=None)


def totals(org: Any) -> list[float]:
    grid = selectors.kpi_grid(SYSTEM, [org.region, org.team_a], [CLIPPED], ("records",))
    return [grid.sums(0, 0)["total"], grid.sums(1, 0)["total"]]


@time_machine.travel(dt.datetime(2026, 10, 15, 12, tzinfo=dt.UTC), tick=False)
def test_the_monthly_rollup_serves_a_month_so_far_only_when_nothing_lies_after_the_clip(org: Any) -> None:
    kpi_services.ingest(actor=org.admin, rows=[record(f"a{i}", 1 + i) for i in range(5)])
    kpi_services.ingest(actor=org.admin, rows=[record("b", 3, "BB-T")])
    assert selectors._month_so_far(CLIPPED)
    assert totals(org) == [6, 5]
    kpi_services.ingest(actor=org.admin, rows=[record("late", 20)])  # after the clip: not in the period
    assert not selectors._month_so_far(CLIPPED)
    assert totals(org) == [6, 5]  # the daily rollups up to the 15th, not the month's 7
    assert not selectors._month_so_far(("2026-10", dt.date(2026, 10, 2), dt.date(2026, 10, 15)))


def test_a_window_from_the_first_that_does_not_end_today_reads_its_own_days(org: Any) -> None:
    """An effectiveness check's window (say 1–15 October, read on another day) never takes the monthly
    rollup, even when nothing lies after it: only the month clipped at today does."""
    kpi_services.ingest(actor=org.admin, rows=[record(f"a{i}", 1 + i) for i in range(5)])
    with time_machine.travel(dt.datetime(2026, 11, 3, 12, tzinfo=dt.UTC), tick=False):
        assert not selectors._month_so_far(CLIPPED)
        assert totals(org) == [5, 5]
