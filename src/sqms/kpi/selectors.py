"""Reads of service records and rollups, always scoped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import numpy as np
from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone

from sqms.core.errors import NotFound
from sqms.core.scoping import paths_in, scoped
from sqms.kpi.domain import (
    COUNTERS,
    EXTRA_SUMS,
    FIELD_INDEX,
    GRID_FIELDS,
    HANDLING_COLUMNS,
    HIST_FIELDS,
    LIBRARY,
    RESPONSE_COLUMNS,
    Period,
    Thresholds,
    control_chart,
    fold,
    grain_for,
    kpi_fraction,
    kpi_value,
    objective_progress,
    objective_status,
    period_bounds,
    period_key,
    periods_between,
    rag,
    rates,
    sums_of,
)
from sqms.kpi.models import (
    DailyRollup,
    KpiAlert,
    KpiDefinition,
    KpiOverride,
    MonthlyRollup,
    QualityObjective,
    ServiceRecord,
)
from sqms.org.models import OrgUnit
from sqms.org.selectors import unit_by_code


def scope_key(user: Any) -> Any:
    """What the scoped reads of ``user`` depend on: users with the same scope share cached read models
    (:mod:`sqms.core.dataversion`)."""
    from sqms.core.scoping import scope_for

    s = scope_for(user)
    return (s.all_units, s.unit_paths, s.own_only, s.user_id if s.own_only else None, sorted(s.roles))


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
    sums = qs.aggregate(**{name: Sum(name) for name in (*COUNTERS, *HIST_FIELDS)})
    out: dict[str, Any] = {name: int(sums[name] or 0) for name in COUNTERS}
    out["response_hist"] = [int(sums[name] or 0) for name in RESPONSE_COLUMNS]
    out["handling_hist"] = [int(sums[name] or 0) for name in HANDLING_COLUMNS]
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


# --- grouped reads: one query per source, folded in numpy (sqms.kpi.domain.fold) --------------------------


def _tz() -> dt.tzinfo:
    return timezone.get_default_timezone()


def _grain_value(value: Any, grain: str) -> dt.date:
    """A grain key from the database (a date, a datetime or 'YYYY-MM' text) as its first day."""
    if isinstance(value, dt.datetime):
        value = value.astimezone(_tz()).date() if timezone.is_aware(value) else value.date()
    elif isinstance(value, str):
        value = dt.date.fromisoformat(value + "-01" if len(value) == 7 else value[:10])
    return value.replace(day=1) if grain == "month" else value


def _fixed_offset(since: dt.date, until: dt.date) -> dt.timedelta | None:
    """The site zone's UTC offset when it is the same over the whole range (no DST change), else None."""
    tz = _tz()
    offsets = {
        dt.datetime.combine(d, dt.time(12), tzinfo=tz).utcoffset()
        for d in (since, until, dt.date(since.year, 1, 15), dt.date(since.year, 7, 15))
    }
    return offsets.pop() if len(offsets) == 1 else None


