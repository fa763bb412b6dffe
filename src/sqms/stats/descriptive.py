"""Descriptive statistics per item, computed from the item frequency distributions.

For an item with values ``x₁…xₙ`` (missing answers excluded):

* mean ``x̄ = Σx/n``; SD ``s = √(Σ(x−x̄)²/(n−1))``; SE ``s/√n``;
* confidence interval for the mean: ``x̄ ± t_{1−α/2, n−1}·s/√n`` (Student t);
* skewness, SPSS/Excel bias-corrected ``G₁ = g₁·√(n(n−1))/(n−2)`` with ``g₁ = m₃/m₂^{3/2}``;
* excess kurtosis, SPSS/Excel bias-corrected
  ``G₂ = ((n+1)·g₂ + 6)·(n−1)/((n−2)(n−3))`` with ``g₂ = m₄/m₂² − 3`` and ``m_r = Σ(x−x̄)^r/n``
  (identical to ``scipy.stats.skew/kurtosis(bias=False)``), with their standard errors
  ``SE_G₁ = √(6n(n−1)/((n−2)(n+1)(n+3)))`` and ``SE_G₂ = 2·SE_G₁·√((n²−1)/((n−3)(n+5)))``;
* quantiles: ``method="weibull"`` (the SPSS default "HAVERAGE", Hyndman & Fan type 6: position
  ``(n+1)p``) or ``method="linear"`` (Excel ``QUARTILE.INC``, numpy/pandas default, type 7:
  position ``1+(n−1)p``), interpolating linearly between order statistics;
* top-2-box: share of answers in the two highest scale points, with its Wilson score interval
  ``(p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n)``.

References: Joanes & Gill (1998), "Comparing measures of sample skewness and kurtosis", The
Statistician 47(1); Hyndman & Fan (1996), "Sample quantiles in statistical packages", The
American Statistician 50(4); Wilson (1927), JASA 22(158).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from ._data import ItemDistribution, Missing, Moments, StatsError, moments
from ._special import spsp

QuantileMethod = Literal["weibull", "linear"]


def wilson_ci(successes: float, n: float, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion."""
    if n <= 0:
        raise StatsError("a proportion needs at least one observation")
    if not 0 <= successes <= n:
        raise StatsError(f"successes ({successes}) must lie between 0 and n ({n})")
    z = float(spsp.ndtri(1 - (1 - confidence) / 2))
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return centre - half, centre + half


