from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline

from sqms.core.admin_base import ScopedAdmin
from sqms.core.admin_versions import OptimisticLockAdmin
from sqms.core.errors import DomainError
from sqms.org import services
from sqms.org.models import Customer, OrgUnit, Process, Responsibility, RoleAssignment, Staff


@admin.register(OrgUnit)
class OrgUnitAdmin(ScopedAdmin):
    list_display = ["indented_name", "code", "kind", "manager", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "code", "name_en"]
    fields = ["code", "name", "name_en", "kind", "parent", "manager", "active"]
    autocomplete_fields = ["parent", "manager"]
    import_kind = "org-units"
    export_kind = "org-units"
    ordering = ["path"]

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, obj: OrgUnit) -> str:
        return "\u3000" * obj.depth + obj.name

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Moving a subtree is its own action (it rewrites every descendant's path).
        return [*super().get_readonly_fields(request, obj), *(["parent"] if obj else [])]

    def create(self, request: HttpRequest, data: dict[str, Any]) -> Any:
        return services.create_unit(actor=request.user, **data)


class RoleAssignmentInline(TabularInline):
    model = RoleAssignment
    fk_name = "user"
    extra = 0


@admin.register(Staff)
class StaffAdmin(ScopedAdmin):
    list_display = ["employee_no", "name", "org_unit", "position", "phone", "active"]
    list_filter = ["active", "org_unit__kind"]
    search_fields = ["name", "employee_no", "user__username"]
    fields = ["user", "name", "employee_no", "org_unit", "position", "phone", "active"]
    autocomplete_fields = ["user", "org_unit"]
    import_kind = "staff"
    export_kind = "staff"


@admin.register(Customer)
class CustomerAdmin(ScopedAdmin):
    list_display = ["name", "kind", "phone", "email", "org_unit", "consent_survey"]
    list_filter = ["kind", "consent_survey", "consent_contact"]
    search_fields = ["name"]
    fields = [
        "kind",
        "name",
        "phone",
        "email",
        "id_number",
        "org_unit",
        "consent_contact",
        "consent_survey",
        "notes",
    ]
    autocomplete_fields = ["org_unit"]
    import_kind = "customers"
    export_kind = "customers"

    def get_search_fields(self, request: HttpRequest) -> Any:
        from sqms.core.masking import can_see_personal

        # Searching by phone would let a masked user probe numbers; only those who may see them can search.
        return ["name", "phone", "email"] if can_see_personal(request.user) else ["name"]


class ResponsibilityInline(TabularInline):
    model = Responsibility
    extra = 0


@admin.register(Process)
class ProcessAdmin(ScopedAdmin):
    list_display = ["code", "name", "owner_unit"]
    search_fields = ["code", "name"]
    fields = ["code", "name", "description", "owner_unit"]
    inlines = [ResponsibilityInline]
    export_kind = "raci"

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # Matrix cells go through the service so each change is audited on the process.
        for f in formset.forms:
            if not f.has_changed() and not (f.instance.pk and f in formset.deleted_forms):
                continue
            role = f.cleaned_data.get("role")
            if not role:
                continue
            deleted = f in formset.deleted_forms
            services.set_responsibility(
                actor=request.user,
                process=form.instance,
                role=role,
                raci=None if deleted else f.cleaned_data.get("raci"),
            )


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(OptimisticLockAdmin, ModelAdmin):
    list_display = ["user", "role", "org_unit"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name", "org_unit__name"]
    autocomplete_fields = ["user", "org_unit"]

    def save_model(self, request: HttpRequest, obj: RoleAssignment, form: Any, change: bool) -> None:
        from django.core.exceptions import PermissionDenied

        try:
            ra = services.assign_role(actor=request.user, user=obj.user, role=obj.role, org_unit=obj.org_unit)
        except DomainError as exc:
            raise PermissionDenied(exc.message) from exc
        obj.pk = ra.pk

    def delete_model(self, request: HttpRequest, obj: RoleAssignment) -> None:
        services.revoke_role(obj, actor=request.user)

    def log_addition(self, *args: Any, **kwargs: Any) -> None:
        pass

    def log_deletion(self, *args: Any, **kwargs: Any) -> None:
        pass
