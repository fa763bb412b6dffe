"""Back-office pages: the access log, a customer's personal data (export, erase with confirmation)."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sqms.core.errors import DomainError, Forbidden, NotFound
from sqms.privacy import selectors, services
from sqms.privacy.registry import registers


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _customer_or_404(request: HttpRequest, customer_id: int):  # type: ignore[no-untyped-def]
    try:
        return selectors.customer(request.user, customer_id)
    except Forbidden as exc:
        raise PermissionDenied from exc
    except NotFound as exc:
        raise Http404 from exc


@staff_member_required
def home(request: HttpRequest) -> HttpResponse:
    """The access log of unmasked personal data, filterable by user, customer and date."""
    try:
        qs = selectors.access_log(
            request.user,
            username=request.GET.get("user") or None,
            customer=int(request.GET["customer"]) if request.GET.get("customer", "").isdigit() else None,
            date_from=_date(request.GET.get("from")),
            date_to=_date(request.GET.get("to")),
        )
    except Forbidden as exc:
        raise PermissionDenied from exc
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    can_handle = request.user.has_perm(selectors.HANDLE)
    recent = selectors.requests(request.user)[:20] if can_handle else []
    customers = []
    q = (request.GET.get("q") or "").strip()
    if can_handle and q:
        from sqms.core.scoping import scoped
        from sqms.org.models import Customer

        base = scoped(request.user, Customer.objects.all())
        customers = list(
            (
                base.filter(pk=int(q))
                if q.isdigit()
                else base.filter(name__icontains=q) | base.filter(phone=q)
            )[:20]
        )
    context = {
        **admin.site.each_context(request),
        "title": _("Personal data protection"),
        "page": page,
        "filters": request.GET,
        "can_handle": can_handle,
        "recent": recent,
        "customers": customers,
        "q": q,
    }
    return render(request, "privacy/home.html", context)


@staff_member_required
def customer_page(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _customer_or_404(request, customer_id)
    counts = [(reg.label, reg.of_customer(customer).count()) for reg in registers()]
    context = {
        **admin.site.each_context(request),
        "title": _("Personal data of %(name)s") % {"name": customer.name},
        "customer": customer,
        "counts": counts,
        "requests": selectors.requests(request.user, customer.pk),
    }
    return render(request, "privacy/customer.html", context)


@staff_member_required
@require_POST
def export_view(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _customer_or_404(request, customer_id)
    req = services.export_customer(
        actor=request.user, customer=customer, reason=request.POST.get("reason", "")
    )
    return _download(req)


def _download(req) -> HttpResponse:  # type: ignore[no-untyped-def]
    response = HttpResponse(services.export_json(req), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="privacy-export-{req.customer_id}-{req.pk}.json"'
    return response


@staff_member_required
def download_view(request: HttpRequest, request_id: int) -> HttpResponse:
    try:
        req = selectors.request(request.user, request_id)
    except Forbidden as exc:
        raise PermissionDenied from exc
    except NotFound as exc:
        raise Http404 from exc
    if not req.result_file:
        raise Http404
    return _download(req)


@staff_member_required
def erase_view(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Erasure with a confirmation step: the reason and a tick are required."""
    customer = _customer_or_404(request, customer_id)
    error = ""
    if request.method == "POST":
        reason = (request.POST.get("reason") or "").strip()
        if request.POST.get("confirm") != "yes":
            error = _("Tick the box to confirm the erasure.")
        elif not reason:
            error = _("Give the reason for the erasure.")
        else:
            try:
                req = services.erase_customer(actor=request.user, customer=customer, reason=reason)
            except DomainError as exc:
                error = exc.message
            else:
                messages.success(
                    request,
                    _("The personal data of customer #%(id)s was anonymised (request #%(req)s).")
                    % {"id": customer.pk, "req": req.pk},
                )
                return redirect("privacy:customer", customer_id=customer.pk)
    context = {
        **admin.site.each_context(request),
        "title": _("Erase the personal data of %(name)s") % {"name": customer.name},
        "customer": customer,
        "counts": [(reg.label, reg.of_customer(customer).count()) for reg in registers()],
        "error": error,
        "reason": request.POST.get("reason", ""),
    }
    return render(request, "privacy/erase.html", context, status=400 if error else 200)
