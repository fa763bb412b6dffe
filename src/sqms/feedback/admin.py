"""Back office of the feedback app: tickets (timeline, SLA countdowns, action buttons), catalogue,
calendars, SLA policies, ratings, rectification orders, appeals, bots and their delivery log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from unfold.admin import TabularInline

from sqms.core.admin_base import ScopedAdmin
from sqms.core.errors import DomainError
from sqms.feedback import domain, selectors, services
from sqms.feedback.calendars import uncovered_years
from sqms.feedback.models import (
    ATTACHMENT_TYPES,
    MAX_ATTACHMENT_BYTES,
    Appeal,
    Bot,
    BotDelivery,
    Calendar,
    CalendarDay,
    KeywordRule,
    Rating,
    Rectification,
    ServiceCategory,
    SlaPolicy,
    Status,
    Ticket,
)


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(ScopedAdmin):
    list_display = ["code", "name", "name_en", "kind", "parent", "order"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "name_en"]
    fields = ["code", "name", "name_en", "kind", "parent", "order"]


@admin.register(KeywordRule)
class KeywordRuleAdmin(ScopedAdmin):
    list_display = ["keywords", "category", "priority", "order", "active"]
    list_editable = ["order", "active"]
    fields = ["keywords", "category", "priority", "order", "active"]
    archivable = False


class CalendarDayInline(TabularInline):
    model = CalendarDay
    extra = 1
    fields = ["date", "kind", "note"]
    ordering = ["-date"]
    per_page = 60


@admin.register(Calendar)
class CalendarAdmin(ScopedAdmin):
    list_display = ["code", "name", "tz", "coverage"]
    fields = ["code", "name", "tz", "weekly", "covered_years"]
    inlines = [CalendarDayInline]
    change_form_template = "feedback/calendar_change_form.html"

    @admin.display(description=gettext_lazy("holiday coverage"))
    def coverage(self, obj: Calendar) -> str:
        this = timezone.localdate().year
        missing = uncovered_years(obj, [this, this + 1])
        if missing:
            return _("Holidays unknown for %(years)s: weekly pattern only") % {
                "years": ", ".join(map(str, missing))
            }
        return _("covered")

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        obj = self.get_object(request, unquote(object_id))
        extra = dict(extra_context or {})
        if obj is not None:
            this = timezone.localdate().year
            extra["uncovered"] = uncovered_years(obj, [this, this + 1])
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        # A changed holiday list must reach the engine cache and the open tickets' due times.
        Calendar.objects.filter(pk=form.instance.pk).update(updated_at=timezone.now())


@admin.register(SlaPolicy)
class SlaPolicyAdmin(ScopedAdmin):
    list_display = ["code", "name", "use", "order", "active", "calendar", "category", "priority", "channel"]
    list_filter = ["use", "active"]
    fields = [
        "code",
        "name",
        "use",
        "order",
        "active",
        "calendar",
        "category",
        "priority",
        "channel",
        "customer_kind",
        "org_unit",
        "targets",
        "pause_statuses",
    ]


class StatusFilter(admin.SimpleListFilter):
    title = gettext_lazy("workflow status")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("open", gettext_lazy("Open")), ("breached", gettext_lazy("SLA breached")), *Status.choices]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        v = self.value()
        if v == "open":
            return queryset.filter(status__in=list(domain.OPEN))
        if v == "breached":
            return queryset.filter(breached=True)
        if v:
            return queryset.filter(status=v)
        return queryset


@admin.register(Ticket)
class TicketAdmin(ScopedAdmin):
    list_display = [
        "number",
        "title",
        "kind",
        "status_badge",
        "priority",
        "org_unit",
        "assignee",
        "due",
        "received_at",
    ]
    list_filter = [StatusFilter, "kind", "channel", "priority", "category"]
    search_fields = ["number", "title"]
    list_select_related = ["org_unit", "assignee"]
    change_form_template = "feedback/ticket_change_form.html"
    import_kind = "feedback"
    export_kind = "feedback"
    autocomplete_fields = ["customer", "org_unit"]
    date_hierarchy = "received_at"

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return self._masked(
                request,
                [
                    "kind",
                    "channel",
                    "title",
                    "description",
                    "org_unit",
                    "priority",
                    "category",
                    "service_type",
                    "customer",
                    "contact_name",
                    "contact_phone",
                    "contact_email",
                ],
            )
        return self._masked(
            request,
            [
                "number",
                "kind",
                "channel",
                "status",
                "priority",
                "title",
                "description",
                "org_unit",
                "assignee",
                "category",
                "service_type",
                "staff",
                "customer",
                "contact_name",
                "contact_phone",
                "contact_email",
                "sla_policy",
                "repeat_of",
                "merged_into",
                "received_at",
            ],
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        base = list(super().get_readonly_fields(request, obj))
        if obj is None:
            return base
        editable = {
            "category",
            "service_type",
            "staff",
            "customer",
            "contact_name",
            "contact_phone",
            "contact_email",
            "description",
        }
        return base + [
            f for f in self.get_fields(request, obj) if f not in editable and not f.startswith("masked_")
        ]

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_badge(self, obj: Ticket) -> str:
        color = (
            "#b91c1c"
            if obj.breached
            else ("#15803d" if obj.status in ("resolved", "confirmed", "closed") else "#1d4ed8")
        )
        return format_html('<span style="color:{}">{}</span>', color, obj.get_status_display())

    @admin.display(description=gettext_lazy("resolution due"), ordering="resolution_due")
    def due(self, obj: Ticket) -> str:
        if not obj.resolution_due or obj.status not in domain.OPEN:
            return "-"
        return timezone.localtime(obj.resolution_due).strftime("%m-%d %H:%M")

    def create(self, request: HttpRequest, data: dict[str, Any]) -> Any:
        data = {k: v for k, v in data.items() if v not in (None, "") or k in ("priority",)}
        ticket, _created = services.create_ticket(actor=request.user, data=data)
        return ticket

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/act/", self.admin_site.admin_view(self.act_view), name="feedback_ticket_act"
            ),
            path(
                "<int:object_id>/attachments/<int:attachment_id>/",
                self.admin_site.admin_view(self.attachment_view),
                name="feedback_ticket_attachment",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        obj = self.get_object(request, unquote(object_id))
        extra = dict(extra_context or {})
        if obj is not None:
            extra.update(ticket_context(request, obj))
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def act_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The action buttons of the ticket page (POST): transitions, replies, notes, assignment, priority."""
        ticket = get_object_or_404(self.get_queryset(request), pk=unquote(object_id))
        back = reverse("admin:feedback_ticket_change", args=[ticket.pk])
        if request.method != "POST":
            return HttpResponseRedirect(back)
        p = request.POST
        action = p.get("action", "")
        version = int(p["version"]) if p.get("version", "").isdigit() else None
        try:
            if action == "attach":
                att = services.add_attachment(
                    ticket, actor=request.user, file=request.FILES.get("file"), public=p.get("public") == "1"
                )
                messages.success(request, _("File attached: %(name)s") % {"name": att.name})
            elif action == "detach":
                att = selectors.attachment(request.user, int(p.get("attachment") or 0))
                if att.ticket_id != ticket.pk:
                    raise PermissionDenied
                services.remove_attachment(att, actor=request.user)
                messages.success(request, _("Attachment removed."))
            elif action in ("reply", "note"):
                services.add_message(
                    ticket, actor=request.user, body=p.get("body", ""), public=action == "reply"
                )
                messages.success(request, _("Reply sent.") if action == "reply" else _("Note added."))
            elif action == "priority":
                services.change_priority(
                    ticket, actor=request.user, priority=p.get("priority", ""), version=version
                )
                messages.success(request, _("Priority saved."))
            elif action == "assign":
                from django.contrib.auth import get_user_model

                user = get_user_model().objects.filter(pk=p.get("assignee") or 0).first()
                services.assign(ticket, actor=request.user, assignee=user, version=version)
                messages.success(request, _("Assignee saved."))
            elif action in domain.TRANSITIONS:
                to_unit = selectors.units(request.user).model.objects.filter(pk=p.get("to_unit") or 0).first()
                into = selectors.tickets(request.user).filter(number=p.get("into", "").strip()).first()
                services.transition(
                    ticket,
                    actor=request.user,
                    action=action,
                    version=version,
                    body=p.get("body", ""),
                    to_unit=to_unit,
                    into=into,
                )
                messages.success(request, _("Done: %(action)s") % {"action": services.ACTION_LABELS[action]})
            else:
                messages.error(request, _("Unknown action."))
        except DomainError as exc:
            detail = "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.fields.items() if k != "action")
            messages.error(request, f"{exc.message} {detail}".strip())
        return HttpResponseRedirect(back)

    def attachment_view(self, request: HttpRequest, object_id: int, attachment_id: int) -> HttpResponse:
        """Download one attachment of a ticket the user may see (404 otherwise)."""
        from django.http import FileResponse, Http404

        from sqms.core.errors import NotFound

        ticket = get_object_or_404(self.get_queryset(request), pk=object_id)
        try:
            att = selectors.attachment(request.user, attachment_id)
        except NotFound as exc:
            raise Http404 from exc
        if att.ticket_id != ticket.pk:
            raise Http404
        return FileResponse(att.file.open("rb"), as_attachment=True, filename=att.name)


