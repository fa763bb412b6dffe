"""Net Promoter Score and CSAT.

* NPS (Reichheld 2003): on the 0–10 likelihood-to-recommend scale, promoters answer 9–10,
  detractors 0–6; ``NPS = 100·(p_P − p_D)``. Each respondent scores +1/0/−1, so
  ``Var = (p_P + p_D − (p_P − p_D)²)/n`` and the interval is ``NPS ± z·100·√Var`` (normal
  approximation; Rocks 2016, "Confidence intervals for Net Promoter Scores").
* CSAT: share of answers in the top ``top`` boxes of a 1–``scale_max`` scale with its Wilson score
  interval (Wilson 1927), plus the mean rating.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from ._data import StatsError, as_vector
from .descriptive import wilson_ci
from .verdicts import Verdict
from .verdicts import nps as nps_verdict


def _stats() -> Any:
    """scipy.stats, imported on first use (it costs ~0.3 s; the analysis path needs only scipy.special)."""
    from scipy import stats

    return stats


@dataclass(frozen=True)
class NPSResult:
    n: int
    promoters: int
    passives: int
    detractors: int
    nps: float
    se: float
    ci: tuple[float, float]
    confidence: float

    def verdict(self) -> Verdict:
        return nps_verdict(self.nps, *self.ci)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def nps(scores: Any, *, confidence: float = 0.95) -> NPSResult:
    """NPS with its confidence interval from 0–10 answers (missing answers dropped)."""
    x = as_vector(scores, "NPS scores")
    if x.size == 0:
        raise StatsError("NPS needs at least one answer")
    if ((x < 0) | (x > 10) | (x != x.round())).any():
        raise StatsError("NPS answers must be whole numbers from 0 to 10")
    n = x.size
    pro = int((x >= 9).sum())
    det = int((x <= 6).sum())
    pp, pd = pro / n, det / n
    var = (pp + pd - (pp - pd) ** 2) / n
    se = 100 * math.sqrt(max(var, 0.0))
    z = float(_stats().norm.isf((1 - confidence) / 2))
    value = 100 * (pp - pd)
    return NPSResult(
        n=n,
        promoters=pro,
        passives=n - pro - det,
        detractors=det,
        nps=value,
        se=se,
        ci=(value - z * se, value + z * se),
        confidence=confidence,
    )


@dataclass(frozen=True)
class CSATResult:
    n: int
    satisfied: int
    csat: float
    ci: tuple[float, float]
    mean: float
    scale_max: int
    top: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def csat(scores: Any, *, scale_max: int = 5, top: int = 2, confidence: float = 0.95) -> CSATResult:
    """CSAT = share of answers in the top ``top`` boxes (e.g. 4–5 on a 1–5 scale)."""
    x = as_vector(scores, "CSAT scores")
    if x.size == 0:
        raise StatsError("CSAT needs at least one answer")
    if ((x < 1) | (x > scale_max)).any():
        raise StatsError(f"CSAT answers must lie between 1 and {scale_max}")
    hits = int((x > scale_max - top).sum())
    return CSATResult(
        n=int(x.size),
        satisfied=hits,
        csat=hits / x.size,
        ci=wilson_ci(hits, x.size, confidence),
        mean=float(x.mean()),
        scale_max=scale_max,
        top=top,
    )
