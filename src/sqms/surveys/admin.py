"""Back office: the questionnaire builder (survey with dimension, section and question inlines), campaigns,
tokens and responses (read-only answers; analysts include/exclude through an action)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from unfold.admin import StackedInline, TabularInline
from unfold.decorators import action

from sqms.core import audit
from sqms.core.admin_base import ScopedAdmin
from sqms.core.errors import DomainError
from sqms.core.models import AuditAction
from sqms.surveys import selectors, services
from sqms.surveys.models import Campaign, Dimension, Question, Response, Section, Survey, SurveyVersion, Token


class DimensionInline(TabularInline):
    model = Dimension
    extra = 0
    fields = ["order", "code", "name", "name_en"]


class SectionInline(TabularInline):
    model = Section
    extra = 0
    fields = ["order", "title", "title_en"]


class QuestionInline(StackedInline):
    model = Question
    extra = 0
    fields = [
        ("order", "code", "type", "section"),
        "text",
        "text_en",
        ("required", "scale_points", "dimension"),
        ("reverse_scored", "servqual_part", "pair_key"),
        "options",
        "rows",
        ("min_value", "max_value"),
        "show_if",
        ("randomize_options", "attention_check", "attention_answer"),
        "help",
    ]
    collapsed = True

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        survey_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
        if db_field.name in ("section", "dimension") and survey_id:
            model = Section if db_field.name == "section" else Dimension
            kwargs["queryset"] = model.objects.filter(survey_id=survey_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class VersionInline(TabularInline):
    model = SurveyVersion
    extra = 0
    fields = ["number", "published_at", "published_by", "checksum"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _row_name(obj: Any) -> str:
    return str(getattr(obj, "code", "") or obj)


@admin.register(Survey)
class SurveyAdmin(ScopedAdmin):
    list_display = ["code", "title", "owner_unit", "status", "template", "preview_link"]
    list_filter = ["status", "template"]
    search_fields = ["code", "title"]
    fields = ["code", "title", "title_en", "intro", "intro_en", "owner_unit", "cleaning"]
    autocomplete_fields = ["owner_unit"]
    inlines = [DimensionInline, SectionInline, QuestionInline, VersionInline]
    actions = ["publish_selected", "archive_selected"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return selectors.surveys(request.user) | Survey.objects.none()

    @admin.display(description=gettext_lazy("preview"))
    def preview_link(self, obj: Survey) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("surveys:preview", args=[obj.pk]), _("Phone preview")
        )

    def create(self, request: HttpRequest, data: dict[str, Any]) -> Any:
        return services.create_survey(
            actor=request.user, **{k: v for k, v in data.items() if k != "cleaning"}
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Inline edits of the builder (questions, sections, dimensions): one audit entry per changed,
        added or deleted row, on the survey, with the row's before/after values."""
        model = formset.model
        if model not in (Question, Section, Dimension):
            super().save_formset(request, form, formset, change)
            return
        survey = form.instance
        label = {
            Question: pgettext("survey", "Question"),
            Section: pgettext("survey", "Section"),
            Dimension: _("Dimension"),
        }[model]
        befores: dict[int, dict[str, Any]] = {}
        for f in formset.initial_forms:
            if f.instance.pk and (f.has_changed() or f in formset.deleted_forms):
                fresh = model.objects.filter(pk=f.instance.pk).first()
                if fresh is not None:
                    befores[f.instance.pk] = audit.snapshot(fresh)
        deleted = [(f.instance.pk, str(f.instance)) for f in formset.deleted_forms if f.instance.pk]
        formset.save()
        for pk, name in deleted:
            audit.record(
                actor=request.user,
                action=AuditAction.UPDATE,
                instance=survey,
                before=befores.get(pk),
                after={},
                verb=_("%(what)s %(name)s deleted") % {"what": label, "name": name},
                extra={"row": f"{model._meta.model_name}:{pk}"},
            )
        for obj, _fields in formset.changed_objects:
            after = audit.snapshot(obj)
            if not audit.diff(befores.get(obj.pk), after):
                continue  # the form saw a change (e.g. JSON re-formatted) but no value differs
            audit.record(
                actor=request.user,
                action=AuditAction.UPDATE,
                instance=survey,
                before=befores.get(obj.pk),
                after=after,
                verb=_("%(what)s %(name)s changed") % {"what": label, "name": _row_name(obj)},
                extra={"row": f"{model._meta.model_name}:{obj.pk}"},
            )
        for obj in formset.new_objects:
            audit.record(
                actor=request.user,
                action=AuditAction.UPDATE,
                instance=survey,
                before={},
                after=audit.snapshot(obj),
                verb=_("%(what)s %(name)s added") % {"what": label, "name": _row_name(obj)},
                extra={"row": f"{model._meta.model_name}:{obj.pk}"},
            )
        if formset.changed_objects or formset.new_objects or deleted:
            services.touch_survey(survey)

    @action(description=gettext_lazy("Publish selected surveys (freeze a version)"))
    def publish_selected(self, request: HttpRequest, queryset: Any) -> None:
        for survey in queryset:
            try:
                v = services.publish_survey(actor=request.user, survey=survey)
                self.message_user(request, _("%(s)s: version %(n)s") % {"s": survey.code, "n": v.number})
            except DomainError as exc:
                self.message_user(request, f"{survey.code}: {exc.message}", messages.ERROR)


