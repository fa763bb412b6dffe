"""Back-office registers of the people app: point rules are edited here (through the services, so they
are checked and audited); periods, scorecards, the ledger and appeals are read-only registers whose
workflow (compute, approve, manual entry, appeal, decide) runs on the scorecard page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sqms.core.admin_base import ScopedAdmin, ScopedReadOnlyAdmin
from sqms.people import selectors
from sqms.people.models import Period, PointAppeal, PointEntry, Rule, Scorecard


@admin.register(Rule)
class RuleAdmin(ScopedAdmin):
    list_display = [
        "code",
        "name",
        "subject",
        "summary",
        "org_unit",
        "role",
        "valid_from",
        "valid_to",
        "active",
    ]
    list_filter = ["subject", "metric", "mode", "active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["org_unit"]
    fieldsets = [
        (None, {"fields": ["code", "name", "description", "active"]}),
        (
            _("Condition and points"),
            {"fields": ["subject", "metric", "comparator", "threshold", "mode", "points"]},
        ),
        (_("Scope and validity"), {"fields": ["org_unit", "role", "valid_from", "valid_to"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> Any:
        return selectors.rules(request.user)

    @admin.display(description=_("rule"))
    def summary(self, obj: Rule) -> str:
        return obj.describe()


@admin.register(Period)
class PeriodAdmin(ScopedReadOnlyAdmin):
    list_display = ["label", "kind", "start", "end", "org_unit", "status", "computed_at", "page"]
    list_filter = ["kind", "status"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return selectors.periods(request.user)

    @admin.display(description=pgettext_lazy("scorecard link", "Open"))
    def page(self, obj: Period) -> str:
        return format_html(
            '<a class="sqms-link" href="{}?period={}">{}</a>',
            reverse("people:scorecards"),
            obj.pk,
            _("Scorecards"),
        )


@admin.register(Scorecard)
class ScorecardAdmin(ScopedReadOnlyAdmin):
    list_display = ["period", "subject", "staff", "org_unit", "computed_at"]
    list_filter = ["subject", "period"]
    search_fields = ["staff__name", "staff__employee_no", "org_unit__name"]
    readonly_fields = ["period", "subject", "staff", "org_unit", "metrics", "computed_at"]


@admin.register(PointEntry)
class PointEntryAdmin(ScopedReadOnlyAdmin):
    list_display = ["period", "subject_name", "org_unit", "points", "source", "rule", "status", "approved_by"]
    list_filter = ["status", "source", "subject", "period"]
    search_fields = ["staff__name", "staff__employee_no", "org_unit__name", "reason"]

    @admin.display(description=_("staff member or unit"))
    def subject_name(self, obj: PointEntry) -> str:
        return obj.subject_name


@admin.register(PointAppeal)
class PointAppealAdmin(ScopedReadOnlyAdmin):
    list_display = ["entry", "appellant", "status", "decided_by", "decided_at", "created_at", "page"]
    list_filter = ["status"]
    search_fields = ["reason", "decision", "appellant__username"]

    @admin.display(description=pgettext_lazy("scorecard link", "Open"))
    def page(self, obj: PointAppeal) -> str:
        return format_html(
            '<a class="sqms-link" href="{}?period={}#appeals">{}</a>',
            reverse("people:scorecards"),
            obj.entry.period_id,
            _("Decide"),
        )
