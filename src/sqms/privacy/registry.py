"""Where each app keeps personal data, described once.

Each :class:`Register` names a model, how to find a customer's records in it, the fields a data export
lists, how each personal field is anonymised, and the date a retention period runs from. An app that
starts keeping personal data adds one ``Register`` here (or calls :func:`register` from its own
``ready()``); export, erasure and the retention purge then cover it.

Anonymisation rules (``anonymise`` values):

* ``"blank"`` → ``""``; ``"null"`` → ``None``;
* ``"redact"`` → free text with phone numbers, e-mail addresses and ID numbers (and, on erasure, the
  customer's own name/phone/e-mail/ID) replaced by placeholders;
* ``"redact_json"`` → the same for every string inside a JSON value (survey answers);
* ``"stub"`` → ``"Anonymised customer #<id>"`` (the customer row itself stays, as an anonymous stub).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext_lazy as _

Selector = Callable[[Any], "QuerySet[Any]"]


@dataclass(frozen=True)
class Register:
    key: str
    label: Any
    model: str  # "app_label.ModelName"
    of_customer: Selector  # the customer's records
    export_fields: tuple[str, ...]
    anonymise: dict[str, str] = field(default_factory=dict)
    # retention: the date field the period runs from, an optional filter (e.g. only closed tickets),
    # what the purge does (defaults to ``anonymise``) and the default period in days (None: no purge)
    retention_field: str | None = None
    retention_filter: Q | None = None
    retention_anonymise: dict[str, str] | None = None
    default_days: int | None = None

    @property
    def model_class(self) -> type[Model]:
        return apps.get_model(self.model)

    def purge_rules(self) -> dict[str, str]:
        return self.retention_anonymise if self.retention_anonymise is not None else self.anonymise


REGISTERS: dict[str, Register] = {}


def register(entry: Register) -> None:
    REGISTERS[entry.key] = entry


def registers() -> list[Register]:
    return list(REGISTERS.values())


# --- the selectors (querysets of one customer's records) -------------------------------------------------
def _m(label: str) -> Any:
    return apps.get_model(label)


def customer_self(c: Any) -> QuerySet[Any]:
    return _m("org.Customer").objects.filter(pk=c.pk)


def customer_tickets(c: Any) -> QuerySet[Any]:
    q = Q(customer=c)
    if c.phone:
        q |= Q(contact_phone=c.phone)
    if c.email:
        q |= Q(contact_email__iexact=c.email)
    return _m("feedback.Ticket").objects.filter(q)


def customer_events(c: Any) -> QuerySet[Any]:
    return _m("feedback.TicketEvent").objects.filter(ticket__in=customer_tickets(c).values("pk"))


def customer_attachments(c: Any) -> QuerySet[Any]:
    return _m("feedback.Attachment").objects.filter(ticket__in=customer_tickets(c).values("pk"))


def customer_ratings(c: Any) -> QuerySet[Any]:
    return _m("feedback.Rating").objects.filter(
        Q(customer=c) | Q(ticket__in=customer_tickets(c).values("pk"))
    )


def customer_tokens(c: Any) -> QuerySet[Any]:
    return _m("surveys.Token").objects.filter(customer=c)


def customer_responses(c: Any) -> QuerySet[Any]:
    return _m("surveys.Response").objects.filter(token__customer=c)


def customer_service_records(c: Any) -> QuerySet[Any]:
    return _m("kpi.ServiceRecord").objects.filter(customer=c)


def customer_comments(c: Any) -> QuerySet[Any]:
    from django.contrib.contenttypes.models import ContentType

    Comment = _m("core.Comment")
    customer_ct = ContentType.objects.get_for_model(_m("org.Customer"))
    ticket_ct = ContentType.objects.get_for_model(_m("feedback.Ticket"))
    ticket_ids = [str(pk) for pk in customer_tickets(c).values_list("pk", flat=True)]
    return Comment.objects.filter(
        Q(content_type=customer_ct, object_id=str(c.pk)) | Q(content_type=ticket_ct, object_id__in=ticket_ids)
    )


def customer_notifications(c: Any) -> QuerySet[Any]:
    """In-app notifications about the customer or the customer's tickets (their titles quote them)."""
    from django.urls import NoReverseMatch, reverse

    urls = []
    try:
        urls.append(reverse("admin:org_customer_change", args=[c.pk]))
        urls += [
            reverse("admin:feedback_ticket_change", args=[pk])
            for pk in customer_tickets(c).values_list("pk", flat=True)
        ]
    except NoReverseMatch:  # pragma: no cover - admin not mounted
        pass
    q = Q(url__in=urls) if urls else Q(pk__in=[])
    return _m("core.Notification").objects.filter(q)


