"""Read-only back-office registers of the improvement app (history, comments, export); the workflow
itself runs on the app's own pages (``/improvement/…``) so that every step goes through the services."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from sqms.core.admin_base import ScopedReadOnlyAdmin
from sqms.improvement.models import (
    CorrectiveAction,
    GoodPractice,
    ImprovementProject,
    ManagementReview,
    Nonconformity,
    Suggestion,
)


@admin.register(Nonconformity)
class NonconformityAdmin(ScopedReadOnlyAdmin):
    export_kind = "nonconformities"
    list_display = ["number", "title", "source", "severity", "status", "org_unit", "detected_on", "page"]
    list_filter = ["status", "source", "severity"]
    search_fields = ["number", "title", "source_ref"]

    @admin.display(description=_("Open"))
    def page(self, obj: Nonconformity) -> str:
        return format_html('<a href="{}">{}</a>', reverse("improvement:nc_detail", args=[obj.pk]), obj.number)


@admin.register(CorrectiveAction)
class CorrectiveActionAdmin(ScopedReadOnlyAdmin):
    export_kind = "capa"
    list_display = ["nonconformity", "kind", "description", "owner", "due_date", "status", "completed_on"]
    list_filter = ["status", "kind"]
    search_fields = ["description", "nonconformity__number"]


@admin.register(ImprovementProject)
class ImprovementProjectAdmin(ScopedReadOnlyAdmin):
    export_kind = "improvement-projects"
    list_display = ["number", "title", "org_unit", "leader", "stage", "kpi_code"]
    list_filter = ["stage", "is_pilot"]
    search_fields = ["number", "title"]


@admin.register(Suggestion)
class SuggestionAdmin(ScopedReadOnlyAdmin):
    export_kind = "suggestions"
    list_display = ["number", "title", "org_unit", "submitter", "status", "reward_points"]
    list_filter = ["status"]
    search_fields = ["number", "title"]


@admin.register(GoodPractice)
class GoodPracticeAdmin(ScopedReadOnlyAdmin):
    list_display = ["title", "kind", "tags", "org_unit"]
    list_filter = ["kind"]
    search_fields = ["title", "body", "tags"]


@admin.register(ManagementReview)
class ManagementReviewAdmin(ScopedReadOnlyAdmin):
    list_display = ["title", "org_unit", "period_start", "period_end", "meeting_date", "status"]
    list_filter = ["status"]
