"""The survey analysis report, computed from the included response matrix with :mod:`sqms.stats`.

Pure: numpy, :mod:`sqms.stats`, the survey definition and gettext only (no database), so the page, the
API, the Excel export and the background task all share one computation and one JSON document. The
caller (``selectors.analysis``) builds the matrix from the packed answers of the *included* responses
of a campaign's version, filtered by unit subtree and period, and adds the data-quality summary.

Which items go where
    * **Descriptives**: every numeric item except nominal single-choice and attention checks, on the
      raw answer codes, each item over the respondents who answered it; top-2-box = share of answers in
      the two highest scale points.
    * **The scale** (reliability, validity, correlation, IPA, drivers): Likert/star/matrix items with a
      dimension, not attention checks and not SERVQUAL expectations, reverse-scored items flipped
      (``domain.score``). A survey without dimensions uses all its scale items except the overall
      satisfaction question as one scale. Listwise deletion (the SPSS default) over these items: the
      report states how many complete cases were used.
    * **The overall satisfaction question**: a scale item without dimension (``overall`` preferred).
      It is the outcome of the key-driver regression and the reference of derived importance in IPA;
      without one, IPA derives importance from each dimension's correlation with the total score (the
      mean of all scale items), and no key-driver analysis is made.
    * **SERVQUAL**: expectation and perception items paired by their pair key.

Every result carries a plain-language sentence in Chinese and English. :mod:`sqms.stats.verdicts` gives
a code and numbers (``alpha.good``, ``{"value": 0.862, "scope": "overall"}``); :func:`say` words it in
both languages through this app's catalogue (:data:`VERDICT_TEXTS`), with dimension codes replaced by
their names in each language, and keeps the code and parameters next to the sentences. The sentences
below (same style) cover the results that have no verdict (data quality, descriptives, correlation,
gaps, IPA, drivers, loadings).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from sqms import stats
from sqms.stats import StatsError, verdicts
from sqms.stats.verdicts import Verdict
from sqms.surveys import domain, stats_errors

SUPPRESS = 0.4  # loadings below this (absolute) are not shown, as SPSS "suppress small coefficients"
CITC_MIN = 0.3
ALPHA_LEVEL = 0.05
OVERALL_CODES = ("overall", "overall_satisfaction", "satisfaction", "csat")
STEPS = (
    "descriptives",
    "reliability",
    "validity",
    "correlation",
    "servqual",
    "ipa",
    "drivers",
    "nps",
)

PART_NAMES = {
    "reliability": ("信度", "Reliability"),
    "kmo": ("KMO", "KMO"),
    "bartlett": ("Bartlett 球形检验", "Bartlett's test"),
    "efa": ("探索性因子分析", "Exploratory factor analysis"),
    "validity": ("收敛与区分效度", "Convergent and discriminant validity"),
}

Progress = Callable[[str, float], None]


# --- JSON helpers ----------------------------------------------------------------------------------------


def num(x: Any) -> float | None:
    """A finite float or None (JSON has no NaN)."""
    if x is None:
        return None
    v = float(x)
    return v if math.isfinite(v) else None


def nums(xs: Any) -> list[float | None]:
    return [num(v) for v in np.asarray(xs, dtype=np.float64).ravel()]


def matrix_json(a: Any) -> list[list[float | None]]:
    return [nums(row) for row in np.asarray(a, dtype=np.float64)]


class Said:
    """A sentence already written in both languages (the results :mod:`sqms.stats.verdicts` has no code for)."""

    __slots__ = ("en", "level", "zh")

    def __init__(self, zh: str, en: str, level: str) -> None:
        self.zh, self.en, self.level = zh, en, level

    def to_dict(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en, "level": self.level}


LANGUAGES = (("zh", "zh-hans"), ("en", "en"))
NAME_PARAMS = ("dimension", "a", "b")  # verdict parameters holding dimension codes


def say(v: Verdict | Said, names: _Names | None = None) -> dict[str, Any]:
    """The sentence of a result in Chinese and English: ``{"zh", "en", "level"}``, plus ``code`` and
    ``params`` for a verdict of :mod:`sqms.stats.verdicts` (worded by :func:`verdict_text`)."""
    if isinstance(v, Said):
        return v.to_dict()
    out: dict[str, Any] = {}
    for key, language in LANGUAGES:
        params = dict(v.params)
        if names is not None:
            for p in NAME_PARAMS:
                if p in params:
                    params[p] = names.dim(str(params[p]), key)
        with translation.override(language):
            out[key] = verdict_text(v.code, params)
    return {**out, "level": v.level, "code": v.code, "params": v.to_dict()["params"]}


def _n(x: Any, digits: int = 3) -> str:
    return f"{float(x):.{digits}f}"


def _t(x: Any) -> str:
    """A threshold as written by hand (0.3, 0.85, 60)."""
    return f"{float(x):g}"


def _alpha_text(p: Mapping[str, Any]) -> str:
    v = {"value": _n(p["value"]), "dimension": p.get("dimension", "")}
    overall = p.get("scope") == "overall"
    level = p["level"]
    if level == "very_good":
        return (
            _("Overall Cronbach's α = %(value)s: very good reliability.")
            if overall
            else _("Dimension “%(dimension)s” Cronbach's α = %(value)s: very good reliability.")
        ) % v
    if level == "good":
        return (
            _("Overall Cronbach's α = %(value)s: good reliability.")
            if overall
            else _("Dimension “%(dimension)s” Cronbach's α = %(value)s: good reliability.")
        ) % v
    if level == "acceptable":
        return (
            _("Overall Cronbach's α = %(value)s: acceptable reliability.")
            if overall
            else _("Dimension “%(dimension)s” Cronbach's α = %(value)s: acceptable reliability.")
        ) % v
    return (
        _("Overall Cronbach's α = %(value)s: questionable reliability.")
        if overall
        else _("Dimension “%(dimension)s” Cronbach's α = %(value)s: questionable reliability.")
    ) % v


def _ave_cr_text(p: Mapping[str, Any], which: str) -> str:
    v = {
        "dimension": p["dimension"],
        "ave": _n(p["ave"]),
        "cr": _n(p["cr"]),
        "ave_min": _t(p["ave_min"]),
        "cr_min": _t(p["cr_min"]),
    }
    if which == "good":
        return _("Dimension “%(dimension)s”: AVE = %(ave)s, CR = %(cr)s: good convergent validity.") % v
    if which == "low_ave":
        return (
            _(
                "Dimension “%(dimension)s”: AVE = %(ave)s, CR = %(cr)s (AVE below %(ave_min)s): "
                "weak convergent validity."
            )
            % v
        )
    if which == "low_cr":
        return (
            _(
                "Dimension “%(dimension)s”: AVE = %(ave)s, CR = %(cr)s (CR below %(cr_min)s): "
                "weak convergent validity."
            )
            % v
        )
    return (
        _(
            "Dimension “%(dimension)s”: AVE = %(ave)s, CR = %(cr)s (AVE below %(ave_min)s, CR below "
            "%(cr_min)s): weak convergent validity."
        )
        % v
    )


def _kmo_text(p: Mapping[str, Any], which: str) -> str:
    v = {"value": _n(p["value"])}
    texts = {
        "marvelous": lambda: _("KMO = %(value)s (marvelous): suitable for factor analysis."),
        "meritorious": lambda: _("KMO = %(value)s (meritorious): suitable for factor analysis."),
        "middling": lambda: _("KMO = %(value)s (middling): suitable for factor analysis."),
        "mediocre": lambda: _("KMO = %(value)s (mediocre): suitable for factor analysis."),
        "miserable": lambda: _("KMO = %(value)s (miserable): barely adequate for factor analysis."),
        "unacceptable": lambda: _("KMO = %(value)s (unacceptable): not suitable for factor analysis."),
    }
    return texts[which]() % v


def _bartlett_params(p: Mapping[str, Any]) -> dict[str, str]:
    return {"chi2": _n(p["chi2"], 2), "df": str(p["df"]), "p": _p(float(p["p"]))}


def _htmt_params(p: Mapping[str, Any]) -> dict[str, str]:
    return {
        "a": p["a"],
        "b": p["b"],
        "value": _n(p["value"]),
        "threshold": _t(p["threshold"]),
        "liberal": _t(p["liberal"]),
    }


def _variance_params(p: Mapping[str, Any]) -> dict[str, str]:
    return {"n": str(p["n_factors"]), "percent": _n(p["percent"], 1), "threshold": _t(p["threshold"])}


def _points(p: Mapping[str, Any]) -> str:
    return pgettext("list separator", ", ").join(str(i) for i in p["points"])


VERDICT_TEXTS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    **{
        f"alpha.{lv}": (lambda p, lv=lv: _alpha_text({**p, "level": lv}))
        for lv in ("very_good", "good", "acceptable", "questionable")
    },
    **{
        f"kmo.{w}": (lambda p, w=w: _kmo_text(p, w))
        for w in ("marvelous", "meritorious", "middling", "mediocre", "miserable", "unacceptable")
    },
    "bartlett.significant": lambda p: (
        _(
            "Bartlett's test of sphericity χ² = %(chi2)s, df = %(df)s, %(p)s: the items are correlated, "
            "factor analysis is appropriate."
        )
        % _bartlett_params(p)
    ),
    "bartlett.not_significant": lambda p: (
        _(
            "Bartlett's test of sphericity χ² = %(chi2)s, df = %(df)s, %(p)s: the correlation matrix cannot "
            "be distinguished from an identity matrix; factor analysis is not appropriate."
        )
        % _bartlett_params(p)
    ),
    "variance.adequate": lambda p: (
        _("%(n)s factor(s) explain %(percent)s%% of the variance: adequate.") % _variance_params(p)
    ),
    "variance.insufficient": lambda p: (
        _("%(n)s factor(s) explain %(percent)s%% of the variance, below %(threshold)s%%: insufficient.")
        % _variance_params(p)
    ),
    "citc.low": lambda p: (
        _(
            "Item “%(item)s”: corrected item–total correlation %(value)s is below %(threshold)s; consider "
            "revising or removing it."
        )
        % {"item": p["item"], "value": _n(p["value"]), "threshold": _t(p["threshold"])}
    ),
    "citc.ok": lambda p: (
        _("Item “%(item)s”: corrected item–total correlation %(value)s is adequate.")
        % {"item": p["item"], "value": _n(p["value"])}
    ),
    "alpha_if_deleted.raises": lambda p: (
        _("Deleting item “%(item)s” raises α from %(alpha)s to %(alpha_without)s; consider removing it.")
        % {"item": p["item"], "alpha": _n(p["alpha"]), "alpha_without": _n(p["alpha_without"])}
    ),
    "alpha_if_deleted.keeps": lambda p: (
        _("Deleting item “%(item)s” does not raise α (%(alpha_without)s); keep it.")
        % {"item": p["item"], "alpha_without": _n(p["alpha_without"])}
    ),
    **{f"ave_cr.{w}": (lambda p, w=w: _ave_cr_text(p, w)) for w in ("good", "low_ave", "low_cr", "low_both")},
    "htmt.good": lambda p: (
        _("HTMT between “%(a)s” and “%(b)s” = %(value)s (< %(threshold)s): good discriminant validity.")
        % _htmt_params(p)
    ),
    "htmt.liberal": lambda p: (
        _(
            "HTMT between “%(a)s” and “%(b)s” = %(value)s: above the strict %(threshold)s but below the "
            "liberal %(liberal)s criterion; discriminant validity is acceptable."
        )
        % _htmt_params(p)
    ),
    "htmt.weak": lambda p: (
        _("HTMT between “%(a)s” and “%(b)s” = %(value)s (≥ %(liberal)s): weak discriminant validity.")
        % _htmt_params(p)
    ),
    "fornell_larcker.met": lambda p: (
        _(
            "Dimension “%(dimension)s”: √AVE exceeds its correlations with the other dimensions "
            "(Fornell–Larcker criterion met)."
        )
        % {"dimension": p["dimension"]}
    ),
    "fornell_larcker.not_met": lambda p: (
        _(
            "Dimension “%(dimension)s”: √AVE does not exceed its correlation with another dimension "
            "(Fornell–Larcker criterion not met)."
        )
        % {"dimension": p["dimension"]}
    ),
    "ahp.consistent": lambda p: (
        _("Consistency ratio CR = %(cr)s < %(threshold)s: the judgements are acceptably consistent.")
        % {"cr": _n(p["cr"], 4), "threshold": _t(p["threshold"])}
    ),
    "ahp.inconsistent": lambda p: (
        _(
            "Consistency ratio CR = %(cr)s ≥ %(threshold)s: the judgements are inconsistent and should be revised."
        )
        % {"cr": _n(p["cr"], 4), "threshold": _t(p["threshold"])}
    ),
    "nps.value": lambda p: (
        _("Net Promoter Score NPS = %(value)s (95%% CI %(low)s to %(high)s).")
        % {"value": _n(p["value"], 1), "low": _n(p["low"], 1), "high": _n(p["high"], 1)}
    ),
    "spc.signal": lambda p: (
        _("Rule %(rule)s: point(s) %(points)s.") % {"rule": p["rule"], "points": _points(p)}
    ),
}


def verdict_text(code: str, params: Mapping[str, Any]) -> str:
    """The sentence of a verdict code in the active language."""
    return VERDICT_TEXTS[code](params)


def _f(x: float, digits: int = 3) -> str:
    return f"{x:.{digits}f}"


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


# --- the sentences sqms.stats.verdicts does not have --------------------------------------------------------


def data_quality_sentence(
    total: int, included: int, analysed: int, reasons: Sequence[tuple[str, str, int]]
) -> Said:
    """``reasons``: (Chinese name, English name, count) of the exclusion reasons."""
    excluded = total - included
    if excluded:
        zh_r = "、".join(f"{z} {n}" for z, _e, n in reasons)
        en_r = ", ".join(f"{e.lower()} {n}" for _z, e, n in reasons)
        zh = f"共 {total} 份答卷，数据清洗排除 {excluded} 份" + (f"（{zh_r}）" if zh_r else "")
        en = f"{total} responses, {excluded} excluded by data cleaning" + (f" ({en_r})" if en_r else "")
    else:
        zh, en = f"共 {total} 份答卷，无答卷被排除", f"{total} responses, none excluded"
    zh += f"，分析使用 {analysed} 份有效答卷。"
    en += f"; the analysis uses {analysed} included responses."
    level = "info" if total == 0 or excluded / total <= 0.2 else "acceptable"
    return Said(zh, en, level)


def descriptives_sentence(best: tuple[str, float], worst: tuple[str, float]) -> Said:
    return Said(
        f"平均分最高的题项是“{best[0]}”（{best[1]:.2f}），最低的是“{worst[0]}”（{worst[1]:.2f}）。",
        f"The highest mean is item “{best[0]}” ({best[1]:.2f}), the lowest “{worst[0]}” ({worst[1]:.2f}).",
        "info",
    )


def loadings_sentence(weak: Sequence[str], cross: Sequence[str], k: int) -> Said:
    if not weak and not cross:
        return Said(
            f"全部 {k} 个题项在某一因子上的载荷不低于 {SUPPRESS}，且没有交叉载荷，结构清晰。",
            f"All {k} items load at least {SUPPRESS} on one factor without cross-loadings: a clean structure.",
            "good",
        )
    zh, en = [], []
    if weak:
        zh.append(f"题项 {'、'.join(weak)} 在所有因子上的载荷都低于 {SUPPRESS}")
        en.append(f"item(s) {', '.join(weak)} load below {SUPPRESS} on every factor")
    if cross:
        zh.append(f"题项 {'、'.join(cross)} 在多个因子上的载荷不低于 {SUPPRESS}（交叉载荷）")
        en.append(f"item(s) {', '.join(cross)} load at least {SUPPRESS} on several factors (cross-loadings)")
    return Said(
        "；".join(zh) + "，建议检查这些题项。",
        "; ".join(en).capitalize() + ": review them.",
        "poor",
    )


def correlation_sentence(names: Sequence[str], r: Any, p: Any) -> Said:
    k = len(names)
    pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
    rs = [float(r[i, j]) for i, j in pairs]
    sig = sum(1 for i, j in pairs if float(p[i, j]) < ALPHA_LEVEL)
    i, j = max(pairs, key=lambda ij: abs(float(r[ij])))
    lo, hi = min(rs), max(rs)
    return Said(
        f"{len(pairs)} 对维度得分的相关系数在 {lo:.2f} 至 {hi:.2f} 之间，其中 {sig} 对在 0.05 水平显著；"
        f"相关最强的是“{names[i]}”与“{names[j]}”（r = {float(r[i, j]):.3f}，{_p(float(p[i, j]))}）。",
        f"The {len(pairs)} correlations between dimension scores range from {lo:.2f} to {hi:.2f}, {sig} "
        f"significant at 0.05; the strongest is “{names[i]}”–“{names[j]}” (r = {float(r[i, j]):.3f}, "
        f"{_p(float(p[i, j]))}).",
        "info",
    )


def servqual_sentence(overall: float, worst: tuple[str, float] | None) -> Said:
    if overall < 0:
        zh = f"SERVQUAL 总体差距（感知 − 期望）为 {overall:.2f}，服务表现未达到顾客期望"
        en = f"Overall SERVQUAL gap (perception − expectation) {overall:.2f}: service falls short of expectations"
        level = "poor"
    else:
        zh = f"SERVQUAL 总体差距（感知 − 期望）为 {overall:.2f}，服务表现达到或超过顾客期望"
        en = f"Overall SERVQUAL gap (perception − expectation) {overall:.2f}: service meets or exceeds expectations"
        level = "good"
    if worst is not None:
        zh += f"；差距最大的维度是“{worst[0]}”（{worst[1]:.2f}）。"
        en += f"; the largest gap is in “{worst[0]}” ({worst[1]:.2f})."
    else:
        zh += "。"
        en += "."
    return Said(zh, en, level)


def ipa_sentence(concentrate: Sequence[str], source: str) -> Said:
    zh_src = "与总体满意度的相关" if source == "overall" else "与总分的相关"
    en_src = (
        "correlation with overall satisfaction" if source == "overall" else "correlation with the total score"
    )
    if concentrate:
        return Said(
            f"重要性按{zh_src}推导；落在“重点改进区”（重要性高、表现低）的维度：{'、'.join(concentrate)}。",
            f"Importance derived by {en_src}; in the “concentrate here” quadrant (high importance, low "
            f"performance): {', '.join(concentrate)}.",
            "poor",
        )
    return Said(
        f"重要性按{zh_src}推导；没有维度落在“重点改进区”（重要性高、表现低）。",
        f"Importance derived by {en_src}; no dimension is in the “concentrate here” quadrant.",
        "good",
    )


def drivers_sentence(r2: float, top: tuple[str, float, float], n: int) -> Said:
    name, beta, p = top
    return Said(
        f"以总体满意度为因变量的回归（n = {n}）中，各维度共解释 R² = {r2:.3f} 的方差；"
        f"影响最大的驱动因素是“{name}”（标准化 β = {beta:.3f}，{_p(p)}）。",
        f"Regressing overall satisfaction on the dimensions (n = {n}) gives R² = {r2:.3f}; the strongest "
        f"driver is “{name}” (standardised β = {beta:.3f}, {_p(p)}).",
        "info",
    )


def csat_sentence(code: str, share: float, low: float, high: float) -> Said:
    return Said(
        f"题项“{code}”满意率（前两档）CSAT = {100 * share:.1f}%（95% 置信区间 {100 * low:.1f}% 至 {100 * high:.1f}%）。",
        f"Item “{code}”: CSAT (top two boxes) = {100 * share:.1f}% (95% CI {100 * low:.1f}% to {100 * high:.1f}%).",
        "info",
    )


def not_computable(what_zh: str, what_en: str, reason: str, reason_zh: str | None = None) -> Said:
    """``reason`` in English (the messages of :class:`StatsError` are English), optionally in Chinese."""
    return Said(
        f"{what_zh}无法计算：{reason_zh or reason}。", f"{what_en} cannot be computed: {reason}.", "info"
    )


# --- item roles --------------------------------------------------------------------------------------------


def _is_scale(it: Mapping[str, Any]) -> bool:
    return it["type"] in domain.SCALE_TYPES and not it.get("attention")


def overall_index(items: Sequence[Mapping[str, Any]]) -> int | None:
    """Column of the overall satisfaction question (a scale item without a dimension), or None."""
    candidates = [
        j for j, it in enumerate(items) if _is_scale(it) and not it["dimension"] and it.get("part") != "E"
    ]
    for code in OVERALL_CODES:
        for j in candidates:
            if items[j]["code"].lower() == code:
                return j
    if candidates and any(it["dimension"] for it in items):
        return candidates[0]
    return None


def scale_index(items: Sequence[Mapping[str, Any]], overall: int | None) -> list[int]:
    """Columns of the analysed scale (see the module docstring)."""
    cols = [j for j, it in enumerate(items) if _is_scale(it) and it.get("part") != "E" and j != overall]
    with_dim = [j for j in cols if items[j]["dimension"]]
    return with_dim if with_dim else cols


def dimension_groups(items: Sequence[Mapping[str, Any]], cols: Sequence[int]) -> dict[str, list[int]]:
    """``{dimension code: [columns]}`` in questionnaire order (only dimensions with items)."""
    out: dict[str, list[int]] = {}
    for j in cols:
        if items[j]["dimension"]:
            out.setdefault(items[j]["dimension"], []).append(j)
    return out


def dimension_scores(x: np.ndarray, groups: Mapping[str, Sequence[int]]) -> np.ndarray:
    """Respondents × dimensions: the mean of each dimension's items (NaN when one is missing)."""
    return np.column_stack([x[:, list(idx)].mean(axis=1) for idx in groups.values()])


