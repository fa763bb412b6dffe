"""Back-office pages: run an evaluation, its result (indicator tree, radar chart, ranking, Excel export),
AHP weighting of a scheme level, and the executive dashboard with drill-down."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from sqms.core import audit, dataversion
from sqms.core.errors import DomainError, NotFound, ValidationFailed
from sqms.core.io import export_table
from sqms.core.models import AuditAction
from sqms.evaluation import selectors, services
from sqms.kpi import selectors as kpi_selectors
from sqms.kpi.dashboard import tiles as kpi_tiles
from sqms.kpi.domain import period_bounds, period_key
from sqms.kpi.views import download
from sqms.org.models import OrgUnit
from sqms.org.selectors import unit_by_code, units


def _need(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _unit(request: HttpRequest, code: str | None) -> OrgUnit | None:
    if not code:
        return None
    try:
        return unit_by_code(request.user, code)
    except NotFound as exc:
        raise Http404 from exc


def _scheme(code: str) -> Any:
    try:
        return selectors.scheme_by_code(code)
    except NotFound as exc:
        raise Http404 from exc


def last_month() -> str:
    first = timezone.localdate().replace(day=1)
    return period_key("month", first - timezone.timedelta(days=1))


@staff_member_required
def index(request: HttpRequest) -> HttpResponse:
    _need(request, "evaluation.view_scheme")
    if request.method == "POST":
        _need(request, "evaluation.add_result")
        scheme = _scheme(request.POST.get("scheme", ""))
        period = request.POST.get("period", "")
        unit = _unit(request, request.POST.get("unit"))
        try:
            services.run_evaluation(actor=request.user, scheme=scheme, period=period, unit=unit)
        except DomainError as exc:
            reasons = [r for rs in (exc.fields or {}).values() for r in rs]
            messages.error(request, " ".join([exc.message, *reasons]))
            return HttpResponseRedirect(request.path)
        url = reverse("evaluation:result", args=[scheme.code, period])
        return HttpResponseRedirect(url + (f"?unit={unit.code}" if unit else ""))
    context = {
        **admin.site.each_context(request),
        "title": _("Evaluation"),
        "schemes": selectors.schemes(),
        "units": units(request.user).filter(archived_at__isnull=True),
        "period": last_month(),
        "runs": selectors.results(request.user)
        .values("scheme__code", "scheme__name", "scheme__version", "period")
        .distinct()
        .order_by("-period")[:30],
    }
    return render(request, "evaluation/index.html", context)


@staff_member_required
def result(request: HttpRequest, code: str, period: str) -> HttpResponse:
    _need(request, "evaluation.view_result")
    scheme = _scheme(code)
    unit = _unit(request, request.GET.get("unit"))
    try:
        data = selectors.evaluate_cached(request.user, scheme, period, unit)
    except ValueError as exc:
        raise Http404 from exc
    if request.GET.get("format") in ("xlsx", "csv"):
        fmt = request.GET["format"]
        headers, rows = selectors.table_rows(data)
        audit.record(
            actor=request.user, action=AuditAction.EXPORT, verb=f"export evaluation {code} {period} {fmt}"
        )
        return download(export_table(headers, rows, fmt), f"evaluation-{code}-{period}.{fmt}")
    results = data["results"]
    focus = next((r for r in results if unit and r["unit"] == unit.code), results[0] if results else None)
    if request.GET.get("focus"):
        focus = next((r for r in results if r["unit"] == request.GET["focus"]), focus)
    ranking = sorted(
        [r for r in results if focus and r["depth"] == focus["depth"]] or results,
        key=lambda r: (r["rank"] is None, r["rank"] or 0),
    )
    radar = {
        "labels": [d["name"] for d in focus["dimensions"]] if focus else [],
        "values": [d["score"] for d in focus["dimensions"]] if focus else [],
        "label": focus["unit_name"] if focus else "",
    }
    context = {
        **admin.site.each_context(request),
        "title": _("Evaluation result"),
        "scheme": scheme,
        "period": period,
        "unit": unit,
        "data": data,
        "focus": focus,
        "ranking": ranking,
        "radar": radar,
        "query": urlencode({k: v for k, v in request.GET.items() if k != "format"}),
        "improve_url": _improve_url(request),
        "weak_below": WEAK_BELOW,
    }
    return render(request, "evaluation/result.html", context)


WEAK_BELOW = 80  # indicators scoring below this (under 良好) offer "Send to improvement"

# Messages of sqms.improvement.from_evaluation (the upper app's view behind that button), kept in this
# app's catalogue since the improvement catalogue belongs to another part of the code base.
FROM_EVALUATION_MESSAGES = (
    gettext_noop("Unknown evaluation scheme."),
    gettext_noop("No indicator with this code in the scheme."),
    gettext_noop("Improve %(indicator)s at %(unit)s"),
    gettext_noop(
        "Evaluation %(scheme)s, %(period)s: indicator %(indicator)s scored %(score)s of 100 "
        "(unit composite %(total)s, grade %(grade)s)."
    ),
    gettext_noop("Unknown org unit."),
    gettext_noop("Improvement project %(number)s created."),
)


def _improve_url(request: HttpRequest) -> str:
    """The improvement app's "new project from an evaluation" URL (an upper layer: looked up by name,
    absent when that app is not installed or the user may not add projects)."""
    from django.urls import NoReverseMatch

    if not request.user.has_perm("improvement.add_improvementproject"):
        return ""
    try:
        return reverse("improvement:from_evaluation")
    except NoReverseMatch:
        return ""


@staff_member_required
def weights(request: HttpRequest, code: str) -> HttpResponse:
    """AHP weighting of one level of a scheme: the pairwise matrix (upper triangle) entered in the page."""
    _need(request, "evaluation.change_scheme")
    scheme = _scheme(code)
    parent = request.GET.get("parent", "")
    inds = selectors.indicators(scheme)
    parent_obj = next((i for i in inds if i.code == parent), None)
    children = [i for i in inds if i.parent_id == (parent_obj.pk if parent_obj else None)]
    n = len(children)
    stored = scheme.ahp.get(parent or "_")
    matrix = [[1.0] * n for _i in range(n)]
    if stored and stored.get("names") == [c.code for c in children]:
        matrix = stored["matrix"]
    errors: list[str] = []
    message = ""
    if request.method == "POST":
        try:
            for i in range(n):
                for j in range(i + 1, n):
                    raw = request.POST.get(f"a-{i}-{j}", "1").strip()
                    v = float(raw.split("/")[0]) / float(raw.split("/")[1]) if "/" in raw else float(raw)
                    matrix[i][j] = v
                    matrix[j][i] = 1.0 / v if v else 0.0
        except (ValueError, ZeroDivisionError):
            errors = [_("Each judgement must be a number like 3 or 1/3.")]
        if not errors:
            try:
                out = services.set_ahp_weights(
                    actor=request.user, scheme=scheme, parent=parent, matrix=matrix
                )
            except ValidationFailed as exc:
                message = exc.message
                errors = exc.fields.get("matrix", [])
            else:
                messages.success(request, _("Weights saved (CR = %(cr).3f).") % {"cr": out["cr"]})
                return HttpResponseRedirect(request.get_full_path())
    cells = [
        [{"i": i, "j": j, "value": _fmt(matrix[i][j]), "editable": j > i} for j in range(n)] for i in range(n)
    ]
    context = {
        **admin.site.each_context(request),
        "title": _("AHP weighting"),
        "scheme": scheme,
        "parent": parent_obj,
        "levels": [i for i in inds if any(c.parent_id == i.pk for c in inds)],
        "children": children,
        "rows": list(zip(children, cells, strict=True)),
        "errors": errors,
        "message": message,
        "cr": stored.get("cr") if stored else None,
    }
    return render(request, "evaluation/weights.html", context, status=422 if errors else 200)


def _fmt(v: float) -> str:
    if v >= 1:
        return f"{v:g}"
    return f"1/{1 / v:g}" if v > 0 else "0"


@staff_member_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Executive dashboard: composite index of the unit's children, KPI tiles with sparklines and
    red/amber/green, open alerts; every child links one level down (company → region → branch → team)."""
    _need(request, "evaluation.view_result")
    period = request.GET.get("period") or last_month()
    unit = _unit(request, request.GET.get("unit"))
    visible = units(request.user).filter(archived_at__isnull=True, active=True)
    if unit is None:
        unit = visible.order_by("depth", "path").first()
    if unit is None:
        raise PermissionDenied
    scheme = (
        selectors.schemes().filter(code=request.GET.get("scheme", "default")).order_by("-version").first()
    )
    try:
        period_end = period_bounds("month", period)[1]
    except ValueError as exc:
        raise Http404 from exc
    today = min(period_end, timezone.localdate())
    figures = dataversion.cached(
        "evaluation.dashboard",
        selectors.ALL_KINDS,
        (selectors.scope_key(request.user), unit.pk, period, scheme and scheme.pk, get_language(), today),
        lambda: dashboard_figures(request.user, visible, unit, scheme, period, today),
    )
    context = {
        **admin.site.each_context(request),
        "title": _("Executive dashboard"),
        "unit": unit,
        "period": period,
        "scheme": scheme,
        **figures,
        "alerts": kpi_selectors.alerts(request.user)
        .filter(acknowledged_at__isnull=True, org_unit__path__startswith=unit.path)
        .order_by("-created_at")[:10],
    }
    return render(request, "evaluation/dashboard.html", context)


