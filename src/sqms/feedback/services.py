"""Writes of the feedback app: tickets and their state machine, the SLA clock and sweep, the 好差评 loop
(ratings → rectification → appeal) and notifications. Every function is keyword-only, atomic,
permission-checked, scoped and audited; every ticket change adds a timeline event."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms import sla
from sqms.core import audit, dataversion
from sqms.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from sqms.core.models import AuditAction
from sqms.core.services import clean_or_raise, notify, require_in_scope, require_perm
from sqms.feedback import confcache, domain
from sqms.feedback.calendars import clock_policy, engine_for, events_for
from sqms.feedback.models import (
    OPEN_STATUSES,
    Appeal,
    AppealStatus,
    Escalation,
    EventKind,
    PolicyUse,
    Rating,
    Rectification,
    RectStatus,
    SlaPolicy,
    Status,
    Ticket,
    TicketEvent,
    Verdict,
    choice_label,
)
from sqms.org.models import OrgUnit, Role, RoleAssignment

log = logging.getLogger(__name__)

REPEAT_DAYS = 30
DEFAULT_RATING_DAYS = 7
CHANGE = "feedback.change_ticket"


def admin_url(ticket: Ticket) -> str:
    return f"/admin/feedback/ticket/{ticket.pk}/change/"


# --- classification and policies ---------------------------------------------------------------------


def classify_text(text: str, cfg: confcache.Config | None = None) -> dict[str, Any]:
    """The classification suggestion for ``text`` with where it came from.

    Registered text classifiers (:mod:`sqms.feedback.classifiers`) are asked first; an answer at or above
    the configured confidence threshold is used, and the active keyword rules fill what it leaves open
    (or decide alone when no classifier is confident). Returns ``{"category", "priority", "source",
    "classifier"}``: ``source`` is "classifier", "keywords", "classifier+keywords" or "";
    ``classifier`` is the best classifier answer (also a less confident one, kept as a mere suggestion
    for the handler) or None."""
    from sqms.feedback.classifiers import ask_classifiers, min_confidence

    cfg = cfg or confcache.get()
    answer = ask_classifiers(text)
    category: int | None = None
    priority = ""
    used = False
    if answer is not None and answer.confidence >= min_confidence():
        if answer.category_id and answer.category_id in cfg.active_category_ids:
            category = answer.category_id
        priority = answer.priority
        used = bool(category or priority)
    from_rules = False
    if category is None or not priority:
        kw_category, kw_priority = domain.suggest(text, cfg.rules)
        if category is None and kw_category:
            category, from_rules = kw_category, True
        if not priority and kw_priority:
            priority, from_rules = kw_priority, True
    source = "+".join(s for s, on in (("classifier", used), ("keywords", from_rules)) if on)
    return {
        "category": category,
        "priority": priority,
        "source": source,
        "classifier": answer.as_dict() if answer is not None else None,
    }


def suggest_classification(text: str) -> tuple[int | None, str]:
    """(category id, priority) suggested for ``text``: a registered text classifier when it is confident
    enough, else the active keyword rules; the handler confirms."""
    out = classify_text(text)
    return out["category"], out["priority"]


def match_policy(
    ticket: Any, use: str = PolicyUse.TICKET, cfg: confcache.Config | None = None
) -> SlaPolicy | None:
    """The first active policy (by order) whose every set condition matches the ticket."""
    from sqms.feedback.presets import ensure_presets

    # the active policies in their order, unit and calendar loaded
    policies = (cfg or confcache.get()).policies.get(use, [])
    if not policies:
        ensure_presets()
        policies = list(SlaPolicy.objects.filter(use=use, active=True).select_related("org_unit", "calendar"))
    unit_path = ticket.org_unit.path if getattr(ticket, "org_unit_id", None) else ""
    customer_kind = ticket.customer.kind if getattr(ticket, "customer_id", None) else ""
    for p in policies:
        if p.category_id and p.category_id != getattr(ticket, "category_id", None):
            continue
        if p.priority and p.priority != getattr(ticket, "priority", ""):
            continue
        if p.channel and p.channel != getattr(ticket, "channel", ""):
            continue
        if p.customer_kind and p.customer_kind != customer_kind:
            continue
        if p.org_unit_id and not unit_path.startswith(p.org_unit.path):
            continue
        return p
    return None


# --- the SLA clock ----------------------------------------------------------------------------------------

_policy_cache: dict[int, SlaPolicy] = {}


def _policy(pk: int | None) -> SlaPolicy | None:
    if pk is None:
        return None
    p = SlaPolicy.objects.select_related("calendar").filter(pk=pk).first()
    return p


def ticket_events(
    ticket: Ticket, rows: list[Any] | None = None, cache: dict[Any, Any] | None = None
) -> tuple[Any, list[sla.Event]] | None:
    """(engine calendar, the clock's event log) of a ticket, or None without a policy. ``cache`` (shared
    by a sweep) keeps one engine policy per (priority, policy) so a batch sees few distinct policies."""
    policy = ticket.sla_policy if ticket.sla_policy_id else None
    if policy is None:
        return None
    cache = {} if cache is None else cache

    def policy_for(priority: str, policy_id: int | None) -> sla.ClockPolicy:
        prio = priority or ticket.priority
        key = (prio, policy_id if policy_id is not None else policy.pk, policy.pk)
        if key not in cache:
            p = policy if policy_id in (None, policy.pk) else (_policy(policy_id) or policy)
            cache[key] = clock_policy(p, prio)
        return cache[key]  # type: ignore[no-any-return]

    if rows is None:
        rows = list(ticket.events.all())
    events = events_for(ticket, rows, policy_for)
    if not any(isinstance(e, sla.Created) for e in events):
        events.insert(0, sla.Created(ticket.received_at, policy_for(ticket.priority, policy.pk)))
    cal_key = ("calendar", policy.calendar_id)
    if cal_key not in cache:  # engine_for checks the calendar's version with a query: once per sweep chunk
        cache[cal_key] = engine_for(policy.calendar)
    return cache[cal_key], events


def ticket_clock(ticket: Ticket, now: datetime | None = None, rows: list[TicketEvent] | None = None) -> Any:
    """The SLA clock of a ticket at ``now`` (a :class:`sqms.sla.TicketClock`), or None without a policy."""
    found = ticket_events(ticket, rows)
    if found is None:
        return None
    cal, events = found
    return sla.compute_ticket(cal, events, now or timezone.now())


def ticket_clocks(tickets: list[Ticket], rows: dict[int, list[Any]], now: datetime) -> dict[int, Any]:
    """The clocks of many tickets at ``now`` (ticket id → clock; tickets without a policy left out),
    through the engine's batch path, one batch per calendar; same answers as :func:`ticket_clock`."""
    cache: dict[Any, Any] = {}
    groups: dict[int, tuple[Any, list[int], list[list[sla.Event]]]] = {}
    for t in tickets:
        found = ticket_events(t, rows.get(t.pk, []), cache)
        if found is None:
            continue
        cal, events = found
        group = groups.setdefault(id(cal), (cal, [], []))
        group[1].append(t.pk)
        group[2].append(events)
    out: dict[int, Any] = {}
    for cal, ids, logs in groups.values():
        out.update(zip(ids, sla.compute_many(cal, logs, now), strict=True))
    return out


