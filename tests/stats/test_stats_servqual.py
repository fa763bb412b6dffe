"""SERVQUAL, IPA and key drivers against scipy (paired t), statsmodels (OLS, VIF) and hand computations.

Relative weights have no oracle library here; they are recomputed through a different route (the
SVD of the standardised predictor matrix, as in Johnson 2000's derivation) and their defining
properties are checked (they sum to R²; with uncorrelated predictors they equal r²).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats as sps
from statsmodels.stats.outliers_influence import variance_inflation_factor

from sqms.stats import StatsError
from sqms.stats.servqual import derived_importance, ipa, key_drivers, servqual

TOL = 1e-6


def _survey(seed: int = 3, n: int = 300, missing: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    names = [f"s{i + 1}" for i in range(6)]
    e = np.clip(np.rint(rng.normal(4.2, 0.7, (n, 6))), 1, 5)
    p = np.clip(np.rint(e - rng.normal(0.4, 0.8, (n, 6))), 1, 5)
    if missing:
        p[rng.random((n, 6)) < 0.05] = np.nan
    return pd.DataFrame(p, columns=names), pd.DataFrame(e, columns=names)


DIMS = {"Reliability": ["s1", "s2", "s3"], "Empathy": ["s4", "s5", "s6"]}


@pytest.mark.parametrize("missing", ["listwise", "pairwise"])
def test_servqual_gaps(missing: str) -> None:
    p, e = _survey(missing=True)
    res = servqual(
        p, e, dimensions=DIMS, dimension_weights={"Reliability": 60, "Empathy": 40}, missing=missing
    )
    gap = p - e
    if missing == "listwise":
        gap = gap.dropna()
    for item in res.items:
        g = gap[item.name].dropna()
        assert item.gap == pytest.approx(g.mean(), abs=TOL)
        ref = sps.ttest_1samp(g, 0.0)
        assert (item.t, item.p) == pytest.approx((ref.statistic, ref.pvalue), abs=TOL)
    dim_gap = {d: np.mean([gap[i].dropna().mean() for i in items]) for d, items in DIMS.items()}
    assert [d.gap for d in res.dimensions] == pytest.approx(list(dim_gap.values()), abs=TOL)
    assert res.overall_gap == pytest.approx(np.mean(list(dim_gap.values())), abs=TOL)
    assert res.weighted_gap == pytest.approx(0.6 * dim_gap["Reliability"] + 0.4 * dim_gap["Empathy"], abs=TOL)
    assert res.missing == missing


def test_ipa_quadrants() -> None:
    res = ipa([4.5, 4.6, 3.1, 3.0], [3.2, 4.4, 3.0, 4.5], ["a", "b", "c", "d"])
    q = {i.name: i.quadrant for i in res.items}
    assert q == {
        "a": "concentrate_here",
        "b": "keep_up_the_good_work",
        "c": "low_priority",
        "d": "possible_overkill",
    }
    assert res.importance_cross == pytest.approx(3.8) and res.performance_cross == pytest.approx(3.775)
    mid = ipa([4.5, 2.0], [2.5, 3.5], ["a", "b"], crosshair="midpoint")
    assert mid.importance_cross == 3.0 and [i.quadrant for i in mid.items] == [
        "concentrate_here",
        "possible_overkill",
    ]


def _drivers_data(seed: int = 9, n: int = 400) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)) @ np.array([[1, 0.4, 0.2, 0], [0, 1, 0.3, 0.1], [0, 0, 1, 0.5], [0, 0, 0, 1]])
    y = x @ np.array([0.5, 0.3, 0.0, 0.2]) + rng.normal(scale=0.8, size=n)
    return pd.DataFrame(x + 3.5, columns=["Tangibles", "Reliability", "Responsiveness", "Empathy"]), y


def test_key_drivers_against_statsmodels() -> None:
    x, y = _drivers_data()
    res = key_drivers(x, y)
    z = (x - x.mean()) / x.std()
    zy = (y - y.mean()) / y.std(ddof=1)
    std_fit = sm.OLS(zy, sm.add_constant(z)).fit()
    raw_fit = sm.OLS(y, sm.add_constant(x)).fit()
    assert res.beta == pytest.approx(tuple(std_fit.params.iloc[1:]), abs=TOL)
    assert res.b == pytest.approx(tuple(raw_fit.params.iloc[1:]), abs=TOL)
    assert res.intercept == pytest.approx(raw_fit.params.iloc[0], abs=TOL)
    assert res.r2 == pytest.approx(raw_fit.rsquared, abs=TOL)
    assert res.adj_r2 == pytest.approx(raw_fit.rsquared_adj, abs=TOL)
    assert res.f == pytest.approx(raw_fit.fvalue, abs=TOL)
    assert res.p == pytest.approx(tuple(raw_fit.pvalues.iloc[1:]), abs=TOL)
    assert res.t == pytest.approx(tuple(raw_fit.tvalues.iloc[1:]), abs=TOL)
    exog = sm.add_constant(x).to_numpy()
    vif = [variance_inflation_factor(exog, j) for j in range(1, exog.shape[1])]
    assert res.vif == pytest.approx(tuple(vif), abs=TOL)

    # relative weights via the SVD route: Z = U S Vᵀ, Λ = V S Vᵀ/√(n−1), β* from regressing y on the
    # orthogonal counterpart U Vᵀ of Z
    zz = z.to_numpy()
    u, s, vt = np.linalg.svd(zz, full_matrices=False)
    orth = u @ vt * np.sqrt(len(y) - 1)
    lam = vt.T @ np.diag(s) @ vt / np.sqrt(len(y) - 1)
    bstar = np.linalg.lstsq(orth, zy, rcond=None)[0]
    eps = (lam**2) @ (bstar**2)
    assert res.relative_weight == pytest.approx(tuple(eps), abs=TOL)
    assert sum(res.relative_weight) == pytest.approx(res.r2, abs=1e-10)
    assert sum(res.relative_share) == pytest.approx(1.0, abs=1e-10)


def test_relative_weights_uncorrelated_predictors_equal_r_squared() -> None:
    rng = np.random.default_rng(1)
    q, _ = np.linalg.qr(rng.normal(size=(200, 3)))
    x = q - q.mean(axis=0)
    x, _ = np.linalg.qr(x)  # orthogonal, centred columns
    x = x - x.mean(axis=0)
    y = x @ [3.0, 1.0, 0.5] + rng.normal(scale=0.05, size=200)
    res = key_drivers(x, y)
    r = [np.corrcoef(x[:, j], y)[0, 1] for j in range(3)]
    assert res.relative_weight == pytest.approx(tuple(v * v for v in r), abs=1e-3)


def test_derived_importance_and_errors() -> None:
    x, y = _drivers_data()
    corr = derived_importance(x, y)
    assert corr == pytest.approx(tuple(np.corrcoef(x.T, y)[-1, :-1]), abs=TOL)
    reg = derived_importance(x, y, method="regression")
    assert reg == pytest.approx(key_drivers(x, y).beta, abs=1e-12)
    dup = x.copy()
    dup["copy"] = dup["Tangibles"] * 2
    with pytest.raises(StatsError, match="collinear"):
        key_drivers(dup, y)
