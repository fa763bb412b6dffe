"""Correlation matrices against pandas (r) and scipy.stats.pearsonr / spearmanr (p-values)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps
from stats_fixtures import TOL, likert

from sqms.stats.correlation import pearson, spearman


@pytest.mark.parametrize("missing_frac", [0.0, 0.07])
def test_pearson_listwise(missing_frac: float) -> None:
    df, _ = likert(n=250, per_dim=3, seed=17, missing_frac=missing_frac)
    res = pearson(df)
    complete = df.dropna()
    np.testing.assert_allclose(res.r, complete.corr().to_numpy(), atol=TOL)
    for i, j in [(0, 1), (0, 5), (2, 8)]:
        r, p = sps.pearsonr(complete.iloc[:, i], complete.iloc[:, j])
        assert res.r[i, j] == pytest.approx(r, abs=TOL)
        assert res.p[i, j] == pytest.approx(p, abs=TOL)
    assert res.missing == "listwise" and (res.n == len(complete)).all()


def test_pearson_pairwise() -> None:
    df, _ = likert(n=250, per_dim=3, seed=18, missing_frac=0.07)
    res = pearson(df, missing="pairwise")
    np.testing.assert_allclose(res.r, df.corr().to_numpy(), atol=TOL)
    for i, j in [(0, 1), (3, 7)]:
        sub = df.iloc[:, [i, j]].dropna()
        r, p = sps.pearsonr(sub.iloc[:, 0], sub.iloc[:, 1])
        assert res.r[i, j] == pytest.approx(r, abs=TOL)
        assert res.p[i, j] == pytest.approx(p, abs=TOL)
        assert res.n[i, j] == len(sub)


@pytest.mark.parametrize("missing", ["listwise", "pairwise"])
def test_spearman(missing: str) -> None:
    df, _ = likert(n=200, per_dim=3, seed=19, missing_frac=0.05)
    res = spearman(df, missing=missing)
    ref_df = df.dropna() if missing == "listwise" else df
    np.testing.assert_allclose(res.r, ref_df.corr(method="spearman").to_numpy(), atol=TOL)
    for i, j in [(0, 1), (2, 6)]:
        sub = ref_df.iloc[:, [i, j]].dropna()
        rho, p = sps.spearmanr(sub.iloc[:, 0], sub.iloc[:, 1])
        assert res.r[i, j] == pytest.approx(rho, abs=TOL)
        assert res.p[i, j] == pytest.approx(p, abs=TOL)
    assert res.to_dict()["method"] == "spearman"