def dashboard_figures(
    user: Any, visible: Any, unit: OrgUnit, scheme: Any, period: str, today: Any
) -> dict[str, Any]:
    """The dashboard's computed part (composite index of the unit and its children, KPI tiles, the
    trail): cached by :func:`dashboard` under the data versions, the user's scope, unit, period, scheme,
    language and day. Alerts are read on every request (a cheap query, acknowledged at once)."""
    children = list(visible.filter(parent=unit).order_by("code"))
    rows: list[dict[str, Any]] = []
    if scheme is not None:
        try:
            inds = selectors.indicators(scheme)
            rows = selectors.evaluate_units(user, scheme, inds, [unit, *children], period)
        except ValueError as exc:
            raise Http404 from exc
    own = rows[0] if rows else None
    child_rows = rows[1:]
    scored = [r for r in child_rows if r["score"] is not None]
    trail: list[OrgUnit] = []
    node: OrgUnit | None = unit
    while node is not None and visible.filter(pk=node.pk).exists():
        trail.insert(0, node)
        node = node.parent
    return {
        "trail": trail,
        "own": own,
        "children": child_rows,
        "best": max(scored, key=lambda r: r["score"]) if scored else None,
        "worst": min(scored, key=lambda r: r["score"]) if scored else None,
        "tiles": kpi_tiles(user, unit, today),
        "bars": {"labels": [r["unit_name"] for r in child_rows], "values": [r["score"] for r in child_rows]},
    }
