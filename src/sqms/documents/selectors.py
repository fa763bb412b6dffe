"""Reads of documents and training, always scoped to the user's org units (or, for a reader, to the
documents distributed to him)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from sqms.core.errors import NotFound
from sqms.core.scoping import scoped
from sqms.documents import domain
from sqms.documents.models import (
    Acknowledgement,
    Attendance,
    Certificate,
    Competency,
    CompetencyRecord,
    Course,
    Document,
    DocumentVersion,
    TrainingAssignment,
    TrainingSession,
)
from sqms.documents.services import distribution_staff
from sqms.org.models import Staff


def documents(user: Any) -> QuerySet[Document]:
    return scoped(user, Document.objects.active()).select_related("org_unit", "owner", "current_version")


def document(user: Any, pk: int) -> Document:
    doc = documents(user).filter(pk=pk).first()
    if doc is None:
        doc = readable_documents(user).filter(pk=pk).first()
    if doc is None:
        raise NotFound()
    return doc


def can_manage(user: Any, doc: Document) -> bool:
    return documents(user).filter(pk=doc.pk).exists()


def versions(user: Any) -> QuerySet[DocumentVersion]:
    return scoped(user, DocumentVersion.objects.active()).select_related("document")


def version(user: Any, pk: int) -> DocumentVersion:
    v = versions(user).filter(pk=pk).first()
    if v is None:
        v = (
            DocumentVersion.objects.filter(
                pk=pk, status=domain.EFFECTIVE, document__in=readable_documents(user)
            )
            .select_related("document")
            .first()
        )
    if v is None:
        raise NotFound()
    return v


def readable_documents(user: Any) -> QuerySet[Document]:
    """Documents with an effective version distributed to the user (what he must read)."""
    staff = Staff.objects.filter(user=user).select_related("org_unit").first()
    if staff is None:
        return Document.objects.none()
    ids = [
        d.pk
        for d in Document.objects.active()
        .filter(current_version__isnull=False)
        .prefetch_related("distribution_units")
        if distribution_staff(d).filter(pk=staff.pk).exists()
    ]
    return Document.objects.filter(pk__in=ids).select_related("current_version", "org_unit")


@dataclass
class Completion:
    version: DocumentVersion | None
    done: list[tuple[Staff, Any]] = field(default_factory=list)
    pending: list[Staff] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.done) + len(self.pending)

    @property
    def percent(self) -> float:
        return domain.completion(self.total, len(self.done))


def acknowledgement_completion(user: Any, doc: Document) -> Completion:
    """Who has and who has not acknowledged the effective version (people in the user's scope)."""
    v = doc.current_version
    if v is None:
        return Completion(None)
    people = scoped(user, distribution_staff(doc))
    acks = {a.staff_id: a.acknowledged_at for a in Acknowledgement.objects.filter(version=v)}
    result = Completion(v)
    for s in people.order_by("org_unit__path", "employee_no"):
        if s.pk in acks:
            result.done.append((s, acks[s.pk]))
        else:
            result.pending.append(s)
    return result


def my_reading(user: Any) -> list[dict[str, Any]]:
    staff = Staff.objects.filter(user=user).first()
    if staff is None:
        return []
    acked = set(Acknowledgement.objects.filter(staff=staff).values_list("version_id", flat=True))
    return [
        {"document": d, "version": d.current_version, "acknowledged": d.current_version_id in acked}
        for d in readable_documents(user).order_by("number")
    ]


def my_training(user: Any) -> QuerySet[TrainingAssignment]:
    return TrainingAssignment.objects.active().filter(staff__user=user).select_related("course", "version")


def courses(user: Any) -> QuerySet[Course]:
    return scoped(user, Course.objects.active()).select_related("org_unit")


def sessions(user: Any) -> QuerySet[TrainingSession]:
    return scoped(user, TrainingSession.objects.active()).select_related("course", "org_unit")


def attendance(user: Any) -> QuerySet[Attendance]:
    return scoped(user, Attendance.objects.active()).select_related("session__course", "staff")


def certificates(user: Any) -> QuerySet[Certificate]:
    return scoped(user, Certificate.objects.active()).select_related("course", "staff")


def assignments(user: Any) -> QuerySet[TrainingAssignment]:
    return scoped(user, TrainingAssignment.objects.active()).select_related("course", "staff", "version")


def competencies(user: Any) -> QuerySet[Competency]:
    return Competency.objects.active()


def competency_records(user: Any) -> QuerySet[CompetencyRecord]:
    return scoped(user, CompetencyRecord.objects.active()).select_related("staff", "competency")


@dataclass
class Matrix:
    courses: list[Course]
    rows: list[tuple[Staff, list[dict[str, Any]]]]
    overdue: int


def training_matrix(user: Any, today: date | None = None, unit_path: str = "", limit: int = 500) -> Matrix:
    """Staff × required courses (a course is required of a person who has an assignment for it)."""
    today = today or timezone.localdate()
    assigned = assignments(user)
    if unit_path:
        assigned = assigned.filter(staff__org_unit__path__startswith=unit_path)
    by_cell: dict[tuple[int, int], list[TrainingAssignment]] = {}
    staff_ids: list[int] = []
    course_ids: set[int] = set()
    for a in assigned.order_by("staff__employee_no", "due_date"):
        if a.staff_id not in by_cell and a.staff_id not in staff_ids:
            staff_ids.append(a.staff_id)
        by_cell.setdefault((a.staff_id, a.course_id), []).append(a)
        course_ids.add(a.course_id)
    staff_ids = staff_ids[:limit]
    certs: dict[tuple[int, int], Certificate] = {}
    for c in Certificate.objects.active().filter(staff_id__in=staff_ids).order_by("issued_on"):
        certs[(c.staff_id, c.course_id)] = c
    course_list = list(Course.objects.filter(pk__in=course_ids).order_by("code"))
    staff_map = Staff.objects.in_bulk(staff_ids)
    rows = []
    overdue = 0
    for sid in staff_ids:
        cells = []
        for course in course_list:
            items = by_cell.get((sid, course.pk), [])
            open_items = [a for a in items if a.completed_at is None]
            cert = certs.get((sid, course.pk))
            status = domain.cell_status(
                required=bool(items),
                completed=bool(items) and not open_items,
                due=min((a.due_date for a in open_items), default=None),
                certificate_expires=cert.expires_on if cert else None,
                today=today,
            )
            overdue += status == domain.OVERDUE
            cells.append(
                {
                    "status": status,
                    "due": min((a.due_date for a in open_items), default=None),
                    "certificate": cert,
                }
            )
        rows.append((staff_map[sid], cells))
    return Matrix(course_list, rows, overdue)


def dashboard_figures(user: Any, today: date | None = None) -> dict[str, int]:
    from datetime import timedelta

    today = today or timezone.localdate()
    docs = documents(user)
    due_review = docs.filter(next_review_date__lte=today + timedelta(days=30)).count()
    unacked = 0
    for d in docs.filter(current_version__isnull=False).prefetch_related("distribution_units")[:200]:
        c = acknowledgement_completion(user, d)
        unacked += len(c.pending)
    overdue = assignments(user).filter(completed_at__isnull=True, due_date__lt=today).count()
    return {"due_review": due_review, "unacknowledged": unacked, "overdue_training": overdue}
