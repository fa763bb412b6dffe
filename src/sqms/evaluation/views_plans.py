"""Back-office pages of evaluation plans (F5) and manual-score entry (F3): the plan list with a form to
create one, a plan's page (status, progress of the manual indicators still to score per unit × month, run
the evaluation), and the score entry page of one unit × month (every manual indicator of the scheme with
its evidence and an optional file). Writes go through :mod:`sqms.evaluation.services`."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from sqms.core.errors import DomainError, NotFound
from sqms.evaluation import selectors, services
from sqms.evaluation.models import EvaluatorKind, Plan, PlanStatus
from sqms.evaluation.views import last_month
from sqms.org.selectors import unit_by_code, units


def _need(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _errors(exc: DomainError) -> list[str]:
    return [exc.message, *[f"{k}: {r}" for k, rs in (exc.fields or {}).items() for r in rs]]


def _plan(request: HttpRequest, pk: int) -> Plan:
    plan = services.plans(request.user).filter(pk=pk).first()
    if plan is None:
        raise Http404
    return plan


def _unit_list(request: HttpRequest, codes: list[str]) -> list[Any]:
    try:
        return [unit_by_code(request.user, c) for c in codes if c]
    except NotFound as exc:
        raise Http404 from exc


@staff_member_required
def plan_list(request: HttpRequest) -> HttpResponse:
    """The plans in the user's scope and (with the permission) the form to create one."""
    _need(request, "evaluation.view_plan")
    errors: list[str] = []
    post = request.POST
    if request.method == "POST":
        _need(request, "evaluation.add_plan")
        try:
            scheme = selectors.scheme_by_code(post.get("scheme", ""))
            scope = unit_by_code(request.user, post.get("scope", ""))
        except NotFound:
            errors = [_("Choose a scheme and a scope unit.")]
        if not errors:
            periods = [p.strip() for p in post.get("periods", "").replace("，", ",").split(",") if p.strip()]
            users = list(get_user_model().objects.filter(pk__in=post.getlist("evaluators"), is_active=True))
            try:
                plan = services.create_plan(
                    actor=request.user,
                    data={
                        "title": post.get("title", "").strip(),
                        "goal": post.get("goal", "").strip(),
                        "scheme": scheme,
                        "org_unit": scope,
                        "periods": periods,
                        "evaluator_kind": post.get("evaluator_kind", "internal"),
                        "units": _unit_list(request, post.getlist("units")),
                        "evaluators": users,
                    },
                )
            except DomainError as exc:
                errors = _errors(exc)
            else:
                messages.success(request, _("Evaluation plan created."))
                return HttpResponseRedirect(reverse("evaluation:plan", args=[plan.pk]))
    visible = units(request.user).filter(archived_at__isnull=True, active=True).order_by("path")
    context = {
        **admin.site.each_context(request),
        "title": _("Evaluation plans"),
        "plans": services.plans(request.user).prefetch_related("units")[:100],
        "schemes": selectors.schemes(),
        "units": visible,
        "users": get_user_model().objects.filter(is_active=True, is_staff=True).order_by("username"),
        "kinds": EvaluatorKind.choices,
        "period": last_month(),
        "errors": errors,
        "form": post,
    }
    return render(request, "evaluation/plans.html", context, status=422 if errors else 200)


