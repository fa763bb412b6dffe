"""Services: lifecycle, e-signatures, the effective task, retraining, acknowledgements, PDF record, audit."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sqms.core.errors import Forbidden, NotFound, ValidationFailed
from sqms.core.models import AuditEntry
from sqms.documents import services
from sqms.documents.models import Acknowledgement, Certificate, Course, Signature, TrainingAssignment
from sqms_testing import PASSWORD


def _draft(org: Any, doc: Any, text: str = "第一条\n") -> Any:
    return services.add_version(actor=org.quality, document=doc, text=text)


def test_numbering_and_first_version(org: Any, make_doc: Any) -> None:
    a = make_doc()
    b = make_doc(title="窗口服务作业指导书", doc_type="work_instruction")
    c = make_doc(title="第二个程序")
    assert (a.number, b.number, c.number) == ("PR-001", "WI-001", "PR-002")
    v = _draft(org, a)
    assert (v.major, v.minor, v.status) == (1, 0, "draft")
    assert AuditEntry.objects.filter(object_id=str(v.pk), action="create").exists()


def test_illegal_transitions_are_refused_with_a_clear_error(org: Any, make_doc: Any) -> None:
    v = _draft(org, make_doc())
    with pytest.raises(ValidationFailed) as exc:
        services.make_obsolete(actor=org.quality, version=v)
        services.return_to_draft(actor=org.quality, version=v)
    v.refresh_from_db()
    assert v.status == "obsolete"
    with pytest.raises(ValidationFailed) as exc:
        services.submit_for_review(actor=org.quality, version=v)
    assert exc.value.code == "illegal_transition" and "status" in exc.value.fields
    # a draft cannot be signed, nor made effective
    w = _draft(org, v.document)
    with pytest.raises(ValidationFailed):
        services.sign(actor=org.admin, version=w, password=PASSWORD, meaning="approved")
    assert services.make_effective(version_id=w.pk) is False
    w.refresh_from_db()
    assert w.status == "draft" and not Signature.objects.exists()


def test_only_one_version_in_progress(org: Any, make_doc: Any) -> None:
    doc = make_doc()
    _draft(org, doc)
    with pytest.raises(ValidationFailed) as exc:
        _draft(org, doc)
    assert "document" in exc.value.fields


def test_a_version_needs_text_or_file(org: Any, make_doc: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.add_version(actor=org.quality, document=make_doc(), text="  ")
    assert "text" in exc.value.fields


def test_file_type_and_content_are_checked(org: Any, make_doc: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    doc = make_doc()
    with pytest.raises(ValidationFailed) as exc:
        services.add_version(actor=org.quality, document=doc, file=SimpleUploadedFile("x.exe", b"MZ..."))
    assert "file" in exc.value.fields
    with pytest.raises(ValidationFailed):
        services.add_version(actor=org.quality, document=doc, file=SimpleUploadedFile("x.pdf", b"not a pdf"))
    v = services.add_version(
        actor=org.quality, document=doc, file=SimpleUploadedFile("程序.pdf", b"%PDF-1.4\n%%EOF\n")
    )
    assert v.file.name.endswith(".pdf")


def test_wrong_password_signs_nothing(org: Any, make_doc: Any) -> None:
    v = _draft(org, make_doc())
    services.submit_for_review(actor=org.quality, version=v)
    with pytest.raises(ValidationFailed) as exc:
        services.sign(actor=org.manager_a, version=v, password="wrong", meaning="reviewed")
    assert exc.value.code == "wrong_password" and "password" in exc.value.fields
    assert not Signature.objects.exists()
    v.refresh_from_db()
    assert v.status == "in_review"


def test_self_approval_is_refused_and_review_comes_first(org: Any, make_doc: Any) -> None:
    v = _draft(org, make_doc())
    services.submit_for_review(actor=org.quality, version=v)
    with pytest.raises(ValidationFailed):  # not reviewed yet
        services.sign(actor=org.admin, version=v, password=PASSWORD, meaning="approved")
    services.sign(actor=org.manager_a, version=v, password=PASSWORD, meaning="reviewed")
    with pytest.raises(Forbidden) as exc:
        services.sign(actor=org.quality, version=v, password=PASSWORD, meaning="approved")
    assert exc.value.code == "self_approval"
    with pytest.raises(Forbidden):  # a unit manager may review but not approve
        services.sign(actor=org.manager_a, version=v, password=PASSWORD, meaning="approved")
    sig = services.sign(actor=org.admin, version=v, password=PASSWORD, meaning="approved")
    v.refresh_from_db()
    assert v.status == "approved" and v.effective_date == timezone.localdate()
    assert [(s.signer_name, s.meaning) for s in v.signatures.all()] == [
        ("Manager_A", "reviewed"),
        (sig.signer_name, "approved"),
    ]
    assert AuditEntry.objects.filter(object_id=str(v.pk), verb__icontains="sign").count() >= 2 or (
        AuditEntry.objects.filter(object_id=str(v.pk), action="action").count() >= 4
    )


def test_executive_and_out_of_scope_users_cannot_write(org: Any, make_doc: Any) -> None:
    doc = make_doc()
    with pytest.raises(Forbidden):
        services.add_version(actor=org.executive, document=doc, text="x")
    with pytest.raises(NotFound):
        services.add_version(actor=org.manager_b, document=doc, text="x")


def test_effective_task_on_the_date_supersedes_and_is_idempotent(org: Any, effective_doc: Any) -> None:
    from sqms.documents.tasks import make_versions_effective

    doc = effective_doc
    v1 = doc.current_version
    assert v1.status == "effective" and doc.next_review_date == v1.effective_date.replace(
        year=v1.effective_date.year + 1
    )
    tomorrow = timezone.localdate() + timedelta(days=1)
    v2 = services.add_version(
        actor=org.quality, document=doc, text="第一条 受理\n第二条 处理并回访\n", major=False
    )
    services.submit_for_review(actor=org.quality, version=v2)
    services.sign(actor=org.manager_a, version=v2, password=PASSWORD, meaning="reviewed")
    services.sign(actor=org.admin, version=v2, password=PASSWORD, meaning="approved", effective_date=tomorrow)
    make_versions_effective.call_local()
    v2.refresh_from_db()
    assert v2.status == "approved"  # not before its date
    assert services.make_due_versions_effective(today=tomorrow) == 1
    assert services.make_due_versions_effective(today=tomorrow) == 0
    v1.refresh_from_db()
    v2.refresh_from_db()
    doc.refresh_from_db()
    assert (v1.status, v2.status, doc.current_version_id) == ("superseded", "effective", v2.pk)


def test_retraining_assigned_to_distribution_once(org: Any, effective_doc: Any) -> None:
    doc = effective_doc
    course = Course.objects.create(code="C-CMP", title="投诉处理培训", org_unit=org.branch_a)
    course.documents.add(doc)
    v2 = services.add_version(
        actor=org.quality, document=doc, text="第一条 受理\n第二条 新处理\n", major=True
    )
    services.submit_for_review(actor=org.quality, version=v2)
    services.sign(actor=org.manager_a, version=v2, password=PASSWORD, meaning="reviewed")
    services.sign(actor=org.admin, version=v2, password=PASSWORD, meaning="approved")
    assert services.make_effective(version_id=v2.pk)
    got = list(TrainingAssignment.objects.values_list("staff__user__username", "reason", "version_id"))
    assert got == [("agent_a", "retraining", v2.pk)]  # only team A is in the distribution
    assert services.assign_retraining(version=v2) == 0
    assert TrainingAssignment.objects.count() == 1
    assert org.agent_a.notifications.filter(title__contains="C-CMP").exists()


def test_first_version_assigns_no_retraining(org: Any, make_doc: Any) -> None:
    doc = make_doc()
    Course.objects.create(code="C-1", title="x", org_unit=org.branch_a).documents.add(doc)
    v = _draft(org, doc)
    services.submit_for_review(actor=org.quality, version=v)
    services.sign(actor=org.manager_a, version=v, password=PASSWORD, meaning="reviewed")
    services.sign(actor=org.admin, version=v, password=PASSWORD, meaning="approved")
    services.make_effective(version_id=v.pk)
    assert not TrainingAssignment.objects.exists()


def test_acknowledgement_completion(org: Any, effective_doc: Any, make_doc: Any) -> None:
    from sqms.documents.selectors import acknowledgement_completion

    doc = effective_doc
    c = acknowledgement_completion(org.quality, doc)
    assert [s.user.username for s in c.pending] == ["agent_a"] and c.percent == 0.0
    with pytest.raises(NotFound):  # not distributed to him
        services.acknowledge(actor=org.agent_b, version=doc.current_version)
    services.acknowledge(actor=org.agent_a, version=doc.current_version)
    services.acknowledge(actor=org.agent_a, version=doc.current_version)  # idempotent
    assert Acknowledgement.objects.count() == 1
    c = acknowledgement_completion(org.quality, doc)
    assert [s.user.username for s, _ in c.done] == ["agent_a"] and c.percent == 100.0


def test_attendance_pass_completes_and_certifies(org: Any, effective_doc: Any) -> None:
    from decimal import Decimal

    from sqms.documents.models import TrainingSession
    from sqms.org.models import Staff

    course = Course.objects.create(
        code="C-2", title="x", org_unit=org.branch_a, pass_score=80, validity_months=12
    )
    staff = Staff.objects.get(user=org.agent_a)
    a = services.assign_course(actor=org.quality, course=course, staff=staff, due_date=timezone.localdate())
    session = TrainingSession.objects.create(
        course=course, org_unit=org.branch_a, held_on=timezone.localdate()
    )
    att = services.record_attendance(actor=org.manager_a, session=session, staff=staff, score=Decimal("70"))
    a.refresh_from_db()
    assert not att.passed and a.completed_at is None and not Certificate.objects.exists()
    att = services.record_attendance(actor=org.manager_a, session=session, staff=staff, score=Decimal("85"))
    a.refresh_from_db()
    assert att.passed and a.completed_at is not None
    cert = Certificate.objects.get()
    assert cert.expires_on.year == session.held_on.year + 1 or cert.expires_on.month != session.held_on.month
    with pytest.raises(ValidationFailed) as exc:
        services.record_attendance(actor=org.manager_a, session=session, staff=staff, score=Decimal("150"))
    assert "score" in exc.value.fields


def test_review_reminders_once_per_cycle(org: Any, effective_doc: Any) -> None:
    doc = effective_doc
    later = doc.next_review_date - timedelta(days=10)
    assert services.send_review_reminders(today=later) == 1
    assert services.send_review_reminders(today=later) == 0
    assert org.quality.notifications.filter(title__contains=doc.number).exists()


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) not installed")
def test_pdf_record_prints_the_signatures(org: Any, effective_doc: Any, tmp_path: Any) -> None:
    from sqms.documents.pdf import version_record

    v = effective_doc.current_version
    pdf = tmp_path / "record.pdf"
    pdf.write_bytes(version_record(v))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Manager_A" in text and effective_doc.number in text and "第二条" in text


def test_distribution_by_units_and_roles(org: Any, make_doc: Any) -> None:
    doc = make_doc(distribution_units=[org.region])
    everyone = {s.user.username for s in services.distribution_staff(doc)}
    assert {"manager_a", "manager_b", "agent_a", "agent_b"} <= everyone and "quality" not in everyone
    services.set_distribution(actor=org.quality, document=doc, units=[org.region], roles=["frontline"])
    assert {s.user.username for s in services.distribution_staff(doc)} == {"agent_a", "agent_b"}
    with pytest.raises(ValidationFailed) as exc:
        services.set_distribution(actor=org.quality, document=doc, units=[org.region], roles=["boss"])
    assert "distribution_roles" in exc.value.fields


def test_uploaded_file_is_audited(org: Any, make_doc: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    v = services.add_version(
        actor=org.quality, document=make_doc(), file=SimpleUploadedFile("f.docx", b"PK\x03\x04rest")
    )
    entry = AuditEntry.objects.filter(object_id=str(v.pk), action="action").get()
    assert entry.changes["_file"].endswith(".docx")
