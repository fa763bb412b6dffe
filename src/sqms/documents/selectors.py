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


# --- the quality report's "documents and training" section ---------------------------------------------


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def documents_training_summary(user: Any, start: date, end: date, unit_path: str = "") -> dict[str, Any]:
    """Controlled documents and training of the period in the user's scope (``unit_path``: that subtree).

    Versions count when made effective in the period; reviews are due when the next review date is on or
    before the period's end; sessions count when held in it; assignments when due in it (on time = completed
    by the end of the due date); certificates when they expire in it."""
    import datetime as dt

    from django.db.models import Count, Q

    from sqms.documents.models import Acknowledgement, DocType

    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tz)

    def unit(qs: Any, path_field: str) -> Any:
        return qs.filter(**{f"{path_field}__startswith": unit_path}) if unit_path else qs

    docs = unit(documents(user), "org_unit__path")
    # controlled in the period: a version had been made effective by its end (and still one is now)
    controlled = docs.filter(current_version__isnull=False).filter(
        pk__in=DocumentVersion.objects.filter(effective_at__lt=hi).values("document_id")
    )
    new_versions = unit(versions(user), "document__org_unit__path").filter(
        effective_at__gte=lo, effective_at__lt=hi
    )
    review_due = controlled.filter(next_review_date__lte=end)
    per_type = {t: {"documents": 0, "new_versions": 0, "review_due": 0} for t in DocType.values}
    for t, n in controlled.values_list("doc_type").annotate(n=Count("id")).order_by():
        per_type.setdefault(t, {"documents": 0, "new_versions": 0, "review_due": 0})["documents"] = n
    for t, n in new_versions.values_list("document__doc_type").annotate(n=Count("id")).order_by():
        per_type.setdefault(t, {"documents": 0, "new_versions": 0, "review_due": 0})["new_versions"] = n
    for t, n in review_due.values_list("doc_type").annotate(n=Count("id")).order_by():
        per_type.setdefault(t, {"documents": 0, "new_versions": 0, "review_due": 0})["review_due"] = n
    acks = unit(scoped(user, Acknowledgement.objects.all()), "staff__org_unit__path").filter(
        acknowledged_at__gte=lo, acknowledged_at__lt=hi
    )
    held = unit(sessions(user), "org_unit__path").filter(held_on__gte=start, held_on__lte=end)
    att = unit(attendance(user), "staff__org_unit__path").filter(
        session__held_on__gte=start, session__held_on__lte=end, attended=True
    )
    by_course = (
        att.values("session__course__code", "session__course__title")
        .annotate(
            sessions=Count("session", distinct=True),
            attended=Count("id"),
            passed=Count("id", filter=Q(passed=True)),
        )
        .order_by("session__course__code")
    )
    due = unit(assignments(user), "staff__org_unit__path").filter(due_date__gte=start, due_date__lte=end)
    due_rows = list(due.values_list("due_date", "completed_at"))
    on_time = sum(1 for d, c in due_rows if c is not None and timezone.localtime(c, tz).date() <= d)
    completed = sum(1 for _d, c in due_rows if c is not None and c < hi)
    overdue = (
        unit(assignments(user), "staff__org_unit__path")
        .filter(due_date__lte=end, due_date__lt=timezone.localdate())
        .filter(Q(completed_at__isnull=True) | Q(completed_at__gte=hi))
        .count()
    )
    expiring = unit(certificates(user), "staff__org_unit__path").filter(
        expires_on__gte=start, expires_on__lte=end
    )
    n_att = att.count()
    n_passed = att.filter(passed=True).count()
    return {
        "documents": controlled.count(),
        "new_versions": new_versions.count(),
        "review_due": review_due.count(),
        "by_type": per_type,
        "acknowledgements": acks.count(),
        "sessions": held.count(),
        "attended": n_att,
        "passed": n_passed,
        "pass_rate": _pct(n_passed, n_att),
        "by_course": [
            {
                "code": r["session__course__code"],
                "title": r["session__course__title"],
                "sessions": r["sessions"],
                "attended": r["attended"],
                "passed": r["passed"],
                "pass_rate": _pct(r["passed"], r["attended"]),
            }
            for r in by_course
        ],
        "assignments_due": len(due_rows),
        "assignments_completed": completed,
        "assignments_on_time": on_time,
        "on_time_rate": _pct(on_time, len(due_rows)),
        "assignments_overdue": overdue,
        "certificates_expiring": expiring.count(),
    }


def quality_report_section(user: Any, start: date, end: date, unit_path: str = "") -> dict[str, Any] | None:
    """The "documents and training" section of the quality report (picked up by sqms.reports)."""
    from django.utils.translation import gettext as _
    from django.utils.translation import pgettext

    from sqms.documents.models import DocType

    if not (user.has_perm("documents.view_document") or user.has_perm("documents.view_trainingsession")):
        return None
    s = documents_training_summary(user, start, end, unit_path)
    if not (s["documents"] or s["sessions"] or s["assignments_due"] or s["new_versions"]):
        return None
    types = dict(DocType.choices)
    tables = [
        {
            "title": _("Controlled documents by type"),
            "columns": [
                pgettext("report column", "Type"),
                _("Controlled documents"),
                _("New versions effective"),
                _("Reviews due"),
            ],
            "rows": [
                [str(types.get(t, t)), v["documents"], v["new_versions"], v["review_due"]]
                for t, v in s["by_type"].items()
                if any(v.values())
            ],
        },
        {
            "title": _("Training by course"),
            "columns": [
                pgettext("report column", "Course"),
                _("Sessions"),
                _("Attended"),
                pgettext("training", "Passed"),
                pgettext("training", "Pass rate (%)"),
            ],
            "rows": [
                [f"{r['code']} {r['title']}", r["sessions"], r["attended"], r["passed"], r["pass_rate"]]
                for r in s["by_course"]
            ],
        },
    ]
    return {
        "figures": [
            {"label": _("Controlled documents"), "value": s["documents"]},
            {"label": _("New versions effective"), "value": s["new_versions"]},
            {"label": _("Documents due for review"), "value": s["review_due"]},
            {"label": _("Read acknowledgements"), "value": s["acknowledgements"]},
            {"label": _("Training sessions held"), "value": s["sessions"]},
            {"label": _("Training pass rate"), "value": s["pass_rate"], "suffix": "%"},
            {"label": _("Training due in the period"), "value": s["assignments_due"]},
            {"label": _("Training completed on time"), "value": s["on_time_rate"], "suffix": "%"},
            {"label": _("Overdue training"), "value": s["assignments_overdue"]},
            {"label": _("Certificates expiring"), "value": s["certificates_expiring"]},
        ],
        "tables": [t for t in tables if t["rows"]],
        "chart": {
            "title": _("Training attendance by course"),
            "labels": [r["code"] for r in s["by_course"]][:10],
            "values": [r["attended"] for r in s["by_course"]][:10],
            "series": _("Attended"),
        }
        if s["by_course"]
        else None,
        "note": _("Training counts as on time when completed by the end of its due date."),
    }
