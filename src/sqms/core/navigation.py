"""The back office's look (unfold settings) and its sidebar, built per request from what apps register.

Apps register their links in ``AppConfig.ready()`` with :func:`register_nav`; the sidebar shows a link
only when the user holds its permission, and drops empty groups, so every visible link works.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass
class NavItem:
    title: Any
    icon: str
    url_name: str
    permission: str | Callable[[HttpRequest], bool] | None = None
    order: int = 100
    badge: str | None = None  # dotted path of a callable(request) -> str shown beside the link (unfold)


@dataclass
class NavGroup:
    key: str
    title: Any
    order: int
    items: list[NavItem] = field(default_factory=list)


GROUPS: dict[str, NavGroup] = {
    g.key: g
    for g in [
        NavGroup("overview", _("Overview"), 0),
        NavGroup("org", _("Organisation"), 10),
        NavGroup("standards", _("Standards and SLAs"), 20),
        NavGroup("feedback", _("Feedback"), 30),
        NavGroup("surveys", _("Surveys"), 40),
        NavGroup("performance", _("Performance"), 50),
        NavGroup("audits", _("Inspections and audits"), 60),
        NavGroup("improvement", _("Improvement"), 70),
        NavGroup("documents", _("Documents and people"), 80),
        NavGroup("reports", _("Reports"), 90),
        NavGroup("system", _("System"), 100),
    ]
}


def register_nav(group: str, item: NavItem) -> None:
    items = GROUPS[group].items
    if all(i.url_name != item.url_name for i in items):
        items.append(item)
        items.sort(key=lambda i: i.order)


def admin_model_url(app_label: str, model: str) -> str:
    return f"admin:{app_label}_{model}_changelist"


def _allowed(request: HttpRequest, item: NavItem) -> bool:
    user = request.user
    if not user.is_authenticated:
        return False
    if item.permission is None:
        return True
    if callable(item.permission):
        return bool(item.permission(request))
    return bool(user.has_perm(item.permission))


def sidebar(request: HttpRequest) -> list[dict[str, Any]]:
    groups = []
    for group in sorted(GROUPS.values(), key=lambda g: g.order):
        items = []
        for item in group.items:
            if not _allowed(request, item):
                continue
            try:
                link = reverse(item.url_name)
            except NoReverseMatch:
                continue
            entry = {"title": item.title, "icon": item.icon, "link": link}
            if item.badge:
                entry["badge"] = item.badge
            items.append(entry)
        if items:
            groups.append({"title": group.title, "separator": True, "collapsible": False, "items": items})
    return groups


def unread_badge(request: HttpRequest) -> str:
    """The unread-notification count beside "Notifications" (empty when there is nothing new)."""
    from sqms.core.selectors import inbox

    count = inbox(request.user, unread_only=True).count() if request.user.is_authenticated else 0
    return str(count) if count else ""


def environment(request: HttpRequest) -> list[str] | None:
    from django.conf import settings

    if settings.DEMO_MODE:
        return [str(_("Demo")), "warning"]
    return None


UNFOLD: dict[str, Any] = {
    "SITE_TITLE": "SQMS",
    "SITE_HEADER": _("SQMS Service Quality"),
    "SITE_SUBHEADER": _("Service quality management system"),
    "SITE_URL": "/",
    "SITE_SYMBOL": "verified",
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": False,
    "SHOW_LANGUAGES": True,
    "ENVIRONMENT": "sqms.core.navigation.environment",
    "DASHBOARD_CALLBACK": "sqms.core.dashboard.dashboard_callback",
    "STYLES": [lambda request: static("sqms/admin.css")],
    "COLORS": {
        "primary": {
            "50": "oklch(97.1% .013 17.38)",
            "100": "oklch(93.6% .032 17.717)",
            "200": "oklch(88.5% .062 18.334)",
            "300": "oklch(80.8% .114 19.571)",
            "400": "oklch(70.4% .191 22.216)",
            "500": "oklch(63.7% .237 25.331)",
            "600": "oklch(57.7% .245 27.325)",
            "700": "oklch(50.5% .213 27.518)",
            "800": "oklch(44.4% .177 26.899)",
            "900": "oklch(39.6% .141 25.723)",
            "950": "oklch(25.8% .092 26.042)",
        },
    },
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": False,
        "navigation": "sqms.core.navigation.sidebar",
    },
}
