"""Back-office pages of the people app: the scorecard page (periods, computing, my scorecard and appeals,
the scorecards of my units, approval, manual entries, appeal decisions) and the leaderboard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from sqms.core.errors import DomainError, ValidationFailed
from sqms.core.scoping import scoped
from sqms.org.models import OrgUnit, Staff
from sqms.people import domain, selectors, services
from sqms.people.models import AppealStatus, EntryStatus, Metric, Period

ROW_LIMIT = 300


def _ctx(request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
    return {**admin.site.each_context(request), "title": title, **extra}


def _error_text(exc: DomainError) -> str:
    msg = str(exc.message)
    extra = [f"{name}: {reason}" for name, reasons in (exc.fields or {}).items() for reason in reasons]
    extra = [e for e in extra if e.split(": ", 1)[1] != msg]
    return f"{msg} ({'; '.join(extra)})" if extra else msg


def _run(request: HttpRequest, fn: Callable[[], str], back: str) -> HttpResponse:
    """Run one write; on a refusal show its reason and go back with nothing changed."""
    try:
        ok = fn()
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, ok)
    return HttpResponseRedirect(back)


def _pick_period(request: HttpRequest) -> Period | None:
    raw = request.GET.get("period") or request.POST.get("period") or ""
    if raw:
        try:
            return selectors.period(request.user, int(raw))
        except (ValueError, DomainError) as exc:
            raise Http404 from exc
    return selectors.latest_period(request.user)


def _unit_filter(request: HttpRequest) -> OrgUnit | None:
    code = request.GET.get("unit") or ""
    if not code:
        return None
    unit = scoped(request.user, OrgUnit.objects.active()).filter(code=code).first()
    if unit is None:
        raise Http404
    return unit


def fmt(metric: str, value: Any) -> str:
    if value is None:
        return "—"
    if metric in domain.COUNT_METRICS:
        return f"{value:.0f}"
    if metric in (domain.CSAT,):
        return f"{value:.2f}"
    return f"{value:.1f}"


def _card_rows(cards: Any, points: dict[Any, int], key: str) -> list[dict[str, Any]]:
    rows = []
    for c in cards:
        rows.append(
            {
                "card": c,
                "values": [fmt(m, c.metrics.get(m)) for m in selectors.METRIC_ORDER],
                "points": points.get(getattr(c, key), 0),
            }
        )
    return rows


def _points_by(qs: Any, field: str) -> dict[Any, int]:
    out: dict[Any, int] = {}
    for k, p in selectors.counted(qs).values_list(field, "points"):
        out[k] = out.get(k, 0) + p
    return out


@staff_member_required
def scorecards(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.has_perm("people.view_pointentry"):
        raise PermissionDenied
    if request.method == "POST":
        return _post(request)
    period = _pick_period(request)
    unit = _unit_filter(request)
    me = selectors.staff_of(user)
    ctx: dict[str, Any] = {
        "period": period,
        "periods": selectors.periods(user).order_by("-start")[:24],
        "metrics": [str(m.label) for m in Metric],
        "units": scoped(user, OrgUnit.objects.active()),
        "unit": unit,
        "today": dt.date.today(),
        "can_create": user.has_perm("people.add_period"),
        "can_compute": user.has_perm("people.compute_period"),
        "can_close": user.has_perm("people.change_period"),
        "can_approve": user.has_perm("people.approve_pointentry"),
        "can_manual": user.has_perm("people.add_pointentry"),
        "can_appeal": user.has_perm("people.add_pointappeal"),
        "can_decide": user.has_perm("people.decide_pointappeal"),
    }
    if period is not None:
        entries = selectors.entries(user).filter(period=period).select_related("created_by")
        if unit is not None:
            entries = entries.filter(org_unit__path__startswith=unit.path)
        cards = selectors.scorecards(user).filter(period=period)
        if unit is not None:
            cards = cards.filter(org_unit__path__startswith=unit.path)
        staff_cards = cards.filter(subject=domain.STAFF).order_by("org_unit__path", "staff__employee_no")
        unit_cards = cards.filter(subject=domain.UNIT).order_by("org_unit__path")
        mine = None
        if me is not None:
            my_card = selectors.scorecards(user).filter(period=period, staff=me).first()
            my_entries = list(
                selectors.entries(user)
                .filter(period=period, staff=me)
                .prefetch_related("appeals")
                .order_by("id")
            )
            for e in my_entries:
                e.open_appeal = next((a for a in e.appeals.all() if a.status == AppealStatus.OPEN), None)
                e.last_appeal = next(iter(sorted(e.appeals.all(), key=lambda a: -a.pk)), None)
            mine = {
                "card": my_card,
                "values": list(
                    zip(
                        ctx["metrics"],
                        [fmt(m, (my_card.metrics if my_card else {}).get(m)) for m in selectors.METRIC_ORDER],
                        strict=True,
                    )
                ),
                "entries": my_entries,
                "total": sum(e.points for e in my_entries if e.status != EntryStatus.VOIDED),
            }
        pending = []
        if ctx["can_approve"]:
            managed = services.managed_paths(user)
            for e in entries.filter(status=EntryStatus.PENDING).order_by(
                "org_unit__path", "staff__employee_no", "id"
            )[:ROW_LIMIT]:
                e.own = services.is_own(user, e, managed)
                pending.append(e)
        ctx.update(
            {
                "mine": mine,
                "totals": selectors.totals(entries),
                "staff_rows": _card_rows(
                    staff_cards[:ROW_LIMIT],
                    _points_by(entries.filter(subject=domain.STAFF), "staff_id"),
                    "staff_id",
                ),
                "staff_count": staff_cards.count(),
                "unit_rows": _card_rows(
                    unit_cards[:ROW_LIMIT],
                    _points_by(entries.filter(subject=domain.UNIT), "org_unit_id"),
                    "org_unit_id",
                ),
                "pending": pending,
                "recent": entries.exclude(status=EntryStatus.PENDING).order_by("-updated_at")[:30],
                "appeals": selectors.appeals(user)
                .filter(entry__period=period)
                .order_by("status", "-id")[:100],
                "staff_choices": scoped(user, Staff.objects.active())
                .filter(org_unit__path__startswith=period.org_unit.path)
                .order_by("employee_no")[:1000]
                if ctx["can_manual"]
                else [],
            }
        )
    return render(request, "people/scorecards.html", _ctx(request, _("Scorecards and points"), **ctx))


def _int(request: HttpRequest, name: str, required: bool = True) -> int | None:
    raw = (request.POST.get(name) or "").strip()
    if not raw:
        if required:
            raise ValidationFailed(fields={name: [_("This field is required.")]})
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValidationFailed(fields={name: [_("Enter a whole number.")]}) from None


def _post(request: HttpRequest) -> HttpResponse:
    user = request.user
    action = request.POST.get("action", "")
    back = reverse("people:scorecards")

    if action == "create_period":

        def create() -> str:
            raw = (request.POST.get("day") or "").strip()
            try:
                day = dt.date.fromisoformat(raw + "-01" if len(raw) == 7 else raw)
            except ValueError:
                raise ValidationFailed(fields={"day": [_("Enter a month (YYYY-MM).")]}) from None
            code = request.POST.get("org_unit") or ""
            unit = scoped(user, OrgUnit.objects.active()).filter(code=code).first()
            if unit is None:
                raise ValidationFailed(fields={"org_unit": [_("Choose one of your org units.")]})
            p = services.create_period(
                actor=user, kind=request.POST.get("kind", "month"), day=day, org_unit=unit
            )
            nonlocal back
            back = f"{back}?period={p.pk}"
            return _("Period %(p)s created.") % {"p": p}

        return _run(request, create, back)

    period = _pick_period(request)
    if period is None:
        raise Http404
    back = f"{back}?period={period.pk}"

    def compute() -> str:
        r = services.compute_period(actor=user, period=period)
        return (
            _(
                "Computed %(subjects)d scorecards: %(created)d entries created, %(updated)d updated, "
                "%(removed)d removed, %(kept)d unchanged."
            )
            % r
        )

    def close() -> str:
        services.close_period(actor=user, period=period)
        return _("Period closed.")

    def approve() -> str:
        ids = [int(x) for x in request.POST.getlist("ids") if x.isdigit()]
        if not ids:
            raise ValidationFailed(fields={"ids": [_("Tick the entries to approve.")]})
        r = services.approve_entries(actor=user, period=period, ids=ids)
        return _("%(n)d entries approved.") % {"n": r["approved"]}

    def approve_all() -> str:
        r = services.approve_entries(actor=user, period=period)
        return _("%(n)d entries approved; %(own)d of your own left for someone else.") % {
            "n": r["approved"],
            "own": r["skipped_own"],
        }

    def manual() -> str:
        staff = None
        unit = None
        raw_staff = (request.POST.get("staff") or "").strip()
        raw_unit = (request.POST.get("unit") or "").strip()
        if raw_staff:
            staff = scoped(user, Staff.objects.active()).filter(employee_no=raw_staff).first()
            if staff is None:
                raise ValidationFailed(fields={"staff": [_("No such staff member in your units.")]})
        if raw_unit:
            unit = scoped(user, OrgUnit.objects.active()).filter(code=raw_unit).first()
            if unit is None:
                raise ValidationFailed(fields={"unit": [_("Choose one of your org units.")]})
        services.add_manual_entry(
            actor=user,
            period=period,
            points=request.POST.get("points"),
            reason=request.POST.get("reason", ""),
            staff=staff,
            unit=unit,
        )
        return _("Manual entry added; it awaits approval.")

    def appeal() -> str:
        entry_id = _int(request, "entry")
        entry = selectors.entries(user).filter(pk=entry_id).first()
        if entry is None:
            raise ValidationFailed(fields={"entry": [_("Not found.")]})
        services.file_appeal(actor=user, entry=entry, reason=request.POST.get("reason", ""))
        return _("Your appeal was filed.")

    def decide() -> str:
        appeal_id = _int(request, "appeal")
        a = selectors.appeals(user).filter(pk=appeal_id).first()
        if a is None:
            raise ValidationFailed(fields={"appeal": [_("Not found.")]})
        accept = request.POST.get("verdict") == "accept"
        services.decide_appeal(
            actor=user,
            appeal=a,
            accept=accept,
            decision=request.POST.get("decision", ""),
            corrected_points=_int(request, "corrected_points", required=False),
        )
        return _("Appeal accepted.") if accept else _("Appeal rejected.")

    handlers: dict[str, Callable[[], str]] = {
        "compute": compute,
        "close": close,
        "approve": approve,
        "approve_all": approve_all,
        "manual": manual,
        "appeal": appeal,
        "decide": decide,
    }
    fn = handlers.get(action)
    if fn is None:
        messages.error(request, _("Unknown step."))
        return HttpResponseRedirect(back)
    return _run(request, fn, back)


@staff_member_required
def leaderboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.has_perm("people.view_pointentry"):
        raise PermissionDenied
    period = _pick_period(request)
    unit = _unit_filter(request)
    kind = request.GET.get("kind") if request.GET.get("kind") in domain.SUBJECTS else domain.STAFF
    approved_only = request.GET.get("approved") == "1"
    rows = (
        selectors.leaderboard(user, period, kind, approved_only, unit.path if unit else "")
        if period is not None
        else []
    )
    return render(
        request,
        "people/leaderboard.html",
        _ctx(
            request,
            _("Leaderboard"),
            period=period,
            periods=selectors.periods(user).order_by("-start")[:24],
            units=scoped(user, OrgUnit.objects.active()),
            unit=unit,
            kind=kind,
            approved_only=approved_only,
            rows=rows,
        ),
    )
