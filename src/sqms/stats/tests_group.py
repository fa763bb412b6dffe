"""Group comparisons and sample size.

* Independent-samples t test (Student, pooled variance): ``t = (x̄₁ − x̄₂)/(s_p√(1/n₁ + 1/n₂))``,
  ``df = n₁ + n₂ − 2``; Welch: ``t = (x̄₁ − x̄₂)/√(s₁²/n₁ + s₂²/n₂)`` with Welch–Satterthwaite
  ``df = (s₁²/n₁ + s₂²/n₂)² / ((s₁²/n₁)²/(n₁−1) + (s₂²/n₂)²/(n₂−1))``; confidence interval for
  the difference; Cohen's d with the pooled SD; Levene's test centred at the means (as SPSS).
* Mann–Whitney U (Mann & Whitney 1947): ``U₁ = R₁ − n₁(n₁+1)/2`` from mid-ranks;
  ``z = (U₁ − n₁n₂/2)/σ_U`` with the tie-corrected ``σ_U² = n₁n₂/12·((N+1) − Σ(t³−t)/(N(N−1)))``,
  asymptotic two-sided p without continuity correction (the SPSS "Asymp. Sig."); r = |z|/√N.
* One-way ANOVA: ``F = (SS_between/(k−1)) / (SS_within/(N−k))``, η² = SS_between/SS_total,
  ω² = (SS_between − (k−1)MS_within)/(SS_total + MS_within).
* Kruskal–Wallis: ``H = 12/(N(N+1))·Σ Rᵢ²/nᵢ − 3(N+1)``, divided by the tie correction
  ``1 − Σ(t³−t)/(N³−N)``; χ² with k − 1 df; ε² = H/(N − 1).
* Pearson χ² test of independence: ``χ² = Σ (O − E)²/E`` with ``E = row·col/N``; Yates' continuity
  correction optional (2 × 2 only, as SPSS reports it separately); Cramér's V = √(χ²/(N(min(r,c)−1))).
* Sample size for a proportion ``n₀ = z²p(1−p)/e²`` and for a mean ``n₀ = (zσ/e)²``, with the finite
  population correction ``n = n₀/(1 + (n₀ − 1)/N)``, rounded up (Cochran 1977, *Sampling
  Techniques*, ch. 4).

References: Sheskin (2011), *Handbook of Parametric and Nonparametric Statistical Procedures*;
IBM SPSS Statistics Algorithms (T-TEST, NPAR TESTS, ONEWAY, CROSSTABS).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ._data import FloatArray, StatsError, as_vector


def _stats() -> Any:
    """scipy.stats, imported on first use (it costs ~0.3 s; the analysis path needs only scipy.special)."""
    from scipy import stats

    return stats


def _group(x: Any, what: str, min_n: int = 2) -> FloatArray:
    v = as_vector(x, what)
    if v.size < min_n:
        raise StatsError(f"{what} needs at least {min_n} non-missing values, got {v.size}")
    return v


@dataclass(frozen=True)
class TTestResult:
    method: str
    n1: int
    n2: int
    mean1: float
    mean2: float
    sd1: float
    sd2: float
    t: float
    df: float
    p: float
    diff: float
    ci: tuple[float, float]
    cohen_d: float
    levene_f: float
    levene_p: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def t_test(a: Any, b: Any, *, equal_var: bool = True, confidence: float = 0.95) -> TTestResult:
    """Independent-samples t test (Student when ``equal_var``, otherwise Welch); missing values dropped."""
    x, y = _group(a, "group 1"), _group(b, "group 2")
    n1, n2 = x.size, y.size
    m1, m2 = float(x.mean()), float(y.mean())
    v1, v2 = float(x.var(ddof=1)), float(y.var(ddof=1))
    sp2 = ((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2)
    if equal_var:
        se = math.sqrt(sp2 * (1 / n1 + 1 / n2))
        df: float = n1 + n2 - 2
    else:
        q1, q2 = v1 / n1, v2 / n2
        se = math.sqrt(q1 + q2)
        df = (q1 + q2) ** 2 / (q1 * q1 / (n1 - 1) + q2 * q2 / (n2 - 1)) if q1 + q2 > 0 else math.nan
    if se == 0:
        raise StatsError("t test: both groups are constant")
    diff = m1 - m2
    t = diff / se
    p = float(2 * _stats().t.sf(abs(t), df))
    half = float(_stats().t.isf((1 - confidence) / 2, df)) * se
    # Levene (mean-centred, SPSS): one-way ANOVA on absolute deviations from the group means
    lev = anova(np.abs(x - m1), np.abs(y - m2)) if (v1 > 0 or v2 > 0) else None
    return TTestResult(
        method="student" if equal_var else "welch",
        n1=n1,
        n2=n2,
        mean1=m1,
        mean2=m2,
        sd1=math.sqrt(v1),
        sd2=math.sqrt(v2),
        t=t,
        df=df,
        p=p,
        diff=diff,
        ci=(diff - half, diff + half),
        cohen_d=diff / math.sqrt(sp2) if sp2 > 0 else math.nan,
        levene_f=lev.f if lev else math.nan,
        levene_p=lev.p if lev else math.nan,
    )


def _tie_term(values: FloatArray) -> float:
    _, counts = np.unique(values, return_counts=True)
    c = counts.astype(np.float64)
    return float((c**3 - c).sum())


@dataclass(frozen=True)
class MannWhitneyResult:
    n1: int
    n2: int
    u: float
    z: float
    p: float
    r: float
    mean_rank1: float
    mean_rank2: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def mann_whitney(a: Any, b: Any) -> MannWhitneyResult:
    """Mann–Whitney U test (asymptotic, tie-corrected, no continuity correction; U is for group 1)."""
    x, y = _group(a, "group 1", 1), _group(b, "group 2", 1)
    n1, n2 = x.size, y.size
    allv = np.concatenate([x, y])
    n = allv.size
    ranks = _stats().rankdata(allv)
    r1 = float(ranks[:n1].sum())
    u1 = r1 - n1 * (n1 + 1) / 2
    var = n1 * n2 / 12.0 * ((n + 1) - _tie_term(allv) / (n * (n - 1)))
    if var <= 0:
        raise StatsError("Mann–Whitney test: all values are tied")
    z = (u1 - n1 * n2 / 2) / math.sqrt(var)
    return MannWhitneyResult(
        n1=n1,
        n2=n2,
        u=u1,
        z=z,
        p=float(2 * _stats().norm.sf(abs(z))),
        r=abs(z) / math.sqrt(n),
        mean_rank1=r1 / n1,
        mean_rank2=float(ranks[n1:].mean()),
    )


@dataclass(frozen=True)
class AnovaResult:
    k: int
    n: int
    f: float
    df_between: int
    df_within: int
    p: float
    ss_between: float
    ss_within: float
    eta_squared: float
    omega_squared: float
    means: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def anova(*groups: Any) -> AnovaResult:
    """One-way ANOVA of two or more groups."""
    gs = [_group(g, f"group {i + 1}", 1) for i, g in enumerate(groups)]
    k = len(gs)
    if k < 2:
        raise StatsError("ANOVA needs at least 2 groups")
    n = sum(g.size for g in gs)
    if n <= k:
        raise StatsError("ANOVA needs more observations than groups")
    grand = float(np.concatenate(gs).mean())
    ssb = float(sum(g.size * (g.mean() - grand) ** 2 for g in gs))
    ssw = float(sum(((g - g.mean()) ** 2).sum() for g in gs))
    dfb, dfw = k - 1, n - k
    if ssw == 0:
        raise StatsError("ANOVA: no variation within groups")
    msw = ssw / dfw
    f = (ssb / dfb) / msw
    sst = ssb + ssw
    return AnovaResult(
        k=k,
        n=n,
        f=f,
        df_between=dfb,
        df_within=dfw,
        p=float(_stats().f.sf(f, dfb, dfw)),
        ss_between=ssb,
        ss_within=ssw,
        eta_squared=ssb / sst,
        omega_squared=(ssb - dfb * msw) / (sst + msw),
        means=tuple(float(g.mean()) for g in gs),
    )


@dataclass(frozen=True)
class KruskalResult:
    k: int
    n: int
    h: float
    df: int
    p: float
    epsilon_squared: float
    mean_ranks: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def kruskal(*groups: Any) -> KruskalResult:
    """Kruskal–Wallis H test (tie-corrected)."""
    gs = [_group(g, f"group {i + 1}", 1) for i, g in enumerate(groups)]
    k = len(gs)
    if k < 2:
        raise StatsError("Kruskal–Wallis needs at least 2 groups")
    allv = np.concatenate(gs)
    n = allv.size
    ranks = _stats().rankdata(allv)
    bounds = np.cumsum([0] + [g.size for g in gs])
    rs = [ranks[bounds[i] : bounds[i + 1]] for i in range(k)]
    h = 12.0 / (n * (n + 1)) * sum(float(r.sum()) ** 2 / r.size for r in rs) - 3 * (n + 1)
    corr = 1 - _tie_term(allv) / (n**3 - n)
    if corr <= 0:
        raise StatsError("Kruskal–Wallis: all values are tied")
    h /= corr
    return KruskalResult(
        k=k,
        n=n,
        h=h,
        df=k - 1,
        p=float(_stats().chi2.sf(h, k - 1)),
        epsilon_squared=h / (n - 1),
        mean_ranks=tuple(float(r.mean()) for r in rs),
    )


@dataclass(frozen=True)
class ChiSquareResult:
    chi2: float
    df: int
    p: float
    n: int
    cramers_v: float
    expected: tuple[tuple[float, ...], ...]
    cells_expected_below_5: int
    correction: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def chi_square(table: Any, *, correction: bool = False) -> ChiSquareResult:
    """Pearson χ² test of independence on an r × c contingency table of counts."""
    o = np.asarray(table, dtype=np.float64)
    if o.ndim != 2 or min(o.shape) < 2:
        raise StatsError("χ² test needs a contingency table with at least 2 rows and 2 columns")
    if (o < 0).any() or not np.isfinite(o).all():
        raise StatsError("χ² test: counts must be non-negative")
    n = float(o.sum())
    rows, cols = o.sum(axis=1), o.sum(axis=0)
    if (rows == 0).any() or (cols == 0).any():
        raise StatsError("χ² test: a row or column of the table is empty")
    e = np.outer(rows, cols) / n
    dev = np.abs(o - e)
    use_yates = correction and o.shape == (2, 2)
    if use_yates:
        dev = np.maximum(dev - 0.5, 0.0)
    chi2 = float((dev * dev / e).sum())
    df = (o.shape[0] - 1) * (o.shape[1] - 1)
    return ChiSquareResult(
        chi2=chi2,
        df=df,
        p=float(_stats().chi2.sf(chi2, df)),
        n=round(n),
        cramers_v=math.sqrt(chi2 / (n * (min(o.shape) - 1))),
        expected=tuple(tuple(float(v) for v in row) for row in e),
        cells_expected_below_5=int((e < 5).sum()),
        correction=use_yates,
    )


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise StatsError("confidence must lie strictly between 0 and 1")
    return float(_stats().norm.isf((1 - confidence) / 2))


def _fpc(n0: float, population: int | None) -> int:
    if population is not None:
        if population < 1:
            raise StatsError("population size must be positive")
        n0 = n0 / (1 + (n0 - 1) / population)
    return math.ceil(n0 - 1e-9)


def sample_size_proportion(
    margin: float, *, p: float = 0.5, confidence: float = 0.95, population: int | None = None
) -> int:
    """Respondents needed to estimate a proportion within ± ``margin``."""
    if not 0 < margin < 1 or not 0 < p < 1:
        raise StatsError("margin and p must lie strictly between 0 and 1")
    z = _z(confidence)
    return _fpc(z * z * p * (1 - p) / (margin * margin), population)


def sample_size_mean(
    sd: float, margin: float, *, confidence: float = 0.95, population: int | None = None
) -> int:
    """Respondents needed to estimate a mean within ± ``margin`` given the SD."""
    if sd <= 0 or margin <= 0:
        raise StatsError("sd and margin must be positive")
    z = _z(confidence)
    return _fpc((z * sd / margin) ** 2, population)


def groups_from_labels(values: Sequence[float], labels: Sequence[Any]) -> dict[Any, FloatArray]:
    """Split values by group label (keeps first-seen label order)."""
    if len(values) != len(labels):
        raise StatsError("values and labels must have the same length")
    out: dict[Any, list[float]] = {}
    for v, g in zip(values, labels, strict=True):
        out.setdefault(g, []).append(float(v))
    return {g: np.asarray(v, dtype=np.float64) for g, v in out.items()}
