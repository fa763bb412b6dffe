"""Optimistic locking for back-office change forms.

The change page carries a fingerprint of the record as it was when the page was opened (a hash of every
concrete field's stored value, so it works for every model, with or without ``updated_at``). On save,
the form compares it with the record as it is now; if someone else saved in between, the form is shown
again with the user's input kept and a conflict message naming who changed it and when. Saving again
from that page then overwrites knowingly (the page now carries the new fingerprint).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import formats
from django.utils.translation import gettext as _

VERSION_FIELD = "_sqms_version"


def fingerprint(obj: Any) -> str:
    """A stable digest of the stored values of ``obj``'s concrete fields."""
    h = hashlib.sha256()
    for field in obj._meta.concrete_fields:
        h.update(field.attname.encode())
        h.update(b"\x00")
        h.update(str(field.value_to_string(obj)).encode())
        h.update(b"\x01")
    return h.hexdigest()[:32]


def conflict_message(obj: Any, differing: list[str]) -> str:
    who = getattr(obj, "updated_by", None)
    when = getattr(obj, "updated_at", None)
    parts = [_("Someone else saved this record after you opened it.")]
    if who is not None and when is not None:
        parts = [
            _("%(user)s saved this record at %(time)s, after you opened it.")
            % {
                "user": who.get_full_name() or who.get_username(),
                "time": formats.date_format(when, "DATETIME_FORMAT"),
            }
        ]
    if differing:
        parts.append(
            _("Fields where your form differs from the saved record: %(fields)s.")
            % {"fields": ", ".join(differing)}
        )
    parts.append(
        _(
            "Nothing was saved; your input is still in the form. Check it against the current record and save again."
        )
    )
    return " ".join(str(p) for p in parts)


class VersionCheckedForm(forms.ModelForm):  # type: ignore[type-arg]
    """Mixed in front of an admin's form class for existing records."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        sent = self.data.get(VERSION_FIELD)
        instance = self.instance
        if sent and instance.pk is not None:
            current = type(instance)._default_manager.filter(pk=instance.pk).first()
            if current is not None and sent != fingerprint(current):
                labels = [str(self.fields[n].label or n) for n in self.changed_data if n in self.fields]
                raise ValidationError(conflict_message(current, labels), code="conflict")
        return cleaned


def versioned_form(form_class: type[Any]) -> type[Any]:
    if issubclass(form_class, VersionCheckedForm):
        return form_class
    return type(form_class.__name__, (VersionCheckedForm, form_class), {"__module__": form_class.__module__})


class OptimisticLockAdmin:
    """Mixed into every editable register (ScopedAdmin, and the user/group/role-assignment admins)."""

    change_form_template: str | None = "sqms/change_form_versioned.html"

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)  # type: ignore[misc]
        return versioned_form(form) if obj is not None else form

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> Any:
        if obj is not None and obj.pk is not None:
            # read fresh: after a conflict the page carries the new version, so saving again from it
            # overwrites knowingly
            current = type(obj)._default_manager.filter(pk=obj.pk).first()
            context["sqms_version_field"] = VERSION_FIELD
            context["sqms_version"] = fingerprint(current) if current is not None else ""
        return super().render_change_form(  # type: ignore[misc]
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )
