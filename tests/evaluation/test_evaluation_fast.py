"""The vectorised evaluation equals the scalar reference bit for bit: every scoring function, weighted mean,
grade, rank, histogram percentile and KPI value element-wise against its scalar original (random inputs,
hypothesis), and whole evaluations of random schemes (``score_grid`` over all units × months at once)
against ``score_unit`` cell by cell on raw values derived the scalar way from the same grid."""

import datetime as dt
import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sqms.evaluation import domain, selectors
from sqms.evaluation.models import Indicator, ManualScore, Scheme
from sqms.kpi import domain as kpi_domain
from sqms.kpi import selectors as kpi_selectors
from sqms.kpi import services as kpi_services
from sqms.org.models import OrgUnit

values_st = st.lists(
    st.one_of(st.none(), st.floats(-50, 250, allow_nan=False), st.integers(-5, 120).map(float)),
    min_size=1,
    max_size=30,
)


def as_array(values):
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def as_list(array):
    return [None if math.isnan(v) else v for v in array.tolist()]


def same(vector, scalar):
    """Equal element by element, NaN ↔ None, with exact float equality."""
    assert as_list(vector) == scalar


PARAMS = st.one_of(
    st.tuples(
        st.just("linear"),
        st.fixed_dictionaries(
            {
                "lo": st.integers(-10, 40),
                "hi": st.integers(50, 120),
                "direction": st.sampled_from(["higher", "lower"]),
            }
        ),
    ),
    st.tuples(
        st.just("threshold"),
        st.fixed_dictionaries(
            {
                "table": st.lists(
                    st.tuples(st.integers(-10, 120), st.integers(-20, 130)).map(list), min_size=1, max_size=6
                ),
                "direction": st.sampled_from(["higher", "lower"]),
            }
        ),
    ),
    st.tuples(st.just("likert"), st.fixed_dictionaries({"points": st.sampled_from([5, 7, 10])})),
    st.tuples(st.just("ratio"), st.just({})),
    st.tuples(st.just("direct"), st.just({})),
)


@settings(max_examples=300, deadline=None)
@given(values_st, PARAMS)
def test_score_array_equals_scalar_score(values, scoring_params):
    scoring, params = scoring_params
    same(
        domain.score_array(as_array(values), scoring, params),
        [domain.score(v, scoring, params) for v in values],
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(0.01, 5), values_st), min_size=1, max_size=5))
def test_weighted_mean_equals_composite(parts):
    n = min(len(v) for _w, v in parts)
    arrays = [(w, as_array(v[:n])) for w, v in parts]
    got = domain.weighted_mean_arrays(arrays)
    for k in range(n):
        nodes = [domain.Node(code=str(j), name="", weight=w, score=v[k]) for j, (w, v) in enumerate(parts)]
        expected = domain.composite(nodes)
        assert (None if math.isnan(got[k]) else float(got[k])) == expected


@settings(max_examples=200, deadline=None)
@given(values_st)
def test_grades_and_ranks_equal_scalar(values):
    grades = Scheme().grades
    names, idx = domain.grade_index(as_array(values), grades)
    got = [("" if i < 0 or v is None else names[i]) for i, v in zip(idx.tolist(), values, strict=True)]
    assert got == [domain.grade(v, grades) for v in values]
    ranks = domain.rank_array(as_array(values)).tolist()
    expected = domain.rank(dict(enumerate(values)))
    assert [r or None for r in ranks] == [expected[k] for k in range(len(values))]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 50), min_size=kpi_domain.N_BUCKETS, max_size=kpi_domain.N_BUCKETS),
                min_size=1, max_size=8), st.floats(0, 1))  # fmt: skip
def test_percentile_array_equals_percentile(hists, q):
    got = kpi_domain.percentile_array(np.array(hists, dtype=float), q)
    same(got, [kpi_domain.percentile(h, q) for h in hists])


def test_kpi_values_equal_kpi_value():
    rng = np.random.default_rng(3)
    cells = rng.integers(0, 40, size=(9, 7, len(kpi_domain.GRID_FIELDS))).astype(float)
    cells[rng.random(cells.shape) < 0.2] = 0.0  # zero denominators and empty histograms
    for code in kpi_domain.KPI_CODES:
        got = kpi_domain.kpi_values(code, cells)
        if code in kpi_domain.REGISTERED_CODES:
            assert got is None
            continue
        for i in range(cells.shape[0]):
            same(got[i], [kpi_domain.kpi_value(code, kpi_domain.sums_of(c)) for c in cells[i]])


# --- whole evaluations ------------------------------------------------------------------------------------

MONTHS = ["2026-08", "2026-09", "2026-10"]
LEAF_SOURCES = [
    ("kpi", "on_time_rate", "ratio", {"divide": 100}),
    ("kpi", "response_mean", "threshold", {"direction": "lower", "table": [[1, 100], [3, 90], [10, 60]]}),
    ("kpi", "response_p90", "linear", {"lo": 0, "hi": 30, "direction": "lower"}),
    ("kpi", "fcr_rate", "linear", {"lo": 40, "hi": 100}),
    ("kpi", "handling_mean", "threshold", {"direction": "lower", "table": [[30, 100], [90, 70], [240, 30]]}),
    ("rating", "", "likert", {}),
    ("manual", "", "likert", {}),
    ("manual", "", "direct", {}),
]


