"""Domain errors shared by services, the API and the pages.

Every error carries a stable ``code``, a translated ``message`` and, for bad input, ``fields``
(field name -> list of reasons), so the API can answer ``{"error": {"code", "message", "fields"}}``
and forms can show the reason beside the field.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "error"
    status = 400
    default_message: Any = _("The request could not be processed.")

    def __init__(
        self, message: Any = None, *, fields: dict[str, list[str]] | None = None, code: str | None = None
    ):
        self.message = str(message if message is not None else self.default_message)
        self.fields = {k: [str(v) for v in vs] for k, vs in (fields or {}).items()}
        if code:
            self.code = code
        super().__init__(self.message)


class ValidationFailed(DomainError):
    code = "validation_error"
    status = 422
    default_message = _("Some fields are invalid.")


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = _("Not found.")


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    default_message = _("You do not have permission to do this.")


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = _("The record was changed by someone else; reload and try again.")


def from_django_validation(exc: Any) -> ValidationFailed:
    """Turn a django.core.exceptions.ValidationError into our error with per-field reasons."""
    if hasattr(exc, "message_dict"):
        fields = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
    else:
        fields = {"__all__": [str(m) for m in exc.messages]}
    first = next(iter(fields.items()), ("", [""]))
    message = f"{first[0]}: {first[1][0]}" if first[0] and first[0] != "__all__" else first[1][0]
    return ValidationFailed(message or None, fields=fields)