def _datetime_grain(field: str, grain: str, since: dt.date, until: dt.date) -> Any:
    """SQL for the local day or month of a DateTimeField. SQLite stores UTC text: with a fixed offset the
    local day is ``substr(datetime(field, '+480 minutes'), 1, 10)`` (native functions, no Python UDF per
    row); otherwise Django's Trunc* (date_trunc on PostgreSQL)."""
    from django.db import connection
    from django.db.models import CharField, Func, Value
    from django.db.models.functions import Substr, TruncDate, TruncMonth

    offset = _fixed_offset(since, until)
    if connection.vendor == "sqlite" and offset is not None:
        minutes = int(offset.total_seconds() // 60)
        local = Func(F(field), Value(f"{minutes:+d} minutes"), function="datetime", output_field=CharField())
        return Substr(local, 1, 7 if grain == "month" else 10)
    return TruncMonth(field, tzinfo=_tz()) if grain == "month" else TruncDate(field, tzinfo=_tz())


class Rows:
    """Grouped rows of one source: (unit path, grain day) and the grid vector of each, kept as blocks
    (one 2-D array per query) so a query's rows are placed in the grid width with one numpy operation."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.grains: list[dt.date] = []
        self.blocks: list[Any] = []

    def add(self, path: str | None, grain: dt.date, columns: dict[str, Any]) -> None:
        if path is None:
            return
        vec = np.zeros((1, len(GRID_FIELDS)))
        for name, value in columns.items():
            if value:
                vec[0, FIELD_INDEX[name]] = float(value)
        self.paths.append(path)
        self.grains.append(grain)
        self.blocks.append(vec)

    def add_block(self, paths: list[str], grains: list[dt.date], block: Any) -> None:
        if paths:
            self.paths.extend(paths)
            self.grains.extend(grains)
            self.blocks.append(block)

    def add_grouped(self, qs: QuerySet[Any], names: list[str], id_path: dict[int, str], grain: str) -> None:
        """Rows of a grouped ``values_list("org_unit_id", "g", *names)`` query, read with a plain cursor
        (no per-value converters: these are integer sums and grain keys) and placed in the grid width."""
        from django.db import connections

        sql, params = qs.query.sql_with_params()
        with connections[qs.db].cursor() as cur:
            cur.execute(sql, params)
            fetched = cur.fetchall()
        keep = [r for r in fetched if r[0] in id_path]
        if not keep:
            return
        grains: dict[Any, dt.date] = {}
        for r in keep:
            if r[1] not in grains:
                grains[r[1]] = _grain_value(r[1], grain)
        values = np.array([r[2:] for r in keep], dtype=np.float64)
        block = np.zeros((len(keep), len(GRID_FIELDS)))
        block[:, [FIELD_INDEX[n] for n in names]] = np.nan_to_num(values)
        self.add_block([id_path[r[0]] for r in keep], [grains[r[1]] for r in keep], block)

    def matrix(self) -> Any:
        return np.vstack(self.blocks)


class Grid:
    """Sums of every target unit's subtree (``None`` = the user's whole scope) × every period."""

    def __init__(self, units: list[OrgUnit | None], periods: list[Period]) -> None:
        self.units = units
        self.targets = [u.path if u is not None else "" for u in units]
        self.periods = periods
        self.data = np.zeros((len(units), len(periods), len(GRID_FIELDS)))
        self.registered: dict[tuple[int, int], dict[str, Any]] = {}

    def sums(self, ti: int, pi: int) -> dict[str, Any]:
        out = sums_of(self.data[ti, pi])
        out.update(self.registered.get((ti, pi), {}))
        return out

    def value(self, code: str, ti: int, pi: int) -> float | None:
        return kpi_value(code, self.sums(ti, pi))


def _unit_paths() -> dict[int, str]:
    return dict(OrgUnit.objects.values_list("id", "path"))


def _within(qs: QuerySet[Any], ids: list[int] | None) -> QuerySet[Any]:
    return qs if ids is None else qs.filter(org_unit_id__in=ids)


def kpi_grid(
    user: Any,
    units: Iterable[OrgUnit | None],
    periods: Iterable[Period],
    sources: Iterable[str] = ("records",),
    codes: Iterable[str] = (),
) -> Grid:
    """The sums of every unit's subtree for every period from the asked sources, with a few grouped
    queries (never one per unit or period): the rollups grouped by unit × month (or day), feedback
    tickets, ratings and rectifications grouped the same way, survey responses per version, and the
    registered sources called once per period."""
    grid = Grid(list(units), sorted(periods, key=lambda p: p[1]))
    if not grid.units or not grid.periods:
        return grid
    since, until = grid.periods[0][1], max(p[2] for p in grid.periods)
    grain = grain_for(grid.periods)
    id_path = _unit_paths()
    ids = None
    if "" not in grid.targets:
        tops = paths_in(grid.targets)
        ids = [i for i, p in id_path.items() if any(p.startswith(t) for t in tops)]
        if len(ids) == len(id_path):
            ids = None  # every unit: no filter
    wanted = set(sources)
    codes = list(codes)
    rows = Rows()
    if "records" in wanted or "feedback" in wanted:  # the complaint rate divides by service volume
        names = list(COUNTERS)
        if "records" in wanted and (not codes or "response_p90" in codes):
            names += RESPONSE_COLUMNS
        if "records" in wanted and not codes:
            names += HANDLING_COLUMNS
        aggs = {name: Sum(name) for name in names}
        # whole-month periods read the monthly rollups (~30× fewer rows); the other periods (a month
        # clipped to today, weeks, days) the daily rollups of their own days only
        whole = [p for p in grid.periods if grain_for([p]) == "month" or _month_so_far(p)]
        partial = [p for p in grid.periods if p not in whole]
        queries: list[tuple[Any, Any, str]] = []
        if whole:
            base: Any = MonthlyRollup.objects.filter(month__gte=whole[0][1], month__lte=whole[-1][1])
            if len(whole) != len(grid.periods):
                base = base.filter(month__in=[p[1] for p in whole])
            queries.append((base, F("month"), "month"))
        if partial:
            days = Q()
            for _key, start, end in partial:
                days |= Q(day__gte=start, day__lte=end)
            queries.append((DailyRollup.objects.filter(days), F("day"), "day"))
        for base, grain_expr, g_kind in queries:
            qs = _within(scoped(user, base), ids)
            grouped = (
                qs.annotate(g=grain_expr)
                .values("org_unit_id", "g")
                .annotate(**aggs)
                .values_list("org_unit_id", "g", *names)
                .order_by()
            )
            rows.add_grouped(grouped, names, id_path, g_kind)
    if "feedback" in wanted:
        _feedback_rows(user, rows, ids, id_path, since, until, grain)
    if "surveys" in wanted:
        _survey_rows(user, rows, ids, id_path, since, until, grain)
    if rows.paths:
        grid.data = fold(rows.paths, rows.grains, rows.matrix(), grid.targets, grid.periods)
    if "registered" in wanted:
        _registered(user, grid, codes)
    return grid


def _month_so_far(period: Period) -> bool:
    """A month clipped at its end (this month up to today) whose monthly rollup holds exactly its days:
    no daily rollup lies after the clip in that month (one index probe). Then the monthly rollup is read
    (one row per unit × type × channel) instead of grouping every daily rollup of the month so far."""
    _key, start, end = period
    # only the month clipped at today: other windows that start on the 1st (an effectiveness check's
    # "before" window, say) are read from their own days
    if start.day != 1 or end != timezone.localdate() or end.month != start.month or end.year != start.year:
        return False
    month_end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return not DailyRollup.objects.filter(day__gt=end, day__lte=month_end).exists()


def _feedback_rows(
    user: Any,
    rows: Rows,
    ids: list[int] | None,
    id_path: dict[int, str],
    since: dt.date,
    until: dt.date,
    grain: str,
) -> None:
    """Complaints, SLA outcomes, ratings and rectifications through feedback's selectors, grouped."""
    from django.db.models import Count, Q

    from sqms.feedback import selectors as fb

    start, end = _aware_range(since, until)
    judged = fb.sla_judged(timezone.now())
    queries = [
        (
            _within(fb.tickets(user), ids).filter(received_at__gte=start, received_at__lt=end),
            "received_at",
            {
                "complaints": Count("id", filter=Q(kind="complaint")),
                "sla_total": Count("id", filter=judged),
                "sla_met": Count("id", filter=judged & Q(breached=False)),
            },
        ),
        (
            _within(fb.ratings(user), ids).filter(excluded=False, rated_at__gte=start, rated_at__lt=end),
            "rated_at",
            {"ratings": Count("id"), "bad_ratings": Count("id", filter=Q(score__lte=2))},
        ),
        (
            _within(fb.rectifications(user), ids).filter(due_at__gte=start, due_at__lt=end),
            "due_at",
            {
                "rect_due": Count("id"),
                "rect_on_time": Count(
                    "id", filter=Q(completed_at__isnull=False, completed_at__lte=F("due_at"))
                ),
            },
        ),
    ]
    for qs, field, aggs in queries:
        names = list(aggs)
        grouped = (
            qs.annotate(g=_datetime_grain(field, grain, since, until))
            .values("org_unit_id", "g")
            .annotate(**aggs)
            .values_list("org_unit_id", "g", *names)
            .order_by()
        )
        rows.add_grouped(grouped, names, id_path, grain)


