"""Reliability (信度): Cronbach's α, item statistics, split-half and McDonald's ω.

All from the item covariance matrix ``S`` (k items, ``σ²_T = Σᵢⱼ Sᵢⱼ`` the total-score variance):

* Cronbach's α: ``α = k/(k−1) · (1 − tr S / σ²_T)`` (Cronbach 1951).
* Standardised α: ``α_std = k·r̄ / (1 + (k−1)·r̄)`` with ``r̄`` the mean inter-item correlation.
* Feldt confidence interval (Feldt, Woodruff & Salih 1987):
  ``[1 − (1−α)·F_{1−γ/2}(n−1, (n−1)(k−1)), 1 − (1−α)·F_{γ/2}(n−1, (n−1)(k−1))]``.
* Corrected item–total correlation (CITC) of item i with the sum of the other items:
  ``(Σⱼ Sᵢⱼ − Sᵢᵢ) / √(Sᵢᵢ · (σ²_T − 2Σⱼ Sᵢⱼ + Sᵢᵢ))``.
* α if item i deleted: α of the k−1 remaining items, i.e. with ``tr S − Sᵢᵢ`` and
  ``σ²_T − 2Σⱼ Sᵢⱼ + Sᵢᵢ``.
* Split-half (SPSS "first half / second half" or odd/even): correlation ``r`` of the half sums,
  Spearman–Brown ``2r/(1+r)`` (equal halves) and the unequal-length coefficient
  ``(√(r⁴ + 4r²(1−r²)k₁k₂/k²) − r²) / (2(1−r²)k₁k₂/k²)``, Guttman ``2(1 − (s₁²+s₂²)/s_T²)``.
* McDonald's ω total from a one-factor model fitted to the correlation matrix by unweighted least
  squares (iterated principal axis to convergence): ``ω = (Σλ)² / ((Σλ)² + Σψ)``
  (McDonald 1999, *Test Theory: A Unified Treatment*, ch. 6).

With pairwise deletion ``S`` is the pairwise covariance matrix and ``n`` (for the Feldt interval)
is the number of respondents with at least one answer (the convention of ``pingouin`` and of
``psych::alpha`` with ``use="pairwise"``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ._data import FloatArray, Missing, Moments, StatsError, dimension_index, moments
from ._special import fdtri


@dataclass(frozen=True)
class AlphaResult:
    items: tuple[str, ...]
    missing: Missing
    n: int
    k: int
    alpha: float
    alpha_std: float
    ci: tuple[float, float]
    confidence: float
    citc: tuple[float, ...]
    alpha_if_deleted: tuple[float, ...]
    scale_mean: float
    scale_var: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": list(self.items),
            "missing": self.missing,
            "n": self.n,
            "k": self.k,
            "alpha": self.alpha,
            "alpha_std": self.alpha_std,
            "ci": list(self.ci),
            "confidence": self.confidence,
            "citc": dict(zip(self.items, self.citc, strict=True)),
            "alpha_if_deleted": dict(zip(self.items, self.alpha_if_deleted, strict=True)),
            "scale_mean": self.scale_mean,
            "scale_var": self.scale_var,
        }

    def flagged_items(self, citc_min: float = 0.3) -> dict[str, list[str]]:
        """Items whose deletion raises α, and items whose CITC is below ``citc_min``."""
        return {
            "raises_alpha": [
                n for n, a in zip(self.items, self.alpha_if_deleted, strict=True) if a > self.alpha
            ],
            "low_citc": [n for n, c in zip(self.items, self.citc, strict=True) if c < citc_min],
        }


def feldt_ci(alpha: float, n: int, k: int, confidence: float = 0.95) -> tuple[float, float]:
    """Feldt (1965; Feldt, Woodruff & Salih 1987) confidence interval for α."""
    df1 = n - 1
    df2 = (n - 1) * (k - 1)
    g = 1 - confidence
    lower = 1 - (1 - alpha) * fdtri(df1, df2, 1 - g / 2)
    upper = 1 - (1 - alpha) * fdtri(df1, df2, g / 2)
    return lower, upper


def _alpha_from_cov(cov: FloatArray) -> float:
    k = cov.shape[0]
    total = float(cov.sum())
    if total <= 0:
        raise StatsError("Cronbach's α: the total score has zero variance", "zero_total_variance")
    return float(k / (k - 1) * (1 - float(np.trace(cov)) / total))


def cronbach_alpha(
    data: Any,
    names: Sequence[str] | None = None,
    *,
    missing: str = "listwise",
    confidence: float = 0.95,
) -> AlphaResult:
    """Cronbach's α (raw and standardised) with Feldt CI, CITC and α if item deleted."""
    m: Moments = moments(data, names, missing)
    k = m.k
    if k < 2:
        raise StatsError(
            f"Cronbach's α needs at least 2 items, got {k} ({', '.join(m.names)})", "too_few_items", k=k
        )
    m.require_variance("Cronbach's α")
    cov = m.cov
    alpha = _alpha_from_cov(cov)
    r = m.corr
    rbar = (float(r.sum()) - k) / (k * (k - 1))
    alpha_std = k * rbar / (1 + (k - 1) * rbar)
    total = float(cov.sum())
    row = cov.sum(axis=1)
    diag = np.diag(cov)
    rest_var = total - 2 * row + diag
    with np.errstate(invalid="ignore", divide="ignore"):
        citc = (row - diag) / np.sqrt(diag * rest_var)
        if k > 2:
            aid = (k - 1) / (k - 2) * (1 - (float(np.trace(cov)) - diag) / rest_var)
        else:
            aid = np.full(k, math.nan)
    return AlphaResult(
        items=m.names,
        missing=m.missing,
        n=m.n,
        k=k,
        alpha=alpha,
        alpha_std=alpha_std,
        ci=feldt_ci(alpha, m.n, k, confidence),
        confidence=confidence,
        citc=tuple(float(c) for c in citc),
        alpha_if_deleted=tuple(float(a) for a in aid),
        scale_mean=float(m.mean.sum()),
        scale_var=total,
    )


