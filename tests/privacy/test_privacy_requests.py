"""Data-subject export and erasure across every app; statistics unchanged; nothing left behind."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.db.models import Avg, Count


def _figures(world: Any, user: Any) -> dict[str, Any]:
    """Statistics that must not change when a customer is anonymised."""
    from sqms.feedback.models import Rating, Ticket
    from sqms.feedback.selectors import customer_overview
    from sqms.kpi.models import ServiceRecord
    from sqms.surveys import selectors as survey_selectors
    from sqms.surveys.models import Response

    results = survey_selectors.results_json(survey_selectors.results(user, world.campaign))
    return {
        "tickets": list(
            Ticket.objects.values("status", "kind", "breached")
            .annotate(n=Count("id"))
            .order_by("status", "kind", "breached")
        ),
        "ratings": Rating.objects.aggregate(n=Count("id"), avg=Avg("score")),
        "ratings_by_unit": list(
            Rating.objects.values("org_unit").annotate(n=Count("id"), avg=Avg("score")).order_by("org_unit")
        ),
        "service": ServiceRecord.objects.aggregate(n=Count("id"), avg=Avg("rating")),
        "responses": Response.objects.count(),
        "survey_results": json.dumps(results, sort_keys=True, default=str),
        "customer_summary": customer_overview(user, world.subject.pk)["summary"],
    }


def _text_hits(values: list[str]) -> list[str]:
    """Every (table, column, value) where one of ``values`` still occurs in a text or JSON column."""
    hits = []
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if not isinstance(f, models.CharField | models.TextField | models.JSONField):
                continue
            for v in values:
                if model._default_manager.filter(**{f"{f.name}__icontains": v}).exists():
                    hits.append(f"{model._meta.db_table}.{f.column}: {v}")
    return hits


@pytest.mark.django_db
def test_export_lists_the_customers_records_from_every_app(org, world):
    from sqms.core.models import AuditEntry
    from sqms.privacy import services
    from sqms.privacy.models import PrivacyRequest

    req = services.export_customer(actor=org.quality, customer=world.subject, reason="letter of 3 May")
    data = json.loads(services.export_json(req))
    records = data["records"]
    assert records["org.customer"][0]["phone"] == world.phone
    assert records["org.customer"][0]["id_number"] == world.id_number
    assert {t["number"] for t in records["feedback.ticket"]} == {t.number for t in world.tickets}
    assert world.other_ticket.number not in {t["number"] for t in records["feedback.ticket"]}
    assert any(world.phone in e["body"] for e in records["feedback.ticketevent"])
    assert sorted(r["score"] for r in records["feedback.rating"]) == [2, 5]
    assert len(records["surveys.token"]) == 1
    assert records["surveys.response"][0]["answers"]["comment"] == f"mail me at {world.email}"
    assert len(records["kpi.servicerecord"]) == 2
    assert len(records["core.comment"]) == 2
    assert req.kind == "export" and req.status == "completed" and req.completed_at is not None
    assert req.summary["feedback.ticket"] == 3
    assert PrivacyRequest.objects.filter(customer=world.subject, kind="export").count() == 1
    entry = AuditEntry.objects.filter(verb="privacy export", object_id=str(world.subject.pk)).get()
    assert entry.changes["_privacy_request"] == req.pk


@pytest.mark.django_db
def test_erase_keeps_statistics_and_leaves_no_personal_data(org, world):
    from sqms.core.models import AuditEntry
    from sqms.core.security import chain
    from sqms.feedback.models import Ticket
    from sqms.org.models import Customer
    from sqms.privacy import services

    export = services.export_customer(actor=org.quality, customer=world.subject)
    before = _figures(world, org.quality)
    req = services.erase_customer(actor=org.quality, customer=world.subject, reason="customer asked by phone")
    after = _figures(world, org.quality)
    assert after == before

    subject = Customer.objects.get(pk=world.subject.pk)
    assert subject.name == f"Anonymised customer #{subject.pk}"
    assert (subject.phone, subject.email, subject.id_number, subject.notes) == ("", "", "", "")
    assert _text_hits([world.phone, world.email, world.id_number, world.name]) == []

    # the other customer is untouched
    other = Customer.objects.get(pk=world.other.pk)
    assert (other.name, other.phone, other.email) == (world.other_name, world.other_phone, world.other_email)
    ot = Ticket.objects.get(pk=world.other_ticket.pk)
    assert ot.contact_phone == world.other_phone and world.other_phone in ot.description
    assert _text_hits([world.other_phone, world.other_email])

    assert req.status == "completed" and req.summary["feedback.ticket"] == 3
    assert AuditEntry.objects.filter(verb="privacy erase", object_id=str(subject.pk)).count() == 1
    assert chain.verify().ok  # the audit trail was redacted and re-sealed
    export.refresh_from_db()
    assert not export.result_file  # the earlier export file is gone too

    # erasing twice is fine and changes nothing more
    again = services.erase_customer(actor=org.quality, customer=subject, reason="second request")
    assert again.summary["repeat"] is True
    assert all(v == 0 for k, v in again.summary.items() if k not in ("repeat",))
    assert _figures(world, org.quality) == before
    assert chain.verify().ok


@pytest.mark.django_db
def test_erase_needs_a_reason_and_the_right_role(org, world):
    from sqms.core.errors import Forbidden, ValidationFailed
    from sqms.org.models import Customer
    from sqms.privacy import services
    from sqms.privacy.models import PrivacyRequest

    with pytest.raises(ValidationFailed):
        services.erase_customer(actor=org.quality, customer=world.subject, reason="  ")
    for user in (org.manager_a, org.agent_a, org.auditor, org.executive):
        with pytest.raises(Forbidden):
            services.erase_customer(actor=user, customer=world.subject, reason="x")
        with pytest.raises(Forbidden):
            services.export_customer(actor=user, customer=world.subject)
    assert Customer.objects.get(pk=world.subject.pk).phone == world.phone
    assert not PrivacyRequest.objects.exists()


@pytest.mark.django_db
def test_commands_export_and_erase(org, world, tmp_path, capsys):
    from sqms.org.models import Customer
    from sqms.privacy.models import PrivacyRequest

    out = tmp_path / "c.json"
    call_command("privacy", "export", str(world.subject.pk), "--out", str(out), "--as", "quality")
    data = json.loads(out.read_text())
    assert data["records"]["org.customer"][0]["email"] == world.email
    call_command("privacy", "erase", world.phone, "--reason", "letter", "--as", "quality")
    assert Customer.objects.get(pk=world.subject.pk).phone == ""
    assert list(PrivacyRequest.objects.order_by("pk").values_list("kind", flat=True)) == ["export", "erase"]
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("privacy", "erase", str(world.other.pk), "--reason", "x", "--as", "agent_a")
    assert Customer.objects.get(pk=world.other.pk).phone == world.other_phone


@pytest.mark.django_db
def test_api_export_erase_and_requests(org, world, api_for):
    from sqms.org.models import Customer

    qm = api_for(org.quality)
    r = qm.post(
        f"/api/v1/privacy/customers/{world.subject.pk}/export",
        data={"reason": "r"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    f = qm.get(f"/api/v1/privacy/requests/{body['id']}/file")
    assert (
        f.status_code == 200 and json.loads(f.content)["records"]["org.customer"][0]["phone"] == world.phone
    )
    # erasure needs confirm=true
    r = qm.post(
        f"/api/v1/privacy/customers/{world.subject.pk}/erase",
        data={"reason": "r"},
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["error"]["fields"]["confirm"]
    assert Customer.objects.get(pk=world.subject.pk).phone == world.phone
    r = qm.post(
        f"/api/v1/privacy/customers/{world.subject.pk}/erase",
        data={"reason": "r", "confirm": True},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["kind"] == "erase"
    assert Customer.objects.get(pk=world.subject.pk).phone == ""
    assert qm.get(f"/api/v1/privacy/requests/{body['id']}/file").status_code == 404
    listed = qm.get(f"/api/v1/privacy/requests?customer={world.subject.pk}").json()
    assert listed["count"] == 2
    # a unit manager may not
    r = api_for(org.manager_b).post(
        f"/api/v1/privacy/customers/{world.other.pk}/erase",
        data={"reason": "r", "confirm": True},
        content_type="application/json",
    )
    assert r.status_code == 403


@pytest.mark.django_db
def test_erase_is_refused_while_the_audit_chain_is_broken(org, world):
    """Erasure re-seals the chain after redaction: over a tampered chain that would hide the tampering."""
    from sqms.core.errors import Conflict
    from sqms.core.models import AuditEntry
    from sqms.org.models import Customer
    from sqms.privacy import services
    from sqms.privacy.models import PrivacyRequest

    victim = AuditEntry.objects.order_by("seq")[1]
    AuditEntry.objects.filter(pk=victim.pk).update(verb="tampered")
    with pytest.raises(Conflict, match=f"#{victim.pk}"):
        services.erase_customer(actor=org.quality, customer=world.subject, reason="request by phone")
    assert Customer.objects.get(pk=world.subject.pk).phone == world.phone
    assert not PrivacyRequest.objects.exists()
