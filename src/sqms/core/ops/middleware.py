"""Request latency metric by route name, the per-request log line and the user/path log context."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from sqms.core.ops import logging as ops_logging
from sqms.core.ops import metrics

log = logging.getLogger("sqms.request")
_QUIET = ("/healthz", "/readyz", "/metrics", "/static/")


def route_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unmatched>"
    if match.view_name:
        return str(match.view_name)
    return str(match.route or "<unnamed>")


class OpsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        tokens = ops_logging.set_request(None, request.path)
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            return response
        finally:
            seconds = time.perf_counter() - start
            user = getattr(request, "user", None)
            user_id = user.pk if user is not None and getattr(user, "is_authenticated", False) else None
            ops_logging.set_user(user_id)
            route = route_name(request)
            metrics.observe_request(route, request.method or "", status, seconds)
            if not request.path.startswith(_QUIET):
                log.info(
                    "%s %s %s %.1fms",
                    request.method,
                    request.path,
                    status,
                    seconds * 1000,
                    extra={
                        "status": status,
                        "method": request.method,
                        "route": route,
                        "duration_ms": round(seconds * 1000, 1),
                        "remote_addr": request.META.get("REMOTE_ADDR"),
                    },
                )
            ops_logging.reset_request(tokens)
