"""Service record endpoints: bulk ingest, a scoped list, and rollup figures."""

import datetime as dt
import hashlib
import json
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from sqms.core.apibase import Mapped, Page, require
from sqms.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from sqms.kpi import selectors, services
from sqms.kpi.domain import PERIOD_KINDS, periods_between
from sqms.kpi.models import IngestKey, ServiceRecord
from sqms.org.selectors import unit_by_code

router = Router(tags=["kpi"])

MAX_ROWS = 50_000


class TooLarge(DomainError):
    code = "too_large"
    status = 413


class IngestOut(Schema):
    created: int
    updated: int
    rollups: int


def _rows(request: HttpRequest) -> list[Any]:
    body = request.body.decode("utf-8-sig").strip()
    if not body:
        raise ValidationFailed(_("The body is empty."), fields={"body": [_("Send a JSON array or NDJSON.")]})
    try:
        if body.startswith("["):
            rows = json.loads(body)
        else:
            rows = [json.loads(line) for line in body.splitlines() if line.strip()]
    except ValueError as exc:
        raise ValidationFailed(_("The body is not valid JSON."), fields={"body": [str(exc)]}) from exc
    if len(rows) > MAX_ROWS:
        raise TooLarge(_("At most %(n)s rows a request.") % {"n": f"{MAX_ROWS:,}"})
    bad = [i for i, r in enumerate(rows, start=1) if not isinstance(r, dict)]
    if bad:
        raise ValidationFailed(
            fields={f"rows.{i}": [_("Each row must be a JSON object.")] for i in bad[:100]}
        )
    return rows


@router.post("/service-records/bulk", response={201: IngestOut, 200: IngestOut})
def bulk_ingest(request: HttpRequest, on_duplicate: str = "reject") -> Any:
    """Ingest up to 50,000 service records (JSON array or NDJSON). All rows are validated first and
    errors are listed as ``rows.<n>.<field>``; nothing is written unless every row is valid. With an
    ``Idempotency-Key`` header, repeating the same body returns the first result without writing."""
    user = request.user
    services.check_ingest_permission(user, on_duplicate)
    key = (request.headers.get("Idempotency-Key") or "").strip()[:200]
    digest = hashlib.sha256(on_duplicate.encode() + b"\0" + request.body).hexdigest()
    if key:
        previous = IngestKey.objects.filter(user=user, key=key).first()
        if previous is not None:
            if previous.body_hash != digest:
                raise Conflict(_("This Idempotency-Key was already used with a different body."))
            return Status(200, previous.result)
    rows = _rows(request)
    try:
        with transaction.atomic():
            result = services.ingest(actor=user, rows=rows, on_duplicate=on_duplicate, origin="api")
            if key:
                IngestKey.objects.create(user=user, key=key, body_hash=digest, result=result)
    except IntegrityError as exc:  # a concurrent request with the same key (or the same new records)
        raise Conflict(_("A concurrent request wrote the same data; retry.")) from exc
    return Status(201, result)


class RecordOut(Schema):
    id: int
    source: str
    external_id: str
    unit: str
    staff: str | None
    customer: int | None
    service_type: str
    channel: str
    requested_at: dt.datetime
    first_response_at: dt.datetime | None
    completed_at: dt.datetime | None
    promised_at: dt.datetime | None
    outcome: str
    first_contact_resolution: bool
    rating: int | None


def _record_out(r: ServiceRecord) -> dict[str, Any]:
    return {
        "id": r.pk,
        "source": r.source,
        "external_id": r.external_id,
        "unit": r.org_unit.code,
        "staff": r.staff.employee_no if r.staff_id else None,
        "customer": r.customer_id,
        "service_type": r.service_type,
        "channel": r.channel,
        "requested_at": r.requested_at,
        "first_response_at": r.first_response_at,
        "completed_at": r.completed_at,
        "promised_at": r.promised_at,
        "outcome": r.outcome,
        "first_contact_resolution": r.first_contact_resolution,
        "rating": r.rating,
    }


class RecordFilters(Schema):
    unit: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    service_type: str | None = None
    channel: str | None = None
    external_id: str | None = None
    source: str | None = None


@router.get("/service-records", response=list[RecordOut])
@paginate(Page)
def list_records(request: HttpRequest, filters: Query[RecordFilters]) -> Any:
    """Service records in your scope, newest first; ``unit`` includes its subtree."""
    require(request, "kpi.view_servicerecord")
    return Mapped(selectors.service_records(request.user, **filters.dict()), _record_out)