@staff_member_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A plan: its goal and members, the status buttons, the progress of the manual scores (units ×
    months × manual indicators) with a link to enter each row, and running its evaluation."""
    _need(request, "evaluation.view_plan")
    plan = _plan(request, pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action in ("in_progress", "done"):
                _need(request, "evaluation.change_plan")
                services.update_plan(actor=request.user, plan=plan, changes={"status": action})
                messages.success(
                    request, _("Plan status: %(status)s.") % {"status": PlanStatus(action).label}
                )
            elif action == "run":
                _need(request, "evaluation.add_result")
                services.run_plan(actor=request.user, plan=plan)
                messages.success(
                    request, _("Evaluation run for %(periods)s.") % {"periods": ", ".join(plan.periods)}
                )
                url = reverse("evaluation:result", args=[plan.scheme.code, plan.periods[-1]])
                return HttpResponseRedirect(f"{url}?{urlencode({'unit': plan.org_unit.code})}")
        except DomainError as exc:
            messages.error(request, " ".join(_errors(exc)))
        return HttpResponseRedirect(request.path)
    progress = services.plan_progress(request.user, plan)
    context = {
        **admin.site.each_context(request),
        "title": plan.title,
        "plan": plan,
        "progress": progress,
        "evaluators": plan.evaluators.order_by("username"),
        "can_enter": plan.status == PlanStatus.IN_PROGRESS
        and request.user.has_perm("evaluation.add_manualscore"),
    }
    return render(request, "evaluation/plan.html", context)


@staff_member_required
def score_entry(request: HttpRequest) -> HttpResponse:
    """Enter the manual scores of one unit × month (``?scheme=&unit=&period=`` and optionally ``plan=``):
    a value, the evidence and an optional file for each manual indicator; blank rows are skipped, the
    rest saved all or nothing."""
    _need(request, "evaluation.add_manualscore")
    params = request.POST if request.method == "POST" else request.GET
    plan = None
    if params.get("plan"):
        try:
            plan = _plan(request, int(params["plan"]))
        except ValueError as exc:
            raise Http404 from exc
    scheme_code = plan.scheme.code if plan else params.get("scheme", "default")
    try:
        scheme = plan.scheme if plan else selectors.scheme_by_code(scheme_code)
    except NotFound as exc:
        raise Http404 from exc
    unit_code = params.get("unit", "")
    unit = _unit_list(request, [unit_code])[0] if unit_code else None
    period = params.get("period") or (plan.periods[0] if plan else last_month())
    kind = params.get("evaluator_kind") or (plan.evaluator_kind if plan else "internal")
    inds = services.manual_indicators(scheme)
    errors: list[str] = []
    field_errors: dict[str, list[str]] = {}
    if request.method == "POST":
        rows = []
        for ind in inds:
            value = request.POST.get(f"value-{ind.code}", "").strip()
            if value:
                rows.append(
                    {
                        "indicator": ind,
                        "value": value.replace(",", "."),
                        "evidence": request.POST.get(f"evidence-{ind.code}", ""),
                        "attachment": request.FILES.get(f"file-{ind.code}"),
                    }
                )
        if unit is None:
            errors = [_("Choose an org unit.")]
        else:
            try:
                services.enter_manual_scores(
                    actor=request.user,
                    rows=rows,
                    org_unit=unit,
                    period=period,
                    evaluator_kind=kind,
                    plan=plan,
                )
            except DomainError as exc:
                errors = [exc.message]
                field_errors = exc.fields or {}
            else:
                messages.success(request, _("%(n)s scores saved.") % {"n": len(rows)})
                if plan is not None:
                    return HttpResponseRedirect(reverse("evaluation:plan", args=[plan.pk]))
                return HttpResponseRedirect(request.get_full_path())
    existing: dict[int, Any] = {}
    if unit is not None:
        for s in selectors.manual_scores(request.user).filter(
            indicator__in=inds, org_unit=unit, period=period, evaluator_kind=kind, created_by=request.user
        ):
            existing[s.indicator_id] = s
    rows_out = []
    for ind in inds:
        lo, hi = services.value_range(ind)
        prev = existing.get(ind.pk)
        rows_out.append(
            {
                "indicator": ind,
                "lo": lo,
                "hi": hi,
                "value": request.POST.get(f"value-{ind.code}", "")
                if request.method == "POST"
                else ("" if prev is None else f"{prev.value:g}"),
                "evidence": request.POST.get(f"evidence-{ind.code}", "")
                if request.method == "POST"
                else (prev.evidence if prev else ""),
                "errors": [r for k, rs in field_errors.items() if k.startswith(f"{ind.code}.") for r in rs],
                "file": prev.attachment if prev and prev.attachment else None,
            }
        )
    choices = (
        services.plan_units(plan)
        if plan
        else units(request.user).filter(archived_at__isnull=True, active=True).order_by("path")
    )
    context = {
        **admin.site.each_context(request),
        "title": _("Enter manual scores"),
        "scheme": scheme,
        "schemes": selectors.schemes(),
        "plan": plan,
        "unit": unit,
        "units": choices,
        "period": period,
        "periods": plan.periods if plan else [],
        "kind": kind,
        "kinds": EvaluatorKind.choices,
        "rows": rows_out,
        "errors": errors,
    }
    return render(request, "evaluation/score_entry.html", context, status=422 if errors else 200)
