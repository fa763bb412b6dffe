"""Feedback and complaints: service catalogue, business calendars, SLA policies, tickets with their
timeline, escalations, 好差评 ratings with rectification orders and appeals, and group bots."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sqms.core.models import BusinessRecord
from sqms.org.models import CustomerKind, code_validator


class CatalogueKind(models.TextChoices):
    SERVICE = "service", _("Service type")
    CATEGORY = "category", _("Feedback category")


class ServiceCategory(BusinessRecord):
    """A node of the service catalogue: a service type or a feedback category (a tree)."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    kind = models.CharField(
        _("type"), max_length=16, choices=CatalogueKind.choices, default=CatalogueKind.CATEGORY
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("catalogue entry")
        verbose_name_plural = _("service catalogue")
        ordering = ["kind", "order", "code"]

    def __str__(self) -> str:
        return self.name


class Priority(models.TextChoices):
    P1 = "P1", _("P1 urgent")
    P2 = "P2", _("P2 high")
    P3 = "P3", _("P3 normal")
    P4 = "P4", _("P4 low")


class KeywordRule(models.Model):
    """Keyword rule suggesting a category and/or a priority for new feedback (first match wins)."""

    keywords = models.CharField(_("keywords"), max_length=500, help_text=_("Separate keywords with commas."))
    category = models.ForeignKey(
        ServiceCategory, verbose_name=_("category"), null=True, blank=True, on_delete=models.CASCADE
    )
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices, blank=True)
    order = models.PositiveIntegerField(_("order"), default=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("keyword rule")
        verbose_name_plural = _("keyword rules")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.keywords[:60]

    def words(self) -> list[str]:
        return [w.strip() for w in self.keywords.replace("，", ",").split(",") if w.strip()]


class Calendar(BusinessRecord):
    """A business calendar: weekly working windows, holidays and make-up workdays, in its own time zone.

    ``weekly`` maps weekday numbers ("0" Monday … "6" Sunday) to window strings like "09:00-12:00".
    ``covered_years`` lists the years whose holidays are known; other years fall back to the weekly
    pattern (the page and the admins are warned)."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    tz = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    weekly = models.JSONField(_("weekly working windows"), default=dict)
    covered_years = models.JSONField(_("years with known holidays"), default=list, blank=True)
    preset = models.CharField(_("preset"), max_length=16, blank=True, editable=False)
    warned_years = models.JSONField(
        _("years the admins were warned about"), default=list, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        from sqms.feedback.calendars import engine_from_parts

        try:
            engine_from_parts(self.tz, self.weekly, [], self.covered_years)
        except (ValueError, TypeError, KeyError) as exc:
            raise ValidationError({"weekly": [str(exc)]}) from exc
        except Exception as exc:
            raise ValidationError({"tz": [_("Unknown time zone.")]}) from exc


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday (day off)")
    MAKEUP = "makeup", _("Make-up workday")


class CalendarDay(models.Model):
    """A dated exception of a calendar: a holiday or a make-up workday (调休)."""

    calendar = models.ForeignKey(
        Calendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("type"), max_length=10, choices=DayKind.choices)
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="uniq_calendar_day")]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class PolicyUse(models.TextChoices):
    TICKET = "ticket", _("Tickets")
    RECTIFICATION = "rectification", _("Rectification orders")


class SlaPolicy(BusinessRecord):
    """An SLA policy: match conditions (empty = any) tried in ``order``, per-priority targets, pause statuses.

    ``targets`` maps a priority ("P1" … or "*" for any) to a list of
    ``{"name": "first_response"|"resolution"|"confirmation", "unit": "business_hours"|"working_days"|
    "natural_days", "amount": n, "max_amount": m?}``."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    use = models.CharField(_("used for"), max_length=16, choices=PolicyUse.choices, default=PolicyUse.TICKET)
    order = models.PositiveIntegerField(_("order"), default=100)
    active = models.BooleanField(_("active"), default=True)
    calendar = models.ForeignKey(
        Calendar, verbose_name=_("calendar"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(
        ServiceCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices, blank=True)
    channel = models.CharField(_("channel"), max_length=16, blank=True)
    customer_kind = models.CharField(
        _("customer type"), max_length=16, choices=CustomerKind.choices, blank=True
    )
    org_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("org unit (and below)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    targets = models.JSONField(_("targets"), default=dict)
    pause_statuses = models.JSONField(_("statuses that pause the clock"), default=list, blank=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["use", "order", "code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        from sqms.feedback.calendars import clock_policy

        try:
            for priority in self.targets or {}:
                clock_policy(self, priority)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise ValidationError({"targets": [str(exc)]}) from exc


class Kind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    SUGGESTION = "suggestion", _("Suggestion")
    COMPLIMENT = "compliment", _("Compliment")
    INQUIRY = "inquiry", _("Inquiry")
    REVIEW = "review", _("Review (good/bad)")


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    DEVICE = "device", _("Window rating device")
    QR = "qr", _("QR code")
    APP = "app", _("App / mini-program")
    HOTLINE = "hotline", _("12345 hotline")
    API = "api", _("API")
    IMPORT = "import", _("Import")


class Status(models.TextChoices):
    NEW = "new", _("New")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING = "waiting_customer", _("Waiting on customer")
    RESOLVED = "resolved", _("Resolved")
    CONFIRMED = "confirmed", _("Confirmed by customer")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (Status.NEW, Status.ACCEPTED, Status.IN_PROGRESS, Status.WAITING)


class Ticket(BusinessRecord):
    """One piece of feedback (complaint, suggestion, compliment, inquiry, review) and its handling."""

    PERSONAL_FIELDS = ("contact_phone", "contact_email")
    AUDIT_EXCLUDE = (
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
        "verification_code",
        "idempotency_key",
    )

    number = models.CharField(_("number"), max_length=24, editable=False)  # unique: Meta.constraints
    verification_code = models.CharField(_("verification code"), max_length=12, editable=False)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.COMPLAINT)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.WEB)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices, default=Priority.P3)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    customer = models.ForeignKey(
        "org.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,  # Meta.indexes: (customer, category, received_at) leads with it
    )
    contact_name = models.CharField(_("contact name"), max_length=60, blank=True)
    # indexed by (contact_phone, category, received_at) in Meta.indexes
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    org_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("org unit"),
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,  # Meta.indexes: (org_unit, received_at) leads with it
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback_tickets",
    )
    staff = models.ForeignKey(
        "org.Staff",
        verbose_name=_("staff concerned"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback_tickets",
    )
    service_type = models.ForeignKey(
        ServiceCategory,
        verbose_name=_("service type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    category = models.ForeignKey(
        ServiceCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    sla_policy = models.ForeignKey(
        SlaPolicy,
        verbose_name=_("SLA policy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True, editable=False)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True, editable=False)
    responded_at = models.DateTimeField(_("first responded at"), null=True, blank=True, editable=False)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    breached = models.BooleanField(_("SLA breached"), default=False, editable=False, db_index=True)
    # Owned by the SLA sweep (never written by ``save()`` of a loaded ticket, see below): the instant
    # at which the sweep must look at this ticket again (its next 50/75/100 % crossing, or when a
    # paused ticket's stored due time falls due); NULL = recompute at the next sweep (new ticket, new
    # clock event, calendar or policy edited); ``sla_seq`` counts those invalidations so a sweep that
    # read an older state does not store a stale instant.
    sla_next_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    sla_seq = models.PositiveIntegerField(default=0, editable=False)
    repeat_of = models.ForeignKey(
        "self",
        verbose_name=_("repeat of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repeats",
        editable=False,
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
        editable=False,
    )
    customer_resolved = models.BooleanField(
        _("customer says resolved"), null=True, blank=True, editable=False
    )
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, editable=False)  # unique

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-received_at", "-id"]
        # Every index is written by every new ticket (the hot write path) and weighed by the planner for
        # every query: none is kept that another one covers. Unique and indexed text fields are declared
        # here rather than with unique=/db_index=, which on PostgreSQL add a second, pattern-matching
        # (LIKE) index that no query uses; and a single-column index next to a composite one that leads
        # with the same column is redundant (with stale statistics the planner even preferred the
        # single-column phone index for the repeat look-up and scanned every ticket of that phone).
        constraints = [
            models.UniqueConstraint(fields=["number"], name="feedback_ticket_number_uniq"),
            models.UniqueConstraint(fields=["idempotency_key"], name="feedback_ticket_idem_uniq"),
        ]
        indexes = [
            models.Index(fields=["status"], name="feedback_ticket_status_idx"),
            models.Index(fields=["org_unit", "received_at"]),
            # the repeat look-up of every new ticket: the latest ticket of the same customer (or phone) and
            # category, found at the end of one index range however many tickets that customer has
            models.Index(fields=["customer", "category", "received_at"]),
            models.Index(fields=["contact_phone", "category", "received_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"[:120]

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Saving a loaded ticket never writes the sweep's fields back (they may have changed in the
        database since it was read: a new event, a sweep)."""
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name not in SWEEP_OWNED
            ]
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


#: Ticket fields written only by the SLA sweep and by :func:`invalidate_sla`.
SWEEP_OWNED = frozenset({"sla_next_at", "sla_seq"})

#: the timeline kinds the SLA clock reads (other kinds carry nothing for it)
CLOCK_KINDS = ("created", "status", "reply", "priority", "extension", "transfer", "merge")


def invalidate_sla(tickets: models.QuerySet[Ticket]) -> int:
    """Make the next SLA sweep recompute these tickets (new clock event, calendar or policy edited)."""
    return tickets.update(sla_next_at=None, sla_seq=models.F("sla_seq") + 1)


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    STATUS = "status", _("Status changed")
    NOTE = "note", _("Internal note")
    REPLY = "reply", _("Reply to customer")
    CUSTOMER = "customer", _("Customer message")
    ASSIGN = "assign", _("Assigned")
    TRANSFER = "transfer", _("Transferred")
    MERGE = "merge", _("Merged")
    PRIORITY = "priority", _("Priority changed")
    EXTENSION = "extension", _("Deadline extended")
    ESCALATION = "escalation", _("Escalated")
    RATING = "rating", _("Rated")
    ATTACHMENT = "attachment", _("Attachment")


class TicketEvent(models.Model):
    """One line of a ticket's timeline (append-only); also the SLA clock's event log."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    kind = models.CharField(_("kind"), max_length=12, choices=EventKind.choices)
    from_status = models.CharField(_("from status"), max_length=20, blank=True)
    to_status = models.CharField(_("to status"), max_length=20, blank=True)
    body = models.TextField(_("text"), blank=True)
    public = models.BooleanField(_("visible to customer"), default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.get_kind_display()}"

    #: set on the "created" event of a ticket being created: its ``sla_next_at`` is NULL already
    skip_sla_invalidation = False

    def save(self, *args: Any, **kwargs: Any) -> None:
        adding = self._state.adding
        super().save(*args, **kwargs)
        if adding and self.kind in CLOCK_KINDS and not self.skip_sla_invalidation:
            invalidate_sla(Ticket.objects.filter(pk=self.ticket_id))  # in the same transaction as the event

    @property
    def to_status_label(self) -> str:
        return choice_label(Status, self.to_status) if self.to_status else ""


#: Attachments: at most this size, and only these types (extension → accepted leading bytes; empty =
#: any content, for plain-text formats).
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES: dict[str, tuple[bytes, ...]] = {
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG",),
    ".gif": (b"GIF8",),
    ".pdf": (b"%PDF",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".doc": (b"\xd0\xcf\x11\xe0",),
    ".xls": (b"\xd0\xcf\x11\xe0",),
    ".mp3": (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"),
    ".wav": (b"RIFF",),
    ".txt": (),
    ".csv": (),
}


def validate_attachment(f: object) -> None:
    """Size and type limits of a ticket attachment; the content must match the extension."""
    from pathlib import Path

    name = str(getattr(f, "name", "") or "")
    ext = Path(name).suffix.lower()
    if ext not in ATTACHMENT_TYPES:
        raise ValidationError(
            _("This file type is not accepted. Accepted: %(types)s.")
            % {"types": ", ".join(sorted(ATTACHMENT_TYPES))},
            code="file_type",
        )
    size = getattr(f, "size", 0) or 0
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            _("The file is larger than %(mb)s MB.") % {"mb": MAX_ATTACHMENT_BYTES // (1024 * 1024)},
            code="file_size",
        )
    if not size:
        raise ValidationError(_("The file is empty."), code="file_empty")
    magic = ATTACHMENT_TYPES[ext]
    if not magic:
        return
    try:
        f.seek(0)  # type: ignore[attr-defined]
        head = f.read(8)  # type: ignore[attr-defined]
        f.seek(0)  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return
    if head and not any(head.startswith(m) for m in magic):
        raise ValidationError(
            _("The file content is not a valid %(ext)s file.") % {"ext": ext}, code="file_type"
        )


def _attachment_path(instance: Any, filename: str) -> str:
    from pathlib import Path
    from uuid import uuid4

    now = timezone.now()
    return f"feedback/{now:%Y/%m}/{uuid4().hex}{Path(filename).suffix.lower()}"


class Attachment(BusinessRecord):
    """A file attached to a ticket (photo, recording, letter). Stored under MEDIA_ROOT with a random
    name; the original name is kept for display and download."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(
        _("file"), upload_to=_attachment_path, validators=[validate_attachment], max_length=255
    )
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    public = models.BooleanField(_("visible to customer"), default=False)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name


class Escalation(models.Model):
    """One step of the escalation ladder that fired; unique per ticket, target and step so it fires once."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="escalations"
    )
    target = models.CharField(_("target"), max_length=30)
    step = models.PositiveSmallIntegerField(_("step (%)"))
    at = models.DateTimeField(_("time"), default=timezone.now)
    notified = models.JSONField(_("notified"), default=list, blank=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "target", "step"], name="uniq_escalation_step")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.target} {self.step}%"


class Rating(BusinessRecord):
    """A 好差评 rating (5 very satisfied … 1 very dissatisfied) of a service or case."""

    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ratings",
    )
    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )
    customer = models.ForeignKey(
        "org.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    score = models.PositiveSmallIntegerField(
        _("score"),
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        choices=[
            (5, _("5 very satisfied")),
            (4, _("4 satisfied")),
            (3, _("3 fairly satisfied")),
            (2, _("2 dissatisfied")),
            (1, _("1 very dissatisfied")),
        ],
    )
    reasons = models.TextField(_("reasons"), blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.WEB)
    rated_at = models.DateTimeField(_("rated at"), default=timezone.now, db_index=True)
    by_default = models.BooleanField(_("default rating"), default=False)
    excluded = models.BooleanField(_("excluded from statistics"), default=False)
    excluded_reason = models.CharField(_("reason for exclusion"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-rated_at", "-id"]

    def __str__(self) -> str:
        return f"{self.score}★ {self.org_unit}"

    @property
    def is_bad(self) -> bool:
        return self.score <= 2


class RectStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RECTIFYING = "rectifying", _("Valid: rectifying")
    APPEALED = "appealed", _("Under appeal")
    DONE = "done", _("Rectified")
    EXCLUDED = "excluded", _("Appeal upheld: excluded")


class Verdict(models.TextChoices):
    VALID = "valid", _("Valid")
    MISTAKEN = "mistaken", _("Mistaken")
    MALICIOUS = "malicious", _("Malicious")


class Rectification(BusinessRecord):
    """A rectification work order (整改) opened by a bad rating, for the responsible unit."""

    rating = models.OneToOneField(
        Rating, verbose_name=_("rating"), on_delete=models.PROTECT, related_name="rectification"
    )
    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=12, choices=RectStatus.choices, default=RectStatus.OPEN)
    verdict = models.CharField(_("verification"), max_length=10, choices=Verdict.choices, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    action_taken = models.TextField(_("rectification taken"), blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    reviewer_score = models.PositiveSmallIntegerField(
        _("reviewer's rating of the fix"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )

    class Meta:
        verbose_name = _("rectification order")
        verbose_name_plural = _("rectification orders")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return _("Rectification #%(id)s") % {"id": self.pk}

    @property
    def on_time(self) -> bool | None:
        if self.completed_at is None or self.due_at is None:
            return None
        return self.completed_at <= self.due_at


class AppealStatus(models.TextChoices):
    PENDING = "pending", _("Pending review")
    UPHELD = "upheld", _("Upheld")
    REJECTED = "rejected", _("Rejected")


class Appeal(BusinessRecord):
    """An appeal against a bad rating judged mistaken or malicious, reviewed by the quality team."""

    rectification = models.ForeignKey(
        Rectification, verbose_name=_("rectification order"), on_delete=models.PROTECT, related_name="appeals"
    )
    reason = models.TextField(_("reason"))
    evidence = models.TextField(_("evidence"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=AppealStatus.choices, default=AppealStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return _("Appeal #%(id)s") % {"id": self.pk}


class BotKind(models.TextChoices):
    WECOM = "wecom", _("WeCom group bot")
    DINGTALK = "dingtalk", _("DingTalk robot")
    FEISHU = "feishu", _("Feishu bot")


class BotEvent(models.TextChoices):
    BREACH = "breach", _("SLA breach")
    ESCALATION = "escalation", _("Escalation")
    NEW_COMPLAINT = "new_complaint", _("New complaint")
    BAD_REVIEW = "bad_review", _("Bad review")


class Bot(BusinessRecord):
    """A group bot of a unit, receiving the chosen event types (for the unit and its subtree)."""

    AUDIT_EXCLUDE = ("created_at", "updated_at", "created_by", "updated_by", "secret")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("type"), max_length=10, choices=BotKind.choices)
    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )
    webhook_url = models.URLField(_("webhook URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    events = models.JSONField(_("event types"), default=list)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("group bot")
        verbose_name_plural = _("group bots")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    QUEUED = "queued", _("Waiting for the digest")
    DIGESTED = "digested", _("Sent in a digest")


class BotDelivery(models.Model):
    """One message to a bot and what happened to it (the delivery log)."""

    bot = models.ForeignKey(Bot, verbose_name=_("bot"), on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("event type"), max_length=16, choices=BotEvent.choices)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    response = models.TextField(_("response"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True, db_index=True)
    # The outbox: a pending row is due at ``next_attempt_at`` (NULL = now); a worker claims it until
    # ``claimed_until`` while it posts, and marks it sent or failed only after the post. A worker
    # killed mid-post leaves the row pending with an expired claim: a later run sends it again.
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True, db_index=True)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    digest = models.ForeignKey(
        "self",
        verbose_name=_("digest"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged",
    )

    class Meta:
        verbose_name = _("bot delivery")
        verbose_name_plural = _("bot deliveries")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.bot} · {self.title}"


def choice_label(choices: Any, value: str) -> str:
    return str(dict(choices.choices).get(value, value))


# --- edits that change open tickets' SLA clocks: the next sweep recomputes those tickets ----------------


def _swept() -> models.QuerySet[Ticket]:
    return Ticket.objects.filter(status__in=[*OPEN_STATUSES, Status.RESOLVED], archived_at__isnull=True)


def _calendar_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    calendar_id = instance.pk if sender is Calendar else instance.calendar_id
    invalidate_sla(_swept().filter(sla_policy__calendar_id=calendar_id))


def _policy_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    # a ticket's log may name other policies than its own (a priority change): all open tickets
    invalidate_sla(_swept())


models.signals.post_save.connect(_calendar_changed, sender=Calendar, dispatch_uid="sla_calendar_saved")
models.signals.post_save.connect(_calendar_changed, sender=CalendarDay, dispatch_uid="sla_day_saved")
models.signals.post_delete.connect(_calendar_changed, sender=CalendarDay, dispatch_uid="sla_day_deleted")
models.signals.post_save.connect(_policy_changed, sender=SlaPolicy, dispatch_uid="sla_policy_saved")
