"""Plain-language verdicts: one sentence per result, in Chinese and English.

Thresholds and their sources:

* Cronbach's α: ≥ 0.9 very good, ≥ 0.8 good, ≥ 0.7 acceptable, below that questionable
  (George & Mallery 2003; Nunnally 1978 for 0.7).
* KMO (Kaiser 1974, "An index of factorial simplicity", Psychometrika 39): ≥ 0.9 marvelous,
  ≥ 0.8 meritorious, ≥ 0.7 middling, ≥ 0.6 mediocre, ≥ 0.5 miserable, below unacceptable.
* Bartlett: significant at 0.05 → correlations suitable for factor analysis.
* CITC < 0.3 flags an item (Nunnally & Bernstein 1994).
* AVE ≥ 0.5 and CR ≥ 0.7 (Fornell & Larcker 1981; Hair et al. 2010).
* HTMT < 0.85 (Henseler, Ringle & Sarstedt 2015; Kline 2011).
* Cumulative variance explained ≥ 60 % (Hair et al. 2010, social sciences).
* AHP consistency ratio < 0.10 (Saaty 1980).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["very_good", "good", "acceptable", "poor", "info"]


@dataclass(frozen=True)
class Verdict:
    zh: str
    en: str
    level: Level

    def to_dict(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en, "level": self.level}

    def text(self, lang: str = "zh") -> str:
        return self.zh if lang.lower().startswith("zh") else self.en


def _f(x: float, digits: int = 3) -> str:
    return f"{x:.{digits}f}"


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _scope(dimension: str | None) -> tuple[str, str]:
    if dimension is None:
        return "总量表", "Overall"
    return f"维度“{dimension}”", f"Dimension “{dimension}”"


def alpha(value: float, dimension: str | None = None) -> Verdict:
    """'总量表 Cronbach's α = 0.862，信度良好。' / 'Overall Cronbach's α = 0.862: good reliability.'"""
    zs, es = _scope(dimension)
    if value >= 0.9:
        z, e, lv = "信度很好", "very good reliability", "very_good"
    elif value >= 0.8:
        z, e, lv = "信度良好", "good reliability", "good"
    elif value >= 0.7:
        z, e, lv = "信度可以接受", "acceptable reliability", "acceptable"
    else:
        z, e, lv = "信度欠佳", "questionable reliability", "poor"
    return Verdict(f"{zs} Cronbach's α = {_f(value)}，{z}。", f"{es} Cronbach's α = {_f(value)}: {e}.", lv)  # type: ignore[arg-type]


_KMO = (
    (0.9, "极佳", "marvelous", "very_good"),
    (0.8, "良好", "meritorious", "good"),
    (0.7, "中等", "middling", "acceptable"),
    (0.6, "一般", "mediocre", "acceptable"),
    (0.5, "较差", "miserable", "poor"),
)


def kmo(value: float) -> Verdict:
    for cut, zh, en, lv in _KMO:
        if value >= cut:
            suit_zh = "适合做因子分析" if value >= 0.6 else "勉强可做因子分析"
            suit_en = (
                "suitable for factor analysis" if value >= 0.6 else "barely adequate for factor analysis"
            )
            return Verdict(
                f"KMO = {_f(value)}（{zh}），{suit_zh}。",
                f"KMO = {_f(value)} ({en}): {suit_en}.",
                lv,  # type: ignore[arg-type]
            )
    return Verdict(
        f"KMO = {_f(value)}（不可接受），不适合做因子分析。",
        f"KMO = {_f(value)} (unacceptable): not suitable for factor analysis.",
        "poor",
    )


def bartlett(chi2: float, df: int, p: float, level: float = 0.05) -> Verdict:
    if p < level:
        return Verdict(
            f"Bartlett 球形检验 χ² = {chi2:.2f}，df = {df}，{_p(p)}，变量间存在显著相关，适合做因子分析。",
            f"Bartlett's test of sphericity χ² = {chi2:.2f}, df = {df}, {_p(p)}: the items are "
            "correlated, factor analysis is appropriate.",
            "good",
        )
    return Verdict(
        f"Bartlett 球形检验 χ² = {chi2:.2f}，df = {df}，{_p(p)}，不能拒绝相关矩阵为单位阵，不适合做因子分析。",
        f"Bartlett's test of sphericity χ² = {chi2:.2f}, df = {df}, {_p(p)}: the correlation matrix "
        "cannot be distinguished from an identity matrix; factor analysis is not appropriate.",
        "poor",
    )


def variance_explained(cumulative_percent: float, n_factors: int) -> Verdict:
    ok = cumulative_percent >= 60.0
    return Verdict(
        f"提取 {n_factors} 个因子，累计解释方差 {cumulative_percent:.1f}%，"
        + ("解释程度良好。" if ok else "低于 60%，解释程度不足。"),
        f"{n_factors} factor(s) explain {cumulative_percent:.1f}% of the variance"
        + (": adequate." if ok else ", below 60%: insufficient."),
        "good" if ok else "poor",
    )


def citc(item: str, value: float, threshold: float = 0.3) -> Verdict:
    if value < threshold:
        return Verdict(
            f"题项“{item}”的校正项总相关 CITC = {_f(value)}，低于 {threshold}，建议修改或删除。",
            f"Item “{item}”: corrected item–total correlation {_f(value)} is below {threshold}; "
            "consider revising or removing it.",
            "poor",
        )
    return Verdict(
        f"题项“{item}”的校正项总相关 CITC = {_f(value)}，符合要求。",
        f"Item “{item}”: corrected item–total correlation {_f(value)} is adequate.",
        "good",
    )


def alpha_if_deleted(item: str, alpha_all: float, alpha_without: float) -> Verdict:
    if alpha_without > alpha_all:
        return Verdict(
            f"删除题项“{item}”后 α 由 {_f(alpha_all)} 升至 {_f(alpha_without)}，可考虑删除该题项。",
            f"Deleting item “{item}” raises α from {_f(alpha_all)} to {_f(alpha_without)}; "
            "consider removing it.",
            "poor",
        )
    return Verdict(
        f"删除题项“{item}”后 α 不升高（{_f(alpha_without)}），应保留。",
        f"Deleting item “{item}” does not raise α ({_f(alpha_without)}); keep it.",
        "good",
    )


def ave_cr(dimension: str, ave: float, cr: float) -> Verdict:
    ok_a, ok_c = ave >= 0.5, cr >= 0.7
    if ok_a and ok_c:
        return Verdict(
            f"维度“{dimension}”AVE = {_f(ave)}，CR = {_f(cr)}，收敛效度良好。",
            f"Dimension “{dimension}”: AVE = {_f(ave)}, CR = {_f(cr)}: good convergent validity.",
            "good",
        )
    zh_bits = ([] if ok_a else ["AVE 低于 0.5"]) + ([] if ok_c else ["CR 低于 0.7"])
    en_bits = ([] if ok_a else ["AVE below 0.5"]) + ([] if ok_c else ["CR below 0.7"])
    return Verdict(
        f"维度“{dimension}”AVE = {_f(ave)}，CR = {_f(cr)}，{'、'.join(zh_bits)}，收敛效度不足。",
        f"Dimension “{dimension}”: AVE = {_f(ave)}, CR = {_f(cr)} ({', '.join(en_bits)}): "
        "weak convergent validity.",
        "poor",
    )


def htmt(a: str, b: str, value: float, threshold: float = 0.85) -> Verdict:
    if value < threshold:
        return Verdict(
            f"维度“{a}”与“{b}”的 HTMT = {_f(value)}，低于 {threshold}，区分效度良好。",
            f"HTMT between “{a}” and “{b}” = {_f(value)} (< {threshold}): good discriminant validity.",
            "good",
        )
    return Verdict(
        f"维度“{a}”与“{b}”的 HTMT = {_f(value)}，不低于 {threshold}，区分效度不足。",
        f"HTMT between “{a}” and “{b}” = {_f(value)} (≥ {threshold}): weak discriminant validity.",
        "poor",
    )


def fornell_larcker(dimension: str, ok: bool) -> Verdict:
    if ok:
        return Verdict(
            f"维度“{dimension}”的 AVE 平方根大于其与其他维度的相关系数，满足 Fornell–Larcker 准则。",
            f"Dimension “{dimension}”: √AVE exceeds its correlations with the other dimensions "
            "(Fornell–Larcker criterion met).",
            "good",
        )
    return Verdict(
        f"维度“{dimension}”的 AVE 平方根不大于其与某一维度的相关系数，不满足 Fornell–Larcker 准则。",
        f"Dimension “{dimension}”: √AVE does not exceed its correlation with another dimension "
        "(Fornell–Larcker criterion not met).",
        "poor",
    )


def ahp_consistency(cr: float, threshold: float = 0.1) -> Verdict:
    if cr < threshold:
        return Verdict(
            f"判断矩阵一致性比率 CR = {_f(cr, 4)} < {threshold}，一致性可以接受。",
            f"Consistency ratio CR = {_f(cr, 4)} < {threshold}: the judgements are acceptably consistent.",
            "good",
        )
    return Verdict(
        f"判断矩阵一致性比率 CR = {_f(cr, 4)} ≥ {threshold}，一致性不可接受，需修正判断。",
        f"Consistency ratio CR = {_f(cr, 4)} ≥ {threshold}: the judgements are inconsistent and "
        "should be revised.",
        "poor",
    )


def nps(value: float, low: float, high: float) -> Verdict:
    return Verdict(
        f"净推荐值 NPS = {value:.1f}（95% 置信区间 {low:.1f} 至 {high:.1f}）。",
        f"Net Promoter Score NPS = {value:.1f} (95% CI {low:.1f} to {high:.1f}).",
        "info",
    )


def spc_signal(rule: str, description_zh: str, description_en: str, points: list[int]) -> Verdict:
    pts = "、".join(str(p + 1) for p in points)
    pts_en = ", ".join(str(p + 1) for p in points)
    return Verdict(
        f"判异规则 {rule}（{description_zh}）：第 {pts} 点。",
        f"Rule {rule} ({description_en}): point(s) {pts_en}.",
        "poor",
    )
