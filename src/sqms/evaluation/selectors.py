"""Evaluation reads: schemes, the indicator tree, raw indicator values of a unit (KPIs from the rollups
and feedback/surveys through the KPI selectors, survey dimension scores through the surveys selectors,
manual scores) and the composite evaluation of units for a period."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from django.db.models import Avg, QuerySet
from django.utils.translation import get_language

from sqms.core.errors import NotFound
from sqms.core.scoping import scoped
from sqms.evaluation import domain
from sqms.evaluation.models import Indicator, ManualScore, Result, Scheme
from sqms.kpi import domain as kpi_domain
from sqms.kpi import selectors as kpi_selectors
from sqms.org.models import OrgUnit
from sqms.org.selectors import units as org_units


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


def survey_dimension_mean(
    user: Any, unit: OrgUnit, since: dt.date, until: dt.date, dimension: str
) -> float | None:
    """Mean (reverse items flipped) of the perception items of a survey dimension in the unit's subtree."""
    from sqms.surveys import domain as sv_domain
    from sqms.surveys import selectors as sv
    from sqms.surveys.models import SurveyVersion

    start, end = kpi_selectors._aware_range(since, until)
    qs = sv.responses(user).filter(
        included=True, submitted_at__gte=start, submitted_at__lt=end, org_unit__path__startswith=unit.path
    )
    total, n = 0.0, 0
    for version in SurveyVersion.objects.filter(pk__in=set(qs.values_list("version_id", flat=True))):
        idx = [
            j
            for j, it in enumerate(version.items)
            if it.get("dimension") == dimension and not it.get("attention") and it.get("part") != "E"
        ]
        if not idx:
            continue
        x = sv_domain.score(sv.matrix(qs, version), version.items)[:, idx]
        vals = x[~np.isnan(x)]
        total += float(vals.sum())
        n += int(vals.size)
    return total / n if n else None


def raw_values(user: Any, inds: list[Indicator], unit: OrgUnit, period: str) -> dict[str, float | None]:
    """The raw value of every leaf indicator for the unit's subtree over the month ``period``."""
    since, until = kpi_domain.period_bounds("month", period)
    leaves = [i for i in inds if i.source != "children"]
    kpi_codes = {i.kpi_code for i in leaves if i.source == "kpi"}
    sources = {kpi_selectors.SOURCE_OF.get(c, "records") for c in kpi_codes}
    if any(i.source == "rating" for i in leaves):
        sources.add("records")
    sums = kpi_selectors.kpi_sums(user, unit, since, until, sources) if sources else {}
    out: dict[str, float | None] = {}
    for i in leaves:
        value: float | None = None
        if i.source == "kpi" and i.kpi_code in kpi_selectors.SOURCE_OF:
            value = kpi_domain.kpi_value(i.kpi_code, sums)
        elif i.source == "rating":
            value = sums["rating_sum"] / sums["rating_count"] if sums.get("rating_count") else None
        elif i.source == "survey" and i.survey_dimension:
            value = survey_dimension_mean(user, unit, since, until, i.survey_dimension)
        elif i.source == "manual":
            avg = (
                manual_scores(user)
                .filter(indicator=i, period=period, org_unit__path__startswith=unit.path)
                .aggregate(v=Avg("value"))["v"]
            )
            value = None if avg is None else float(avg)
        if value is not None and i.params.get("divide"):
            value = value / float(i.params["divide"])
        out[i.code] = value
    return out


def evaluate_unit(
    user: Any, scheme: Scheme, inds: list[Indicator], unit: OrgUnit, period: str
) -> dict[str, Any]:
    raw = raw_values(user, inds, unit, period)
    by_code = {i.code: i for i in inds}
    roots = build_tree(inds)
    for _level, node in domain.flatten(roots):
        if not node.children:
            ind = by_code[node.code]
            node.score = domain.score(raw.get(node.code), ind.scoring, ind.params)
    total = domain.composite(roots)
    rows = [
        {
            "code": n.code,
            "name": n.name,
            "level": level,
            "weight": round(n.weight, 6),
            "global_weight": round(n.global_weight, 6),
            "raw": raw.get(n.code),
            "score": None if n.score is None else round(n.score, 2),
        }
        for level, n in domain.flatten(roots)
    ]
    membership = []
    for root in roots:
        leaves = [(n.global_weight, n.score) for _l, n in domain.flatten([root]) if not n.children]
        membership.append(domain.membership_row([(w, s) for w, s in leaves if s is not None], scheme.grades))
    fuzzy = domain.fuzzy([r.weight for r in roots], membership, scheme.grades)
    return {
        "unit": unit.code,
        "unit_name": unit.name,
        "unit_kind": unit.kind,
        "depth": unit.depth,
        "score": None if total is None else round(total, 2),
        "grade": domain.grade(total, scheme.grades),
        "indicators": rows,
        "dimensions": [{"code": r.code, "name": r.name, "score": r.score} for r in roots],
        "fuzzy": fuzzy,
    }


def evaluate(user: Any, scheme: Scheme, period: str, unit: OrgUnit | None = None) -> dict[str, Any]:
    """Composite scores of the unit's subtree (or every unit in scope) for the month ``period``, ranked
    among peers (units at the same depth), with benchmarks. Raises ValueError on a bad period."""
    kpi_domain.period_bounds("month", period)
    qs = org_units(user).filter(active=True, archived_at__isnull=True)
    if unit is not None:
        qs = qs.filter(path__startswith=unit.path)
    inds = indicators(scheme)
    out = [evaluate_unit(user, scheme, inds, u, period) for u in qs.order_by("path")]
    by_depth: dict[int, dict[str, float | None]] = {}
    for r in out:
        by_depth.setdefault(r["depth"], {})[r["unit"]] = r["score"]
    ranks = {d: domain.rank(s) for d, s in by_depth.items()}
    for r in out:
        r["rank"] = ranks[r["depth"]][r["unit"]]
        r["peers"] = len(by_depth[r["depth"]])
        r["benchmark"] = domain.benchmarks(list(by_depth[r["depth"]].values()))
    return {
        "scheme": scheme.code,
        "version": scheme.version,
        "scheme_name": scheme.name
        if not (get_language() or "").startswith("en")
        else (scheme.name_en or scheme.name),
        "period": period,
        "benchmarks": [{"label": b.label, "value": b.value} for b in scheme.benchmarks.all()],
        "results": out,
    }


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
    headers = [_("unit"), _("name"), _("score"), _("grade"), _("rank")] + [i["name"] for i in first]
    rows = [
        [r["unit"], r["unit_name"], r["score"], r["grade"], r["rank"]] + [i["score"] for i in r["indicators"]]
        for r in data["results"]
    ]
    return headers, rows
