"""The documents-and-training section of the quality report: figures checked by hand against the data made
here (documents, versions, sessions, attendance, assignments, certificates), unit filter and scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone, translation

from sqms_testing import fresh

pytestmark = pytest.mark.django_db

MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def _training(org: Any) -> Any:
    from sqms.documents import services
    from sqms.documents.models import Course, DocumentVersion, TrainingAssignment, TrainingSession
    from sqms.org.models import Staff

    a = Staff.objects.get(user=org.agent_a)
    b = Staff.objects.get(user=org.agent_b)
    course = Course.objects.create(code="CS-101", title="投诉处理", org_unit=org.hq, pass_score=60)
    s1 = TrainingSession.objects.create(course=course, org_unit=org.team_a, held_on=dt.date(2026, 3, 10))
    s2 = TrainingSession.objects.create(course=course, org_unit=org.team_b, held_on=dt.date(2026, 3, 12))
    TrainingSession.objects.create(course=course, org_unit=org.team_b, held_on=dt.date(2026, 4, 2))
    # due in March: A's (done on time by the pass below), B's (still open, so overdue); one due in April
    TrainingAssignment.objects.create(course=course, staff=a, due_date=dt.date(2026, 3, 20))
    TrainingAssignment.objects.create(course=course, staff=b, due_date=dt.date(2026, 3, 5))
    TrainingAssignment.objects.create(
        course=course, staff=a, due_date=dt.date(2026, 4, 20), reason="refresher"
    )
    services.record_attendance(actor=org.quality, session=s1, staff=a, score=85)
    services.record_attendance(actor=org.quality, session=s2, staff=b, score=40)
    tz = timezone.get_current_timezone()
    TrainingAssignment.objects.filter(staff=a, due_date=dt.date(2026, 3, 20)).update(
        completed_at=dt.datetime(2026, 3, 10, 18, tzinfo=tz)
    )
    # A's April assignment was completed by the same pass; leave it out of March (due in April)
    DocumentVersion.objects.update(effective_at=dt.datetime(2026, 3, 3, 9, tzinfo=tz))
    return course


def test_summary_and_section(org: Any, effective_doc: Any) -> None:
    from sqms.documents import selectors
    from sqms.documents.models import Certificate, Document

    Document.objects.filter(pk=effective_doc.pk).update(next_review_date=dt.date(2026, 3, 15))
    _training(org)
    Certificate.objects.update(expires_on=dt.date(2026, 3, 30))
    s = selectors.documents_training_summary(org.quality, *MARCH)
    assert (s["documents"], s["new_versions"], s["review_due"]) == (1, 1, 1)
    assert s["by_type"]["procedure"] == {"documents": 1, "new_versions": 1, "review_due": 1}
    assert (s["sessions"], s["attended"], s["passed"], s["pass_rate"]) == (2, 2, 1, 50.0)
    assert s["by_course"] == [
        {"code": "CS-101", "title": "投诉处理", "sessions": 2, "attended": 2, "passed": 1, "pass_rate": 50.0}
    ]
    assert (s["assignments_due"], s["assignments_on_time"], s["on_time_rate"]) == (2, 1, 50.0)
    assert s["assignments_overdue"] == 1 and s["certificates_expiring"] == 1
    # unit filter: branch B has its session, its failed attendance and its overdue assignment only
    b = selectors.documents_training_summary(org.quality, *MARCH, unit_path=org.branch_b.path)
    assert (b["documents"], b["sessions"], b["attended"], b["passed"], b["assignments_overdue"]) == (
        0,
        1,
        1,
        0,
        1,
    )
    # scope: manager B cannot see branch A's document or people, whatever he asks
    mb = selectors.documents_training_summary(fresh(org.manager_b), *MARCH)
    assert (mb["documents"], mb["attended"], mb["assignments_due"]) == (0, 1, 1)
    with translation.override("zh-hans"):
        sec = selectors.quality_report_section(org.quality, *MARCH, "")
    labels = {f["label"]: f["value"] for f in sec["figures"]}
    assert labels["受控文件"] == 1 and labels["培训通过率"] == 50.0 and labels["逾期培训"] == 1
    assert [t["title"] for t in sec["tables"]] == ["受控文件（按类型）", "培训（按课程）"]
    assert sec["tables"][0]["rows"] == [["程序文件", 1, 1, 1]]
    assert sec["chart"]["values"] == [2]
    assert selectors.quality_report_section(org.quality, dt.date(2025, 1, 1), dt.date(2025, 1, 31)) is None


def test_reports_app_includes_the_section(org: Any, effective_doc: Any) -> None:
    from sqms.reports.domain import parse_period
    from sqms.reports.sections import ReportPeriod, build_sections

    _training(org)
    with translation.override("en"):
        sections = build_sections(ReportPeriod(parse_period("2026-03")), org.quality)
    docs = [s for s in sections if s["key"] == "documents"]
    assert docs and docs[0]["figures"][0] == {"label": "Controlled documents", "value": 1}