@dataclass(frozen=True)
class ReliabilityReport:
    overall: AlphaResult
    dimensions: dict[str, AlphaResult]

    def to_dict(self) -> dict[str, Any]:
        return {
            "overall": self.overall.to_dict(),
            "dimensions": {k: v.to_dict() for k, v in self.dimensions.items()},
        }


def reliability(
    data: Any,
    names: Sequence[str] | None = None,
    *,
    dimensions: Mapping[str, Sequence[str]] | None = None,
    missing: str = "listwise",
    confidence: float = 0.95,
) -> ReliabilityReport:
    """α for the whole scale and for each dimension (from one set of moments)."""
    m = moments(data, names, missing)
    overall = cronbach_alpha(m, confidence=confidence)
    dims: dict[str, AlphaResult] = {}
    for dim, idx in dimension_index(m, dimensions or {}).items():
        if len(idx) < 2:
            raise StatsError(f"dimension {dim!r}: Cronbach's α needs at least 2 items, got {len(idx)}")
        dims[dim] = cronbach_alpha(m.subset(idx), confidence=confidence)
    return ReliabilityReport(overall=overall, dimensions=dims)


@dataclass(frozen=True)
class SplitHalfResult:
    missing: Missing
    n: int
    first: tuple[str, ...]
    second: tuple[str, ...]
    r: float
    spearman_brown_equal: float
    spearman_brown_unequal: float
    guttman: float
    alpha_first: float | None
    alpha_second: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "missing": self.missing,
            "n": self.n,
            "first": list(self.first),
            "second": list(self.second),
            "r": self.r,
            "spearman_brown_equal": self.spearman_brown_equal,
            "spearman_brown_unequal": self.spearman_brown_unequal,
            "guttman": self.guttman,
            "alpha_first": self.alpha_first,
            "alpha_second": self.alpha_second,
        }