def recompute_sla(ticket: Ticket, now: datetime | None = None) -> Any:
    """Recompute the clock and store the cached due times and the breach flag on the ticket."""
    clock = ticket_clock(ticket, now)
    if clock is None:
        return None
    fr = clock.targets.get("first_response")
    rs = clock.targets.get("resolution")
    changes = {
        "first_response_due": fr.due_at if fr else None,
        "resolution_due": rs.due_at if rs else None,
        "breached": any(t.state == sla.State.BREACHED for t in clock.targets.values()),
    }
    if any(getattr(ticket, k) != v for k, v in changes.items()):
        Ticket.objects.filter(pk=ticket.pk).update(**changes)
        for k, v in changes.items():
            setattr(ticket, k, v)
    if clock.uncovered_years:
        warn_uncovered(ticket.sla_policy.calendar, clock.uncovered_years)
    return clock


# --- calendar coverage warnings ------------------------------------------------------------------------


def system_admins() -> list[Any]:
    ids = RoleAssignment.objects.filter(role=Role.SYSTEM_ADMIN).values_list("user_id", flat=True)
    from django.db.models import Q

    return list(get_user_model().objects.filter(Q(pk__in=list(ids)) | Q(is_superuser=True), is_active=True))


def warn_uncovered(calendar: Any, years: Iterable[int]) -> list[int]:
    """Tell the system admins (once per calendar and year) that holidays of ``years`` are unknown for a
    calendar with a holiday source (the CN preset or any calendar with known years): deadlines there
    use the weekly pattern only. Returns the years newly warned about."""
    from sqms.feedback.calendars import uncovered_years
    from sqms.feedback.models import Calendar

    if calendar is None or not (calendar.preset or calendar.covered_years):
        return []
    missing = [
        y for y in uncovered_years(calendar, sorted(set(years))) if y not in (calendar.warned_years or [])
    ]
    if not missing:
        return []
    with transaction.atomic():
        locked = Calendar.objects.select_for_update().get(pk=calendar.pk)
        already = set(locked.warned_years or [])
        new = [y for y in missing if y not in already]
        if not new:
            return []
        locked.warned_years = sorted(already | set(new))
        Calendar.objects.filter(pk=locked.pk).update(warned_years=locked.warned_years)
        calendar.warned_years = locked.warned_years
        years_text = ", ".join(map(str, new))
        notify(
            system_admins(),
            title=_("Calendar %(code)s: holidays for %(years)s are not known")
            % {"code": locked.code, "years": years_text},
            body=_(
                "Deadlines in %(years)s use the weekly pattern only (Monday–Friday) until that year's "
                "holidays and make-up workdays are entered on the calendar page."
            )
            % {"years": years_text},
            url=f"/admin/feedback/calendar/{locked.pk}/change/",
            kind="calendar",
            email=True,
        )
        audit.record(
            actor="system",
            action=AuditAction.ACTION,
            instance=locked,
            verb=_("Admins warned about unknown holidays"),
            extra={"years": new},
        )
    return new


def check_calendar_coverage(now: datetime | None = None) -> dict[str, list[int]]:
    """Daily: warn about the current year, and from December on about the next year as well."""
    from sqms.feedback.models import Calendar

    today = timezone.localdate(now or timezone.now())
    years = [today.year] + ([today.year + 1] if today.month == 12 else [])
    out: dict[str, list[int]] = {}
    for cal in Calendar.objects.active():
        new = warn_uncovered(cal, years)
        if new:
            out[cal.code] = new
    return out


# --- tickets ----------------------------------------------------------------------------------------------


# The look-ups of every new ticket (number taken? an earlier ticket of the same customer and category?)
# are written in SQL: the ORM spent ~0.6 ms of CPU per complaint building them, more than the database
# spends answering them. Same conditions as the querysets they replace (tests cover both databases). On
# PostgreSQL both go into the ticket's own insert (sqms.feedback.ticket_insert).


def _number_candidate(now: datetime) -> str:
    return f"FB{timezone.localtime(now):%y%m%d}{secrets.randbelow(10**6):06d}"


def _draw_number(ticket: Ticket, now: datetime, keep: Callable[[], bool]) -> None:
    """Draw numbers for the new ``ticket`` until ``keep()`` accepts one (it is taken: ~1 in 10**6 per ticket
    of the day)."""
    for _attempt in range(20):
        ticket.number = _number_candidate(now)
        if keep():
            return
    raise Conflict(_("Could not allocate a ticket number; try again."))


def _number_taken(number: str) -> bool:
    qn = connection.ops.quote_name
    with connection.cursor() as cur:
        cur.execute(f"SELECT 1 FROM {qn(Ticket._meta.db_table)} WHERE {qn('number')} = %s LIMIT 1", [number])
        return cur.fetchone() is not None


def _event(
    ticket: Ticket,
    kind: str,
    actor: Any = None,
    *,
    body: str = "",
    public: bool = False,
    from_status: str = "",
    to_status: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        body=body,
        public=public,
        from_status=from_status,
        to_status=to_status,
        data=data or {},
        at=at or timezone.now(),
    )