class RollupOut(Schema):
    unit: str | None
    since: dt.date | None
    until: dt.date | None
    total: int
    completed: int
    with_promise: int
    on_time: int
    fcr: int
    rating_count: int
    on_time_rate: float | None
    fcr_rate: float | None
    mean_rating: float | None
    mean_response_seconds: float | None
    p90_response_seconds: float | None
    mean_handling_seconds: float | None
    p90_handling_seconds: float | None


@router.get("/service-rollups", response=RollupOut)
def rollup_figures(
    request: HttpRequest, unit: str | None = None, since: dt.date | None = None, until: dt.date | None = None
) -> Any:
    """Totals and rates from the daily rollups of ``unit``'s subtree (or your whole scope), by local day
    of the request. On-time rate = on time / with a promised time; FCR rate = FCR / total; p90 from the
    fixed-bucket histograms (linear inside a bucket)."""
    require(request, "kpi.view_dailyrollup")
    figures = selectors.rollup_summary(request.user, unit=unit, since=since, until=until)
    return {**figures, "unit": unit, "since": since, "until": until}


# --- KPIs -------------------------------------------------------------------------------------------------


class KpiOut(Schema):
    code: str
    name: str
    name_en: str
    description: str
    unit: str
    source: str
    direction: str
    target: float
    warning: float
    critical: float


@router.get("/kpis", response=list[KpiOut])
def list_kpis(request: HttpRequest) -> Any:
    """The KPI library with the organisation-wide thresholds."""
    require(request, "kpi.view_kpidefinition")
    return list(selectors.kpis())


class PointOut(Schema):
    period: str
    since: dt.date
    until: dt.date
    value: float | None
    numerator: int | None
    denominator: int | None
    status: str


class ChartSchema(Schema):
    kind: str
    center: float
    lcl: list[float]
    ucl: list[float]
    periods: list[str]
    signals: list[dict[str, Any]]


class ValuesOut(Schema):
    kpi: str
    unit: str | None
    period: str
    direction: str
    target: float
    warning: float
    critical: float
    values: list[PointOut]
    chart: ChartSchema | None


def _parse_period(period: str) -> str:
    if period not in PERIOD_KINDS:
        raise ValidationFailed(
            _("Unknown period."), fields={"period": [_("Use one of: %s.") % ", ".join(PERIOD_KINDS)]}
        )
    return period


def series_json(series: dict[str, Any]) -> dict[str, Any]:
    t = series["thresholds"]
    chart = series["chart"]
    return {
        "kpi": series["kpi"].code,
        "unit": series["unit"].code if series["unit"] is not None else None,
        "period": series["period"],
        "direction": t.direction,
        "target": t.target,
        "warning": t.warning,
        "critical": t.critical,
        "values": series["points"],
        "chart": None
        if chart is None
        else {
            "kind": chart.kind,
            "center": chart.center,
            "lcl": chart.lcl,
            "ucl": chart.ucl,
            "periods": series["charted"],
            "signals": chart.signals,
        },
    }


