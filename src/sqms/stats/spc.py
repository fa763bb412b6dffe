"""Statistical process control (控制图): Shewhart charts and run rules.

Constants for subgroups of size n (standard normal process):

* ``d₂(n) = E[W] = ∫ (1 − Φ(x)ⁿ − (1 − Φ(x))ⁿ) dx`` (expected range ``W``);
* ``d₃(n) = SD[W]``, from ``E[W²] = 2∫₀^∞ w·P(W > w) dw`` with
  ``P(W > w) = 1 − n∫ φ(x)(Φ(x+w) − Φ(x))^{n−1} dx`` (Tippett 1925);
* ``c₄(n) = √(2/(n−1))·Γ(n/2)/Γ((n−1)/2)`` (expected SD);
* ``A₂ = 3/(d₂√n)``, ``D₃ = max(0, 1 − 3d₃/d₂)``, ``D₄ = 1 + 3d₃/d₂``, ``E₂ = 3/d₂(2)``,
  ``A₃ = 3/(c₄√n)``, ``B₃ = max(0, 1 − 3√(1−c₄²)/c₄)``, ``B₄ = 1 + 3√(1−c₄²)/c₄``.

They are computed to full precision by numerical integration (cached), so they agree with the
published 3–4-decimal tables (Montgomery, *Introduction to Statistical Quality Control*,
Appendix VI; ASTM E2587) after rounding.

Charts (centre line CL, limits CL ± 3σ, lower limits clipped at 0 where the statistic cannot be
negative):

* I-MR: ``MR̄ = mean|xᵢ − xᵢ₋₁|``; I: ``x̄ ± E₂·MR̄``; MR: ``[0, D₄(2)·MR̄]``.
* X̄-R: ``X̿ ± A₂R̄``; R: ``[D₃R̄, D₄R̄]``.   X̄-S: ``X̿ ± A₃S̄``; S: ``[B₃S̄, B₄S̄]``.
* p (variable n): ``p̄ = Σdᵢ/Σnᵢ``, ``p̄ ± 3√(p̄(1−p̄)/nᵢ)``; np: ``np̄ ± 3√(np̄(1−p̄))``;
  c: ``c̄ ± 3√c̄``; u: ``ū = Σcᵢ/Σnᵢ``, ``ū ± 3√(ū/nᵢ)``.

Run rules are applied to the standardised distances ``zᵢ = (xᵢ − CL)/σᵢ`` of the location/attribute
chart (so they also work with variable limits); dispersion charts (MR, R, S) use rule 1 only.
Western Electric (1956) rules 1–4 by default: 1 point beyond 3σ; 2 of 3 beyond 2σ on one side;
4 of 5 beyond 1σ on one side; 8 in a row on one side. Nelson (1984) rules 1–8 optionally: beyond 3σ;
9 in a row on one side; 6 in a row steadily increasing or decreasing; 14 in a row alternating up
and down; 2 of 3 beyond 2σ on one side; 4 of 5 beyond 1σ on one side; 15 in a row within 1σ;
8 in a row beyond 1σ on either side. A point exactly on the centre line belongs to neither side.
Overlapping firings of the same rule are merged into one signal listing every point involved
(0-based indices).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

import numpy as np

from ._data import FloatArray, StatsError
from ._special import spsp
from .verdicts import Verdict, spc_signal


def _integrate() -> Any:
    """scipy.integrate, imported on first use (it costs ~0.3 s; the analysis path needs only scipy.special)."""
    from scipy import integrate

    return integrate


RuleSet = Literal["western_electric", "nelson", "none"]


# --- constants ------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def d2(n: int) -> float:
    """Expected range of n standard normal observations (adaptive quadrature)."""
    _check_n(n)

    def f(x: float) -> float:
        p = float(spsp.ndtr(x))
        return 1.0 - p**n - (1.0 - p) ** n

    return float(_integrate().quad(f, -np.inf, np.inf, epsabs=1e-13, epsrel=1e-13, limit=200)[0])


@lru_cache(maxsize=64)
def d3(n: int) -> float:
    """Standard deviation of the range of n standard normal observations.

    ``E[W²] = 2∫₀^∞ w·P(W > w) dw`` by 160-point Gauss–Legendre on ``w ∈ [0, 16]``; the inner
    integral over x by the trapezoidal rule on ``[−9, 9]`` (spectrally accurate for this smooth,
    rapidly decaying integrand); accurate to about 1e-10.
    """
    _check_n(n)
    x = np.linspace(-9.0, 9.0, 1801)
    dx = float(x[1] - x[0])
    phi = np.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    cdf = spsp.ndtr(x)
    t, wt = np.polynomial.legendre.leggauss(160)
    w = (t + 1.0) * 8.0
    inner = (phi[None, :] * (spsp.ndtr(x[None, :] + w[:, None]) - cdf[None, :]) ** (n - 1)).sum(axis=1) * dx
    surv = 1.0 - n * inner
    ew2 = 2.0 * float(np.sum(wt * 8.0 * w * surv))
    return math.sqrt(ew2 - d2(n) ** 2)


def c4(n: int) -> float:
    """Expected sample standard deviation (ddof 1) of n standard normal observations."""
    _check_n(n)
    return math.sqrt(2.0 / (n - 1)) * math.exp(spsp.gammaln(n / 2) - spsp.gammaln((n - 1) / 2))


def _check_n(n: int) -> None:
    if int(n) != n or n < 2:
        raise StatsError(f"subgroup size must be an integer ≥ 2, got {n}")


def constants(n: int) -> dict[str, float]:
    """All Shewhart chart constants for subgroup size n."""
    dd2, dd3, cc4 = d2(n), d3(n), c4(n)
    s = math.sqrt(1 - cc4 * cc4) / cc4
    return {
        "n": float(n),
        "d2": dd2,
        "d3": dd3,
        "c4": cc4,
        "A2": 3 / (dd2 * math.sqrt(n)),
        "D3": max(0.0, 1 - 3 * dd3 / dd2),
        "D4": 1 + 3 * dd3 / dd2,
        "A3": 3 / (cc4 * math.sqrt(n)),
        "B3": max(0.0, 1 - 3 * s),
        "B4": 1 + 3 * s,
        "E2": 3 / d2(2),
    }


# --- rules ----------------------------------------------------------------------------------

# What each rule detects, in English for library and CLI users; the application words them through its
# own translated table (sqms.kpi.spc_text). "1" is the first rule of both sets (WE1 = N1).
RULE_DESCRIPTIONS: dict[str, str] = {
    "1": "1 point beyond 3σ",
    "WE2": "2 of 3 consecutive points beyond 2σ on one side",
    "WE3": "4 of 5 consecutive points beyond 1σ on one side",
    "WE4": "8 consecutive points on one side of the centre line",
    "N2": "9 consecutive points on one side of the centre line",
    "N3": "6 consecutive points steadily increasing or decreasing",
    "N4": "14 consecutive points alternating up and down",
    "N7": "15 consecutive points within 1σ",
    "N8": "8 consecutive points beyond 1σ on either side",
}


_SAME_AS = {"WE1": "1", "N1": "1", "N5": "WE2", "N6": "WE3"}


def rule_key(rule: str) -> str:
    """The key of ``rule`` in :data:`RULE_DESCRIPTIONS` (Nelson's 1, 5 and 6 are Western Electric's 1–3)."""
    return _SAME_AS.get(rule, rule)


@dataclass(frozen=True)
class Signal:
    chart: str
    rule: str
    points: tuple[int, ...]

    @property
    def description(self) -> str:
        return RULE_DESCRIPTIONS[rule_key(self.rule)]

    def verdict(self) -> Verdict:
        return spc_signal(self.rule, list(self.points), self.chart)

    def to_dict(self) -> dict[str, Any]:
        return {
            "chart": self.chart,
            "rule": self.rule,
            "points": list(self.points),
        }


Window = tuple[int, int, tuple[int, ...]]  # start, end (inclusive), points involved


def _k_of_m(z: FloatArray, k: int, m: int, bound: float) -> list[Window]:
    out: list[Window] = []
    for end in range(m - 1, len(z)):
        w = z[end - m + 1 : end + 1]
        for side in (1.0, -1.0):
            hit = np.flatnonzero(side * w > bound)
            if hit.size >= k:
                out.append((end - m + 1, end, tuple(int(end - m + 1 + h) for h in hit)))
    return out


def _runs(cond: Callable[[FloatArray], bool], z: FloatArray, m: int) -> list[Window]:
    out: list[Window] = []
    for end in range(m - 1, len(z)):
        if cond(z[end - m + 1 : end + 1]):
            out.append((end - m + 1, end, tuple(range(end - m + 1, end + 1))))
    return out


def _same_side(w: FloatArray) -> bool:
    return bool((w > 0).all() or (w < 0).all())


def _trend(w: FloatArray) -> bool:
    d = np.diff(w)
    return bool((d > 0).all() or (d < 0).all())


def _alternating(w: FloatArray) -> bool:
    d = np.sign(np.diff(w))
    return bool((d != 0).all() and (d[1:] * d[:-1] < 0).all())


def _merge(chart: str, rule: str, windows: list[Window]) -> list[Signal]:
    signals: list[Signal] = []
    cur_end = -2
    pts: set[int] = set()
    for start, end, p in windows:
        if pts and start <= cur_end:
            pts.update(p)
            cur_end = max(cur_end, end)
            continue
        if pts:
            signals.append(Signal(chart, rule, tuple(sorted(pts))))
        pts, cur_end = set(p), end
    if pts:
        signals.append(Signal(chart, rule, tuple(sorted(pts))))
    return signals


def _beyond(z: FloatArray) -> list[Window]:
    return [(i, i, (i,)) for i in np.flatnonzero(np.abs(z) > 3.0).tolist()]


def apply_rules(
    z: Sequence[float] | FloatArray, rules: RuleSet = "western_electric", chart: str = ""
) -> list[Signal]:
    """Run rules on standardised distances from the centre line; signals sorted by first point."""
    zz = np.asarray(z, dtype=np.float64)
    sig: list[Signal] = []
    if rules == "western_electric":
        sig += _merge(chart, "WE1", _beyond(zz))
        sig += _merge(chart, "WE2", _k_of_m(zz, 2, 3, 2.0))
        sig += _merge(chart, "WE3", _k_of_m(zz, 4, 5, 1.0))
        sig += _merge(chart, "WE4", _runs(_same_side, zz, 8))
    elif rules == "nelson":
        sig += _merge(chart, "N1", _beyond(zz))
        sig += _merge(chart, "N2", _runs(_same_side, zz, 9))
        sig += _merge(chart, "N3", _runs(_trend, zz, 6))
        sig += _merge(chart, "N4", _runs(_alternating, zz, 14))
        sig += _merge(chart, "N5", _k_of_m(zz, 2, 3, 2.0))
        sig += _merge(chart, "N6", _k_of_m(zz, 4, 5, 1.0))
        sig += _merge(chart, "N7", _runs(lambda w: bool((np.abs(w) < 1.0).all()), zz, 15))
        sig += _merge(chart, "N8", _runs(lambda w: bool((np.abs(w) > 1.0).all()), zz, 8))
    elif rules != "none":
        raise StatsError(f"unknown rule set {rules!r}; use 'western_electric', 'nelson' or 'none'")
    return sorted(sig, key=lambda s: (s.points[0], s.rule))


# --- charts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    name: str
    values: FloatArray = field(repr=False)
    center: float
    lcl: FloatArray = field(repr=False)
    ucl: FloatArray = field(repr=False)
    sigma: FloatArray = field(repr=False)
    signals: tuple[Signal, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "values": self.values.tolist(),
            "center": self.center,
            "lcl": self.lcl.tolist(),
            "ucl": self.ucl.tolist(),
            "sigma": self.sigma.tolist(),
            "signals": [s.to_dict() for s in self.signals],
        }


@dataclass(frozen=True)
class SPCResult:
    kind: str
    charts: tuple[Chart, ...]
    rules: RuleSet
    constants: dict[str, float]

    @property
    def signals(self) -> list[Signal]:
        return [s for c in self.charts for s in c.signals]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "rules": self.rules,
            "constants": self.constants,
            "charts": [c.to_dict() for c in self.charts],
        }


def _location_chart(
    name: str, values: FloatArray, center: float, sigma: FloatArray, rules: RuleSet, floor: float | None
) -> Chart:
    lcl = center - 3 * sigma
    if floor is not None:
        lcl = np.maximum(lcl, floor)
    ucl = center + 3 * sigma
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(sigma > 0, (values - center) / sigma, 0.0)
    return Chart(name, values, center, lcl, ucl, sigma, tuple(apply_rules(z, rules, name)))


def _dispersion_chart(
    name: str, values: FloatArray, center: float, lcl: float, ucl: float, sigma: float, rules: RuleSet
) -> Chart:
    n = len(values)
    out = np.flatnonzero((values > ucl) | ((lcl > 0) & (values < lcl))).tolist() if rules != "none" else []
    rule = "N1" if rules == "nelson" else "WE1"
    signals = tuple(Signal(name, rule, (i,)) for i in out)
    return Chart(name, values, center, np.full(n, lcl), np.full(n, ucl), np.full(n, sigma), signals)


def _series(x: Any, what: str, min_len: int = 2) -> FloatArray:
    arr = np.asarray(x, dtype=np.float64).ravel()
    if arr.size < min_len:
        raise StatsError(f"{what} needs at least {min_len} points, got {arr.size}")
    if not np.isfinite(arr).all():
        raise StatsError(f"{what}: missing or infinite values are not allowed in a control chart")
    return arr


def imr(x: Sequence[float] | FloatArray, *, rules: RuleSet = "western_electric") -> SPCResult:
    """Individuals and moving-range chart."""
    v = _series(x, "I-MR chart")
    mr = np.abs(np.diff(v))
    mrbar = float(mr.mean())
    c = constants(2)
    sigma = mrbar / c["d2"]
    i_chart = _location_chart("I", v, float(v.mean()), np.full(v.size, sigma), rules, None)
    mr_chart = _dispersion_chart("MR", mr, mrbar, 0.0, c["D4"] * mrbar, c["d3"] * sigma, rules)
    return SPCResult("I-MR", (i_chart, mr_chart), rules, c)


def _subgroups(data: Any, what: str) -> FloatArray:
    arr = np.asarray(data, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] < 2 or arr.shape[1] < 2:
        raise StatsError(f"{what} needs a 2-D array of at least 2 subgroups × 2 observations")
    if not np.isfinite(arr).all():
        raise StatsError(f"{what}: missing or infinite values are not allowed (use equal subgroups)")
    return arr


def xbar_r(subgroups: Any, *, rules: RuleSet = "western_electric") -> SPCResult:
    """X̄ and range charts for equal subgroups (rows)."""
    arr = _subgroups(subgroups, "X̄-R chart")
    m, n = arr.shape
    c = constants(n)
    means = arr.mean(axis=1)
    ranges = arr.max(axis=1) - arr.min(axis=1)
    rbar = float(ranges.mean())
    sigma_x = rbar / (c["d2"] * math.sqrt(n))
    xc = _location_chart("Xbar", means, float(means.mean()), np.full(m, sigma_x), rules, None)
    rc = _dispersion_chart("R", ranges, rbar, c["D3"] * rbar, c["D4"] * rbar, c["d3"] * rbar / c["d2"], rules)
    return SPCResult("Xbar-R", (xc, rc), rules, c)


def xbar_s(subgroups: Any, *, rules: RuleSet = "western_electric") -> SPCResult:
    """X̄ and standard-deviation charts for equal subgroups (rows)."""
    arr = _subgroups(subgroups, "X̄-S chart")
    m, n = arr.shape
    c = constants(n)
    means = arr.mean(axis=1)
    sds = arr.std(axis=1, ddof=1)
    sbar = float(sds.mean())
    sigma_x = sbar / (c["c4"] * math.sqrt(n))
    xc = _location_chart("Xbar", means, float(means.mean()), np.full(m, sigma_x), rules, None)
    s_sigma = sbar * math.sqrt(1 - c["c4"] ** 2) / c["c4"]
    sc = _dispersion_chart("S", sds, sbar, c["B3"] * sbar, c["B4"] * sbar, s_sigma, rules)
    return SPCResult("Xbar-S", (xc, sc), rules, c)


def _counts(x: Any, what: str) -> FloatArray:
    arr = _series(x, what)
    if (arr < 0).any():
        raise StatsError(f"{what}: counts cannot be negative")
    return arr


def p_chart(defectives: Any, sizes: Any, *, rules: RuleSet = "western_electric") -> SPCResult:
    """Proportion nonconforming, subgroup sizes may vary (limits vary with nᵢ)."""
    d = _counts(defectives, "p chart")
    n = _counts(sizes, "p chart sizes")
    if n.shape != d.shape:
        raise StatsError("p chart: defectives and sizes must have the same length")
    if (n <= 0).any() or (d > n).any():
        raise StatsError("p chart: each subgroup size must be positive and at least its defective count")
    pbar = float(d.sum() / n.sum())
    sigma = np.sqrt(pbar * (1 - pbar) / n)
    ch = _location_chart("p", d / n, pbar, sigma, rules, 0.0)
    ch = Chart(ch.name, ch.values, ch.center, ch.lcl, np.minimum(ch.ucl, 1.0), ch.sigma, ch.signals)
    return SPCResult("p", (ch,), rules, {})


def np_chart(defectives: Any, size: int, *, rules: RuleSet = "western_electric") -> SPCResult:
    """Number nonconforming for a constant subgroup size."""
    d = _counts(defectives, "np chart")
    if size <= 0 or (d > size).any():
        raise StatsError("np chart: the subgroup size must be positive and at least every count")
    pbar = float(d.mean() / size)
    sigma = math.sqrt(size * pbar * (1 - pbar))
    ch = _location_chart("np", d, size * pbar, np.full(d.size, sigma), rules, 0.0)
    return SPCResult("np", (ch,), rules, {})


def c_chart(counts: Any, *, rules: RuleSet = "western_electric") -> SPCResult:
    """Count of nonconformities per inspection unit of constant size."""
    c = _counts(counts, "c chart")
    cbar = float(c.mean())
    ch = _location_chart("c", c, cbar, np.full(c.size, math.sqrt(cbar)), rules, 0.0)
    return SPCResult("c", (ch,), rules, {})


def u_chart(counts: Any, sizes: Any, *, rules: RuleSet = "western_electric") -> SPCResult:
    """Nonconformities per unit, inspection sizes may vary."""
    c = _counts(counts, "u chart")
    n = _counts(sizes, "u chart sizes")
    if n.shape != c.shape or (n <= 0).any():
        raise StatsError("u chart: sizes must be positive and as many as the counts")
    ubar = float(c.sum() / n.sum())
    ch = _location_chart("u", c / n, ubar, np.sqrt(ubar / n), rules, 0.0)
    return SPCResult("u", (ch,), rules, {})
