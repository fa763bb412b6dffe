"""Back-office pages of the improvement app: the nonconformity register and its CAPA page (5 Whys and
fishbone diagrams, actions, effectiveness check), PDCA projects with their timeline, staff suggestions,
the good-practice library and management reviews (with PDF minutes).

Every page reads through the scoped selectors and writes through the services, so permissions, scope
and the audit trail hold as in the API. A refused step shows its reason once and changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sqms.core.errors import DomainError, ValidationFailed
from sqms.core.scoping import scoped
from sqms.improvement import diagrams, domain, selectors, services
from sqms.improvement.models import (
    ActionKind,
    ActionStatus,
    NcStatus,
    PracticeKind,
    Severity,
    Source,
)
from sqms.org.models import OrgUnit


def _get(qs: Any, **lookup: Any) -> Any:
    obj = qs.filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj


def _need(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _ctx(request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
    return {**admin.site.each_context(request), "title": title, **extra}


def _date(request: HttpRequest, name: str, required: bool = True) -> dt.date | None:
    raw = (request.POST.get(name) or "").strip()
    if not raw:
        if required:
            raise ValidationFailed(fields={name: [_("This field is required.")]})
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(fields={name: [_("Enter a valid date (YYYY-MM-DD).")]}) from None


def _user(request: HttpRequest, name: str, required: bool = True) -> Any:
    raw = (request.POST.get(name) or "").strip()
    if not raw:
        if required:
            raise ValidationFailed(fields={name: [_("This field is required.")]})
        return None
    user = get_user_model().objects.filter(username=raw, is_active=True).first()
    if user is None:
        raise ValidationFailed(fields={name: [_("No such user: %(u)s") % {"u": raw}]})
    return user


def _unit(request: HttpRequest, name: str = "org_unit") -> OrgUnit:
    raw = (request.POST.get(name) or "").strip()
    unit = scoped(request.user, OrgUnit.objects.active()).filter(code=raw).first() if raw else None
    if unit is None:
        raise ValidationFailed(fields={name: [_("Choose one of your org units.")]})
    return unit


def _error_text(exc: DomainError) -> str:
    """The refusal's message plus every field it names (with reasons not already in the message)."""
    msg = str(exc.message)
    extra = [f"{name}: {reason}" for name, reasons in (exc.fields or {}).items() for reason in reasons]
    extra = [e for e in extra if e.split(": ", 1)[1] != msg]
    return f"{msg} ({'; '.join(extra)})" if extra else msg


def _run(request: HttpRequest, fn: Callable[[], Any], ok: str, back: str) -> HttpResponse:
    """Run one write; on a refusal show its reason once (messages) and go back unchanged."""
    try:
        result = fn()
    except DomainError as exc:
        messages.error(request, _error_text(exc))
        return HttpResponseRedirect(back)
    messages.success(request, ok)
    if isinstance(result, str):
        return HttpResponseRedirect(result)
    return HttpResponseRedirect(back)


def _units(request: HttpRequest) -> Any:
    return scoped(request.user, OrgUnit.objects.active()).order_by("path")


# --- nonconformities ------------------------------------------------------------------------------------


@staff_member_required
def nc_list(request: HttpRequest) -> HttpResponse:
    _need(request, "improvement.view_nonconformity")
    if request.method == "POST":
        _need(request, "improvement.add_nonconformity")
        back = reverse("improvement:nc_list")
        severity = request.POST.get("severity") or "minor"
        if request.POST.get("op") == "ticket":
            return _run(
                request,
                lambda: reverse(
                    "improvement:nc_detail",
                    args=[
                        services.open_from_ticket(
                            actor=request.user, number=request.POST.get("ticket", ""), severity=severity
                        ).pk
                    ],
                ),
                _("Nonconformity opened."),
                back,
            )

        if request.POST.get("op") == "rating":
            raw = (request.POST.get("rating") or "").strip()

            def from_rating() -> str:
                if not raw.isdigit():
                    raise ValidationFailed(fields={"rating": [_("Enter the rating's id.")]})
                nc = services.open_from_rating(actor=request.user, rating_id=int(raw), severity=severity)
                return reverse("improvement:nc_detail", args=[nc.pk])

            return _run(request, from_rating, _("Nonconformity opened."), back)

        def manual() -> str:
            nc = services.open_nonconformity(
                actor=request.user,
                source=Source.MANUAL,
                source_ref="",
                org_unit=_unit(request),
                title=request.POST.get("title", ""),
                description=request.POST.get("description", ""),
                severity=severity,
            )
            return reverse("improvement:nc_detail", args=[nc.pk])

        return _run(request, manual, _("Nonconformity opened."), back)
    qs = selectors.nonconformities(request.user)
    for name in ("status", "source", "severity"):
        if request.GET.get(name):
            qs = qs.filter(**{name: request.GET[name]})
    return render(
        request,
        "improvement/nc_list.html",
        _ctx(
            request,
            _("Nonconformities"),
            rows=qs[:200],
            figures=selectors.capa_figures(request.user),
            units=_units(request),
            severities=Severity.choices,
            sources=Source.choices,
        ),
    )