def duration_units() -> dict[str, str]:
    """The unit words of a time left (天/小时/分/秒 or d/h/m/s), shared by the page and its countdown."""
    return {
        "d": pgettext("duration unit", "d"),
        "h": pgettext("duration unit", "h"),
        "m": pgettext("duration unit", "m"),
        "s": pgettext("duration unit", "s"),
    }


def _fmt_duration(seconds: int, natural: bool = True) -> str:
    """Time left as days, hours and minutes; business time in hours only (24 business hours are not a
    day)."""
    units = duration_units()
    sign = "-" if seconds < 0 else ""
    s = abs(int(seconds))
    d, rem = divmod(s, 86400) if natural else (0, s)
    h, rem = divmod(rem, 3600)
    m = rem // 60
    parts = ([f"{d}{units['d']}"] if d else []) + [f"{h}{units['h']}", f"{m}{units['m']}"]
    return sign + " ".join(parts)


TARGET_NAMES = {
    "first_response": gettext_lazy("First response"),
    "resolution": gettext_lazy("Resolution"),
    "confirmation": gettext_lazy("Customer confirmation"),
}
STATE_NAMES = {
    "pending": gettext_lazy("not started"),
    "running": gettext_lazy("running"),
    "paused": gettext_lazy("paused"),
    "met": gettext_lazy("met"),
    "breached": gettext_lazy("breached"),
}


