"""Back-office pages of the security features: two-factor enrolment and verification."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.models import AuditAction
from sqms.core.security.twofactor import has_device, qr_svg, required_for, safe_next


def _context(request: HttpRequest, title: str, **extra: object) -> dict[str, object]:
    return {**admin.site.each_context(request), "title": title, "next": safe_next(request), **extra}


def _real(user: object) -> object:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=user.pk)  # type: ignore[attr-defined]


def _code(request: HttpRequest) -> str:
    return "".join(ch for ch in request.POST.get("code", "") if ch.isdigit())[:8]


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Enrol a TOTP authenticator: scan the QR code, then confirm with one code."""
    from django_otp import login as otp_login
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = request.user
    if has_device(user):
        if not _verified(request):
            return HttpResponseRedirect("../verify/")
        return render(
            request,
            "sqms/two_factor_setup.html",
            _context(request, _("Two-factor sign-in"), enabled=True, required=required_for(user)),
        )
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)
    error = ""
    if request.method == "POST":
        if device.verify_token(_code(request)):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                TOTPDevice.objects.filter(user=user, confirmed=False).delete()
                audit.record(
                    actor=user,
                    action=AuditAction.ACTION,
                    instance=_real(user),
                    verb=_("Two-factor sign-in enabled"),
                )
            otp_login(request, device)
            messages.success(request, _("Two-factor sign-in is on for your account."))
            return HttpResponseRedirect(safe_next(request))
        error = _("The code is wrong or has expired; enter the current 6-digit code.")
    secret = device.config_url.split("secret=")[1].split("&")[0]
    return render(
        request,
        "sqms/two_factor_setup.html",
        _context(
            request,
            _("Two-factor sign-in"),
            qr=qr_svg(device.config_url),
            secret=secret,
            error=error,
            required=required_for(user),
        ),
    )


def _verified(request: HttpRequest) -> bool:
    check = getattr(request.user, "is_verified", None)
    return bool(check and check())


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in for a user with an authenticator."""
    from django_otp import login as otp_login
    from django_otp import match_token

    if not has_device(request.user):
        return HttpResponseRedirect("../setup/")
    error = ""
    if request.method == "POST":
        device = match_token(request.user, _code(request))
        if device is not None:
            otp_login(request, device)
            return HttpResponseRedirect(safe_next(request))
        error = _("The code is wrong or has expired; enter the current 6-digit code.")
    return render(
        request,
        "sqms/two_factor_verify.html",
        _context(request, _("Enter your two-factor code"), error=error),
    )


@login_required
def disable(request: HttpRequest) -> HttpResponse:
    """Turn two-factor sign-in off (POST with a current code); not allowed where a role requires it."""
    from django_otp import devices_for_user, match_token

    if request.method != "POST":
        return HttpResponseRedirect("../setup/")
    user = request.user
    if required_for(user):
        messages.error(request, _("Your role requires two-factor sign-in; it cannot be turned off."))
    elif match_token(user, _code(request)) is None:
        messages.error(request, _("The code is wrong or has expired; enter the current 6-digit code."))
    else:
        with transaction.atomic():
            for device in devices_for_user(user, confirmed=None):
                device.delete()
            audit.record(
                actor=user,
                action=AuditAction.ACTION,
                instance=_real(user),
                verb=_("Two-factor sign-in disabled"),
            )
        messages.success(request, _("Two-factor sign-in is off for your account."))
    return HttpResponseRedirect(safe_next(request))