def _find_repeat(ticket: Ticket) -> Ticket | None:
    """The ticket ``ticket`` repeats (its id and number only), or None."""
    found = _repeat_sql(ticket)
    if found is None:
        return None
    with connection.cursor() as cur:
        cur.execute(*found)
        row = cur.fetchone()
    return None if row is None else Ticket.from_db(connection.alias, ["id", "number"], row)


def _repeat_sql(ticket: Ticket, days: int = REPEAT_DAYS) -> tuple[str, list[Any]] | None:
    """The look-up of the ticket ``ticket`` repeats — the latest earlier one of the same customer (or
    phone) and category in the last ``days``, not merged — selecting its id and number (the new ticket only
    links to it, and its API answer shows its number: not the 37 columns); None if it cannot have one."""
    if not ticket.customer_id and not ticket.contact_phone:
        return None
    if not ticket.category_id:
        return None
    # = Ticket.objects.filter(category_id=…, received_at__range=(received_at - days, received_at),
    #   merged_into__isnull=True, customer_id=… or contact_phone=…).exclude(pk=…)
    #   .order_by("-received_at").only("id", "number").first()
    qn = connection.ops.quote_name
    field = Ticket._meta.get_field("received_at")

    def adapt(value: datetime) -> Any:  # as the ORM would (a naive time is taken in the current zone)
        return field.get_db_prep_value(value, connection, prepared=False)

    who, value = (
        ("customer_id", ticket.customer_id) if ticket.customer_id else ("contact_phone", ticket.contact_phone)
    )
    sql = (
        f"SELECT {qn('id')}, {qn('number')} FROM {qn(Ticket._meta.db_table)} WHERE {qn('category_id')} = %s"
        f" AND {qn('received_at')} >= %s AND {qn('received_at')} <= %s AND {qn('merged_into_id')} IS NULL"
        f" AND {qn(who)} = %s"
    )
    params: list[Any] = [
        ticket.category_id,
        adapt(ticket.received_at - timedelta(days=days)),
        adapt(ticket.received_at),
        value,
    ]
    if ticket.pk:
        sql += f" AND {qn('id')} <> %s"
        params.append(ticket.pk)
    return sql + f" ORDER BY {qn('received_at')} DESC LIMIT 1", params


@transaction.atomic
def create_ticket(
    *, actor: Any, data: dict[str, Any], idempotency_key: str | None = None, public: bool = False
) -> tuple[Ticket, bool]:
    """Create a ticket; returns (ticket, created). The same ``idempotency_key`` returns the first ticket.

    Kept cheap (it is the hot write path, ~15 statements): the configuration comes from
    :mod:`sqms.feedback.confcache`, the SLA due times are computed before the insert (no update after it),
    and the audit entry is appended last, so the audit chain's head row stays locked only for the
    commit."""
    if not public:
        require_perm(actor, "feedback.add_ticket")
    if idempotency_key:
        existing = Ticket.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            if not public and existing.created_by_id not in (None, getattr(actor, "pk", None)):
                raise Conflict(_("This Idempotency-Key was already used by someone else."))
            return existing, False
    cfg = confcache.get()
    data = dict(data)
    text = f"{data.get('title', '')} {data.get('description', '')}"
    suggestion = classify_text(text, cfg)
    cat_id, priority = suggestion["category"], suggestion["priority"]
    if not data.get("category") and not data.get("category_id") and cat_id:
        data["category_id"] = cat_id
    if not data.get("priority"):
        data["priority"] = priority or "P3"
    now = timezone.now()
    ticket = Ticket(**data)
    ticket.verification_code = f"{secrets.randbelow(10**6):06d}"
    ticket.idempotency_key = idempotency_key or None
    if not ticket.received_at:
        ticket.received_at = now
    if getattr(actor, "pk", None):
        ticket.created_by = actor
        ticket.updated_by = actor
    # Foreign keys known to exist need no look-up each: the acting user, a loaded unit, catalogue entries
    # of the (current) configuration. Anything else is validated as before.
    known = ["number", "verification_code", "created_by", "updated_by"]
    if isinstance(data.get("org_unit"), OrgUnit) and ticket.org_unit_id is not None:
        known.append("org_unit")
    for name in ("category", "service_type"):
        pk = getattr(ticket, f"{name}_id")
        if pk in cfg.categories:
            known.append(name)
            setattr(ticket, name, cfg.categories[pk])
    clean_or_raise(ticket, exclude=known)
    if not public:
        require_in_scope(actor, ticket)
    ticket.sla_policy = match_policy(ticket, cfg=cfg)
    created = TicketEvent(
        ticket=ticket,
        kind=EventKind.CREATED,
        actor=actor if getattr(actor, "pk", None) else None,
        to_status=ticket.status,
        at=ticket.received_at,
        data={
            "priority": ticket.priority,
            "policy": ticket.sla_policy_id,
            "suggested_category": cat_id,
            "suggested_priority": priority,
            "suggested_by": suggestion["source"],
            "classifier": suggestion["classifier"],
        },
    )
    clock = _store_clock(ticket, [created], cfg)  # due times go into the insert
    if connection.vendor == "postgresql":  # number, repeat link, ticket and event in one statement
        from sqms.feedback import ticket_insert

        repeat = _repeat_sql(ticket)
        _draw_number(ticket, now, lambda: ticket_insert.insert(ticket, created, repeat))
    else:
        ticket.repeat_of = _find_repeat(ticket)
        _draw_number(ticket, now, lambda: not _number_taken(ticket.number))
        ticket.save()
        created.ticket = ticket
        created.skip_sla_invalidation = True  # a new ticket is due for the sweep anyway (sla_next_at NULL)
        created.save()
    if clock is not None and clock.uncovered_years:
        warn_uncovered(ticket.sla_policy.calendar, clock.uncovered_years)
    if ticket.kind == "complaint":
        managers = unit_managers(ticket.org_unit, cfg)
        notify(
            managers,
            title=_("New complaint %(n)s: %(t)s") % {"n": ticket.number, "t": ticket.title},
            url=admin_url(ticket),
            kind="feedback",
        )
        from sqms.feedback.bots import dispatch

        dispatch(
            ticket.org_unit,
            "new_complaint",
            _("New complaint %(n)s") % {"n": ticket.number},
            f"{ticket.org_unit.name}: {ticket.title}",
            cfg=cfg,
        )
    # last: appending takes the audit chain's head row lock, held until this transaction commits; serialised
    # by that lock already, the data version is bumped in the append's statement (no second commit)
    audit.record(
        actor=actor or "public",
        action=AuditAction.CREATE,
        instance=ticket,
        after=audit.snapshot(ticket),
        bump=("feedback",),
    )
    return ticket, True


