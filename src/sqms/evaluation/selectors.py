"""Evaluation reads: schemes, the indicator tree, raw indicator values of a unit (KPIs from the rollups
and feedback/surveys through the KPI selectors, survey dimension scores through the surveys selectors,
manual scores) and the composite evaluation of units for a period."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from django.db.models import QuerySet
from django.utils.translation import get_language, pgettext

from sqms.core import dataversion
from sqms.core.errors import NotFound
from sqms.core.scoping import scoped
from sqms.evaluation import domain
from sqms.evaluation.models import Indicator, ManualScore, Result, Scheme
from sqms.kpi import domain as kpi_domain
from sqms.kpi import selectors as kpi_selectors
from sqms.org.models import OrgUnit
from sqms.org.selectors import units as org_units

# Every kind of data an evaluation reads (sqms.core.dataversion): rollups and KPI definitions, tickets and
# ratings, survey responses, schemes and manual scores, inspections (a registered KPI source), org units.
ALL_KINDS = ("kpi", "feedback", "surveys", "evaluation", "audits", "org")


scope_key = kpi_selectors.scope_key


def schemes() -> QuerySet[Scheme]:
    return Scheme.objects.filter(archived_at__isnull=True, active=True)


def scheme_by_code(code: str, version: int | None = None) -> Scheme:
    qs = schemes().filter(code=code)
    if version is not None:
        qs = qs.filter(version=version)
    obj = qs.order_by("-version").first()
    if obj is None:
        raise NotFound()
    return obj


def indicators(scheme: Scheme) -> list[Indicator]:
    return list(scheme.indicators.order_by("order", "id"))


def build_tree(inds: list[Indicator]) -> list[domain.Node]:
    nodes = {i.pk: domain.Node(code=i.code, name=str(i), weight=i.weight) for i in inds}
    roots: list[domain.Node] = []
    for i in inds:
        (nodes[i.parent_id].children if i.parent_id else roots).append(nodes[i.pk])
    return roots


def manual_scores(user: Any) -> QuerySet[ManualScore]:
    return scoped(user, ManualScore.objects.active().select_related("indicator", "org_unit"))


def results(user: Any) -> QuerySet[Result]:
    return scoped(user, Result.objects.select_related("scheme", "org_unit"))


def _month_periods(period_keys: list[str]) -> list[kpi_domain.Period]:
    return [(k, *kpi_domain.period_bounds("month", k)) for k in period_keys]


def survey_dimension_grid(
    user: Any, units: list[OrgUnit], periods: list[kpi_domain.Period], dimensions: list[str]
) -> Any:
    """Array units × periods × (sum, count per dimension): the perception items (reverse items flipped)
    of each survey dimension in every unit's subtree, from one query per survey version."""
    from sqms.surveys import domain as sv_domain
    from sqms.surveys import selectors as sv
    from sqms.surveys.models import SurveyVersion

    width = 2 * len(dimensions)
    targets = [u.path for u in units]
    if not dimensions or not periods:
        return np.zeros((len(units), len(periods), width))
    since, until = min(p[1] for p in periods), max(p[2] for p in periods)
    start, end = kpi_selectors._aware_range(since, until)
    qs = sv.responses(user).filter(included=True, submitted_at__gte=start, submitted_at__lt=end)
    if targets:
        qs = qs.filter(org_unit__path__startswith=min(targets)) if len(set(targets)) == 1 else qs
    id_path = kpi_selectors._unit_paths()
    tz = kpi_selectors._tz()
    paths: list[str] = []
    grains: list[dt.date] = []
    vectors: list[Any] = []
    for version in SurveyVersion.objects.filter(pk__in=set(qs.values_list("version_id", flat=True))):
        idx = {
            d: [
                j
                for j, it in enumerate(version.items)
                if it.get("dimension") == d and not it.get("attention") and it.get("part") != "E"
            ]
            for d in dimensions
        }
        if not any(idx.values()):
            continue
        meta = list(qs.filter(version=version).values_list("org_unit_id", "submitted_at", "numeric__data"))
        if not meta:
            continue
        x = sv_domain.score(sv_domain.unpack((m[2] for m in meta), len(version.items)), version.items)
        block = np.zeros((len(meta), width))
        for k, d in enumerate(dimensions):
            if idx[d]:
                sub = x[:, idx[d]]
                block[:, 2 * k] = np.nansum(sub, axis=1)
                block[:, 2 * k + 1] = (~np.isnan(sub)).sum(axis=1)
        for r, (uid, when, _v) in enumerate(meta):
            if uid in id_path:
                paths.append(id_path[uid])
                grains.append(when.astimezone(tz).date())
                vectors.append(block[r])
    if not vectors:
        return np.zeros((len(units), len(periods), width))
    return kpi_domain.fold(paths, grains, np.vstack(vectors), targets, periods)


