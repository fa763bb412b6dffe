"""The ticket state machine, conflicts, scoping and permissions at the service level."""

from __future__ import annotations

from typing import Any

import pytest

from sqms.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from sqms.core.models import AuditEntry
from sqms.feedback import services
from sqms.feedback.models import Status, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def test_create_suggests_category_and_policy(make_ticket: Any) -> None:
    t = make_ticket(title="抢修太慢，停电一整天", description="")
    assert t.category is not None and t.category.code in {"CAT-REPAIR", "CAT-OUTAGE"}
    assert t.priority == "P2"
    assert t.sla_policy.code == "DEFAULT"
    assert t.number.startswith("FB") and len(t.verification_code) == 6
    assert t.first_response_due is not None and t.resolution_due is not None
    assert TicketEvent.objects.filter(ticket=t, kind="created").count() == 1
    assert AuditEntry.objects.filter(object_id=str(t.pk), action="create").exists()


def test_full_lifecycle(org: Any, make_ticket: Any) -> None:
    t = make_ticket()
    for action, status in [
        ("accept", "accepted"),
        ("start", "in_progress"),
        ("wait", "waiting_customer"),
        ("resume", "in_progress"),
        ("resolve", "resolved"),
        ("confirm", "confirmed"),
        ("close", "closed"),
        ("reopen", "in_progress"),
    ]:
        t = services.transition(t, actor=org.agent_a, action=action, version=t.version)
        assert t.status == status
    assert t.assignee == org.agent_a
    kinds = list(t.events.values_list("kind", flat=True))
    assert kinds.count("status") == 8
    assert AuditEntry.objects.filter(object_id=str(t.pk), action="update").count() == 8


def test_illegal_transition_has_clear_error(org: Any, make_ticket: Any) -> None:
    t = make_ticket()
    with pytest.raises(ValidationFailed) as exc:
        services.transition(t, actor=org.agent_a, action="confirm")
    assert exc.value.code == "illegal_transition"
    assert t.number in exc.value.message
    t.refresh_from_db()
    assert t.status == Status.NEW and t.version == 1


def test_concurrent_edit_gets_conflict(org: Any, make_ticket: Any) -> None:
    t = make_ticket()
    seen = t.version
    services.transition(t, actor=org.agent_a, action="accept", version=seen)
    with pytest.raises(Conflict) as exc:
        services.transition(t, actor=org.manager_a, action="accept", version=seen)
    assert "version" in exc.value.message or "版本" in exc.value.message
    assert Ticket.objects.get(pk=t.pk).status == "accepted"


def test_scoping_and_readonly_roles(org: Any, make_ticket: Any) -> None:
    t = make_ticket()
    with pytest.raises(NotFound):
        services.transition(t, actor=org.manager_b, action="accept")
    with pytest.raises(NotFound):
        services.transition(t, actor=org.agent_b, action="accept")
    with pytest.raises(Forbidden):
        services.transition(t, actor=org.executive, action="accept")
    services.transition(t, actor=org.manager_a, action="accept")


def test_transfer_and_merge(org: Any, make_ticket: Any) -> None:
    t = make_ticket()
    other = make_ticket(title="重复的投诉")
    t = services.transition(t, actor=org.quality, action="transfer", to_unit=org.team_b)
    assert t.org_unit == org.team_b and t.status == "new"
    with pytest.raises(NotFound):
        services.transition(t, actor=org.agent_a, action="accept")
    other = services.transition(other, actor=org.quality, action="merge", into=t)
    assert other.status == "closed" and other.merged_into == t


def test_replies_and_notes(org: Any, make_ticket: Any) -> None:
    t = make_ticket()
    services.add_message(t, actor=org.agent_a, body="内部备注", public=False)
    services.add_message(t, actor=org.agent_a, body="您好，已收到", public=True)
    t.refresh_from_db()
    assert t.responded_at is not None
    assert list(t.events.filter(public=True).values_list("body", flat=True)) == ["您好，已收到"]
    with pytest.raises(ValidationFailed):
        services.add_message(t, actor=org.agent_a, body="  ", public=True)


