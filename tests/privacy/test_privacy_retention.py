"""Retention periods: the purge anonymises expired records (batched, idempotent, statistics kept)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Avg, Count
from django.utils import timezone


def _close(ticket, when):
    from sqms.feedback.models import Ticket

    Ticket.objects.filter(pk=ticket.pk).update(status="closed", closed_at=when)


@pytest.mark.django_db
def test_purge_anonymises_only_expired_records(org, world, capsys):
    from sqms.core.models import AuditEntry
    from sqms.feedback.models import Rating, Ticket, TicketEvent
    from sqms.kpi.models import ServiceRecord
    from sqms.privacy import services
    from sqms.surveys.models import Response

    now = timezone.now()
    old, recent = world.tickets[0], world.other_ticket
    _close(old, now - timedelta(days=4 * 365))
    _close(recent, now - timedelta(days=30))
    Response.objects.filter(token__customer=world.subject).update(submitted_at=now - timedelta(days=3 * 365))
    ServiceRecord.objects.filter(customer=world.subject).update(requested_at=now - timedelta(days=5 * 365))
    stats = lambda: (  # noqa: E731
        Rating.objects.aggregate(n=Count("id"), avg=Avg("score")),
        Ticket.objects.count(),
        Response.objects.count(),
        ServiceRecord.objects.aggregate(n=Count("id"), avg=Avg("rating")),
    )
    before = stats()

    dry = services.purge(dry_run=True)
    assert dry["feedback.ticket"] == 1 and dry["surveys.response"] == 1 and dry["kpi.servicerecord"] == 2
    assert Ticket.objects.get(pk=old.pk).contact_phone == world.phone  # a dry run writes nothing

    call_command("privacy", "purge")
    assert "feedback.ticket: 1 anonymised" in capsys.readouterr().out
    t = Ticket.objects.get(pk=old.pk)
    assert (t.contact_name, t.contact_phone, t.contact_email) == ("", "", "")
    assert world.phone not in t.description and "[phone]" in t.description
    assert all(world.phone not in e.body for e in TicketEvent.objects.filter(ticket=old))
    r = Ticket.objects.get(pk=recent.pk)
    assert r.contact_phone == world.other_phone  # closed 30 days ago: kept
    resp = Response.objects.get(token__customer=world.subject)
    assert resp.ip is None and resp.device == "" and world.email not in resp.answers["comment"]
    assert not ServiceRecord.objects.filter(customer=world.subject).exists()
    assert stats() == before
    assert AuditEntry.objects.filter(verb="privacy purge").count() == 1

    # idempotent: nothing left to do
    again = services.purge()
    assert sum(again.values()) == 0
    assert AuditEntry.objects.filter(verb="privacy purge").count() == 1


@pytest.mark.django_db
def test_retention_table_overrides_the_default(org, world, api_for):
    from sqms.feedback.models import Ticket
    from sqms.privacy import services

    _close(world.other_ticket, timezone.now() - timedelta(days=40))
    assert services.purge(dry_run=True)["feedback.ticket"] == 0
    api = api_for(org.quality)
    r = api.put(
        "/api/v1/privacy/retention/feedback.ticket", data={"days": 30}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["days"] == 30
    assert (
        api.put(
            "/api/v1/privacy/retention/feedback.ticket", data={"days": 0}, content_type="application/json"
        ).status_code
        == 422
    )
    assert (
        api.put(
            "/api/v1/privacy/retention/nope", data={"days": 5}, content_type="application/json"
        ).status_code
        == 404
    )
    listed = {x["key"]: x for x in api.get("/api/v1/privacy/retention").json()}
    assert listed["feedback.ticket"]["configured"] and listed["surveys.response"]["days"] == 730
    assert services.purge()["feedback.ticket"] == 1
    assert Ticket.objects.get(pk=world.other_ticket.pk).contact_phone == ""
    assert (
        api_for(org.manager_a)
        .put("/api/v1/privacy/retention/feedback.ticket", data={"days": 5}, content_type="application/json")
        .status_code
        == 403
    )


@pytest.mark.django_db
def test_periodic_task_runs_the_purge(org, world):
    from sqms.feedback.models import Ticket
    from sqms.privacy.tasks import purge_expired_personal_data

    _close(world.tickets[1], timezone.now() - timedelta(days=3 * 365 + 1))
    counts = purge_expired_personal_data.call_local()
    assert counts["feedback.ticket"] == 1
    assert Ticket.objects.get(pk=world.tickets[1].pk).contact_email == ""
    assert purge_expired_personal_data.call_local()["feedback.ticket"] == 0
