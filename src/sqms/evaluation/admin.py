from __future__ import annotations

from django.contrib import admin

from sqms.core.admin_base import ScopedAdmin
from sqms.evaluation.models import Benchmark, Indicator, ManualScore, Plan, Scheme


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    fields = [
        "code",
        "name",
        "parent",
        "order",
        "weight",
        "source",
        "kpi_code",
        "survey_dimension",
        "scoring",
        "params",
    ]
    readonly_fields = ["weight"]


class BenchmarkInline(admin.TabularInline):
    model = Benchmark
    extra = 0


@admin.register(Scheme)
class SchemeAdmin(ScopedAdmin):
    list_display = ["code", "version", "name", "method", "active"]
    list_filter = ["method", "active"]
    search_fields = ["code", "name"]
    inlines = [IndicatorInline, BenchmarkInline]


@admin.register(ManualScore)
class ManualScoreAdmin(ScopedAdmin):
    list_display = ["indicator", "org_unit", "period", "value", "evaluator_kind", "plan"]
    list_filter = ["period", "evaluator_kind"]
    autocomplete_fields = ["org_unit"]
    list_select_related = ["indicator", "org_unit", "plan"]
    raw_id_fields = ["plan"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "indicator":
            kwargs["queryset"] = Indicator.objects.filter(source="manual", scheme__active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Plan)
class PlanAdmin(ScopedAdmin):
    list_display = ["title", "scheme", "org_unit", "status", "created_at"]
    list_filter = ["status", "scheme"]
    search_fields = ["title", "goal"]
    autocomplete_fields = ["org_unit", "units"]
    filter_horizontal = ["evaluators"]
    list_select_related = ["scheme", "org_unit"]
    readonly_fields = ["status"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        """Plans whose scope unit is in the user's scope (the plan is scoped by its scope unit)."""
        from sqms.core.scoping import scope_for

        qs = super(ScopedAdmin, self).get_queryset(request)
        return scope_for(request.user).filter(qs, path_field="org_unit__path")