TEST_LABELS = {
    "two_proportion": (gettext_lazy("Two-proportion z test"), "z"),
    "welch_t": (gettext_lazy("Welch's t test"), "t"),
}


def _shown_checks(nc: Any, kpis: list[Any]) -> list[Any]:
    """The nonconformity's effectiveness checks with what a reader needs: the KPI's name, the test's
    name and statistic, and a p value that never reads 0.0000."""
    names = {k.code: str(k) for k in kpis}
    checks = list(nc.checks.active().select_related("verified_by"))
    for c in checks:
        label, letter = TEST_LABELS.get(c.test, (c.test, ""))
        c.kpi_name = names.get(c.kpi_code, c.kpi_code)
        c.test_label = label
        c.statistic_text = f"{letter} = {c.statistic:.2f}" if c.statistic is not None and letter else ""
        c.p_text = p_text(c.p_value)
    return checks


def p_text(value: float | None) -> str:
    """A p value as people read it: 4 decimals, and "< 0.0001" rather than a 0.0000 that looks certain."""
    if value is None:
        return ""
    return "< 0.0001" if value < 0.0001 else f"{value:.4f}"


@staff_member_required
def nc_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "improvement.view_nonconformity")
    nc = _get(selectors.nonconformities(request.user), pk=pk)
    back = reverse("improvement:nc_detail", args=[nc.pk])
    if request.method == "POST":
        op = request.POST.get("op")
        user = request.user
        P = request.POST
        if op == "containment":
            return _run(
                request,
                lambda: services.update_nonconformity(
                    nc, actor=user, changes={"containment_action": P.get("containment_action", "")}
                ),
                _("Saved."),
                back,
            )
        if op == "analysis":
            return _run(
                request,
                lambda: services.record_analysis(
                    nc,
                    actor=user,
                    problem=P.get("problem", ""),
                    whys=[P.get(f"why{i}", "") for i in range(1, 6)],
                    fishbone={k: P.get(f"fb_{k}", "") for k in domain.FISHBONE_KEYS},
                    root_cause=P.get("root_cause", ""),
                ),
                _("Root cause analysis saved."),
                back,
            )
        if op == "action":
            return _run(
                request,
                lambda: services.add_action(
                    nc,
                    actor=user,
                    kind=P.get("kind") or "corrective",
                    description=P.get("description", ""),
                    owner=_user(request, "owner"),
                    due_date=_date(request, "due_date"),
                ),
                _("Action added."),
                back,
            )
        if op == "action_status":
            act = _get(selectors.actions(user).filter(nonconformity=nc), pk=P.get("action") or 0)
            return _run(
                request,
                lambda: services.update_action(
                    act, actor=user, status=P.get("status", ""), evidence=P.get("evidence")
                ),
                _("Action updated."),
                back,
            )
        if op == "check":
            return _run(
                request,
                lambda: services.run_effectiveness_check(
                    nc,
                    actor=user,
                    kpi_code=P.get("kpi_code", ""),
                    before_start=_date(request, "before_start"),
                    before_end=_date(request, "before_end"),
                    after_start=_date(request, "after_start"),
                    after_end=_date(request, "after_end"),
                ),
                _("Effectiveness computed."),
                back,
            )
        if op == "signoff":
            chk = _get(selectors.checks(user).filter(nonconformity=nc), pk=P.get("check") or 0)
            return _run(
                request,
                lambda: services.sign_off_check(
                    chk, actor=user, effective=P.get("effective") == "1", note=P.get("note", "")
                ),
                _("Effectiveness signed off."),
                back,
            )
        if op == "close":
            return _run(
                request,
                lambda: services.close_nonconformity(nc, actor=user),
                _("Nonconformity closed."),
                back,
            )
        messages.error(request, _("Unknown step."))
        return HttpResponseRedirect(back)
    today = dt.date.today()
    whys = list(nc.whys) + [""] * (5 - len(nc.whys))
    kpis = services.testable_kpis()
    return render(
        request,
        "improvement/nc_detail.html",
        _ctx(
            request,
            str(nc),
            nc=nc,
            whys=whys,
            whys_svg=diagrams.five_whys_svg(nc.problem or nc.title, list(nc.whys)),
            fishbone_svg=diagrams.fishbone_svg(nc.problem or nc.title, dict(nc.fishbone)),
            fishbone_fields=[
                (k, diagrams.category_label(k), "\n".join(nc.fishbone.get(k, [])))
                for k, _zh, _en in domain.FISHBONE_CATEGORIES
            ],
            actions=nc.actions.active().select_related("owner"),
            checks=_shown_checks(nc, kpis),
            kinds=ActionKind.choices,
            statuses=ActionStatus.choices,
            kpis=kpis,
            defaults={
                "before_start": today - dt.timedelta(days=120),
                "before_end": today - dt.timedelta(days=61),
                "after_start": today - dt.timedelta(days=60),
                "after_end": today,
            },
            # a closed or cancelled nonconformity is a record: no form offers a change the service refuses
            open_nc=nc.status not in (NcStatus.CLOSED, NcStatus.CANCELLED),
            can_change=request.user.has_perm("improvement.change_nonconformity")
            and nc.status not in (NcStatus.CLOSED, NcStatus.CANCELLED),
            can_verify=request.user.has_perm("improvement.verify_effectiveness"),
        ),
    )


