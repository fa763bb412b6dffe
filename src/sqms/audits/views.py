"""Custom pages: the mobile inspection form, inspection photos (scoped), the audit workspace (checklist,
findings, report) and the overview of inspection scores and findings by clause."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from sqms.audits import report, selectors, services
from sqms.audits.models import (
    AuditQuestion,
    ChecklistResult,
    Clause,
    FindingKind,
    InspectionPhoto,
    InspectionStatus,
    Outcome,
)
from sqms.core.errors import DomainError


def _inspection(request: HttpRequest, pk: int) -> Any:
    if not request.user.has_perm("audits.view_inspection"):
        raise PermissionDenied
    obj = selectors.inspections(request.user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


@staff_member_required
def inspection_form(request: HttpRequest, pk: int) -> HttpResponse:
    """The inspection form, made for a phone: one card per item with pass/fail/N/A (or points), a note,
    photos and the resource concerned; failed items open a nonconformity in one step."""
    inspection = _inspection(request, pk)
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action == "open_nc":
                result = inspection.results.select_related("item").get(pk=int(request.POST.get("result", 0)))
                nc = services.open_nc_for_result(actor=request.user, result=result)
                messages.success(
                    request,
                    _("Nonconformity %(ref)s opened.") % {"ref": getattr(nc, "number", "") or nc.pk},
                )
            else:
                _save_form(request, inspection)
                if action == "complete":
                    services.complete_inspection(
                        actor=request.user,
                        inspection=inspection,
                        shopper=request.POST.get("shopper"),
                        visit_record=request.POST.get("visit_record"),
                        notes=request.POST.get("notes"),
                    )
                    messages.success(request, _("Inspection completed."))
                else:
                    messages.success(request, _("Saved."))
            return HttpResponseRedirect(request.path)
        except DomainError as exc:
            error = exc.message
            if exc.fields:
                error += " (" + "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.fields.items()) + ")"
        except (ValueError, inspection.results.model.DoesNotExist):
            error = _("Unknown item.")
    inspection.refresh_from_db()
    results = list(inspection.results.select_related("item", "resource").prefetch_related("photos"))
    from sqms.audits.domain import is_failed

    rows = [{"r": r, "failed": is_failed(services._answer(r))} for r in results]
    score = services.compute_score(inspection)
    context = {
        "inspection": inspection,
        "rows": rows,
        "score": score,
        "error": error,
        "resources": selectors.resources(request.user).filter(
            org_unit__path__startswith=inspection.org_unit.path
        )[:200],
        "closed": inspection.status in (InspectionStatus.COMPLETED, InspectionStatus.CANCELLED),
        "can_open_nc": services.improvement_available(),
        "can_edit": request.user.has_perm("audits.change_inspection"),
    }
    return render(request, "audits/inspection_form.html", context)


@transaction.atomic
def _save_form(request: HttpRequest, inspection: Any) -> None:
    """Save every answered item at once; any bad item rolls back the whole form."""
    for r in inspection.results.select_related("item"):
        key = str(r.item_id)
        outcome = request.POST.get(f"outcome_{key}", "")
        points = request.POST.get(f"points_{key}", "").strip()
        note = request.POST.get(f"note_{key}", "")
        photos = request.FILES.getlist(f"photos_{key}")
        res_id = request.POST.get(f"resource_{key}", "")
        if r.item.scoring == "points" and points and outcome != Outcome.NA:
            outcome = Outcome.SCORED
        if not outcome:
            if note != r.note and r.outcome:
                outcome = r.outcome
            else:
                continue
        resource = None
        if res_id:
            resource = selectors.resources(request.user).filter(pk=int(res_id)).first()
        if (
            outcome == r.outcome
            and note == r.note
            and not photos
            and (resource is None or resource.pk == r.resource_id)
            and (points == "" or (r.points is not None and float(points) == float(r.points)))
        ):
            continue
        try:
            services.record_result(
                actor=request.user,
                inspection=inspection,
                item_id=r.item_id,
                outcome=outcome,
                points=points or None,
                note=note,
                resource=resource,
                photos=photos,
            )
        except DomainError as exc:
            exc.message = f"{r.item.text}: {exc.message}"
            raise


@staff_member_required
def inspection_photo(request: HttpRequest, pk: int) -> HttpResponse:
    photo = InspectionPhoto.objects.select_related("result__inspection").filter(pk=pk).first()
    if photo is None:
        raise Http404
    _inspection(request, photo.result.inspection_id)
    return FileResponse(photo.image.open("rb"))


def _plan(request: HttpRequest, pk: int) -> Any:
    if not request.user.has_perm("audits.view_auditplan"):
        raise PermissionDenied
    plan = selectors.audit_plans(request.user).filter(pk=pk).first()
    if plan is None:
        raise Http404
    return plan


@staff_member_required
def plan_workspace(request: HttpRequest, pk: int) -> HttpResponse:
    """The audit workspace: plan, generated checklist, findings and the report."""
    plan = _plan(request, pk)
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "generate":
                made = services.generate_checklist(actor=request.user, plan=plan)
                messages.success(request, _("%(n)s checklist questions generated.") % {"n": len(made)})
            elif action == "answer":
                with transaction.atomic():
                    for q in plan.questions.all():
                        res = request.POST.get(f"result_{q.pk}")
                        notes = request.POST.get(f"notes_{q.pk}", q.notes)
                        if res is None or (res == q.result and notes == q.notes):
                            continue
                        services.answer_question(actor=request.user, question=q, result=res, notes=notes)
                messages.success(request, _("Checklist saved."))
            elif action == "finding":
                clause = Clause.objects.filter(pk=int(request.POST.get("clause") or 0)).first()
                unit = (
                    selectors.units_for_plan(plan)
                    .filter(pk=int(request.POST.get("auditee_unit") or 0))
                    .first()
                )
                question = AuditQuestion.objects.filter(plan=plan, clause=clause).first() if clause else None
                services.add_finding(
                    actor=request.user,
                    plan=plan,
                    data={
                        "clause": clause,
                        "question": question,
                        "kind": request.POST.get("kind", ""),
                        "description": request.POST.get("description", "").strip(),
                        "evidence": request.POST.get("evidence", "").strip(),
                        "auditee_unit": unit,
                        "auditee": request.POST.get("auditee", "").strip(),
                    },
                )
                messages.success(request, _("Finding recorded."))
            elif action == "reported":
                services.mark_reported(actor=request.user, plan=plan, summary=request.POST.get("summary"))
                messages.success(request, _("Audit marked as reported."))
            return HttpResponseRedirect(request.path)
        except DomainError as exc:
            error = exc.message
            if exc.fields:
                error += " (" + "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.fields.items()) + ")"
        except ValueError:
            error = _("Invalid input.")
    questions = list(plan.questions.select_related("clause"))
    clause_choices = [q.clause for q in questions] or services.checklist_clauses(plan)
    context = {
        **admin.site.each_context(request),
        "title": str(plan),
        "plan": plan,
        "questions": questions,
        "results": ChecklistResult.choices,
        "findings": plan.findings.active().select_related("clause", "auditee_unit", "auditor"),
        "kinds": FindingKind.choices,
        "clauses": clause_choices,
        "units": selectors.units_for_plan(plan),
        "error": error,
        "can_edit": request.user.has_perm("audits.change_auditplan"),
        "can_find": request.user.has_perm("audits.add_finding"),
        "admin_url": reverse("admin:audits_auditplan_change", args=[plan.pk]),
    }
    return render(request, "audits/plan_workspace.html", context)


@staff_member_required
def plan_report(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    plan = _plan(request, pk)
    from sqms.core import audit
    from sqms.core.models import AuditAction

    if fmt == "pdf":
        data, ctype = report.pdf(plan), "application/pdf"
    elif fmt == "xlsx":
        data, ctype = report.xlsx(plan), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise Http404
    audit.record(actor=request.user, action=AuditAction.EXPORT, instance=plan, verb=f"audit report {fmt}")
    resp = HttpResponse(data, content_type=ctype)
    resp["Content-Disposition"] = f'attachment; filename="audit-report-{plan.number}.{fmt}"'
    return resp


@staff_member_required
def overview(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("audits.view_inspection"):
        raise PermissionDenied
    from datetime import timedelta

    from django.utils import timezone

    since = timezone.localdate() - timedelta(days=365)
    scores = selectors.inspection_scores(request.user, since=since)
    by_clause = (
        selectors.findings_by_clause(request.user) if request.user.has_perm("audits.view_finding") else []
    )
    context = {
        **admin.site.each_context(request),
        "title": _("Inspection scores and audit findings"),
        "scores": scores,
        "by_clause": by_clause,
        "since": since,
    }
    return render(request, "audits/overview.html", context)
