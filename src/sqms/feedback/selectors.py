"""Reads of the feedback app, always scoped to the user."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from sqms.core.errors import NotFound
from sqms.core.scoping import scope_for, scoped
from sqms.feedback.models import Appeal, Rating, Rectification, Ticket
from sqms.org.models import OrgUnit


def sla_judged(now: dt.datetime) -> Q:
    """Tickets whose SLA outcome is known at ``now`` (the denominator of every SLA attainment figure:
    feedback analysis, the KPI, scorecards): with a resolution target, and resolved or past it. An open
    ticket not yet due has neither met nor missed its target; counting it as met would flatter the figure
    while tickets are open. Met = judged and not ``breached``."""
    return Q(resolution_due__isnull=False) & (Q(resolved_at__isnull=False) | Q(resolution_due__lt=now))


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


def attachments(user: Any, ticket: Ticket) -> QuerySet[Any]:
    from sqms.feedback.models import Attachment

    return scoped(user, Attachment.objects.active().filter(ticket=ticket).select_related("created_by"))


def attachment(user: Any, pk: int) -> Any:
    from sqms.feedback.models import Attachment

    obj = scoped(user, Attachment.objects.active().select_related("ticket")).filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    return obj


def ratings(user: Any) -> QuerySet[Rating]:
    return scoped(user, Rating.objects.active().select_related("org_unit", "ticket", "rectification"))


def rectifications(user: Any) -> QuerySet[Rectification]:
    return scoped(user, Rectification.objects.active().select_related("rating", "org_unit"))


def appeals(user: Any) -> QuerySet[Appeal]:
    return scoped(user, Appeal.objects.active().select_related("rectification__org_unit"))


def units(user: Any) -> QuerySet[OrgUnit]:
    """Units the user may file or move tickets to: his scope (the whole tree for all-units roles)."""
    return scoped(user, OrgUnit.objects.active())


def unit_by_code(user: Any, code: str) -> OrgUnit | None:
    """The unit ``code`` of :func:`units` (None when it is not one of them), from the per-process
    configuration cache (:mod:`sqms.feedback.confcache`): no query while units and roles are unchanged.
    Same rule as ``units(user).filter(code=code)``: not archived, inside the user's scope (org units are
    scoped by their own path)."""
    from sqms.feedback import confcache

    if not code:
        return None
    unit: OrgUnit | None = confcache.get().unit(code)
    if unit is None or not scope_for(user).covers_path(unit.path):
        return None
    return unit


def get_or_404(qs: QuerySet[Any], **lookup: Any) -> Any:
    obj = qs.filter(**lookup).first()
    if obj is None:
        raise NotFound()
    return obj


def sla_rows(t: Ticket, now: Any = None) -> list[dict[str, Any]]:
    """The ticket's SLA targets now, for the API and the pages; ``runs_for_seconds`` says for how long the
    time left keeps falling from now (None: without end; 0: it stands still), so that a countdown knows."""
    from sqms import sla
    from sqms.feedback.services import ticket_events

    found = ticket_events(t)
    if found is None:
        return []
    cal, events = found
    now = now or timezone.now()
    clock = sla.compute_ticket(cal, events, now)
    return [
        {
            "name": s.name,
            "unit": str(s.unit),
            "state": str(s.state),
            "due": s.due_at,
            "remaining_seconds": s.remaining,
            "elapsed_seconds": s.elapsed,
            "paused_seconds": s.paused,
            "runs_for_seconds": sla.runs_for(cal, s, now),
            "natural": s.natural,
            "budget": s.budget,
        }
        for s in clock.targets.values()
    ]


def customer_overview(user: Any, customer_id: int, limit: int = 200) -> dict[str, Any]:
    """Everything about one customer the user may see: feedback tickets, 好差评 ratings, follow-ups
    (回访: the customer's answer at resolution and the follow-up rating), survey responses (through the
    surveys app's selectors) and one merged timeline, newest first. 404 outside the user's scope."""
    from sqms.org.models import Customer

    if not user.has_perm("org.view_customer"):
        raise NotFound()
    customer = (
        scoped(user, Customer.objects.active().select_related("org_unit")).filter(pk=customer_id).first()
    )
    if customer is None:
        raise NotFound()
    ticket_list = list(tickets(user).filter(customer=customer).order_by("-received_at")[:limit])
    rating_list = list(
        ratings(user).filter(customer=customer).order_by("-rated_at")[:limit]
        if user.has_perm("feedback.view_rating")
        else []
    )
    follow_ups = [t for t in ticket_list if t.customer_resolved is not None]
    responses: list[Any] = []
    if user.has_perm("surveys.view_response"):
        from sqms.surveys import selectors as survey_selectors

        responses = list(
            survey_selectors.responses(user)
            .filter(token__customer=customer)
            .select_related("campaign")
            .order_by("-submitted_at")[:limit]
        )
    timeline: list[dict[str, Any]] = []
    for t in ticket_list:
        timeline.append({"at": t.received_at, "kind": "ticket", "object": t})
        if t.resolved_at:
            timeline.append({"at": t.resolved_at, "kind": "resolved", "object": t})
    timeline += [{"at": r.rated_at, "kind": "rating", "object": r} for r in rating_list]
    timeline += [{"at": r.submitted_at, "kind": "survey", "object": r} for r in responses]
    timeline.sort(key=lambda e: e["at"], reverse=True)
    scores = [r.score for r in rating_list if not r.excluded]
    return {
        "customer": customer,
        "tickets": ticket_list,
        "ratings": rating_list,
        "follow_ups": follow_ups,
        "responses": responses,
        "timeline": timeline[:limit],
        "summary": {
            "tickets": len(ticket_list),
            "open_tickets": sum(
                t.status in ("new", "accepted", "in_progress", "waiting_customer") for t in ticket_list
            ),
            "complaints": sum(t.kind == "complaint" for t in ticket_list),
            "ratings": len(rating_list),
            "mean_score": round(sum(scores) / len(scores), 2) if scores else None,
            "bad_reviews": sum(r.score <= 2 for r in rating_list if not r.excluded),
            "survey_responses": len(responses),
        },
    }


def classifier_suggestion(ticket: Ticket) -> dict[str, Any] | None:
    """What the text classifier suggested when the ticket was filed (category, confidence, applied or not),
    read from the "created" event; ``None`` when no classifier answered."""
    from sqms.feedback.classifiers import min_confidence
    from sqms.feedback.models import ServiceCategory, TicketEvent

    created = TicketEvent.objects.filter(ticket=ticket, kind="created").only("data").first()
    answer = (created.data or {}).get("classifier") if created else None
    if not answer or not answer.get("category"):
        return None
    category = ServiceCategory.objects.filter(pk=answer["category"]).first()
    confidence = float(answer.get("confidence") or 0.0)
    return {
        "category": category,
        "priority": answer.get("priority") or "",
        "confidence_pct": round(100 * confidence),
        "applied": confidence >= min_confidence() and ticket.category_id == answer["category"],
        "threshold_pct": round(100 * min_confidence()),
    }
