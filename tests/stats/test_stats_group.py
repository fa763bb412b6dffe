"""Group comparisons against scipy.stats.

Conventions (SPSS): Mann–Whitney is the asymptotic test with tie correction and no continuity
correction (SPSS "Asymp. Sig. (2-tailed)") = ``scipy.stats.mannwhitneyu(method="asymptotic",
use_continuity=False)``; Levene's test is mean-centred (``scipy.stats.levene(center="mean")``,
scipy's default is the median-centred Brown–Forsythe variant); the χ² test reports Pearson's χ²
without Yates' correction by default (``chi2_contingency(correction=False)``); Yates is optional.
Sample sizes are checked against Cochran's worked numbers (385 for ±5 %, 95 %, p = 0.5).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from sqms.stats import StatsError
from sqms.stats.tests_group import (
    anova,
    chi_square,
    groups_from_labels,
    kruskal,
    mann_whitney,
    sample_size_mean,
    sample_size_proportion,
    t_test,
)

TOL = 1e-6
rng = np.random.default_rng(31337)
A = rng.normal(3.6, 0.8, 60)
B = rng.normal(3.3, 1.2, 45)
C = rng.normal(3.9, 1.0, 52)
LA = np.clip(np.rint(A), 1, 5)  # Likert with many ties
LB = np.clip(np.rint(B), 1, 5)
LC = np.clip(np.rint(C), 1, 5)


@pytest.mark.parametrize("equal_var", [True, False])
def test_t_tests(equal_var: bool) -> None:
    a = np.append(A, np.nan)  # a missing value is dropped
    res = t_test(a, B, equal_var=equal_var)
    ref = sps.ttest_ind(A, B, equal_var=equal_var)
    assert res.t == pytest.approx(ref.statistic, abs=TOL)
    assert res.p == pytest.approx(ref.pvalue, abs=TOL)
    assert res.df == pytest.approx(ref.df, abs=TOL)
    ci = ref.confidence_interval(0.95)
    assert res.ci == pytest.approx((ci.low, ci.high), abs=TOL)
    lev = sps.levene(A, B, center="mean")
    assert (res.levene_f, res.levene_p) == pytest.approx((lev.statistic, lev.pvalue), abs=TOL)
    sp = math.sqrt(((len(A) - 1) * A.var(ddof=1) + (len(B) - 1) * B.var(ddof=1)) / (len(A) + len(B) - 2))
    assert res.cohen_d == pytest.approx((A.mean() - B.mean()) / sp, abs=TOL)


@pytest.mark.parametrize(("x", "y"), [(A, B), (LA, LB)], ids=["continuous", "ties"])
def test_mann_whitney(x: np.ndarray, y: np.ndarray) -> None:
    res = mann_whitney(x, y)
    ref = sps.mannwhitneyu(x, y, method="asymptotic", use_continuity=False)
    assert res.u == pytest.approx(ref.statistic, abs=TOL)
    assert res.p == pytest.approx(ref.pvalue, abs=TOL)


@pytest.mark.parametrize("groups", [(A, B, C), (LA, LB, LC)], ids=["continuous", "ties"])
def test_anova_and_kruskal(groups: tuple[np.ndarray, ...]) -> None:
    res = anova(*groups)
    ref = sps.f_oneway(*groups)
    assert res.f == pytest.approx(ref.statistic, abs=TOL)
    assert res.p == pytest.approx(ref.pvalue, abs=TOL)
    allv = np.concatenate(groups)
    sst = ((allv - allv.mean()) ** 2).sum()
    assert res.eta_squared == pytest.approx(res.ss_between / sst, abs=1e-12)
    kw = kruskal(*groups)
    ref_kw = sps.kruskal(*groups)
    assert kw.h == pytest.approx(ref_kw.statistic, abs=TOL)
    assert kw.p == pytest.approx(ref_kw.pvalue, abs=TOL)


def test_chi_square() -> None:
    table = np.array([[20, 15, 30], [25, 35, 10]])
    res = chi_square(table)
    chi2, p, df, exp = sps.chi2_contingency(table, correction=False)
    assert (res.chi2, res.p, res.df) == pytest.approx((chi2, p, df), abs=TOL)
    np.testing.assert_allclose(res.expected, exp, atol=1e-12)
    assert res.cramers_v == pytest.approx(math.sqrt(chi2 / (table.sum() * 1)), abs=TOL)
    t22 = np.array([[12, 5], [7, 15]])
    for corr in (False, True):
        r = chi_square(t22, correction=corr)
        ref = sps.chi2_contingency(t22, correction=corr)
        assert (r.chi2, r.p) == pytest.approx((ref[0], ref[1]), abs=TOL)
    with pytest.raises(StatsError, match="empty"):
        chi_square([[0, 0], [1, 2]])


def test_sample_size() -> None:
    assert sample_size_proportion(0.05) == 385
    assert sample_size_proportion(0.03) == 1068
    assert sample_size_proportion(0.05, population=1000) == 278
    z = sps.norm.isf(0.025)
    assert sample_size_mean(1.0, 0.1) == math.ceil((z * 1.0 / 0.1) ** 2)
    with pytest.raises(StatsError):
        sample_size_proportion(0)


def test_groups_from_labels_and_errors() -> None:
    g = groups_from_labels([1, 2, 3, 4], ["a", "b", "a", "b"])
    assert list(g) == ["a", "b"] and g["a"].tolist() == [1.0, 3.0]
    with pytest.raises(StatsError, match="at least 2"):
        t_test([1.0], [1.0, 2.0])
    with pytest.raises(StatsError, match="at least 2 groups"):
        anova([1.0, 2.0])
