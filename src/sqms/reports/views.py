"""Back-office pages (report archive and generation, transparency publications) and the public
transparency page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sqms.core.errors import DomainError, NotFound
from sqms.reports import selectors, services
from sqms.reports.models import Publication, ReportKind


def _units(user: Any) -> Any:
    from sqms.org.selectors import units

    return units(user).filter(archived_at__isnull=True, depth__lte=4).order_by("path")


@staff_member_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.has_perm("reports.view_reportsnapshot"):
        raise PermissionDenied
    form: dict[str, Any] = {"period": "", "quarter": False, "unit": ""}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form = {
            "period": request.POST.get("period", "").strip(),
            "quarter": request.POST.get("quarter") == "1",
            "unit": request.POST.get("unit", "").strip(),
        }
        try:
            period = services.parse_period(form["period"], quarter=form["quarter"])
            unit = services.unit_for(user, form["unit"])
            snap = services.generate_report(actor=user, period=period, unit=unit)
        except DomainError as exc:
            errors = exc.fields or {"__all__": [exc.message]}
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("Generated %(title)s, version %(v)s.") % {"title": snap.title, "v": snap.version}
            )
            return HttpResponseRedirect(reverse("reports:detail", args=[snap.pk]))
    context = {
        **admin.site.each_context(request),
        "title": _("Quality reports"),
        "snapshots": selectors.snapshots(user)[:200],
        "units": _units(user),
        "form": form,
        "errors": errors,
        "can_generate": user.has_perm("reports.add_reportsnapshot"),
    }
    return render(request, "reports/index.html", context, status=422 if errors else 200)


@staff_member_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("reports.view_reportsnapshot"):
        raise PermissionDenied
    try:
        snap = selectors.snapshot(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    versions = selectors.snapshots(request.user).filter(
        kind=snap.kind, period_key=snap.period_key, org_unit=snap.org_unit
    )
    context = {
        **admin.site.each_context(request),
        "title": snap.title,
        "snap": snap,
        "report": snap.data,
        "versions": versions,
    }
    return render(request, "reports/detail.html", context)


@staff_member_required
def download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if not request.user.has_perm("reports.view_reportsnapshot") or fmt not in ("pdf", "xlsx"):
        raise Http404
    try:
        snap = selectors.snapshot(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    f = snap.pdf if fmt == "pdf" else snap.xlsx
    if not f:
        raise Http404
    ctype = (
        "application/pdf"
        if fmt == "pdf"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f.name.rsplit("/", 1)[-1]
    return FileResponse(f.open("rb"), content_type=ctype, as_attachment=fmt == "xlsx", filename=name)


@staff_member_required
def publications(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.has_perm("reports.view_publication"):
        raise PermissionDenied
    form: dict[str, Any] = {"period": "", "quarter": False, "min_group_size": "30"}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form = {
            "period": request.POST.get("period", "").strip(),
            "quarter": request.POST.get("quarter") == "1",
            "min_group_size": request.POST.get("min_group_size", "30").strip(),
        }
        try:
            period = services.parse_period(form["period"], quarter=form["quarter"])
            try:
                n = int(form["min_group_size"])
            except ValueError as exc:
                raise services.ValidationFailed(
                    _("Minimum group size: enter a whole number."),
                    fields={"min_group_size": [_("Enter a whole number of at least 1.")]},
                ) from exc
            pub = services.publish(actor=user, period=period, min_group_size=n)
        except DomainError as exc:
            errors = exc.fields or {"__all__": [exc.message]}
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Published %(p)s.") % {"p": pub})
            return HttpResponseRedirect(reverse("reports:publications"))
    context = {
        **admin.site.each_context(request),
        "title": _("Transparency publications"),
        "publications": selectors.publications(user),
        "form": form,
        "errors": errors,
        "can_publish": user.has_perm("reports.change_publication"),
    }
    return render(request, "reports/publications.html", context, status=422 if errors else 200)


@staff_member_required
@require_POST
def unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    pub = selectors.publications(request.user).filter(pk=pk).first()
    if pub is None:
        raise Http404
    try:
        services.unpublish(actor=request.user, publication=pub)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Withdrew %(p)s from the transparency page.") % {"p": pub})
    return HttpResponseRedirect(reverse("reports:publications"))


# --- public ---------------------------------------------------------------------------------------------


def transparency(request: HttpRequest, kind: str = "", key: str = "") -> HttpResponse:
    """No login: the published periods and the frozen figures of one (the latest by default)."""
    periods = list(selectors.published())
    if kind or key:
        if kind not in ReportKind.values:
            raise Http404
        try:
            pub: Publication | None = selectors.published_period(kind, key)
        except NotFound as exc:
            raise Http404 from exc
    else:
        pub = periods[0] if periods else None
    return render(
        request,
        "reports/transparency.html",
        {"periods": periods, "pub": pub, "data": pub.data if pub else None},
    )


def dashboard_card(request: HttpRequest) -> dict[str, Any] | None:
    user = request.user
    if not user.has_perm("reports.view_reportsnapshot"):
        return None
    snaps = selectors.snapshots(user)
    latest = snaps.first()
    url = reverse("reports:index")
    figures = [{"label": _("Reports archived"), "value": snaps.count(), "url": url}]
    if user.has_perm("reports.view_publication"):
        figures.append(
            {
                "label": _("Published periods"),
                "value": selectors.published().count(),
                "url": reverse("reports:publications"),
            }
        )
    return {
        "title": _("Quality reports"),
        "figures": figures,
        "note": (_("Latest: %(t)s") % {"t": latest}) if latest else _("No report generated yet."),
        "link": {"label": _("Public transparency page"), "url": reverse("reports:transparency")},
    }
