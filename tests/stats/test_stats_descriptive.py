"""Descriptive statistics against numpy / scipy.stats / pandas / statsmodels.

Conventions:
* skewness and kurtosis are the SPSS/Excel bias-corrected G1 and G2 (excess) statistics, i.e.
  ``scipy.stats.skew(bias=False)`` and ``scipy.stats.kurtosis(bias=False)`` — not scipy's default
  biased g1/g2 — because SPSS users compare our numbers with SPSS output;
* quartiles default to SPSS's HAVERAGE definition (Hyndman–Fan type 6, numpy ``method="weibull"``);
  the Excel/pandas type 7 (numpy ``method="linear"``) is available and tested too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from stats_fixtures import TOL, continuous, likert
from statsmodels.stats.proportion import proportion_confint

from sqms.stats import describe, wilson_ci


def _check_item(ours, col: np.ndarray, method: str) -> None:
    n = col.size
    assert ours.n == n
    assert ours.mean == pytest.approx(col.mean(), abs=TOL)
    assert ours.sd == pytest.approx(col.std(ddof=1), abs=TOL)
    assert ours.se == pytest.approx(sps.sem(col), abs=TOL)
    q = np.percentile(col, [25, 50, 75], method=method)
    assert (ours.q1, ours.median, ours.q3) == pytest.approx(tuple(q), abs=TOL)
    assert ours.min == col.min() and ours.max == col.max()
    assert ours.skewness == pytest.approx(sps.skew(col, bias=False), abs=TOL)
    assert ours.kurtosis == pytest.approx(sps.kurtosis(col, bias=False), abs=TOL)
    lo, hi = sps.t.interval(0.95, n - 1, loc=col.mean(), scale=sps.sem(col))
    assert ours.mean_ci == pytest.approx((lo, hi), abs=TOL)


@pytest.mark.parametrize("method", ["weibull", "linear"])
def test_likert_complete(method: str) -> None:
    df, _ = likert()
    res = describe(df, quantile_method=method, scale_max=5)  # type: ignore[arg-type]
    assert res.missing == "listwise" and res.n_used == len(df)
    for name in df.columns:
        col = df[name].to_numpy()
        it = res[name]
        _check_item(it, col, method)
        counts = df[name].value_counts().sort_index()
        assert [f.value for f in it.frequencies] == list(counts.index)
        assert [f.count for f in it.frequencies] == list(counts.to_numpy())
        assert [f.percent for f in it.frequencies] == pytest.approx(list(100 * counts / len(col)), abs=TOL)
        hits = int((col >= 4).sum())
        assert it.top2box == pytest.approx(hits / len(col), abs=TOL)
        assert it.top2box_ci == pytest.approx(proportion_confint(hits, len(col), method="wilson"), abs=TOL)


def test_missing_listwise_and_pairwise() -> None:
    df, _ = likert(missing_frac=0.08, seed=99)
    assert df.isna().any().all()
    lw = describe(df)
    complete = df.dropna()
    assert lw.missing == "listwise" and lw.n_used == len(complete) < len(df)
    for name in df.columns:
        _check_item(lw[name], complete[name].to_numpy(), "weibull")
    pw = describe(df, missing="pairwise")
    assert pw.missing == "pairwise"
    for name in df.columns:
        _check_item(pw[name], df[name].dropna().to_numpy(), "weibull")


def test_continuous_generic_path() -> None:
    df = continuous()
    res = describe(df, quantile_method="linear")
    for name in df.columns:
        _check_item(res[name], df[name].to_numpy(), "linear")
        assert res[name].top2box is None


def test_wilson_against_statsmodels() -> None:
    for x, n in [(0, 10), (3, 10), (10, 10), (57, 230), (999, 1000)]:
        for conf in (0.9, 0.95, 0.99):
            ref = proportion_confint(x, n, alpha=1 - conf, method="wilson")
            assert wilson_ci(x, n, conf) == pytest.approx(ref, abs=1e-12)


def test_to_dict_roundtrip() -> None:
    df, _ = likert(n=50)
    d = describe(df).to_dict()
    assert d["missing"] == "listwise" and len(d["items"]) == df.shape[1]
    assert isinstance(pd.DataFrame(d["items"]), pd.DataFrame)
