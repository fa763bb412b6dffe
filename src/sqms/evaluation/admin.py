from __future__ import annotations

from django.contrib import admin

from sqms.core.admin_base import ScopedAdmin
from sqms.evaluation.models import Benchmark, Indicator, ManualScore, Scheme


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
    list_display = ["indicator", "org_unit", "period", "value", "evaluator_kind"]
    list_filter = ["period", "evaluator_kind"]
    autocomplete_fields = ["org_unit"]
    list_select_related = ["indicator", "org_unit"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "indicator":
            kwargs["queryset"] = Indicator.objects.filter(source="manual", scheme__active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
