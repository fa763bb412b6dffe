"""MCDA: AHP against AHPy (after matching its random-index table), the approximate AHP methods,
entropy weights, combined weights, fuzzy evaluation and TOPSIS against hand computations written
out with explicit loops, plus hypothesis properties.

AHPy conventions: its weights are the principal eigenvector obtained by repeated squaring and are
rounded to ``precision`` decimals (12 here); its "saaty" random-index table is Saaty (2005) — our
``ri="saaty2005"`` — and its default is Donegan & Dodd (1991) — our ``ri="dd"``. Our default table
is Saaty (1980), which AHPy does not offer, so the default is checked by looking up the table.
"""

from __future__ import annotations

import itertools
import math

import ahpy
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sqms.stats import StatsError
from sqms.stats.mcda import (
    SAATY_SCALE,
    ahp,
    ahp_matrix,
    combine_weights,
    entropy_weights,
    fuzzy_evaluation,
    membership_from_counts,
    random_index,
    topsis,
)

JUDGEMENTS = {
    ("price", "speed"): 3, ("price", "courtesy"): 5, ("price", "accuracy"): 1 / 2, ("price", "access"): 4,
    ("speed", "courtesy"): 2, ("speed", "accuracy"): 1 / 4, ("speed", "access"): 2,
    ("courtesy", "accuracy"): 1 / 6, ("courtesy", "access"): 1,
    ("accuracy", "access"): 7,
}  # fmt: skip
NAMES = ["price", "speed", "courtesy", "accuracy", "access"]


@pytest.mark.parametrize(("ours", "theirs"), [("saaty2005", "saaty"), ("dd", "dd")])
def test_ahp_against_ahpy(ours: str, theirs: str) -> None:
    a = ahp_matrix(NAMES, JUDGEMENTS)
    res = ahp(a, NAMES, ri=ours)
    ref = ahpy.Compare("c", JUDGEMENTS, precision=12, random_index=theirs)
    for name, w in zip(res.names, res.weights, strict=True):
        assert w == pytest.approx(ref.local_weights[name], abs=1e-6)
    assert res.cr == pytest.approx(ref.consistency_ratio, abs=1e-6)
    assert sum(res.weights) == pytest.approx(1.0, abs=1e-12)


def test_ahp_dd_interpolation_against_ahpy() -> None:
    rng = np.random.default_rng(5)
    n = 22  # between the tabulated 20 and 25
    names = [f"e{i}" for i in range(n)]
    w_true = rng.uniform(1, 9, n)
    judg = {}
    for i, j in itertools.combinations(range(n), 2):
        judg[(names[i], names[j])] = float(w_true[i] / w_true[j] * math.exp(rng.normal(0, 0.3)))
    res = ahp(ahp_matrix(names, judg), names, ri="dd")
    ref = ahpy.Compare("c", judg, precision=12, random_index="dd")
    assert res.cr == pytest.approx(ref.consistency_ratio, abs=1e-6)
    assert res.weights == pytest.approx(tuple(ref.local_weights[nm] for nm in names), abs=1e-6)


def test_ahp_default_table_and_alt() -> None:
    a = ahp_matrix(NAMES, JUDGEMENTS)
    res = ahp(a, NAMES)
    assert res.ri_table == "saaty1980" and res.ri == 1.12
    vals = np.linalg.eigvals(a)
    lam = max(vals.real)
    assert res.lambda_max == pytest.approx(lam, abs=1e-10)
    assert res.ci == pytest.approx((lam - 5) / 4, abs=1e-10)
    assert res.cr == pytest.approx((lam - 5) / 4 / 1.12, abs=1e-10)
    assert [random_index(n, "saaty1980") for n in range(3, 11)] == [
        0.58,
        0.90,
        1.12,
        1.24,
        1.32,
        1.41,
        1.45,
        1.49,
    ]
    assert [random_index(n, "alt") for n in range(3, 11)] == [0.52, 0.89, 1.12, 1.26, 1.36, 1.41, 1.46, 1.49]
    assert ahp(a, NAMES, ri="alt").cr == pytest.approx((lam - 5) / 4 / 1.12, abs=1e-10)
    assert ahp(a, NAMES, ri={5: 1.0}).cr == pytest.approx((lam - 5) / 4, abs=1e-10)
    with pytest.raises(StatsError, match="no value for n = 16"):
        random_index(16)


