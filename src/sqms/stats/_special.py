"""Special functions: scipy.special on first use, and two distribution functions in pure Python.

``import scipy.special`` costs about 0.6 s of CPU (it pulls in scipy.linalg and the array-API layer),
more than the whole reliability/validity battery on 100,000 × 30 answers. The modules of
:mod:`sqms.stats` therefore reach scipy.special through :data:`spsp`, which imports it on first use,
and the two functions the ``sqms analyze`` battery needs are computed here without scipy:

* :func:`chdtrc` — upper tail of χ² (Bartlett's test): the regularised upper incomplete gamma
  Q(df/2, x/2), by its series for x < a + 1 and its continued fraction (modified Lentz) otherwise
  (Press et al., *Numerical Recipes*, 3rd ed., §6.2).
* :func:`fdtri` — quantile of F(df1, df2) (Feldt's CI for α): the regularised incomplete beta
  I_y(df1/2, df2/2) by its continued fraction (Numerical Recipes §6.4), inverted by Newton steps
  safeguarded by bisection, then x = df2·y / (df1·(1 − y)).

Both agree with scipy.special to about 1e-12 relative (tests/stats/test_stats_special.py).
"""

from __future__ import annotations

import math
from typing import Any

_EPS = 1e-16
_TINY = 1e-300
_MAX_ITER = 100_000


class _LazySpecial:
    """``scipy.special``, imported when an attribute is first used."""

    def __getattr__(self, name: str) -> Any:
        from scipy import special

        return getattr(special, name)


spsp: Any = _LazySpecial()


_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _stirling_rest(z: float) -> float:
    """lnΓ(z) − [(z − ½)ln z − z + ½ln 2π] for z ≥ 10 (the Stirling series, error < 1e-14)."""
    z2 = z * z
    return (1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - 1 / (1188 * z2)) / z2) / z2) / z2) / z


def _log_gamma_front(a: float, x: float) -> float:
    """ln(xᵃ e⁻ˣ / Γ(a)); for large a without the cancellation of a·ln x − lnΓ(a)."""
    if a < 10:
        return -x + a * math.log(x) - math.lgamma(a)
    t = (x - a) / a
    return a * (math.log1p(t) - t) + 0.5 * math.log(a) - _HALF_LOG_2PI - _stirling_rest(a)


# --- χ² upper tail ------------------------------------------------------------------------------


def _gamma_series(a: float, x: float) -> float:
    """Regularised lower incomplete gamma P(a, x) by its series (x < a + 1)."""
    ap, term = a, 1.0 / a
    total = term
    for _ in range(_MAX_ITER):
        ap += 1.0
        term *= x / ap
        total += term
        if abs(term) < abs(total) * _EPS:
            break
    return total * math.exp(_log_gamma_front(a, x))


def _gamma_cf(a: float, x: float) -> float:
    """Regularised upper incomplete gamma Q(a, x) by its continued fraction (x ≥ a + 1)."""
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, _MAX_ITER):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = _TINY if abs(d) < _TINY else d
        c = b + an / c
        c = _TINY if abs(c) < _TINY else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return math.exp(_log_gamma_front(a, x)) * h


def chdtrc(df: float, x: float) -> float:
    """P(χ²(df) > x), as ``scipy.special.chdtrc``."""
    if math.isnan(x) or df <= 0:
        return math.nan
    if x <= 0:
        return 1.0
    if math.isinf(x):
        return 0.0
    a, h = df / 2.0, x / 2.0
    if h < a + 1.0:
        return 1.0 - _gamma_series(a, h)
    return _gamma_cf(a, h)


# --- F quantile -------------------------------------------------------------------------------------


def _beta_cf(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = _TINY if abs(d) < _TINY else d
    d = 1.0 / d
    h = d
    for m in range(1, _MAX_ITER):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = _TINY if abs(d) < _TINY else d
        c = 1.0 + aa / c
        c = _TINY if abs(c) < _TINY else c
        d = 1.0 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = _TINY if abs(d) < _TINY else d
        c = 1.0 + aa / c
        c = _TINY if abs(c) < _TINY else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return h


def _log_beta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def _log_beta_front(a: float, b: float, x: float) -> float:
    """ln(xᵃ(1 − x)ᵇ / B(a, b)); for large a and b from Stirling's series around x₀ = a/(a + b),
    without the cancellation of lnΓ(a) + lnΓ(b) − lnΓ(a + b) (DiDonato & Morris 1992, §2)."""
    if min(a, b) < 10:
        return a * math.log(x) + b * math.log1p(-x) - _log_beta(a, b)
    c = a + b
    x0 = a / c
    return (
        a * math.log1p((x - x0) / x0)
        + b * math.log1p((x0 - x) / (1.0 - x0))
        + 0.5 * math.log(a * b / c)
        - _HALF_LOG_2PI
        + _stirling_rest(c)
        - _stirling_rest(a)
        - _stirling_rest(b)
    )


def betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b), as ``scipy.special.betainc``."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(_log_beta_front(a, b, x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_cf(a, b, x) / a
    return 1.0 - front * _beta_cf(b, a, 1.0 - x) / b


def _betaincinv(a: float, b: float, p: float) -> float:
    """y with I_y(a, b) = p: Newton steps from the mean, kept inside a bisection bracket."""
    lo, hi = 0.0, 1.0
    y = a / (a + b)
    for _ in range(200):
        f = betainc(a, b, y) - p
        if f == 0.0:
            return y
        if f < 0:
            lo = y
        else:
            hi = y
        dens = math.exp(_log_beta_front(a, b, y)) / (y * (1.0 - y))
        step = f / dens if dens > 0 else math.inf
        nxt = y - step
        if not (lo < nxt < hi):
            nxt = 0.5 * (lo + hi)
        if abs(nxt - y) <= 4 * _EPS * max(abs(y), _TINY) or hi - lo <= 4 * _EPS * hi:
            return nxt
        y = nxt
    return y


def fdtri(df1: float, df2: float, p: float) -> float:
    """The p-quantile of F(df1, df2), as ``scipy.special.fdtri``."""
    if not (0.0 < p < 1.0) or df1 <= 0 or df2 <= 0:
        if p == 0.0:
            return 0.0
        if p == 1.0:
            return math.inf
        return math.nan
    y = _betaincinv(df1 / 2.0, df2 / 2.0, p)
    return df2 * y / (df1 * (1.0 - y))