def _survey_rows(
    user: Any,
    rows: Rows,
    ids: list[int] | None,
    id_path: dict[int, str],
    since: dt.date,
    until: dt.date,
    grain: str,
) -> None:
    """CSAT (top-2-box of overall satisfaction items) and NPS counts of included responses, per unit ×
    grain: one grouped query over the surveys app's daily CSAT/NPS rollup (the counts behind
    ``sqms.surveys.selectors.csat_nps_by_unit``), limited to the user's scope. Summed counts, not
    figures, so a parent stays the ratio of summed numerators and denominators."""
    from django.db.models import CharField
    from django.db.models.functions import Substr

    from sqms.core.scoping import scope_for
    from sqms.surveys.models import SurveyDayRollup

    names = ["csat_n", "csat_top", "nps_n", "nps_promoters", "nps_detractors"]
    qs = SurveyDayRollup.objects.filter(day__gte=since, day__lte=until)
    qs = _within(scope_for(user).filter(qs, path_field="org_unit__path"), ids)
    g: Any = F("day")
    if grain == "month":
        from django.db import connection

        if connection.vendor == "sqlite":
            g = Substr(F("day"), 1, 7, output_field=CharField())
        else:
            from django.db.models.functions import TruncMonth

            g = TruncMonth("day")
    grouped = (
        qs.annotate(g=g)
        .values("org_unit_id", "g")
        .annotate(**{n: Sum(n) for n in names})
        .values_list("org_unit_id", "g", *names)
        .order_by()
    )
    rows.add_grouped(grouped, names, id_path, grain)