def test_approximate_methods_by_hand() -> None:
    a = ahp_matrix(NAMES, JUDGEMENTS)
    n = 5
    gm = [math.prod(a[i]) ** (1 / n) for i in range(n)]
    w_gm = [g / sum(gm) for g in gm]
    res = ahp(a, NAMES, method="geometric_mean")
    assert res.weights == pytest.approx(tuple(w_gm), abs=1e-12)
    aw = [sum(a[i, j] * w_gm[j] for j in range(n)) for i in range(n)]
    lam = sum(aw[i] / w_gm[i] for i in range(n)) / n
    assert res.lambda_max == pytest.approx(lam, abs=1e-12)
    assert res.cr == pytest.approx((lam - n) / (n - 1) / 1.12, abs=1e-12)
    colsum = [sum(a[i, j] for i in range(n)) for j in range(n)]
    w_cn = [sum(a[i, j] / colsum[j] for j in range(n)) / n for i in range(n)]
    res = ahp(a, NAMES, method="column_normalized")
    assert res.weights == pytest.approx(tuple(w_cn), abs=1e-12)


def test_revision_advice_finds_the_bad_judgement() -> None:
    w = np.array([0.4, 0.3, 0.2, 0.1])
    a = w[:, None] / w[None, :]
    a[0, 3], a[3, 0] = 1 / 5, 5  # a wrong-way judgement (should be 4)
    res = ahp(a, ["a", "b", "c", "d"])
    assert not res.consistent and res.verdict().level == "poor"
    first = res.revisions[0]
    assert (first.i, first.j) == ("a", "d")
    assert first.current == pytest.approx(0.2)
    # freeing that judgement restores full consistency at the true ratio 0.4/0.1 = 4
    assert first.optimal == pytest.approx(4.0, abs=1e-4)
    assert first.cr_after < 1e-8
    assert first.suggested == 4.0 and first.suggested in SAATY_SCALE
    assert [r.cr_after for r in res.revisions] == sorted(r.cr_after for r in res.revisions)


def test_ahp_validation() -> None:
    with pytest.raises(StatsError, match="not reciprocal"):
        ahp([[1, 3], [3, 1]])
    with pytest.raises(StatsError, match="diagonal"):
        ahp([[2, 3], [1 / 3, 1]])
    with pytest.raises(StatsError, match="positive"):
        ahp([[1, -3], [-1 / 3, 1]])
    with pytest.raises(StatsError, match="missing judgement"):
        ahp_matrix(["a", "b", "c"], {("a", "b"): 2})
    # lower triangle within 1% of the reciprocal is accepted; the upper triangle is authoritative
    assert ahp([[1, 3], [0.333, 1]]).weights == pytest.approx((0.75, 0.25), abs=1e-9)
    one = ahp([[1.0]])
    assert one.weights == (1.0,) and one.cr == 0.0


