from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from sqms.core.admin_base import ScopedAdmin
from sqms.reports.models import Publication, ReportSnapshot, Subscription


@admin.register(ReportSnapshot)
class ReportSnapshotAdmin(ScopedAdmin):
    """The archive: read-only; reports are generated on the Quality reports page, the API or the CLI."""

    list_display = ["title", "kind", "period_key", "org_unit", "version", "scheduled", "created_at"]
    list_filter = ["kind", "scheduled"]
    search_fields = ["title", "period_key"]
    readonly_fields = [
        "title",
        "kind",
        "period_key",
        "period_start",
        "period_end",
        "org_unit",
        "version",
        "pdf",
        "xlsx",
        "scheduled",
        "emailed_at",
    ]
    exclude = ["data"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        return HttpResponseRedirect(reverse("reports:detail", args=[object_id]))


@admin.register(Subscription)
class SubscriptionAdmin(ScopedAdmin):
    list_display = ["user", "org_unit", "monthly", "quarterly", "active"]
    list_filter = ["monthly", "quarterly", "active"]
    autocomplete_fields: list[str] = []
    fields = ["user", "org_unit", "monthly", "quarterly", "active"]


@admin.register(Publication)
class PublicationAdmin(ScopedAdmin):
    """Read-only: publish and unpublish on the Transparency publications page (audited, frozen data)."""

    list_display = ["__str__", "min_group_size", "published", "published_at", "unpublished_at"]
    list_filter = ["kind", "published"]
    readonly_fields = [
        "kind",
        "period_key",
        "period_start",
        "period_end",
        "min_group_size",
        "published",
        "published_at",
        "unpublished_at",
    ]
    exclude = ["data"]
    actions: list[Any] = []

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        return HttpResponseRedirect(reverse("reports:publications"))
