"""Back office of documents and training. Registers are scoped admins; the lifecycle (versions,
signatures, acknowledgements) is driven from the document page (:mod:`sqms.documents.views`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy, pgettext_lazy

from sqms.core.admin_base import ScopedAdmin
from sqms.documents import services
from sqms.documents.models import (
    Attendance,
    Certificate,
    Competency,
    CompetencyRecord,
    Course,
    Document,
    DocumentVersion,
    TrainingAssignment,
    TrainingSession,
)


class ReviewFilter(admin.SimpleListFilter):
    title = gettext_lazy("periodic review")
    parameter_name = "review"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("due", gettext_lazy("Due within 30 days or overdue"))]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() == "due":
            return queryset.filter(next_review_date__lte=timezone.localdate() + timedelta(days=30))
        return queryset


@admin.register(Document)
class DocumentAdmin(ScopedAdmin):
    list_display = [
        "number",
        "title",
        "doc_type",
        "org_unit",
        "owner",
        "effective",
        "next_review_date",
        "open",
    ]
    list_filter = ["doc_type", ReviewFilter]
    search_fields = ["number", "title"]
    export_kind = "documents"
    autocomplete_fields: list[str] = []
    fields = [
        "title",
        "doc_type",
        "org_unit",
        "owner",
        "review_interval_months",
        "next_review_date",
        "distribution_units",
        "distribution_roles",
        "processes",
        "service_standard_refs",
        "nonconformity_refs",
        "project_refs",
    ]
    filter_horizontal = ["distribution_units", "processes"]

    @admin.display(description=gettext_lazy("effective version"))
    def effective(self, obj: Document) -> str:
        return obj.current_version.label if obj.current_version_id else "-"

    @admin.display(description=gettext_lazy("document page"))
    def open(self, obj: Document) -> str:
        return format_html(
            '<a class="sqms-link" href="{}">{}</a>',
            reverse("documents:detail", args=[obj.pk]),
            pgettext_lazy("action", "Open"),
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("doc_type")  # the number depends on it
        return fields

    def create(self, request: HttpRequest, data: dict[str, Any]) -> Any:
        return services.create_document(
            actor=request.user,
            title=data.get("title", ""),
            doc_type=data.get("doc_type", ""),
            org_unit=data.get("org_unit"),
            owner=data.get("owner"),
            review_interval_months=data.get("review_interval_months") or 12,
            distribution_roles=data.get("distribution_roles") or [],
            service_standard_refs=data.get("service_standard_refs", ""),
            nonconformity_refs=data.get("nonconformity_refs", ""),
            project_refs=data.get("project_refs", ""),
        )


@admin.register(DocumentVersion)
class DocumentVersionAdmin(ScopedAdmin):
    list_display = ["document", "label", "status", "effective_date", "created_by", "status_changed_at"]
    list_filter = ["status"]
    search_fields = ["document__number", "document__title"]
    fields = ["document", "change_summary", "effective_date", "text", "file"]
    readonly_fields = ["document", "change_summary", "effective_date", "text", "file"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # versions are drafted on the document page

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Competency)
class CompetencyAdmin(ScopedAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
    fields = ["code", "name", "description"]


@admin.register(Course)
class CourseAdmin(ScopedAdmin):
    list_display = ["code", "title", "org_unit", "pass_score", "validity_months"]
    search_fields = ["code", "title"]
    fields = [
        "code",
        "title",
        "org_unit",
        "documents",
        "competencies",
        "pass_score",
        "validity_months",
        "due_days",
    ]
    filter_horizontal = ["documents", "competencies"]


@admin.register(TrainingSession)
class TrainingSessionAdmin(ScopedAdmin):
    list_display = ["course", "held_on", "org_unit", "trainer", "location"]
    list_filter = ["course"]
    fields = ["course", "org_unit", "held_on", "trainer", "location"]


@admin.register(Attendance)
class AttendanceAdmin(ScopedAdmin):
    list_display = ["session", "staff", "attended", "score", "passed"]
    list_filter = ["passed", "attended"]
    fields = ["session", "staff", "attended", "score"]
    readonly_fields = ["passed"]

    def create(self, request: HttpRequest, data: dict[str, Any]) -> Any:
        return services.record_attendance(
            actor=request.user,
            session=data["session"],
            staff=data["staff"],
            attended=bool(data.get("attended")),
            score=data.get("score"),
        )


@admin.register(Certificate)
class CertificateAdmin(ScopedAdmin):
    list_display = ["number", "staff", "course", "issued_on", "expires_on"]
    search_fields = ["number", "staff__name"]
    fields = ["number", "staff", "course", "issued_on", "expires_on"]
    export_kind = "certificates"


@admin.register(TrainingAssignment)
class TrainingAssignmentAdmin(ScopedAdmin):
    list_display = ["course", "staff", "reason", "version", "due_date", "completed_at"]
    list_filter = ["reason", "course"]
    search_fields = ["staff__name", "course__code"]
    fields = ["course", "staff", "reason", "due_date"]
    export_kind = "training"


@admin.register(CompetencyRecord)
class CompetencyRecordAdmin(ScopedAdmin):
    list_display = ["staff", "competency", "level", "assessed_on"]
    list_filter = ["competency", "level"]
    fields = ["staff", "competency", "level", "assessed_on", "evidence"]