def _store_clock(ticket: Ticket, rows: list[TicketEvent], cfg: confcache.Config) -> Any:
    """Set the cached due times and the breach flag of a not yet saved ticket from its event ``rows``."""
    policy = ticket.sla_policy if ticket.sla_policy_id else None
    if policy is None:
        return None
    engines: dict[Any, Any] = {("calendar", policy.calendar_id): cfg.engine(policy.calendar)}
    found = ticket_events(ticket, rows, engines)
    if found is None:
        return None
    clock = sla.compute_ticket(found[0], found[1], timezone.now())
    fr = clock.targets.get("first_response")
    rs = clock.targets.get("resolution")
    ticket.first_response_due = fr.due_at if fr else None
    ticket.resolution_due = rs.due_at if rs else None
    ticket.breached = any(t.state == sla.State.BREACHED for t in clock.targets.values())
    return clock


def _lock(ticket: Ticket, actor: Any, version: int | None, perm: str = CHANGE) -> Ticket:
    require_in_scope(actor, ticket)
    require_perm(actor, perm)
    locked = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("org_unit", "sla_policy__calendar")
        .get(pk=ticket.pk)
    )
    if version is not None and int(version) != locked.version:
        raise Conflict(
            _(
                "Ticket %(n)s was changed by someone else while you were working on it (now version "
                "%(v)s, you had %(yours)s). Reload the page to see the change, then try again."
            )
            % {"n": locked.number, "v": locked.version, "yours": version}
        )
    return locked


def _save(
    ticket: Ticket, actor: Any, before: dict[str, Any], verb: str, extra: dict[str, Any] | None = None
) -> None:
    ticket.version += 1
    if getattr(actor, "pk", None):
        ticket.updated_by = actor
    ticket.save()
    audit.record(
        actor=actor or "public",
        action=AuditAction.UPDATE,
        instance=ticket,
        before=before,
        after=audit.snapshot(ticket),
        verb=verb,
        extra=extra,
    )


def illegal(ticket: Ticket, action: str) -> ValidationFailed:
    allowed = ", ".join(str(ACTION_LABELS.get(a, a)) for a in domain.allowed_actions(ticket.status)) or "-"
    return ValidationFailed(
        _("“%(action)s” is not possible for ticket %(n)s in status “%(status)s”. Possible now: %(allowed)s.")
        % {
            "action": ACTION_LABELS.get(action, action),
            "n": ticket.number,
            "status": choice_label(Status, ticket.status),
            "allowed": allowed,
        },
        fields={"action": [_("Not allowed in the current status.")]},
        code="illegal_transition",
    )


def _labels() -> dict[str, Any]:
    from django.utils.translation import gettext_lazy

    return {
        "accept": gettext_lazy("Accept"),
        "start": gettext_lazy("Start work"),
        "wait": gettext_lazy("Wait on customer"),
        "resume": gettext_lazy("Resume"),
        "resolve": gettext_lazy("Resolve"),
        "confirm": gettext_lazy("Confirm"),
        "close": gettext_lazy("Close"),
        "reopen": gettext_lazy("Reopen"),
        "transfer": gettext_lazy("Transfer"),
        "merge": gettext_lazy("Merge as duplicate"),
    }


ACTION_LABELS = _labels()


@transaction.atomic
def transition(
    ticket: Ticket,
    *,
    actor: Any,
    action: str,
    version: int | None = None,
    body: str = "",
    to_unit: OrgUnit | None = None,
    into: Ticket | None = None,
    public: bool = True,
    by_customer: bool = False,
) -> Ticket:
    """Move a ticket through the state machine (see :data:`sqms.feedback.domain.TRANSITIONS`)."""
    if by_customer:
        locked = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("org_unit", "sla_policy__calendar")
            .get(pk=ticket.pk)
        )
        if version is not None and int(version) != locked.version:
            raise Conflict()
    else:
        locked = _lock(ticket, actor, version)
    target = domain.next_status(action, locked.status)
    if target is None:
        raise illegal(locked, action)
    before = audit.snapshot(locked)
    old = locked.status
    now = timezone.now()
    data: dict[str, Any] = {"action": action}
    if action == "transfer":
        if to_unit is None:
            raise ValidationFailed(fields={"to_unit": [_("Choose the unit to transfer to.")]})
        if to_unit.pk == locked.org_unit_id:
            raise ValidationFailed(fields={"to_unit": [_("The ticket is already in this unit.")]})
        data.update({"from_unit": locked.org_unit.code, "to_unit": to_unit.code})
        locked.org_unit = to_unit
        locked.assignee = None
    if action == "merge":
        if into is None or into.pk == locked.pk:
            raise ValidationFailed(fields={"into": [_("Choose another ticket to merge into.")]})
        require_in_scope(actor, into)
        locked.merged_into = into
        data["into"] = into.number
    if action == "accept" and locked.assignee_id is None and getattr(actor, "pk", None):
        locked.assignee = actor
    if action == "accept":
        data["responded"] = True
    if action == "reopen":
        data["reopen"] = True
        locked.resolved_at = None
        locked.closed_at = None
        locked.customer_resolved = None if not by_customer else False
    if target == "resolved":
        locked.resolved_at = now
    if target == "closed":
        locked.closed_at = now
    if action == "accept" and locked.responded_at is None:
        locked.responded_at = now
    locked.status = target
    _save(locked, actor, before, str(ACTION_LABELS[action]), {"action": action})
    kind = {"transfer": EventKind.TRANSFER, "merge": EventKind.MERGE}.get(action, EventKind.STATUS)
    _event(
        locked, kind, actor, body=body, public=public, from_status=old, to_status=target, data=data, at=now
    )
    if action == "transfer":
        _event(
            locked,
            EventKind.STATUS,
            actor,
            from_status=old,
            to_status=target,
            data={"action": "transfer"},
            at=now,
        )
        notify(
            unit_managers(to_unit),
            title=_("Ticket %(n)s transferred to %(u)s") % {"n": locked.number, "u": to_unit.name},
            url=admin_url(locked),
            kind="feedback",
        )
    recompute_sla(locked, now)
    dataversion.bump("feedback")
    return locked


