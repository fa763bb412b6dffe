"""Verdicts on statistical results, as codes with numeric parameters (no sentences here).

A :class:`Verdict` says *which* conclusion a result supports (``code``), with the numbers and names the
sentence needs (``params``) and a ``level`` for colouring; the application turns it into one sentence
in the user's language through its translation catalogue (``sqms.surveys.analysis.say``), e.g.
``Verdict("alpha.good", {"value": 0.862, "scope": "overall"}, "good")`` → "总量表 Cronbach's α = 0.862，
信度良好。" / "Overall Cronbach's α = 0.862: good reliability.". Parameters hold raw numbers (floats,
ints) and the item or dimension codes given by the caller; formatting is left to the sentence.

Codes, thresholds and their sources (a value *at* a threshold belongs to the better class):

* ``alpha.{very_good,good,acceptable,questionable}`` — Cronbach's α ≥ 0.9, ≥ 0.8, ≥ 0.7, below
  (George & Mallery 2003; Nunnally 1978 for 0.7). ``scope`` is ``"overall"`` or ``"dimension"``
  (then ``dimension`` names it).
* ``kmo.{marvelous,meritorious,middling,mediocre,miserable,unacceptable}`` — KMO ≥ 0.9, ≥ 0.8, ≥ 0.7,
  ≥ 0.6, ≥ 0.5, below (Kaiser 1974, "An index of factorial simplicity", Psychometrika 39).
* ``bartlett.{significant,not_significant}`` — p below the significance level (0.05): the correlations
  are suitable for factor analysis.
* ``variance.{adequate,insufficient}`` — cumulative variance explained ≥ 60 % (Hair et al. 2010).
* ``citc.{ok,low}`` — corrected item–total correlation below 0.3 flags the item (Nunnally & Bernstein 1994).
* ``alpha_if_deleted.{raises,keeps}`` — deleting the item raises α (strictly).
* ``ave_cr.{good,low_ave,low_cr,low_both}`` — AVE ≥ 0.5 and CR ≥ 0.7 (Fornell & Larcker 1981; Hair et al. 2010).
* ``htmt.{good,liberal,weak}`` — HTMT < 0.85 (strict criterion, Kline 2011), < 0.90 (liberal HTMT.90,
  Gold et al. 2001), otherwise weak discriminant validity (Henseler, Ringle & Sarstedt 2015).
* ``fornell_larcker.{met,not_met}`` — √AVE above the dimension's correlations with the others.
* ``ahp.{consistent,inconsistent}`` — consistency ratio < 0.10 (Saaty 1980).
* ``nps.value`` — NPS with its confidence interval (information only).
* ``spc.signal`` — a run rule signalled at the given points (1-based).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Level = Literal["very_good", "good", "acceptable", "poor", "info"]

ALPHA_CUTS: tuple[tuple[float, str, Level], ...] = (
    (0.9, "very_good", "very_good"),
    (0.8, "good", "good"),
    (0.7, "acceptable", "acceptable"),
)
KMO_CUTS: tuple[tuple[float, str, Level], ...] = (
    (0.9, "marvelous", "very_good"),
    (0.8, "meritorious", "good"),
    (0.7, "middling", "acceptable"),
    (0.6, "mediocre", "acceptable"),
    (0.5, "miserable", "poor"),
)
CITC_MIN = 0.3
AVE_MIN = 0.5
CR_MIN = 0.7
HTMT_STRICT = 0.85
HTMT_LIBERAL = 0.9
VARIANCE_MIN = 60.0
AHP_CR_MAX = 0.1


@dataclass(frozen=True)
class Verdict:
    """A conclusion: ``code`` (see the module docstring), its parameters, and a level."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)
    level: Level = "info"

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params), "level": self.level}


def alpha(value: float, dimension: str | None = None) -> Verdict:
    """Cronbach's α of the whole scale (``dimension`` None) or of one dimension."""
    scope: dict[str, Any] = (
        {"scope": "overall"} if dimension is None else {"scope": "dimension", "dimension": dimension}
    )
    for cut, name, level in ALPHA_CUTS:
        if value >= cut:
            return Verdict(f"alpha.{name}", {"value": float(value), **scope}, level)
    return Verdict("alpha.questionable", {"value": float(value), **scope}, "poor")