def test_repeat_complaint_detection(org: Any, make_ticket: Any) -> None:
    from sqms.org.models import Customer

    c = Customer.objects.create(name="张三", org_unit=org.branch_a)
    first = make_ticket(customer=c)
    second = make_ticket(customer=c)
    assert second.repeat_of == first
    third = make_ticket(title="电费账单有误", description="", customer=c)
    assert third.repeat_of is None


def test_repeat_by_phone_takes_the_latest_earlier_ticket_in_the_window_not_merged(
    org: Any, make_ticket: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from sqms.feedback.models import Ticket

    now = timezone.now()
    phone = "13900000000"
    old = make_ticket(contact_phone=phone, received_at=now - timedelta(days=40))
    first = make_ticket(contact_phone=phone, received_at=now - timedelta(days=2))
    assert old.category_id and first.category_id == old.category_id
    assert first.repeat_of is None  # 40 days ago is outside the 30-day window
    second = make_ticket(contact_phone=phone, received_at=now - timedelta(days=1))
    assert second.repeat_of == first and second.repeat_of.number == first.number
    Ticket.objects.filter(pk=second.pk).update(merged_into=first)
    assert make_ticket(contact_phone=phone).repeat_of == first  # a merged ticket is not linked to
    assert make_ticket(contact_phone="13700000000").repeat_of is None
    later = make_ticket(contact_phone=phone, received_at=now - timedelta(days=3))
    assert later.repeat_of is None  # only earlier tickets count


def test_a_taken_number_is_drawn_again_and_the_repeat_link_is_kept(
    org: Any, make_ticket: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The number check and the repeat look-up share one statement; a taken number is drawn again alone."""
    phone = "13600000000"
    first = make_ticket(contact_phone=phone)
    draws = iter([first.number, first.number, "FB991231000001"])
    monkeypatch.setattr(services, "_number_candidate", lambda now: next(draws))
    second = make_ticket(contact_phone=phone)
    assert second.number == "FB991231000001" and second.repeat_of == first
    monkeypatch.setattr(services, "_number_candidate", lambda now: first.number)
    with pytest.raises(services.Conflict):
        make_ticket(contact_phone="13500000000")


def test_a_new_ticket_and_its_event_are_stored_as_the_instances_say(org: Any, make_ticket: Any) -> None:
    """What create_ticket returns (and what its audit entry records) is what the database holds, whichever
    way the rows were written (PostgreSQL: one statement for number, repeat link, ticket and event)."""
    from sqms.core import audit
    from sqms.core.models import AuditEntry
    from sqms.feedback.models import Ticket, TicketEvent

    first = make_ticket(contact_phone="13400000000", staff=None)
    ticket = make_ticket(contact_phone="13400000000", description="又等了一个小时")
    stored = Ticket.objects.get(pk=ticket.pk)
    assert audit.snapshot(stored) == audit.snapshot(ticket)
    assert stored.created_at <= stored.updated_at and stored.version == ticket.version
    assert stored.repeat_of_id == first.pk and ticket.repeat_of.number == first.number
    (event,) = TicketEvent.objects.filter(ticket=stored)
    assert (event.kind, event.to_status, event.actor_id, event.at) == (
        "created",
        stored.status,
        org.quality.pk,
        stored.received_at,
    )
    assert event.data["priority"] == stored.priority and event.data["policy"] == stored.sla_policy_id
    entry = AuditEntry.objects.filter(object_id=str(stored.pk), action="create").latest("seq")
    assert entry.changes["number"] == [None, stored.number]


def test_idempotency_key(org: Any) -> None:
    data = {"org_unit": org.team_a, "title": "x", "kind": "inquiry"}
    a, created_a = services.create_ticket(actor=org.quality, data=data, idempotency_key="k1")
    b, created_b = services.create_ticket(actor=org.quality, data=data, idempotency_key="k1")
    assert a.pk == b.pk and created_a and not created_b
