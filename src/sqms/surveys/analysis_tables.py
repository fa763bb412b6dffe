"""The analysis report (``analysis.compute`` + data quality) as titled sections of tables, sentences and
chart data in the user's language. The page renders these sections and the Excel export writes one sheet per
table, so what is exported is exactly what is shown."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from sqms.core.io import safe_cell


@dataclass
class Sentence:
    text: str
    level: str


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    flagged: list[bool] = field(default_factory=list)
    note: str = ""

    def __post_init__(self) -> None:
        if not self.flagged:
            self.flagged = [False] * len(self.rows)

    @property
    def lines(self) -> list[tuple[list[tuple[str, bool]], bool]]:
        """The rows formatted for the page, each cell as (text, is a number); the workbook keeps numbers."""
        p_cols = {j for j, h in enumerate(self.headers) if h == "p" or (self.key == "correlation_p" and j)}
        pct_cols = {j for j, h in enumerate(self.headers) if "%" in h}
        return [
            ([fmt(v, p_value=j in p_cols, percent=j in pct_cols) for j, v in enumerate(row)], flag)
            for row, flag in zip(self.rows, self.flagged, strict=True)
        ]


def fmt(v: Any, *, p_value: bool = False, percent: bool = False) -> tuple[str, bool]:
    if v is None:
        return "–", True
    if isinstance(v, bool) or not isinstance(v, int | float):
        return str(v), False
    if isinstance(v, int):
        return str(v), True
    if p_value and v < 0.001:
        return "< 0.001", True
    return (f"{v:.1f}" if percent else f"{v:.3f}"), True


@dataclass
class Section:
    key: str
    title: str
    sentences: list[Sentence] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    chart: str = ""


def lang() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh"


def sentence(v: Mapping[str, str] | None) -> list[Sentence]:
    if not v:
        return []
    return [Sentence(v["en"] if lang() == "en" else v["zh"], v.get("level", "info"))]


def dim_name(d: Mapping[str, Any] | None) -> str:
    if not d:
        return ""
    return str((d.get("name_en") if lang() == "en" else None) or d.get("name") or d.get("code", ""))


def item_text(it: Mapping[str, Any]) -> str:
    return str((it.get("text_en") if lang() == "en" else None) or it.get("text", ""))


def pct(x: float | None) -> float | None:
    return None if x is None else 100.0 * x


def level_word(level: str) -> str:
    return {
        "very_good": _("very good"),
        "good": pgettext("quality level", "good"),
        "acceptable": _("acceptable"),
        "poor": _("questionable"),
        "info": "",
    }.get(level, level)


QUADRANTS = {
    "concentrate_here": lambda: _("Concentrate here"),
    "keep_up_the_good_work": lambda: _("Keep up the good work"),
    "low_priority": lambda: _("Low priority"),
    "possible_overkill": lambda: _("Possible overkill"),
}

STEPS = {
    "queued": lambda: _("Waiting for the task worker"),
    "loading": lambda: _("Reading the responses"),
    "descriptives": lambda: _("Descriptive statistics"),
    "reliability": lambda: _("Reliability"),
    "validity": lambda: _("Validity"),
    "correlation": lambda: _("Correlation"),
    "servqual": lambda: _("SERVQUAL gap"),
    "ipa": lambda: _("Importance–performance analysis"),
    "drivers": lambda: _("Key drivers"),
    "nps": lambda: _("NPS and CSAT"),
    "done": lambda: _("Saving the report"),
    "error": lambda: _("Failed"),
}


def step_name(step: str) -> str:
    fn = STEPS.get(step)
    return fn() if fn else step


def _dims_by_code(report: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {d["code"]: d for d in report.get("dimensions", [])}


def _errors(report: Mapping[str, Any], *keys: str) -> list[Sentence]:
    out: list[Sentence] = []
    for k in keys:
        out += sentence(report.get("errors", {}).get(k))
    return out


def sections(report: Mapping[str, Any]) -> list[Section]:
    dims = _dims_by_code(report)
    out = [
        _quality(report),
        _descriptives(report, dims),
        _reliability(report, dims),
        _validity(report),
    ]
    for build in (_correlation, _servqual, _ipa, _drivers, _nps):
        s = build(report, dims)
        if s is not None:
            out.append(s)
    return out


def _quality(report: Mapping[str, Any]) -> Section:
    q = report["data_quality"]
    scale = report.get("scale", {})
    rows: list[list[Any]] = [
        [_("Responses under these filters"), q["total"]],
        [_("Included in analysis"), q["included"]],
        [_("Excluded by data cleaning"), q["excluded"]],
        [_("… of which excluded by an analyst's decision"), q["analyst_excluded"]],
        [_("Included by an analyst's decision despite flags"), q["analyst_included"]],
        [_("Included, but answered on another questionnaire version (not analysed)"), q["other_version"]],
        [_("Analysed (included, current version)"), q["analysed"]],
        [_("Complete cases on the scale items (listwise deletion)"), scale.get("n_complete", 0)],
    ]
    reasons = [
        [
            r["name_en"] if lang() == "en" else r["name"],
            r["n"],
            pct(r["n"] / q["total"]) if q["total"] else None,
        ]
        for r in q["reasons"]
    ]
    tables = [Table("data_quality", _("Data quality"), [_("Figure"), _("Responses")], rows)]
    tables.append(
        Table(
            "exclusions",
            _("Exclusion reasons"),
            [_("Reason"), _("Responses"), _("Share of responses") + " %"],
            reasons,
        )
    )
    return Section("quality", _("Data quality"), sentence(q["sentence"]), tables)


def _descriptives(report: Mapping[str, Any], dims: Mapping[str, Any]) -> Section:
    d = report["descriptives"]
    rows = []
    for it in d["items"]:
        part = {"E": _("expectation"), "P": _("perception")}.get(it.get("part", ""), "")
        rows.append(
            [
                it["code"],
                item_text(it)
                + (f" ({part})" if part else "")
                + (f" [{_('reverse-scored')}]" if it["reverse"] else ""),
                dim_name(dims.get(it["dimension"])),
                it["n"],
                it["mean"],
                it["sd"],
                it["median"],
                pct(it["top2box"]),
            ]
        )
    headers = [
        pgettext("survey item", "Item"),
        pgettext("survey", "Question"),
        _("Dimension"),
        "n",
        _("Mean"),
        _("SD"),
        _("Median"),
        _("Top-2-box") + " %",
    ]
    return Section(
        "descriptives",
        _("Descriptive statistics"),
        sentence(d.get("sentence")),
        [Table("descriptives", _("Descriptive statistics"), headers, rows)],
    )


def _reliability(report: Mapping[str, Any], dims: Mapping[str, Any]) -> Section:
    scales = report["reliability"]["scales"]
    sec = Section("reliability", _("Reliability (Cronbach's α)"), _errors(report, "reliability"))
    if not scales:
        return sec
    rows, items, flagged = [], [], []
    for s in scales:
        name = dim_name(s["dimension"]) if s["dimension"] else _("Whole scale")
        sec.sentences += sentence(s["sentence"])
        rows.append(
            [name, s["k"], s["n"], s["alpha"], s["alpha_std"], s["ci"][0], s["ci"][1], level_word(s["level"])]
        )
        for it in s["items"]:
            flags = []
            if it["raises_alpha"]:
                flags.append(_("deleting it raises α"))
            if it["low_citc"]:
                flags.append(_("CITC < 0.3"))
            items.append([name, it["code"], it["citc"], it["alpha_if_deleted"], "; ".join(flags)])
            flagged.append(bool(flags))
            for v in it["sentences"]:
                sec.sentences += sentence(v)
    sec.tables.append(
        Table(
            "reliability",
            _("Reliability"),
            [
                _("Scale"),
                _("Items"),
                "n",
                "α",
                _("Standardised α"),
                _("95% CI lower"),
                _("95% CI upper"),
                _("Verdict"),
            ],
            rows,
        )
    )
    sec.tables.append(
        Table(
            "item_total",
            _("Item-total statistics"),
            [
                _("Scale"),
                pgettext("survey item", "Item"),
                _("Corrected item-total correlation (CITC)"),
                _("α if item deleted"),
                _("Flag"),
            ],
            items,
            flagged,
        )
    )
    return sec


def _validity(report: Mapping[str, Any]) -> Section:
    v = report["validity"]
    sec = Section("validity", _("Validity"), _errors(report, "kmo", "bartlett", "efa", "validity"))
    kb: list[list[Any]] = []
    if "kmo" in v:
        sec.sentences += sentence(v["kmo"]["sentence"])
        kb.append([_("KMO measure of sampling adequacy"), v["kmo"]["kmo"]])
    if "bartlett" in v:
        b = v["bartlett"]
        sec.sentences += sentence(b["sentence"])
        kb += [
            [_("Bartlett's test: approx. χ²"), b["chi2"]],
            [_("Bartlett's test: df"), b["df"]],
            [_("Bartlett's test: p"), b["p"]],
        ]
    if kb:
        sec.tables.append(Table("kmo_bartlett", _("KMO and Bartlett's test"), [_("Measure"), _("Value")], kb))
    if "efa" in v:
        e = v["efa"]
        sec.chart = "chart-scree"
        sec.sentences += sentence(e["sentence"]) + sentence(e["loadings_sentence"])
        var = e["variance"]
        rows = []
        for i, ev in enumerate(e["eigenvalues"]):
            row = [i + 1, ev, var["initial"]["percent"][i], var["initial"]["cumulative"][i]]
            for part in ("extraction", "rotation"):
                t = var.get(part)
                if t and i < len(t["total"]):
                    row += [
                        t["total"][i],
                        t["percent"][i] if t["percent"] else None,
                        t["cumulative"][i] if t["cumulative"] else None,
                    ]
                else:
                    row += [None, None, None]
            rows.append(row)
        sec.tables.append(
            Table(
                "variance",
                _("Total variance explained"),
                [
                    _("Component"),
                    _("Initial eigenvalue"),
                    _("Variance") + " %",
                    _("Cumulative") + " %",
                    _("Extraction sums of squared loadings"),
                    _("Variance") + " %",
                    _("Cumulative") + " %",
                    _("Rotation sums of squared loadings"),
                    _("Variance") + " %",
                    _("Cumulative") + " %",
                ],
                rows,
            )
        )
        msa = v.get("kmo", {}).get("msa", {})
        loadings = [
            [
                r["code"],
                *[("" if x is None else x) for x in r["values"]],
                r["communality"],
                msa.get(r["code"]),
            ]
            for r in e["loadings"]
        ]
        rotation = _("varimax rotation") if e["rotation"] == "varimax" else _("no rotation")
        sec.tables.append(
            Table(
                "loadings",
                _("Rotated loadings"),
                [pgettext("survey item", "Item"), *e["factors"], _("Communality"), "MSA"],
                loadings,
                note=_(
                    "Principal components, %(rotation)s (Kaiser normalisation), %(n)s factor(s); loadings below "
                    "%(s)s are not shown."
                )
                % {"rotation": rotation, "n": e["n_factors"], "s": e["suppress"]},
            )
        )
    if "constructs" in v:
        rows = []
        for c in v["constructs"]:
            sec.sentences += sentence(c["sentence"]) + sentence(c["fornell_larcker_sentence"])
            rows.append(
                [
                    dim_name(c["dimension"]),
                    ", ".join(f"{x:.3f}" for x in c["loadings"] if x is not None),
                    c["ave"],
                    c["cr"],
                    c["sqrt_ave"],
                    _("yes") if c["fornell_larcker_ok"] else _("no"),
                    level_word(c["sentence"]["level"]),
                ]
            )
        sec.tables.append(
            Table(
                "ave_cr",
                _("Convergent validity (AVE, CR)"),
                [
                    _("Dimension"),
                    _("Standardised loadings"),
                    "AVE",
                    "CR",
                    "√AVE",
                    _("Fornell–Larcker met"),
                    _("Verdict"),
                ],
                rows,
                note=_(
                    "Loadings of a one-factor model fitted to each dimension's items (unweighted least "
                    "squares), the standardised loadings a confirmatory factor analysis gives."
                ),
            )
        )
        h = v["htmt"]
        names = [dim_name(d) for d in h["dimensions"]]
        for s in h["sentences"]:
            sec.sentences += sentence(s)
        sec.tables.append(
            Table(
                "htmt",
                _("Discriminant validity (HTMT)"),
                [_("Dimension"), *names],
                [
                    [names[i], *[None if i == j else x for j, x in enumerate(row)]]
                    for i, row in enumerate(h["matrix"])
                ],
            )
        )
    return sec


def _correlation(report: Mapping[str, Any], dims: Mapping[str, Any]) -> Section | None:
    c = report.get("correlation")
    errs = _errors(report, "correlation")
    if c is None:
        return Section("correlation", _("Correlation of dimension scores"), errs) if errs else None
    names = [dim_name(d) for d in c["dimensions"]]
    r_rows = [[names[i], *row] for i, row in enumerate(c["r"])]
    p_rows = [[names[i], *[None if i == j else x for j, x in enumerate(row)]] for i, row in enumerate(c["p"])]
    note = _("Pearson correlations of the dimension scores (item means), n = %(n)s.") % {"n": c["n"]}
    return Section(
        "correlation",
        _("Correlation of dimension scores"),
        sentence(c["sentence"]),
        [
            Table("correlation_r", _("Correlation r"), [_("Dimension"), *names], r_rows, note=note),
            Table("correlation_p", _("Correlation p-values"), [_("Dimension"), *names], p_rows),
        ],
    )


def _servqual(report: Mapping[str, Any], dims: Mapping[str, Any]) -> Section | None:
    s = report.get("servqual")
    errs = _errors(report, "servqual")
    if s is None:
        return Section("servqual", _("SERVQUAL gap (P − E)"), errs) if errs else None
    items = {it["code"]: it for it in report["items"]}
    d_rows = [
        [dim_name(d["dimension"]), d["perception"], d["expectation"], d["gap"]] for d in s["dimensions"]
    ]
    i_rows = [
        [
            it["code"],
            item_text(items.get(it["code"], {})),
            dim_name(dims.get(it["dimension"])),
            it["perception"],
            it["expectation"],
            it["gap"],
            it["sd"],
            it["t"],
            it["p"],
        ]
        for it in s["items"]
    ]
    tables = []
    if d_rows:
        tables.append(
            Table(
                "servqual_dimensions",
                _("SERVQUAL gap by dimension"),
                [_("Dimension"), _("Perception (P)"), _("Expectation (E)"), _("Gap (P − E)")],
                d_rows,
                [(r[3] or 0) < 0 for r in d_rows],
            )
        )
    tables.append(
        Table(
            "servqual_items",
            _("SERVQUAL gap by item"),
            [
                pgettext("survey item", "Item"),
                pgettext("survey", "Question"),
                _("Dimension"),
                "P",
                "E",
                _("Gap (P − E)"),
                _("SD"),
                "t",
                "p",
            ],
            i_rows,
        )
    )
    return Section(
        "servqual",
        _("SERVQUAL gap (P − E)"),
        sentence(s["sentence"]),
        tables,
        chart="chart-gap" if d_rows else "",
    )


def _ipa(report: Mapping[str, Any], dims: Mapping[str, Any]) -> Section | None:
    p = report.get("ipa")
    errs = _errors(report, "ipa")
    if p is None:
        return Section("ipa", _("Importance–performance analysis"), errs) if errs else None
    rows = [
        [dim_name(i["dimension"]), i["importance"], i["performance"], QUADRANTS[i["quadrant"]]()]
        for i in p["items"]
    ]
    source = (
        _("correlation with the overall satisfaction question")
        if p["source"] == "overall"
        else _("correlation with the total score")
    )
    return Section(
        "ipa",
        _("Importance–performance analysis"),
        sentence(p["sentence"]),
        [
            Table(
                "ipa",
                _("Importance–performance"),
                [_("Dimension"), _("Importance (r)"), _("Performance (mean)"), _("Quadrant")],
                rows,
                [i["quadrant"] == "concentrate_here" for i in p["items"]],
                note=_("Importance: %(source)s; crosshair at the means.") % {"source": source},
            )
        ],
        chart="chart-ipa",
    )


def _drivers(report: Mapping[str, Any], dims: Mapping[str, Any]) -> Section | None:
    d = report.get("drivers")
    errs = _errors(report, "drivers")
    if d is None:
        if errs:
            return Section("drivers", _("Key drivers"), errs)
        if report.get("scale", {}).get("overall") is None and report.get("dimensions"):
            return Section(
                "drivers",
                _("Key drivers"),
                [
                    Sentence(
                        _(
                            "The survey has no overall satisfaction question, so no key-driver analysis is made."
                        ),
                        "info",
                    )
                ],
            )
        return None
    rows = [
        [
            dim_name(i["dimension"]),
            i["beta"],
            i["beta_se"],
            i["t"],
            i["p"],
            i["vif"],
            pct(i["relative_share"]),
        ]
        for i in d["items"]
    ]
    note = _("OLS of %(y)s on the dimension scores: R² = %(r2).3f, adjusted R² = %(adj).3f, n = %(n)s.") % {
        "y": d["outcome"],
        "r2": d["r2"] or 0,
        "adj": d["adj_r2"] or 0,
        "n": d["n"],
    }
    return Section(
        "drivers",
        _("Key drivers"),
        sentence(d["sentence"]),
        [
            Table(
                "drivers",
                _("Key drivers"),
                [
                    _("Dimension"),
                    _("Standardised β"),
                    _("SE"),
                    "t",
                    "p",
                    "VIF",
                    _("Relative importance") + " %",
                ],
                rows,
                note=note,
            )
        ],
        chart="chart-drivers",
    )


def _nps(report: Mapping[str, Any], dims: Mapping[str, Any]) -> Section | None:
    rows = report.get("nps") or []
    if not rows:
        return None
    sec = Section("nps", _("NPS and CSAT"))
    table = []
    for r in rows:
        sec.sentences += sentence(r["sentence"])
        kind = "NPS" if r["kind"] == "nps" else "CSAT (" + _("top-2-box") + " %)"
        table.append([r["code"], item_text(r), kind, r["n"], r["value"], r["ci"][0], r["ci"][1]])
    sec.tables.append(
        Table(
            "nps",
            _("NPS and CSAT"),
            [
                pgettext("survey item", "Item"),
                pgettext("survey", "Question"),
                _("Measure"),
                "n",
                _("Value"),
                _("95% CI lower"),
                _("95% CI upper"),
            ],
            table,
        )
    )
    return sec


def charts(report: Mapping[str, Any]) -> dict[str, Any]:
    """The data of the charts, in the user's language (drawn by Chart.js on the page)."""
    out: dict[str, Any] = {}
    e = report.get("validity", {}).get("efa")
    if e:
        out["scree"] = {"labels": list(range(1, len(e["eigenvalues"]) + 1)), "values": e["eigenvalues"]}
    s = report.get("servqual")
    if s and s["dimensions"]:
        out["gap"] = {
            "labels": [dim_name(d["dimension"]) for d in s["dimensions"]],
            "gap": [d["gap"] for d in s["dimensions"]],
            "perception": [d["perception"] for d in s["dimensions"]],
            "expectation": [d["expectation"] for d in s["dimensions"]],
        }
    p = report.get("ipa")
    if p:
        out["ipa"] = {
            "points": [
                {"x": i["importance"], "y": i["performance"], "label": dim_name(i["dimension"])}
                for i in p["items"]
            ],
            "cross": p["crosshair"],
        }
    d = report.get("drivers")
    if d:
        out["drivers"] = {
            "labels": [dim_name(i["dimension"]) for i in d["items"]],
            "values": [i["beta"] for i in d["items"]],
        }
    out["labels"] = {
        "gap": _("Gap (P − E)"),
        "perception": _("Perception (P)"),
        "expectation": _("Expectation (E)"),
        "importance": _("Importance (r)"),
        "performance": _("Performance (mean)"),
        "beta": _("Standardised β"),
        "eigenvalue": _("Eigenvalue"),
        "component": _("Component"),
    }
    return out


