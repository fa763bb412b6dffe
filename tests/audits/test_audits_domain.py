"""Hand-checked scores, reproducible draws, schedules, independence and reminder windows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from sqms.audits.domain import (
    ItemAnswer,
    draw_sample,
    independence_conflicts,
    reminder_due,
    schedule_dates,
    score,
)


def test_weighted_score_excludes_na_from_denominator() -> None:
    # weights 2 (pass), 3 (fail), 5 (N/A), 4 points-item 3/5 → earned 2 + 0 + 4*0.6 = 4.4 of 2+3+4 = 9
    answers = [
        ItemAnswer(D(2), outcome="pass"),
        ItemAnswer(D(3), outcome="fail"),
        ItemAnswer(D(5), outcome="na"),
        ItemAnswer(D(4), scoring="points", max_points=5, outcome="scored", points=D(3)),
    ]
    s = score(answers, D(80))
    assert s.earned == D("4.4") and s.possible == D(9)
    assert s.percent == D("48.89")  # 4.4 / 9 = 0.48888…
    assert s.passed is False and not s.critical_failed and s.failed_items == 1


def test_critical_failure_fails_whatever_the_percentage() -> None:
    answers = [ItemAnswer(D(1), outcome="pass") for _ in range(19)] + [
        ItemAnswer(D(1), critical=True, outcome="fail")
    ]
    s = score(answers, D(80))
    assert s.percent == D("95.00")
    assert s.critical_failed and s.passed is False


def test_pass_mark_and_unanswered() -> None:
    assert score([ItemAnswer(D(1), outcome="pass"), ItemAnswer(D(1), outcome="pass")]).passed is True
    s = score([ItemAnswer(D(1), outcome="pass"), ItemAnswer(D(1))])
    assert s.unanswered == 1 and s.passed is None and s.percent == D("100.00")
    all_na = score([ItemAnswer(D(1), outcome="na")])
    assert all_na.percent is None and all_na.passed is None
    # a points item scored 0 counts as failed; a critical one fails the inspection
    zero = score(
        [ItemAnswer(D(1), scoring="points", max_points=3, critical=True, outcome="scored", points=D(0))]
    )
    assert zero.critical_failed and zero.percent == D("0.00")


def test_draw_is_reproducible_and_order_independent() -> None:
    pop = list(range(1, 101))
    a = draw_sample(pop, 5, seed=42)
    assert a == draw_sample(list(reversed(pop)), 5, seed=42)
    assert len(set(a)) == 5 and set(a) <= set(pop)
    assert draw_sample(pop, 5, seed=43) != a
    assert draw_sample([1, 2], 5, seed=1) == [1, 2]


def test_schedule_dates() -> None:
    assert schedule_dates(dt.date(2026, 1, 31), dt.date(2026, 4, 30), "monthly") == [
        dt.date(2026, 1, 31),
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 31),
        dt.date(2026, 4, 30),
    ]
    assert len(schedule_dates(dt.date(2026, 1, 1), dt.date(2026, 1, 31), "weekly")) == 5
    assert schedule_dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31), "once") == [dt.date(2026, 1, 1)]
    assert schedule_dates(dt.date(2026, 1, 2), dt.date(2026, 1, 1), "weekly") == []


def test_independence() -> None:
    # an auditor in /1/2/5/ may not audit /1/2/5/ nor /1/2/ (which contains it), may audit /1/3/
    assert independence_conflicts(["/1/2/5/"], ["/1/2/5/", "/1/2/", "/1/3/"]) == ["/1/2/5/", "/1/2/"]
    assert independence_conflicts([], ["/1/"]) == []


def test_reminder_window() -> None:
    today = dt.date(2026, 6, 1)
    due = dt.date(2026, 6, 10)
    assert reminder_due(due, today, 14, None)
    assert not reminder_due(due, today, 14, due)  # already reminded for this date
    assert not reminder_due(dt.date(2026, 7, 1), today, 14, None)
    assert reminder_due(dt.date(2026, 5, 1), today, 14, None)  # overdue
    assert not reminder_due(None, today, 14, None)
