"""Public pages (complaint form, tracking with the follow-up rating) and the back-office analysis page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from sqms.core.errors import DomainError
from sqms.core.security.ratelimit import rate_limit
from sqms.feedback import analysis, services
from sqms.feedback.models import Channel, Kind, ServiceCategory, Status, Ticket
from sqms.org.models import OrgUnit

RATE_LIMIT = 5  # complaints per IP address
RATE_WINDOW = 3600  # seconds

PUBLIC_KINDS = [
    (Kind.COMPLAINT, gettext_lazy("Complaint")),
    (Kind.SUGGESTION, gettext_lazy("Suggestion")),
    (Kind.COMPLIMENT, gettext_lazy("Compliment")),
    (Kind.INQUIRY, gettext_lazy("Inquiry")),
]


class ComplaintForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Type"), choices=PUBLIC_KINDS, widget=forms.RadioSelect, initial=Kind.COMPLAINT
    )
    org_unit = forms.ModelChoiceField(
        label=gettext_lazy("Service outlet or unit"),
        queryset=OrgUnit.objects.none(),
        empty_label=gettext_lazy("Choose…"),
    )
    category = forms.ModelChoiceField(
        label=gettext_lazy("Topic (optional)"),
        required=False,
        queryset=ServiceCategory.objects.none(),
        empty_label=gettext_lazy("Not sure"),
    )
    title = forms.CharField(label=gettext_lazy("Subject"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("What happened?"), widget=forms.Textarea, max_length=5000
    )
    contact_name = forms.CharField(label=gettext_lazy("Your name"), max_length=60)
    contact_phone = forms.RegexField(
        label=gettext_lazy("Mobile phone"),
        regex=r"^\+?[0-9][0-9\- ]{5,19}$",
        error_messages={"invalid": gettext_lazy("Enter a valid phone number.")},
    )
    contact_email = forms.EmailField(label=gettext_lazy("E-mail (optional)"), required=False)
    attachment = forms.FileField(
        label=gettext_lazy("Photo or document (optional)"),
        required=False,
        help_text=gettext_lazy(
            "At most 10 MB: a photo, PDF, Word or Excel file, a recording or a text file."
        ),
    )
    website = forms.CharField(required=False, label="Website")  # honeypot: people leave it empty

    def clean_attachment(self) -> Any:
        from django.core.exceptions import ValidationError

        from sqms.feedback.models import validate_attachment

        f = self.cleaned_data.get("attachment")
        if f:
            try:
                validate_attachment(f)
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages) from exc
        return f

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = (
            OrgUnit.objects.active()
            .filter(active=True, kind__in=["branch", "outlet", "department"])
            .order_by("path")
        )
        self.fields["category"].queryset = ServiceCategory.objects.active().filter(kind="category")


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _rate_limited(request: HttpRequest) -> bool:
    key = f"feedback:complaint-rate:{client_ip(request)}"
    count = cache.get(key, 0)
    if count >= RATE_LIMIT:
        return True
    if count == 0:
        cache.set(key, 1, RATE_WINDOW)
    else:
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, RATE_WINDOW)
    return False


@rate_limit("complaint-form", methods=("POST",))
@require_http_methods(["GET", "POST"])
def complaint_new(request: HttpRequest) -> HttpResponse:
    """Public complaint/suggestion form; returns the ticket number and verification code."""
    form = ComplaintForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if request.POST.get("website"):  # honeypot filled: pretend success, store nothing
            return render(request, "feedback/public_done.html", {"ticket": None})
        if _rate_limited(request):
            resp = render(
                request,
                "feedback/public_new.html",
                {"form": form, "error": _("Too many submissions from your network. Please try again later.")},
            )
            resp.status_code = 429
            return resp
        if form.is_valid():
            d = form.cleaned_data
            try:
                with transaction.atomic():
                    ticket = _create_public(d)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                return render(request, "feedback/public_done.html", {"ticket": ticket})
    return render(request, "feedback/public_new.html", {"form": form})


def _create_public(d: dict[str, Any]) -> Ticket:
    """The ticket of the public form and its optional attachment, together or not at all."""
    ticket, _created = services.create_ticket(
        actor=None,
        public=True,
        data={
            "kind": d["kind"],
            "org_unit": d["org_unit"],
            "category": d["category"],
            "title": d["title"],
            "description": d["description"],
            "contact_name": d["contact_name"],
            "contact_phone": d["contact_phone"],
            "contact_email": d["contact_email"],
            "channel": Channel.WEB,
        },
    )
    if d.get("attachment"):
        services.add_attachment(ticket, actor=None, file=d["attachment"], by_customer=True)
    return ticket


class FollowupForm(forms.Form):
    resolved = forms.TypedChoiceField(
        label=gettext_lazy("Is your problem resolved?"),
        coerce=lambda v: v == "1",
        choices=[("1", gettext_lazy("Resolved")), ("0", gettext_lazy("Not resolved"))],
        widget=forms.RadioSelect,
    )
    score = forms.TypedChoiceField(
        label=gettext_lazy("How satisfied are you?"),
        coerce=int,
        widget=forms.RadioSelect,
        choices=[
            (5, gettext_lazy("5 very satisfied")),
            (4, gettext_lazy("4 satisfied")),
            (3, gettext_lazy("3 fairly satisfied")),
            (2, gettext_lazy("2 dissatisfied")),
            (1, gettext_lazy("1 very dissatisfied")),
        ],
    )
    reasons = forms.CharField(
        label=gettext_lazy("Reasons (optional)"), required=False, widget=forms.Textarea, max_length=2000
    )


@rate_limit("complaint-track")
@require_http_methods(["GET", "POST"])
def complaint_track(request: HttpRequest) -> HttpResponse:
    """Tracking by number + verification code: status, replies, and at resolution the follow-up rating."""
    number = (request.POST.get("number") or request.GET.get("number") or "").strip()
    code = (request.POST.get("code") or request.GET.get("code") or "").strip()
    ctx: dict[str, Any] = {"number": number, "code": code}
    ticket: Ticket | None = None
    if number or code:
        if _lookup_limited(request):
            ctx["error"] = _("Too many attempts. Please try again later.")
            return render(request, "feedback/public_track.html", ctx, status=429)
        try:
            ticket = services.find_for_customer(number, code)
        except DomainError as exc:
            ctx["error"] = exc.message
    if ticket is not None and request.method == "POST" and request.POST.get("followup"):
        form = FollowupForm(request.POST)
        if form.is_valid():
            try:
                ticket = services.customer_followup(
                    ticket,
                    resolved=form.cleaned_data["resolved"],
                    score=form.cleaned_data["score"],
                    reasons=form.cleaned_data["reasons"],
                )
                ctx["thanks"] = True
            except DomainError as exc:
                ctx["error"] = exc.message
        ctx["followup_form"] = form
    if ticket is not None:
        ctx["ticket"] = ticket
        ctx["replies"] = ticket.events.filter(public=True).order_by("at", "id")
        ctx.setdefault("followup_form", FollowupForm())
        ctx["can_follow_up"] = ticket.status == Status.RESOLVED
        rating = ticket.ratings.first()
        ctx["rating"] = rating
        ctx["attachments"] = ticket.attachments.filter(public=True, archived_at__isnull=True)
    return render(request, "feedback/public_track.html", ctx)


@require_http_methods(["GET"])
def complaint_attachment(request: HttpRequest, attachment_id: int) -> HttpResponse:
    """Download a customer-visible attachment of a case (number + verification code in the query)."""
    from django.http import FileResponse, Http404

    if _lookup_limited(request):
        return HttpResponse(_("Too many attempts. Please try again later."), status=429)
    try:
        ticket = services.find_for_customer(request.GET.get("number", ""), request.GET.get("code", ""))
    except DomainError as exc:
        raise Http404 from exc
    att = ticket.attachments.filter(pk=attachment_id, public=True, archived_at__isnull=True).first()
    if att is None:
        raise Http404
    return FileResponse(att.file.open("rb"), as_attachment=True, filename=att.name)


def _lookup_limited(request: HttpRequest) -> bool:
    key = f"feedback:track-rate:{client_ip(request)}"
    count = cache.get(key, 0)
    if count >= 60:
        return True
    cache.set(key, count + 1, 600)
    return False


@staff_member_required
def analysis_view(request: HttpRequest) -> HttpResponse:
    """D6: Pareto, trend, SLA attainment, handling times, repeat and bad-review rates, rectification on time."""
    if not request.user.has_perm("feedback.view_ticket"):
        raise PermissionDenied
    filters = analysis.Filters.from_request(request)
    if request.GET.get("export") == "xlsx":
        from sqms.core.io import export_table

        headers, rows = analysis.export_rows(request.user, filters)
        data, ctype = export_table(headers, rows, "xlsx")
        resp = HttpResponse(data, content_type=ctype)
        resp["Content-Disposition"] = 'attachment; filename="feedback-analysis.xlsx"'
        return resp
    report = analysis.build(request.user, filters)
    from sqms.feedback.selectors import units

    context = {
        **admin.site.each_context(request),
        "title": _("Feedback analysis"),
        "report": report,
        "filters": filters,
        "units": units(request.user).filter(depth__lte=3).order_by("path"),
        "channels": Channel.choices,
        "categories": ServiceCategory.objects.active().filter(kind="category"),
    }
    return render(request, "feedback/analysis.html", context)


@staff_member_required
def customer_view(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Customer 360: one customer's tickets, ratings, follow-ups, survey responses and timeline."""
    from django.http import Http404

    from sqms.core.errors import NotFound
    from sqms.feedback.selectors import customer_overview

    try:
        data = customer_overview(request.user, customer_id)
    except NotFound as exc:
        raise Http404 from exc
    context = {
        **admin.site.each_context(request),
        "title": _("Customer: %(name)s") % {"name": data["customer"].name},
        **data,
    }
    return render(request, "feedback/customer.html", context)
