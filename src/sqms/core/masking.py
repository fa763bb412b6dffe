"""Masking of personal data (phone, e-mail, ID number) for roles without "view personal data"."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

PERSONAL_DATA_PERM = "org.view_personal_data"


def can_see_personal(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_perm(PERSONAL_DATA_PERM))


def mask(value: Any) -> str:
    """138****5678 for phones, z***@example.com for e-mail, 3301**********1234 for ID numbers."""
    if value in (None, ""):
        return ""
    text = str(value)
    if "@" in text:
        name, _, domain = text.partition("@")
        return f"{name[:1]}***@{domain}"
    if len(text) >= 15:  # resident ID numbers
        return text[:4] + "*" * (len(text) - 8) + text[-4:]
    if len(text) >= 7:
        return text[:3] + "*" * (len(text) - 7) + text[-4:] if len(text) > 7 else text[:3] + "****"
    return text[:1] + "*" * (len(text) - 1)


def masked_value(user: Any, value: Any) -> Any:
    return value if can_see_personal(user) else mask(value)


# --- Logging of unmasked views --------------------------------------------------------------------------
# Code that shows unmasked personal data reports it with note_unmasked(); the privacy app registers the
# listener that writes the access log (core cannot import it). With no listener, or for a user who only
# ever sees masked values, a call costs one list check (and one cached permission check).
UnmaskListener = Callable[..., None]
_listeners: list[UnmaskListener] = []


def register_unmask_listener(fn: UnmaskListener) -> None:
    if fn not in _listeners:
        _listeners.append(fn)


def unregister_unmask_listener(fn: UnmaskListener) -> None:
    if fn in _listeners:
        _listeners.remove(fn)


def note_unmasked(
    user: Any,
    model: Any,
    ids: Iterable[Any],
    fields: Iterable[str] | None = None,
    *,
    customer_ids: Iterable[Any] = (),
    purpose: str = "",
    path: str = "",
    count: int | None = None,
) -> None:
    """Report that ``user`` was shown the unmasked personal ``fields`` (default: the model's
    ``PERSONAL_FIELDS``) of the ``model`` records ``ids`` — once per request and model, not per field."""
    if not _listeners or not can_see_personal(user):
        return
    names = list(fields) if fields is not None else list(getattr(model, "PERSONAL_FIELDS", ()))
    if not names:
        return
    for fn in list(_listeners):
        fn(
            user,
            model,
            list(ids),
            names,
            customer_ids=list(customer_ids),
            purpose=purpose,
            path=path,
            count=count,
        )


PURPOSE_HEADER = "X-Purpose"  # an API client may say why it reads personal data; logged with the view


def customers_of(model: Any, ids: Iterable[Any]) -> list[Any]:
    """The customers the records belong to (the access log is searchable by customer)."""
    ids = list(ids)
    if model._meta.label_lower == "org.customer":
        return ids
    if not any(f.name == "customer" for f in model._meta.get_fields()):
        return []
    return [c for c in model._default_manager.filter(pk__in=ids).values_list("customer_id", flat=True) if c]


def note_shown(request: Any, model: Any, ids: Iterable[Any], fields: Iterable[str] | None = None) -> None:
    """:func:`note_unmasked` for what a page or API response of ``request`` showed: the records ``ids`` of
    ``model`` with their personal ``fields`` (default: all of them). Free for users who see masked values."""
    user = getattr(request, "user", None)
    ids = list(ids)
    if not ids or not _listeners or not can_see_personal(user):
        return
    headers = getattr(request, "headers", None)
    note_unmasked(
        user,
        model,
        ids,
        fields,
        customer_ids=customers_of(model, ids),
        purpose=headers.get(PURPOSE_HEADER, "") if headers is not None else "",
        path=str(getattr(request, "path", ""))[:255],
    )