@transaction.atomic
def add_message(ticket: Ticket, *, actor: Any, body: str, public: bool) -> TicketEvent:
    """An internal note (``public=False``) or a reply the customer sees on the tracking page."""
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(_("The text is empty."), fields={"body": [_("This field is required.")]})
    locked = _lock(ticket, actor, None)
    if public and locked.status in ("closed",):
        raise ValidationFailed(
            _("The ticket is closed; reopen it to reply."), fields={"body": [_("Ticket closed.")]}
        )
    data: dict[str, Any] = {}
    if public and locked.responded_at is None:
        locked.responded_at = timezone.now()
        Ticket.objects.filter(pk=locked.pk).update(responded_at=locked.responded_at)
        data["responded"] = True
    ev = _event(
        locked, EventKind.REPLY if public else EventKind.NOTE, actor, body=body, public=public, data=data
    )
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        instance=locked,
        verb=_("Reply sent") if public else _("Internal note added"),
        extra={"text": body[:500]},
    )
    if data:
        recompute_sla(locked)
    return ev


@transaction.atomic
def add_attachment(
    ticket: Ticket, *, actor: Any, file: Any, public: bool = False, by_customer: bool = False
) -> Any:
    """Attach an uploaded file to a ticket (size and type checked; stored under MEDIA_ROOT), with a
    timeline line and an audit entry. Needs the right to change the ticket, except for the customer's
    own upload on the public form (``by_customer``: the caller has just created the ticket or checked
    its number and verification code)."""
    from sqms.feedback.models import Attachment

    if file is None:
        raise ValidationFailed(_("Choose a file to upload."), fields={"file": [_("This field is required.")]})
    if by_customer:
        actor, public = None, True
        locked = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
    else:
        locked = _lock(ticket, actor, None)
    name = str(getattr(file, "name", "") or "file").rsplit("/", 1)[-1][:200]
    att = Attachment(
        ticket=locked,
        file=file,
        name=name,
        size=int(getattr(file, "size", 0) or 0),
        content_type=str(getattr(file, "content_type", "") or "")[:100],
        public=bool(public),
    )
    if getattr(actor, "pk", None):
        att.created_by = actor
        att.updated_by = actor
    clean_or_raise(att)
    att.save()
    _event(
        locked,
        EventKind.ATTACHMENT,
        actor,
        body=name,
        public=bool(public),
        data={"attachment": att.pk, "size": att.size},
    )
    audit.record(actor=actor or "public", action=AuditAction.CREATE, instance=att, after=audit.snapshot(att))
    return att


@transaction.atomic
def remove_attachment(attachment: Any, *, actor: Any) -> None:
    """Archive an attachment (kept on disk and in the audit trail, no longer listed)."""
    locked = _lock(attachment.ticket, actor, None)
    before = audit.snapshot(attachment)
    attachment.archived_at = timezone.now()
    attachment.save(update_fields=["archived_at"])
    _event(locked, EventKind.ATTACHMENT, actor, body=_("Removed: %(name)s") % {"name": attachment.name})
    audit.record(
        actor=actor,
        action=AuditAction.ARCHIVE,
        instance=attachment,
        before=before,
        after=audit.snapshot(attachment),
    )


@transaction.atomic
def assign(ticket: Ticket, *, actor: Any, assignee: Any, version: int | None = None) -> Ticket:
    locked = _lock(ticket, actor, version)
    if assignee is not None:
        from sqms.core.scoping import scope_for

        scope = scope_for(assignee)
        if not (scope.all_units or scope.covers_path(locked.org_unit.path)):
            raise ValidationFailed(
                fields={"assignee": [_("This person does not work in the ticket's unit.")]}
            )
    before = audit.snapshot(locked)
    locked.assignee = assignee
    _save(locked, actor, before, _("Assigned"))
    _event(locked, EventKind.ASSIGN, actor, data={"assignee": getattr(assignee, "username", None)})
    if assignee is not None and assignee != actor:
        notify(
            [assignee],
            title=_("Ticket %(n)s assigned to you") % {"n": locked.number},
            url=admin_url(locked),
            kind="feedback",
        )
    return locked


@transaction.atomic
def change_priority(
    ticket: Ticket, *, actor: Any, priority: str, version: int | None = None, category_id: int | None = None
) -> Ticket:
    """Confirm or change priority (and category); the SLA policy is matched again and the clock follows."""
    locked = _lock(ticket, actor, version)
    if priority not in {"P1", "P2", "P3", "P4"}:
        raise ValidationFailed(fields={"priority": [_("Use P1, P2, P3 or P4.")]})
    before = audit.snapshot(locked)
    locked.priority = priority
    if category_id is not None:
        locked.category_id = category_id or None
    policy = match_policy(locked) or locked.sla_policy
    locked.sla_policy = policy
    _save(locked, actor, before, _("Priority changed"))
    _event(
        locked,
        EventKind.PRIORITY,
        actor,
        data={"priority": priority, "policy": policy.pk if policy else None},
    )
    recompute_sla(locked)
    dataversion.bump("feedback")
    return locked


@transaction.atomic
def extend_deadline(
    ticket: Ticket, *, actor: Any, amount: float, reason: str, target: str = "resolution"
) -> Ticket:
    """Approve an extension (e.g. a bank complaint from 15 to 30 days); needs the quality team's right."""
    require_perm(actor, "feedback.change_slapolicy")
    locked = _lock(ticket, actor, None)
    if amount <= 0:
        raise ValidationFailed(fields={"amount": [_("Must be greater than zero.")]})
    if not reason.strip():
        raise ValidationFailed(fields={"reason": [_("This field is required.")]})
    _event(locked, EventKind.EXTENSION, actor, body=reason, data={"target": target, "amount": amount})
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        instance=locked,
        verb=_("Deadline extended"),
        extra={"target": target, "amount": amount, "reason": reason},
    )
    recompute_sla(locked)
    dataversion.bump("feedback")
    return locked


# --- customer side (public tracking page) -------------------------------------------------------------------


def find_for_customer(number: str, code: str) -> Ticket:
    t = Ticket.objects.select_related("org_unit").filter(number=(number or "").strip().upper()).first()
    if t is None or not secrets.compare_digest(t.verification_code, (code or "").strip()):
        raise NotFound(_("No ticket matches this number and verification code."))
    return t


