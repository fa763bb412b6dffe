"""Back-office pages: scoping, masking, history, import page, RACI, language."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sqms.org.models import Customer
from sqms.org.services import create_customer, update_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers(org):
    a = create_customer(actor=org.admin, name="张三", phone="13812345678", org_unit=org.branch_a)
    b = create_customer(actor=org.admin, name="李四", phone="13987654321", org_unit=org.branch_b)
    return a, b


def test_manager_pages_are_scoped(org, client_for, customers):
    a, b = customers
    c = client_for(org.manager_a)
    page = c.get("/admin/org/customer/").content.decode()
    assert "张三" in page and "李四" not in page
    assert c.get(f"/admin/org/customer/{b.pk}/change/").status_code in (302, 404)
    assert c.get(f"/admin/org/customer/{a.pk}/change/").status_code == 200
    staff_page = c.get("/admin/org/staff/").content.decode()
    assert "agent_a" in staff_page.lower() and "agent_b" not in staff_page.lower()


def test_executive_pages_read_only(org, client_for, customers):
    a, _b = customers
    c = client_for(org.executive)
    assert c.get("/admin/org/customer/").status_code == 200
    resp = c.post(f"/admin/org/customer/{a.pk}/change/", {"name": "改", "kind": "individual"})
    assert resp.status_code == 403
    assert Customer.objects.get(pk=a.pk).name == "张三"


def test_masked_phone_in_pages(org, client_for, customers):
    a, _b = customers
    page = client_for(org.agent_a).get("/admin/org/customer/").content.decode()
    assert "张三" not in page  # the agent's scope is his own team, and the customer belongs to branch A
    create_customer(actor=org.admin, name="王五", phone="13611112222", org_unit=org.team_a)
    page = client_for(org.agent_a).get("/admin/org/customer/").content.decode()
    assert "136****2222" in page and "13611112222" not in page
    page = client_for(org.manager_a).get("/admin/org/customer/").content.decode()
    assert "13611112222" in page


def test_history_shows_before_after(org, client_for, customers):
    a, _b = customers
    update_customer(a, actor=org.manager_a, changes={"name": "张三丰", "phone": "13800001111"})
    page = client_for(org.manager_a).get(f"/admin/org/customer/{a.pk}/history/").content.decode()
    assert "张三" in page and "张三丰" in page and "13800001111" in page
    masked = client_for(org.agent_a)
    # The agent cannot open branch A's customer at all.
    assert masked.get(f"/admin/org/customer/{a.pk}/history/").status_code == 404


def test_admin_edit_goes_through_services_and_audit(org, client_for, customers):
    from sqms.core.models import AuditEntry

    a, _b = customers
    c = client_for(org.quality)
    resp = c.post(
        f"/admin/org/customer/{a.pk}/change/",
        {
            "kind": "individual",
            "name": "张三（已核实）",
            "phone": "13812345678",
            "email": "",
            "id_number": "",
            "org_unit": org.branch_a.pk,
            "consent_contact": "on",
            "consent_survey": "on",
            "notes": "",
        },
    )
    assert resp.status_code == 302, resp.content.decode()[:3000]
    assert Customer.objects.get(pk=a.pk).name == "张三（已核实）"
    entry = AuditEntry.objects.filter(object_id=str(a.pk), action="update").latest("at")
    assert entry.actor == org.quality and entry.changes["name"][1] == "张三（已核实）"


def test_import_page_reports_rows_and_writes_nothing(org, client_for):
    c = client_for(org.admin)
    data = "name,phone,unit\n甲,13800000001,BA\n,13800000002,BA\n乙,bad,BA\n丙,13800000003,XX\n"
    resp = c.post("/admin/org/customer/import/", {"file": SimpleUploadedFile("c.csv", data.encode())})
    page = resp.content.decode()
    assert resp.status_code == 200
    assert page.count('class="import-error"') == 3
    assert Customer.objects.count() == 0


def test_raci_page_and_dashboard(org, client_for):
    from sqms.org.models import Process

    Process.objects.create(code="P1", name="投诉处理")
    c = client_for(org.quality)
    resp = c.post("/org/responsibility-matrix/", {"cell-%d-frontline" % Process.objects.get().pk: "R"})
    assert resp.status_code == 302
    page = c.get("/org/responsibility-matrix/").content.decode()
    assert 'value="R" selected' in page
    home = c.get("/admin/").content.decode()
    assert "sqms-figure-value" in home


def test_language_switch_persists_for_the_user(org, client_for):
    c = client_for(org.quality)
    assert "仪表盘" in c.get("/admin/").content.decode()
    c.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    from sqms.core.models import UserPreference

    assert UserPreference.objects.get(user=org.quality).language == "en"
    other = client_for(org.quality)  # a new session, no cookie
    assert "Dashboard" in other.get("/admin/").content.decode()
