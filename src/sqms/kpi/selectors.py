"""Reads of service records and rollups, always scoped."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet, Sum

from sqms.core.scoping import scoped
from sqms.kpi.domain import COUNTERS, N_BUCKETS, rates
from sqms.kpi.models import DailyRollup, ServiceRecord
from sqms.org.selectors import unit_by_code


def service_records(user: Any, **filters: Any) -> QuerySet[ServiceRecord]:
    qs = scoped(user, ServiceRecord.objects.select_related("org_unit", "staff"))
    if filters.get("unit"):
        qs = qs.filter(org_unit__path__startswith=unit_by_code(user, filters["unit"]).path)
    if filters.get("since"):
        qs = qs.filter(requested_at__date__gte=filters["since"])
    if filters.get("until"):
        qs = qs.filter(requested_at__date__lte=filters["until"])
    for name in ("service_type", "channel", "external_id", "source"):
        if filters.get(name):
            qs = qs.filter(**{name: filters[name]})
    return qs.order_by("-requested_at", "-id")


def rollups(
    user: Any, *, unit: str | None = None, since: dt.date | None = None, until: dt.date | None = None
):
    qs = scoped(user, DailyRollup.objects.all())
    if unit:
        qs = qs.filter(org_unit__path__startswith=unit_by_code(user, unit).path)
    if since:
        qs = qs.filter(day__gte=since)
    if until:
        qs = qs.filter(day__lte=until)
    return qs


def rollup_summary(
    user: Any, *, unit: str | None = None, since: dt.date | None = None, until: dt.date | None = None
) -> dict[str, Any]:
    """Summed counters and derived rates over the scoped rollups (a subtree when ``unit`` is given)."""
    qs = rollups(user, unit=unit, since=since, until=until)
    sums = qs.aggregate(**{name: Sum(name) for name in COUNTERS})
    out: dict[str, Any] = {name: int(sums[name] or 0) for name in COUNTERS}
    response = [0] * N_BUCKETS
    handling = [0] * N_BUCKETS
    for r_hist, h_hist in qs.values_list("response_hist", "handling_hist").iterator(chunk_size=5000):
        response = [a + b for a, b in zip(response, r_hist, strict=True)]
        handling = [a + b for a, b in zip(handling, h_hist, strict=True)]
    out["response_hist"] = response
    out["handling_hist"] = handling
    out.update(rates(out))
    return out
