"""Service-quality models: SERVQUAL gaps, importance–performance analysis, key-driver analysis.

* **SERVQUAL** (Parasuraman, Zeithaml & Berry 1988, J. Retailing 64(1)): per respondent and item
  ``gap = P − E``; item gap = mean gap (paired t test of gap = 0); dimension gap = mean of its item
  gaps; unweighted overall gap = mean of dimension gaps; weighted overall gap
  ``Σ w_d·gap_d`` with dimension weights normalised to 1 (e.g. the 100-point allocation).
* **IPA** (Martilla & James 1977, J. Marketing 41(1)): items placed by importance (x) and
  performance (y) around a crosshair at the means (data-centred) or at the scale midpoint;
  quadrants: high importance/low performance "concentrate here", high/high "keep up the good
  work", low/low "low priority", low/high "possible overkill" (a value on the crosshair counts as
  high). Importance is stated (mean importance ratings) or derived from the overall satisfaction
  by correlation or by standardised regression coefficients.
* **Key drivers**: OLS of overall satisfaction on dimension scores from the correlation matrix:
  standardised ``β = R_xx⁻¹ r_xy``, ``R² = βᵀr_xy``, ``SE(βⱼ) = √((1−R²)/(n−p−1)·(R_xx⁻¹)ⱼⱼ)``,
  unstandardised ``bⱼ = βⱼ·s_y/sⱼ``, ``VIFⱼ = (R_xx⁻¹)ⱼⱼ``; relative importance by Johnson's (2000)
  relative weights: ``R_xx = PΔPᵀ``, ``Λ = PΔ^{1/2}Pᵀ``, ``β* = Λ⁻¹r_xy``,
  ``εⱼ = Σₖ Λⱼₖ²β*ₖ²`` (Σε = R²), also given as a share of R².
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from ._data import FloatArray, Missing, Moments, StatsError, as_matrix, check_missing, moments


def _stats() -> Any:
    """scipy.stats, imported on first use (it costs ~0.3 s; the analysis path needs only scipy.special)."""
    from scipy import stats

    return stats


Quadrant = Literal["concentrate_here", "keep_up_the_good_work", "low_priority", "possible_overkill"]


@dataclass(frozen=True)
class ItemGap:
    name: str
    n: int
    perception: float
    expectation: float
    gap: float
    sd: float
    t: float
    p: float


@dataclass(frozen=True)
class DimensionGap:
    name: str
    perception: float
    expectation: float
    gap: float
    weight: float | None


@dataclass(frozen=True)
class ServqualResult:
    missing: Missing
    items: tuple[ItemGap, ...]
    dimensions: tuple[DimensionGap, ...]
    overall_gap: float
    weighted_gap: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "missing": self.missing,
            "items": [asdict(i) for i in self.items],
            "dimensions": [asdict(d) for d in self.dimensions],
            "overall_gap": self.overall_gap,
            "weighted_gap": self.weighted_gap,
        }


def servqual(
    perception: Any,
    expectation: Any,
    names: Sequence[str] | None = None,
    *,
    dimensions: Mapping[str, Sequence[str]] | None = None,
    dimension_weights: Mapping[str, float] | None = None,
    missing: str = "listwise",
) -> ServqualResult:
    """SERVQUAL gap scores from matching perception and expectation matrices (respondents × items)."""
    policy = check_missing(missing)
    p, names_t = as_matrix(perception, names)
    e, _ = as_matrix(expectation, names_t)
    if p.shape != e.shape:
        raise StatsError(f"perception {p.shape} and expectation {e.shape} matrices differ in shape")
    gap = p - e
    if policy == "listwise":
        keep = ~np.isnan(gap).any(axis=1)
        p, e, gap = p[keep], e[keep], gap[keep]
    items: list[ItemGap] = []
    for j, name in enumerate(names_t):
        ok = ~np.isnan(gap[:, j])
        g = gap[ok, j]
        n = int(g.size)
        if n < 2:
            raise StatsError(f"item {name}: fewer than 2 respondents answered both P and E")
        sd = float(g.std(ddof=1))
        mean = float(g.mean())
        t = mean / (sd / math.sqrt(n)) if sd > 0 else (math.copysign(math.inf, mean) if mean else math.nan)
        pv = float(2 * _stats().t.sf(abs(t), n - 1)) if not math.isnan(t) else math.nan
        items.append(ItemGap(name, n, float(p[ok, j].mean()), float(e[ok, j].mean()), mean, sd, t, pv))
    dims: list[DimensionGap] = []
    pos = {n: i for i, n in enumerate(names_t)}
    weights: dict[str, float] | None = None
    if dimension_weights is not None:
        tot = float(sum(dimension_weights.values()))
        if tot <= 0 or any(v < 0 for v in dimension_weights.values()):
            raise StatsError("dimension weights must be non-negative and not all zero")
        weights = {k: v / tot for k, v in dimension_weights.items()}
    for d, its in (dimensions or {}).items():
        unknown = [i for i in its if i not in pos]
        if unknown or not its:
            raise StatsError(f"dimension {d!r}: unknown or no items ({', '.join(unknown)})")
        sel = [items[pos[i]] for i in its]
        if weights is not None and d not in weights:
            raise StatsError(f"no weight given for dimension {d!r}")
        dims.append(
            DimensionGap(
                d,
                float(np.mean([s.perception for s in sel])),
                float(np.mean([s.expectation for s in sel])),
                float(np.mean([s.gap for s in sel])),
                None if weights is None else weights[d],
            )
        )
    overall = float(np.mean([d.gap for d in dims])) if dims else float(np.mean([i.gap for i in items]))
    weighted = None
    if weights is not None:
        if not dims:
            raise StatsError("dimension weights need dimensions")
        weighted = float(sum(d.gap * (d.weight or 0.0) for d in dims))
    return ServqualResult(policy, tuple(items), tuple(dims), overall, weighted)


# --- IPA ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IPAItem:
    name: str
    importance: float
    performance: float
    quadrant: Quadrant


@dataclass(frozen=True)
class IPAResult:
    items: tuple[IPAItem, ...]
    importance_cross: float
    performance_cross: float
    crosshair: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": [asdict(i) for i in self.items],
            "importance_cross": self.importance_cross,
            "performance_cross": self.performance_cross,
            "crosshair": self.crosshair,
        }


def ipa(
    importance: Sequence[float],
    performance: Sequence[float],
    names: Sequence[str],
    *,
    crosshair: Literal["mean", "midpoint"] | tuple[float, float] = "mean",
    scale: tuple[float, float] = (1.0, 5.0),
) -> IPAResult:
    """Importance–performance quadrants."""
    imp = np.asarray(importance, dtype=np.float64)
    perf = np.asarray(performance, dtype=np.float64)
    if not (imp.shape == perf.shape == (len(names),)) or imp.size == 0:
        raise StatsError("importance, performance and names must have the same length")
    if crosshair == "mean":
        xc, yc, label = float(imp.mean()), float(perf.mean()), "mean"
    elif crosshair == "midpoint":
        mid = (scale[0] + scale[1]) / 2
        xc, yc, label = mid, mid, "midpoint"
    else:
        xc, yc, label = float(crosshair[0]), float(crosshair[1]), "custom"
    out = []
    for n, i, p in zip(names, imp, perf, strict=True):
        hi_i, hi_p = i >= xc, p >= yc
        q: Quadrant = (
            ("keep_up_the_good_work" if hi_p else "concentrate_here")
            if hi_i
            else ("possible_overkill" if hi_p else "low_priority")
        )
        out.append(IPAItem(str(n), float(i), float(p), q))
    return IPAResult(tuple(out), xc, yc, label)


def derived_importance(
    items: Any,
    overall: Any,
    names: Sequence[str] | None = None,
    *,
    method: Literal["correlation", "regression"] = "correlation",
    missing: str = "listwise",
) -> tuple[float, ...]:
    """Importance of each item derived from its relation to overall satisfaction."""
    x, names_t = as_matrix(items, names)
    y = np.asarray(overall, dtype=np.float64).reshape(-1, 1)
    if y.shape[0] != x.shape[0]:
        raise StatsError("items and overall satisfaction must have the same number of respondents")
    m = moments(np.hstack([x, y]), [*names_t, "__overall__"], missing)
    r = m.corr
    k = len(names_t)
    if method == "correlation":
        return tuple(float(v) for v in r[:k, k])
    if method == "regression":
        return key_drivers(m).beta
    raise StatsError(f"unknown method {method!r}; use 'correlation' or 'regression'")


# --- key drivers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DriverResult:
    names: tuple[str, ...]
    missing: Missing
    n: int
    beta: tuple[float, ...]
    beta_se: tuple[float, ...]
    t: tuple[float, ...]
    p: tuple[float, ...]
    b: tuple[float, ...]
    intercept: float
    r2: float
    adj_r2: float
    f: float
    f_p: float
    vif: tuple[float, ...]
    relative_weight: tuple[float, ...]
    relative_share: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["names"] = list(self.names)
        return d


def _sqrtm_sym(a: FloatArray) -> FloatArray:
    vals, vecs = np.linalg.eigh(a)
    return np.asarray((vecs * np.sqrt(np.maximum(vals, 0.0))) @ vecs.T, dtype=np.float64)


def key_drivers(
    predictors: Any,
    overall: Any = None,
    names: Sequence[str] | None = None,
    *,
    missing: str = "listwise",
) -> DriverResult:
    """OLS key-driver analysis of overall satisfaction on predictors (e.g. dimension scores).

    ``predictors`` may also be precomputed :class:`Moments` whose last variable is the outcome.
    """
    if isinstance(predictors, Moments):
        m = predictors
    else:
        x, names_t = as_matrix(predictors, names)
        y = np.asarray(overall, dtype=np.float64).reshape(-1, 1)
        if y.shape[0] != x.shape[0]:
            raise StatsError("predictors and overall satisfaction must have the same number of respondents")
        m = moments(np.hstack([x, y]), [*names_t, "__overall__"], missing)
    p = m.k - 1
    if p < 1:
        raise StatsError("key-driver analysis needs at least one predictor")
    n = int(m.n_pair.min())
    if n <= p + 1:
        raise StatsError(
            f"key-driver analysis: {n} respondents are too few for {p} predictors",
            "too_few_respondents",
            n=n,
            p=p,
        )
    r = m.corr
    rxx, rxy = r[:p, :p], r[:p, p]
    vals = np.linalg.eigvalsh(rxx)
    if vals[0] <= 1e-12 * vals[-1]:
        raise StatsError(
            "key-driver analysis: the predictors are perfectly collinear (singular correlation matrix)"
        )
    inv = np.linalg.inv(rxx)
    beta = inv @ rxy
    r2 = float(beta @ rxy)
    dfr = n - p - 1
    se = np.sqrt(np.maximum((1 - r2) / dfr * np.diag(inv), 0.0))
    with np.errstate(divide="ignore"):
        t = beta / se
    pv = 2 * _stats().t.sf(np.abs(t), dfr)
    sd = m.sd
    b = beta * sd[p] / sd[:p]
    intercept = float(m.mean[p] - b @ m.mean[:p])
    f = (r2 / p) / ((1 - r2) / dfr) if r2 < 1 else math.inf
    lam = _sqrtm_sym(rxx)
    bstar = np.linalg.solve(lam, rxy)
    eps = (lam * lam) @ (bstar * bstar)
    return DriverResult(
        names=m.names[:p],
        missing=m.missing,
        n=n,
        beta=tuple(float(v) for v in beta),
        beta_se=tuple(float(v) for v in se),
        t=tuple(float(v) for v in t),
        p=tuple(float(v) for v in pv),
        b=tuple(float(v) for v in b),
        intercept=intercept,
        r2=r2,
        adj_r2=1 - (1 - r2) * (n - 1) / dfr,
        f=f,
        f_p=float(_stats().f.sf(f, p, dfr)),
        vif=tuple(float(v) for v in np.diag(inv)),
        relative_weight=tuple(float(v) for v in eps),
        relative_share=tuple(float(v) for v in eps / r2) if r2 > 0 else tuple(math.nan for _ in eps),
    )