def split_half(
    data: Any,
    names: Sequence[str] | None = None,
    *,
    split: Literal["first_second", "odd_even"] = "first_second",
    missing: str = "listwise",
) -> SplitHalfResult:
    """Split-half reliability; the SPSS default puts the first ⌈k/2⌉ items in the first half."""
    m = moments(data, names, missing)
    k = m.k
    if k < 2:
        raise StatsError("split-half reliability needs at least 2 items")
    m.require_variance("split-half reliability")
    if split == "first_second":
        k1 = (k + 1) // 2
        a_idx, b_idx = list(range(k1)), list(range(k1, k))
    elif split == "odd_even":
        a_idx, b_idx = list(range(0, k, 2)), list(range(1, k, 2))
    else:
        raise StatsError(f"unknown split {split!r}; use 'first_second' or 'odd_even'")
    wa = np.zeros(k)
    wa[a_idx] = 1
    wb = np.zeros(k)
    wb[b_idx] = 1
    s = m.cov
    va, vb, cab = float(wa @ s @ wa), float(wb @ s @ wb), float(wa @ s @ wb)
    r = cab / math.sqrt(va * vb)
    k1, k2 = len(a_idx), len(b_idx)
    sb_eq = 2 * r / (1 + r)
    if k1 == k2 or abs(r) >= 1:
        sb_uneq = sb_eq
    else:
        c = k1 * k2 / (k * k)
        sb_uneq = (math.sqrt(r**4 + 4 * r * r * (1 - r * r) * c) - r * r) / (2 * (1 - r * r) * c)
    vt = va + vb + 2 * cab
    guttman = 2 * (1 - (va + vb) / vt)
    return SplitHalfResult(
        missing=m.missing,
        n=m.n,
        first=tuple(m.names[i] for i in a_idx),
        second=tuple(m.names[i] for i in b_idx),
        r=r,
        spearman_brown_equal=sb_eq,
        spearman_brown_unequal=sb_uneq,
        guttman=guttman,
        alpha_first=_alpha_from_cov(s[np.ix_(a_idx, a_idx)]) if k1 > 1 else None,
        alpha_second=_alpha_from_cov(s[np.ix_(b_idx, b_idx)]) if k2 > 1 else None,
    )


@dataclass(frozen=True)
class OmegaResult:
    items: tuple[str, ...]
    missing: Missing
    n: int
    omega: float
    loadings: tuple[float, ...]
    uniquenesses: tuple[float, ...]
    converged: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": list(self.items),
            "missing": self.missing,
            "n": self.n,
            "omega": self.omega,
            "loadings": dict(zip(self.items, self.loadings, strict=True)),
            "uniquenesses": dict(zip(self.items, self.uniquenesses, strict=True)),
            "converged": self.converged,
        }


def mcdonald_omega(
    data: Any,
    names: Sequence[str] | None = None,
    *,
    missing: str = "listwise",
    tol: float = 1e-10,
    max_iter: int = 5000,
) -> OmegaResult:
    """McDonald's ω total from a one-factor ULS (iterated principal axis) solution."""
    from .validity import efa

    m = moments(data, names, missing)
    if m.k < 3:
        raise StatsError(f"McDonald's ω needs at least 3 items (a one-factor model), got {m.k}")
    fa = efa(m, n_factors=1, extraction="paf", rotation="none", tol=tol, max_iter=max_iter)
    lam = np.clip(fa.unrotated[:, 0], -1.0, 1.0)
    psi = 1.0 - lam * lam
    s = float(lam.sum())
    return OmegaResult(
        items=m.names,
        missing=m.missing,
        n=m.n,
        omega=s * s / (s * s + float(psi.sum())),
        loadings=tuple(float(v) for v in lam),
        uniquenesses=tuple(float(v) for v in psi),
        converged=fa.converged,
    )