def manual_grid(user: Any, manual: list[Indicator], units: list[OrgUnit], period_keys: list[str]) -> Any:
    """Array units × periods × (sum, count per manual indicator) of the manual scores in every unit's
    subtree: one grouped query."""
    from django.db.models import Count, Sum

    width = 2 * len(manual)
    periods = _month_periods(period_keys)
    if not manual or not periods:
        return np.zeros((len(units), len(periods), width))
    col = {i.pk: k for k, i in enumerate(manual)}
    id_path = kpi_selectors._unit_paths()
    rows = (
        manual_scores(user)
        .filter(indicator_id__in=list(col), period__in=period_keys)
        .values("indicator_id", "org_unit_id", "period")
        .annotate(s=Sum("value"), n=Count("id"))
        .values_list("indicator_id", "org_unit_id", "period", "s", "n")
        .order_by()
    )
    paths: list[str] = []
    grains: list[dt.date] = []
    vectors: list[Any] = []
    for ind_id, uid, period, total, n in rows:
        if uid not in id_path:
            continue
        vec = np.zeros(width)
        vec[2 * col[ind_id]] = float(total or 0)
        vec[2 * col[ind_id] + 1] = float(n)
        paths.append(id_path[uid])
        grains.append(kpi_domain.period_bounds("month", period)[0])
        vectors.append(vec)
    if not vectors:
        return np.zeros((len(units), len(periods), width))
    return kpi_domain.fold(paths, grains, np.vstack(vectors), [u.path for u in units], periods)


def raw_arrays(
    user: Any, inds: list[Indicator], units: list[OrgUnit], period_keys: list[str]
) -> dict[str, Any]:
    """The raw value of every leaf indicator for every unit's subtree × month, as arrays units × periods
    by indicator code (NaN = no value). A handful of grouped queries whatever the number of units and
    months (rollups, feedback, surveys, manual scores, registered sources); the values are derived from
    the summed grids element-wise (:func:`sqms.kpi.domain.kpi_values`)."""
    periods = _month_periods(period_keys)
    shape = (len(units), len(periods))
    leaves = [i for i in inds if i.source != "children"]
    kpi_codes = sorted({i.kpi_code for i in leaves if i.source == "kpi" and i.kpi_code})
    sources = kpi_selectors.sources_of(kpi_codes)
    if any(i.source == "rating" for i in leaves):
        sources.add("records")
    grid = kpi_selectors.kpi_grid(user, units, periods, sources, kpi_codes) if sources else None
    dims = sorted({i.survey_dimension for i in leaves if i.source == "survey" and i.survey_dimension})
    dim_grid = survey_dimension_grid(user, units, periods, dims) if dims else None
    manual = [i for i in leaves if i.source == "manual"]
    man_grid = manual_grid(user, manual, units, period_keys) if manual else None
    man_col = {i.pk: k for k, i in enumerate(manual)}

    def mean(total: Any, n: Any) -> Any:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n != 0, total / np.where(n != 0, n, 1.0), np.nan)

    out: dict[str, Any] = {}
    for i in leaves:
        value: Any = np.full(shape, np.nan)
        if i.source == "kpi" and i.kpi_code in kpi_selectors.SOURCE_OF and grid is not None:
            figures = kpi_domain.kpi_values(i.kpi_code, grid.data)
            if figures is not None:
                value = figures
            else:  # a registered source's figures
                key = kpi_domain.registered_key(i.kpi_code)
                for (ti, pi), cell in grid.registered.items():
                    if cell.get(key) is not None:
                        value[ti, pi] = float(cell[key])
        elif i.source == "rating" and grid is not None:
            f = kpi_domain.FIELD_INDEX
            value = mean(grid.data[..., f["rating_sum"]], grid.data[..., f["rating_count"]])
        elif i.source == "survey" and i.survey_dimension and dim_grid is not None:
            k = dims.index(i.survey_dimension)
            value = mean(dim_grid[..., 2 * k], dim_grid[..., 2 * k + 1])
        elif i.source == "manual" and man_grid is not None:
            k = man_col[i.pk]
            value = mean(man_grid[..., 2 * k], man_grid[..., 2 * k + 1])
        if i.params.get("divide"):
            value = value / float(i.params["divide"])
        out[i.code] = value
    return out