@transaction.atomic
def customer_followup(ticket: Ticket, *, resolved: bool, score: int | None, reasons: str = "") -> Ticket:
    """The customer's answer at resolution: resolved → confirmed (with a rating), not resolved → reopened."""
    if ticket.status != Status.RESOLVED:
        raise ValidationFailed(
            _("This ticket is not waiting for your confirmation."),
            fields={"resolved": [_("Not resolved yet.")]},
        )
    if score is not None and not 1 <= int(score) <= 5:
        raise ValidationFailed(fields={"score": [_("Choose 1 to 5.")]})
    if resolved:
        t = transition(ticket, actor=None, action="confirm", by_customer=True, body=reasons)
        Ticket.objects.filter(pk=t.pk).update(customer_resolved=True)
    else:
        t = transition(
            ticket,
            actor=None,
            action="reopen",
            by_customer=True,
            body=reasons or _("The customer says the problem is not resolved."),
        )
        Ticket.objects.filter(pk=t.pk).update(customer_resolved=False)
        notify(
            unit_managers(t.org_unit) + ([t.assignee] if t.assignee else []),
            title=_("Customer says ticket %(n)s is not resolved") % {"n": t.number},
            url=admin_url(t),
            kind="feedback",
        )
    if score is not None:
        rate(
            actor=None,
            ticket=t,
            org_unit=t.org_unit,
            score=int(score),
            reasons=reasons,
            channel=t.channel,
            customer=t.customer,
            public=True,
        )
    t.refresh_from_db()
    dataversion.bump("feedback")
    return t


# --- 好差评: ratings, rectification, appeals ---------------------------------------------------------------


@transaction.atomic
def rate(
    *,
    actor: Any,
    org_unit: OrgUnit,
    score: int,
    reasons: str = "",
    ticket: Ticket | None = None,
    channel: str = "web",
    customer: Any = None,
    public: bool = False,
    by_default: bool = False,
    at: datetime | None = None,
) -> Rating:
    """Record a rating (one per ticket); 1–2 opens a rectification order for the unit."""
    if not public:
        require_perm(actor, "feedback.add_rating")
    if ticket is not None and Rating.objects.filter(ticket=ticket, archived_at__isnull=True).exists():
        raise ValidationFailed(
            _("This case has already been rated."), fields={"score": [_("Already rated.")]}
        )
    rating = Rating(
        ticket=ticket,
        org_unit=org_unit,
        score=score,
        reasons=reasons,
        channel=channel,
        customer=customer,
        by_default=by_default,
        rated_at=at or timezone.now(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    clean_or_raise(rating)
    if not public:
        require_in_scope(actor, rating)
    rating.save()
    audit.record(
        actor=actor or "public", action=AuditAction.CREATE, instance=rating, after=audit.snapshot(rating)
    )
    if ticket is not None:
        _event(ticket, EventKind.RATING, actor, body=reasons, public=True, data={"score": score})
    if rating.is_bad:
        open_rectification(rating)
    dataversion.bump("feedback")
    return rating


def open_rectification(rating: Rating) -> Rectification:
    policy = match_policy(rating, use=PolicyUse.RECTIFICATION)
    due = None
    if policy is not None:
        due = _policy_due(policy, rating.rated_at)
    rect = Rectification.objects.create(rating=rating, org_unit=rating.org_unit, due_at=due)
    audit.record(
        actor="system",
        action=AuditAction.CREATE,
        instance=rect,
        after=audit.snapshot(rect),
        verb=_("Rectification order opened by a bad review"),
    )
    title = _("Bad review (%(s)s★) for %(u)s: rectification due %(d)s") % {
        "s": rating.score,
        "u": rating.org_unit.name,
        "d": timezone.localtime(due).strftime("%Y-%m-%d %H:%M") if due else "-",
    }
    notify(
        unit_managers(rating.org_unit),
        title=title,
        url=f"/admin/feedback/rectification/{rect.pk}/change/",
        kind="feedback",
    )
    from sqms.feedback.bots import dispatch

    dispatch(rating.org_unit, "bad_review", _("Bad review"), title)
    return rect


def _policy_due(policy: SlaPolicy, start: datetime) -> datetime | None:
    cp = clock_policy(policy, "*")
    spec = next((t for t in cp.targets if t.name == "resolution"), cp.targets[0] if cp.targets else None)
    if spec is None:
        return None
    from sqms.feedback.calendars import due_after

    kw = (
        {"business_hours": spec.amount}
        if spec.unit == sla.Unit.BUSINESS_HOURS
        else (
            {"working_days": int(spec.amount)}
            if spec.unit == sla.Unit.WORKING_DAYS
            else {"natural_days": int(spec.amount)}
        )
    )
    return due_after(policy.calendar, start, **kw)


def _lock_rect(rect: Rectification, actor: Any) -> Rectification:
    require_in_scope(actor, rect)
    require_perm(actor, "feedback.change_rectification")
    return (
        Rectification.objects.select_for_update(of=("self",))
        .select_related("rating", "org_unit")
        .get(pk=rect.pk)
    )


@transaction.atomic
def verify_rectification(
    rect: Rectification, *, actor: Any, verdict: str, evidence: str, appeal_reason: str = ""
) -> Rectification:
    """The unit's verification: valid → rectify; mistaken/malicious → an appeal to the quality team."""
    locked = _lock_rect(rect, actor)
    if locked.status != RectStatus.OPEN:
        raise ValidationFailed(
            _("This order has already been verified."),
            fields={"verdict": [_("Already done.")]},
            code="illegal_transition",
        )
    if verdict not in Verdict.values:
        raise ValidationFailed(fields={"verdict": [_("Use valid, mistaken or malicious.")]})
    if not evidence.strip():
        raise ValidationFailed(
            _("Evidence is required."), fields={"evidence": [_("This field is required.")]}
        )
    before = audit.snapshot(locked)
    locked.verdict = verdict
    locked.evidence = evidence
    locked.status = RectStatus.RECTIFYING if verdict == Verdict.VALID else RectStatus.APPEALED
    locked.updated_by = actor
    locked.save()
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=audit.snapshot(locked),
        verb=_("Verified"),
    )
    if verdict != Verdict.VALID:
        appeal = Appeal.objects.create(
            rectification=locked, reason=appeal_reason or evidence, evidence=evidence, created_by=actor
        )
        audit.record(actor=actor, action=AuditAction.CREATE, instance=appeal, after=audit.snapshot(appeal))
        notify(
            quality_managers(),
            title=_("Appeal against a bad review of %(u)s") % {"u": locked.org_unit.name},
            url=f"/admin/feedback/appeal/{appeal.pk}/change/",
            kind="feedback",
        )
    dataversion.bump("feedback")
    return locked


@transaction.atomic
def complete_rectification(rect: Rectification, *, actor: Any, action_taken: str) -> Rectification:
    locked = _lock_rect(rect, actor)
    if locked.status != RectStatus.RECTIFYING:
        raise ValidationFailed(
            _("Only a verified, valid order can be completed."),
            fields={"action_taken": [_("Not allowed in the current status.")]},
            code="illegal_transition",
        )
    if not action_taken.strip():
        raise ValidationFailed(fields={"action_taken": [_("This field is required.")]})
    before = audit.snapshot(locked)
    locked.action_taken = action_taken
    locked.status = RectStatus.DONE
    locked.completed_at = timezone.now()
    locked.updated_by = actor
    locked.save()
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=audit.snapshot(locked),
        verb=_("Rectified"),
    )
    _tell_reviewer(locked, _("Your review led to a rectification: %(a)s") % {"a": action_taken})
    dataversion.bump("feedback")
    return locked


