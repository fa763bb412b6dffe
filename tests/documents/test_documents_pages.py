"""Back-office pages: the document page and its actions, diff, PDF record, my reading, matrix, registers."""

from __future__ import annotations

from typing import Any

from sqms.documents import services
from sqms.documents.models import DocumentVersion, Signature
from sqms_testing import PASSWORD


def test_document_page_drives_the_lifecycle(org: Any, client_for: Any, make_doc: Any) -> None:
    doc = make_doc()
    q = client_for(org.quality)
    url = f"/documents/{doc.pk}/"
    r = q.post(url, {"action": "new_version", "text": "第一条\n", "kind": "minor", "change_summary": "初稿"})
    assert r.status_code == 302
    v = DocumentVersion.objects.get()
    assert q.post(url, {"action": "submit", "version": v.pk}).status_code == 302
    r = q.post(url, {"action": "sign", "version": v.pk, "meaning": "reviewed", "password": "wrong"})
    assert r.status_code == 422 and "password" in r.content.decode()
    assert not Signature.objects.exists()
    assert (
        q.post(
            url, {"action": "sign", "version": v.pk, "meaning": "reviewed", "password": PASSWORD}
        ).status_code
        == 302
    )
    r = q.post(url, {"action": "sign", "version": v.pk, "meaning": "approved", "password": PASSWORD})
    assert r.status_code == 403  # his own draft
    a = client_for(org.admin)
    assert (
        a.post(
            url, {"action": "sign", "version": v.pk, "meaning": "approved", "password": PASSWORD}
        ).status_code
        == 302
    )
    assert a.post(url, {"action": "effective", "version": v.pk}).status_code == 302
    v.refresh_from_db()
    assert v.status == "effective"
    page = q.get(url).content.decode()
    assert "Quality" in page and 'id="completion"' in page and "ack-pending" in page
    r = q.post(
        url, {"action": "new_version", "text": "第一条 改\n", "kind": "major", "effective_date": "2026-13-01"}
    )
    assert r.status_code == 422 and "effective_date" in r.content.decode()
    q.post(url, {"action": "new_version", "text": "第一条 改\n", "kind": "major"})
    v2 = DocumentVersion.objects.get(status="draft")
    assert (v2.major, v2.minor) == (2, 0)
    diff = q.get(f"/documents/{doc.pk}/diff/?a={v.pk}&b={v2.pk}").content.decode()
    assert "diff-changed" in diff and "第一条 改" in diff
    pdf = q.get(f"/documents/versions/{v.pk}/record.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_reader_acknowledges_on_the_page_and_outsiders_get_404(
    org: Any, client_for: Any, effective_doc: Any
) -> None:
    agent = client_for(org.agent_a)
    mine = agent.get("/documents/mine/").content.decode()
    assert effective_doc.number in mine and "unread" in mine
    url = f"/documents/{effective_doc.pk}/"
    assert agent.get(url).status_code == 200
    assert agent.post(url, {"action": "acknowledge"}).status_code == 302
    assert "acknowledged" in agent.get(url).content.decode()
    assert client_for(org.agent_b).get(url).status_code == 404
    assert client_for(org.manager_b).get(url).status_code == 404
    assert (
        client_for(org.manager_b)
        .get(f"/documents/versions/{effective_doc.current_version_id}/record.pdf")
        .status_code
        == 404
    )
    r = client_for(org.executive).post(url, {"action": "new_version", "text": "x"})
    assert r.status_code == 403


def test_matrix_and_registers_render(org: Any, client_for: Any, effective_doc: Any) -> None:
    from datetime import date

    from sqms.documents.models import Course
    from sqms.org.models import Staff

    course = Course.objects.create(code="C-X", title="课程", org_unit=org.branch_a)
    services.assign_course(
        actor=org.quality, course=course, staff=Staff.objects.get(user=org.agent_a), due_date=date(2020, 1, 1)
    )
    q = client_for(org.quality)
    page = q.get("/training/matrix/").content.decode()
    assert "cell-overdue" in page and "C-X" in page
    assert q.get("/training/matrix/?export=xlsx")["Content-Type"].startswith("application/vnd.openxmlformats")
    for model in (
        "document",
        "documentversion",
        "course",
        "trainingsession",
        "attendance",
        "certificate",
        "trainingassignment",
        "competency",
        "competencyrecord",
    ):
        assert q.get(f"/admin/documents/{model}/").status_code == 200, model
    assert q.get(f"/admin/documents/document/{effective_doc.pk}/change/").status_code == 200
    assert q.get("/admin/documents/document/add/").status_code == 200
    home = q.get("/admin/").content.decode()
    assert "/training/matrix/" in home


def test_admin_add_document_generates_a_number(org: Any, client_for: Any) -> None:
    from sqms.documents.models import Document

    q = client_for(org.quality)
    r = q.post(
        "/admin/documents/document/add/",
        {
            "title": "服务标准",
            "doc_type": "service_standard",
            "org_unit": org.hq.pk,
            "owner": org.quality.pk,
            "review_interval_months": 12,
            "distribution_roles": "[]",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Document.objects.get().number == "SS-001"


def test_dashboard_card_and_demo_registration(org: Any, effective_doc: Any) -> None:
    from datetime import date

    from django.test import RequestFactory

    from sqms.core.demo import SEEDERS
    from sqms.documents.models import Course
    from sqms.documents.registry import documents_card
    from sqms.org.models import Staff

    course = Course.objects.create(code="C-Y", title="课程", org_unit=org.branch_a)
    services.assign_course(
        actor=org.quality, course=course, staff=Staff.objects.get(user=org.agent_a), due_date=date(2020, 1, 1)
    )
    request = RequestFactory().get("/admin/")
    request.user = org.quality
    card = documents_card(request)
    values = [f["value"] for f in card["figures"]]
    assert values == [0, 1, 1]  # nothing due for review, agent A has not read it, one overdue course
    request.user = org.manager_b
    assert [f["value"] for f in documents_card(request)["figures"]] == [0, 0, 0]
    assert SEEDERS["documents"].order == 90