def _nones(values: Any) -> list[Any]:
    """A numpy array as nested lists of floats with ``None`` for NaN."""

    def walk(items: list[Any]) -> list[Any]:
        return [walk(v) if isinstance(v, list) else (None if v != v else v) for v in items]

    return walk(np.asarray(values).tolist())


def raw_table(
    user: Any, inds: list[Indicator], units: list[OrgUnit], period_keys: list[str]
) -> list[list[dict[str, float | None]]]:
    """The raw value of every leaf indicator for every unit's subtree × month: ``table[unit][period]``
    (:func:`raw_arrays` as dictionaries)."""
    arrays = {code: _nones(a) for code, a in raw_arrays(user, inds, units, period_keys).items()}
    return [
        [{code: rows[ti][pi] for code, rows in arrays.items()} for pi in range(len(period_keys))]
        for ti in range(len(units))
    ]


def raw_values(user: Any, inds: list[Indicator], unit: OrgUnit, period: str) -> dict[str, float | None]:
    """The raw value of every leaf indicator for the unit's subtree over the month ``period``."""
    return raw_table(user, inds, [unit], [period])[0][0]


class TreePlan:
    """The scheme's indicator tree prepared once per evaluation (names, post-order of inner nodes, static
    global weights), so scoring a unit × period is a few arithmetic operations per node."""

    def __init__(self, scheme: Scheme, inds: list[Indicator]) -> None:
        self.scheme = scheme
        self.inds = {i.code: i for i in inds}
        roots = build_tree(inds)
        domain.composite(roots)  # fills the static global weights
        self.flat = domain.flatten(roots)
        self.roots = [r.code for r in roots]
        self.root_weights = [r.weight for r in roots]
        self.children = {n.code: [(c.code, c.weight) for c in n.children] for _l, n in self.flat}
        self.leaves = [n.code for _l, n in self.flat if not n.children]
        self.rows = [
            (level, n.code, n.name, round(n.weight, 6), round(n.global_weight, 6), n.global_weight)
            for level, n in self.flat
        ]
        self.post = [n.code for _l, n in reversed(self.flat) if n.children]
        self.leaves_of = {r.code: [n.code for _l, n in domain.flatten([r]) if not n.children] for r in roots}

    def _mean(self, kids: list[tuple[str, float]], scores: dict[str, float | None]) -> float | None:
        acc = used = 0.0
        for code, w in kids:
            v = scores.get(code)
            if v is not None:
                acc += w * v
                used += w
        return acc / used if used > 0 else None