# --- PDCA projects -------------------------------------------------------------------------------------


@staff_member_required
def project_list(request: HttpRequest) -> HttpResponse:
    _need(request, "improvement.view_improvementproject")
    if request.method == "POST":
        _need(request, "improvement.add_improvementproject")

        def create() -> str:
            p = services.create_project(
                actor=request.user,
                data={
                    "title": request.POST.get("title", "").strip(),
                    "org_unit": _unit(request),
                    "leader": _user(request, "leader", required=False),
                    "problem": request.POST.get("problem", ""),
                },
            )
            return reverse("improvement:project_detail", args=[p.pk])

        return _run(request, create, _("Project created."), reverse("improvement:project_list"))
    return render(
        request,
        "improvement/project_list.html",
        _ctx(
            request,
            _("PDCA improvement projects"),
            rows=selectors.projects(request.user)[:200],
            units=_units(request),
        ),
    )


@staff_member_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "improvement.view_improvementproject")
    p = _get(selectors.projects(request.user), pk=pk)
    back = reverse("improvement:project_detail", args=[p.pk])
    user, P = request.user, request.POST
    if request.method == "POST":
        op = P.get("op")
        if op == "plan":

            def plan() -> Any:
                target = (P.get("kpi_target") or "").strip()
                try:
                    target_value = float(target) if target else None
                except ValueError:
                    raise ValidationFailed(fields={"kpi_target": [_("Enter a number.")]}) from None
                return services.update_project(
                    p,
                    actor=user,
                    changes={
                        "problem": P.get("problem", ""),
                        "kpi_code": P.get("kpi_code", ""),
                        "kpi_target": target_value,
                        "root_causes": P.get("root_causes", ""),
                        "action_plan": P.get("action_plan", ""),
                        "expected_effect": P.get("expected_effect", ""),
                    },
                )

            return _run(request, plan, _("Saved."), back)
        if op == "task":
            return _run(
                request,
                lambda: services.add_task(
                    p,
                    actor=user,
                    title=P.get("title", ""),
                    owner=_user(request, "owner", required=False),
                    due_date=_date(request, "due_date", required=False),
                ),
                _("Task added."),
                back,
            )
        if op == "task_done":
            task = _get(selectors.tasks(user).filter(project=p), pk=P.get("task") or 0)
            return _run(request, lambda: services.complete_task(task, actor=user), _("Task done."), back)
        if op == "check":
            return _run(
                request,
                lambda: services.check_project(
                    p,
                    actor=user,
                    baseline=(_date(request, "baseline_start"), _date(request, "baseline_end")),
                    after=(_date(request, "after_start"), _date(request, "after_end")),
                ),
                _("KPI checked."),
                back,
            )
        if op == "act":
            return _run(
                request,
                lambda: services.update_project(
                    p,
                    actor=user,
                    changes={
                        "standard_reference": P.get("standard_reference", ""),
                        "lessons_learned": P.get("lessons_learned", ""),
                    },
                ),
                _("Saved."),
                back,
            )
        if op == "gate":
            return _run(
                request,
                lambda: services.pass_gate(
                    p, actor=user, approved=P.get("approved") == "1", note=P.get("note", "")
                ),
                _("Stage gate recorded."),
                back,
            )
        messages.error(request, _("Unknown step."))
        return HttpResponseRedirect(back)
    today = dt.date.today()
    return render(
        request,
        "improvement/project_detail.html",
        _ctx(
            request,
            str(p),
            p=p,
            check_p=p_text((p.check_result or {}).get("p_value")),
            tasks=p.tasks.active().select_related("owner"),
            timeline=_timeline(p),
            stages=domain.STAGES,
            kpis=services.testable_kpis(),
            defaults={
                "baseline_start": today - dt.timedelta(days=120),
                "baseline_end": today - dt.timedelta(days=61),
                "after_start": today - dt.timedelta(days=60),
                "after_end": today,
            },
            can_approve=user.has_perm("improvement.approve_gate"),
        ),
    )


