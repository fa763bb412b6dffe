"""Every view of unmasked personal data is logged once per request and model; masked views are not."""

from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_admin_pages_log_unmasked_views(org, world, client_for):
    from sqms.privacy.models import AccessLog

    c = client_for(org.quality)
    r = c.get(f"/admin/org/customer/{world.subject.pk}/change/")
    assert r.status_code == 200 and world.phone in r.content.decode()
    entry = AccessLog.objects.get()
    assert entry.user_name == "quality" and entry.content_type.model == "customer"
    assert entry.object_ids == f",{world.subject.pk}," and entry.customer_ids == f",{world.subject.pk},"
    assert set(entry.fields.split(",")) == {"phone", "email", "id_number"}
    assert entry.request_id and entry.request_id == r["X-Request-ID"]
    assert entry.path == f"/admin/org/customer/{world.subject.pk}/change/"

    r = c.get("/admin/feedback/ticket/")
    assert r.status_code == 200
    rows = AccessLog.objects.filter(content_type__model="ticket")
    if rows.exists():  # the ticket list shows a personal column: one row for the whole page
        assert rows.count() == 1 and rows.get().count >= 4
    r = c.get(f"/admin/feedback/ticket/{world.tickets[0].pk}/change/")
    assert r.status_code == 200
    ticket_entry = AccessLog.objects.filter(
        content_type__model="ticket", object_ids=f",{world.tickets[0].pk},"
    ).get()
    assert ticket_entry.customer_ids == f",{world.subject.pk},"


@pytest.mark.django_db
def test_masked_users_leave_no_log(org, world, client_for, api_for):
    from sqms.privacy.models import AccessLog

    # the executive and the auditor see masked values only
    for user in (org.executive, org.auditor):
        r = client_for(user).get(f"/admin/org/customer/{world.subject.pk}/change/")
        assert r.status_code == 200 and world.email not in r.content.decode()
        r = api_for(user).get(f"/api/v1/customers/{world.subject.pk}")
        assert r.status_code == 200 and r.json()["phone"] != world.phone
    assert not AccessLog.objects.exists()


@pytest.mark.django_db
def test_api_reads_and_exports_are_logged(org, world, api_for):
    from sqms.privacy.models import AccessLog

    api = api_for(org.quality)
    r = api.get(f"/api/v1/customers/{world.subject.pk}", headers={"X-Purpose": "complaint call-back"})
    assert r.status_code == 200 and r.json()["phone"] == world.phone
    e = AccessLog.objects.get()
    assert e.purpose == "complaint call-back" and e.object_ids == f",{world.subject.pk},"

    r = api.get("/api/v1/customers?limit=10")
    assert r.status_code == 200
    listed = AccessLog.objects.order_by("-pk").first()
    assert listed.count == r.json()["count"] == 2
    assert set(listed.customer_ids.strip(",").split(",")) == {str(world.subject.pk), str(world.other.pk)}

    r = api.get(f"/api/v1/feedback/{world.tickets[0].number}")
    assert r.status_code == 200
    t = AccessLog.objects.order_by("-pk").first()
    assert t.content_type.model == "ticket" and t.customer_ids == f",{world.subject.pk},"

    before = AccessLog.objects.count()
    r = api.get("/api/v1/exports/customers?format=csv")
    assert r.status_code == 200, r.content
    assert world.phone in r.content.decode("utf-8-sig")
    e = AccessLog.objects.order_by("-pk").first()
    assert AccessLog.objects.count() == before + 1 and e.count == 2 and e.purpose == "export"


@pytest.mark.django_db
def test_access_log_api_filters_and_permissions(org, world, api_for):
    api = api_for(org.quality)
    api.get(f"/api/v1/customers/{world.subject.pk}")
    api_for(org.manager_b).get(f"/api/v1/customers/{world.other.pk}")

    for reader in (org.quality, org.admin, org.auditor):
        data = api_for(reader).get("/api/v1/privacy/access-log").json()
        assert data["count"] >= 2
    by_customer = api.get(f"/api/v1/privacy/access-log?customer={world.other.pk}").json()
    assert [i["user"] for i in by_customer["items"]] == ["manager_b"]
    assert by_customer["items"][0]["fields"] == ["phone", "email", "id_number"]
    by_user = api.get("/api/v1/privacy/access-log?user=quality").json()
    assert by_user["count"] >= 1 and {i["user"] for i in by_user["items"]} == {"quality"}
    assert api.get("/api/v1/privacy/access-log?date_to=2000-01-01").json()["count"] == 0
    for denied in (org.executive, org.manager_a, org.agent_a):
        assert api_for(denied).get("/api/v1/privacy/access-log").status_code == 403


@pytest.mark.django_db
def test_access_log_page(org, world, client_for):
    c = client_for(org.quality)
    c.get(f"/admin/org/customer/{world.subject.pk}/change/")
    r = c.get(f"/privacy/?customer={world.subject.pk}")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="privacy-log"' in html and "quality" in html
    assert client_for(org.executive).get("/privacy/").status_code == 403


@pytest.mark.django_db
def test_logging_costs_one_insert_per_request_and_model(org, world, api_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sqms.core.masking import register_unmask_listener, unregister_unmask_listener
    from sqms.org.services import create_customer
    from sqms.privacy.models import AccessLog
    from sqms.privacy.services import log_access

    for i in range(30):
        create_customer(actor=org.quality, name=f"C{i}", phone=f"1390000{i:04d}", org_unit=org.branch_a)
    api = api_for(org.quality)
    api.get("/api/v1/customers?limit=50")  # warm caches (content types, permissions)

    def count(listening: bool) -> int:
        if not listening:
            unregister_unmask_listener(log_access)
        try:
            with CaptureQueriesContext(connection) as ctx:
                assert api.get("/api/v1/customers?limit=50").status_code == 200
        finally:
            register_unmask_listener(log_access)
        return len(ctx.captured_queries)

    before = AccessLog.objects.count()
    quiet, logged = count(False), count(True)
    assert logged - quiet == 1  # one INSERT for 32 customers × 3 fields
    assert AccessLog.objects.count() == before + 1
    assert AccessLog.objects.order_by("-pk").first().count == 32


def test_every_register_with_personal_fields_logs_its_pages():
    """The change list and change page log themselves in ScopedAdmin: a register with personal fields
    under another admin base would show them without a trace."""
    from django.contrib import admin

    from sqms.core.admin_base import ScopedAdmin

    personal = {m: a for m, a in admin.site._registry.items() if getattr(m, "PERSONAL_FIELDS", ())}
    assert {m._meta.label for m in personal} >= {"org.Customer", "org.Staff", "feedback.Ticket"}
    for model, model_admin in personal.items():
        assert isinstance(model_admin, ScopedAdmin), model._meta.label


def test_exports_with_personal_fields_are_declared():
    from sqms.core.io import EXPORT_KINDS

    declared = {k: v.personal_model for k, v in EXPORT_KINDS.items() if v.personal_model}
    assert declared == {"customers": "org.Customer", "staff": "org.Staff", "feedback": "feedback.Ticket"}
