"""A web request whose database stayed locked through every retry answers 503 with Retry-After, not 500:
nothing was written (the transaction rolled back), and the client may simply send it again."""

from __future__ import annotations

from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from sqms.core.db.sqlite3.base import is_locked


class DatabaseBusyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not (isinstance(exception, OperationalError) and is_locked(exception)):
            return None
        message = _(
            "The system is busy writing a large batch; nothing was saved. Please try again in a moment."
        )
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse({"error": {"code": "busy", "message": message}}, status=503)
        else:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = "5"
        return response