def score_unit(
    scheme: Scheme,
    inds: list[Indicator] | TreePlan,
    unit: OrgUnit,
    raw: dict[str, float | None],
    fuzzy: bool = True,
) -> dict[str, Any]:
    """The composite, grade, indicator tree (and the fuzzy evaluation) of one unit from its raw values:
    the same arithmetic as :func:`sqms.evaluation.domain.composite` (missing scores drop out, the other
    weights are renormalised) on a prepared :class:`TreePlan`."""
    plan = inds if isinstance(inds, TreePlan) else TreePlan(scheme, inds)
    scores: dict[str, float | None] = {}
    for code in plan.leaves:
        ind = plan.inds[code]
        scores[code] = domain.score(raw.get(code), ind.scoring, ind.params)
    for code in plan.post:
        scores[code] = plan._mean(plan.children[code], scores)
    total = plan._mean(list(zip(plan.roots, plan.root_weights, strict=True)), scores)
    rows = [
        {
            "code": code,
            "name": name,
            "level": level,
            "weight": weight,
            "global_weight": gweight,
            "raw": raw.get(code),
            "score": None if scores[code] is None else round(scores[code], 2),  # type: ignore[arg-type]
        }
        for level, code, name, weight, gweight, _g in plan.rows
    ]
    fuzzy_out = None
    if fuzzy:
        gw = {code: g for _l, code, _n, _w, _gw, g in plan.rows}
        membership = [
            domain.membership_row(
                [(gw[c], scores[c]) for c in plan.leaves_of[r] if scores[c] is not None],  # type: ignore[misc]
                scheme.grades,
            )
            for r in plan.roots
        ]
        fuzzy_out = domain.fuzzy(plan.root_weights, membership, scheme.grades)
    names = {code: name for _l, code, name, *_rest in plan.rows}
    return {
        "unit": unit.code,
        "unit_name": unit.name,
        "unit_kind": unit.kind,
        "depth": unit.depth,
        "score": None if total is None else round(total, 2),
        "grade": domain.grade(total, scheme.grades),
        "indicators": rows,
        "dimensions": [{"code": r, "name": names[r], "score": scores[r]} for r in plan.roots],
        "fuzzy": fuzzy_out,
    }


def score_grid(
    scheme: Scheme,
    plan: TreePlan,
    units: list[OrgUnit],
    n_periods: int,
    raw: dict[str, Any],
    fuzzy: bool = True,
) -> list[list[dict[str, Any]]]:
    """:func:`score_unit` of every unit × period at once: the scoring functions, weighted means and
    grades applied to whole arrays (:mod:`sqms.evaluation.domain`'s vectorised functions, the same
    arithmetic as the scalar ones), then one result dictionary per cell. ``out[period][unit]``."""
    shape = (len(units), n_periods)
    nan = np.full(shape, np.nan)
    scores: dict[str, Any] = {}
    for code in plan.leaves:
        ind = plan.inds[code]
        values = raw.get(code, nan)
        scores[code] = nan if np.isnan(values).all() else domain.score_array(values, ind.scoring, ind.params)
    for code in plan.post:
        scores[code] = domain.weighted_mean_arrays([(w, scores[c]) for c, w in plan.children[code]])
    roots = list(zip(plan.roots, plan.root_weights, strict=True))
    total = domain.weighted_mean_arrays([(w, scores[c]) for c, w in roots]) if roots else nan
    names, grade_ix = domain.grade_index(total, scheme.grades)
    grade_names = [*names, ""]  # index -1: no grade
    names_of = {code: name for _l, code, name, *_rest in plan.rows}
    gw = {code: g for _l, code, _n, _w, _gw, g in plan.rows}

    # one column per indicator, cells in period-major order (pi, ti), built by comprehensions and then
    # transposed to one row per cell (zip): no per-cell Python loop over the tree
    def flat(a: Any) -> list[Any]:
        return [None if v != v else v for v in np.asarray(a).T.ravel().tolist()]

    columns = []
    for level, code, name, weight, gweight, _g in plan.rows:
        raws = flat(raw.get(code, nan))
        rounded = [None if v is None else round(v, 2) for v in flat(scores[code])]
        columns.append(
            [
                {"code": code, "name": name, "level": level, "weight": weight, "global_weight": gweight,
                 "raw": rv, "score": sv}
                for rv, sv in zip(raws, rounded, strict=True)
            ]
        )  # fmt: skip
    dim_columns = [
        [{"code": r, "name": names_of[r], "score": v} for v in flat(scores[r])] for r in plan.roots
    ]
    n_cells = shape[0] * shape[1]
    cell_indicators = (
        [list(c) for c in zip(*columns, strict=True)] if columns else [[] for _c in range(n_cells)]
    )
    cell_dims = (
        [list(c) for c in zip(*dim_columns, strict=True)] if dim_columns else [[] for _c in range(n_cells)]
    )
    totals = flat(total)
    grades = [grade_names[g] for g in grade_ix.T.ravel().tolist()]
    fuzzy_cells: list[Any] = [None] * n_cells
    if fuzzy:
        leaf_scores = {c: flat(scores[c]) for r in plan.roots for c in plan.leaves_of[r]}
        for k in range(n_cells):
            membership = [
                domain.membership_row(
                    [(gw[c], leaf_scores[c][k]) for c in plan.leaves_of[r] if leaf_scores[c][k] is not None],
                    scheme.grades,
                )
                for r in plan.roots
            ]
            fuzzy_cells[k] = domain.fuzzy(plan.root_weights, membership, scheme.grades)
    heads = [(u.code, u.name, u.kind, u.depth) for u in units]
    out: list[list[dict[str, Any]]] = []
    n_units = len(units)
    for pi in range(n_periods):
        base = pi * n_units
        out.append(
            [
                {
                    "unit": code,
                    "unit_name": uname,
                    "unit_kind": kind,
                    "depth": udepth,
                    "score": None if totals[base + ti] is None else round(totals[base + ti], 2),
                    "grade": grades[base + ti] if totals[base + ti] is not None else "",
                    "indicators": cell_indicators[base + ti],
                    "dimensions": cell_dims[base + ti],
                    "fuzzy": fuzzy_cells[base + ti],
                }
                for ti, (code, uname, kind, udepth) in enumerate(heads)
            ]
        )
    return out


