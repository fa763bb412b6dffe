"""Personal-data protection (PIPL): access log of unmasked views, data-subject requests, retention."""

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from sqms.core.apibase import Mapped, Page
from sqms.core.errors import ValidationFailed
from sqms.core.services import require_perm
from sqms.privacy import selectors, services
from sqms.privacy.models import AccessLog, PrivacyRequest, RetentionRule
from sqms.privacy.registry import REGISTERS

router = Router(tags=["privacy"])


class BoundedPage(Page):
    """``Page`` with a bounded offset: a huge offset is a 422, not a database error (SQLite and
    PostgreSQL refuse OFFSETs beyond 64 bits). Suggested for ``core.apibase.Page`` itself."""

    class Input(Page.Input):  # type: ignore[name-defined]
        offset: int = Field(0, ge=0, le=2**31 - 1)


class AccessOut(Schema):
    id: int
    at: dt.datetime
    user: str
    request_id: str
    path: str
    record_type: str
    record_ids: list[int]
    customer_ids: list[int]
    fields: list[str]
    count: int
    purpose: str


def _ids(text: str) -> list[int]:
    return [int(x) for x in text.strip(",").split(",") if x.strip().isdigit()]


def _access_out(a: AccessLog) -> dict[str, Any]:
    return {
        "id": a.pk,
        "at": a.at,
        "user": a.user_name,
        "request_id": a.request_id,
        "path": a.path,
        "record_type": f"{a.content_type.app_label}.{a.content_type.model}",
        "record_ids": _ids(a.object_ids),
        "customer_ids": _ids(a.customer_ids),
        "fields": [f for f in a.fields.split(",") if f],
        "count": a.count,
        "purpose": a.purpose,
    }


class AccessFilter(Schema):
    user: str | None = None
    customer: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


@router.get("/privacy/access-log", response=list[AccessOut])
@paginate(BoundedPage)
def list_access_log(request: HttpRequest, filters: Query[AccessFilter]) -> Any:
    """Who was shown unmasked personal data (one row per request and record type)."""
    qs = selectors.access_log(
        request.user,
        username=filters.user,
        customer=filters.customer,
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
    return Mapped(qs, _access_out)


class RequestOut(Schema):
    id: int
    kind: str
    customer_id: int
    requested_by: str | None
    received_at: dt.datetime
    reason: str
    status: str
    completed_at: dt.datetime | None
    summary: dict[str, Any]
    has_file: bool


def _request_out(r: PrivacyRequest) -> dict[str, Any]:
    return {
        "id": r.pk,
        "kind": r.kind,
        "customer_id": r.customer_id,
        "requested_by": r.requested_by.get_username() if r.requested_by_id else None,
        "received_at": r.received_at,
        "reason": r.reason,
        "status": r.status,
        "completed_at": r.completed_at,
        "summary": r.summary or {},
        "has_file": bool(r.result_file),
    }


@router.get("/privacy/requests", response=list[RequestOut])
@paginate(BoundedPage)
def list_requests(request: HttpRequest, customer: int | None = None) -> Any:
    return Mapped(selectors.requests(request.user, customer), _request_out)


@router.get("/privacy/requests/{request_id}", response=RequestOut)
def get_request(request: HttpRequest, request_id: int) -> dict[str, Any]:
    return _request_out(selectors.request(request.user, request_id))


@router.get("/privacy/requests/{request_id}/file")
def download_request_file(request: HttpRequest, request_id: int) -> HttpResponse:
    """The JSON file of an export request (404 once the customer has been erased)."""
    from sqms.core.errors import NotFound

    req = selectors.request(request.user, request_id)
    if not req.result_file:
        raise NotFound()
    response = HttpResponse(services.export_json(req), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="privacy-export-{req.customer_id}-{req.pk}.json"'
    return response


class ExportIn(Schema):
    reason: str = ""


@router.post("/privacy/customers/{customer_id}/export", response={201: RequestOut})
def export_customer(request: HttpRequest, customer_id: int, payload: ExportIn) -> Status:
    """Export every personal record of a customer (a data-subject access request)."""
    customer = selectors.customer(request.user, customer_id)
    return Status(
        201,
        _request_out(services.export_customer(actor=request.user, customer=customer, reason=payload.reason)),
    )


class EraseIn(Schema):
    reason: str
    confirm: bool = False


@router.post("/privacy/customers/{customer_id}/erase", response={201: RequestOut})
def erase_customer(request: HttpRequest, customer_id: int, payload: EraseIn) -> Status:
    """Anonymise every personal record of a customer; needs ``"confirm": true``."""
    customer = selectors.customer(request.user, customer_id)
    if not payload.confirm:
        raise ValidationFailed("Confirm the erasure.", fields={"confirm": ["Must be true."]})
    req = services.erase_customer(actor=request.user, customer=customer, reason=payload.reason)
    return Status(201, _request_out(req))


class RetentionOut(Schema):
    key: str
    label: str
    days: int | None
    active: bool
    configured: bool


@router.get("/privacy/retention", response=list[RetentionOut])
def list_retention(request: HttpRequest) -> list[dict[str, Any]]:
    require_perm(request.user, "privacy.view_retentionrule")
    rules = {r.register: r for r in RetentionRule.objects.all()}
    days = services.retention_days()
    return [
        {
            "key": key,
            "label": str(REGISTERS[key].label),
            "days": value,
            "active": value is not None,
            "configured": key in rules,
        }
        for key, value in days.items()
    ]


class RetentionIn(Schema):
    days: int
    active: bool = True
    note: str = ""


@router.put("/privacy/retention/{key}", response=RetentionOut)
def set_retention(request: HttpRequest, key: str, payload: RetentionIn) -> dict[str, Any]:
    reg = REGISTERS.get(key)
    if reg is None or reg.retention_field is None:
        from sqms.core.errors import NotFound

        raise NotFound()
    services.set_retention(
        actor=request.user, register=key, days=payload.days, active=payload.active, note=payload.note
    )
    value = services.retention_days()[key]
    return {
        "key": key,
        "label": str(reg.label),
        "days": value,
        "active": value is not None,
        "configured": True,
    }
