"""Quality report snapshots (list, get, files, generate), transparency publications (list, publish,
unpublish) and report subscriptions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from sqms.core.apibase import Mapped, Page, require
from sqms.core.errors import NotFound
from sqms.reports import selectors, services
from sqms.reports.models import Publication, ReportSnapshot, Subscription

router = Router(tags=["reports"])


class SnapshotOut(Schema):
    id: int
    kind: str
    period: str
    period_start: date
    period_end: date
    unit: str | None
    version: int
    title: str
    scheduled: bool
    created_at: datetime
    pdf_url: str
    xlsx_url: str


class SnapshotDetailOut(SnapshotOut):
    data: dict[str, Any]


class GenerateIn(Schema):
    period: str
    quarter: bool = False
    unit: str | None = None


class PublicationOut(Schema):
    id: int
    kind: str
    period: str
    min_group_size: int
    published: bool
    published_at: datetime | None
    unpublished_at: datetime | None
    public_url: str


class PublicationDetailOut(PublicationOut):
    data: dict[str, Any]


class PublishIn(Schema):
    period: str
    quarter: bool = False
    min_group_size: int = 30


class SubscriptionIn(Schema):
    unit: str | None = None
    monthly: bool = True
    quarterly: bool = True


class SubscriptionOut(Schema):
    id: int
    user: str
    unit: str | None
    monthly: bool
    quarterly: bool
    active: bool


def _snap(s: ReportSnapshot, detail: bool = False) -> dict[str, Any]:
    out = {
        "id": s.pk,
        "kind": s.kind,
        "period": s.period_key,
        "period_start": s.period_start,
        "period_end": s.period_end,
        "unit": s.org_unit.code if s.org_unit_id else None,
        "version": s.version,
        "title": s.title,
        "scheduled": s.scheduled,
        "created_at": s.created_at,
        "pdf_url": f"/api/v1/report-snapshots/{s.pk}/pdf",
        "xlsx_url": f"/api/v1/report-snapshots/{s.pk}/xlsx",
    }
    if detail:
        out["data"] = s.data
    return out


def _pub(p: Publication, detail: bool = False) -> dict[str, Any]:
    out = {
        "id": p.pk,
        "kind": p.kind,
        "period": p.period_key,
        "min_group_size": p.min_group_size,
        "published": p.published,
        "published_at": p.published_at,
        "unpublished_at": p.unpublished_at,
        "public_url": f"/transparency/{p.kind}/{p.period_key}/" if p.published else "",
    }
    if detail:
        out["data"] = p.data
    return out


@router.get("/report-snapshots", response=list[SnapshotOut])
@paginate(Page)
def list_snapshots(request: HttpRequest, kind: str = "", period: str = "", unit: str = "") -> Any:
    require(request, "reports.view_reportsnapshot")
    qs = selectors.snapshots(request.user)
    if kind:
        qs = qs.filter(kind=kind)
    if period:
        qs = qs.filter(period_key=period)
    if unit:
        qs = qs.filter(org_unit__code=unit)
    return Mapped(qs, _snap)


@router.post("/report-snapshots", response={201: SnapshotDetailOut})
def generate(request: HttpRequest, payload: GenerateIn) -> Any:
    require(request, "reports.add_reportsnapshot")
    period = services.parse_period(payload.period, quarter=payload.quarter)
    unit = services.unit_for(request.user, payload.unit)
    snap = services.generate_report(actor=request.user, period=period, unit=unit)
    return Status(201, _snap(snap, detail=True))


@router.get("/report-snapshots/{snapshot_id}", response=SnapshotDetailOut)
def get_snapshot(request: HttpRequest, snapshot_id: int) -> Any:
    require(request, "reports.view_reportsnapshot")
    return _snap(selectors.snapshot(request.user, snapshot_id), detail=True)


@router.get("/report-snapshots/{snapshot_id}/{fmt}", response={200: None})
def snapshot_file(request: HttpRequest, snapshot_id: int, fmt: str) -> Any:
    require(request, "reports.view_reportsnapshot")
    snap = selectors.snapshot(request.user, snapshot_id)
    f = {"pdf": snap.pdf, "xlsx": snap.xlsx}.get(fmt)
    if not f:
        raise NotFound()
    ctype = (
        "application/pdf"
        if fmt == "pdf"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return FileResponse(
        f.open("rb"), content_type=ctype, as_attachment=True, filename=f.name.rsplit("/", 1)[-1]
    )


@router.get("/report-publications", response=list[PublicationOut])
@paginate(Page)
def list_publications(request: HttpRequest) -> Any:
    require(request, "reports.view_publication")
    return Mapped(selectors.publications(request.user), _pub)


@router.get("/report-publications/{publication_id}", response=PublicationDetailOut)
def get_publication(request: HttpRequest, publication_id: int) -> Any:
    require(request, "reports.view_publication")
    pub = selectors.publications(request.user).filter(pk=publication_id).first()
    if pub is None:
        raise NotFound()
    return _pub(pub, detail=True)


@router.post("/report-publications", response={201: PublicationDetailOut})
def publish(request: HttpRequest, payload: PublishIn) -> Any:
    period = services.parse_period(payload.period, quarter=payload.quarter)
    pub = services.publish(actor=request.user, period=period, min_group_size=payload.min_group_size)
    return Status(201, _pub(pub, detail=True))


@router.post("/report-publications/{publication_id}/unpublish", response=PublicationOut)
def unpublish(request: HttpRequest, publication_id: int) -> Any:
    require(request, "reports.change_publication")
    pub = selectors.publications(request.user).filter(pk=publication_id).first()
    if pub is None:
        raise NotFound()
    return _pub(services.unpublish(actor=request.user, publication=pub))


def _sub(s: Subscription) -> dict[str, Any]:
    return {
        "id": s.pk,
        "user": s.user.get_username(),
        "unit": s.org_unit.code if s.org_unit_id else None,
        "monthly": s.monthly,
        "quarterly": s.quarterly,
        "active": s.active,
    }


@router.get("/report-subscriptions", response=list[SubscriptionOut])
@paginate(Page)
def list_subscriptions(request: HttpRequest) -> Any:
    require(request, "reports.view_subscription")
    return Mapped(selectors.subscriptions(request.user), _sub)


@router.post("/report-subscriptions", response={201: SubscriptionOut})
def subscribe(request: HttpRequest, payload: SubscriptionIn) -> Any:
    unit = services.unit_for(request.user, payload.unit) if payload.unit else None
    sub = services.subscribe(
        actor=request.user,
        user=request.user,
        unit=unit,
        monthly=payload.monthly,
        quarterly=payload.quarterly,
    )
    return Status(201, _sub(sub))