@router.get("/kpis/{code}/values", response=ValuesOut)
def kpi_values(
    request: HttpRequest,
    code: str,
    unit: str | None = None,
    period: str = "month",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> Any:
    """The KPI per period for ``unit``'s subtree (or your scope): ratios of summed numerators and
    denominators, red/amber/green status against the unit's thresholds, and the control chart (p chart
    for proportions, I-MR otherwise) with its Western Electric signals."""
    require(request, "kpi.view_kpidefinition")
    kpi = selectors.kpi_by_code(code)
    _parse_period(period)
    org_unit = unit_by_code(request.user, unit) if unit else None
    d_since, d_until = selectors.default_range(period, timezone.localdate())
    since, until = since or d_since, until or d_until
    if since > until:
        raise ValidationFailed(_("Bad range."), fields={"since": [_("Must not be after until.")]})
    if len(periods_between(period, since, until)) > 400:
        raise ValidationFailed(_("Bad range."), fields={"since": [_("At most 400 periods at once.")]})
    return series_json(selectors.kpi_series(request.user, kpi, org_unit, period, since, until))


class AlertOut(Schema):
    id: int
    kpi: str
    unit: str
    period_kind: str
    period: str
    kind: str
    level: str
    value: float | None
    threshold: float | None
    message: str
    created_at: dt.datetime
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None


def _alert_out(a: Any) -> dict[str, Any]:
    return {
        "id": a.pk,
        "kpi": a.kpi.code,
        "unit": a.org_unit.code,
        "period_kind": a.period_kind,
        "period": a.period,
        "kind": a.kind,
        "level": a.level,
        "value": a.value,
        "threshold": a.threshold,
        "message": a.message,
        "created_at": a.created_at,
        "acknowledged_at": a.acknowledged_at,
        "acknowledged_by": a.acknowledged_by.get_username() if a.acknowledged_by_id else None,
    }


@router.get("/kpi-alerts", response=list[AlertOut])
@paginate(Page)
def list_alerts(request: HttpRequest, open_only: bool = False) -> Any:
    """KPI alerts of your units, newest first (``open_only``: not yet acknowledged)."""
    require(request, "kpi.view_kpialert")
    qs = selectors.alerts(request.user)
    if open_only:
        qs = qs.filter(acknowledged_at__isnull=True)
    return Mapped(qs, _alert_out)


@router.post("/kpi-alerts/{alert_id}/acknowledge", response=AlertOut)
def acknowledge(request: HttpRequest, alert_id: int) -> Any:
    """Acknowledge an alert (records who and when; acknowledging twice keeps the first)."""
    alert = selectors.alerts(request.user).filter(pk=alert_id).first()
    if alert is None:
        raise NotFound()
    return _alert_out(services.acknowledge_alert(alert, actor=request.user))


# --- quality objectives -----------------------------------------------------------------------------------


class ObjectiveIn(Schema):
    statement: str
    kpi: str
    unit: str
    baseline: float
    target: float
    start: dt.date
    deadline: dt.date
    owner: str | None = None


class ObjectiveOut(Schema):
    id: int
    statement: str
    kpi: str
    unit: str
    owner: str | None
    baseline: float
    target: float
    start: dt.date
    deadline: dt.date
    current: float | None
    progress: float | None
    status: str


def _objective_out(request: HttpRequest, obj: Any) -> dict[str, Any]:
    figures = selectors.objective_figures(request.user, obj, timezone.localdate())
    return {
        "id": obj.pk,
        "statement": obj.statement,
        "kpi": obj.kpi.code,
        "unit": obj.org_unit.code,
        "owner": obj.owner.get_username() if obj.owner_id else None,
        "baseline": obj.baseline,
        "target": obj.target,
        "start": obj.start,
        "deadline": obj.deadline,
        **figures,
    }


@router.get("/quality-objectives", response=list[ObjectiveOut])
@paginate(Page)
def list_objectives(request: HttpRequest) -> Any:
    """Quality objectives of your units with current value, progress (0–1) and status."""
    require(request, "kpi.view_qualityobjective")
    return Mapped(selectors.objectives(request.user), lambda o: _objective_out(request, o))


@router.get("/quality-objectives/{obj_id}", response=ObjectiveOut)
def get_objective(request: HttpRequest, obj_id: int) -> Any:
    require(request, "kpi.view_qualityobjective")
    obj = selectors.objectives(request.user).filter(pk=obj_id).first()
    if obj is None:
        raise NotFound()
    return _objective_out(request, obj)


@router.post("/quality-objectives", response={201: ObjectiveOut})
def create_objective(request: HttpRequest, payload: ObjectiveIn) -> Any:
    """Create a quality objective (audited); the KPI by code, the unit by code, the owner by user name."""
    from django.contrib.auth import get_user_model

    from sqms.core.services import create_record
    from sqms.kpi.models import QualityObjective

    kpi = selectors.kpis().filter(code=payload.kpi).first()
    if kpi is None:
        raise ValidationFailed(_("Unknown KPI."), fields={"kpi": [_("No KPI with this code.")]})
    unit = unit_by_code(request.user, payload.unit)
    owner = None
    if payload.owner:
        owner = get_user_model().objects.filter(username=payload.owner).first()
        if owner is None:
            raise ValidationFailed(_("Unknown owner."), fields={"owner": [_("No user with this name.")]})
    data = payload.dict()
    data.update({"kpi": kpi, "org_unit": unit, "owner": owner})
    data.pop("unit")
    obj = create_record(QualityObjective, actor=request.user, data=data)
    return Status(201, _objective_out(request, obj))