def ticket_context(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    from sqms.core.scoping import scope_for

    now = timezone.now()
    rows = []
    for r in selectors.sla_rows(ticket, now):
        rows.append(
            {
                **r,
                "label": TARGET_NAMES.get(r["name"], r["name"]),
                "state_label": STATE_NAMES.get(r["state"], r["state"]),
                "remaining": _fmt_duration(r["remaining_seconds"], r["natural"]),
                "pct": min(100, int(100 * r["elapsed_seconds"] / r["budget"])) if r["budget"] else 0,
                "due_iso": r["due"].isoformat() if r["due"] else "",
            }
        )
    can_change = request.user.has_perm("feedback.change_ticket")
    actions = (
        [(a, services.ACTION_LABELS[a]) for a in domain.allowed_actions(ticket.status)] if can_change else []
    )
    staff = (
        get_user_model()
        .objects.filter(staff__org_unit__path__startswith=ticket.org_unit.path, is_active=True)
        .order_by("username")[:200]
    )
    units = selectors.units(request.user).exclude(pk=ticket.org_unit_id).order_by("path")[:500]
    return {
        "ticket": ticket,
        "sla_rows": rows,
        "duration_units": duration_units(),
        "events": ticket.events.select_related("actor"),
        "ticket_actions": actions,
        "can_change": can_change,
        "assignable": staff,
        "units": units,
        "priorities": ["P1", "P2", "P3", "P4"],
        "now_iso": now.isoformat(),
        "escalations": ticket.escalations.all(),
        "all_units": scope_for(request.user).all_units,
        "act_url": reverse("admin:feedback_ticket_act", args=[ticket.pk]),
        "attachments": selectors.attachments(request.user, ticket),
        "suggestion": selectors.classifier_suggestion(ticket),
        "attachment_types": ", ".join(sorted(ATTACHMENT_TYPES)),
        "attachment_max_mb": MAX_ATTACHMENT_BYTES // (1024 * 1024),
        "customer_url": (
            reverse("feedback:customer", args=[ticket.customer_id])
            if ticket.customer_id and request.user.has_perm("org.view_customer")
            else ""
        ),
    }


@admin.register(Rating)
class RatingAdmin(ScopedAdmin):
    list_display = ["rated_at", "score", "org_unit", "ticket", "channel", "by_default", "excluded"]
    list_filter = ["score", "excluded", "by_default", "channel"]
    fields = [
        "score",
        "org_unit",
        "ticket",
        "customer",
        "reasons",
        "channel",
        "rated_at",
        "by_default",
        "excluded",
        "excluded_reason",
    ]
    readonly_fields = ["by_default", "excluded", "excluded_reason"]
    autocomplete_fields = ["org_unit", "customer"]
    raw_id_fields = ["ticket"]
    date_hierarchy = "rated_at"

    def create(self, request: HttpRequest, data: dict[str, Any]) -> Any:
        return services.rate(
            actor=request.user,
            org_unit=data["org_unit"],
            score=data["score"],
            reasons=data.get("reasons", ""),
            ticket=data.get("ticket"),
            channel=data.get("channel") or "web",
            customer=data.get("customer"),
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False if obj is not None else super().has_change_permission(request, obj)


class _ActionAdmin(ScopedAdmin):
    """Registers whose state changes only through buttons on their page (no free editing)."""

    change_form_template = "feedback/action_change_form.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return list(self.get_fields(request, obj))

    def get_urls(self) -> list[Any]:
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "<path:object_id>/act/",
                self.admin_site.admin_view(self.act_view),
                name="{}_{}_act".format(*info),
            ),
            *super().get_urls(),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        obj = self.get_object(request, unquote(object_id))
        extra = dict(extra_context or {})
        if obj is not None:
            info = self.model._meta.app_label, self.model._meta.model_name
            extra["act_url"] = reverse("admin:{}_{}_act".format(*info), args=[obj.pk])
            extra["act_forms"] = self.forms_for(request, obj)
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def forms_for(self, request: HttpRequest, obj: Any) -> list[dict[str, Any]]:
        return []

    def act_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = get_object_or_404(self.get_queryset(request), pk=unquote(object_id))
        info = self.model._meta.app_label, self.model._meta.model_name
        if request.method == "POST":
            try:
                self.act(request, obj, request.POST)
                messages.success(request, _("Saved."))
            except DomainError as exc:
                detail = "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.fields.items())
                messages.error(request, f"{exc.message} {detail}".strip())
        return HttpResponseRedirect(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))

    def act(self, request: HttpRequest, obj: Any, post: Any) -> None:
        raise PermissionDenied