def _registered(user: Any, grid: Grid, codes: Iterable[str]) -> None:
    """Figures of registered KPI sources (sqms.kpi.sources): one call per code × period."""
    from sqms.kpi import sources
    from sqms.kpi.domain import registered_key

    codes = [c for c in codes if sources.kpi_source(c) is not None]
    if not codes:
        return
    top: list[str] = []
    if "" in grid.targets:
        from sqms.org.selectors import units as org_units

        visible = list(org_units(user).values_list("path", flat=True))
        top = [p for p in visible if not any(p != q and p.startswith(q) for q in visible)]
    paths = sorted({t for t in grid.targets if t} | set(top))
    for code in codes:
        for pi, (_key, start, end) in enumerate(grid.periods):
            values = sources.source_values(code, paths, start, end)
            for ti, target in enumerate(grid.targets):
                if target:
                    value = values.get(target)
                else:
                    present = [values[p] for p in top if values.get(p) is not None]
                    value = present[0] if len(present) == 1 else None
                grid.registered.setdefault((ti, pi), {})[registered_key(code)] = value


def feedback_sums(user: Any, path: str | None, since: dt.date, until: dt.date) -> dict[str, int]:
    """Complaints, SLA outcomes, ratings and rectifications of the subtree (``path``) over the range."""
    unit = OrgUnit.objects.filter(path=path).first() if path else None
    sums = kpi_grid(user, [unit], [("", since, until)], ("feedback",)).sums(0, 0)
    return {name: sums[name] for name in EXTRA_SUMS if not name.startswith(("csat", "nps"))}


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
    return kpi_grid(user, [unit], [("", since, until)], sources, codes).sums(0, 0)


def sources_of(codes: Iterable[str]) -> set[str]:
    return {SOURCE_OF.get(c, "records") for c in codes}


def thresholds(kpi: KpiDefinition, unit: OrgUnit | None, overrides: Any = None) -> Thresholds:
    """The KPI's thresholds for the unit: the nearest override on the unit's path, else the defaults.
    ``overrides`` ({(kpi id, unit id): override}, from :func:`overrides_for`) saves the query."""
    t = Thresholds(kpi.direction, kpi.target, kpi.warning, kpi.critical)
    if unit is None:
        return t
    ids = [p for p in unit.path.strip("/").split("/") if p]
    if overrides is None:
        overrides = overrides_for([unit])
    for uid in ids:  # root first: the nearest (last) override wins field by field
        o = overrides.get((kpi.pk, int(uid)))
        if o is not None:
            t = Thresholds(
                kpi.direction,
                o.target if o.target is not None else t.target,
                o.warning if o.warning is not None else t.warning,
                o.critical if o.critical is not None else t.critical,
            )
    return t


def overrides_for(units: Iterable[OrgUnit | None]) -> dict[tuple[int, int], KpiOverride]:
    """Every override on the paths of the units, by (KPI id, unit id): one query."""
    ids = {int(p) for u in units if u is not None for p in u.path.strip("/").split("/") if p}
    return {(o.kpi_id, o.org_unit_id): o for o in KpiOverride.objects.filter(org_unit_id__in=ids)}


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
    return kpi_board_series(user, [kpi], unit, period, since, until)[0]


def kpi_board_series(
    user: Any,
    kpi_list: Iterable[KpiDefinition],
    unit: OrgUnit | None,
    period: str,
    since: dt.date,
    until: dt.date,
    chart: bool = True,
) -> list[dict[str, Any]]:
    """:func:`kpi_series` of several KPIs of one unit from one grid (a few grouped queries in all);
    without ``chart`` the control charts are not computed (``"chart"`` is ``None``: tiles)."""
    kpi_list = list(kpi_list)
    table = series_table(user, kpi_list, [unit], period, since, until, chart)
    return [table[(k.code, 0)] for k in kpi_list]