@transaction.atomic
def decide_appeal(appeal: Appeal, *, actor: Any, upheld: bool, note: str) -> Appeal:
    """The quality team's decision. Upheld → the rating is kept but flagged and excluded from statistics."""
    require_perm(actor, "feedback.change_appeal")
    require_in_scope(actor, appeal)
    locked = (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("rectification__rating")
        .get(pk=appeal.pk)
    )
    if locked.status != AppealStatus.PENDING:
        raise ValidationFailed(
            _("This appeal has already been decided."),
            fields={"upheld": [_("Already done.")]},
            code="illegal_transition",
        )
    if not note.strip():
        raise ValidationFailed(fields={"note": [_("This field is required.")]})
    before = audit.snapshot(locked)
    locked.status = AppealStatus.UPHELD if upheld else AppealStatus.REJECTED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.decision_note = note
    locked.save()
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=audit.snapshot(locked),
        verb=_("Appeal decided"),
    )
    rect = locked.rectification
    rating = rect.rating
    rb = audit.snapshot(rect)
    if upheld:
        r_before = audit.snapshot(rating)
        rating.excluded = True
        rating.excluded_reason = (_("Appeal upheld: %(note)s") % {"note": note})[:200]
        rating.save(update_fields=["excluded", "excluded_reason", "updated_at"])
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=rating,
            before=r_before,
            after=audit.snapshot(rating),
            verb=_("Excluded from statistics"),
        )
        rect.status = RectStatus.EXCLUDED
        rect.completed_at = timezone.now()
    else:
        rect.status = RectStatus.RECTIFYING
    rect.save()
    audit.record(actor=actor, action=AuditAction.UPDATE, instance=rect, before=rb, after=audit.snapshot(rect))
    _tell_reviewer(rect, _("Your review was examined: %(note)s") % {"note": note})
    notify(
        unit_managers(rect.org_unit),
        title=_("Appeal %(result)s") % {"result": _("upheld") if upheld else _("rejected")},
        body=note,
        url=f"/admin/feedback/rectification/{rect.pk}/change/",
        kind="feedback",
    )
    dataversion.bump("feedback")
    return locked


def _tell_reviewer(rect: Rectification, text: str) -> None:
    """Tell whoever gave the rating: a public timeline line on their ticket (tracking page)."""
    ticket = rect.rating.ticket
    if ticket is not None:
        _event(ticket, EventKind.REPLY, None, body=text, public=True, data={"rectification": rect.pk})


@transaction.atomic
def rate_fix(rect: Rectification, *, score: int) -> Rectification:
    if rect.status != RectStatus.DONE:
        raise ValidationFailed(fields={"score": [_("Not rectified yet.")]})
    if not 1 <= score <= 5:
        raise ValidationFailed(fields={"score": [_("Choose 1 to 5.")]})
    rect.reviewer_score = score
    rect.save(update_fields=["reviewer_score", "updated_at"])
    audit.record(
        actor="public", action=AuditAction.ACTION, instance=rect, verb=_("Fix rated"), extra={"score": score}
    )
    return rect


def apply_default_ratings(now: datetime | None = None, days: int = DEFAULT_RATING_DAYS) -> int:
    """Resolved/closed tickets without a rating after ``days`` get the default 3 (基本满意)."""
    now = now or timezone.now()
    qs = Ticket.objects.filter(
        status__in=[Status.RESOLVED, Status.CONFIRMED, Status.CLOSED],
        resolved_at__lte=now - timedelta(days=days),
        ratings__isnull=True,
        merged_into__isnull=True,
    )
    n = 0
    for t in qs.select_related("org_unit")[:5000]:
        Rating.objects.create(
            ticket=t,
            org_unit=t.org_unit,
            customer=t.customer,
            score=3,
            by_default=True,
            channel=t.channel,
            rated_at=now,
        )
        n += 1
    dataversion.bump("feedback")
    return n


# --- recipients -------------------------------------------------------------------------------------------


def unit_managers(unit: OrgUnit | None, cfg: confcache.Config | None = None) -> list[Any]:
    """Managers of the unit and of its ancestors (nearest first): the unit-manager role holders, then
    the units' named managers. Who manages what comes from the cached configuration: one query for the
    users, none when there are no managers."""
    if unit is None:
        return []
    cfg = cfg or confcache.get()
    nearest_first = [int(x) for x in unit.path.strip("/").split("/") if x][::-1]
    ids = [u for i in nearest_first for u in cfg.role_managers.get(i, ())]
    ids += [cfg.unit_manager[i] for i in nearest_first if i in cfg.unit_manager]
    ids = list(dict.fromkeys(ids))
    if not ids:
        return []
    users = get_user_model().objects.in_bulk(ids)
    return [users[i] for i in ids if i in users]