saaty = st.sampled_from(SAATY_SCALE)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(3, 9).flatmap(
        lambda n: st.tuples(st.just(n), st.lists(saaty, min_size=n * (n - 1) // 2, max_size=n * (n - 1) // 2))
    )
)
def test_ahp_weights_sum_to_one(case: tuple[int, list[float]]) -> None:
    n, upper = case
    a = np.ones((n, n))
    for (i, j), v in zip(itertools.combinations(range(n), 2), upper, strict=True):
        a[i, j], a[j, i] = v, 1 / v
    for method in ("eigenvector", "geometric_mean", "column_normalized"):
        # threshold=inf skips the (slower) revision advice, which has its own test
        res = ahp(a, method=method, threshold=math.inf)  # type: ignore[arg-type]
        assert sum(res.weights) == pytest.approx(1.0, abs=1e-9)
        assert min(res.weights) > 0
    assert (
        ahp(a, threshold=math.inf).lambda_max >= n - 1e-9
    )  # Perron root of a reciprocal matrix is at least n


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.1, 10), min_size=3, max_size=9))
def test_consistent_matrix_recovers_weights(raw: list[float]) -> None:
    w = np.array(raw) / sum(raw)
    a = w[:, None] / w[None, :]
    for method in ("eigenvector", "geometric_mean", "column_normalized"):
        res = ahp(a, method=method)  # type: ignore[arg-type]
        assert res.weights == pytest.approx(tuple(w), abs=1e-9)
        assert res.cr == pytest.approx(0.0, abs=1e-9)


# --- entropy ------------------------------------------------------------------------------

X = np.array(
    [
        [82.0, 0.12, 4.2, 0.0],
        [91.0, 0.08, 3.9, 2.0],
        [77.0, 0.15, 4.5, 1.0],
        [88.0, 0.10, 4.1, 0.0],
        [95.0, 0.05, 3.6, 3.0],
    ]
)
BENEFIT = [True, False, True, True]


def _entropy_by_hand(
    x: np.ndarray, benefit: list[bool], normalization: str, shift: float = 0.0
) -> list[float]:
    m, n = x.shape
    d = []
    for j in range(n):
        col = x[:, j]
        if normalization == "minmax":
            lo, hi = col.min(), col.max()
            r = [((v - lo) if benefit[j] else (hi - v)) / (hi - lo) + shift for v in col]
        else:
            norm = math.sqrt(sum(v * v for v in col))
            r = [(v / norm if benefit[j] else 1 - v / norm) + shift for v in col]
        s = sum(r)
        e = -sum((ri / s) * math.log(ri / s) for ri in r if ri > 0) / math.log(m)
        d.append(1 - e)
    return [dj / sum(d) for dj in d]


@pytest.mark.parametrize("normalization", ["minmax", "vector"])
@pytest.mark.parametrize("shift", [0.0, 0.01])
def test_entropy_by_hand(normalization: str, shift: float) -> None:
    res = entropy_weights(X, benefit=BENEFIT, normalization=normalization, shift=shift)  # type: ignore[arg-type]
    assert res.weights == pytest.approx(tuple(_entropy_by_hand(X, BENEFIT, normalization, shift)), abs=1e-12)


def test_entropy_edge_cases() -> None:
    x = X.copy()
    x[:, 2] = 4.0  # identical values → weight 0
    res = entropy_weights(x, benefit=BENEFIT)
    assert res.weights[2] == 0.0 and res.entropy[2] == pytest.approx(1.0)
    with pytest.raises(StatsError, match="identical values"):
        entropy_weights(np.ones((4, 3)))
    with pytest.raises(StatsError, match="at least 2 alternatives"):
        entropy_weights([[1.0, 2.0]])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.floats(0, 100), min_size=3, max_size=3), min_size=3, max_size=8),
    st.floats(0.01, 1000),
    st.sampled_from(["minmax", "vector"]),
)
def test_entropy_invariant_to_scaling_a_column(rows: list[list[float]], c: float, normalization: str) -> None:
    x = np.array(rows)
    if (np.ptp(x, axis=0) < 1e-6).all() or (np.sqrt((x**2).sum(axis=0)) == 0).any():
        return
    try:
        base = entropy_weights(x, normalization=normalization)  # type: ignore[arg-type]
    except StatsError:
        return
    y = x.copy()
    y[:, 1] *= c
    scaled = entropy_weights(y, normalization=normalization)  # type: ignore[arg-type]
    assert scaled.weights == pytest.approx(base.weights, abs=1e-7)
    assert sum(base.weights) == pytest.approx(1.0, abs=1e-12)


