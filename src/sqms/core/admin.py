from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.admin import ModelAdmin
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from sqms.core import audit, selectors, services
from sqms.core.admin_base import ReadOnlyMixin
from sqms.core.admin_versions import OptimisticLockAdmin
from sqms.core.io import export_table
from sqms.core.models import ApiToken, AuditEntry, Notification

admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(OptimisticLockAdmin, BaseUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm


@admin.register(Group)
class GroupAdmin(OptimisticLockAdmin, BaseGroupAdmin, ModelAdmin):
    pass


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyMixin, ModelAdmin):
    """The global audit log: read-only, filterable, exportable, scoped."""

    list_display = ["at", "actor_name", "action", "content_type", "object_repr", "verb", "request_id"]
    list_filter = ["action", "content_type", ("at", admin.DateFieldListFilter)]
    search_fields = ["object_repr", "actor_name", "request_id", "object_id", "verb"]
    readonly_fields = [
        "at",
        "actor_name",
        "request_id",
        "action",
        "verb",
        "content_type",
        "object_id",
        "object_repr",
        "change_table",
    ]
    fields = readonly_fields
    actions = ["export_xlsx"]
    date_hierarchy = "at"

    def get_queryset(self, request: HttpRequest) -> Any:
        return selectors.audit_entries(request.user)

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        self._request_user = request.user
        return super().get_form(request, obj, **kwargs)

    @admin.display(description=gettext_lazy("changes"))
    def change_table(self, obj: AuditEntry) -> Any:
        rows = audit.readable_changes(obj, getattr(self, "_request_user", None))
        return format_html_join("", "<div><b>{}</b>: {} → {}</div>", ((k, b, a) for k, b, a in rows)) or "-"

    @admin.action(description=gettext_lazy("Export selected to Excel"))
    def export_xlsx(self, request: HttpRequest, queryset: Any) -> HttpResponse:
        headers = [
            _("time"),
            _("user"),
            _("action"),
            _("record type"),
            _("record"),
            _("changes"),
            _("request id"),
        ]
        rows = (
            [
                e.at,
                e.actor_name,
                e.get_action_display(),
                str(e.content_type or ""),
                e.object_repr,
                "; ".join(f"{k}: {b} → {a}" for k, b, a in audit.readable_changes(e, request.user)),
                e.request_id,
            ]
            for e in queryset[:100_000]
        )
        data, ctype = export_table(headers, rows, "xlsx")
        response = HttpResponse(data, content_type=ctype)
        response["Content-Disposition"] = 'attachment; filename="audit-trail.xlsx"'
        return response


@admin.register(Notification)
class NotificationAdmin(ReadOnlyMixin, ModelAdmin):
    """Each user's inbox."""

    list_display = ["title", "kind", "created_at", "is_read"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["title", "kind", "body", "url", "created_at", "read_at"]
    fields = readonly_fields
    actions = ["mark_read"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return selectors.inbox(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_authenticated

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_authenticated and (obj is None or obj.recipient_id == request.user.pk)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        services.mark_read(request.user, [int(object_id)] if object_id.isdigit() else [])
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(boolean=True, description=gettext_lazy("read"))
    def is_read(self, obj: Notification) -> bool:
        return obj.read_at is not None

    @admin.action(description=gettext_lazy("Mark as read"))
    def mark_read(self, request: HttpRequest, queryset: Any) -> None:
        n = services.mark_read(request.user, list(queryset.values_list("pk", flat=True)))
        self.message_user(request, _("%(n)s notifications marked as read.") % {"n": n})


@admin.register(ApiToken)
class ApiTokenAdmin(ModelAdmin):
    list_display = [
        "name",
        "user",
        "prefix",
        "can_write",
        "apps",
        "expires_at",
        "last_used_at",
        "last_used_ip",
        "revoked_at",
    ]
    fields = ["name", "can_write", "unit_paths", "apps", "expires_at"]
    readonly_fields = ["prefix", "last_used_at", "last_used_ip", "revoked_at"]
    actions = ["revoke"]

    def get_queryset(self, request: HttpRequest) -> Any:
        qs = super().get_queryset(request).select_related("user")
        return qs if request.user.has_perm("core.change_apitoken") else qs.filter(user=request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_authenticated

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_authenticated

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_authenticated

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        days = None
        if obj.expires_at:
            from django.utils import timezone

            days = max(1, (obj.expires_at - timezone.now()).days)
        token, key = services.create_api_token(
            actor=request.user,
            user=request.user,
            name=obj.name,
            can_write=obj.can_write,
            unit_paths=obj.unit_paths or [],
            days=days,
            apps=obj.apps or [],
        )
        obj.pk = token.pk
        messages.warning(request, _("Copy the key now; it is not shown again: %(key)s") % {"key": key})

    def log_addition(self, *args: Any, **kwargs: Any) -> None:
        pass

    @admin.action(description=gettext_lazy("Revoke selected tokens"))
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        for token in queryset:
            services.revoke_api_token(token, actor=request.user)
        self.message_user(request, _("Tokens revoked."))
