"""Inspection and audit endpoints: /checklist-templates, /inspection-plans, /inspections (results, completion,
nonconformity in one step), /inspection-scores, /resources, /audit-clauses, /audit-programmes, /audit-plans
(checklist, findings, report), /audit-findings and /system-certificates. Scoped like everything else."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from sqms.audits import report, selectors, services
from sqms.audits.models import (
    AuditPlan,
    AuditProgramme,
    AuditQuestion,
    Certificate,
    Clause,
    Finding,
    Inspection,
    InspectionPlan,
    Resource,
)
from sqms.core.apibase import Mapped, Page
from sqms.core.errors import NotFound, ValidationFailed
from sqms.core.services import create_record, require_perm, update_record
from sqms.org.models import OrgUnit

router = Router(tags=["audits"])


def _unit(user: Any, code: str | None, field: str = "org_unit") -> OrgUnit:
    from sqms.org.selectors import units

    unit = units(user).filter(code=code).first() if code else None
    if unit is None:
        raise ValidationFailed(fields={field: [_("Unknown org unit %(code)s.") % {"code": code or ""}]})
    return unit


def _user(username: str | None, field: str) -> Any:
    if not username:
        return None
    from django.contrib.auth import get_user_model

    u = get_user_model().objects.filter(username=username, is_active=True).first()
    if u is None:
        raise ValidationFailed(fields={field: [_("Unknown user %(name)s.") % {"name": username}]})
    return u


def _name(u: Any) -> str | None:
    return u.get_username() if u is not None else None


# --- checklist templates -------------------------------------------------------------------------------


class ItemSchema(Schema):
    id: int | None = None
    order: int | None = None
    text: str
    guidance: str = ""
    scoring: str = "pass_fail"
    max_points: int = 1
    weight: Decimal = Decimal(1)
    critical: bool = False
    allow_na: bool = True


class TemplateOut(Schema):
    id: int
    code: str
    version: int
    name: str
    kind: str
    pass_mark: Decimal
    active: bool
    in_use: bool
    updated_at: dt.datetime
    items: list[ItemSchema]


class TemplateIn(Schema):
    code: str
    name: str
    kind: str = "on_site"
    description: str = ""
    pass_mark: Decimal = Decimal(80)
    items: list[ItemSchema]


def _template_out(t: Any) -> dict[str, Any]:
    return {
        "id": t.pk,
        "code": t.code,
        "version": t.version,
        "name": t.name,
        "kind": t.kind,
        "pass_mark": t.pass_mark,
        "active": t.active,
        "in_use": services.template_in_use(t),
        "updated_at": t.updated_at,
        "items": [
            {
                "id": i.pk,
                "order": i.order,
                "text": i.text,
                "guidance": i.guidance,
                "scoring": i.scoring,
                "max_points": i.max_points,
                "weight": i.weight,
                "critical": i.critical,
                "allow_na": i.allow_na,
            }
            for i in t.items.all()
        ],
    }


@router.get("/checklist-templates", response=list[TemplateOut])
@paginate(Page)
def list_templates(request: HttpRequest, code: str | None = None, active: bool | None = None) -> Any:
    qs = selectors.templates(request.user)
    if code:
        qs = qs.filter(code=code)
    if active is not None:
        qs = qs.filter(active=active)
    return Mapped(qs, _template_out)


@router.get("/checklist-templates/{pk}", response=TemplateOut)
def get_template(request: HttpRequest, pk: int) -> Any:
    return _template_out(selectors.get_or_404(selectors.templates(request.user), pk=pk))


@router.post("/checklist-templates", response={201: TemplateOut})
def create_template(request: HttpRequest, payload: TemplateIn) -> Status:
    """Create a template; the same code again makes its next version."""
    data = payload.dict(exclude={"items"})
    t = services.create_template(
        actor=request.user, data=data, items=[i.dict(exclude={"id"}) for i in payload.items]
    )
    return Status(201, _template_out(t))


class TemplateEditIn(Schema):
    name: str
    kind: str = "on_site"
    description: str = ""
    pass_mark: Decimal = Decimal(80)
    items: list[ItemSchema]
    expected_updated_at: dt.datetime | None = None


@router.put("/checklist-templates/{pk}", response=TemplateOut)
def edit_template(request: HttpRequest, pk: int, payload: TemplateEditIn) -> Any:
    """Edit the current version. Once an inspection has used it, the edit is saved as the next version
    (the answer is that new version: a new ``id`` and ``version``) and the used one is left untouched, so
    inspections keep the exact items they scored. Items keep their ``id`` only while unused."""
    t = selectors.get_or_404(selectors.templates(request.user), pk=pk)
    new = services.edit_template(
        actor=request.user,
        template=t,
        data=payload.dict(exclude={"items", "expected_updated_at"}),
        items=[i.dict() for i in payload.items],
        expected_updated_at=payload.expected_updated_at,
    )
    return _template_out(new)


@router.post("/checklist-templates/{pk}/versions", response={201: TemplateOut})
def new_version(request: HttpRequest, pk: int) -> Status:
    t = selectors.get_or_404(selectors.templates(request.user), pk=pk)
    return Status(201, _template_out(services.new_template_version(actor=request.user, template=t)))


# --- inspection plans ----------------------------------------------------------------------------------


class PlanOut(Schema):
    id: int
    name: str
    kind: str
    template_id: int
    org_unit: str
    inspector: str | None
    frequency: str
    start_date: dt.date
    end_date: dt.date
    sample_kind: str
    sample_size: int
    scenario: str


class PlanIn(Schema):
    name: str
    kind: str = "on_site"
    template_id: int
    org_unit: str
    inspector: str | None = None
    frequency: str = "monthly"
    start_date: dt.date
    end_date: dt.date
    sample_kind: str = "units"
    sample_size: int = 0
    scenario: str = ""
    notes: str = ""


def _plan_out(p: InspectionPlan) -> dict[str, Any]:
    return {
        "id": p.pk,
        "name": p.name,
        "kind": p.kind,
        "template_id": p.template_id,
        "org_unit": p.org_unit.code,
        "inspector": _name(p.inspector),
        "frequency": p.frequency,
        "start_date": p.start_date,
        "end_date": p.end_date,
        "sample_kind": p.sample_kind,
        "sample_size": p.sample_size,
        "scenario": p.scenario,
    }


@router.get("/inspection-plans", response=list[PlanOut])
@paginate(Page)
def list_plans(request: HttpRequest) -> Any:
    return Mapped(selectors.inspection_plans(request.user), _plan_out)


@router.post("/inspection-plans", response={201: PlanOut})
def create_plan(request: HttpRequest, payload: PlanIn) -> Status:
    data = payload.dict(exclude={"template_id", "org_unit", "inspector"})
    data["template"] = selectors.templates(request.user).filter(pk=payload.template_id).first()
    if data["template"] is None:
        raise ValidationFailed(fields={"template_id": [_("Unknown checklist template.")]})
    data["org_unit"] = _unit(request.user, payload.org_unit)
    data["inspector"] = _user(payload.inspector, "inspector")
    return Status(201, _plan_out(create_record(InspectionPlan, actor=request.user, data=data)))


class DrawIn(Schema):
    seed: int | None = None


class DrawOut(Schema):
    id: int
    seed: int
    sample_kind: str
    population_size: int
    drawn_ids: list[int]
    inspections: list[str]


@router.post("/inspection-plans/{pk}/draws", response={201: DrawOut})
def draw(request: HttpRequest, pk: int, payload: DrawIn) -> Status:
    """Draw the spot-check sample. Give ``seed`` to repeat an earlier draw; otherwise one is chosen and
    returned (and kept in the audit trail)."""
    plan = selectors.get_or_404(selectors.inspection_plans(request.user), pk=pk)
    d, made = services.draw_spot_check(actor=request.user, plan=plan, seed=payload.seed)
    return Status(
        201,
        {
            "id": d.pk,
            "seed": d.seed,
            "sample_kind": d.sample_kind,
            "population_size": d.population_size,
            "drawn_ids": d.drawn_ids,
            "inspections": [i.number for i in made],
        },
    )


@router.post("/inspection-plans/{pk}/schedule", response=list[str])
def schedule(request: HttpRequest, pk: int) -> list[str]:
    """Create the plan's scheduled inspections (idempotent); returns the new inspection numbers."""
    plan = selectors.get_or_404(selectors.inspection_plans(request.user), pk=pk)
    return [i.number for i in services.schedule_plan(actor=request.user, plan=plan)]