def test_combined_weights() -> None:
    s, o = [0.5, 0.3, 0.2], [0.2, 0.3, 0.5]
    prod = [0.1, 0.09, 0.1]
    assert combine_weights(s, o) == pytest.approx(tuple(p / sum(prod) for p in prod), abs=1e-12)
    assert combine_weights(s, o, method="linear", beta=0.7) == pytest.approx((0.41, 0.3, 0.29), abs=1e-12)
    with pytest.raises(StatsError, match="same length"):
        combine_weights([1.0], [0.5, 0.5])


# --- fuzzy ----------------------------------------------------------------------------------

W = [0.3, 0.25, 0.25, 0.2]
R = [[0.5, 0.3, 0.1, 0.1], [0.2, 0.4, 0.3, 0.1], [0.1, 0.3, 0.4, 0.2], [0.4, 0.4, 0.1, 0.1]]
GRADES = ["很满意", "满意", "一般", "不满意"]


def test_fuzzy_operators_by_hand() -> None:
    wa = [sum(W[i] * R[i][j] for i in range(4)) for j in range(4)]
    mm = [max(min(W[i], R[i][j]) for i in range(4)) for j in range(4)]
    pm = [max(W[i] * R[i][j] for i in range(4)) for j in range(4)]
    scores = [95, 80, 65, 40]
    for op, raw in (("weighted_average", wa), ("min_max", mm), ("product_max", pm)):
        res = fuzzy_evaluation(W, R, operator=op, grades=GRADES, grade_scores=scores)  # type: ignore[arg-type]
        assert res.raw == pytest.approx(tuple(raw), abs=1e-12)
        b = [v / sum(raw) for v in raw]
        assert res.membership == pytest.approx(tuple(b), abs=1e-12)
        assert res.max_grade == GRADES[int(np.argmax(b))]
        assert res.score == pytest.approx(sum(bi * si for bi, si in zip(b, scores, strict=True)), abs=1e-12)
    assert fuzzy_evaluation(W, R, grades=GRADES).max_grade == "满意"
    np.testing.assert_allclose(
        membership_from_counts([[5, 3, 2], [0, 1, 1]]), [[0.5, 0.3, 0.2], [0, 0.5, 0.5]]
    )
    with pytest.raises(StatsError, match="one weight per criterion"):
        fuzzy_evaluation([1.0], R)


# --- TOPSIS ---------------------------------------------------------------------------------


def test_topsis_by_hand() -> None:
    w = [0.4, 0.2, 0.3, 0.1]
    x = X + np.array([0, 0, 0, 1.0])  # keep column 4 away from all-zero
    m, n = x.shape
    norms = [math.sqrt(sum(x[i, j] ** 2 for i in range(m))) for j in range(n)]
    v = [[x[i, j] / norms[j] * w[j] for j in range(n)] for i in range(m)]
    best = [
        max(v[i][j] for i in range(m)) if BENEFIT[j] else min(v[i][j] for i in range(m)) for j in range(n)
    ]
    worst = [
        min(v[i][j] for i in range(m)) if BENEFIT[j] else max(v[i][j] for i in range(m)) for j in range(n)
    ]
    dp = [math.dist(v[i], best) for i in range(m)]
    dm = [math.dist(v[i], worst) for i in range(m)]
    c = [dm[i] / (dp[i] + dm[i]) for i in range(m)]
    res = topsis(x, w, benefit=BENEFIT)
    assert res.closeness == pytest.approx(tuple(c), abs=1e-12)
    assert res.d_plus == pytest.approx(tuple(dp), abs=1e-12)
    order = sorted(range(m), key=lambda i: -c[i])
    assert [res.rank[i] for i in order] == list(range(1, m + 1))
