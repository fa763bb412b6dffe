"""The pure rule engine: period bounds, comparisons, rule checks, awards, reconciliation (idempotency)
and ranking with ties; properties checked with hypothesis against direct re-statements."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sqms.people import domain
from sqms.people.domain import Agg, Award, Rule, Stored, Subject

FAST = settings(max_examples=150)


def staff(
    metrics: dict[str, float | None], path: str = "/1/2/", roles: frozenset[str] = frozenset()
) -> Subject:
    return Subject(domain.STAFF, "s:1", path, metrics, roles)


def test_period_bounds() -> None:
    assert domain.period_bounds("month", dt.date(2026, 2, 10)) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert domain.period_bounds("month", dt.date(2024, 2, 29)) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert domain.period_bounds("month", dt.date(2026, 12, 31)) == (
        dt.date(2026, 12, 1),
        dt.date(2026, 12, 31),
    )
    assert domain.period_bounds("quarter", dt.date(2026, 11, 5)) == (
        dt.date(2026, 10, 1),
        dt.date(2026, 12, 31),
    )
    assert domain.period_bounds("quarter", dt.date(2026, 5, 5)) == (dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    assert domain.period_label("quarter", dt.date(2026, 10, 1)) == "2026-Q4"
    with pytest.raises(ValueError):
        domain.period_bounds("week", dt.date(2026, 1, 1))


@FAST
@given(
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31)),
    st.sampled_from(["month", "quarter"]),
)
def test_period_bounds_contain_the_day_and_tile_the_calendar(day: dt.date, kind: str) -> None:
    start, end = domain.period_bounds(kind, day)
    assert start <= day <= end and start.day == 1
    assert domain.period_bounds(kind, end + dt.timedelta(days=1))[0] == end + dt.timedelta(days=1)
    assert (end.month - start.month) == (0 if kind == "month" else 2)


def test_examples_of_the_issue() -> None:
    csat = Rule(1, "staff", "csat", "once", 10, ">=", 4.8)
    complaint = Rule(2, "staff", "valid_complaints", "each", -5)
    assert domain.award(csat, staff({"csat": 4.8})) == Award(1, "s:1", 4.8, 1, 10)
    assert domain.award(csat, staff({"csat": 4.79})) is None
    assert domain.award(csat, staff({"csat": None})) is None  # no ratings: no reward
    assert domain.award(complaint, staff({"valid_complaints": 3})) == Award(2, "s:1", 3.0, 3, -15)
    assert domain.award(complaint, staff({"valid_complaints": 0})) is None


def test_scope_role_and_validity() -> None:
    r = Rule(
        1,
        "staff",
        "csat",
        "once",
        10,
        ">=",
        4.0,
        unit_path="/1/2/",
        role="frontline",
        valid_from=dt.date(2026, 3, 1),
        valid_to=dt.date(2026, 3, 31),
    )
    inside = staff({"csat": 5.0}, "/1/2/7/", frozenset({"frontline"}))
    march, april = (dt.date(2026, 3, 1), dt.date(2026, 3, 31)), (dt.date(2026, 4, 1), dt.date(2026, 4, 30))
    assert domain.applies(r, inside, *march)
    assert not domain.applies(r, inside, *april)
    assert not domain.applies(r, staff({"csat": 5.0}, "/1/3/", frozenset({"frontline"})), *march)
    assert not domain.applies(r, staff({"csat": 5.0}, "/1/2/", frozenset({"unit_manager"})), *march)
    unit = Subject(domain.UNIT, "u:2", "/1/2/", {"csat": 5.0})
    assert not domain.applies(r, unit, *march)
    assert domain.applies(
        Rule(1, "staff", "csat", "once", 1, ">", 0.0, valid_from=dt.date(2026, 3, 31)), inside, *march
    )


def test_check_rule() -> None:
    assert domain.check_rule(Rule(1, "staff", "csat", "once", 10, ">=", 4.8)) == {}
    assert "mode" in domain.check_rule(Rule(1, "staff", "csat", "each", 10))
    assert "comparator" in domain.check_rule(Rule(1, "staff", "csat", "once", 10))
    assert "threshold" in domain.check_rule(Rule(1, "staff", "csat", "once", 10, ">="))
    assert "points" in domain.check_rule(Rule(1, "staff", "valid_complaints", "each", 0))
    assert "valid_to" in domain.check_rule(
        Rule(
            1,
            "staff",
            "csat",
            "once",
            1,
            ">",
            1.0,
            valid_from=dt.date(2026, 2, 1),
            valid_to=dt.date(2026, 1, 1),
        )
    )


COMPARE = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}
values = st.integers(min_value=-1000, max_value=1000).map(lambda x: x / 10)


@FAST
@given(values, st.sampled_from(list(COMPARE)), values, st.integers(-50, 50).filter(bool))
def test_once_rule_fires_exactly_when_the_condition_holds(v: float, cmp: str, thr: float, pts: int) -> None:
    r = Rule(1, "staff", "csat", "once", pts, cmp, thr)
    a = domain.award(r, staff({"csat": v}))
    # One-decimal values: the tolerance never changes the outcome, so Python's operator is the oracle.
    assert (a is not None) == COMPARE[cmp](v, thr)
    if a is not None:
        assert a.points == pts and a.occurrences == 1


@FAST
@given(st.integers(0, 500), st.integers(-50, 50).filter(bool), st.none() | st.integers(0, 10))
def test_each_rule_gives_points_per_occurrence(n: int, pts: int, at_least: int | None) -> None:
    r = Rule(
        1,
        "staff",
        "valid_complaints",
        "each",
        pts,
        ">=" if at_least is not None else "",
        float(at_least) if at_least is not None else None,
    )
    a = domain.award(r, staff({"valid_complaints": float(n)}))
    fires = n > 0 and (at_least is None or n >= at_least)
    assert (a is not None) == fires
    if a is not None:
        assert a.points == pts * n and a.occurrences == n


subjects_st = st.lists(
    st.builds(
        lambda i, csat, c: Subject(
            domain.STAFF, f"s:{i}", f"/1/{i % 3 + 2}/", {"csat": csat, "valid_complaints": c}
        ),
        st.integers(1, 40),
        st.none() | st.integers(10, 50).map(lambda x: x / 10),
        st.integers(0, 5).map(float),
    ),
    max_size=15,
    unique_by=lambda s: s.key,
)
rules_st = st.lists(
    st.one_of(
        st.builds(
            lambda i, t, p: Rule(i, "staff", "csat", "once", p, ">=", t),
            st.integers(1, 30),
            st.integers(10, 50).map(lambda x: x / 10),
            st.integers(-20, 20).filter(bool),
        ),
        st.builds(
            lambda i, p, path: Rule(i, "staff", "valid_complaints", "each", p, unit_path=path),
            st.integers(31, 60),
            st.integers(-20, 20).filter(bool),
            st.sampled_from(["", "/1/2/", "/1/3/"]),
        ),
    ),
    max_size=6,
    unique_by=lambda r: r.id,
)
D0, D1 = dt.date(2026, 10, 1), dt.date(2026, 10, 31)


def apply(plan: domain.Plan, stored: list[Stored], next_id: int) -> list[Stored]:
    """Apply a plan to the stored entries the way the service does."""
    by_id = {s.entry_id: s for s in stored}
    for i in plan.delete:
        del by_id[i]
    for i, a in plan.update:
        old = by_id[i]
        by_id[i] = Stored(i, old.rule_id, old.subject_key, a.value, a.occurrences, a.points, old.locked)
    for a in plan.create:
        by_id[next_id] = Stored(next_id, a.rule_id, a.subject_key, a.value, a.occurrences, a.points)
        next_id += 1
    return list(by_id.values())


@settings(max_examples=120)
@given(rules_st, subjects_st, rules_st, st.sets(st.integers(0, 30), max_size=5))
def test_reconcile_is_idempotent_and_never_touches_locked_entries(
    rules: list[Rule], subjects: list[Subject], new_rules: list[Rule], lock: set[int]
) -> None:
    first = domain.evaluate(rules, subjects, D0, D1)
    stored = apply(domain.reconcile([], first), [], 1)
    assert sorted((s.rule_id, s.subject_key, s.points) for s in stored) == sorted(
        (a.rule_id, a.subject_key, a.points) for a in first
    )
    # A second run with the same rules changes nothing.
    assert domain.reconcile(stored, first).changes == 0
    # Lock some entries, change the rules: locked entries stay as they were; the rest equal the new awards.
    stored = [
        Stored(s.entry_id, s.rule_id, s.subject_key, s.value, s.occurrences, s.points, s.entry_id in lock)
        for s in stored
    ]
    locked_before = {s.entry_id: s for s in stored if s.locked}
    second = domain.evaluate(new_rules, subjects, D0, D1)
    plan = domain.reconcile(stored, second)
    assert not set(plan.delete) & set(locked_before)
    assert not {i for i, _a in plan.update} & set(locked_before)
    after = apply(plan, stored, 1000)
    assert {s.entry_id: s for s in after if s.locked} == locked_before
    locked_keys = {(s.rule_id, s.subject_key) for s in locked_before.values()}
    unlocked = sorted((s.rule_id, s.subject_key, s.points) for s in after if not s.locked)
    expected = sorted(
        (a.rule_id, a.subject_key, a.points) for a in second if (a.rule_id, a.subject_key) not in locked_keys
    )
    assert unlocked == expected
    assert domain.reconcile(after, second).changes == 0


def test_reconcile_removes_duplicates() -> None:
    a = Award(1, "s:1", 2.0, 2, -10)
    stored = [Stored(5, 1, "s:1", 2.0, 2, -10), Stored(6, 1, "s:1", 2.0, 2, -10)]
    plan = domain.reconcile(stored, [a])
    assert plan.delete == (6,) and plan.keep == (5,) and not plan.create


def test_rank_examples() -> None:
    r = domain.rank([("a", "甲", 10), ("b", "乙", 20), ("c", "丙", 10), ("d", "丁", 5)])
    assert [(x.key, x.rank, x.tied) for x in r] == [
        ("b", 1, False),
        ("c", 2, True),
        ("a", 2, True),
        ("d", 4, False),
    ]
    assert domain.rank([]) == []


@FAST
@given(st.lists(st.integers(-30, 30), max_size=40))
def test_rank_is_standard_competition_ranking(points: list[int]) -> None:
    rows = [(str(i), f"n{i:03d}", p) for i, p in enumerate(points)]
    ranked = domain.rank(rows)
    assert sorted(r.key for r in ranked) == sorted(k for k, _n, _p in rows)
    for r in ranked:
        assert r.rank == 1 + sum(
            1 for p in points if p > r.points
        )  # oracle: 1 + how many are strictly better
        assert r.tied == (points.count(r.points) > 1)
    assert [r.points for r in ranked] == sorted(points, reverse=True)


@FAST
@given(
    st.dictionaries(
        st.sampled_from(["/1/", "/1/2/", "/1/2/5/", "/1/3/", "/9/"]),
        st.builds(Agg, st.integers(0, 50).map(float), st.integers(0, 250).map(float)),
    )
)
def test_subtree_sum(by_path: dict[str, Agg]) -> None:
    total = domain.subtree_sum(by_path, "/1/2/")
    assert total.n == sum(a.n for p, a in by_path.items() if p in ("/1/2/", "/1/2/5/"))
    assert total.total == sum(a.total for p, a in by_path.items() if p in ("/1/2/", "/1/2/5/"))
    assert Agg().mean() is None and Agg(4, 18).mean() == 4.5 and Agg(4, 3).pct() == 75.0
