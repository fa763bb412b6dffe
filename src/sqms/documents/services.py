"""Writes of documents and training: keyword-only, atomic, permission- and scope-checked, audited.

The version lifecycle follows :data:`sqms.documents.domain.TRANSITIONS`; reviewing and approving are
electronic signatures (the signer re-enters the password). Making a version effective supersedes the
previous one, asks its readers to acknowledge it and assigns retraining for linked courses.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.errors import Forbidden, ValidationFailed
from sqms.core.models import AuditAction
from sqms.core.services import (
    clean_or_raise,
    create_record,
    notify,
    require_in_scope,
    require_perm,
)
from sqms.documents import domain
from sqms.documents.models import (
    Acknowledgement,
    AssignmentReason,
    Attendance,
    Certificate,
    Course,
    Document,
    DocumentVersion,
    Signature,
    SignatureMeaning,
    TrainingAssignment,
    TrainingSession,
    VersionStatus,
)
from sqms.org.models import RoleAssignment, Staff


def display_name(user: Any) -> str:
    staff = Staff.objects.filter(user=user).first()
    if staff is not None:
        return staff.name
    return user.get_full_name() or user.get_username()


# --- documents ----------------------------------------------------------------------------------------


@transaction.atomic
def create_document(
    *,
    actor: Any,
    title: str,
    doc_type: str,
    org_unit: Any,
    owner: Any = None,
    review_interval_months: int = 12,
    distribution_units: list[Any] | None = None,
    distribution_roles: list[str] | None = None,
    processes: list[Any] | None = None,
    service_standard_refs: str = "",
    nonconformity_refs: str = "",
    project_refs: str = "",
) -> Document:
    if doc_type not in domain.TYPE_PREFIX:
        raise ValidationFailed(fields={"doc_type": [_("Unknown document type.")]})
    existing = list(
        Document.objects.filter(number__startswith=domain.TYPE_PREFIX[doc_type] + "-").values_list(
            "number", flat=True
        )
    )
    doc = create_record(
        Document,
        actor=actor,
        data={
            "number": domain.next_number(doc_type, existing),
            "title": (title or "").strip(),
            "doc_type": doc_type,
            "org_unit": org_unit,
            "owner": owner or actor,
            "review_interval_months": review_interval_months,
            "distribution_roles": list(distribution_roles or []),
            "service_standard_refs": service_standard_refs,
            "nonconformity_refs": nonconformity_refs,
            "project_refs": project_refs,
        },
    )
    if distribution_units:
        doc.distribution_units.set(distribution_units)
    if processes:
        doc.processes.set(processes)
    return doc


@transaction.atomic
def set_distribution(*, actor: Any, document: Document, units: list[Any], roles: list[str]) -> Document:
    require_perm(actor, "documents.change_document")
    require_in_scope(actor, document)
    before = {
        "distribution_units": sorted(u.code for u in document.distribution_units.all()),
        "distribution_roles": document.distribution_roles,
    }
    document.distribution_roles = list(roles)
    clean_or_raise(document)
    document.save(update_fields=["distribution_roles", "updated_at"])
    document.distribution_units.set(units)
    after = {"distribution_units": sorted(u.code for u in units), "distribution_roles": list(roles)}
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=document,
        before=before,
        after=after,
        verb=_("Distribution changed"),
    )
    return document


@transaction.atomic
def add_version(
    *,
    actor: Any,
    document: Document,
    text: str = "",
    file: Any = None,
    major: bool = False,
    change_summary: str = "",
    effective_date: date | None = None,
) -> DocumentVersion:
    """A new draft. Only one version may be in progress (draft, in review or approved) at a time."""
    require_perm(actor, "documents.add_documentversion")
    require_in_scope(actor, document)
    Document.objects.select_for_update().filter(pk=document.pk).first()
    if document.versions.filter(status__in=list(domain.LIVE)).exists():
        raise ValidationFailed(
            _("A version of this document is already in progress; finish or withdraw it first."),
            fields={"document": [_("A version is already in progress.")]},
        )
    numbers = list(document.versions.values_list("major", "minor"))
    mj, mn = domain.next_version(numbers, major)
    data: dict[str, Any] = {
        "document": document,
        "major": mj,
        "minor": mn,
        "text": text or "",
        "change_summary": change_summary,
        "effective_date": effective_date,
    }
    if file is not None:
        data["file"] = file
    version = create_record(DocumentVersion, actor=actor, data=data, verb=_("Draft version created"))
    if version.file:
        audit.record(
            actor=actor,
            action=AuditAction.ACTION,
            instance=version,
            verb=_("File uploaded"),
            extra={"file": version.file.name, "size": version.file.size},
        )
    return version


def _move(
    version: DocumentVersion, target: str, *, actor: Any, verb: str, extra: dict[str, Any] | None = None
) -> None:
    try:
        domain.check_move(version.status, target)
    except domain.IllegalTransition:
        raise ValidationFailed(
            _("A version that is %(current)s cannot become %(target)s.")
            % {
                "current": VersionStatus(version.status).label,
                "target": VersionStatus(target).label,
            },
            fields={"status": [_("Illegal status change.")]},
            code="illegal_transition",
        ) from None
    before = audit.snapshot(version)
    version.status = target
    version.status_changed_at = timezone.now()
    if getattr(actor, "pk", None):
        version.updated_by = actor
    version.save()
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        instance=version,
        before=before,
        after=audit.snapshot(version),
        verb=verb,
        extra=extra,
    )


def _locked(version: DocumentVersion) -> DocumentVersion:
    return (
        DocumentVersion.objects.select_for_update(of=("self",)).select_related("document").get(pk=version.pk)
    )


@transaction.atomic
def edit_draft(*, actor: Any, version: DocumentVersion, changes: dict[str, Any]) -> DocumentVersion:
    require_perm(actor, "documents.change_documentversion")
    require_in_scope(actor, version)
    version = _locked(version)
    if version.status not in domain.EDITABLE:
        raise ValidationFailed(
            _("Only a draft can be edited."), fields={"status": [_("Only a draft can be edited.")]}
        )
    before = audit.snapshot(version)
    for k in ("text", "file", "change_summary", "effective_date"):
        if k in changes:
            setattr(version, k, changes[k])
    version.updated_by = actor
    clean_or_raise(version)
    version.save()
    audit.record(
        actor=actor, action=AuditAction.UPDATE, instance=version, before=before, after=audit.snapshot(version)
    )
    return version


@transaction.atomic
def submit_for_review(*, actor: Any, version: DocumentVersion) -> DocumentVersion:
    require_perm(actor, "documents.change_documentversion")
    require_in_scope(actor, version)
    version = _locked(version)
    clean_or_raise(version)
    _move(version, domain.IN_REVIEW, actor=actor, verb=_("Submitted for review"))
    reviewers = [
        ra.user for ra in RoleAssignment.objects.filter(role="quality_manager").select_related("user")
    ]
    notify(
        [u for u in reviewers if u.pk != getattr(actor, "pk", None)],
        title=_("%(doc)s is waiting for review") % {"doc": version},
        url=f"/documents/{version.document_id}/",
        kind="document",
    )
    return version


@transaction.atomic
def return_to_draft(*, actor: Any, version: DocumentVersion, reason: str = "") -> DocumentVersion:
    require_perm(actor, "documents.change_documentversion")
    require_in_scope(actor, version)
    version = _locked(version)
    _move(version, domain.DRAFT, actor=actor, verb=_("Returned to draft"), extra={"reason": reason})
    return version


@transaction.atomic
def make_obsolete(*, actor: Any, version: DocumentVersion, reason: str = "") -> DocumentVersion:
    require_perm(actor, "documents.change_documentversion")
    require_in_scope(actor, version)
    version = _locked(version)
    was_current = version.document.current_version_id == version.pk
    _move(version, domain.OBSOLETE, actor=actor, verb=_("Made obsolete"), extra={"reason": reason})
    if was_current:
        Document.objects.filter(pk=version.document_id).update(current_version=None)
    return version


@transaction.atomic
def sign(
    *,
    actor: Any,
    version: DocumentVersion,
    password: str,
    meaning: str,
    comment: str = "",
    effective_date: date | None = None,
) -> Signature:
    """An electronic signature. The password is checked first: a wrong one signs nothing. ``reviewed``
    needs a version in review; ``approved`` needs a review signature, another person than the author,
    and moves the version to Approved (effective on ``effective_date``, default today)."""
    if meaning not in SignatureMeaning.values:
        raise ValidationFailed(fields={"meaning": [_("Choose reviewed or approved.")]})
    if not password or not actor.check_password(password):
        raise ValidationFailed(
            _("The password is wrong: nothing was signed."),
            fields={"password": [_("The password is wrong.")]},
            code="wrong_password",
        )
    return sign_verified(
        actor=actor, version=version, meaning=meaning, comment=comment, effective_date=effective_date
    )


@transaction.atomic
def sign_verified(
    *,
    actor: Any,
    version: DocumentVersion,
    meaning: str,
    comment: str = "",
    effective_date: date | None = None,
) -> Signature:
    """The signature itself, once the signer's identity is established: by :func:`sign` (password
    re-entered) or by the demo seeder, which writes historical signatures of known demo users."""
    if meaning not in SignatureMeaning.values:
        raise ValidationFailed(fields={"meaning": [_("Choose reviewed or approved.")]})
    perm = (
        "documents.review_documentversion" if meaning == "reviewed" else "documents.approve_documentversion"
    )
    require_perm(actor, perm)
    require_in_scope(actor, version)
    version = _locked(version)
    if version.status != domain.IN_REVIEW:
        raise ValidationFailed(
            _("Only a version in review can be signed; this one is %(status)s.")
            % {"status": VersionStatus(version.status).label},
            fields={"status": [_("Not in review.")]},
            code="illegal_transition",
        )
    if meaning == SignatureMeaning.APPROVED:
        if version.created_by_id == actor.pk:
            raise Forbidden(_("Nobody may approve his own draft."), code="self_approval")
        if not version.signatures.filter(meaning=SignatureMeaning.REVIEWED).exists():
            raise ValidationFailed(
                _("The version needs a review signature before approval."),
                fields={"meaning": [_("Not reviewed yet.")]},
            )
    elif version.signatures.filter(meaning=SignatureMeaning.REVIEWED, signer=actor).exists():
        raise ValidationFailed(
            _("You have already signed this version as reviewed."), fields={"meaning": [_("Already signed.")]}
        )
    signature = Signature.objects.create(
        version=version, signer=actor, signer_name=display_name(actor), meaning=meaning, comment=comment[:300]
    )
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        instance=version,
        verb=_("Signed electronically: %(meaning)s") % {"meaning": signature.get_meaning_display()},
        extra={"signer": signature.signer_name, "meaning": meaning, "signed_at": signature.signed_at},
    )
    if meaning == SignatureMeaning.APPROVED:
        version.effective_date = effective_date or version.effective_date or timezone.localdate()
        _move(version, domain.APPROVED, actor=actor, verb=_("Approved"))
    return signature


@transaction.atomic
def make_effective(*, version_id: int, today: date | None = None, actor: Any = None) -> bool:
    """Make an approved version effective when its date has come: supersede the previous effective
    version, set the next review date, ask readers to acknowledge, assign retraining. Safe to run twice
    (returns False when there is nothing to do)."""
    today = today or timezone.localdate()
    version = (
        DocumentVersion.objects.select_for_update(of=("self",)).select_related("document").get(pk=version_id)
    )
    if version.status != domain.APPROVED or (version.effective_date and version.effective_date > today):
        return False
    document = version.document
    for old in DocumentVersion.objects.select_for_update(of=("self",)).filter(
        document=document, status=domain.EFFECTIVE
    ):
        _move(
            old, domain.SUPERSEDED, actor=actor, verb=_("Superseded by version %(v)s") % {"v": version.label}
        )
    version.effective_at = timezone.now()
    version.effective_date = version.effective_date or today
    _move(version, domain.EFFECTIVE, actor=actor, verb=_("Became effective"))
    before = audit.snapshot(document)
    document.current_version = version
    document.next_review_date = domain.review_due(version.effective_date, document.review_interval_months)
    document.review_reminded_on = None
    document.save(update_fields=["current_version", "next_review_date", "review_reminded_on", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=document,
        before=before,
        after=audit.snapshot(document),
        verb=_("New effective version"),
    )
    readers = list(distribution_staff(document))
    notify(
        [s.user for s in readers],
        title=_("New version of %(doc)s: please read and acknowledge") % {"doc": document},
        url="/documents/mine/",
        kind="document",
    )
    assign_retraining(version=version, actor=actor)
    return True


def make_due_versions_effective(today: date | None = None) -> int:
    today = today or timezone.localdate()
    ids = list(
        DocumentVersion.objects.filter(status=domain.APPROVED)
        .filter(Q(effective_date__lte=today) | Q(effective_date__isnull=True))
        .values_list("pk", flat=True)
    )
    return sum(1 for pk in ids if make_effective(version_id=pk, today=today))


def send_review_reminders(today: date | None = None, lead_days: int = 30) -> int:
    """Remind each owner once per review cycle that a document is due for its periodic review."""
    today = today or timezone.localdate()
    sent = 0
    limit = today + timedelta(days=lead_days)
    for doc in (
        Document.objects.active()
        .filter(next_review_date__lte=limit, review_reminded_on__isnull=True)
        .select_related("owner")
    ):
        with transaction.atomic():
            if not Document.objects.filter(pk=doc.pk, review_reminded_on__isnull=True).update(
                review_reminded_on=today
            ):
                continue
            notify(
                [doc.owner],
                title=_("%(doc)s is due for periodic review on %(date)s")
                % {"doc": doc, "date": doc.next_review_date},
                url=f"/documents/{doc.pk}/",
                kind="document",
                email=True,
            )
            sent += 1
    return sent


def distribution_staff(document: Document) -> QuerySet[Staff]:
    """Active staff in the distribution units (and their sub-units), limited to the roles if any."""
    units = list(document.distribution_units.all())
    if not units:
        return Staff.objects.none()
    q = Q()
    for u in units:
        q |= Q(org_unit__path__startswith=u.path)
    qs = Staff.objects.active().filter(active=True).filter(q)
    if document.distribution_roles:
        qs = qs.filter(user__role_assignments__role__in=document.distribution_roles)
    return qs.distinct().select_related("user", "org_unit")


@transaction.atomic
def acknowledge(*, actor: Any, version: DocumentVersion) -> Acknowledgement:
    """The actor's read-and-understood of an effective version distributed to him (idempotent)."""
    staff = Staff.objects.filter(user=actor).first()
    if staff is None or version.status != domain.EFFECTIVE:
        raise ValidationFailed(
            _("Only staff can acknowledge an effective version."), fields={"version": [_("Not effective.")]}
        )
    if not distribution_staff(version.document).filter(pk=staff.pk).exists():
        from sqms.core.errors import NotFound

        raise NotFound()
    ack, created = Acknowledgement.objects.get_or_create(version=version, staff=staff)
    if created:
        audit.record(
            actor=actor,
            action=AuditAction.ACTION,
            instance=version,
            verb=_("Read and understood"),
            extra={"staff": staff.name},
        )
    return ack