def kmo(value: float) -> Verdict:
    for cut, name, level in KMO_CUTS:
        if value >= cut:
            return Verdict(f"kmo.{name}", {"value": float(value)}, level)
    return Verdict("kmo.unacceptable", {"value": float(value)}, "poor")


def bartlett(chi2: float, df: int, p: float, level: float = 0.05) -> Verdict:
    params = {"chi2": float(chi2), "df": int(df), "p": float(p), "significance": level}
    if p < level:
        return Verdict("bartlett.significant", params, "good")
    return Verdict("bartlett.not_significant", params, "poor")


def variance_explained(cumulative_percent: float, n_factors: int) -> Verdict:
    params = {"percent": float(cumulative_percent), "n_factors": int(n_factors), "threshold": VARIANCE_MIN}
    if cumulative_percent >= VARIANCE_MIN:
        return Verdict("variance.adequate", params, "good")
    return Verdict("variance.insufficient", params, "poor")


def citc(item: str, value: float, threshold: float = CITC_MIN) -> Verdict:
    params = {"item": item, "value": float(value), "threshold": threshold}
    if value < threshold:
        return Verdict("citc.low", params, "poor")
    return Verdict("citc.ok", params, "good")


def alpha_if_deleted(item: str, alpha_all: float, alpha_without: float) -> Verdict:
    params = {"item": item, "alpha": float(alpha_all), "alpha_without": float(alpha_without)}
    if alpha_without > alpha_all:
        return Verdict("alpha_if_deleted.raises", params, "poor")
    return Verdict("alpha_if_deleted.keeps", params, "good")


def ave_cr(dimension: str, ave: float, cr: float) -> Verdict:
    params = {
        "dimension": dimension,
        "ave": float(ave),
        "cr": float(cr),
        "ave_min": AVE_MIN,
        "cr_min": CR_MIN,
    }
    ok_a, ok_c = ave >= AVE_MIN, cr >= CR_MIN
    if ok_a and ok_c:
        return Verdict("ave_cr.good", params, "good")
    code = "ave_cr.low_both" if not (ok_a or ok_c) else ("ave_cr.low_ave" if not ok_a else "ave_cr.low_cr")
    return Verdict(code, params, "poor")


def htmt(a: str, b: str, value: float, threshold: float = HTMT_STRICT) -> Verdict:
    """HTMT of two dimensions: below ``threshold`` (0.85) good, below 0.90 only the liberal criterion
    is met, otherwise weak."""
    params = {"a": a, "b": b, "value": float(value), "threshold": threshold, "liberal": HTMT_LIBERAL}
    if value < threshold:
        return Verdict("htmt.good", params, "good")
    if value < HTMT_LIBERAL:
        return Verdict("htmt.liberal", params, "acceptable")
    return Verdict("htmt.weak", params, "poor")


def fornell_larcker(dimension: str, ok: bool) -> Verdict:
    if ok:
        return Verdict("fornell_larcker.met", {"dimension": dimension}, "good")
    return Verdict("fornell_larcker.not_met", {"dimension": dimension}, "poor")


def ahp_consistency(cr: float, threshold: float = AHP_CR_MAX) -> Verdict:
    params = {"cr": float(cr), "threshold": threshold}
    if cr < threshold:
        return Verdict("ahp.consistent", params, "good")
    return Verdict("ahp.inconsistent", params, "poor")


def nps(value: float, low: float, high: float) -> Verdict:
    return Verdict("nps.value", {"value": float(value), "low": float(low), "high": float(high)}, "info")


def spc_signal(rule: str, points: Sequence[int], chart: str = "") -> Verdict:
    """``points`` 0-based (as in :class:`sqms.stats.spc.Signal`); the parameters are 1-based."""
    return Verdict(
        "spc.signal", {"rule": rule, "chart": chart, "points": [int(p) + 1 for p in points]}, "poor"
    )
