"""Back-office pages of the KPI app: the KPI board of a unit and a KPI's history with its control chart."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sqms.core import audit
from sqms.core.errors import NotFound
from sqms.core.io import export_table
from sqms.core.models import AuditAction
from sqms.kpi import selectors
from sqms.kpi.dashboard import tiles
from sqms.kpi.domain import PERIOD_KINDS, period_key, rag
from sqms.kpi.spc_text import rule_text
from sqms.org.models import OrgUnit
from sqms.org.selectors import unit_by_code, units

# the picker's words for the period kinds (the values stay the API's: day, week, month, quarter, year)
PERIOD_LABELS = {
    "day": gettext_lazy("By day"),
    "week": gettext_lazy("By week"),
    "month": gettext_lazy("By month"),
    "quarter": gettext_lazy("By quarter"),
    "year": gettext_lazy("By year"),
}


def _unit(request: HttpRequest) -> OrgUnit | None:
    code = request.GET.get("unit") or ""
    if not code:
        return None
    try:
        return unit_by_code(request.user, code)
    except NotFound as exc:
        raise Http404 from exc


def _date(request: HttpRequest, name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.GET[name]) if request.GET.get(name) else None
    except ValueError:
        return None


def download(data: tuple[bytes, str], filename: str) -> HttpResponse:
    body, content_type = data
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@staff_member_required
def index(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("kpi.view_kpidefinition"):
        raise PermissionDenied
    unit = _unit(request)
    today = timezone.localdate()
    context = {
        **admin.site.each_context(request),
        "title": _("KPIs"),
        "unit": unit,
        "units": units(request.user).filter(archived_at__isnull=True),
        "tiles": tiles(request.user, unit, today),
        "month": period_key("month", today),
    }
    return render(request, "kpi/index.html", context)


@staff_member_required
def detail(request: HttpRequest, code: str) -> HttpResponse:
    if not request.user.has_perm("kpi.view_kpidefinition"):
        raise PermissionDenied
    try:
        kpi = selectors.kpi_by_code(code)
    except NotFound as exc:
        raise Http404 from exc
    unit = _unit(request)
    period = request.GET.get("period") or "month"
    if period not in PERIOD_KINDS:
        period = "month"
    d_since, d_until = selectors.default_range(period, timezone.localdate())
    since, until = _date(request, "since") or d_since, _date(request, "until") or d_until
    if since > until:
        since, until = d_since, d_until
    series = selectors.kpi_series(request.user, kpi, unit, period, since, until)
    if request.GET.get("format") in ("xlsx", "csv"):
        fmt = request.GET["format"]
        headers = [_("period"), _("from"), _("to"), _("value"), _("numerator"), _("denominator"), _("status")]
        rows = [
            [p["period"], p["since"], p["until"], p["value"], p["numerator"], p["denominator"], p["status"]]
            for p in series["points"]
        ]
        audit.record(actor=request.user, action=AuditAction.EXPORT, verb=f"export kpi {kpi.code} {fmt}")
        return download(export_table(headers, rows, fmt), f"kpi-{kpi.code}.{fmt}")
    chart = series["chart"]
    signal_points = set()
    signals = []
    if chart is not None:
        for s in chart.signals:
            signal_points.update(s["points"])
            signals.append(
                {
                    "rule": s["rule"],
                    "periods": [series["charted"][i] for i in s["points"]],
                    "text": rule_text(s["rule"]),
                }
            )
    chart_data = {
        "labels": series["charted"],
        "values": chart.values if chart else [p["value"] for p in series["points"] if p["value"] is not None],
        "center": chart.center if chart else None,
        "lcl": chart.lcl if chart else [],
        "ucl": chart.ucl if chart else [],
        "signals": sorted(signal_points),
        "target": series["thresholds"].target,
        "names": {
            "value": str(kpi),
            "center": _("center line"),
            "lcl": _("lower control limit"),
            "ucl": _("upper control limit"),
            "target": _("target"),
        },
    }
    context = {
        **admin.site.each_context(request),
        "title": str(kpi),
        "kpi": kpi,
        "unit": unit,
        "units": units(request.user).filter(archived_at__isnull=True),
        "period": period,
        "periods": [(p, PERIOD_LABELS[p]) for p in PERIOD_KINDS],
        "since": since,
        "until": until,
        "series": series,
        "chart_kind": chart.kind if chart else "",
        "signals": signals,
        "chart_data": chart_data,
        "alerts": selectors.alerts(request.user).filter(kpi=kpi)[:20],
    }
    return render(request, "kpi/detail.html", context)


__all__ = ["detail", "download", "index", "rag"]
