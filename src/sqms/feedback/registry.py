"""What the feedback app plugs into the platform: sidebar links, the dashboard card, import/export
kinds and the demo seeder (called from ``FeedbackConfig.ready``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


def feedback_card(request: HttpRequest) -> dict[str, Any] | None:
    from sqms.core.scoping import scoped
    from sqms.feedback.domain import OPEN
    from sqms.feedback.models import Rectification, Ticket

    user = request.user
    if not user.has_perm("feedback.view_ticket"):
        return None
    qs = scoped(user, Ticket.objects.active())
    base = reverse("admin:feedback_ticket_changelist")
    return {
        "title": _("Feedback and complaints"),
        "figures": [
            {
                "label": _("Open tickets"),
                "value": qs.filter(status__in=list(OPEN)).count(),
                "url": f"{base}?state=open",
            },
            {
                "label": _("SLA breached"),
                "value": qs.filter(status__in=list(OPEN), breached=True).count(),
                "url": f"{base}?state=breached",
            },
            {
                "label": _("Open rectifications"),
                "value": scoped(user, Rectification.objects.active())
                .filter(status__in=["open", "rectifying"])
                .count(),
                "url": reverse("admin:feedback_rectification_changelist"),
            },
        ],
        "link": {"label": _("Feedback analysis"), "url": reverse("feedback:analysis")},
    }


def register_all() -> None:
    from sqms.core.dashboard import Card, register_card
    from sqms.core.demo import Seeder, register_seeder
    from sqms.core.io import register_export, register_import
    from sqms.core.navigation import NavItem, admin_model_url, register_nav
    from sqms.feedback import demo, io

    nav = [
        (
            "feedback",
            gettext_lazy("Tickets"),
            "support_agent",
            admin_model_url("feedback", "ticket"),
            "feedback.view_ticket",
            10,
        ),
        (
            "feedback",
            gettext_lazy("Feedback analysis"),
            "monitoring",
            "feedback:analysis",
            "feedback.view_ticket",
            15,
        ),
        (
            "feedback",
            gettext_lazy("Ratings (good/bad reviews)"),
            "star",
            admin_model_url("feedback", "rating"),
            "feedback.view_rating",
            20,
        ),
        (
            "feedback",
            gettext_lazy("Rectification orders"),
            "build",
            admin_model_url("feedback", "rectification"),
            "feedback.view_rectification",
            30,
        ),
        (
            "feedback",
            gettext_lazy("Appeals"),
            "gavel",
            admin_model_url("feedback", "appeal"),
            "feedback.view_appeal",
            40,
        ),
        (
            "standards",
            gettext_lazy("Service catalogue"),
            "category",
            admin_model_url("feedback", "servicecategory"),
            "feedback.view_servicecategory",
            30,
        ),
        (
            "standards",
            gettext_lazy("Business calendars"),
            "calendar_month",
            admin_model_url("feedback", "calendar"),
            "feedback.view_calendar",
            40,
        ),
        (
            "standards",
            gettext_lazy("SLA policies"),
            "timer",
            admin_model_url("feedback", "slapolicy"),
            "feedback.view_slapolicy",
            50,
        ),
        (
            "standards",
            gettext_lazy("Keyword rules"),
            "label",
            admin_model_url("feedback", "keywordrule"),
            "feedback.view_keywordrule",
            60,
        ),
        (
            "system",
            gettext_lazy("Group bots"),
            "smart_toy",
            admin_model_url("feedback", "bot"),
            "feedback.view_bot",
            40,
        ),
        (
            "system",
            gettext_lazy("Bot delivery log"),
            "outbox",
            admin_model_url("feedback", "botdelivery"),
            "feedback.view_botdelivery",
            45,
        ),
    ]
    _link_customer_admin()
    for group, title, icon, url, perm, order in nav:
        register_nav(group, NavItem(title, icon, url, perm, order))
    register_card(Card("feedback", 30, feedback_card))
    register_import("feedback", io.TicketImporter, "feedback.add_ticket")
    register_export("feedback", io.export_tickets, "feedback.view_ticket", personal_model="feedback.Ticket")
    register_export("ratings", io.export_ratings, "feedback.view_rating")
    register_seeder(Seeder("feedback", 30, demo.seed))


def customer_360_link(obj: Any) -> str:
    from django.utils.html import format_html

    return format_html(
        '<a class="sqms-link" href="{}">{}</a>', reverse("feedback:customer", args=[obj.pk]), _("360° view")
    )


customer_360_link.short_description = gettext_lazy("Everything about this customer")  # type: ignore[attr-defined]


def _link_customer_admin() -> None:
    """Add a "360° view" column to the customer list of the org app (org sits below feedback, so the
    link is added from here rather than there)."""
    from django.contrib import admin

    from sqms.org.models import Customer

    model_admin = admin.site._registry.get(Customer)
    if model_admin is None or customer_360_link in model_admin.list_display:
        return
    model_admin.list_display = [*model_admin.list_display, customer_360_link]