def quality_managers() -> list[Any]:
    ids = RoleAssignment.objects.filter(role=Role.QUALITY_MANAGER).values_list("user_id", flat=True)
    return list(get_user_model().objects.filter(pk__in=list(ids), is_active=True))


# --- the periodic SLA sweep ----------------------------------------------------------------------------------

TARGET_LABELS = {
    "first_response": "first response",
    "resolution": "resolution",
    "confirmation": "confirmation",
}


class _EventRow(NamedTuple):
    """The fields of a timeline row that the SLA clock reads (see ``calendars.events_for``)."""

    ticket_id: int
    kind: str
    at: datetime
    to_status: str
    data: dict[str, Any]


def sla_sweep(now: datetime | None = None, batch: int = 5000, *, full: bool = False) -> dict[str, int]:
    """Recompute open tickets, mark breaches and fire each escalation step once.

    Idempotent and safe with two workers: an escalation is a unique row (ticket, target, step); only
    the worker whose insert succeeds notifies. Column-wise (see :mod:`sqms.feedback.sweep`): plain
    rows in chunks, model instances only for the tickets that escalate. Incremental unless ``full``:
    only tickets with a new clock event, an edited calendar or policy, or a threshold reached since
    the last sweep are computed."""
    from sqms.feedback.sweep import sla_sweep_columns

    stats = sla_sweep_columns(now or timezone.now(), batch=batch, fire=_fire, full=full)
    if stats["breaches"] or stats["escalations"]:
        dataversion.bump("feedback")  # breach flags feed the dashboard's SLA figures
    return stats


def sla_sweep_orm(now: datetime | None = None, batch: int = 2000) -> dict[str, int]:
    """The previous sweep (ticket instances, one clock object per ticket): the reference the tests
    compare :func:`sla_sweep` with, and the benchmark's baseline."""
    now = now or timezone.now()
    stats = {"tickets": 0, "escalations": 0, "breaches": 0}
    qs = (
        Ticket.objects.filter(
            status__in=[*OPEN_STATUSES, Status.RESOLVED], sla_policy__isnull=False, archived_at__isnull=True
        )
        # org unit and assignee are needed only for the few tickets that escalate: loaded then
        .select_related("sla_policy__calendar")
        .order_by("pk")
    )
    last = 0
    while True:
        chunk = list(qs.filter(pk__gt=last)[:batch])
        if not chunk:
            break
        last = chunk[-1].pk
        ids = [t.pk for t in chunk]
        rows: dict[int, list[Any]] = {i: [] for i in ids}
        # plain rows, not model instances: the clock reads only these five fields
        for row in (
            TicketEvent.objects.filter(
                ticket_id__in=ids,
                kind__in=["created", "status", "reply", "priority", "extension", "transfer", "merge"],
            )
            .order_by("at", "id")
            .values_list("ticket_id", "kind", "at", "to_status", "data")
        ):
            rows[row[0]].append(_EventRow(*row))
        fired = set(Escalation.objects.filter(ticket_id__in=ids).values_list("ticket_id", "target", "step"))
        updates = []
        clocks = ticket_clocks(chunk, rows, now)
        for t in chunk:
            stats["tickets"] += 1
            clock = clocks.get(t.pk)
            if clock is None:
                continue
            breached = any(s.state == sla.State.BREACHED for s in clock.targets.values())
            fr, rs = clock.targets.get("first_response"), clock.targets.get("resolution")
            new = (fr.due_at if fr else None, rs.due_at if rs else None, breached)
            if (t.first_response_due, t.resolution_due, t.breached) != new:
                t.first_response_due, t.resolution_due, t.breached = new
                updates.append(t)
            for name, st in clock.targets.items():
                if st.fulfilled_ts is not None or st.state in (sla.State.PENDING, sla.State.MET):
                    continue
                for pct, who in domain.steps_reached(st.elapsed, st.budget):
                    if (t.pk, name, pct) in fired:
                        continue
                    if _fire(t, name, pct, who, st, now):
                        stats["escalations"] += 1
                        if pct == 100:
                            stats["breaches"] += 1
        if updates:
            Ticket.objects.bulk_update(updates, ["first_response_due", "resolution_due", "breached"])
    return stats


def _fire(ticket: Ticket, target: str, pct: int, who: str, status: Any, now: datetime) -> bool:
    try:
        with transaction.atomic():
            esc = Escalation.objects.create(ticket=ticket, target=target, step=pct, at=now)
    except IntegrityError:
        return False  # another worker fired this step
    recipients = _recipients(ticket, who)
    label = (
        _("first response")
        if target == "first_response"
        else (_("resolution") if target == "resolution" else _("confirmation"))
    )
    if pct >= 100:
        title = _("SLA breached: %(n)s %(target)s overdue") % {"n": ticket.number, "target": label}
        event = "breach"
    else:
        title = _("SLA %(pct)s%% used: %(n)s %(target)s due %(due)s") % {
            "pct": pct,
            "n": ticket.number,
            "target": label,
            "due": timezone.localtime(status.due_at).strftime("%m-%d %H:%M") if status.due_at else "-",
        }
        event = "escalation"
    with transaction.atomic():
        notify(recipients, title=title, body=ticket.title, url=admin_url(ticket), kind="sla", email=pct >= 75)
        esc.notified = [u.username for u in recipients]
        esc.save(update_fields=["notified"])
        _event(
            ticket,
            EventKind.ESCALATION,
            None,
            body=title,
            data={"target": target, "step": pct, "to": esc.notified},
            at=now,
        )
        from sqms.feedback.bots import dispatch

        dispatch(ticket.org_unit, event, title, f"{ticket.org_unit.name}: {ticket.title}")
    return True


def _recipients(ticket: Ticket, who: str) -> list[Any]:
    if who == "assignee":
        return [ticket.assignee] if ticket.assignee else unit_managers(ticket.org_unit)[:1]
    if who == "unit_manager":
        return unit_managers(ticket.org_unit)[:2] or quality_managers()
    return quality_managers()


def tickets_of_customer(user: Any, customer: Any) -> Iterable[Ticket]:
    from sqms.core.scoping import scoped

    return scoped(user, Ticket.objects.filter(customer=customer))


def forbid_unless(cond: bool) -> None:
    if not cond:
        raise Forbidden()
