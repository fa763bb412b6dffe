"""Back-office registers: the access log and data-subject requests (read-only), retention periods."""

from __future__ import annotations

import types
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin

from sqms.core import audit
from sqms.core.admin_base import ReadOnlyMixin
from sqms.core.admin_versions import OptimisticLockAdmin
from sqms.privacy.models import AccessLog, PrivacyRequest, RetentionRule
from sqms.privacy.registry import REGISTERS


class ReadOnlyAdmin(ReadOnlyMixin, ModelAdmin):
    """Unscoped (the privacy log and requests are for system-wide roles), read-only."""


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = [
        "at",
        "user_name",
        "content_type",
        "count",
        "fields",
        "customer_ids",
        "path",
        "purpose",
        "request_id",
    ]
    list_filter = ["content_type", ("at", admin.DateFieldListFilter)]
    search_fields = ["user_name", "request_id", "customer_ids", "object_ids", "path"]
    date_hierarchy = "at"


@admin.register(PrivacyRequest)
class PrivacyRequestAdmin(ReadOnlyAdmin):
    list_display = [
        "received_at",
        "kind",
        "customer_link",
        "requested_by",
        "status",
        "completed_at",
        "reason",
    ]
    list_filter = ["kind", "status"]
    exclude = ["result_file"]

    @admin.display(description=_("customer"))
    def customer_link(self, obj: PrivacyRequest) -> Any:
        return format_html(
            '<a class="sqms-link" href="{}">#{} {}</a>',
            reverse("privacy:customer", args=[obj.customer_id]),
            obj.customer_id,
            obj.customer.name,
        )


@admin.register(RetentionRule)
class RetentionRuleAdmin(OptimisticLockAdmin, ModelAdmin):
    list_display = ["register", "register_label", "days", "active", "note", "updated_at"]

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        from django import forms

        form = super().get_form(request, obj, **kwargs)
        choices = [(k, f"{k} · {r.label}") for k, r in REGISTERS.items() if r.retention_field]
        form.base_fields["register"] = forms.ChoiceField(label=_("register"), choices=choices)
        return form

    @admin.display(description=_("register"))
    def register_label(self, obj: RetentionRule) -> Any:
        reg = REGISTERS.get(obj.register)
        return reg.label if reg else "-"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = audit.snapshot(RetentionRule.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        audit.record(
            actor=request.user,
            action=audit.AuditAction.UPDATE if change else audit.AuditAction.CREATE,
            instance=obj,
            before=before,
            after=audit.snapshot(obj),
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def privacy_link(obj: Any) -> Any:
    return format_html(
        '<a class="sqms-link privacy-link" href="{}">{}</a>',
        reverse("privacy:customer", args=[obj.pk]),
        _("Personal data"),
    )


privacy_link.short_description = _("Personal data")  # type: ignore[attr-defined]


def link_customer_admin() -> None:
    """A "Personal data" column in the customer list, for those who handle data-subject requests."""
    from sqms.org.models import Customer

    model_admin = admin.site._registry.get(Customer)
    if model_admin is None or getattr(model_admin, "_privacy_linked", False):
        return
    get_list_display = model_admin.get_list_display

    def with_link(self: Any, request: HttpRequest) -> Any:
        names = list(get_list_display(request))
        if request.user.has_perm("privacy.add_privacyrequest"):
            names.append(privacy_link)
        return names

    model_admin.get_list_display = types.MethodType(with_link, model_admin)
    model_admin._privacy_linked = True
