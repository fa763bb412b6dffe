"""Platform pages: language switch (saved per user), comments on any record, health."""

from __future__ import annotations

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from sqms.core import selectors, services
from sqms.core.errors import DomainError, NotFound
from sqms.core.middleware import LANGUAGE_COOKIE
from sqms.core.models import UserPreference


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return target


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the UI language; for a signed-in user the choice is saved and follows him to every session."""
    lang = request.POST.get("language", "")
    if lang not in dict(settings.LANGUAGES):
        lang = settings.LANGUAGE_CODE
    if request.user.is_authenticated:
        UserPreference.objects.update_or_create(user=request.user, defaults={"language": lang})
    response = HttpResponseRedirect(_next(request))
    response.set_cookie(LANGUAGE_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax")
    return response


@login_required
@staff_member_required
@require_POST
def add_comment(request: HttpRequest, ct_id: int, object_id: str) -> HttpResponse:
    from django.contrib import messages

    try:
        obj = selectors.visible_record(request.user, ContentType.objects.filter(pk=ct_id).first(), object_id)
    except NotFound:
        raise Http404 from None
    try:
        services.add_comment(
            obj,
            actor=request.user,
            body=request.POST.get("body", ""),
            internal=request.POST.get("internal", "1") == "1",
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(_next(request))


def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