def mean_ci(mean: float, sd: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Student-t confidence interval for a mean."""
    if n < 2:
        return math.nan, math.nan
    half = float(spsp.stdtrit(n - 1, 1 - (1 - confidence) / 2)) * sd / math.sqrt(n)
    return mean - half, mean + half


def quantile(dist: ItemDistribution, p: float, method: QuantileMethod = "weibull") -> float:
    """The ``p`` quantile of a frequency distribution (Hyndman & Fan type 6 or 7)."""
    n = dist.n
    if method == "linear":
        h = (n - 1) * p
    elif method == "weibull":
        h = (n + 1) * p - 1
    else:
        raise StatsError(f"unknown quantile method {method!r}; use 'weibull' or 'linear'")
    h = min(max(h, 0.0), n - 1.0)
    lo = math.floor(h)
    cum = np.cumsum(dist.freq)
    x_lo = float(dist.values[int(np.searchsorted(cum, lo, side="right"))])
    if h == lo:
        return x_lo
    x_hi = float(dist.values[int(np.searchsorted(cum, lo + 1, side="right"))])
    return x_lo + (h - lo) * (x_hi - x_lo)


@dataclass(frozen=True)
class Frequency:
    value: float
    count: int
    percent: float


@dataclass(frozen=True)
class ItemDescriptive:
    name: str
    n: int
    mean: float
    sd: float
    se: float
    median: float
    q1: float
    q3: float
    min: float
    max: float
    skewness: float
    skewness_se: float
    kurtosis: float
    kurtosis_se: float
    mean_ci: tuple[float, float]
    frequencies: tuple[Frequency, ...]
    top2box: float | None
    top2box_ci: tuple[float, float] | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Descriptives:
    items: tuple[ItemDescriptive, ...]
    missing: Missing
    n_rows: int
    n_used: int
    quantile_method: QuantileMethod
    confidence: float

    def __getitem__(self, name: str) -> ItemDescriptive:
        for it in self.items:
            if it.name == name:
                return it
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "missing": self.missing,
            "n_rows": self.n_rows,
            "n_used": self.n_used,
            "quantile_method": self.quantile_method,
            "confidence": self.confidence,
            "items": [it.to_dict() for it in self.items],
        }


def _item(
    name: str,
    dist: ItemDistribution,
    method: QuantileMethod,
    confidence: float,
    scale_max: float | None,
) -> ItemDescriptive:
    n = dist.n
    v, f = dist.values, dist.freq.astype(np.float64)
    mean = float(v @ f) / n
    d = v - mean
    m2 = float((d * d) @ f) / n
    m3 = float((d * d * d) @ f) / n
    m4 = float((d * d * d * d) @ f) / n
    var = m2 * n / (n - 1) if n > 1 else math.nan
    sd = math.sqrt(var) if n > 1 else math.nan
    if n > 2 and m2 > 0:
        g1 = m3 / m2**1.5
        skew = g1 * math.sqrt(n * (n - 1)) / (n - 2)
        skew_se = math.sqrt(6.0 * n * (n - 1) / ((n - 2) * (n + 1) * (n + 3)))
    else:
        skew = skew_se = math.nan
    if n > 3 and m2 > 0:
        g2 = m4 / (m2 * m2) - 3.0
        kurt = ((n + 1) * g2 + 6.0) * (n - 1) / ((n - 2) * (n - 3))
        kurt_se = 2 * skew_se * math.sqrt((n * n - 1.0) / ((n - 3) * (n + 5)))
    else:
        kurt = kurt_se = math.nan
    freqs = tuple(
        Frequency(value=float(val), count=int(c), percent=100.0 * int(c) / n)
        for val, c in zip(dist.values, dist.freq, strict=True)
    )
    t2b: float | None = None
    t2b_ci: tuple[float, float] | None = None
    if scale_max is not None:
        hits = int(dist.freq[dist.values >= scale_max - 1].sum())
        t2b = hits / n
        t2b_ci = wilson_ci(hits, n, confidence)
    return ItemDescriptive(
        name=name,
        n=n,
        mean=mean,
        sd=sd,
        se=sd / math.sqrt(n),
        median=quantile(dist, 0.5, method),
        q1=quantile(dist, 0.25, method),
        q3=quantile(dist, 0.75, method),
        min=float(v[0]),
        max=float(v[-1]),
        skewness=skew,
        skewness_se=skew_se,
        kurtosis=kurt,
        kurtosis_se=kurt_se,
        mean_ci=mean_ci(mean, sd, n, confidence),
        frequencies=freqs,
        top2box=t2b,
        top2box_ci=t2b_ci,
    )


def describe(
    data: Any,
    names: Sequence[str] | None = None,
    *,
    missing: str = "listwise",
    quantile_method: QuantileMethod = "weibull",
    confidence: float = 0.95,
    scale_max: float | None = None,
) -> Descriptives:
    """Descriptive statistics for every item.

    With listwise deletion the statistics use the complete cases only; with pairwise deletion each
    item uses every respondent who answered it. ``scale_max`` (e.g. 5 for a 1–5 scale) enables the
    top-2-box share (answers ≥ ``scale_max − 1``).
    """
    m: Moments = moments(data, names, missing)
    if not 0 < confidence < 1:
        raise StatsError("confidence must lie strictly between 0 and 1")
    items = tuple(
        _item(nm, d, quantile_method, confidence, scale_max)
        for nm, d in zip(m.names, m.distributions, strict=True)
    )
    return Descriptives(
        items=items,
        missing=m.missing,
        n_rows=m.n_rows,
        n_used=m.n,
        quantile_method=quantile_method,
        confidence=confidence,
    )