@admin.register(Rectification)
class RectificationAdmin(_ActionAdmin):
    list_display = [
        "__str__",
        "org_unit",
        "score",
        "status",
        "verdict",
        "due_at",
        "completed_at",
        "on_time_flag",
    ]
    list_filter = ["status", "verdict"]
    fields = [
        "rating",
        "org_unit",
        "status",
        "verdict",
        "evidence",
        "action_taken",
        "due_at",
        "completed_at",
        "reviewer_score",
    ]
    list_select_related = ["rating", "org_unit"]

    @admin.display(description=gettext_lazy("score"))
    def score(self, obj: Rectification) -> int:
        return obj.rating.score

    @admin.display(description=gettext_lazy("on time"), boolean=True)
    def on_time_flag(self, obj: Rectification) -> bool | None:
        return obj.on_time

    def forms_for(self, request: HttpRequest, obj: Rectification) -> list[dict[str, Any]]:
        if not request.user.has_perm("feedback.change_rectification"):
            return []
        if obj.status == "open":
            return [
                {
                    "action": "verify",
                    "title": _("Verify the review"),
                    "fields": [
                        {
                            "name": "verdict",
                            "label": _("verification"),
                            "choices": [
                                ("valid", _("Valid")),
                                ("mistaken", _("Mistaken")),
                                ("malicious", _("Malicious")),
                            ],
                        },
                        {"name": "evidence", "label": _("evidence"), "textarea": True},
                    ],
                }
            ]
        if obj.status == "rectifying":
            return [
                {
                    "action": "complete",
                    "title": _("Record the rectification"),
                    "fields": [{"name": "action_taken", "label": _("rectification taken"), "textarea": True}],
                }
            ]
        return []

    def act(self, request: HttpRequest, obj: Any, post: Any) -> None:
        if post.get("action") == "verify":
            services.verify_rectification(
                obj, actor=request.user, verdict=post.get("verdict", ""), evidence=post.get("evidence", "")
            )
        elif post.get("action") == "complete":
            services.complete_rectification(
                obj, actor=request.user, action_taken=post.get("action_taken", "")
            )


