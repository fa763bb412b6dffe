"""Reads of the feedback app, always scoped to the user."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from sqms.core.errors import NotFound
from sqms.core.scoping import scoped
from sqms.feedback.models import Appeal, Rating, Rectification, Ticket
from sqms.org.models import OrgUnit


def tickets(user: Any) -> QuerySet[Ticket]:
    return scoped(
        user,
        Ticket.objects.active().select_related(
            "org_unit", "assignee", "category", "sla_policy", "repeat_of", "merged_into"
        ),
    )


def ticket(user: Any, number: str) -> Ticket:
    t = tickets(user).filter(number=number).first()
    if t is None:
        raise NotFound()
    return t


def ratings(user: Any) -> QuerySet[Rating]:
    return scoped(user, Rating.objects.active().select_related("org_unit", "ticket", "rectification"))


def rectifications(user: Any) -> QuerySet[Rectification]:
    return scoped(user, Rectification.objects.active().select_related("rating", "org_unit"))


def appeals(user: Any) -> QuerySet[Appeal]:
    return scoped(user, Appeal.objects.active().select_related("rectification__org_unit"))


def units(user: Any) -> QuerySet[OrgUnit]:
    """Units the user may file or move tickets to: his scope (the whole tree for all-units roles)."""
    return scoped(user, OrgUnit.objects.active())


def get_or_404(qs: QuerySet[Any], **lookup: Any) -> Any:
    obj = qs.filter(**lookup).first()
    if obj is None:
        raise NotFound()
    return obj


def sla_rows(t: Ticket, now: Any = None) -> list[dict[str, Any]]:
    """The ticket's SLA targets now, for the API and the pages."""
    from sqms.feedback.services import ticket_clock

    clock = ticket_clock(t, now or timezone.now())
    if clock is None:
        return []
    return [
        {
            "name": s.name,
            "unit": str(s.unit),
            "state": str(s.state),
            "due": s.due_at,
            "remaining_seconds": s.remaining,
            "elapsed_seconds": s.elapsed,
            "paused_seconds": s.paused,
            "natural": s.natural,
            "budget": s.budget,
        }
        for s in clock.targets.values()
    ]
