"""Authentication hardening: django-axes lock-out responses (JSON for the API, a page otherwise), the
password-for-token exchange that goes through axes, and API token scoping by module."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

log = logging.getLogger("sqms.security")


def lockout_minutes() -> int:
    return round(float(getattr(settings, "AXES_COOLOFF_TIME", 0.5) or 0) * 60)


def lockout_response(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """What a locked-out sign-in gets (AXES_LOCKOUT_CALLABLE)."""
    message = _(
        "Too many failed sign-in attempts. This account is locked from your address for %(n)s minutes."
    ) % {"n": lockout_minutes()}
    log.warning("login locked out: ip=%s path=%s", client_ip(request), request.path)
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": "locked_out", "message": message, "fields": {}}}, status=429)
    context = {"title": _("Sign-in locked"), "message": message}
    response = TemplateResponse(request, "sqms/locked_out.html", context, status=429)
    return response.render()


def client_ip(request: HttpRequest) -> str:
    """The caller's address. Behind a proxy set SQMS_TRUSTED_PROXY_HEADER (e.g. HTTP_X_REAL_IP)."""
    header = getattr(settings, "SQMS_TRUSTED_PROXY_HEADER", "")
    if header and request.META.get(header):
        return str(request.META[header]).split(",")[0].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


def app_of_request(request: HttpRequest) -> str | None:
    """The app label ("feedback", "core" …) of the ninja operation a request is routed to."""
    match = getattr(request, "resolver_match", None)
    func = getattr(match, "func", None)
    path_view = None
    for cell in getattr(func, "__closure__", None) or ():
        if hasattr(cell.cell_contents, "_find_operation"):
            path_view = cell.cell_contents
    if path_view is None:
        return None
    operation = path_view._find_operation(request)
    if operation is None:
        return None
    module = getattr(operation.view_func, "__module__", "")
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[0] == "sqms" else None


def token_module_labels() -> list[str]:
    """The module names a token can be restricted to: every SQMS app."""
    from django.apps import apps

    return sorted(c.label for c in apps.get_app_configs() if c.name.startswith("sqms."))