# --- training -----------------------------------------------------------------------------------------


@transaction.atomic
def assign_retraining(*, version: DocumentVersion, actor: Any = None) -> int:
    """For each course linked to the version's document, assign it to everyone the document is
    distributed to (once per version: running twice assigns nothing more). Not for a first version."""
    if (
        version.document.versions.exclude(pk=version.pk)
        .filter(status__in=[domain.EFFECTIVE, domain.SUPERSEDED])
        .count()
        == 0
    ):
        return 0
    courses = list(Course.objects.active().filter(documents=version.document))
    people = list(distribution_staff(version.document))
    made = 0
    for course in courses:
        due = timezone.localdate() + timedelta(days=course.due_days)
        for staff in people:
            try:
                with transaction.atomic():
                    assignment, created = TrainingAssignment.objects.get_or_create(
                        course=course,
                        staff=staff,
                        version=version,
                        defaults={
                            "reason": AssignmentReason.RETRAINING,
                            "due_date": due,
                            "created_by": actor,
                        },
                    )
            except IntegrityError:
                continue
            if created:
                made += 1
                audit.record(
                    actor=actor,
                    action=AuditAction.CREATE,
                    instance=assignment,
                    after=audit.snapshot(assignment),
                    verb=_("Retraining assigned"),
                )
        notify(
            [s.user for s in people],
            title=_("Retraining assigned: %(course)s") % {"course": course},
            url="/documents/mine/",
            kind="training",
        )
    return made


