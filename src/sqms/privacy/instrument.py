"""Reporting unmasked personal data shown by other apps' pages, API reads and exports.

The privacy app sits above every other app, so it wraps their read boundaries here (admin change
list and change page, the API's list/detail reads, the registered exports) and reports each response
once with :func:`sqms.core.masking.note_unmasked` — one access-log row per request and model. Apps that
show personal data elsewhere call ``note_unmasked`` themselves.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.apps import apps
from django.contrib.admin.utils import unquote

from sqms.core.masking import can_see_personal, note_unmasked

# (module, view function name, model label): API reads that return unmasked personal fields
API_READS: list[tuple[str, str, str]] = [
    ("sqms.org.api", "list_customers", "org.Customer"),
    ("sqms.org.api", "get_customer", "org.Customer"),
    ("sqms.org.api", "list_staff", "org.Staff"),
    ("sqms.org.api", "get_staff", "org.Staff"),
    ("sqms.feedback.api", "list_tickets", "feedback.Ticket"),
    ("sqms.feedback.api", "get_ticket", "feedback.Ticket"),
]
# export kind → model label: registered exports that contain personal fields
EXPORTS: dict[str, str] = {"customers": "org.Customer", "staff": "org.Staff", "feedback": "feedback.Ticket"}

PURPOSE_HEADER = "X-Purpose"


def _path(request: Any) -> str:
    return str(getattr(request, "path", ""))[:255]


def customers_of(model: Any, ids: Sequence[Any]) -> list[Any]:
    """The customers the records belong to (for filtering the log by customer)."""
    if model._meta.label_lower == "org.customer":
        return list(ids)
    try:
        model._meta.get_field("customer")
    except Exception:
        return []
    return [c for c in model._default_manager.filter(pk__in=ids).values_list("customer_id", flat=True) if c]


def report(request: Any, model: Any, ids: Sequence[Any], fields: Iterable[str] | None = None) -> None:
    user = getattr(request, "user", None)
    if not ids or not can_see_personal(user):
        return
    note_unmasked(
        user,
        model,
        ids,
        fields,
        customer_ids=customers_of(model, ids),
        purpose=request.headers.get(PURPOSE_HEADER, "") if hasattr(request, "headers") else "",
        path=_path(request),
    )


# --- admin -------------------------------------------------------------------------------------------------
def _personal_shown(model_admin: Any, request: Any, names: Iterable[Any]) -> list[str]:
    personal = set(getattr(model_admin.model, "PERSONAL_FIELDS", ()))
    return [n for n in names if isinstance(n, str) and n in personal]


def instrument_admin(model_admin: Any) -> None:
    if getattr(model_admin, "_privacy_instrumented", False):
        return
    model = model_admin.model
    changelist_view, change_view = model_admin.changelist_view, model_admin.change_view

    @functools.wraps(changelist_view)
    def logged_changelist(request: Any, extra_context: Any = None) -> Any:
        response = changelist_view(request, extra_context)
        if can_see_personal(getattr(request, "user", None)) and getattr(response, "status_code", 0) == 200:
            cl = (getattr(response, "context_data", None) or {}).get("cl")
            if cl is not None:
                fields = _personal_shown(model_admin, request, cl.list_display)
                if fields:
                    report(request, model, [o.pk for o in cl.result_list], fields)
        return response

    @functools.wraps(change_view)
    def logged_change(request: Any, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        response = change_view(request, object_id, form_url, extra_context)
        if (
            request.method == "GET"
            and getattr(response, "status_code", 0) == 200
            and can_see_personal(getattr(request, "user", None))
        ):
            pk = model._meta.pk.to_python(unquote(object_id))
            report(request, model, [pk], getattr(model, "PERSONAL_FIELDS", ()))
        return response

    model_admin.changelist_view = logged_changelist
    model_admin.change_view = logged_change
    model_admin._privacy_instrumented = True


def instrument_admins() -> None:
    from django.contrib import admin

    for model, model_admin in admin.site._registry.items():
        if getattr(model, "PERSONAL_FIELDS", ()):
            instrument_admin(model_admin)


# --- API -------------------------------------------------------------------------------------------------------
def _ids_in(result: Any) -> list[Any]:
    if isinstance(result, tuple) and len(result) == 2:  # (status, body)
        result = result[1]
    body = getattr(result, "value", result)  # ninja Status
    if isinstance(body, dict) and isinstance(body.get("items"), list):
        return [i.get("id") for i in body["items"] if isinstance(i, dict) and i.get("id") is not None]
    if isinstance(body, dict) and body.get("id") is not None:
        return [body["id"]]
    return []


def instrument_operation(operation: Any, model_label: str) -> None:
    view = operation.view_func
    if getattr(view, "_privacy_instrumented", False):
        return

    @functools.wraps(view)
    def logged(request: Any, *args: Any, **kwargs: Any) -> Any:
        result = view(request, *args, **kwargs)
        if can_see_personal(getattr(request, "user", None)):
            report(request, apps.get_model(model_label), _ids_in(result))
        return result

    logged._privacy_instrumented = True  # type: ignore[attr-defined]
    operation.view_func = logged


def instrument_api() -> None:
    import importlib

    wanted = {(mod, name): label for mod, name, label in API_READS}
    for mod in {m for m, _n, _l in API_READS}:
        router = importlib.import_module(mod).router
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                label = wanted.get((mod, operation.view_func.__name__))
                if label:
                    instrument_operation(operation, label)


# --- exports -------------------------------------------------------------------------------------------------
def instrument_exports() -> None:
    from sqms.core.io import EXPORT_KINDS

    for kind, label in EXPORTS.items():
        spec = EXPORT_KINDS.get(kind)
        if spec is None or getattr(spec.build, "_privacy_instrumented", False):
            continue
        build = spec.build

        def logged(user: Any, _build: Any = build, _label: str = label) -> Any:
            headers, rows = _build(user)
            if not can_see_personal(user):
                return headers, rows

            def counted() -> Iterator[Any]:
                n = 0
                for row in rows:
                    n += 1
                    yield row
                note_unmasked(user, apps.get_model(_label), [], None, count=n, purpose="export")

            return headers, counted()

        logged._privacy_instrumented = True  # type: ignore[attr-defined]
        spec.build = logged


def instrument_all() -> None:
    instrument_admins()
    instrument_api()
    instrument_exports()
