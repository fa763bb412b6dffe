from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import dataversion
from sqms.kpi import selectors
from sqms.org.models import OrgUnit


def on_time_card(request: HttpRequest) -> dict[str, Any] | None:
    """This month's on-time completion rate and volume for the user's scope, from the rollups."""
    user = request.user
    if not user.has_perm("kpi.view_dailyrollup"):
        return None
    today = timezone.localdate()
    rate, total, complaints = dataversion.cached(
        "kpi.on_time_card", ("kpi", "feedback", "org"), (selectors.scope_key(user), today),
        lambda: _figures(user, today),
    )  # fmt: skip
    url = reverse("admin:kpi_servicerecord_changelist")
    return {
        "title": _("Service performance this month"),
        "figures": [
            {"label": _("On-time rate"), "value": "—" if rate is None else f"{rate:.1%}", "url": url},
            {"label": _("Services"), "value": total, "url": url},
            {
                "label": _("Complaints per 10,000 services"),
                "value": "—" if complaints is None else f"{complaints:.1f}",
                "url": reverse("kpi:detail", args=["complaint_rate"]),
            },
        ],
        "note": _("From the daily rollups of your org units."),
    }


def _figures(user: Any, today: Any) -> tuple[float | None, int, float | None]:
    """This month's on-time rate, volume and complaints per 10,000 services in the user's scope."""
    from sqms.kpi.domain import kpi_value

    figures = selectors.rollup_summary(user, since=today.replace(day=1), until=today)
    complaints = kpi_value(
        "complaint_rate", selectors.kpi_sums(user, None, today.replace(day=1), today, ("feedback",))
    )
    return figures["on_time_rate"], figures["total"], complaints


def tiles(user: Any, unit: OrgUnit | None, today: dt.date) -> list[dict[str, Any]]:
    """Every active KPI this month for the unit: value, status, and the last 12 months as a sparkline
    (without control charts: tiles do not show them). The KPI board and the executive dashboard use it."""
    since, until = selectors.default_range("month", today)
    out = []
    for series in selectors.kpi_board_series(user, selectors.kpis(), unit, "month", since, until, False):
        last = series["points"][-1]
        out.append(
            {
                "kpi": series["kpi"],
                "value": last["value"],
                "status": last["status"],
                "spark": [p["value"] for p in series["points"]],
                "thresholds": series["thresholds"],
            }
        )
    return out