def _timeline(p: Any) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [{"at": p.created_at, "what": _("Project created"), "who": p.created_by}]
    for g in p.gates.select_related("approver"):
        events.append(
            {
                "at": g.at,
                "what": (_("Gate approved: %(a)s → %(b)s") if g.approved else _("Gate rejected at %(a)s"))
                % {"a": g.get_from_stage_display(), "b": g.get_to_stage_display()},
                "who": g.approver,
                "note": g.note,
            }
        )
    for t in p.tasks.active():
        if t.done_on:
            events.append(
                {
                    "at": dt.datetime.combine(t.done_on, dt.time(23, 59), tzinfo=dt.UTC),
                    "what": _("Task done: %(t)s") % {"t": t.title},
                    "who": t.owner,
                }
            )
    return sorted(events, key=lambda e: e["at"])


# --- suggestions ---------------------------------------------------------------------------------------


@staff_member_required
def suggestion_list(request: HttpRequest) -> HttpResponse:
    _need(request, "improvement.view_suggestion")
    user, P = request.user, request.POST
    back = reverse("improvement:suggestion_list")
    if request.method == "POST":
        op = P.get("op")
        if op == "submit":
            _need(request, "improvement.add_suggestion")
            return _run(
                request,
                lambda: services.submit_suggestion(
                    actor=user,
                    title=P.get("title", ""),
                    description=P.get("description", ""),
                    org_unit=_unit(request),
                ),
                _("Suggestion submitted."),
                back,
            )
        s = _get(selectors.suggestions(user), pk=P.get("suggestion") or 0)
        if op == "evaluate":
            return _run(
                request,
                lambda: services.evaluate_suggestion(
                    s,
                    actor=user,
                    feasibility=P.get("feasibility"),
                    benefit=P.get("benefit"),
                    note=P.get("note", ""),
                    adopt=P.get("adopt") == "1",
                ),
                _("Suggestion evaluated."),
                back,
            )
        if op == "reward":
            return _run(
                request,
                lambda: services.grant_reward(
                    s, actor=user, points=P.get("points"), reason=P.get("reason", "")
                ),
                _("Reward points granted."),
                back,
            )
        if op == "rollout":
            return _run(
                request,
                lambda: services.roll_out_suggestion(s, actor=user, pilot_result=P.get("pilot_result", "")),
                _("Suggestion rolled out."),
                back,
            )
        messages.error(request, _("Unknown step."))
        return HttpResponseRedirect(back)
    return render(
        request,
        "improvement/suggestion_list.html",
        _ctx(
            request,
            _("Staff suggestions"),
            rows=selectors.suggestions(user)[:200],
            units=_units(request),
            can_evaluate=user.has_perm("improvement.evaluate_suggestion"),
        ),
    )


# --- good-practice library ---------------------------------------------------------------------------


