from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from sqms.core.admin_base import ScopedAdmin
from sqms.kpi.models import ServiceRecord


@admin.register(ServiceRecord)
class ServiceRecordAdmin(ScopedAdmin):
    """Read-only register: records arrive through the bulk API and the import command."""

    archivable = False
    actions: list[Any] = []
    list_display = [
        "external_id",
        "org_unit",
        "service_type",
        "channel",
        "requested_at",
        "completed_at",
        "promised_at",
        "first_contact_resolution",
        "rating",
    ]
    list_filter = ["service_type", "channel", "first_contact_resolution", "rating", "requested_at"]
    search_fields = ["external_id"]
    date_hierarchy = "requested_at"
    list_select_related = ["org_unit"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
