"""Feedback endpoints: /feedback (tickets, transitions, events, SLA), /ratings, /rectifications, /appeals,
/calendars (with a deadline calculator) and /sla-policies. Scoped like everything else."""

from datetime import datetime
from typing import Any

from django.http import FileResponse, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from sqms.core.apibase import Mapped, Page
from sqms.core.errors import ValidationFailed
from sqms.core.masking import masked_value, note_shown
from sqms.core.services import require_perm
from sqms.feedback import selectors, services
from sqms.feedback.calendars import due_after, engine_for
from sqms.feedback.models import Appeal, Calendar, Rating, Rectification, SlaPolicy, Ticket
from sqms.org.models import OrgUnit

router = Router(tags=["feedback"])


class TargetOut(Schema):
    name: str
    unit: str
    state: str
    due: datetime | None
    remaining_seconds: int
    elapsed_seconds: int
    paused_seconds: int
    runs_for_seconds: (
        int | None
    )  # how long the time left keeps falling from now (None: no end; 0: stands still)


class TicketOut(Schema):
    id: int
    number: str
    kind: str
    channel: str
    status: str
    priority: str
    title: str
    description: str
    org_unit: str
    assignee: str | None
    category: str | None
    customer_id: int | None
    contact_name: str
    contact_phone: str
    sla_policy: str | None
    first_response_due: datetime | None
    resolution_due: datetime | None
    breached: bool
    repeat_of: str | None
    merged_into: str | None
    version: int
    received_at: datetime
    resolved_at: datetime | None
    allowed_actions: list[str]


def _ticket_out(user: Any, t: Ticket) -> dict[str, Any]:
    from sqms.feedback.domain import allowed_actions

    return {
        "id": t.pk,
        "number": t.number,
        "kind": t.kind,
        "channel": t.channel,
        "status": t.status,
        "priority": t.priority,
        "title": t.title,
        "description": t.description,
        "org_unit": t.org_unit.code,
        "assignee": t.assignee.username if t.assignee_id else None,
        "category": t.category.code if t.category_id else None,
        "customer_id": t.customer_id,
        "contact_name": t.contact_name,
        "contact_phone": masked_value(user, t.contact_phone),
        "sla_policy": t.sla_policy.code if t.sla_policy_id else None,
        "first_response_due": t.first_response_due,
        "resolution_due": t.resolution_due,
        "breached": t.breached,
        "repeat_of": t.repeat_of.number if t.repeat_of_id else None,
        "merged_into": t.merged_into.number if t.merged_into_id else None,
        "version": t.version,
        "received_at": t.received_at,
        "resolved_at": t.resolved_at,
        "allowed_actions": allowed_actions(t.status),
    }


class TicketIn(Schema):
    title: str
    description: str = ""
    kind: str = "complaint"
    channel: str = "api"
    priority: str = ""
    org_unit: str
    category: str | None = None
    service_type: str | None = None
    customer_id: int | None = None
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    received_at: datetime | None = None


class TicketFilter(Schema):
    status: str | None = None
    kind: str | None = None
    channel: str | None = None
    unit: str | None = None
    breached: bool | None = None
    q: str | None = None


def _unit(user: Any, code: str, field: str = "org_unit") -> OrgUnit:
    unit = selectors.unit_by_code(user, code)
    if unit is None:
        raise ValidationFailed(fields={field: [_("Unknown org unit %(code)s.") % {"code": code}]})
    return unit


def _category(code: str | None, field: str) -> int | None:
    if not code:
        return None
    from sqms.feedback import confcache

    pk = confcache.get().category_ids.get(code)
    if pk is None:
        raise ValidationFailed(fields={field: [_("Unknown catalogue code %(code)s.") % {"code": code}]})
    return pk