def series_table(
    user: Any,
    kpi_list: Iterable[KpiDefinition],
    units: Iterable[OrgUnit | None],
    period: str,
    since: dt.date,
    until: dt.date,
    chart: bool = True,
) -> dict[tuple[str, int], dict[str, Any]]:
    """The series of every KPI × unit, by (KPI code, index of the unit), from one grid."""
    kpi_list, units = list(kpi_list), list(units)
    periods = periods_between(period, since, until)
    codes = [k.code for k in kpi_list]
    grid = kpi_grid(user, units, periods, sources_of(codes), codes)
    overrides = overrides_for(units)
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for ti, unit in enumerate(units):
        cells = [grid.sums(ti, pi) for pi in range(len(periods))]
        for kpi in kpi_list:
            t = thresholds(kpi, unit, overrides)
            out[(kpi.code, ti)] = _series(kpi, unit, period, periods, cells, t, chart)
    return out


def _series(
    kpi: KpiDefinition,
    unit: OrgUnit | None,
    period: str,
    periods: list[Period],
    cells: list[dict[str, Any]],
    t: Thresholds,
    chart: bool = True,
) -> dict[str, Any]:
    points = []
    for (key, start, end), sums in zip(periods, cells, strict=True):
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
    drawn = control_chart([p["value"] for p in with_value], fractions) if chart else None
    return {"kpi": kpi, "unit": unit, "period": period, "thresholds": t, "points": points,
            "chart": drawn, "charted": [p["period"] for p in with_value]}  # fmt: skip


def latest_value(
    user: Any, kpi: KpiDefinition, unit: OrgUnit | None, since: dt.date, until: dt.date
) -> float | None:
    sums = kpi_sums(user, unit, since, until, sources_of([kpi.code]), (kpi.code,))
    return kpi_value(kpi.code, sums)


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


def quality_report_section(user: Any, start: dt.date, end: dt.date, unit_path: str) -> dict[str, Any] | None:
    """The KPIs of the quality report: every active KPI over [start, end] for the unit's subtree (or the
    whole scope) with its target and red/amber/green, and the quality objectives' status."""
    from django.utils.translation import gettext as _

    if not user.has_perm("kpi.view_kpidefinition"):
        return None
    unit = OrgUnit.objects.filter(path=unit_path).first() if unit_path else None
    kpi_list = list(kpis())
    codes = [k.code for k in kpi_list]
    grid = kpi_grid(user, [unit], [("", start, end)], sources_of(codes), codes)
    sums = grid.sums(0, 0)
    overrides = overrides_for([unit])
    rows = []
    for k in kpi_list:
        value = kpi_value(k.code, sums)
        t = thresholds(k, unit, overrides)
        status = {"green": _("on target"), "amber": _("warning"), "red": _("critical"), "none": "—"}
        rows.append(
            [str(k), None if value is None else round(value, 2), k.unit, t.target, status[rag(value, t)]]
        )
    if all(r[1] is None for r in rows):
        return None
    objs = objectives(user)
    if unit_path:
        objs = objs.filter(org_unit__path__startswith=unit_path)
    obj_rows = []
    for o in objs[:30]:
        f = objective_figures(user, o, end)
        obj_rows.append([o.statement, str(o.kpi), o.org_unit.name, o.target,
                         None if f["current"] is None else round(f["current"], 2), f["status"]])  # fmt: skip
    by_code = {k.code: r for k, r in zip(kpi_list, rows, strict=True)}
    figures = [
        {"label": by_code[c][0], "value": by_code[c][1], "suffix": by_code[c][2]}
        for c in ("on_time_rate", "fcr_rate", "complaint_rate", "csat")
        if c in by_code
    ]
    tables = [
        {
            "title": _("KPIs"),
            "columns": [_("KPI"), _("Value"), _("Unit of measure"), _("Target"), _("Status")],
            "rows": rows,
        }
    ]
    if obj_rows:
        tables.append(
            {
                "title": _("Quality objectives"),
                "columns": [_("Objective"), _("KPI"), _("Org unit"), _("Target"), _("Current"), _("Status")],
                "rows": obj_rows,
            }
        )
    return {
        "figures": figures,
        "tables": tables,
        "note": _("Ratios of summed numerators and denominators over the period, from the daily rollups."),
    }
