from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sqms.core.admin_base import ScopedAdmin
from sqms.core.errors import DomainError
from sqms.kpi import selectors, services
from sqms.kpi.models import KpiAlert, KpiDefinition, KpiOverride, QualityObjective, ServiceRecord

OBJECTIVE_STATUS = {
    "on_track": gettext_lazy("On track"),
    "at_risk": gettext_lazy("At risk"),
    "achieved": gettext_lazy("Achieved"),
    "missed": gettext_lazy("Missed"),
    "no_data": gettext_lazy("No data yet"),
}


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


class KpiOverrideInline(admin.TabularInline):
    model = KpiOverride
    extra = 0
    autocomplete_fields = ["org_unit"]


@admin.register(KpiDefinition)
class KpiDefinitionAdmin(ScopedAdmin):
    list_display = ["code", "name", "name_en", "unit", "direction", "target", "warning", "critical", "active"]
    list_filter = ["source", "direction", "active"]
    search_fields = ["code", "name", "name_en"]
    readonly_fields = ["code", "source"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the computation is fixed by the code: the library is shipped, not invented


@admin.register(KpiOverride)
class KpiOverrideAdmin(ScopedAdmin):
    archivable = False
    list_display = ["kpi", "org_unit", "target", "warning", "critical"]
    list_filter = ["kpi"]
    autocomplete_fields = ["org_unit"]


@admin.register(KpiAlert)
class KpiAlertAdmin(ScopedAdmin):
    archivable = False
    list_display = [
        "created_at",
        "kpi",
        "org_unit",
        "period",
        "kind",
        "level",
        "value",
        "threshold",
        "acknowledged",
    ]
    list_filter = ["kind", "level", "kpi", ("acknowledged_at", admin.EmptyFieldListFilter)]
    list_select_related = ["kpi", "org_unit", "acknowledged_by"]
    readonly_fields = [f.name for f in KpiAlert._meta.fields]
    actions = ["acknowledge_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        if request.user.has_perm("kpi.change_kpialert"):
            actions["acknowledge_selected"] = self.get_action("acknowledge_selected")
        return actions

    @admin.display(description=gettext_lazy("acknowledged"))
    def acknowledged(self, obj: KpiAlert) -> str:
        if obj.acknowledged_at is None:
            return "—"
        return f"{obj.acknowledged_by or ''} {timezone.localtime(obj.acknowledged_at):%Y-%m-%d %H:%M}"

    @admin.action(description=gettext_lazy("Acknowledge the selected alerts"))
    def acknowledge_selected(self, request: HttpRequest, queryset: Any) -> None:
        n = 0
        for alert in queryset:
            try:
                services.acknowledge_alert(alert, actor=request.user)
                n += 1
            except DomainError as exc:
                messages.error(request, exc.message)
        messages.success(request, _("%(n)s alerts acknowledged.") % {"n": n})


@admin.register(QualityObjective)
class QualityObjectiveAdmin(ScopedAdmin):
    list_display = [
        "statement",
        "kpi",
        "org_unit",
        "owner",
        "baseline",
        "target",
        "deadline",
        "current",
        "status",
    ]
    list_filter = ["kpi", "deadline"]
    search_fields = ["statement"]
    autocomplete_fields = ["org_unit"]
    list_select_related = ["kpi", "org_unit", "owner"]

    def _figures(self, request: HttpRequest, obj: QualityObjective) -> dict[str, Any]:
        cache = request.__dict__.setdefault("_objective_figures", {})
        if obj.pk not in cache:
            cache[obj.pk] = selectors.objective_figures(request.user, obj, timezone.localdate())
        return cache[obj.pk]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        self._request = request
        return super().changelist_view(request, extra_context)

    @admin.display(description=gettext_lazy("current value"))
    def current(self, obj: QualityObjective) -> str:
        value = self._figures(self._request, obj)["current"]
        return "—" if value is None else f"{value:.2f}"

    @admin.display(description=gettext_lazy("status"))
    def status(self, obj: QualityObjective) -> str:
        figures = self._figures(self._request, obj)
        progress = figures["progress"]
        label = str(OBJECTIVE_STATUS.get(figures["status"], figures["status"]))
        return label if progress is None else f"{label} ({progress:.0%})"
