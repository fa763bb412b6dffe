"""Correlation matrices with p-values.

* Pearson ``r = Sᵢⱼ/√(SᵢᵢSⱼⱼ)`` from the covariance matrix (pairwise: each pair over its common
  respondents, with the variances over the same rows — pandas ``DataFrame.corr`` semantics).
* Spearman ρ: Pearson correlation of mid-ranks (ties get the average rank), ranked within the
  complete cases (listwise) or within each pair's common respondents (pairwise).
* Two-sided p-value from ``t = r·√((n−2)/(1−r²))`` with ``n − 2`` degrees of freedom (for Spearman
  this is the usual large-sample t approximation, as in SPSS and ``scipy.stats.spearmanr``).

Reference: Sheskin (2011), *Handbook of Parametric and Nonparametric Statistical Procedures*,
tests 28 and 29.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ._data import FloatArray, IntArray, Missing, StatsError, as_matrix, check_missing, moments
from ._special import spsp


def _stats() -> Any:
    """scipy.stats, imported on first use (it costs ~0.3 s; the analysis path needs only scipy.special)."""
    from scipy import stats

    return stats


@dataclass(frozen=True)
class CorrelationResult:
    items: tuple[str, ...]
    method: Literal["pearson", "spearman"]
    missing: Missing
    r: FloatArray = field(repr=False)
    p: FloatArray = field(repr=False)
    n: IntArray = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": list(self.items),
            "method": self.method,
            "missing": self.missing,
            "r": self.r.tolist(),
            "p": self.p.tolist(),
            "n": self.n.tolist(),
        }


def p_values(r: FloatArray, n: IntArray) -> FloatArray:
    """Two-sided p-values of correlation coefficients (t test with n − 2 df)."""
    df = n.astype(np.float64) - 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        t = r * np.sqrt(df / np.maximum(1.0 - r * r, 0.0))
    p = 2.0 * spsp.stdtr(df, -np.abs(t))
    p = np.where(np.abs(r) >= 1.0, 0.0, p)
    np.fill_diagonal(p, 0.0)
    return np.asarray(p, dtype=np.float64)


def pearson(data: Any, names: Sequence[str] | None = None, *, missing: str = "listwise") -> CorrelationResult:
    m = moments(data, names, missing)
    r = m.corr
    return CorrelationResult(m.names, "pearson", m.missing, r, p_values(r, m.n_pair), m.n_pair)


def _rank_corr(a: FloatArray, b: FloatArray) -> float:
    ra, rb = _stats().rankdata(a), _stats().rankdata(b)
    ra = ra - ra.mean()
    rb = rb - rb.mean()
    denom = float(np.sqrt((ra @ ra) * (rb @ rb)))
    if denom == 0:
        raise StatsError("Spearman correlation: an item is constant over the common respondents")
    return float(ra @ rb) / denom


def spearman(
    data: Any, names: Sequence[str] | None = None, *, missing: str = "listwise"
) -> CorrelationResult:
    policy = check_missing(missing)
    arr, names_t = as_matrix(data, names)
    k = arr.shape[1]
    nan = np.isnan(arr)
    if policy == "listwise" or not nan.any():
        x = arr[~nan.any(axis=1)] if nan.any() else arr
        if x.shape[0] < 3:
            raise StatsError("Spearman correlation needs at least 3 complete respondents")
        ranks = _stats().rankdata(x, axis=0)
        m = moments(ranks, names_t)
        r = m.corr
        n = np.full((k, k), x.shape[0], dtype=np.int64)
    else:
        r = np.eye(k)
        n = np.zeros((k, k), dtype=np.int64)
        for i in range(k):
            n[i, i] = int((~nan[:, i]).sum())
            for j in range(i + 1, k):
                ok = ~(nan[:, i] | nan[:, j])
                if ok.sum() < 3:
                    raise StatsError(
                        f"items {names_t[i]} and {names_t[j]} have fewer than 3 respondents in common"
                    )
                r[i, j] = r[j, i] = _rank_corr(arr[ok, i], arr[ok, j])
                n[i, j] = n[j, i] = int(ok.sum())
    return CorrelationResult(names_t, "spearman", policy, r, p_values(r, n), n)
