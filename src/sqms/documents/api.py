"""Documents and training endpoints: /documents, /document-versions (transitions, e-signatures, diff,
acknowledgements), /courses, /training-sessions (attendance), /training-assignments, /training-matrix,
/certificates, /competencies, /competency-records. Scoped like everything else (out of scope → 404)."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from sqms.core.apibase import Mapped, Page
from sqms.core.errors import NotFound, ValidationFailed
from sqms.core.scoping import scoped
from sqms.core.services import create_record, require_perm
from sqms.documents import domain, selectors, services
from sqms.documents.models import (
    Competency,
    CompetencyRecord,
    Course,
    Document,
    DocumentVersion,
    TrainingSession,
)
from sqms.org.models import OrgUnit, Process, Staff

router = Router(tags=["documents"])


def _unit(user: Any, code: str, field: str = "org_unit") -> OrgUnit:
    unit = scoped(user, OrgUnit.objects.active()).filter(code=code).first()
    if unit is None:
        raise ValidationFailed(fields={field: [_("Unknown org unit %(code)s.") % {"code": code}]})
    return unit


def _any_units(codes: list[str], field: str) -> list[OrgUnit]:
    units = list(OrgUnit.objects.active().filter(code__in=codes))
    missing = set(codes) - {u.code for u in units}
    if missing:
        raise ValidationFailed(
            fields={field: [_("Unknown org unit %(code)s.") % {"code": ", ".join(sorted(missing))}]}
        )
    return units


def _staff(user: Any, employee_no: str, field: str = "staff") -> Staff:
    s = scoped(user, Staff.objects.active()).filter(employee_no=employee_no).first()
    if s is None:
        raise ValidationFailed(fields={field: [_("Unknown staff member %(no)s.") % {"no": employee_no}]})
    return s


def _one(qs: Any, **lookup: Any) -> Any:
    obj = qs.filter(**lookup).first()
    if obj is None:
        raise NotFound()
    return obj


# --- documents ----------------------------------------------------------------------------------------


class SignatureOut(Schema):
    signer: str
    meaning: str
    signed_at: datetime
    comment: str


class VersionOut(Schema):
    id: int
    document: str
    version: str
    status: str
    text: str
    file: str | None
    change_summary: str
    effective_date: date | None
    signatures: list[SignatureOut]
    author: str | None


def _version_out(v: DocumentVersion) -> dict[str, Any]:
    return {
        "id": v.pk,
        "document": v.document.number,
        "version": v.label,
        "status": v.status,
        "text": v.text,
        "file": v.file.name if v.file else None,
        "change_summary": v.change_summary,
        "effective_date": v.effective_date,
        "signatures": [
            {"signer": s.signer_name, "meaning": s.meaning, "signed_at": s.signed_at, "comment": s.comment}
            for s in v.signatures.all()
        ],
        "author": v.created_by.get_username() if v.created_by_id else None,
    }


class DocumentOut(Schema):
    id: int
    number: str
    title: str
    doc_type: str
    org_unit: str
    owner: str
    effective_version: str | None
    next_review_date: date | None
    distribution_units: list[str]
    distribution_roles: list[str]
    processes: list[str]
    service_standard_refs: str
    nonconformity_refs: str
    project_refs: str


def _doc_out(d: Document) -> dict[str, Any]:
    return {
        "id": d.pk,
        "number": d.number,
        "title": d.title,
        "doc_type": d.doc_type,
        "org_unit": d.org_unit.code,
        "owner": d.owner.get_username(),
        "effective_version": d.current_version.label if d.current_version_id else None,
        "next_review_date": d.next_review_date,
        "distribution_units": [u.code for u in d.distribution_units.all()],
        "distribution_roles": list(d.distribution_roles or []),
        "processes": [p.code for p in d.processes.all()],
        "service_standard_refs": d.service_standard_refs,
        "nonconformity_refs": d.nonconformity_refs,
        "project_refs": d.project_refs,
    }


class DocumentIn(Schema):
    title: str
    doc_type: str
    org_unit: str
    review_interval_months: int = 12
    distribution_units: list[str] = []
    distribution_roles: list[str] = []
    processes: list[str] = []
    service_standard_refs: str = ""
    nonconformity_refs: str = ""
    project_refs: str = ""


class DocumentFilter(Schema):
    doc_type: str | None = None
    q: str | None = None
    review_due: bool | None = None


@router.get("/documents", response=list[DocumentOut])
@paginate(Page)
def list_documents(request: HttpRequest, filters: Query[DocumentFilter]) -> Any:
    require_perm(request.user, "documents.view_document")
    qs = selectors.documents(request.user).prefetch_related("distribution_units", "processes")
    if filters.doc_type:
        qs = qs.filter(doc_type=filters.doc_type)
    if filters.q:
        qs = qs.filter(title__icontains=filters.q)
    if filters.review_due:
        from datetime import timedelta

        from django.utils import timezone

        qs = qs.filter(next_review_date__lte=timezone.localdate() + timedelta(days=30))
    return Mapped(qs, _doc_out)


@router.post("/documents", response={201: DocumentOut})
def create_document(request: HttpRequest, payload: DocumentIn) -> Status:
    require_perm(request.user, "documents.add_document")
    procs = list(Process.objects.active().filter(code__in=payload.processes))
    if len(procs) != len(set(payload.processes)):
        raise ValidationFailed(fields={"processes": [_("Unknown process code.")]})
    doc = services.create_document(
        actor=request.user,
        title=payload.title,
        doc_type=payload.doc_type,
        org_unit=_unit(request.user, payload.org_unit),
        review_interval_months=payload.review_interval_months,
        distribution_units=_any_units(payload.distribution_units, "distribution_units"),
        distribution_roles=payload.distribution_roles,
        processes=procs,
        service_standard_refs=payload.service_standard_refs,
        nonconformity_refs=payload.nonconformity_refs,
        project_refs=payload.project_refs,
    )
    return Status(201, _doc_out(doc))


@router.get("/documents/{doc_id}", response=DocumentOut)
def get_document(request: HttpRequest, doc_id: int) -> dict[str, Any]:
    return _doc_out(selectors.document(request.user, doc_id))


@router.get("/documents/{doc_id}/versions", response=list[VersionOut])
def list_versions(request: HttpRequest, doc_id: int) -> list[dict[str, Any]]:
    doc = selectors.document(request.user, doc_id)
    if not selectors.can_manage(request.user, doc):
        return [_version_out(doc.current_version)] if doc.current_version else []
    return [_version_out(v) for v in doc.versions.active().prefetch_related("signatures")]


class VersionIn(Schema):
    text: str = ""
    major: bool = False
    change_summary: str = ""
    effective_date: date | None = None


@router.post("/documents/{doc_id}/versions", response={201: VersionOut})
def create_version(request: HttpRequest, doc_id: int, payload: VersionIn) -> Status:
    doc = _one(selectors.documents(request.user), pk=doc_id)
    v = services.add_version(actor=request.user, document=doc, **payload.dict())
    return Status(201, _version_out(v))


class CompletionOut(Schema):
    version: str | None
    total: int
    acknowledged: list[str]
    pending: list[str]
    percent: float


@router.get("/documents/{doc_id}/acknowledgements", response=CompletionOut)
def completion(request: HttpRequest, doc_id: int) -> dict[str, Any]:
    doc = _one(selectors.documents(request.user), pk=doc_id)
    c = selectors.acknowledgement_completion(request.user, doc)
    return {
        "version": c.version.label if c.version else None,
        "total": c.total,
        "acknowledged": [s.employee_no for s, _when in c.done],
        "pending": [s.employee_no for s in c.pending],
        "percent": c.percent,
    }


@router.get("/document-versions/{version_id}", response=VersionOut)
def get_version(request: HttpRequest, version_id: int) -> dict[str, Any]:
    return _version_out(selectors.version(request.user, version_id))


class TransitionIn(Schema):
    action: str
    reason: str = ""


@router.post("/document-versions/{version_id}/transitions", response=VersionOut)
def transition(request: HttpRequest, version_id: int, payload: TransitionIn) -> dict[str, Any]:
    """Actions: submit (draft → in review), return (in review → draft), effective (approved → effective,
    once its date has come), obsolete. Approval is a signature, see ``/signatures``."""
    v = _one(selectors.versions(request.user), pk=version_id)
    user = request.user
    if payload.action == "submit":
        services.submit_for_review(actor=user, version=v)
    elif payload.action == "return":
        services.return_to_draft(actor=user, version=v, reason=payload.reason)
    elif payload.action == "obsolete":
        services.make_obsolete(actor=user, version=v, reason=payload.reason)
    elif payload.action == "effective":
        require_perm(user, "documents.approve_documentversion")
        if not services.make_effective(version_id=v.pk, actor=user):
            raise ValidationFailed(
                _("Only an approved version whose effective date has come can become effective."),
                fields={"action": [_("Not due yet.")]},
                code="illegal_transition",
            )
    else:
        raise ValidationFailed(fields={"action": [_("Unknown action.")]})
    return _version_out(DocumentVersion.objects.get(pk=v.pk))


@router.post("/document-versions/{version_id}/file", response=VersionOut)
def upload_file(request: HttpRequest, version_id: int, file: File[UploadedFile]) -> dict[str, Any]:
    v = _one(selectors.versions(request.user), pk=version_id)
    return _version_out(services.edit_draft(actor=request.user, version=v, changes={"file": file}))


class SignIn(Schema):
    password: str
    meaning: str
    comment: str = ""
    effective_date: date | None = None


@router.post("/document-versions/{version_id}/signatures", response={201: SignatureOut})
def sign(request: HttpRequest, version_id: int, payload: SignIn) -> Status:
    """An electronic signature: re-enter your password; meaning ``reviewed`` or ``approved``."""
    v = _one(selectors.versions(request.user), pk=version_id)
    s = services.sign(actor=request.user, version=v, **payload.dict())
    return Status(
        201, {"signer": s.signer_name, "meaning": s.meaning, "signed_at": s.signed_at, "comment": s.comment}
    )


class DiffOut(Schema):
    old: str
    new: str
    unified: str


@router.get("/document-versions/{version_id}/diff", response=DiffOut)
def diff(request: HttpRequest, version_id: int, against: int) -> dict[str, Any]:
    new = _one(selectors.versions(request.user), pk=version_id)
    old = _one(selectors.versions(request.user), pk=against, document_id=new.document_id)
    return {
        "old": old.label,
        "new": new.label,
        "unified": domain.unified(old.text, new.text, f"v{old.label}", f"v{new.label}"),
    }


class AckOut(Schema):
    version: str
    staff: str
    acknowledged_at: datetime


@router.post("/document-versions/{version_id}/acknowledgements", response={201: AckOut})
def acknowledge(request: HttpRequest, version_id: int) -> Status:
    v = selectors.version(request.user, version_id)
    ack = services.acknowledge(actor=request.user, version=v)
    return Status(
        201, {"version": v.label, "staff": ack.staff.employee_no, "acknowledged_at": ack.acknowledged_at}
    )


# --- training -----------------------------------------------------------------------------------------


class CourseOut(Schema):
    id: int
    code: str
    title: str
    org_unit: str
    documents: list[str]
    competencies: list[str]
    pass_score: float
    validity_months: int
    due_days: int


def _course_out(c: Course) -> dict[str, Any]:
    return {
        "id": c.pk,
        "code": c.code,
        "title": c.title,
        "org_unit": c.org_unit.code,
        "documents": [d.number for d in c.documents.all()],
        "competencies": [k.code for k in c.competencies.all()],
        "pass_score": float(c.pass_score),
        "validity_months": c.validity_months,
        "due_days": c.due_days,
    }


class CourseIn(Schema):
    code: str
    title: str
    org_unit: str
    documents: list[str] = []
    competencies: list[str] = []
    pass_score: float = 60
    validity_months: int = 24
    due_days: int = 30


@router.get("/courses", response=list[CourseOut])
@paginate(Page)
def list_courses(request: HttpRequest) -> Any:
    require_perm(request.user, "documents.view_course")
    return Mapped(selectors.courses(request.user).prefetch_related("documents", "competencies"), _course_out)


@router.post("/courses", response={201: CourseOut})
def create_course(request: HttpRequest, payload: CourseIn) -> Status:
    docs = list(selectors.documents(request.user).filter(number__in=payload.documents))
    if len(docs) != len(set(payload.documents)):
        raise ValidationFailed(fields={"documents": [_("Unknown document number.")]})
    comps = list(Competency.objects.active().filter(code__in=payload.competencies))
    if len(comps) != len(set(payload.competencies)):
        raise ValidationFailed(fields={"competencies": [_("Unknown competency code.")]})
    data = payload.dict(exclude={"documents", "competencies", "org_unit"})
    data["org_unit"] = _unit(request.user, payload.org_unit)
    course = create_record(Course, actor=request.user, data=data)
    course.documents.set(docs)
    course.competencies.set(comps)
    return Status(201, _course_out(course))


class SessionOut(Schema):
    id: int
    course: str
    org_unit: str
    held_on: date
    trainer: str
    location: str


def _session_out(s: TrainingSession) -> dict[str, Any]:
    return {
        "id": s.pk,
        "course": s.course.code,
        "org_unit": s.org_unit.code,
        "held_on": s.held_on,
        "trainer": s.trainer,
        "location": s.location,
    }


class SessionIn(Schema):
    course: str
    org_unit: str
    held_on: date
    trainer: str = ""
    location: str = ""


@router.get("/training-sessions", response=list[SessionOut])
@paginate(Page)
def list_sessions(request: HttpRequest) -> Any:
    require_perm(request.user, "documents.view_trainingsession")
    return Mapped(selectors.sessions(request.user), _session_out)


@router.post("/training-sessions", response={201: SessionOut})
def create_session(request: HttpRequest, payload: SessionIn) -> Status:
    course = (
        selectors.courses(request.user).filter(code=payload.course).first()
        or Course.objects.filter(code=payload.course).first()
    )
    if course is None:
        raise ValidationFailed(fields={"course": [_("Unknown course code.")]})
    data = payload.dict(exclude={"course", "org_unit"})
    s = create_record(
        TrainingSession,
        actor=request.user,
        data={**data, "course": course, "org_unit": _unit(request.user, payload.org_unit)},
    )
    return Status(201, _session_out(s))


class AttendanceIn(Schema):
    staff: str
    attended: bool = True
    score: float | None = None


class AttendanceOut(Schema):
    session: int
    staff: str
    attended: bool
    score: float | None
    passed: bool


@router.post("/training-sessions/{session_id}/attendance", response=AttendanceOut)
def record_attendance(request: HttpRequest, session_id: int, payload: AttendanceIn) -> dict[str, Any]:
    from decimal import Decimal

    s = _one(selectors.sessions(request.user), pk=session_id)
    att = services.record_attendance(
        actor=request.user,
        session=s,
        staff=_staff(request.user, payload.staff),
        attended=payload.attended,
        score=None if payload.score is None else Decimal(str(payload.score)),
    )
    return {
        "session": s.pk,
        "staff": att.staff.employee_no,
        "attended": att.attended,
        "score": None if att.score is None else float(att.score),
        "passed": att.passed,
    }


class AssignmentOut(Schema):
    id: int
    course: str
    staff: str
    reason: str
    version: str | None
    due_date: date
    completed_at: datetime | None


def _assignment_out(a: Any) -> dict[str, Any]:
    return {
        "id": a.pk,
        "course": a.course.code,
        "staff": a.staff.employee_no,
        "reason": a.reason,
        "version": f"{a.version.document.number} v{a.version.label}" if a.version_id else None,
        "due_date": a.due_date,
        "completed_at": a.completed_at,
    }


class AssignmentIn(Schema):
    course: str
    staff: str
    due_date: date


@router.get("/training-assignments", response=list[AssignmentOut])
@paginate(Page)
def list_assignments(request: HttpRequest, open_only: bool = False) -> Any:
    require_perm(request.user, "documents.view_trainingassignment")
    qs = selectors.assignments(request.user).select_related("version__document")
    if open_only:
        qs = qs.filter(completed_at__isnull=True)
    return Mapped(qs, _assignment_out)


@router.post("/training-assignments", response={201: AssignmentOut})
def create_assignment(request: HttpRequest, payload: AssignmentIn) -> Status:
    course = Course.objects.active().filter(code=payload.course).first()
    if course is None:
        raise ValidationFailed(fields={"course": [_("Unknown course code.")]})
    a = services.assign_course(
        actor=request.user,
        course=course,
        staff=_staff(request.user, payload.staff),
        due_date=payload.due_date,
    )
    return Status(201, _assignment_out(a))


class MatrixOut(Schema):
    courses: list[str]
    rows: list[dict[str, Any]]
    overdue: int


@router.get("/training-matrix", response=MatrixOut)
def training_matrix(request: HttpRequest, unit: str = "") -> dict[str, Any]:
    require_perm(request.user, "documents.view_trainingassignment")
    path = _unit(request.user, unit, "unit").path if unit else ""
    m = selectors.training_matrix(request.user, unit_path=path)
    return {
        "courses": [c.code for c in m.courses],
        "rows": [
            {"staff": s.employee_no, "name": s.name, "cells": [c["status"] for c in cells]}
            for s, cells in m.rows
        ],
        "overdue": m.overdue,
    }


class CertificateOut(Schema):
    number: str
    staff: str
    course: str
    issued_on: date
    expires_on: date | None


@router.get("/certificates", response=list[CertificateOut])
@paginate(Page)
def list_certificates(request: HttpRequest) -> Any:
    require_perm(request.user, "documents.view_certificate")
    return Mapped(
        selectors.certificates(request.user),
        lambda c: {
            "number": c.number,
            "staff": c.staff.employee_no,
            "course": c.course.code,
            "issued_on": c.issued_on,
            "expires_on": c.expires_on,
        },
    )


class CompetencyIO(Schema):
    code: str
    name: str
    description: str = ""


@router.get("/competencies", response=list[CompetencyIO])
@paginate(Page)
def list_competencies(request: HttpRequest) -> Any:
    require_perm(request.user, "documents.view_competency")
    return selectors.competencies(request.user)


@router.post("/competencies", response={201: CompetencyIO})
def create_competency(request: HttpRequest, payload: CompetencyIO) -> Status:
    c = create_record(Competency, actor=request.user, data=payload.dict())
    return Status(201, c)


class CompetencyRecordIn(Schema):
    staff: str
    competency: str
    level: int
    assessed_on: date
    evidence: str = ""


@router.get("/competency-records", response=list[CompetencyRecordIn])
@paginate(Page)
def list_competency_records(request: HttpRequest) -> Any:
    require_perm(request.user, "documents.view_competencyrecord")
    return Mapped(
        selectors.competency_records(request.user),
        lambda r: {
            "staff": r.staff.employee_no,
            "competency": r.competency.code,
            "level": r.level,
            "assessed_on": r.assessed_on,
            "evidence": r.evidence,
        },
    )


@router.post("/competency-records", response={201: CompetencyRecordIn})
def create_competency_record(request: HttpRequest, payload: CompetencyRecordIn) -> Status:
    comp = Competency.objects.active().filter(code=payload.competency).first()
    if comp is None:
        raise ValidationFailed(fields={"competency": [_("Unknown competency code.")]})
    data = payload.dict(exclude={"staff", "competency"})
    create_record(
        CompetencyRecord,
        actor=request.user,
        data={**data, "staff": _staff(request.user, payload.staff), "competency": comp},
    )
    return Status(201, payload.dict())
