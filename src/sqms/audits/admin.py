"""Back office of inspections and audits: every register as a scoped, audited list; the inspection form
and the audit workspace are custom pages (views.py) linked from the change pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from unfold.admin import TabularInline

from sqms.audits import selectors, services
from sqms.audits.models import (
    AuditPlan,
    AuditProgramme,
    Certificate,
    ChecklistItem,
    ChecklistTemplate,
    Clause,
    Finding,
    Inspection,
    InspectionPlan,
    Resource,
    SpotCheckDraw,
)
from sqms.core.admin_base import ScopedAdmin
from sqms.core.errors import DomainError


class ChecklistItemInline(TabularInline):
    model = ChecklistItem
    extra = 1
    fields = ["order", "text", "scoring", "max_points", "weight", "critical", "allow_na", "guidance"]


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(ScopedAdmin):
    list_display = ["code", "version", "name", "kind", "pass_mark", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name"]
    fields = ["code", "version", "name", "kind", "description", "pass_mark", "active"]
    inlines = [ChecklistItemInline]
    export_kind = "checklist-templates"

    def get_queryset(self, request: HttpRequest) -> Any:
        return (
            ChecklistTemplate.objects.all()
            if request.user.has_perm("audits.view_checklisttemplate")
            else (ChecklistTemplate.objects.none())
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        return fields + (["code", "version", "active"] if obj is not None else ["version"])

    # Editing goes through services.edit_template: a template used by an inspection is saved as a new
    # version (the used one keeps the items its inspections scored); an unused one changes in place.
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if not change:
            super().save_related(request, form, formsets, change)
            return
        items: list[dict[str, Any]] = []
        for formset in formsets:
            # the service saves the items; Django's change message still reads these
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            for f in formset.forms:
                cd = getattr(f, "cleaned_data", None) or {}
                if not cd or cd.get("DELETE") or (f.instance.pk is None and not f.has_changed()):
                    continue
                row = {k: cd.get(k) for k in services.ITEM_FIELDS if k in cd}
                row["order"] = cd.get("order")
                if f.instance.pk:
                    row["id"] = f.instance.pk
                items.append(row)
        data = {k: form.cleaned_data[k] for k in services.TEMPLATE_FIELDS if k in form.cleaned_data}
        try:
            saved = services.edit_template(actor=request.user, template=form.instance, data=data, items=items)
        except DomainError as exc:
            raise PermissionDenied(exc.message) from exc
        request._sqms_template = saved  # type: ignore[attr-defined]

    def response_change(self, request: HttpRequest, obj: Any) -> Any:
        saved = getattr(request, "_sqms_template", None)
        if saved is not None and saved.pk != obj.pk:
            self.message_user(
                request,
                _("This checklist is used by inspections, so your changes were saved as version %(v)s.")
                % {"v": saved.version},
                messages.WARNING,
            )
            return HttpResponseRedirect(reverse("admin:audits_checklisttemplate_change", args=[saved.pk]))
        return super().response_change(request, obj)


@admin.register(InspectionPlan)
class InspectionPlanAdmin(ScopedAdmin):
    list_display = [
        "name",
        "kind",
        "template",
        "org_unit",
        "frequency",
        "start_date",
        "end_date",
        "inspector",
    ]
    list_filter = ["kind", "frequency"]
    search_fields = ["name"]
    autocomplete_fields = ["org_unit"]
    fields = [
        "name",
        "kind",
        "template",
        "org_unit",
        "inspector",
        "frequency",
        "start_date",
        "end_date",
        "sample_kind",
        "sample_size",
        "scenario",
        "notes",
    ]
    actions = ["archive_selected", "schedule", "draw"]

    @admin.action(description=gettext_lazy("Create the scheduled inspections"))
    def schedule(self, request: HttpRequest, queryset: Any) -> None:
        n = 0
        for plan in queryset:
            try:
                n += len(services.schedule_plan(actor=request.user, plan=plan))
            except DomainError as exc:
                self.message_user(request, f"{plan}: {exc.message}", messages.ERROR)
        self.message_user(request, _("%(n)s inspections scheduled.") % {"n": n}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Draw a random spot-check sample"))
    def draw(self, request: HttpRequest, queryset: Any) -> None:
        for plan in queryset:
            try:
                d, made = services.draw_spot_check(actor=request.user, plan=plan)
                self.message_user(
                    request,
                    _("%(plan)s: %(n)s drawn with seed %(seed)s.")
                    % {"plan": plan, "n": len(made), "seed": d.seed},
                    messages.SUCCESS,
                )
            except DomainError as exc:
                self.message_user(request, f"{plan}: {exc.message}", messages.ERROR)


@admin.register(SpotCheckDraw)
class SpotCheckDrawAdmin(ScopedAdmin):
    list_display = ["plan", "sample_kind", "seed", "population_size", "drawn_ids", "drawn_at", "drawn_by"]
    readonly_fields = ["plan", "sample_kind", "seed", "population_size", "drawn_ids", "drawn_by"]
    archivable = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Inspection)
class InspectionAdmin(ScopedAdmin):
    list_display = [
        "number",
        "kind",
        "org_unit",
        "staff",
        "scheduled_for",
        "status",
        "score",
        "passed_badge",
        "form_link",
    ]
    list_filter = ["kind", "status", "passed", "critical_failed"]
    search_fields = ["number", "org_unit__name"]
    list_select_related = ["org_unit", "staff"]
    autocomplete_fields = ["org_unit"]
    date_hierarchy = "scheduled_for"
    export_kind = "inspections"
    fields = [
        "kind",
        "template",
        "plan",
        "org_unit",
        "inspector",
        "staff",
        "scheduled_for",
        "scenario",
        "shopper",
        "visit_record",
        "notes",
    ]

    def get_queryset(self, request: HttpRequest) -> Any:
        return selectors.inspections(request.user)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        base = list(super().get_readonly_fields(request, obj))
        return base + (["template", "plan", "kind"] if obj is not None else [])

    def create(self, request: HttpRequest, data: dict[str, Any]) -> Any:
        return services.create_inspection(actor=request.user, data=data)

    @admin.display(description=gettext_lazy("result"), ordering="passed")
    def passed_badge(self, obj: Inspection) -> str:
        if obj.passed is None:
            return "-"
        color = "#15803d" if obj.passed else "#b91c1c"
        text = (
            pgettext("inspection result", "Passed")
            if obj.passed
            else (_("Critical failure") if obj.critical_failed else pgettext("inspection result", "Failed"))
        )
        return format_html('<span style="color:{}">{}</span>', color, text)

    @admin.display(description=gettext_lazy("form"))
    def form_link(self, obj: Inspection) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("audits:inspection-form", args=[obj.pk]), _("Open form")
        )


@admin.register(Resource)
class ResourceAdmin(ScopedAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "org_unit",
        "owner",
        "status",
        "maintenance_due",
        "inspection_due",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["org_unit"]
    fields = [
        "code",
        "name",
        "kind",
        "org_unit",
        "owner",
        "status",
        "maintenance_due",
        "inspection_due",
        "notes",
    ]
    export_kind = "resources"


@admin.register(Clause)
class ClauseAdmin(ScopedAdmin):
    list_display = ["standard", "number", "title_zh", "title_en"]
    list_filter = ["standard"]
    search_fields = ["number", "title_zh", "title_en"]
    archivable = False

    def get_queryset(self, request: HttpRequest) -> Any:
        return Clause.objects.all()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(AuditProgramme)
class AuditProgrammeAdmin(ScopedAdmin):
    list_display = ["year", "title", "org_unit"]
    fields = ["year", "title", "objectives", "org_unit"]
    autocomplete_fields = ["org_unit"]


class AuditPlanForm(forms.ModelForm):
    """Auditor independence is checked on the form, so the error shows beside the fields."""

    class Meta:
        model = AuditPlan
        fields = [
            "programme",
            "kind",
            "title",
            "objective",
            "scope",
            "criteria",
            "start_date",
            "end_date",
            "places",
            "lead_auditor",
            "team",
            "auditee_units",
            "agenda",
            "audit_body",
            "status",
            "summary",
        ]

    def clean(self) -> dict[str, Any]:
        cd = super().clean() or {}
        try:
            services.check_independence(
                [cd.get("lead_auditor"), *list(cd.get("team") or [])], list(cd.get("auditee_units") or [])
            )
        except DomainError as exc:
            self.add_error("team", exc.message)
        return cd


@admin.register(AuditPlan)
class AuditPlanAdmin(ScopedAdmin):
    form = AuditPlanForm
    list_display = [
        "number",
        "title",
        "kind",
        "start_date",
        "end_date",
        "lead_auditor",
        "status",
        "workspace",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["number", "title"]
    filter_horizontal = ["criteria", "team", "auditee_units"]
    export_kind = "audit-plans"
    fields = AuditPlanForm.Meta.fields  # one list: the form checks independence over the same fields

    def get_queryset(self, request: HttpRequest) -> Any:
        return selectors.audit_plans(request.user)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        from django.core.exceptions import PermissionDenied

        cd = form.cleaned_data
        if not change:
            try:
                plan = services.create_audit_plan(
                    actor=request.user,
                    data={
                        k: cd.get(k)
                        for k in (
                            "programme",
                            "kind",
                            "title",
                            "objective",
                            "scope",
                            "start_date",
                            "end_date",
                            "places",
                            "lead_auditor",
                            "agenda",
                            "audit_body",
                            "summary",
                        )
                        if cd.get(k) is not None
                    },
                    criteria=list(cd.get("criteria") or []),
                    auditee_units=list(cd.get("auditee_units") or []),
                    team=list(cd.get("team") or []),
                )
            except DomainError as exc:
                raise PermissionDenied(exc.message) from exc
            obj.pk = plan.pk
            obj.__dict__.update({k: v for k, v in plan.__dict__.items() if not k.startswith("_")})
            return
        try:
            services.check_independence(
                [cd.get("lead_auditor"), *list(cd.get("team") or [])], list(cd.get("auditee_units") or [])
            )
            from sqms.core import services as core_services

            m2m = {"criteria", "team", "auditee_units"}
            changes = {n: cd[n] for n in form.changed_data if n in cd and n not in m2m}
            saved = core_services.update_record(obj, actor=request.user, changes=changes)
        except DomainError as exc:
            raise PermissionDenied(exc.message) from exc
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if not k.startswith("_")})

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if change:
            super().save_related(request, form, formsets, change)

    @admin.display(description=gettext_lazy("workspace"))
    def workspace(self, obj: AuditPlan) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("audits:plan", args=[obj.pk]), pgettext("action", "Open")
        )


@admin.register(Finding)
class FindingAdmin(ScopedAdmin):
    list_display = ["plan", "clause", "kind", "auditee_unit", "auditor", "nonconformity_ref"]
    list_filter = ["kind", "clause__standard"]
    search_fields = ["description", "evidence", "plan__number"]
    readonly_fields = ["plan", "auditor", "nonconformity_ref"]
    fields = [
        "plan",
        "clause",
        "kind",
        "description",
        "evidence",
        "auditee_unit",
        "auditee",
        "auditor",
        "nonconformity_ref",
    ]
    export_kind = "audit-findings"

    def get_queryset(self, request: HttpRequest) -> Any:
        return selectors.findings(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # findings are recorded in the audit workspace


@admin.register(Certificate)
class CertificateAdmin(ScopedAdmin):
    list_display = [
        "number",
        "standard",
        "body",
        "org_unit",
        "issued_on",
        "expires_on",
        "next_surveillance_on",
    ]
    list_filter = ["standard"]
    search_fields = ["number", "body"]
    autocomplete_fields = ["org_unit"]
    fields = [
        "standard",
        "number",
        "body",
        "org_unit",
        "scope",
        "issued_on",
        "expires_on",
        "next_surveillance_on",
    ]
    export_kind = "audit-certificates"