@staff_member_required
def practice_list(request: HttpRequest) -> HttpResponse:
    _need(request, "improvement.view_goodpractice")
    user, P = request.user, request.POST
    back = reverse("improvement:practice_list")
    if request.method == "POST":
        _need(request, "improvement.add_goodpractice")

        def create() -> Any:
            from sqms.core.services import create_record
            from sqms.improvement.models import GoodPractice

            project = nc = None
            if P.get("project"):
                project = selectors.projects(user).filter(number=P["project"].strip()).first()
                if project is None:
                    raise ValidationFailed(fields={"project": [_("No such project in your org units.")]})
            if P.get("nonconformity"):
                nc = selectors.nonconformities(user).filter(number=P["nonconformity"].strip()).first()
                if nc is None:
                    raise ValidationFailed(
                        fields={"nonconformity": [_("No such nonconformity in your org units.")]}
                    )
            return create_record(
                GoodPractice,
                actor=user,
                data={
                    "title": P.get("title", "").strip(),
                    "kind": P.get("kind") or PracticeKind.GOOD_PRACTICE,
                    "body": P.get("body", "").strip(),
                    "tags": P.get("tags", "").strip(),
                    "org_unit": _unit(request),
                    "project": project,
                    "nonconformity": nc,
                },
            )

        return _run(request, create, _("Article saved."), back)
    q, tag = request.GET.get("q", ""), request.GET.get("tag", "")
    return render(
        request,
        "improvement/practice_list.html",
        _ctx(
            request,
            _("Good practice and lessons learned"),
            rows=selectors.practices(user, q=q, tag=tag)[:200],
            q=q,
            tag=tag,
            units=_units(request),
            kinds=PracticeKind.choices,
        ),
    )


# --- management reviews ------------------------------------------------------------------------------


@staff_member_required
def review_list(request: HttpRequest) -> HttpResponse:
    _need(request, "improvement.view_managementreview")
    user, P = request.user, request.POST
    if request.method == "POST":
        _need(request, "improvement.add_managementreview")

        def create() -> str:
            r = services.create_review(
                actor=user,
                data={
                    "title": P.get("title", "").strip(),
                    "org_unit": _unit(request),
                    "period_start": _date(request, "period_start"),
                    "period_end": _date(request, "period_end"),
                    "meeting_date": _date(request, "meeting_date"),
                    "chair": _user(request, "chair", required=False),
                    "attendees": P.get("attendees", ""),
                },
            )
            return reverse("improvement:review_detail", args=[r.pk])

        return _run(request, create, _("Management review planned."), reverse("improvement:review_list"))
    return render(
        request,
        "improvement/review_list.html",
        _ctx(request, _("Management reviews"), rows=selectors.reviews(user)[:100], units=_units(request)),
    )


@staff_member_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "improvement.view_managementreview")
    user, P = request.user, request.POST
    r = _get(selectors.reviews(user), pk=pk)
    back = reverse("improvement:review_detail", args=[r.pk])
    if request.method == "POST":
        op = P.get("op")
        if op == "compile":
            return _run(
                request, lambda: services.compile_review_inputs(r, actor=user), _("Inputs compiled."), back
            )
        if op == "minutes":
            return _run(
                request,
                lambda: services.update_record(
                    r, actor=user, changes={"minutes": P.get("minutes", ""), "status": "held"}
                ),
                _("Saved."),
                back,
            )
        if op == "item":
            return _run(
                request,
                lambda: services.add_review_item(
                    r,
                    actor=user,
                    kind=P.get("kind") or "action",
                    text=P.get("text", ""),
                    owner=_user(request, "owner", required=False),
                    due_date=_date(request, "due_date", required=False),
                ),
                _("Item added."),
                back,
            )
        if op == "item_close":
            item = _get(selectors.review_items(user).filter(review=r), pk=P.get("item") or 0)
            return _run(
                request,
                lambda: services.close_review_item(item, actor=user, outcome=P.get("outcome", "")),
                _("Closed."),
                back,
            )
        if op == "close":
            return _run(request, lambda: services.close_review(r, actor=user), _("Review closed."), back)
        messages.error(request, _("Unknown step."))
        return HttpResponseRedirect(back)
    return render(
        request,
        "improvement/review_detail.html",
        _ctx(
            request,
            str(r),
            r=r,
            sections=selectors.review_sections(r.inputs or {}),
            items=r.items.active().select_related("owner"),
        ),
    )


@staff_member_required
def review_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "improvement.view_managementreview")
    r = _get(selectors.reviews(request.user), pk=pk)
    from sqms.improvement.pdf import review_minutes_pdf

    data = review_minutes_pdf(r)
    resp = HttpResponse(data, content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="management-review-{r.pk}.pdf"'
    return resp