# --- inspections ---------------------------------------------------------------------------------------


class ResultOut(Schema):
    item_id: int
    text: str
    critical: bool
    scoring: str
    max_points: int
    weight: Decimal
    outcome: str
    points: Decimal | None
    note: str
    resource: str | None
    photos: list[str]
    nonconformity: str


class InspectionOut(Schema):
    id: int
    number: str
    kind: str
    template_id: int
    plan_id: int | None
    org_unit: str
    inspector: str | None
    staff: str | None
    service_record_id: int | None
    status: str
    scheduled_for: dt.date | None
    performed_at: dt.datetime | None
    score: Decimal | None
    passed: bool | None
    critical_failed: bool
    scenario: str
    shopper: str
    visit_record: str
    notes: str
    results: list[ResultOut]


def _inspection_out(i: Inspection, with_results: bool = True) -> dict[str, Any]:
    from django.urls import reverse

    results = []
    if with_results:
        for r in i.results.select_related("item", "resource").prefetch_related("photos"):
            results.append(
                {
                    "item_id": r.item_id,
                    "text": r.item.text,
                    "critical": r.item.critical,
                    "scoring": r.item.scoring,
                    "max_points": r.item.max_points,
                    "weight": r.item.weight,
                    "outcome": r.outcome,
                    "points": r.points,
                    "note": r.note,
                    "resource": r.resource.code if r.resource_id else None,
                    "photos": [reverse("audits:photo", args=[p.pk]) for p in r.photos.all()],
                    "nonconformity": r.nonconformity_ref,
                }
            )
    return {
        "id": i.pk,
        "number": i.number,
        "kind": i.kind,
        "template_id": i.template_id,
        "plan_id": i.plan_id,
        "org_unit": i.org_unit.code,
        "inspector": _name(i.inspector),
        "staff": i.staff.employee_no if i.staff_id else None,
        "service_record_id": i.service_record_id,
        "status": i.status,
        "scheduled_for": i.scheduled_for,
        "performed_at": i.performed_at,
        "score": i.score,
        "passed": i.passed,
        "critical_failed": i.critical_failed,
        "scenario": i.scenario,
        "shopper": i.shopper,
        "visit_record": i.visit_record,
        "notes": i.notes,
        "results": results,
    }