def evaluate_units(
    user: Any, scheme: Scheme, inds: list[Indicator], units: list[OrgUnit], period: str, fuzzy: bool = True
) -> list[dict[str, Any]]:
    """:func:`score_unit` of several units for one month from one :func:`raw_arrays`."""
    kpi_domain.period_bounds("month", period)
    raw = raw_arrays(user, inds, units, [period])
    return score_grid(scheme, TreePlan(scheme, inds), units, 1, raw, fuzzy)[0]


def evaluate_unit(
    user: Any, scheme: Scheme, inds: list[Indicator], unit: OrgUnit, period: str
) -> dict[str, Any]:
    return evaluate_units(user, scheme, inds, [unit], period)[0]


def evaluate(
    user: Any, scheme: Scheme, period: str, unit: OrgUnit | None = None, fuzzy: bool = True
) -> dict[str, Any]:
    """Composite scores of the unit's subtree (or every unit in scope) for the month ``period``, ranked
    among peers (units at the same depth), with benchmarks. Raises ValueError on a bad period."""
    return evaluate_periods(user, scheme, [period], unit, fuzzy)[0]


def evaluate_cached(
    user: Any, scheme: Scheme, period: str, unit: OrgUnit | None = None, fuzzy: bool = True
) -> dict[str, Any]:
    """:func:`evaluate` through the cache, under the data versions, the user's scope and the language."""
    parts = (scope_key(user), scheme.pk, scheme.version, period, unit and unit.pk, fuzzy, get_language())
    return dataversion.cached(
        "evaluation.evaluate", ALL_KINDS, parts, lambda: evaluate(user, scheme, period, unit, fuzzy)
    )


def evaluate_periods(
    user: Any, scheme: Scheme, periods: list[str], unit: OrgUnit | None = None, fuzzy: bool | None = None
) -> list[dict[str, Any]]:
    """:func:`evaluate` for several months at once (the same few grouped queries for all of them). The
    fuzzy comprehensive evaluation (the alternative method) is added when ``fuzzy`` is true, by default
    only for schemes whose method is fuzzy."""
    if fuzzy is None:
        fuzzy = scheme.method == "fuzzy"
    for period in periods:
        kpi_domain.period_bounds("month", period)
    qs = org_units(user).filter(active=True, archived_at__isnull=True).select_related(None)
    if unit is not None:
        qs = qs.filter(path__startswith=unit.path)
    unit_list = list(qs.only("code", "name", "name_en", "kind", "depth", "path").order_by("path"))
    inds = indicators(scheme)
    raw = raw_arrays(user, inds, unit_list, periods)
    grid = score_grid(scheme, TreePlan(scheme, inds), unit_list, len(periods), raw, fuzzy)
    name = scheme.name if not (get_language() or "").startswith("en") else (scheme.name_en or scheme.name)
    marks = [{"label": b.label, "value": b.value} for b in scheme.benchmarks.all()]
    groups: dict[int, list[int]] = {}
    for k, u in enumerate(unit_list):
        groups.setdefault(u.depth, []).append(k)
    outs = []
    for pi, period in enumerate(periods):
        out = grid[pi]
        for members in groups.values():
            present = [out[k]["score"] for k in members]
            ranks = domain.rank_array(np.array([np.nan if s is None else s for s in present], dtype=float))
            mark = domain.benchmarks(present)
            for k, rk in zip(members, ranks.tolist(), strict=True):
                r = out[k]
                r["rank"] = rk or None
                r["peers"] = len(members)
                r["benchmark"] = dict(mark)
        outs.append(
            {
                "scheme": scheme.code,
                "version": scheme.version,
                "scheme_name": name,
                "period": period,
                "benchmarks": marks,
                "results": out,
            }
        )
    return outs


