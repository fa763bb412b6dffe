"""Reads of service records and rollups, always scoped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import numpy as np
from django.db.models import F, QuerySet, Sum
from django.utils import timezone

from sqms.core.errors import NotFound
from sqms.core.scoping import scoped
from sqms.kpi.domain import (
    COUNTERS,
    LIBRARY,
    N_BUCKETS,
    Thresholds,
    control_chart,
    empty_sums,
    kpi_fraction,
    kpi_value,
    objective_progress,
    objective_status,
    period_bounds,
    period_key,
    periods_between,
    rag,
    rates,
)
from sqms.kpi.models import DailyRollup, KpiAlert, KpiDefinition, KpiOverride, QualityObjective, ServiceRecord
from sqms.org.models import OrgUnit
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


# --- KPIs -------------------------------------------------------------------------------------------------


class _System:
    """The periodic alert evaluation reads the whole organisation."""

    pk = None
    is_authenticated = True
    is_active = True
    is_superuser = True

    def has_perm(self, perm: str) -> bool:
        return True


SYSTEM = _System()


def kpis(active_only: bool = True) -> QuerySet[KpiDefinition]:
    qs = KpiDefinition.objects.filter(archived_at__isnull=True)
    return qs.filter(active=True) if active_only else qs


def kpi_by_code(code: str) -> KpiDefinition:
    obj = kpis(active_only=False).filter(code=code).first()
    if obj is None:
        raise NotFound()
    return obj


def _aware_range(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    return (
        dt.datetime.combine(since, dt.time.min, tzinfo=tz),
        dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def feedback_sums(user: Any, path: str | None, since: dt.date, until: dt.date) -> dict[str, int]:
    """Complaints, SLA outcomes, ratings and rectifications of the subtree, through feedback's selectors."""
    from sqms.feedback import selectors as fb

    start, end = _aware_range(since, until)
    under = {"org_unit__path__startswith": path} if path else {}
    tickets = fb.tickets(user).filter(received_at__gte=start, received_at__lt=end, **under)
    with_sla = tickets.filter(resolution_due__isnull=False)
    ratings = fb.ratings(user).filter(excluded=False, rated_at__gte=start, rated_at__lt=end, **under)
    rects = fb.rectifications(user).filter(due_at__gte=start, due_at__lt=end, **under)
    return {
        "complaints": tickets.filter(kind="complaint").count(),
        "sla_total": with_sla.count(),
        "sla_met": with_sla.filter(breached=False).count(),
        "ratings": ratings.count(),
        "bad_ratings": ratings.filter(score__lte=2).count(),
        "rect_due": rects.count(),
        "rect_on_time": rects.filter(completed_at__isnull=False, completed_at__lte=F("due_at")).count(),
    }


def survey_sums(user: Any, path: str | None, since: dt.date, until: dt.date) -> dict[str, int]:
    """CSAT (top-2-box of overall satisfaction items) and NPS counts of the subtree's included responses,
    through the surveys app's selectors."""
    from sqms.surveys import selectors as sv
    from sqms.surveys.models import SurveyVersion

    start, end = _aware_range(since, until)
    qs = sv.responses(user).filter(included=True, submitted_at__gte=start, submitted_at__lt=end)
    if path:
        qs = qs.filter(org_unit__path__startswith=path)
    out = {"csat_n": 0, "csat_top": 0, "nps_n": 0, "nps_promoters": 0, "nps_detractors": 0}
    version_ids = set(qs.values_list("version_id", flat=True).distinct())
    for version in SurveyVersion.objects.filter(pk__in=version_ids):
        x = sv.matrix(qs, version)
        for j, it in enumerate(version.items):
            col = x[:, j]
            col = col[~np.isnan(col)]
            if it["type"] == "nps":
                out["nps_n"] += int(col.size)
                out["nps_promoters"] += int((col >= 9).sum())
                out["nps_detractors"] += int((col <= 6).sum())
            elif (
                it["type"] == "likert"
                and not it.get("dimension")
                and not it.get("attention")
                and it.get("max")
            ):
                out["csat_n"] += int(col.size)
                out["csat_top"] += int((col > it["max"] - 2).sum())
    return out


SOURCE_OF = {d["code"]: d["source"] for d in LIBRARY}


def kpi_sums(
    user: Any,
    unit: OrgUnit | None,
    since: dt.date,
    until: dt.date,
    sources: Iterable[str] = ("records",),
    codes: Iterable[str] = (),
) -> dict[str, Any]:
    """Summed numerators and denominators of the unit's subtree (or the user's whole scope) over the
    range, from the sources asked for; with the ``registered`` source, the figures of the KPIs ``codes``
    computed by registered functions (:mod:`sqms.kpi.sources`)."""
    sums = empty_sums()
    path = unit.path if unit is not None else None
    wanted = set(sources)
    if "records" in wanted or "feedback" in wanted:  # the complaint rate divides by service volume
        qs = rollups(user, since=since, until=until)
        if path:
            qs = qs.filter(org_unit__path__startswith=path)
        agg = qs.aggregate(**{name: Sum(name) for name in COUNTERS})
        sums.update({name: int(agg[name] or 0) for name in COUNTERS})
        if "records" in wanted:
            for r_hist, h_hist in qs.values_list("response_hist", "handling_hist").iterator(chunk_size=5000):
                sums["response_hist"] = [a + b for a, b in zip(sums["response_hist"], r_hist, strict=True)]
                sums["handling_hist"] = [a + b for a, b in zip(sums["handling_hist"], h_hist, strict=True)]
    if "feedback" in wanted:
        sums.update(feedback_sums(user, path, since, until))
    if "surveys" in wanted:
        sums.update(survey_sums(user, path, since, until))
    if "registered" in wanted:
        sums.update(registered_sums(user, unit, since, until, codes))
    return sums