@admin.register(Campaign)
class CampaignAdmin(ScopedAdmin):
    list_display = [
        "code",
        "name",
        "survey",
        "org_unit",
        "channel",
        "status",
        "starts_at",
        "ends_at",
        "links",
    ]
    list_filter = ["status", "channel"]
    search_fields = ["code", "name"]
    fields = [
        "code",
        "name",
        "survey",
        "version",
        "org_unit",
        "channel",
        "status",
        "starts_at",
        "ends_at",
        "public",
        "target",
        "sampling_rate",
        "quarantine_days",
        "token_days",
        "slug",
        "push_secret",
        "push_signature",
        "push_sign_fields",
    ]
    readonly_fields = ["slug"]
    autocomplete_fields = ["org_unit"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "survey":
            kwargs["queryset"] = selectors.surveys(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=gettext_lazy("links"))
    def links(self, obj: Campaign) -> str:
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a> · <a href="{}" target="_blank">{}</a> · <a href="{}">{}</a>',
            reverse("surveys:results", args=[obj.pk]),
            _("Results"),
            reverse("surveys:analysis", args=[obj.pk]),
            _("Analysis"),
            reverse("surveys:answer", args=[obj.slug]),
            _("Public link"),
            reverse("surveys:distribute", args=[obj.pk]),
            _("Distribute"),
        )


@admin.register(Token)
class TokenAdmin(ScopedAdmin):
    list_display = ["__str__", "campaign", "customer", "org_unit", "created_at", "expires_at", "used_at"]
    list_filter = ["source_type"]
    fields = ["campaign", "customer", "org_unit", "source_type", "source_id", "expires_at", "used_at"]
    readonly_fields = fields
    archivable = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Response)
class ResponseAdmin(ScopedAdmin):
    list_display = [
        "id",
        "campaign",
        "org_unit",
        "channel",
        "source",
        "submitted_at",
        "duration_s",
        "included",
        "reasons",
        "override",
    ]
    list_filter = ["included", "override", "source", "channel"]
    fields = [
        "campaign",
        "version",
        "org_unit",
        "channel",
        "source",
        "submitted_at",
        "duration_s",
        "ip",
        "device",
        "answers",
        "flags",
        "override",
        "override_reason",
        "included",
    ]
    readonly_fields = fields
    archivable = False
    actions = ["include_selected", "exclude_selected", "automatic_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    @admin.display(description=gettext_lazy("cleaning flags"))
    def reasons(self, obj: Response) -> str:
        return "; ".join(
            f"{services.rule_name(f['rule'])} {f.get('detail', '')}".strip() for f in obj.flags or []
        )

    def _decide(self, request: HttpRequest, queryset: Any, decision: str) -> None:
        n = 0
        for r in queryset:
            try:
                services.decide(
                    actor=request.user, response=r, decision=decision, reason=_("Set from the response list")
                )
                n += 1
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return
        self.message_user(request, _("%(n)s responses updated.") % {"n": n}, messages.SUCCESS)

    @action(description=gettext_lazy("Include in analysis (analyst decision)"))
    def include_selected(self, request: HttpRequest, queryset: Any) -> None:
        self._decide(request, queryset, "include")

    @action(description=gettext_lazy("Exclude from analysis (analyst decision)"))
    def exclude_selected(self, request: HttpRequest, queryset: Any) -> None:
        self._decide(request, queryset, "exclude")

    @action(description=gettext_lazy("Back to the cleaning rules"))
    def automatic_selected(self, request: HttpRequest, queryset: Any) -> None:
        self._decide(request, queryset, "")

    def get_actions(self, request: HttpRequest) -> Any:
        acts = super().get_actions(request)
        if not request.user.has_perm("surveys.change_response"):
            for name in ("include_selected", "exclude_selected", "automatic_selected"):
                acts.pop(name, None)
        return acts