@admin.register(Appeal)
class AppealAdmin(_ActionAdmin):
    list_display = ["__str__", "rectification", "status", "decided_by", "decided_at"]
    list_filter = ["status"]
    fields = ["rectification", "reason", "evidence", "status", "decided_by", "decided_at", "decision_note"]

    def forms_for(self, request: HttpRequest, obj: Appeal) -> list[dict[str, Any]]:
        if obj.status != "pending" or not request.user.has_perm("feedback.change_appeal"):
            return []
        return [
            {
                "action": "decide",
                "title": _("Decide the appeal"),
                "fields": [
                    {
                        "name": "upheld",
                        "label": _("decision"),
                        "choices": [("1", _("Upheld: exclude the rating")), ("0", _("Rejected: rectify"))],
                    },
                    {"name": "note", "label": _("decision note"), "textarea": True},
                ],
            }
        ]

    def act(self, request: HttpRequest, obj: Any, post: Any) -> None:
        services.decide_appeal(
            obj, actor=request.user, upheld=post.get("upheld") == "1", note=post.get("note", "")
        )


@admin.register(Bot)
class BotAdmin(ScopedAdmin):
    list_display = ["name", "kind", "org_unit", "active", "sent_today"]
    list_filter = ["kind", "active"]
    fields = ["name", "kind", "org_unit", "webhook_url", "secret", "events", "active"]
    autocomplete_fields = ["org_unit"]

    @admin.display(description=gettext_lazy("sent in 24 h"))
    def sent_today(self, obj: Bot) -> int:
        return obj.deliveries.filter(sent_at__gte=timezone.now() - timedelta(days=1)).count()


@admin.register(BotDelivery)
class BotDeliveryAdmin(ScopedAdmin):
    list_display = ["created_at", "bot", "event", "title", "status", "attempts", "sent_at", "next_attempt_at"]
    list_filter = ["status", "event", "bot"]
    fields = [
        "bot",
        "event",
        "title",
        "text",
        "status",
        "attempts",
        "response",
        "created_at",
        "sent_at",
        "next_attempt_at",
        "digest",
    ]
    readonly_fields = fields
    archivable = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
