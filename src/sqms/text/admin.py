"""Back-office registers: domain dictionary, stop words, settings, trained models and analysed texts."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from sqms.core.admin_base import ScopedAdmin
from sqms.text import segment
from sqms.text.models import StopWord, Term, TextRecord, TextSettings, TrainedModel


@admin.register(Term)
class TermAdmin(ScopedAdmin):
    list_display = ("word", "weight", "pos", "active")
    list_filter = ("active", "pos")
    search_fields = ("word",)
    fields = ("word", "weight", "pos", "active")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        segment.invalidate()


@admin.register(StopWord)
class StopWordAdmin(ScopedAdmin):
    list_display = ("word", "active")
    list_filter = ("active",)
    search_fields = ("word",)
    fields = ("word", "active")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        segment.invalidate()


@admin.register(TextSettings)
class TextSettingsAdmin(ScopedAdmin):
    list_display = ("__str__", "features", "algorithm", "test_size", "min_per_class", "seed")
    fields = ("features", "algorithm", "test_size", "min_per_class", "seed")
    actions: list[str] = []
    archivable = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        from sqms.text.services import get_settings

        obj = get_settings()
        return HttpResponseRedirect(reverse("admin:text_textsettings_change", args=[obj.pk]))


@admin.register(TrainedModel)
class TrainedModelAdmin(ScopedAdmin):
    list_display = (
        "task",
        "version",
        "trained_at",
        "trained_by",
        "n_examples",
        "accuracy",
        "method",
        "active",
    )
    list_filter = ("task", "active")
    readonly_fields = (
        "task",
        "version",
        "trained_at",
        "trained_by",
        "n_examples",
        "n_train",
        "n_test",
        "accuracy",
        "method",
        "params",
        "metrics",
        "active",
    )
    fields = readonly_fields
    actions: list[str] = []
    archivable = False

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).defer("blob")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TextRecord)
class TextRecordAdmin(ScopedAdmin):
    list_display = ("at", "source", "org_unit", "kind", "short_text", "sentiment", "polarity", "method")
    list_filter = ("source", "polarity", "kind")
    search_fields = ("text",)
    date_hierarchy = "at"
    readonly_fields = (
        "source",
        "source_id",
        "org_unit",
        "at",
        "kind",
        "text",
        "sentiment",
        "polarity",
        "method",
    )
    fields = readonly_fields
    actions: list[str] = []
    archivable = False

    @admin.display(description=_("text"))
    def short_text(self, obj: TextRecord) -> str:
        return obj.text[:60]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
