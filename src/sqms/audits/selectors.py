"""Reads of the audits app, always scoped to the user."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet

from sqms.audits.models import (
    AuditPlan,
    AuditProgramme,
    Certificate,
    ChecklistTemplate,
    Clause,
    Finding,
    Inspection,
    InspectionPlan,
    InspectionStatus,
    Resource,
)
from sqms.core.errors import NotFound
from sqms.core.scoping import scope_for, scoped


def get_or_404(qs: QuerySet[Any], **lookup: Any) -> Any:
    obj = qs.filter(**lookup).first()
    if obj is None:
        raise NotFound()
    return obj


def templates(user: Any) -> QuerySet[ChecklistTemplate]:
    """Checklist templates are organisation-wide reference data: everyone with the permission reads them."""
    if not user.has_perm("audits.view_checklisttemplate"):
        return ChecklistTemplate.objects.none()
    return ChecklistTemplate.objects.active().prefetch_related("items")


def clauses(standard: str | None = None) -> QuerySet[Clause]:
    qs = Clause.objects.all()
    return qs.filter(standard=standard) if standard else qs


def inspection_plans(user: Any) -> QuerySet[InspectionPlan]:
    return scoped(user, InspectionPlan.objects.active().select_related("org_unit", "template", "inspector"))


def inspections(user: Any) -> QuerySet[Inspection]:
    qs = Inspection.objects.active().select_related("org_unit", "template", "inspector", "staff", "plan")
    scope = scope_for(user)
    if scope.all_units:
        return qs
    # The inspector always sees the inspections assigned to him, wherever they are.
    return (
        qs.filter(scope.unit_q("org_unit__path") | Q(inspector_id=user.pk))
        if not scope.own_only
        else qs.filter(Q(inspector_id=user.pk) | Q(staff__user_id=user.pk))
    )


def resources(user: Any) -> QuerySet[Resource]:
    return scoped(user, Resource.objects.active().select_related("org_unit", "owner"))


def programmes(user: Any) -> QuerySet[AuditProgramme]:
    return scoped(user, AuditProgramme.objects.active().select_related("org_unit"))


def audit_plans(user: Any) -> QuerySet[AuditPlan]:
    """Plans whose auditee units are in the user's scope, plus the plans he audits (lead or team)."""
    qs = AuditPlan.objects.active().select_related("lead_auditor", "programme")
    scope = scope_for(user)
    if scope.all_units:
        return qs
    ids = (
        AuditPlan.objects.filter(
            scope.unit_q("auditee_units__path") | Q(lead_auditor_id=user.pk) | Q(team__id=user.pk)
        )
        .values("pk")
        .distinct()
    )
    return qs.filter(pk__in=ids)


def findings(user: Any) -> QuerySet[Finding]:
    qs = Finding.objects.active().select_related("plan", "clause", "auditee_unit", "auditor")
    scope = scope_for(user)
    if scope.all_units:
        return qs
    return qs.filter(scope.unit_q("auditee_unit__path") | Q(plan__in=audit_plans(user)))


def certificates(user: Any) -> QuerySet[Certificate]:
    return scoped(user, Certificate.objects.active().select_related("org_unit"))


def inspection_scores(
    user: Any,
    unit: Any = None,
    since: dt.date | dt.datetime | None = None,
    until: dt.date | dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """Completed inspections' scores per inspected unit, in the user's scope (read by the KPI app and the
    dashboard): ``[{"org_unit_id", "code", "name", "inspections", "mean_score", "passed", "failed",
    "critical_failed"}]``, worst mean first. ``unit`` limits to that unit's subtree; ``since``/``until``
    bound the inspection time (inclusive dates)."""
    qs = inspections(user).filter(status=InspectionStatus.COMPLETED, score__isnull=False)
    if unit is not None:
        qs = qs.filter(org_unit__path__startswith=unit.path)
    if since is not None:
        qs = (
            qs.filter(performed_at__date__gte=since)
            if isinstance(since, dt.date) and not isinstance(since, dt.datetime)
            else qs.filter(performed_at__gte=since)
        )
    if until is not None:
        qs = (
            qs.filter(performed_at__date__lte=until)
            if isinstance(until, dt.date) and not isinstance(until, dt.datetime)
            else qs.filter(performed_at__lte=until)
        )
    rows = (
        qs.values("org_unit_id", "org_unit__code", "org_unit__name")
        .annotate(
            n=Count("id"),
            mean=Avg("score"),
            passed_n=Count("id", filter=Q(passed=True)),
            failed_n=Count("id", filter=Q(passed=False)),
            critical_n=Count("id", filter=Q(critical_failed=True)),
        )
        .order_by("mean", "org_unit__code")
    )
    return [
        {
            "org_unit_id": r["org_unit_id"],
            "code": r["org_unit__code"],
            "name": r["org_unit__name"],
            "inspections": r["n"],
            "mean_score": round(float(r["mean"]), 2),
            "passed": r["passed_n"],
            "failed": r["failed_n"],
            "critical_failed": r["critical_n"],
        }
        for r in rows
    ]


def findings_by_clause(user: Any, since: dt.date | None = None) -> list[dict[str, Any]]:
    """Nonconformities and other findings per clause (for the dashboard)."""
    qs = findings(user)
    if since is not None:
        qs = qs.filter(created_at__date__gte=since)
    rows = (
        qs.values("clause__standard", "clause__number", "clause__title_zh", "clause__title_en")
        .annotate(
            total=Count("id"),
            nc=Count("id", filter=Q(kind__in=["minor_nc", "major_nc"])),
            major=Count("id", filter=Q(kind="major_nc")),
        )
        .order_by("-nc", "-total", "clause__number")
    )
    return list(rows)


def units_for_plan(plan: AuditPlan) -> QuerySet[Any]:
    """The auditee units of a plan and the units below them."""
    from sqms.org.models import OrgUnit

    q = Q(pk__in=[])
    for u in plan.auditee_units.all():
        q |= Q(path__startswith=u.path)
    return OrgUnit.objects.active().filter(q).order_by("path")
