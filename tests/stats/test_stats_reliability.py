"""Reliability against pingouin and hand computations with pandas.

* α: ``pingouin.cronbach_alpha`` (listwise: ``nan_policy="listwise"``; pairwise: pingouin's
  default pairwise covariance, whose n for the CI is the number of rows — our convention too, after
  dropping respondents with no answer at all).
* Feldt CI: pingouin rounds its CI to 3 decimals, so it is compared to 5e-4; the unrounded bound is
  checked to 1e-10 against the Feldt formula written out here with ``scipy.stats.f.ppf``.
* CITC: pandas correlation between the item and the sum of the other items (complete cases).
* α if item deleted: pingouin on the matrix without that item.
* standardised α and split-half: written out from pandas correlation/covariance.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats as sps
from stats_fixtures import TOL, likert

from sqms.stats import StatsError, cronbach_alpha, reliability, split_half


def _feldt(alpha: float, n: int, k: int) -> tuple[float, float]:
    df1, df2 = n - 1, (n - 1) * (k - 1)
    return 1 - (1 - alpha) * sps.f.ppf(0.975, df1, df2), 1 - (1 - alpha) * sps.f.ppf(0.025, df1, df2)


@pytest.mark.parametrize("missing_frac", [0.0, 0.06])
def test_alpha_listwise_against_pingouin(missing_frac: float) -> None:
    df, _ = likert(missing_frac=missing_frac, seed=2024)
    ours = cronbach_alpha(df)
    ref_alpha, ref_ci = pg.cronbach_alpha(df, nan_policy="listwise")
    assert ours.missing == "listwise"
    assert ours.n == len(df.dropna())
    assert ours.alpha == pytest.approx(ref_alpha, abs=TOL)
    # pingouin (0.7) takes n for the Feldt CI *before* its listwise deletion, which overstates the
    # precision; the correct n is the number of complete cases, so the CI is compared with pingouin
    # run on the complete cases (rounded by pingouin to 3 decimals → 5e-4).
    _, ref_ci = pg.cronbach_alpha(df.dropna())
    assert ours.ci == pytest.approx(tuple(ref_ci), abs=5e-4)
    assert ours.ci == pytest.approx(_feldt(ref_alpha, ours.n, df.shape[1]), abs=1e-10)

    complete = df.dropna()
    r = complete.corr().to_numpy()
    k = r.shape[0]
    rbar = (r.sum() - k) / (k * (k - 1))
    assert ours.alpha_std == pytest.approx(k * rbar / (1 + (k - 1) * rbar), abs=TOL)
    for i, name in enumerate(df.columns):
        rest = complete.drop(columns=name).sum(axis=1)
        assert ours.citc[i] == pytest.approx(complete[name].corr(rest), abs=TOL)
        ref_del, _ = pg.cronbach_alpha(complete.drop(columns=name))
        assert ours.alpha_if_deleted[i] == pytest.approx(ref_del, abs=TOL)


def test_alpha_pairwise_against_pingouin() -> None:
    df, _ = likert(missing_frac=0.06, seed=77)
    ours = cronbach_alpha(df, missing="pairwise")
    ref_alpha, ref_ci = pg.cronbach_alpha(df)  # pingouin default: pairwise covariance
    assert ours.missing == "pairwise" and ours.n == len(df)
    assert ours.alpha == pytest.approx(ref_alpha, abs=TOL)
    assert ours.ci == pytest.approx(tuple(ref_ci), abs=5e-4)
    # CITC from the pairwise covariance matrix (pandas), written out
    c = df.cov().to_numpy()
    for i in range(c.shape[0]):
        row = c[i].sum()
        rest_var = c.sum() - 2 * row + c[i, i]
        assert ours.citc[i] == pytest.approx((row - c[i, i]) / math.sqrt(c[i, i] * rest_var), abs=TOL)


def test_dimensions_and_flags() -> None:
    df, dims = likert(seed=5)
    rep = reliability(df, dimensions=dims)
    assert set(rep.dimensions) == set(dims)
    for d, items in dims.items():
        ref, _ = pg.cronbach_alpha(df[items])
        assert rep.dimensions[d].alpha == pytest.approx(ref, abs=TOL)
    flags = rep.overall.flagged_items()
    assert set(flags) == {"raises_alpha", "low_citc"}
    assert rep.to_dict()["overall"]["citc"].keys() == set(df.columns)


def test_alpha_detects_bad_item() -> None:
    df, _ = likert(seed=8)
    rng = np.random.default_rng(0)
    df["noise"] = rng.integers(1, 6, len(df)).astype(float)
    res = cronbach_alpha(df)
    flags = res.flagged_items()
    assert "noise" in flags["low_citc"] and "noise" in flags["raises_alpha"]
    assert flags["low_citc"] == ["noise"]


@pytest.mark.parametrize("split", ["first_second", "odd_even"])
def test_split_half(split: str) -> None:
    df, _ = likert(seed=31, per_dim=3)  # 9 items: unequal halves
    res = split_half(df, split=split)  # type: ignore[arg-type]
    cols = list(df.columns)
    first = cols[:5] if split == "first_second" else cols[0::2]
    second = cols[5:] if split == "first_second" else cols[1::2]
    a, b = df[first].sum(axis=1), df[second].sum(axis=1)
    r = a.corr(b)
    assert res.first == tuple(first) and res.second == tuple(second)
    assert res.r == pytest.approx(r, abs=TOL)
    assert res.spearman_brown_equal == pytest.approx(2 * r / (1 + r), abs=TOL)
    # unequal-length Spearman–Brown (SPSS): solve r = ρ√(k1 k2)/√((1+(k1−1)ρ')(…)) numerically instead
    k1, k2, k = len(first), len(second), len(cols)

    def implied_r(rho: float) -> float:  # correlation of halves of lengths k1, k2 with item reliability
        r1 = k1 * rho / (1 + (k1 - 1) * rho)
        r2 = k2 * rho / (1 + (k2 - 1) * rho)
        return math.sqrt(r1 * r2)

    from scipy.optimize import brentq

    rho = brentq(lambda x: implied_r(x) - r, 1e-9, 1 - 1e-9, xtol=1e-14)
    assert res.spearman_brown_unequal == pytest.approx(k * rho / (1 + (k - 1) * rho), abs=TOL)
    assert res.guttman == pytest.approx(2 * (1 - (a.var() + b.var()) / (a + b).var()), abs=TOL)
    assert res.alpha_first == pytest.approx(pg.cronbach_alpha(df[first])[0], abs=TOL)


def test_edge_cases() -> None:
    df, _ = likert(n=30)
    with pytest.raises(StatsError, match="at least 2 items"):
        cronbach_alpha(df[["q1"]])
    const = df.copy()
    const["q2"] = 3.0
    with pytest.raises(StatsError, match=r"constant item.*q2"):
        cronbach_alpha(const)
    empty = df.copy()
    empty["q3"] = np.nan
    with pytest.raises(StatsError, match="every value missing: q3"):
        cronbach_alpha(empty)
    assert issubclass(StatsError, ValueError)


@settings(max_examples=40, deadline=None)
@given(
    arrays(
        np.float64, st.tuples(st.integers(8, 30), st.integers(2, 6)), elements=st.integers(1, 5).map(float)
    ),
    st.floats(0.5, 20),
    st.floats(-5, 5),
)
def test_alpha_invariant_to_common_linear_transform(x: np.ndarray, scale: float, shift: float) -> None:
    """α depends on the covariance matrix only through ratios: a common affine rescaling leaves it unchanged."""
    df = pd.DataFrame(x)
    if (df.std() == 0).any() or df.sum(axis=1).var() == 0:
        return
    a = cronbach_alpha(df).alpha
    b = cronbach_alpha(df * scale + shift).alpha
    assert b == pytest.approx(a, abs=1e-9)
    assert a <= 1.0 + 1e-12


def test_mcdonald_omega() -> None:
    """ω total by hand from the one-factor ULS loadings; the loadings checked against the ULS
    stationarity condition (1e-6) and factor_analyzer's MINRES (1e-3: L-BFGS-B default tolerances)."""
    from factor_analyzer import FactorAnalyzer
    from stats_fixtures import patch_factor_analyzer

    from sqms.stats.reliability import mcdonald_omega

    patch_factor_analyzer()
    df, dims = likert(n=700, seed=21)
    items = dims["D1"] + dims["D2"][:2]
    res = mcdonald_omega(df[items])
    lam = np.array(res.loadings)
    assert res.converged
    assert res.omega == pytest.approx(lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum()), abs=1e-12)
    r = df[items].corr().to_numpy()
    psi = np.diag(1 - lam**2)
    np.testing.assert_allclose((r - psi) @ lam, lam * (lam @ lam), atol=TOL)
    fa = FactorAnalyzer(n_factors=1, method="minres", rotation=None)
    fa.fit(df[items].to_numpy())
    ref = fa.loadings_[:, 0] * np.sign(fa.loadings_[:, 0].sum())
    np.testing.assert_allclose(lam, ref, atol=1e-3)
    ref_omega = ref.sum() ** 2 / (ref.sum() ** 2 + (1 - ref**2).sum())
    assert res.omega == pytest.approx(ref_omega, abs=1e-3)
    assert res.omega >= cronbach_alpha(df[items]).alpha - 1e-3  # ω ≥ α for congeneric items (approximately)
    with pytest.raises(StatsError, match="at least 3 items"):
        mcdonald_omega(df[["q1", "q2"]])
