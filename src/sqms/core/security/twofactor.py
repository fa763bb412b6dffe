"""Two-factor sign-in with time-based one-time passwords (django-otp's TOTP devices).

Anyone may enrol at ``/core/2fa/`` (a QR code rendered on the server with segno, so it works offline).
A signed-in user who has a confirmed device must enter a code once per session before using the back
office or the session API; users in the roles of ``SQMS_REQUIRE_2FA_ROLES`` (superusers count as
``system_admin``) are sent to enrol first. API tokens are separate credentials and are not affected.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

EXEMPT_PREFIXES = ("/core/2fa/", "/admin/logout/", "/admin/login/", "/i18n/", "/static/", "/healthz")


def _roles(user: Any) -> set[str]:
    from sqms.core.scoping import scope_for

    roles = set(scope_for(user).roles)
    if user.is_superuser:
        roles.add("system_admin")
    return roles


def required_for(user: Any) -> bool:
    """Whether the user's roles oblige two-factor sign-in."""
    required = set(getattr(settings, "SQMS_REQUIRE_2FA_ROLES", []) or [])
    return bool(required and user.is_authenticated and required & _roles(user))


def has_device(user: Any) -> bool:
    from django_otp import user_has_device

    return bool(user.is_authenticated and user_has_device(user, confirmed=True))


class RequireTwoFactorMiddleware:
    """After django-otp's middleware: hold back an unverified session until the code is entered."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        path = request.path
        if (
            user is not None
            and user.is_authenticated
            and not path.startswith(EXEMPT_PREFIXES)
            and not getattr(request, "_sqms_token_auth", False)
            and not _verified(user)
        ):
            enrolled = has_device(user)
            if enrolled or required_for(user):
                if path.startswith("/api/"):
                    if request.headers.get("Authorization") or request.headers.get("X-API-Key"):
                        return self.get_response(request)  # a token request; the session is not used
                    return JsonResponse(
                        {
                            "error": {
                                "code": "two_factor_required",
                                "message": _("Enter your two-factor code in the back office first."),
                                "fields": {},
                            }
                        },
                        status=401,
                    )
                target = "sqms_2fa_verify" if enrolled else "sqms_2fa_setup"
                return HttpResponseRedirect(f"{reverse('core:' + target)}?next={request.get_full_path()}")
        return self.get_response(request)


def _verified(user: Any) -> bool:
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("admin:index")
    return target


def qr_svg(data: str) -> str:
    """An inline SVG QR code (rendered here, no external service)."""
    import segno

    return str(segno.make(data, error="m").svg_inline(scale=5, dark="#111827", light="#ffffff"))