register(
    Register(
        "org.customer",
        _("customers"),
        "org.Customer",
        customer_self,
        (
            "id",
            "kind",
            "name",
            "phone",
            "email",
            "id_number",
            "org_unit_id",
            "consent_contact",
            "consent_survey",
            "notes",
            "created_at",
        ),
        {"name": "stub", "phone": "blank", "email": "blank", "id_number": "blank", "notes": "blank"},
    )
)
register(
    Register(
        "feedback.ticket",
        _("tickets"),
        "feedback.Ticket",
        customer_tickets,
        (
            "number",
            "kind",
            "channel",
            "status",
            "title",
            "description",
            "contact_name",
            "contact_phone",
            "contact_email",
            "org_unit_id",
            "received_at",
            "resolved_at",
            "closed_at",
        ),
        {
            "contact_name": "blank",
            "contact_phone": "blank",
            "contact_email": "blank",
            "title": "redact",
            "description": "redact",
        },
        retention_field="closed_at",
        retention_filter=Q(closed_at__isnull=False),
        default_days=3 * 365,
    )
)
register(
    Register(
        "feedback.ticketevent",
        _("ticket timeline entries"),
        "feedback.TicketEvent",
        customer_events,
        ("ticket_id", "at", "kind", "from_status", "to_status", "body", "public"),
        {"body": "redact"},
        retention_field="ticket__closed_at",
        retention_filter=Q(ticket__closed_at__isnull=False),
        default_days=3 * 365,
    )
)
register(
    Register(
        "feedback.attachment",
        _("ticket attachments (metadata)"),
        "feedback.Attachment",
        customer_attachments,
        ("ticket_id", "name", "size", "content_type", "public", "created_at"),
        {"name": "redact"},
        retention_field="ticket__closed_at",
        retention_filter=Q(ticket__closed_at__isnull=False),
        default_days=3 * 365,
    )
)
register(
    Register(
        "feedback.rating",
        _("ratings"),
        "feedback.Rating",
        customer_ratings,
        ("id", "ticket_id", "org_unit_id", "score", "reasons", "channel", "rated_at", "excluded"),
        {"reasons": "redact"},
        retention_field="rated_at",
        retention_anonymise={"reasons": "redact", "customer": "null"},
        default_days=3 * 365,
    )
)
register(
    Register(
        "surveys.token",
        _("survey invitations"),
        "surveys.Token",
        customer_tokens,
        ("id", "campaign_id", "org_unit_id", "created_at", "expires_at", "used_at", "partial"),
        {"partial": "redact_json"},
        retention_field="created_at",
        retention_anonymise={"partial": "redact_json", "customer": "null"},
        default_days=2 * 365,
    )
)
register(
    Register(
        "surveys.response",
        _("survey responses"),
        "surveys.Response",
        customer_responses,
        ("id", "campaign_id", "org_unit_id", "channel", "submitted_at", "ip", "device", "answers"),
        {"answers": "redact_json", "ip": "null", "device": "blank"},
        retention_field="submitted_at",
        default_days=2 * 365,
    )
)
register(
    Register(
        "kpi.servicerecord",
        _("service records"),
        "kpi.ServiceRecord",
        customer_service_records,
        (
            "id",
            "source",
            "external_id",
            "org_unit_id",
            "service_type",
            "channel",
            "requested_at",
            "completed_at",
            "outcome",
            "rating",
        ),
        {},  # nothing personal besides the link, which keeps pointing at the anonymous stub
        retention_field="requested_at",
        retention_anonymise={"customer": "null"},
        default_days=3 * 365,
    )
)
register(
    Register(
        "core.comment",
        _("comments"),
        "core.Comment",
        customer_comments,
        ("id", "content_type_id", "object_id", "body", "created_at"),
        {"body": "redact"},
    )
)
register(
    Register(
        "core.notification",
        _("notifications"),
        "core.Notification",
        customer_notifications,
        ("id", "title", "body", "url", "created_at"),
        {"title": "redact", "body": "redact"},
    )
)