def seed_records(org, rng):
    rows = []
    teams = [org.team_a, org.team_b]
    for month in MONTHS:
        y, m = map(int, month.split("-"))
        for k in range(rng.randint(6, 14)):
            start = dt.datetime(y, m, rng.randint(1, 27), rng.randint(8, 17))
            response = rng.randint(10, 4000)
            rows.append(
                {
                    "external_id": f"{month}-{k}",
                    "unit": rng.choice(teams).code,
                    "service_type": "repair",
                    "channel": "phone",
                    "requested_at": start.isoformat(),
                    "first_response_at": (start + dt.timedelta(seconds=response)).isoformat(),
                    "completed_at": (
                        start + dt.timedelta(seconds=response + rng.randint(60, 20000))
                    ).isoformat(),
                    "promised_at": (start + dt.timedelta(hours=2)).isoformat(),
                    "first_contact_resolution": rng.random() < 0.7,
                    "rating": rng.choice([None, 1, 2, 3, 4, 5]),
                }
            )
    kpi_services.ingest(actor=org.admin, rows=rows)


def random_scheme(rng, n):
    scheme = Scheme.objects.create(code=f"rand{n}", name=f"Random {n}", grades=Scheme().grades)
    order = 0
    manual = []

    def leaf(parent):
        nonlocal order
        source, kpi_code, scoring, params = rng.choice(LEAF_SOURCES)
        order += 1
        ind = Indicator.objects.create(
            scheme=scheme, parent=parent, code=f"i{order}", name=f"I{order}", weight=rng.uniform(0.1, 3),
            source=source, kpi_code=kpi_code, scoring=scoring, params=params, order=order,
        )  # fmt: skip
        if source == "manual":
            manual.append(ind)

    def inner(parent, level):
        nonlocal order
        order += 1
        node = Indicator.objects.create(
            scheme=scheme, parent=parent, code=f"n{order}", name=f"N{order}", weight=rng.uniform(0.1, 3),
            source="children", order=order,
        )  # fmt: skip
        for _k in range(rng.randint(1, 3)):
            if level < 3 and rng.random() < 0.4:
                inner(node, level + 1)
            else:
                leaf(node)

    for _k in range(rng.randint(1, 4)):
        inner(None, 2) if rng.random() < 0.7 else leaf(None)
    return scheme, manual


def scalar_raw(user, inds, units, months):
    """The raw values the scalar way (what ``raw_table`` did cell by cell before): kpi_value of each cell's
    sums dictionary, means of the rating and manual sums."""
    periods = selectors._month_periods(months)
    leaves = [i for i in inds if i.source != "children"]
    codes = sorted({i.kpi_code for i in leaves if i.source == "kpi"})
    sources = kpi_selectors.sources_of(codes) | {"records"}
    grid = kpi_selectors.kpi_grid(user, units, periods, sources, codes)
    manual = [i for i in leaves if i.source == "manual"]
    man = selectors.manual_grid(user, manual, units, months) if manual else None
    table = []
    for ti in range(len(units)):
        row = []
        for pi in range(len(periods)):
            sums = grid.sums(ti, pi)
            out = {}
            for i in leaves:
                value = None
                if i.source == "kpi":
                    value = kpi_domain.kpi_value(i.kpi_code, sums)
                elif i.source == "rating":
                    value = sums["rating_sum"] / sums["rating_count"] if sums.get("rating_count") else None
                elif i.source == "manual":
                    k = manual.index(i)
                    n = man[ti, pi, 2 * k + 1]
                    value = float(man[ti, pi, 2 * k] / n) if n else None
                if value is not None and i.params.get("divide"):
                    value = value / float(i.params["divide"])
                out[i.code] = value
            row.append(out)
        table.append(row)
    return table


@pytest.mark.parametrize("seed_value", [1, 2, 3, 4, 5, 6])
def test_vectorised_evaluation_equals_scalar_reference(org, seed_value):
    rng = random.Random(seed_value)
    seed_records(org, rng)
    scheme, manual = random_scheme(rng, seed_value)
    units = list(OrgUnit.objects.filter(active=True).order_by("path"))
    for ind in manual:
        for unit in rng.sample(units, 3):
            for month in rng.sample(MONTHS, 2):
                ManualScore.objects.create(
                    indicator=ind, org_unit=unit, period=month, value=rng.randint(1, 5), evidence="x"
                )
    inds = selectors.indicators(scheme)
    user = kpi_selectors.SYSTEM
    raw = selectors.raw_arrays(user, inds, units, MONTHS)
    reference = scalar_raw(user, inds, units, MONTHS)
    table = selectors.raw_table(user, inds, units, MONTHS)
    assert table == reference  # the arrays hold exactly the scalar raw values
    plan = selectors.TreePlan(scheme, inds)
    for fuzzy in (False, True):
        fast = selectors.score_grid(scheme, plan, units, len(MONTHS), raw, fuzzy)
        for pi in range(len(MONTHS)):
            for ti, unit in enumerate(units):
                assert fast[pi][ti] == selectors.score_unit(scheme, plan, unit, reference[ti][pi], fuzzy)
    scored = [r["score"] for out in fast for r in out if r["score"] is not None]
    assert len(scored) > len(MONTHS)  # the comparison covered real scores, not only empty cells


def test_evaluate_periods_ranks_like_the_scalar_rank(org):
    rng = random.Random(11)
    seed_records(org, rng)
    scheme = Scheme.objects.get(code="default")
    for data in selectors.evaluate_periods(kpi_selectors.SYSTEM, scheme, MONTHS):
        by_depth = {}
        for r in data["results"]:
            by_depth.setdefault(r["depth"], {})[r["unit"]] = r["score"]
        for r in data["results"]:
            peers = by_depth[r["depth"]]
            assert r["rank"] == domain.rank(peers)[r["unit"]]
            assert r["peers"] == len(peers)
            assert r["benchmark"] == domain.benchmarks(list(peers.values()))