@router.get("/feedback", response=list[TicketOut])
@paginate(Page)
def list_tickets(request: HttpRequest, filters: Query[TicketFilter]) -> Any:
    qs = selectors.tickets(request.user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.breached is not None:
        qs = qs.filter(breached=filters.breached)
    if filters.unit:
        qs = qs.filter(org_unit__path__startswith=_unit(request.user, filters.unit, "unit").path)
    if filters.q:
        qs = qs.filter(title__icontains=filters.q)
    user = request.user
    return Mapped(qs, lambda t: _ticket_out(user, t), shown_to=request)


@router.post("/feedback", response={200: TicketOut, 201: TicketOut})
def create_ticket(request: HttpRequest, payload: TicketIn) -> Status:
    """Create a ticket. Send an ``Idempotency-Key`` header to make retries safe: the same key returns the
    ticket created the first time (status 200 instead of 201)."""
    require_perm(request.user, "feedback.add_ticket")
    data = payload.dict(exclude={"org_unit", "category", "service_type", "received_at"})
    data["org_unit"] = _unit(request.user, payload.org_unit)
    data["category_id"] = _category(payload.category, "category")
    data["service_type_id"] = _category(payload.service_type, "service_type")
    if payload.received_at:
        data["received_at"] = payload.received_at
    key = request.headers.get("Idempotency-Key") or None
    if key:
        key = f"{request.user.pk}:{key}"[:100]
    ticket, created = services.create_ticket(actor=request.user, data=data, idempotency_key=key)
    return Status(201 if created else 200, _ticket_out(request.user, ticket))


@router.get("/feedback/{number}", response=TicketOut)
def get_ticket(request: HttpRequest, number: str) -> dict[str, Any]:
    ticket = selectors.ticket(request.user, number)
    note_shown(request, Ticket, [ticket.pk])
    return _ticket_out(request.user, ticket)


class TransitionIn(Schema):
    action: str
    version: int | None = None
    body: str = ""
    public: bool = True
    to_unit: str | None = None
    into: str | None = None


@router.post("/feedback/{number}/transitions", response=TicketOut)
def transition(request: HttpRequest, number: str, payload: TransitionIn) -> dict[str, Any]:
    """Actions: accept, start, wait, resume, resolve, confirm, close, reopen, transfer (``to_unit``), merge
    (``into``). Send the ``version`` you saw: a stale one gets 409 Conflict."""
    t = selectors.ticket(request.user, number)
    to_unit = OrgUnit.objects.filter(code=payload.to_unit).first() if payload.to_unit else None
    if payload.to_unit and to_unit is None:
        raise ValidationFailed(
            fields={"to_unit": [_("Unknown org unit %(code)s.") % {"code": payload.to_unit}]}
        )
    into = selectors.ticket(request.user, payload.into) if payload.into else None
    t = services.transition(
        t,
        actor=request.user,
        action=payload.action,
        version=payload.version,
        body=payload.body,
        public=payload.public,
        to_unit=to_unit,
        into=into,
    )
    return _ticket_out(request.user, t)


class EventOut(Schema):
    id: int
    at: datetime
    kind: str
    from_status: str
    to_status: str
    body: str
    public: bool
    actor: str | None


class EventIn(Schema):
    body: str
    public: bool = False


def _event_out(e: Any) -> dict[str, Any]:
    return {
        "id": e.pk,
        "at": e.at,
        "kind": e.kind,
        "from_status": e.from_status,
        "to_status": e.to_status,
        "body": e.body,
        "public": e.public,
        "actor": e.actor.username if e.actor_id else None,
    }


@router.get("/feedback/{number}/events", response=list[EventOut])
def list_events(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    t = selectors.ticket(request.user, number)
    return [_event_out(e) for e in t.events.select_related("actor")]


@router.post("/feedback/{number}/events", response={201: EventOut})
def add_event(request: HttpRequest, number: str, payload: EventIn) -> Status:
    """Add an internal note (``public: false``) or a reply the customer sees (``public: true``)."""
    t = selectors.ticket(request.user, number)
    return Status(
        201, _event_out(services.add_message(t, actor=request.user, body=payload.body, public=payload.public))
    )


COMMENT_KINDS = ("note", "reply", "customer")


class CommentOut(Schema):
    id: int
    at: datetime
    kind: str
    body: str
    public: bool
    author: str | None


def _comment_out(e: Any) -> dict[str, Any]:
    return {
        "id": e.pk,
        "at": e.at,
        "kind": e.kind,
        "body": e.body,
        "public": e.public,
        "author": e.actor.username if e.actor_id else None,
    }


@router.get("/feedback/{number}/comments", response=list[CommentOut])
def list_comments(request: HttpRequest, number: str, public: bool | None = None) -> list[dict[str, Any]]:
    """Internal notes (``public: false``), replies the customer sees (``public: true``) and the
    customer's own messages; ``?public=true|false`` filters."""
    t = selectors.ticket(request.user, number)
    qs = t.events.filter(kind__in=COMMENT_KINDS).select_related("actor")
    if public is not None:
        qs = qs.filter(public=public)
    return [_comment_out(e) for e in qs]


@router.post("/feedback/{number}/comments", response={201: CommentOut})
def add_comment(request: HttpRequest, number: str, payload: EventIn) -> Status:
    """Add an internal note (``public: false``, the default) or a reply to the customer (``public: true``)."""
    t = selectors.ticket(request.user, number)
    ev = services.add_message(t, actor=request.user, body=payload.body, public=payload.public)
    return Status(201, _comment_out(ev))


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    public: bool
    uploaded_at: datetime
    uploaded_by: str | None
    url: str


def _attachment_out(a: Any) -> dict[str, Any]:
    return {
        "id": a.pk,
        "name": a.name,
        "size": a.size,
        "content_type": a.content_type,
        "public": a.public,
        "uploaded_at": a.created_at,
        "uploaded_by": a.created_by.username if a.created_by_id else None,
        "url": f"/api/v1/feedback/{a.ticket.number}/attachments/{a.pk}",
    }


@router.get("/feedback/{number}/attachments", response=list[AttachmentOut])
def list_attachments(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    t = selectors.ticket(request.user, number)
    return [_attachment_out(a) for a in selectors.attachments(request.user, t)]


@router.post("/feedback/{number}/attachments", response={201: AttachmentOut})
def upload_attachment(
    request: HttpRequest, number: str, file: File[UploadedFile], public: Form[bool] = False
) -> Status:
    """Upload a file (multipart field ``file``; optional ``public``). At most 10 MB; images, PDF, Office,
    audio, text."""
    t = selectors.ticket(request.user, number)
    att = services.add_attachment(t, actor=request.user, file=file, public=public)
    return Status(201, _attachment_out(att))


@router.get("/feedback/{number}/attachments/{attachment_id}")
def download_attachment(request: HttpRequest, number: str, attachment_id: int) -> FileResponse:
    """The file itself (404 outside the caller's scope)."""
    t = selectors.ticket(request.user, number)
    att = selectors.attachment(request.user, attachment_id)
    if att.ticket_id != t.pk:
        from sqms.core.errors import NotFound

        raise NotFound()
    return FileResponse(att.file.open("rb"), as_attachment=True, filename=att.name)


@router.delete("/feedback/{number}/attachments/{attachment_id}", response={204: None})
def delete_attachment(request: HttpRequest, number: str, attachment_id: int) -> Status:
    """Archive the attachment (kept in the audit trail, no longer listed)."""
    t = selectors.ticket(request.user, number)
    att = selectors.attachment(request.user, attachment_id)
    if att.ticket_id != t.pk:
        from sqms.core.errors import NotFound

        raise NotFound()
    services.remove_attachment(att, actor=request.user)
    return Status(204, None)


class AssignIn(Schema):
    username: str | None
    version: int | None = None


@router.post("/feedback/{number}/assign", response=TicketOut)
def assign(request: HttpRequest, number: str, payload: AssignIn) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    t = selectors.ticket(request.user, number)
    user = None
    if payload.username:
        user = get_user_model().objects.filter(username=payload.username, is_active=True).first()
        if user is None:
            raise ValidationFailed(fields={"username": [_("Unknown user.")]})
    return _ticket_out(
        request.user, services.assign(t, actor=request.user, assignee=user, version=payload.version)
    )


class PriorityIn(Schema):
    priority: str
    category: str | None = None
    version: int | None = None


@router.post("/feedback/{number}/priority", response=TicketOut)
def set_priority(request: HttpRequest, number: str, payload: PriorityIn) -> dict[str, Any]:
    t = selectors.ticket(request.user, number)
    cat = _category(payload.category, "category") if payload.category else None
    return _ticket_out(
        request.user,
        services.change_priority(
            t, actor=request.user, priority=payload.priority, version=payload.version, category_id=cat
        ),
    )


@router.get("/feedback/{number}/sla", response=list[TargetOut])
def ticket_sla(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    """Each SLA target's state now: running, paused, met or breached, with due time and remaining time."""
    t = selectors.ticket(request.user, number)
    return selectors.sla_rows(t)


class RatingOut(Schema):
    id: int
    score: int
    org_unit: str
    ticket: str | None
    reasons: str
    channel: str
    rated_at: datetime
    excluded: bool
    by_default: bool
    rectification_id: int | None


class RatingIn(Schema):
    score: int
    org_unit: str | None = None
    ticket: str | None = None
    reasons: str = ""
    channel: str = "api"


def _rating_out(r: Rating) -> dict[str, Any]:
    rect = getattr(r, "rectification", None) if r.score <= 2 else None
    return {
        "id": r.pk,
        "score": r.score,
        "org_unit": r.org_unit.code,
        "ticket": r.ticket.number if r.ticket_id else None,
        "reasons": r.reasons,
        "channel": r.channel,
        "rated_at": r.rated_at,
        "excluded": r.excluded,
        "by_default": r.by_default,
        "rectification_id": rect.pk if rect else None,
    }


@router.get("/ratings", response=list[RatingOut])
@paginate(Page)
def list_ratings(request: HttpRequest, unit: str | None = None, bad: bool | None = None) -> Any:
    qs = selectors.ratings(request.user)
    if unit:
        qs = qs.filter(org_unit__path__startswith=_unit(request.user, unit, "unit").path)
    if bad is not None:
        qs = qs.filter(score__lte=2) if bad else qs.filter(score__gte=3)
    return Mapped(qs, _rating_out)


@router.post("/ratings", response={201: RatingOut})
def create_rating(request: HttpRequest, payload: RatingIn) -> Status:
    """Record a 好差评 rating (1–5); 1–2 opens a rectification order with the HCP-RECTIFY deadline."""
    ticket = selectors.ticket(request.user, payload.ticket) if payload.ticket else None
    if ticket is None and not payload.org_unit:
        raise ValidationFailed(fields={"org_unit": [_("Give the org unit or the ticket.")]})
    unit = ticket.org_unit if ticket else _unit(request.user, payload.org_unit or "")
    r = services.rate(
        actor=request.user,
        org_unit=unit,
        score=payload.score,
        reasons=payload.reasons,
        ticket=ticket,
        channel=payload.channel,
        customer=ticket.customer if ticket else None,
    )
    return Status(201, _rating_out(r))


class RectOut(Schema):
    id: int
    rating_id: int
    score: int
    org_unit: str
    status: str
    verdict: str
    evidence: str
    action_taken: str
    due_at: datetime | None
    completed_at: datetime | None
    on_time: bool | None
    appeal_id: int | None


def _rect_out(r: Rectification) -> dict[str, Any]:
    appeal = r.appeals.order_by("-pk").first()
    return {
        "id": r.pk,
        "rating_id": r.rating_id,
        "score": r.rating.score,
        "org_unit": r.org_unit.code,
        "status": r.status,
        "verdict": r.verdict,
        "evidence": r.evidence,
        "action_taken": r.action_taken,
        "due_at": r.due_at,
        "completed_at": r.completed_at,
        "on_time": r.on_time,
        "appeal_id": appeal.pk if appeal else None,
    }


@router.get("/rectifications", response=list[RectOut])
@paginate(Page)
def list_rectifications(request: HttpRequest, status: str | None = None) -> Any:
    qs = selectors.rectifications(request.user)
    if status:
        qs = qs.filter(status=status)
    return Mapped(qs, _rect_out)


@router.get("/rectifications/{rect_id}", response=RectOut)
def get_rectification(request: HttpRequest, rect_id: int) -> dict[str, Any]:
    return _rect_out(selectors.get_or_404(selectors.rectifications(request.user), pk=rect_id))


class VerifyIn(Schema):
    verdict: str
    evidence: str
    appeal_reason: str = ""


@router.post("/rectifications/{rect_id}/verify", response=RectOut)
def verify(request: HttpRequest, rect_id: int, payload: VerifyIn) -> dict[str, Any]:
    """The unit's verification: ``valid`` (then rectify), ``mistaken`` or ``malicious`` (goes to appeal)."""
    r = selectors.get_or_404(selectors.rectifications(request.user), pk=rect_id)
    return _rect_out(
        services.verify_rectification(
            r,
            actor=request.user,
            verdict=payload.verdict,
            evidence=payload.evidence,
            appeal_reason=payload.appeal_reason,
        )
    )


class CompleteIn(Schema):
    action_taken: str


@router.post("/rectifications/{rect_id}/complete", response=RectOut)
def complete(request: HttpRequest, rect_id: int, payload: CompleteIn) -> dict[str, Any]:
    r = selectors.get_or_404(selectors.rectifications(request.user), pk=rect_id)
    return _rect_out(
        services.complete_rectification(r, actor=request.user, action_taken=payload.action_taken)
    )


class DecideIn(Schema):
    upheld: bool
    note: str


class AppealOut(Schema):
    id: int
    rectification_id: int
    status: str
    reason: str
    decision_note: str


def _appeal_out(a: Appeal) -> dict[str, Any]:
    return {
        "id": a.pk,
        "rectification_id": a.rectification_id,
        "status": a.status,
        "reason": a.reason,
        "decision_note": a.decision_note,
    }


@router.get("/appeals", response=list[AppealOut])
@paginate(Page)
def list_appeals(request: HttpRequest, status: str | None = None) -> Any:
    qs = selectors.appeals(request.user)
    if status:
        qs = qs.filter(status=status)
    return Mapped(qs, _appeal_out)


@router.post("/appeals/{appeal_id}/decide", response=AppealOut)
def decide(request: HttpRequest, appeal_id: int, payload: DecideIn) -> dict[str, Any]:
    """The quality team's decision; upheld excludes the rating from statistics (kept, flagged, audited)."""
    a = selectors.get_or_404(selectors.appeals(request.user), pk=appeal_id)
    return _appeal_out(
        services.decide_appeal(a, actor=request.user, upheld=payload.upheld, note=payload.note)
    )


class CalendarOut(Schema):
    code: str
    name: str
    tz: str
    weekly: dict[str, list[str]]
    covered_years: list[int]
    holidays: list[str]
    makeup_workdays: list[str]


def _calendar_out(c: Calendar, year: int | None = None) -> dict[str, Any]:
    days = c.days.all()
    if year:
        days = days.filter(date__year=year)
    return {
        "code": c.code,
        "name": c.name,
        "tz": c.tz,
        "weekly": c.weekly,
        "covered_years": c.covered_years,
        "holidays": [d.date.isoformat() for d in days if d.kind == "holiday"],
        "makeup_workdays": [d.date.isoformat() for d in days if d.kind == "makeup"],
    }


@router.get("/calendars", response=list[CalendarOut])
def list_calendars(
    request: HttpRequest, year: int | None = Query(None, ge=1900, le=2200)
) -> list[dict[str, Any]]:
    require_perm(request.user, "feedback.view_calendar")
    return [_calendar_out(c, year or timezone.localdate().year) for c in Calendar.objects.active()]


@router.get("/calendars/{code}", response=CalendarOut)
def get_calendar(
    request: HttpRequest, code: str, year: int | None = Query(None, ge=1900, le=2200)
) -> dict[str, Any]:
    require_perm(request.user, "feedback.view_calendar")
    return _calendar_out(selectors.get_or_404(Calendar.objects.active(), code=code), year)


class DeadlineQuery(Schema):
    start: datetime
    business_hours: float | None = None
    working_days: int | None = None
    natural_days: int | None = None


class DeadlineOut(Schema):
    calendar: str
    start: datetime
    due: datetime
    year_covered: bool


@router.get("/calendars/{code}/deadline", response=DeadlineOut)
def deadline(request: HttpRequest, code: str, q: Query[DeadlineQuery]) -> dict[str, Any]:
    """Due time from ``start`` after ``business_hours``, ``working_days`` or ``natural_days`` (exactly one)."""
    require_perm(request.user, "feedback.view_calendar")
    cal = selectors.get_or_404(Calendar.objects.active(), code=code)
    given = {
        k: v
        for k, v in (
            ("business_hours", q.business_hours),
            ("working_days", q.working_days),
            ("natural_days", q.natural_days),
        )
        if v is not None
    }
    if len(given) != 1:
        raise ValidationFailed(
            _("Give exactly one of business_hours, working_days, natural_days."),
            fields={"business_hours": [_("Give exactly one amount.")]},
        )
    if any(v < 0 for v in given.values()):
        raise ValidationFailed(fields={next(iter(given)): [_("Must not be negative.")]})
    if q.start.tzinfo is None:
        raise ValidationFailed(
            fields={"start": [_("Give a time zone offset, e.g. 2026-05-06T09:00:00+08:00.")]}
        )
    due = due_after(cal, q.start, **given)
    engine = engine_for(cal)
    return {
        "calendar": cal.code,
        "start": q.start,
        "due": due,
        "year_covered": not engine.uncovered_years(q.start, due),
    }


class PolicyOut(Schema):
    code: str
    name: str
    use: str
    order: int
    active: bool
    calendar: str
    category: str | None
    priority: str
    channel: str
    customer_kind: str
    org_unit: str | None
    targets: dict[str, Any]
    pause_statuses: list[str]


@router.get("/sla-policies", response=list[PolicyOut])
def list_policies(request: HttpRequest) -> list[dict[str, Any]]:
    require_perm(request.user, "feedback.view_slapolicy")
    return [
        {
            "code": p.code,
            "name": p.name,
            "use": p.use,
            "order": p.order,
            "active": p.active,
            "calendar": p.calendar.code,
            "category": p.category.code if p.category_id else None,
            "priority": p.priority,
            "channel": p.channel,
            "customer_kind": p.customer_kind,
            "org_unit": p.org_unit.code if p.org_unit_id else None,
            "targets": p.targets,
            "pause_statuses": p.pause_statuses,
        }
        for p in SlaPolicy.objects.active().select_related("calendar", "category", "org_unit")
    ]


class CustomerOverviewOut(Schema):
    customer_id: int
    name: str
    summary: dict[str, Any]
    tickets: list[dict[str, Any]]
    ratings: list[dict[str, Any]]
    follow_ups: list[dict[str, Any]]
    survey_responses: list[dict[str, Any]]
    timeline: list[dict[str, Any]]


@router.get("/feedback/customers/{customer_id}", response=CustomerOverviewOut)
def customer_overview(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    """Customer 360: the customer's tickets, ratings, follow-ups, survey responses and timeline."""
    data = selectors.customer_overview(request.user, customer_id)

    def ref(kind: str, obj: Any) -> str:
        if kind in ("ticket", "resolved"):
            return str(obj.number)
        if kind == "rating":
            return str(obj.score)
        return str(obj.campaign_id)

    return {
        "customer_id": data["customer"].pk,
        "name": data["customer"].name,
        "summary": data["summary"],
        "tickets": [
            {
                "number": t.number,
                "title": t.title,
                "kind": t.kind,
                "status": t.status,
                "received_at": t.received_at.isoformat(),
                "breached": t.breached,
            }
            for t in data["tickets"]
        ],
        "ratings": [
            {
                "id": r.pk,
                "score": r.score,
                "rated_at": r.rated_at.isoformat(),
                "excluded": r.excluded,
                "by_default": r.by_default,
                "ticket": r.ticket.number if r.ticket_id else None,
            }
            for r in data["ratings"]
        ],
        "follow_ups": [
            {"number": t.number, "customer_resolved": t.customer_resolved} for t in data["follow_ups"]
        ],
        "survey_responses": [
            {"id": r.pk, "campaign": str(r.campaign), "submitted_at": r.submitted_at.isoformat()}
            for r in data["responses"]
        ],
        "timeline": [
            {"at": e["at"].isoformat(), "kind": e["kind"], "ref": ref(e["kind"], e["object"])}
            for e in data["timeline"]
        ],
    }