# --- Excel ----------------------------------------------------------------------------------------------------

_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(title: str, used: set[str]) -> str:
    base = _SHEET_BAD.sub(" ", title).strip()[:31] or "Sheet"
    name, i = base, 2
    while name.lower() in used:
        suffix = f" ({i})"
        name = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(name.lower())
    return name


def workbook(secs: Sequence[Section], heading: Sequence[tuple[str, Any]]) -> bytes:
    """One workbook: a sheet of conclusions (the sentences), then one sheet per table, in the style of
    ``sqms.core.io.export_table`` (header row first, cells neutralised against formula injection)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    used: set[str] = set()
    ws = wb.create_sheet(_sheet_title(_("Conclusions"), used))
    for label, value in heading:
        ws.append([safe_cell(str(label)), safe_cell(value)])
    ws.append([])
    ws.append([pgettext("survey", "Section"), _("Conclusion")])
    for s in secs:
        for line in s.sentences:
            ws.append([safe_cell(s.title), safe_cell(line.text)])
    for s in secs:
        for t in s.tables:
            ws = wb.create_sheet(_sheet_title(t.title, used))
            ws.append([safe_cell(str(h)) for h in t.headers])
            for row in t.rows:
                ws.append([safe_cell("" if v is None else v) for v in row])
            if t.note:
                ws.append([])
                ws.append([safe_cell(t.note)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