def registered_sums(
    user: Any, unit: OrgUnit | None, since: dt.date, until: dt.date, codes: Iterable[str]
) -> dict[str, Any]:
    """``{value:<code>: figure}`` of registered KPI sources for the unit's subtree (the whole scope when
    ``unit`` is None: the user's top units, the figure of the first one that has data)."""
    from sqms.kpi import sources
    from sqms.kpi.domain import registered_key

    if unit is not None:
        paths = [unit.path]
    else:
        from sqms.org.selectors import units as org_units

        visible = list(org_units(user).values_list("path", flat=True))
        paths = [p for p in visible if not any(p != q and p.startswith(q) for q in visible)]
    out: dict[str, Any] = {}
    for code in codes:
        if sources.kpi_source(code) is None:
            continue
        values = sources.source_values(code, paths, since, until)
        present = [v for v in values.values() if v is not None]
        out[registered_key(code)] = present[0] if len(present) == 1 else None
    return out


def thresholds(kpi: KpiDefinition, unit: OrgUnit | None) -> Thresholds:
    """The KPI's thresholds for the unit: the nearest override on the unit's path, else the defaults."""
    t = Thresholds(kpi.direction, kpi.target, kpi.warning, kpi.critical)
    if unit is None:
        return t
    ids = [p for p in unit.path.strip("/").split("/") if p]
    overrides = {o.org_unit_id: o for o in KpiOverride.objects.filter(kpi=kpi, org_unit_id__in=ids)}
    for uid in ids:  # root first: the nearest (last) override wins field by field
        o = overrides.get(int(uid))
        if o is not None:
            t = Thresholds(
                kpi.direction,
                o.target if o.target is not None else t.target,
                o.warning if o.warning is not None else t.warning,
                o.critical if o.critical is not None else t.critical,
            )
    return t


def default_range(period: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The last 12 periods up to today (31 days for days)."""
    if period == "day":
        return today - dt.timedelta(days=30), today
    if period == "week":
        return today - dt.timedelta(weeks=11, days=today.weekday()), today
    if period == "month":
        y, m = today.year, today.month - 11
        while m <= 0:
            y, m = y - 1, m + 12
        return dt.date(y, m, 1), today
    if period == "quarter":
        return period_bounds("quarter", period_key("quarter", today - dt.timedelta(days=3 * 365 - 92)))[
            0
        ], today
    return dt.date(today.year - 4, 1, 1), today


def kpi_series(
    user: Any,
    kpi: KpiDefinition,
    unit: OrgUnit | None,
    period: str,
    since: dt.date,
    until: dt.date,
) -> dict[str, Any]:
    """The KPI's values per period with status, thresholds and its control chart."""
    t = thresholds(kpi, unit)
    points = []
    for key, start, end in periods_between(period, since, until):
        sums = kpi_sums(user, unit, start, end, (SOURCE_OF.get(kpi.code, "records"),), (kpi.code,))
        value = kpi_value(kpi.code, sums)
        frac = kpi_fraction(kpi.code, sums)
        points.append(
            {
                "period": key,
                "since": start,
                "until": end,
                "value": value,
                "numerator": frac[0] if frac else None,
                "denominator": frac[1] if frac else None,
                "status": rag(value, t),
            }
        )
    with_value = [p for p in points if p["value"] is not None]
    fractions = None
    if with_value and all(p["denominator"] for p in with_value):
        fractions = [(p["numerator"], p["denominator"]) for p in with_value]
    chart = control_chart([p["value"] for p in with_value], fractions)
    return {"kpi": kpi, "unit": unit, "period": period, "thresholds": t, "points": points,
            "chart": chart, "charted": [p["period"] for p in with_value]}  # fmt: skip


def latest_value(
    user: Any, kpi: KpiDefinition, unit: OrgUnit | None, since: dt.date, until: dt.date
) -> float | None:
    sources = (SOURCE_OF.get(kpi.code, "records"),)
    return kpi_value(kpi.code, kpi_sums(user, unit, since, until, sources, (kpi.code,)))


def alerts(user: Any) -> QuerySet[KpiAlert]:
    return scoped(user, KpiAlert.objects.select_related("kpi", "org_unit", "acknowledged_by"))


def objectives(user: Any) -> QuerySet[QualityObjective]:
    return scoped(user, QualityObjective.objects.active().select_related("kpi", "org_unit", "owner"))


def objective_figures(user: Any, obj: QualityObjective, today: dt.date) -> dict[str, Any]:
    """The objective's current KPI value (from its start to today, or to the deadline), progress and status."""
    end = min(today, obj.deadline)
    current = latest_value(user, obj.kpi, obj.org_unit, obj.start, end) if end >= obj.start else None
    return {
        "current": current,
        "progress": objective_progress(current, obj.baseline, obj.target),
        "status": objective_status(
            current=current,
            baseline=obj.baseline,
            target=obj.target,
            direction=obj.kpi.direction,
            start=obj.start,
            deadline=obj.deadline,
            today=today,
        ),
    }