class InspectionFilter(Schema):
    status: str | None = None
    kind: str | None = None
    unit: str | None = None
    passed: bool | None = None
    since: dt.date | None = None
    until: dt.date | None = None


@router.get("/inspections", response=list[InspectionOut])
@paginate(Page)
def list_inspections(request: HttpRequest, filters: Query[InspectionFilter]) -> Any:
    qs = selectors.inspections(request.user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.passed is not None:
        qs = qs.filter(passed=filters.passed)
    if filters.unit:
        qs = qs.filter(org_unit__path__startswith=_unit(request.user, filters.unit, "unit").path)
    if filters.since:
        qs = qs.filter(scheduled_for__gte=filters.since)
    if filters.until:
        qs = qs.filter(scheduled_for__lte=filters.until)
    return Mapped(qs, lambda i: _inspection_out(i, with_results=False))


class InspectionIn(Schema):
    template_id: int
    org_unit: str
    kind: str | None = None
    plan_id: int | None = None
    inspector: str | None = None
    staff: str | None = None  # employee number
    scheduled_for: dt.date | None = None
    scenario: str = ""
    shopper: str = ""


@router.post("/inspections", response={201: InspectionOut})
def create_inspection(request: HttpRequest, payload: InspectionIn) -> Status:
    user = request.user
    template = selectors.templates(user).filter(pk=payload.template_id).first()
    if template is None:
        raise ValidationFailed(fields={"template_id": [_("Unknown checklist template.")]})
    data: dict[str, Any] = {
        "template": template,
        "org_unit": _unit(user, payload.org_unit),
        "inspector": _user(payload.inspector, "inspector") or user,
        "scheduled_for": payload.scheduled_for,
        "scenario": payload.scenario,
        "shopper": payload.shopper,
    }
    if payload.kind:
        data["kind"] = payload.kind
    if payload.plan_id:
        data["plan"] = selectors.inspection_plans(user).filter(pk=payload.plan_id).first()
        if data["plan"] is None:
            raise ValidationFailed(fields={"plan_id": [_("Unknown plan.")]})
    if payload.staff:
        from sqms.org.selectors import staff

        data["staff"] = staff(user).filter(employee_no=payload.staff).first()
        if data["staff"] is None:
            raise ValidationFailed(fields={"staff": [_("Unknown staff member.")]})
    return Status(201, _inspection_out(services.create_inspection(actor=user, data=data)))


def _insp(request: HttpRequest, number: str) -> Inspection:
    return selectors.get_or_404(selectors.inspections(request.user), number=number)


@router.get("/inspections/{number}", response=InspectionOut)
def get_inspection(request: HttpRequest, number: str) -> Any:
    return _inspection_out(_insp(request, number))


class ResultIn(Schema):
    item_id: int
    outcome: str = ""
    points: Decimal | None = None
    note: str | None = None
    resource: str | None = None  # resource code


@router.post("/inspections/{number}/results", response=InspectionOut)
def record_results(request: HttpRequest, number: str, payload: list[ResultIn]) -> Any:
    """Answer items: ``outcome`` pass/fail/na for pass-fail items, ``points`` (or outcome na) for points
    items. All or nothing: one bad item changes nothing."""
    from django.db import transaction

    insp = _insp(request, number)
    with transaction.atomic():
        for r in payload:
            resource = None
            if r.resource:
                resource = selectors.resources(request.user).filter(code=r.resource).first()
                if resource is None:
                    raise ValidationFailed(
                        fields={"resource": [_("Unknown resource %(code)s.") % {"code": r.resource}]}
                    )
            services.record_result(
                actor=request.user,
                inspection=insp,
                item_id=r.item_id,
                outcome=r.outcome or ("scored" if r.points is not None else ""),
                points=r.points,
                note=r.note,
                resource=resource,
            )
    return _inspection_out(_insp(request, number))


class CompleteIn(Schema):
    performed_at: dt.datetime | None = None
    notes: str | None = None
    shopper: str | None = None
    visit_record: str | None = None


@router.post("/inspections/{number}/complete", response=InspectionOut)
def complete(request: HttpRequest, number: str, payload: CompleteIn) -> Any:
    insp = services.complete_inspection(
        actor=request.user, inspection=_insp(request, number), **payload.dict()
    )
    return _inspection_out(insp)


class NcOut(Schema):
    id: int
    number: str


@router.post("/inspections/{number}/results/{item_id}/nonconformity", response={201: NcOut})
def open_nc(request: HttpRequest, number: str, item_id: int) -> Status:
    """Open (or return) the nonconformity of a failed item, in one step."""
    insp = _insp(request, number)
    result = insp.results.select_related("item", "inspection").filter(item_id=item_id).first()
    if result is None:
        raise NotFound()
    nc = services.open_nc_for_result(actor=request.user, result=result)
    return Status(201, {"id": nc.pk, "number": str(getattr(nc, "number", nc.pk))})


class PhotoOut(Schema):
    id: int
    item_id: int
    name: str
    size: int
    url: str
    uploaded_at: dt.datetime
    uploaded_by: str | None


def _photo_out(p: Any) -> dict[str, Any]:
    try:
        size = p.image.size
    except OSError:
        size = 0
    return {
        "id": p.pk,
        "item_id": p.result.item_id,
        "name": p.image.name.rsplit("/", 1)[-1],
        "size": size,
        "url": f"/api/v1/inspection-photos/{p.pk}",
        "uploaded_at": p.uploaded_at,
        "uploaded_by": _name(p.uploaded_by),
    }


@router.post("/inspections/{number}/results/{item_id}/photos", response={201: list[PhotoOut]})
def upload_photos(
    request: HttpRequest, number: str, item_id: int, photos: File[list[UploadedFile]]
) -> Status:
    """Attach photos to an item (multipart/form-data, field ``photos``, one or more files): JPEG, PNG or
    WebP, at most 10 MB each and 10 per item; the inspection must be open. All or nothing."""
    saved = services.add_photos(
        actor=request.user, inspection=_insp(request, number), item_id=item_id, photos=list(photos)
    )
    return Status(201, [_photo_out(p) for p in saved])


@router.get("/inspections/{number}/photos", response=list[PhotoOut])
def list_photos(request: HttpRequest, number: str) -> Any:
    from sqms.audits.models import InspectionPhoto

    insp = _insp(request, number)
    qs = InspectionPhoto.objects.filter(result__inspection=insp).select_related("result", "uploaded_by")
    return [_photo_out(p) for p in qs.order_by("result__item__order", "id")]


@router.get("/inspection-photos/{photo_id}")
def get_photo(request: HttpRequest, photo_id: int) -> Any:
    """The photo file, for users who can see its inspection (404 otherwise)."""
    from django.http import FileResponse

    from sqms.audits.models import InspectionPhoto

    require_perm(request.user, "audits.view_inspection")
    photo = (
        InspectionPhoto.objects.select_related("result__inspection")
        .filter(pk=photo_id, result__inspection__in=selectors.inspections(request.user))
        .first()
    )
    if photo is None:
        raise NotFound()
    return FileResponse(photo.image.open("rb"), filename=photo.image.name.rsplit("/", 1)[-1])


class ScoreRow(Schema):
    org_unit_id: int
    code: str
    name: str
    inspections: int
    mean_score: float
    passed: int
    failed: int
    critical_failed: int


@router.get("/inspection-scores", response=list[ScoreRow])
def inspection_scores(
    request: HttpRequest, unit: str | None = None, since: dt.date | None = None, until: dt.date | None = None
) -> Any:
    """Mean inspection score per inspected unit (completed inspections) in the caller's scope."""
    require_perm(request.user, "audits.view_inspection")
    u = _unit(request.user, unit, "unit") if unit else None
    return selectors.inspection_scores(request.user, unit=u, since=since, until=until)


# --- resources -----------------------------------------------------------------------------------------


class ResourceOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    org_unit: str
    owner: str | None
    status: str
    maintenance_due: dt.date | None
    inspection_due: dt.date | None
    notes: str
    updated_at: dt.datetime


class ResourceIn(Schema):
    code: str
    name: str
    kind: str
    org_unit: str
    owner: str | None = None
    status: str = "in_service"
    maintenance_due: dt.date | None = None
    inspection_due: dt.date | None = None
    notes: str = ""


class ResourcePatch(Schema):
    name: str | None = None
    status: str | None = None
    owner: str | None = None
    maintenance_due: dt.date | None = None
    inspection_due: dt.date | None = None
    notes: str | None = None
    updated_at: dt.datetime | None = None


def _resource_out(r: Resource) -> dict[str, Any]:
    return {
        "id": r.pk,
        "code": r.code,
        "name": r.name,
        "kind": r.kind,
        "org_unit": r.org_unit.code,
        "owner": _name(r.owner),
        "status": r.status,
        "maintenance_due": r.maintenance_due,
        "inspection_due": r.inspection_due,
        "notes": r.notes,
        "updated_at": r.updated_at,
    }


@router.get("/resources", response=list[ResourceOut])
@paginate(Page)
def list_resources(
    request: HttpRequest,
    unit: str | None = None,
    status: str | None = None,
    due_before: dt.date | None = None,
) -> Any:
    from django.db.models import Q

    qs = selectors.resources(request.user)
    if unit:
        qs = qs.filter(org_unit__path__startswith=_unit(request.user, unit, "unit").path)
    if status:
        qs = qs.filter(status=status)
    if due_before:
        qs = qs.filter(Q(maintenance_due__lte=due_before) | Q(inspection_due__lte=due_before))
    return Mapped(qs, _resource_out)


@router.post("/resources", response={201: ResourceOut})
def create_resource(request: HttpRequest, payload: ResourceIn) -> Status:
    data = payload.dict(exclude={"org_unit", "owner"})
    data["org_unit"] = _unit(request.user, payload.org_unit)
    data["owner"] = _user(payload.owner, "owner")
    return Status(201, _resource_out(create_record(Resource, actor=request.user, data=data)))


@router.patch("/resources/{code}", response=ResourceOut)
def change_resource(request: HttpRequest, code: str, payload: ResourcePatch) -> Any:
    r = selectors.get_or_404(selectors.resources(request.user), code=code)
    changes = payload.dict(exclude_unset=True, exclude={"updated_at", "owner"})
    if "owner" in payload.model_fields_set:
        changes["owner"] = _user(payload.owner, "owner")
    return _resource_out(
        update_record(r, actor=request.user, changes=changes, expected_updated_at=payload.updated_at)
    )


# --- audits --------------------------------------------------------------------------------------------


class ClauseOut(Schema):
    id: int
    standard: str
    number: str
    title_zh: str
    title_en: str


@router.get("/audit-clauses", response=list[ClauseOut])
@paginate(Page)
def list_clauses(request: HttpRequest, standard: str | None = None) -> Any:
    require_perm(request.user, "audits.view_clause")
    return Mapped(
        selectors.clauses(standard),
        lambda c: {k: getattr(c, k) for k in ClauseOut.model_fields} | {"id": c.pk},
    )


class ProgrammeOut(Schema):
    id: int
    year: int
    title: str
    objectives: str
    org_unit: str


class ProgrammeIn(Schema):
    year: int
    title: str
    objectives: str = ""
    org_unit: str


def _programme_out(p: AuditProgramme) -> dict[str, Any]:
    return {
        "id": p.pk,
        "year": p.year,
        "title": p.title,
        "objectives": p.objectives,
        "org_unit": p.org_unit.code,
    }


@router.get("/audit-programmes", response=list[ProgrammeOut])
@paginate(Page)
def list_programmes(request: HttpRequest) -> Any:
    return Mapped(selectors.programmes(request.user), _programme_out)


@router.post("/audit-programmes", response={201: ProgrammeOut})
def create_programme(request: HttpRequest, payload: ProgrammeIn) -> Status:
    data = payload.dict(exclude={"org_unit"})
    data["org_unit"] = _unit(request.user, payload.org_unit)
    return Status(201, _programme_out(create_record(AuditProgramme, actor=request.user, data=data)))


class AuditPlanOut(Schema):
    id: int
    number: str
    programme_id: int | None
    kind: str
    title: str
    objective: str
    scope: str
    criteria: list[str]
    start_date: dt.date
    end_date: dt.date
    places: str
    lead_auditor: str | None
    team: list[str]
    auditee_units: list[str]
    agenda: str
    audit_body: str
    status: str
    summary: str


class AuditPlanIn(Schema):
    programme_id: int | None = None
    kind: str = "internal"
    title: str
    objective: str
    scope: str
    criteria: list[str]  # "iso9001_2015:9.2"
    start_date: dt.date
    end_date: dt.date
    places: str = ""
    lead_auditor: str | None = None
    team: list[str] = []
    auditee_units: list[str]
    agenda: str = ""
    audit_body: str = ""


def _audit_plan_out(p: AuditPlan) -> dict[str, Any]:
    return {
        "id": p.pk,
        "number": p.number,
        "programme_id": p.programme_id,
        "kind": p.kind,
        "title": p.title,
        "objective": p.objective,
        "scope": p.scope,
        "criteria": [f"{c.standard}:{c.number}" for c in p.criteria.all()],
        "start_date": p.start_date,
        "end_date": p.end_date,
        "places": p.places,
        "lead_auditor": _name(p.lead_auditor),
        "team": [u.get_username() for u in p.team.all()],
        "auditee_units": [u.code for u in p.auditee_units.all()],
        "agenda": p.agenda,
        "audit_body": p.audit_body,
        "status": p.status,
        "summary": p.summary,
    }


@router.get("/audit-plans", response=list[AuditPlanOut])
@paginate(Page)
def list_audit_plans(request: HttpRequest, year: int | None = None, kind: str | None = None) -> Any:
    qs = selectors.audit_plans(request.user)
    if year:
        qs = qs.filter(start_date__year=year)
    if kind:
        qs = qs.filter(kind=kind)
    return Mapped(qs, _audit_plan_out)


def _clauses(refs: list[str]) -> list[Clause]:
    out = []
    for ref in refs:
        std, _sep, number = ref.partition(":")
        c = Clause.objects.filter(standard=std, number=number).first()
        if c is None:
            raise ValidationFailed(fields={"criteria": [_("Unknown clause %(ref)s.") % {"ref": ref}]})
        out.append(c)
    return out


@router.post("/audit-plans", response={201: AuditPlanOut})
def create_audit_plan(request: HttpRequest, payload: AuditPlanIn) -> Status:
    """Create an audit plan. ``criteria`` are clause references like ``iso9001_2015:9.2``. Auditor
    independence is checked: nobody audits his own unit."""
    user = request.user
    data = payload.dict(exclude={"programme_id", "criteria", "lead_auditor", "team", "auditee_units"})
    if payload.programme_id:
        data["programme"] = selectors.programmes(user).filter(pk=payload.programme_id).first()
        if data["programme"] is None:
            raise ValidationFailed(fields={"programme_id": [_("Unknown programme.")]})
    data["lead_auditor"] = _user(payload.lead_auditor, "lead_auditor")
    plan = services.create_audit_plan(
        actor=user,
        data=data,
        criteria=_clauses(payload.criteria),
        auditee_units=[_unit(user, c, "auditee_units") for c in payload.auditee_units],
        team=[_user(n, "team") for n in payload.team],
    )
    return Status(201, _audit_plan_out(plan))


def _aplan(request: HttpRequest, number: str) -> AuditPlan:
    return selectors.get_or_404(selectors.audit_plans(request.user), number=number)


@router.get("/audit-plans/{number}", response=AuditPlanOut)
def get_audit_plan(request: HttpRequest, number: str) -> Any:
    return _audit_plan_out(_aplan(request, number))


class QuestionOut(Schema):
    id: int
    clause: str
    question: str
    result: str
    notes: str


def _q_out(q: AuditQuestion) -> dict[str, Any]:
    return {
        "id": q.pk,
        "clause": q.clause.number,
        "question": q.question,
        "result": q.result,
        "notes": q.notes,
    }


@router.get("/audit-plans/{number}/checklist", response=list[QuestionOut])
def get_checklist(request: HttpRequest, number: str) -> Any:
    return [_q_out(q) for q in _aplan(request, number).questions.select_related("clause")]


@router.post("/audit-plans/{number}/checklist", response={201: list[QuestionOut]})
def generate_checklist(request: HttpRequest, number: str) -> Status:
    """Generate the checklist from the plan's clauses (idempotent); returns the whole checklist."""
    plan = _aplan(request, number)
    services.generate_checklist(actor=request.user, plan=plan)
    return Status(201, [_q_out(q) for q in plan.questions.select_related("clause")])


class AnswerIn(Schema):
    result: str
    notes: str = ""


@router.post("/audit-plans/{number}/checklist/{qid}", response=QuestionOut)
def answer(request: HttpRequest, number: str, qid: int, payload: AnswerIn) -> Any:
    plan = _aplan(request, number)
    q = selectors.get_or_404(plan.questions.select_related("clause", "plan"), pk=qid)
    return _q_out(
        services.answer_question(actor=request.user, question=q, result=payload.result, notes=payload.notes)
    )


class FindingOut(Schema):
    id: int
    plan: str
    clause: str
    standard: str
    kind: str
    description: str
    evidence: str
    auditee_unit: str
    auditee: str
    auditor: str | None
    nonconformity: str
    created_at: dt.datetime


class FindingIn(Schema):
    clause: str  # clause number within the plan's standards, or "standard:number"
    kind: str
    description: str
    evidence: str
    auditee_unit: str
    auditee: str = ""


def _finding_out(f: Finding) -> dict[str, Any]:
    return {
        "id": f.pk,
        "plan": f.plan.number,
        "clause": f.clause.number,
        "standard": f.clause.standard,
        "kind": f.kind,
        "description": f.description,
        "evidence": f.evidence,
        "auditee_unit": f.auditee_unit.code,
        "auditee": f.auditee,
        "auditor": _name(f.auditor),
        "nonconformity": f.nonconformity_ref,
        "created_at": f.created_at,
    }


@router.get("/audit-plans/{number}/findings", response=list[FindingOut])
def plan_findings(request: HttpRequest, number: str) -> Any:
    plan = _aplan(request, number)
    return [_finding_out(f) for f in selectors.findings(request.user).filter(plan=plan)]


@router.post("/audit-plans/{number}/findings", response={201: FindingOut})
def add_finding(request: HttpRequest, number: str, payload: FindingIn) -> Status:
    """Record a finding (conformity, observation, ofi, minor_nc, major_nc). Nonconformities open an entry
    in the nonconformity register."""
    from sqms.org.models import OrgUnit as Unit

    plan = _aplan(request, number)
    if ":" in payload.clause:
        clause = _clauses([payload.clause])[0]
    else:
        clause = (
            plan.criteria.filter(number=payload.clause).first()
            or Clause.objects.filter(
                number=payload.clause, standard__in=plan.criteria.values("standard")
            ).first()
        )
    if clause is None:
        raise ValidationFailed(fields={"clause": [_("Unknown clause %(ref)s.") % {"ref": payload.clause}]})
    unit = (
        selectors.units_for_plan(plan).filter(code=payload.auditee_unit).first()
        or Unit.objects.filter(code=payload.auditee_unit).first()
    )
    if unit is None:
        raise ValidationFailed(
            fields={"auditee_unit": [_("Unknown org unit %(code)s.") % {"code": payload.auditee_unit}]}
        )
    f = services.add_finding(
        actor=request.user,
        plan=plan,
        data={
            "clause": clause,
            "question": plan.questions.filter(clause=clause).first(),
            "kind": payload.kind,
            "description": payload.description,
            "evidence": payload.evidence,
            "auditee_unit": unit,
            "auditee": payload.auditee,
        },
    )
    return Status(201, _finding_out(f))


@router.get("/audit-plans/{number}/report.{fmt}")
def plan_report(request: HttpRequest, number: str, fmt: str) -> HttpResponse:
    """The audit report as ``pdf`` or ``xlsx``."""
    from sqms.core import audit
    from sqms.core.models import AuditAction

    plan = _aplan(request, number)
    if fmt == "pdf":
        data, ctype = report.pdf(plan), "application/pdf"
    elif fmt == "xlsx":
        data, ctype = report.xlsx(plan), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise ValidationFailed(fields={"format": [_("Use pdf or xlsx.")]})
    audit.record(actor=request.user, action=AuditAction.EXPORT, instance=plan, verb=f"audit report {fmt}")
    resp = HttpResponse(data, content_type=ctype)
    resp["Content-Disposition"] = f'attachment; filename="audit-report-{plan.number}.{fmt}"'
    return resp


@router.get("/audit-findings", response=list[FindingOut])
@paginate(Page)
def list_findings(request: HttpRequest, kind: str | None = None, clause: str | None = None) -> Any:
    qs = selectors.findings(request.user)
    if kind:
        qs = qs.filter(kind=kind)
    if clause:
        qs = qs.filter(clause__number=clause)
    return Mapped(qs, _finding_out)


class CertificateOut(Schema):
    id: int
    standard: str
    number: str
    body: str
    org_unit: str
    scope: str
    issued_on: dt.date
    expires_on: dt.date
    next_surveillance_on: dt.date | None


class CertificateIn(Schema):
    standard: str
    number: str
    body: str
    org_unit: str
    scope: str = ""
    issued_on: dt.date
    expires_on: dt.date
    next_surveillance_on: dt.date | None = None


def _cert_out(c: Certificate) -> dict[str, Any]:
    return {k: getattr(c, k) for k in CertificateOut.model_fields if k not in ("org_unit", "id")} | {
        "id": c.pk,
        "org_unit": c.org_unit.code,
    }


@router.get("/system-certificates", response=list[CertificateOut])
@paginate(Page)
def list_certificates(request: HttpRequest) -> Any:
    """Management-system certificates (ISO 9001, ISO/IEC 20000-1) with expiry and surveillance dates."""
    return Mapped(selectors.certificates(request.user), _cert_out)


@router.post("/system-certificates", response={201: CertificateOut})
def create_certificate(request: HttpRequest, payload: CertificateIn) -> Status:
    data = payload.dict(exclude={"org_unit"})
    data["org_unit"] = _unit(request.user, payload.org_unit)
    if data["expires_on"] <= data["issued_on"]:
        raise ValidationFailed(fields={"expires_on": [_("The expiry date must be after the issue date.")]})
    return Status(201, _cert_out(create_record(Certificate, actor=request.user, data=data)))
