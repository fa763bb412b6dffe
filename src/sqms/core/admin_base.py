"""The base of every back-office register: unfold's look, org scoping, writes through services (so they
are permission-checked and audited), archiving instead of deleting, our History, comments, import and
export."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.admin import ModelAdmin
from unfold.decorators import action

from sqms.core import audit, services
from sqms.core.admin_versions import OptimisticLockAdmin
from sqms.core.errors import DomainError
from sqms.core.io import EXPORT_KINDS, IMPORT_KINDS, export_kind, import_file
from sqms.core.masking import can_see_personal, mask, note_shown
from sqms.core.scoping import scoped


class ArchivedFilter(admin.SimpleListFilter):
    title = gettext_lazy("status")
    parameter_name = "archived"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("active", gettext_lazy("Active")),
            ("archived", gettext_lazy("Archived")),
            ("all", gettext_lazy("All")),
        ]

    def choices(self, changelist: Any) -> Any:
        for lookup, title in self.lookup_choices:
            yield {
                "selected": (self.value() or "active") == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        value = self.value() or "active"
        if value == "active":
            return queryset.filter(archived_at__isnull=True)
        if value == "archived":
            return queryset.filter(archived_at__isnull=False)
        return queryset


class ScopedAdmin(OptimisticLockAdmin, ModelAdmin):
    """Every register's admin. Subclasses may set ``import_kind``/``export_kind`` (names registered in
    :mod:`sqms.core.io`) and ``personal_fields`` shown masked to users without the permission."""

    import_kind: str | None = None
    export_kind: str | None = None
    change_form_template = "sqms/change_form.html"
    change_list_template = "sqms/change_list.html"
    list_per_page = 50
    actions = ["archive_selected"]
    archivable = True

    def __init__(self, model: Any, admin_site: Any):
        super().__init__(model, admin_site)
        # Users without "view personal data" get these read-only, masked stand-ins in lists and forms.
        for name in getattr(model, "PERSONAL_FIELDS", ()):
            field = model._meta.get_field(name)

            def display(obj: Any, _name: str = name) -> str:
                return mask(getattr(obj, _name))

            display.short_description = field.verbose_name  # type: ignore[attr-defined]
            setattr(self, f"masked_{name}", display)

    # --- reads ---------------------------------------------------------------------------------------
    def get_queryset(self, request: HttpRequest) -> Any:
        return scoped(request.user, super().get_queryset(request))

    def get_list_filter(self, request: HttpRequest) -> Any:
        filters = list(super().get_list_filter(request))
        if self.archivable and hasattr(self.model, "archived_at"):
            filters.insert(0, ArchivedFilter)
        return filters

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if not can_see_personal(request.user):
            fields += [f"masked_{f}" for f in getattr(self.model, "PERSONAL_FIELDS", ())]
        return fields

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        exclude = list(super().get_exclude(request, obj) or [])
        if not can_see_personal(request.user):
            exclude += list(getattr(self.model, "PERSONAL_FIELDS", ()))
        return exclude

    def _masked(self, request: HttpRequest, names: Any) -> list[Any]:
        if can_see_personal(request.user):
            return list(names)
        personal = set(getattr(self.model, "PERSONAL_FIELDS", ()))
        return [f"masked_{f}" if isinstance(f, str) and f in personal else f for f in names]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self._masked(request, super().get_fields(request, obj))

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return [
            (name, {**opts, "fields": self._masked(request, opts.get("fields", ()))})
            for name, opts in super().get_fieldsets(request, obj)
        ]

    def get_list_display(self, request: HttpRequest) -> Any:
        return self._masked(request, super().get_list_display(request))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # users archive; nothing is hard-deleted from the back office

    # --- writes go through the services ------------------------------------------------------------------
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            if change:
                changes = {
                    name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data
                }
                # the form already compared fingerprints; this closes the gap between that check and the write
                saved = services.update_record(
                    obj,
                    actor=request.user,
                    changes=changes,
                    expected_updated_at=getattr(obj, "updated_at", None),
                )
            else:
                data = {
                    f.name: getattr(obj, f.name)
                    for f in obj._meta.concrete_fields
                    if not f.primary_key and f.editable and f.name in form.cleaned_data
                }
                saved = self.create(request, data)
        except DomainError as exc:
            raise PermissionDenied(exc.message) from exc
        obj.pk = saved.pk
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if not k.startswith("_")})

    def create(self, request: HttpRequest, data: dict[str, Any]) -> Any:
        return services.create_record(self.model, actor=request.user, data=data)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        form.save_m2m()
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> None:
        pass  # our audit trail replaces django's LogEntry

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> None:
        pass

    def log_deletion(self, request: HttpRequest, obj: Any, object_repr: Any) -> None:
        pass

    @action(description=gettext_lazy("Archive selected records"))
    def archive_selected(self, request: HttpRequest, queryset: Any) -> None:
        count = 0
        with transaction.atomic():
            for obj in queryset:
                services.archive_record(obj, actor=request.user, reason=_("Archived from the list"))
                count += 1
        self.message_user(request, _("%(n)s records archived.") % {"n": count}, messages.SUCCESS)

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        if not self.archivable or not request.user.has_perm(services.perm_name(self.model, "delete")):
            actions.pop("archive_selected", None)
        return actions

    # --- History, import, export -----------------------------------------------------------------------
    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        obj = get_object_or_404(self.get_queryset(request), pk=unquote(object_id))
        entries = [(e, audit.readable_changes(e, request.user)) for e in audit.history_for(obj)[:500]]
        context = {
            **self.admin_site.each_context(request),
            "title": _("History: %(obj)s") % {"obj": obj},
            "object": obj,
            "entries": entries,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "sqms/history.html", context)

    def get_urls(self) -> list[Any]:
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="%s_%s_import" % info),
            path("export/", self.admin_site.admin_view(self.export_view), name="%s_%s_export" % info),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        info = self.model._meta.app_label, self.model._meta.model_name
        extra = dict(extra_context or {})
        if self.import_kind and request.user.has_perm(IMPORT_KINDS[self.import_kind].permission):
            extra["sqms_import_url"] = reverse("admin:%s_%s_import" % info)
        if self.export_kind and request.user.has_perm(EXPORT_KINDS[self.export_kind].permission):
            extra["sqms_export_url"] = reverse("admin:%s_%s_export" % info)
        response = super().changelist_view(request, extra_context=extra)
        personal = set(getattr(self.model, "PERSONAL_FIELDS", ()))
        if personal and getattr(response, "status_code", 0) == 200 and can_see_personal(request.user):
            cl = (getattr(response, "context_data", None) or {}).get("cl")
            shown = [
                n for n in (cl.list_display if cl is not None else ()) if isinstance(n, str) and n in personal
            ]
            if shown:  # one access-log row for the page, whatever its number of records
                note_shown(request, self.model, [o.pk for o in cl.result_list], shown)
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        response = super().change_view(request, object_id, form_url, extra_context)
        if (
            getattr(self.model, "PERSONAL_FIELDS", ())
            and request.method == "GET"
            and getattr(response, "status_code", 0) == 200
            and can_see_personal(request.user)
        ):
            note_shown(request, self.model, [self.model._meta.pk.to_python(unquote(object_id))])
        return response

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.import_kind or not request.user.has_perm(IMPORT_KINDS[self.import_kind].permission):
            raise PermissionDenied
        report = None
        error = None
        if request.method == "POST":
            upload = request.FILES.get("file")
            if upload is None:
                error = _("Choose a file to import.")
            else:
                try:
                    report = import_file(
                        self.import_kind,
                        actor=request.user,
                        raw=upload.read(),
                        filename=upload.name or "upload.csv",
                        skip_invalid=bool(request.POST.get("skip_invalid")),
                        dry_run=bool(request.POST.get("dry_run")),
                    )
                except DomainError as exc:
                    error = exc.message
                if report and report.written:
                    messages.success(request, _("%(n)s rows imported.") % {"n": report.written})
        columns = [
            (c.names[0], c.required, ", ".join(c.names[1:]))
            for c in IMPORT_KINDS[self.import_kind].importer.columns
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import %(name)s") % {"name": self.model._meta.verbose_name_plural},
            "opts": self.model._meta,
            "report": report,
            "error": error,
            "columns": columns,
        }
        return render(request, "sqms/import.html", context)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.export_kind:
            raise PermissionDenied
        fmt = request.GET.get("format", "xlsx")
        try:
            data, content_type = export_kind(self.export_kind, actor=request.user, fmt=fmt)
        except DomainError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect("..")
        response = HttpResponse(data, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{self.export_kind}.{fmt}"'
        return response


class ReadOnlyMixin:
    """A register that is written by the application only (its own pages and services), never edited in
    the back office: no add, change or delete there."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ScopedReadOnlyAdmin(ReadOnlyMixin, ScopedAdmin):
    """A scoped, read-only register (no archive action either)."""

    actions: list[Any] = []