@transaction.atomic
def assign_course(*, actor: Any, course: Course, staff: Staff, due_date: date) -> TrainingAssignment:
    return create_record(
        TrainingAssignment,
        actor=actor,
        data={"course": course, "staff": staff, "due_date": due_date, "reason": AssignmentReason.INITIAL},
    )


@transaction.atomic
def record_attendance(
    *, actor: Any, session: TrainingSession, staff: Staff, attended: bool = True, score: Any = None
) -> Attendance:
    """Record (or correct) one person's attendance and score; a pass completes his open assignments of
    the course and issues a certificate valid for the course's validity."""
    require_perm(actor, "documents.add_attendance")
    require_in_scope(actor, session)
    require_in_scope(actor, staff)
    existing = Attendance.objects.filter(session=session, staff=staff).first()
    course = session.course
    ok = attended and domain.passed(None if score is None else float(score), float(course.pass_score))
    if existing is None:
        att = create_record(
            Attendance,
            actor=actor,
            data={"session": session, "staff": staff, "attended": attended, "score": score},
        )
    else:
        before = audit.snapshot(existing)
        existing.attended, existing.score = attended, score
        clean_or_raise(existing)
        existing.save()
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=existing,
            before=before,
            after=audit.snapshot(existing),
        )
        att = existing
    if att.passed != ok:
        Attendance.objects.filter(pk=att.pk).update(passed=ok)
        att.passed = ok
    if ok:
        now = timezone.now()
        for a in TrainingAssignment.objects.filter(course=course, staff=staff, completed_at__isnull=True):
            a.completed_at = now
            a.save(update_fields=["completed_at", "updated_at"])
            audit.record(actor=actor, action=AuditAction.ACTION, instance=a, verb=_("Training completed"))
        if not Certificate.objects.filter(attendance=att).exists():
            expires = (
                domain.add_months(session.held_on, course.validity_months) if course.validity_months else None
            )
            cert = Certificate.objects.create(
                number=f"C-{course.code}-{staff.employee_no}-{session.held_on:%Y%m%d}-{att.pk}",
                staff=staff,
                course=course,
                issued_on=session.held_on,
                expires_on=expires,
                attendance=att,
                created_by=actor,
            )
            audit.record(actor=actor, action=AuditAction.CREATE, instance=cert, after=audit.snapshot(cert))
    return att