def public_json(data: dict[str, Any]) -> dict[str, Any]:
    """The documented JSON shape of ``sqms evaluate``."""
    return {
        "scheme": data["scheme"],
        "period": data["period"],
        "results": [
            {
                "unit": r["unit"],
                "unit_name": r["unit_name"],
                "score": r["score"],
                "grade": r["grade"],
                "rank": r["rank"],
                "indicators": [
                    {"code": i["code"], "name": i["name"], "weight": i["weight"], "score": i["score"]}
                    for i in r["indicators"]
                ],
            }
            for r in data["results"]
        ],
    }


def table_rows(data: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """A flat table (one row per unit) for xlsx/csv and the terminal."""
    from django.utils.translation import gettext as _

    first = data["results"][0]["indicators"] if data["results"] else []
    headers = [_("unit"), _("name"), pgettext("evaluation", "score"), _("grade"), _("rank")] + [
        i["name"] for i in first
    ]
    rows = [
        [r["unit"], r["unit_name"], r["score"], r["grade"], r["rank"]] + [i["score"] for i in r["indicators"]]
        for r in data["results"]
    ]
    return headers, rows


def quality_report_section(user: Any, start: dt.date, end: dt.date, unit_path: str) -> dict[str, Any] | None:
    """The evaluation part of the quality report: the default scheme for the last month of the period,
    composite score and grade of the unit (or the top units in scope) and the ranking of its sub-units."""
    from django.utils.translation import gettext as _

    if not user.has_perm("evaluation.view_result"):
        return None
    scheme = schemes().filter(code="default").order_by("-version").first()
    if scheme is None:
        return None
    unit = OrgUnit.objects.filter(path=unit_path).first() if unit_path else None
    month = kpi_domain.period_key("month", end)
    data = evaluate(user, scheme, month, unit, fuzzy=False)
    results = [r for r in data["results"] if r["score"] is not None]
    if not results:
        return None
    top = min(r["depth"] for r in results)
    head = [r for r in results if r["depth"] == top]
    below = sorted((r for r in results if r["depth"] == top + 1), key=lambda r: (r["rank"] or 0, r["unit"]))
    figures = [{"label": f"{r['unit_name']} ({month})", "value": r["score"]} for r in head[:3]]
    figures += [{"label": _("Grade"), "value": head[0]["grade"]}]
    dims = [d["name"] for d in head[0]["dimensions"]]
    rows = [
        [r["rank"], r["unit_name"], r["score"], r["grade"]]
        + [None if d["score"] is None else round(d["score"], 1) for d in r["dimensions"]]
        for r in below or head
    ]
    return {
        "figures": figures,
        "tables": [
            {
                "title": _("Evaluation ranking (%(scheme)s, %(month)s)")
                % {"scheme": data["scheme_name"], "month": month},
                "columns": [_("Rank"), _("Org unit"), _("Score"), _("Grade"), *dims],
                "rows": rows,
            }
        ],
        "chart": {
            "title": _("Composite score by unit"),
            "labels": [r[1] for r in rows][:12],
            "values": [r[2] for r in rows][:12],
            "series": _("Score"),
        },
        "note": _(
            "Weighted composite of the default evaluation scheme (0–100) for the last month of the period."
        ),
    }
