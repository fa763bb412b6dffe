"""Request id and language selection."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from sqms.core.context import new_request_id, reset_request_id, set_request_id

_SAFE_ID = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")
LANGUAGE_COOKIE = "django_language"


class RequestIdMiddleware:
    """Every request gets an id (the caller's X-Request-ID if it is sane) that audit entries record."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else new_request_id()
        request.request_id = request_id  # type: ignore[attr-defined]
        token = set_request_id(request_id)
        try:
            response = self.get_response(request)
        finally:
            reset_request_id(token)
        response["X-Request-ID"] = request_id
        return response


def _supported(code: str | None) -> str | None:
    if not code:
        return None
    code = code.lower().replace("_", "-")
    for lang, _name in settings.LANGUAGES:
        if code == lang or code.split("-")[0] == lang.split("-")[0]:
            return lang
    return None


def language_for(request: HttpRequest) -> str:
    """The user's saved preference, then the language cookie; Accept-Language is honoured for the API
    only, so a Chinese organisation's pages stay Chinese whatever the browser says."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        pref = getattr(user, "preference", None) if hasattr(user, "preference") else None
        if pref is not None and _supported(pref.language):
            return pref.language
    cookie = _supported(request.COOKIES.get(LANGUAGE_COOKIE))
    if cookie:
        return cookie
    if request.path.startswith("/api/"):
        accept = translation.get_language_from_request(request, check_path=False)
        if _supported(accept):
            return _supported(accept) or settings.LANGUAGE_CODE
    return settings.LANGUAGE_CODE


class CurrentUserLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        lang = language_for(request)
        translation.activate(lang)
        request.LANGUAGE_CODE = lang  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", lang)
        response.headers.setdefault("Vary", "Cookie")
        translation.deactivate()
        return response
