"""A generic rate limiter for public pages, webhook receivers and API tokens (Django cache, so it is
shared by every web process when the cache is Redis or files).

``@rate_limit("complaint-form")`` on a view allows ``SQMS_RATE_LIMITS[name]`` = (requests, seconds) per
client address (or per API token when the request carries one) and answers 429 with ``Retry-After``
beyond it; it also refuses bodies larger than ``SQMS_PUBLIC_MAX_BODY`` bytes with 413. Fixed windows:
simple, cheap, and enough against scripted abuse.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "complaint-form": (20, 600),
    "complaint-track": (120, 600),
    "survey-page": (300, 600),
    "webhook": (600, 60),
    "api-token": (3000, 60),
}


def limits() -> dict[str, tuple[int, int]]:
    """The defaults, overridden by ``SQMS_RATE_LIMITS`` ("complaint-form=20/600,webhook=600/60"; 0 = off)."""
    out = dict(DEFAULT_LIMITS)
    configured = getattr(settings, "SQMS_RATE_LIMITS", "")
    for item in configured.split(",") if isinstance(configured, str) else []:
        name, _sep, spec = item.strip().partition("=")
        count, _sep, seconds = spec.partition("/")
        if name and count.strip().isdigit():
            out[name.strip()] = (int(count), int(seconds) if seconds.strip().isdigit() else 60)
    if isinstance(configured, dict):
        out.update(configured)
    return out


def _who(request: HttpRequest) -> str:
    from sqms.core.security.auth import client_ip

    auth = request.headers.get("Authorization", "") or request.headers.get("X-API-Key", "")
    if auth:
        return "t:" + hashlib.sha256(auth.encode()).hexdigest()[:24]
    return "ip:" + client_ip(request)


def hit(name: str, who: str) -> tuple[bool, int]:
    """Count one request of ``who`` under the limit ``name``; (allowed, seconds until the window ends)."""
    count, window = limits().get(name, (0, 60))
    if count <= 0:
        return True, 0
    now = int(time.time())
    slot = now // window
    key = f"sqms:rl:{name}:{who}:{slot}"
    cache.add(key, 0, timeout=window + 5)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 5)
        used = 1
    return used <= count, (slot + 1) * window - now


def too_large(request: HttpRequest) -> bool:
    limit = int(getattr(settings, "SQMS_PUBLIC_MAX_BODY", 2 * 1024 * 1024))
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return limit > 0 and length > limit


def rate_limit(name: str, methods: tuple[str, ...] = ("GET", "POST")) -> Callable[[Any], Any]:
    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in methods:
                if too_large(request):
                    return _refuse(request, 413, _("The request is too large."))
                ok, retry = hit(name, _who(request))
                if not ok:
                    response = _refuse(request, 429, _("Too many requests. Please try again later."))
                    response["Retry-After"] = str(max(1, retry))
                    return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def _refuse(request: HttpRequest, status: int, message: str) -> HttpResponse:
    if request.path.startswith("/api/") or "json" in request.headers.get("Content-Type", ""):
        code = "rate_limited" if status == 429 else "too_large"
        return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
