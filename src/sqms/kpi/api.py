"""Service record endpoints: bulk ingest, a scoped list, and rollup figures."""

import datetime as dt
import hashlib
import json
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from sqms.core.apibase import Mapped, Page, require
from sqms.core.errors import Conflict, DomainError, ValidationFailed
from sqms.kpi import selectors, services
from sqms.kpi.models import IngestKey, ServiceRecord

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