# --- the report --------------------------------------------------------------------------------------------


class _Names:
    """Display names of dimensions and items in both languages."""

    def __init__(self, items: Sequence[Mapping[str, Any]], definition: Mapping[str, Any]):
        self.dims: dict[str, tuple[str, str]] = {
            str(d["code"]): (
                str(d.get("name") or d["code"]),
                str(d.get("name_en") or d.get("name") or d["code"]),
            )
            for d in definition.get("dimensions", [])
        }
        self.items = items

    def dim(self, code: str, lang: str = "zh") -> str:
        zh, en = self.dims.get(code, (code, code))
        return zh if lang == "zh" else en

    def dim_json(self, code: str) -> dict[str, str]:
        return {"code": code, "name": self.dim(code), "name_en": self.dim(code, "en")}


def _both(make: Callable[[str], Said]) -> Said:
    """A sentence that contains names: the Chinese sentence with Chinese names, the English one
    with English names (``make(lang)`` builds the sentence for one language)."""
    zh, en = make("zh"), make("en")
    return Said(zh.zh, en.en, zh.level)


def _descriptives(x: np.ndarray, items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    rows = []
    for j, it in enumerate(items):
        if it.get("attention") or it["type"] == "single":
            continue
        row: dict[str, Any] = {
            "code": it["code"],
            "text": it.get("text", ""),
            "text_en": it.get("text_en", ""),
            "dimension": it["dimension"],
            "part": it.get("part", ""),
            "type": it["type"],
            "reverse": bool(it.get("reverse")),
            "n": int((~np.isnan(x[:, j])).sum()),
        }
        try:
            d = stats.describe(x[:, [j]], [it["code"]], scale_max=it.get("max")).items[0]
        except StatsError:
            rows.append({**row, "mean": None, "sd": None, "median": None, "top2box": None})
            continue
        rows.append(
            {
                **row,
                "n": d.n,
                "mean": num(d.mean),
                "sd": num(d.sd),
                "median": num(d.median),
                "q1": num(d.q1),
                "q3": num(d.q3),
                "min": num(d.min),
                "max": num(d.max),
                "top2box": num(d.top2box),
                "top2box_ci": None if d.top2box_ci is None else nums(d.top2box_ci),
            }
        )
    scored = [
        r for r in rows if r["mean"] is not None and r["type"] in domain.SCALE_TYPES and r["part"] != "E"
    ]
    sentence = None
    if len(scored) >= 2:
        best = max(scored, key=lambda r: r["mean"])
        worst = min(scored, key=lambda r: r["mean"])
        sentence = say(descriptives_sentence((best["code"], best["mean"]), (worst["code"], worst["mean"])))
    return {"items": rows, "sentence": sentence}


def _alpha_json(res: Any, scope: str | None, names: _Names, items_dim: Mapping[str, str]) -> dict[str, Any]:
    flags = res.flagged_items(CITC_MIN)
    rows = []
    for code, citc, aid in zip(res.items, res.citc, res.alpha_if_deleted, strict=True):
        raises = code in flags["raises_alpha"]
        low = code in flags["low_citc"]
        sentences = []
        if raises:
            sentences.append(say(verdicts.alpha_if_deleted(code, res.alpha, aid)))
        if low:
            sentences.append(say(verdicts.citc(code, citc, CITC_MIN)))
        rows.append(
            {
                "code": code,
                "dimension": items_dim.get(code, ""),
                "citc": num(citc),
                "alpha_if_deleted": num(aid),
                "raises_alpha": raises,
                "low_citc": low,
                "sentences": sentences,
            }
        )
    verdict = verdicts.alpha(res.alpha, scope)
    return {
        "dimension": None if scope is None else names.dim_json(scope),
        "k": res.k,
        "n": res.n,
        "alpha": num(res.alpha),
        "alpha_std": num(res.alpha_std),
        "ci": nums(res.ci),
        "level": verdict.level,
        "sentence": say(verdict, names),
        "items": rows,
        "flagged": flags,
    }


def _battery(m: stats.Moments, dims: dict[str, list[str]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """run_battery; when it fails (a singular matrix, too few respondents …) each part on its own, so
    what can be computed still is. Returns the parts and the error message of each failed part."""
    errors: dict[str, Any] = {}
    try:
        b = stats.run_battery(m, dimensions=dims)
        return {
            "reliability": b.reliability,
            "kmo": b.kmo,
            "bartlett": b.bartlett,
            "efa": b.efa,
            "validity": b.validity,
        }, errors
    except StatsError:
        pass
    parts: dict[str, Any] = {}

    def attempt(key: str, fn: Callable[[], Any]) -> None:
        try:
            parts[key] = fn()
        except StatsError as exc:
            parts[key] = None
            errors[key] = exc
        except np.linalg.LinAlgError as exc:
            parts[key] = None
            errors[key] = str(exc)

    multi = {d: its for d, its in dims.items() if len(its) >= 2}
    attempt("reliability", lambda: stats.reliability(m, dimensions=multi))
    attempt("kmo", lambda: stats.kmo(m))
    attempt("bartlett", lambda: stats.bartlett(m))
    attempt("efa", lambda: stats.efa(m, n_factors=len(dims) if dims else None))
    if dims:
        attempt("validity", lambda: stats.construct_validity(m, dims))
    else:
        parts["validity"] = None
    return parts, errors


def _reliability(parts: Mapping[str, Any], names: _Names, items_dim: Mapping[str, str]) -> dict[str, Any]:
    rel = parts.get("reliability")
    if rel is None:
        return {"scales": []}
    scales = [_alpha_json(rel.overall, None, names, items_dim)]
    scales += [_alpha_json(r, d, names, items_dim) for d, r in rel.dimensions.items()]
    return {"scales": scales}


def _validity(parts: Mapping[str, Any], names: _Names, codes: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    km, ba, fa, cv = parts.get("kmo"), parts.get("bartlett"), parts.get("efa"), parts.get("validity")
    if km is not None:
        out["kmo"] = {
            "kmo": num(km.kmo),
            "msa": dict(zip(km.items, nums(km.msa), strict=True)),
            "sentence": say(verdicts.kmo(km.kmo)),
        }
    if ba is not None:
        out["bartlett"] = {
            "chi2": num(ba.chi2),
            "df": ba.df,
            "p": num(ba.p),
            "sentence": say(verdicts.bartlett(ba.chi2, ba.df, ba.p)),
        }
    if fa is not None:
        nf = fa.n_factors
        vt = fa.variance_rotation or fa.variance_extraction
        cum = vt.cumulative[-1] if vt.cumulative else fa.variance_extraction.cumulative[-1]
        rows = []
        weak, cross = [], []
        for code, values in fa.sorted_loadings(SUPPRESS):
            shown = [v for v in values if v is not None]
            if not shown:
                weak.append(code)
            elif len(shown) > 1:
                cross.append(code)
            rows.append({"code": code, "values": [num(v) for v in values]})
        comm = dict(zip(fa.items, nums(fa.communalities), strict=True))
        for row in rows:
            row["communality"] = comm[row["code"]]
        out["efa"] = {
            "extraction": fa.extraction,
            "rotation": fa.rotation,
            "n_factors": nf,
            "n_factors_kaiser": fa.n_factors_kaiser,
            "eigenvalues": nums(fa.eigenvalues),
            "variance": {
                "initial": fa.variance_initial.to_dict(),
                "extraction": fa.variance_extraction.to_dict(),
                "rotation": None if fa.variance_rotation is None else fa.variance_rotation.to_dict(),
            },
            "factors": [f"F{i + 1}" for i in range(nf)],
            "suppress": SUPPRESS,
            "loadings": rows,
            "sentence": say(verdicts.variance_explained(cum, nf)),
            "loadings_sentence": say(loadings_sentence(weak, cross, len(codes))),
        }
    if cv is not None:
        dims = list(cv.dimensions)
        constructs = []
        for i, d in enumerate(dims):
            ave, cr = float(cv.ave[i]), float(cv.cr[i])
            if not (math.isfinite(ave) and math.isfinite(cr)):
                continue  # a single-item dimension has no AVE/CR
            constructs.append(
                {
                    "dimension": names.dim_json(d),
                    "loadings": nums(cv.loadings[d]),
                    "ave": num(ave),
                    "cr": num(cr),
                    "sqrt_ave": num(math.sqrt(ave)) if ave >= 0 else None,
                    "fornell_larcker_ok": cv.fornell_larcker_ok[i],
                    "sentence": say(verdicts.ave_cr(d, ave, cr), names),
                    "fornell_larcker_sentence": say(
                        verdicts.fornell_larcker(d, cv.fornell_larcker_ok[i]), names
                    ),
                }
            )
        htmt_sentences = []
        for i in range(len(dims)):
            for j in range(i + 1, len(dims)):
                v = float(cv.htmt[i, j])
                if math.isfinite(v):
                    htmt_sentences.append(say(verdicts.htmt(dims[i], dims[j], v), names))
        out["constructs"] = constructs
        out["htmt"] = {
            "dimensions": [names.dim_json(d) for d in dims],
            "matrix": matrix_json(cv.htmt),
            "sentences": htmt_sentences,
        }
    return out


def compute(
    x: np.ndarray,
    items: Sequence[Mapping[str, Any]],
    definition: Mapping[str, Any],
    *,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The analysis report of a raw respondents × items matrix (NaN = missing) as a JSON-able dict."""

    def step(name: str) -> None:
        if progress is not None:
            progress(name, STEPS.index(name) / len(STEPS))

    names = _Names(items, definition)
    n_rows = int(x.shape[0])
    report: dict[str, Any] = {
        "n": n_rows,
        "missing": "listwise",
        "items": [
            {
                "code": it["code"],
                "text": it.get("text", ""),
                "text_en": it.get("text_en", ""),
                "dimension": it["dimension"],
                "part": it.get("part", ""),
                "type": it["type"],
            }
            for it in items
        ],
        "dimensions": [names.dim_json(c) for c in names.dims],
        "errors": {},
    }
    errors: dict[str, dict[str, str]] = report["errors"]

    def fail(key: str, zh: str, en: str, reason: str | StatsError, reason_zh: str | None = None) -> None:
        if isinstance(reason, StatsError):  # code + parameters: said in each language
            reason, reason_zh = stats_errors.both(reason)
        errors[key] = say(not_computable(zh, en, reason.rstrip("."), reason_zh))

    step("descriptives")
    report["descriptives"] = _descriptives(x, items)

    scored = domain.score(x, items)
    overall = overall_index(items)
    cols = scale_index(items, overall)
    codes = [items[j]["code"] for j in cols]
    groups = dimension_groups(items, cols)
    dims = {d: [items[j]["code"] for j in idx] for d, idx in groups.items()}
    items_dim = {items[j]["code"]: items[j]["dimension"] for j in cols}
    report["scale"] = {
        "items": codes,
        "dimensions": {d: list(v) for d, v in dims.items()},
        "overall": None if overall is None else items[overall]["code"],
    }
    xs = scored[:, cols]
    complete = ~np.isnan(xs).any(axis=1) if len(cols) else np.zeros(n_rows, dtype=bool)
    report["scale"]["n_complete"] = int(complete.sum())

    step("reliability")
    parts: dict[str, Any] = {}
    if len(cols) < 2:
        fail(
            "reliability",
            "信度与效度",
            "Reliability and validity",
            "fewer than 2 scale items",
            "量表题项少于 2 个",
        )
    else:
        try:
            m = stats.moments(xs, codes)
        except StatsError as exc:
            fail("reliability", "信度与效度", "Reliability and validity", exc)
        else:
            parts, part_errors = _battery(m, dims)
            for key, msg in part_errors.items():
                fail(key, *PART_NAMES[key], msg)
    report["reliability"] = _reliability(parts, names, items_dim)
    step("validity")
    report["validity"] = _validity(parts, names, codes)

    # dimension scores over the complete cases of the scale
    dim_codes = list(groups)
    xc = xs[complete]
    local = {d: [cols.index(j) for j in idx] for d, idx in groups.items()}
    scores = dimension_scores(xc, local) if dim_codes and len(xc) else np.zeros((len(xc), 0))
    if dim_codes and len(xc) < 3:
        why = (
            f"only {len(xc)} complete response(s) on the scale items",
            f"量表题项完整作答的答卷只有 {len(xc)} 份",
        )
        fail("correlation", "维度相关", "Correlation", *why)
        fail("ipa", "重要性—表现分析", "Importance–performance analysis", *why)
        if overall is not None:
            fail("drivers", "关键驱动因素分析", "Key-driver analysis", *why)
        dim_codes = []

    step("correlation")
    report["correlation"] = None
    if len(dim_codes) >= 2:
        try:
            c = stats.pearson(scores, dim_codes)
        except StatsError as exc:
            fail("correlation", "维度相关", "Correlation", exc)
        else:
            report["correlation"] = {
                "dimensions": [names.dim_json(d) for d in dim_codes],
                "r": matrix_json(c.r),
                "p": matrix_json(c.p),
                "n": int(c.n.min()),
                "sentence": say(
                    _both(
                        lambda lang: correlation_sentence([names.dim(d, lang) for d in dim_codes], c.r, c.p)
                    )
                ),
            }

    step("servqual")
    report["servqual"] = _servqual(scored, items, names, fail)

    # IPA and drivers: complete cases of the scale, and of the overall question when there is one
    y = scored[complete, overall] if overall is not None else None
    step("ipa")
    report["ipa"] = None
    if len(dim_codes) >= 2:
        try:
            if y is not None:
                importance = stats.derived_importance(scores, y, dim_codes)
                source = "overall"
                ok = ~np.isnan(y)
                perf = scores[ok].mean(axis=0)
            else:
                total = xc.mean(axis=1)
                importance = stats.derived_importance(scores, total, dim_codes)
                source = "total"
                perf = scores.mean(axis=0)
            lo = min((items[j]["min"] for j in cols if items[j]["min"] is not None), default=1.0)
            hi = max((items[j]["max"] for j in cols if items[j]["max"] is not None), default=5.0)
            res = stats.ipa(importance, perf, dim_codes, crosshair="mean", scale=(lo, hi))
        except StatsError as exc:
            fail("ipa", "重要性—表现分析", "Importance–performance analysis", exc)
        else:
            concentrate = [i.name for i in res.items if i.quadrant == "concentrate_here"]
            report["ipa"] = {
                "source": source,
                "crosshair": [num(res.importance_cross), num(res.performance_cross)],
                "items": [
                    {
                        "dimension": names.dim_json(i.name),
                        "importance": num(i.importance),
                        "performance": num(i.performance),
                        "quadrant": i.quadrant,
                    }
                    for i in res.items
                ],
                "sentence": say(
                    _both(lambda lang: ipa_sentence([names.dim(d, lang) for d in concentrate], source))
                ),
            }

    step("drivers")
    report["drivers"] = None
    if y is not None and len(dim_codes) >= 1:
        try:
            kd = stats.key_drivers(scores, y, dim_codes)
        except StatsError as exc:
            fail("drivers", "关键驱动因素分析", "Key-driver analysis", exc)
        else:
            top = int(np.argmax(np.abs(kd.beta)))
            report["drivers"] = {
                "outcome": items[overall]["code"] if overall is not None else None,
                "n": kd.n,
                "r2": num(kd.r2),
                "adj_r2": num(kd.adj_r2),
                "f": num(kd.f),
                "f_p": num(kd.f_p),
                "items": [
                    {
                        "dimension": names.dim_json(d),
                        "beta": num(kd.beta[i]),
                        "beta_se": num(kd.beta_se[i]),
                        "t": num(kd.t[i]),
                        "p": num(kd.p[i]),
                        "vif": num(kd.vif[i]),
                        "relative_share": num(kd.relative_share[i]),
                    }
                    for i, d in enumerate(dim_codes)
                ],
                "sentence": say(
                    _both(
                        lambda lang: drivers_sentence(
                            kd.r2, (names.dim(dim_codes[top], lang), kd.beta[top], kd.p[top]), kd.n
                        )
                    )
                ),
            }

    step("nps")
    report["nps"] = _nps_csat(x, items)
    if progress is not None:
        progress("done", 1.0)
    return report


def _servqual(
    scored: np.ndarray,
    items: Sequence[Mapping[str, Any]],
    names: _Names,
    fail: Callable[[str, str, str, Any], None],
) -> dict[str, Any] | None:
    e_by_pair = {it["pair"]: j for j, it in enumerate(items) if it.get("part") == "E" and it.get("pair")}
    pairs = [
        (j, e_by_pair[it["pair"]])
        for j, it in enumerate(items)
        if it.get("part") == "P" and it.get("pair") in e_by_pair and not it.get("attention")
    ]
    if not pairs:
        return None
    p_cols = [p for p, _e in pairs]
    e_cols = [e for _p, e in pairs]
    codes = [items[p]["code"] for p in p_cols]
    dims: dict[str, list[str]] = {}
    for p in p_cols:
        if items[p]["dimension"]:
            dims.setdefault(items[p]["dimension"], []).append(items[p]["code"])
    try:
        res = stats.servqual(scored[:, p_cols], scored[:, e_cols], codes, dimensions=dims or None)
    except StatsError as exc:
        fail("servqual", "SERVQUAL 差距", "SERVQUAL gap", exc)
        return None
    worst_dim = min(res.dimensions, key=lambda d: d.gap) if res.dimensions else None
    worst = None if worst_dim is None or worst_dim.gap >= 0 else worst_dim
    return {
        "missing": res.missing,
        "n": min((i.n for i in res.items), default=0),
        "overall_gap": num(res.overall_gap),
        "items": [
            {
                "code": i.name,
                "expectation_code": items[e]["code"],
                "dimension": items[p]["dimension"],
                "perception": num(i.perception),
                "expectation": num(i.expectation),
                "gap": num(i.gap),
                "sd": num(i.sd),
                "t": num(i.t),
                "p": num(i.p),
            }
            for i, (p, e) in zip(res.items, pairs, strict=True)
        ],
        "dimensions": [
            {
                "dimension": names.dim_json(d.name),
                "perception": num(d.perception),
                "expectation": num(d.expectation),
                "gap": num(d.gap),
            }
            for d in res.dimensions
        ],
        "sentence": say(
            _both(
                lambda lang: servqual_sentence(
                    res.overall_gap, None if worst is None else (names.dim(worst.name, lang), worst.gap)
                )
            )
        ),
    }


def _nps_csat(x: np.ndarray, items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for j, it in enumerate(items):
        col = x[:, j]
        if not (~np.isnan(col)).any():
            continue
        try:
            if it["type"] == "nps":
                r = stats.nps(col)
                out.append(
                    {
                        "kind": "nps",
                        "code": it["code"],
                        "text": it.get("text", ""),
                        "text_en": it.get("text_en", ""),
                        "n": r.n,
                        "value": num(r.nps),
                        "ci": nums(r.ci),
                        "promoters": r.promoters,
                        "passives": r.passives,
                        "detractors": r.detractors,
                        "sentence": say(r.verdict()),
                    }
                )
            elif (
                _is_scale(it)
                and not it["dimension"]
                and it.get("part") != "E"
                and it.get("min") == 1
                and it.get("max")
            ):
                c = stats.csat(col, scale_max=int(it["max"]))
                out.append(
                    {
                        "kind": "csat",
                        "code": it["code"],
                        "text": it.get("text", ""),
                        "text_en": it.get("text_en", ""),
                        "n": c.n,
                        "value": num(100 * c.csat),
                        "ci": [num(100 * c.ci[0]), num(100 * c.ci[1])],
                        "mean": num(c.mean),
                        "sentence": say(csat_sentence(it["code"], c.csat, *c.ci)),
                    }
                )
        except StatsError:
            continue
    return out
