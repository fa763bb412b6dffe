"""Reads of the audits app, always scoped to the user."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
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


# --- summaries for the quality report and the management review --------------------------------------


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    from django.utils import timezone

    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tz),
    )


def _open_nc_ids(user: Any, ids: list[int]) -> set[int]:
    """Which of these nonconformities are not closed or cancelled (read through improvement's selectors)."""
    if not ids:
        return set()
    from sqms.improvement import selectors as improvement

    qs = improvement.nonconformities(user).filter(pk__in=ids).exclude(status__in=["closed", "cancelled"])
    return set(qs.values_list("pk", flat=True))


def audit_summary(user: Any, start: dt.date, end: dt.date, unit_path: str = "") -> dict[str, Any]:
    """Inspections, audits and findings of the period in the user's scope (``unit_path`` limits to that
    subtree): the figures the quality report and the management review show. Each part needs its view
    permission (inspections, audit plans, findings); without it that part is empty.

    Inspections count when performed in the period; audits when their dates overlap it; findings when
    recorded in it. A finding of a nonconformity kind is "open" while its nonconformity is not closed
    (or none has been opened yet), whenever it was recorded."""
    lo, hi = _day_bounds(start, end)
    insp = (
        inspections(user) if user.has_perm("audits.view_inspection") else Inspection.objects.none()
    ).filter(
        status=InspectionStatus.COMPLETED, score__isnull=False, performed_at__gte=lo, performed_at__lt=hi
    )
    if unit_path:
        insp = insp.filter(org_unit__path__startswith=unit_path)
    agg = insp.aggregate(
        n=Count("id"),
        mean=Avg("score"),
        passed=Count("id", filter=Q(passed=True)),
        critical=Count("id", filter=Q(critical_failed=True)),
    )
    by_kind = dict(insp.values_list("kind").annotate(n=Count("id")).order_by())
    by_unit = (
        insp.values("org_unit__code", "org_unit__name", "org_unit__path")
        .annotate(
            n=Count("id"),
            mean=Avg("score"),
            passed_n=Count("id", filter=Q(passed=True)),
            critical_n=Count("id", filter=Q(critical_failed=True)),
        )
        .order_by("mean", "org_unit__path")
    )
    plans = (
        audit_plans(user) if user.has_perm("audits.view_auditplan") else AuditPlan.objects.none()
    ).filter(start_date__lte=end, end_date__gte=start)
    if unit_path:
        plans = plans.filter(
            pk__in=AuditPlan.objects.filter(auditee_units__path__startswith=unit_path).values("pk")
        )
    fnd_all = findings(user) if user.has_perm("audits.view_finding") else Finding.objects.none()
    if unit_path:
        fnd_all = fnd_all.filter(auditee_unit__path__startswith=unit_path)
    fnd = fnd_all.filter(created_at__gte=lo, created_at__lt=hi)
    by_finding_kind = dict(fnd.values_list("kind").annotate(n=Count("id")).order_by())
    nc_findings = list(
        fnd_all.filter(kind__in=["minor_nc", "major_nc"], created_at__lt=hi).values_list(
            "pk", "nonconformity_id"
        )
    )
    still_open = _open_nc_ids(user, [nc for _pk, nc in nc_findings if nc])
    open_findings = sum(1 for _pk, nc in nc_findings if nc is None or nc in still_open)
    by_clause = (
        fnd.values("clause__standard", "clause__number", "clause__title_zh", "clause__title_en")
        .annotate(
            total=Count("id"),
            nc=Count("id", filter=Q(kind__in=["minor_nc", "major_nc"])),
            major=Count("id", filter=Q(kind="major_nc")),
        )
        .order_by("-nc", "-total", "clause__number")
    )
    n = agg["n"] or 0
    return {
        "inspections": n,
        "mean_score": round(float(agg["mean"]), 2) if agg["mean"] is not None else None,
        "passed": agg["passed"] or 0,
        "pass_rate": _pct(agg["passed"] or 0, n),
        "critical_failed": agg["critical"] or 0,
        "inspections_by_kind": by_kind,
        "by_unit": [
            {
                "code": r["org_unit__code"],
                "name": r["org_unit__name"],
                "inspections": r["n"],
                "mean_score": round(float(r["mean"]), 2),
                "pass_rate": _pct(r["passed_n"], r["n"]),
                "critical_failed": r["critical_n"],
            }
            for r in by_unit
        ],
        "audits": plans.count(),
        "audits_by_status": dict(plans.values_list("status").annotate(n=Count("id")).order_by()),
        "findings": sum(by_finding_kind.values()),
        "findings_by_kind": by_finding_kind,
        "nonconformity_findings": by_finding_kind.get("minor_nc", 0) + by_finding_kind.get("major_nc", 0),
        "major_findings": by_finding_kind.get("major_nc", 0),
        "open_findings": open_findings,
        "by_clause": [
            {
                "standard": r["clause__standard"],
                "number": r["clause__number"],
                "title_zh": r["clause__title_zh"],
                "title_en": r["clause__title_en"],
                "total": r["total"],
                "nc": r["nc"],
                "major": r["major"],
            }
            for r in by_clause
        ],
    }


def quality_report_section(
    user: Any, start: dt.date, end: dt.date, unit_path: str = ""
) -> dict[str, Any] | None:
    """The "audits and inspections" section of the quality report (picked up by sqms.reports)."""
    from django.utils.translation import get_language, pgettext
    from django.utils.translation import gettext as _

    from sqms.audits.models import FindingKind, InspectionKind

    if not (user.has_perm("audits.view_inspection") or user.has_perm("audits.view_finding")):
        return None
    s = audit_summary(user, start, end, unit_path)
    if not (s["inspections"] or s["audits"] or s["findings"] or s["open_findings"]):
        return None
    en = (get_language() or "").startswith("en")
    kinds = dict(FindingKind.choices)
    insp_kinds = dict(InspectionKind.choices)
    tables = [
        {
            "title": _("Inspection scores by unit"),
            "columns": [
                pgettext("report column", "Unit"),
                _("Inspections"),
                _("Mean score (%)"),
                pgettext("inspection", "Pass rate (%)"),
                _("Critical items failed"),
            ],
            "rows": [
                [r["name"], r["inspections"], r["mean_score"], r["pass_rate"], r["critical_failed"]]
                for r in s["by_unit"]
            ],
        },
        {
            "title": _("Audit findings by clause"),
            "columns": [
                pgettext("report column", "Clause"),
                _("Findings"),
                _("Nonconformities"),
                _("Major nonconformities"),
            ],
            "rows": [
                [
                    f"{r['number']} {r['title_en'] if en else r['title_zh']}",
                    r["total"],
                    r["nc"],
                    r["major"],
                ]
                for r in s["by_clause"]
            ],
        },
        {
            "title": _("Findings by type"),
            "columns": [_("Finding type"), _("Findings")],
            "rows": [[str(kinds[k]), s["findings_by_kind"].get(k, 0)] for k in kinds],
        },
    ]
    return {
        "figures": [
            {"label": _("Inspections completed"), "value": s["inspections"]},
            {"label": _("Mean inspection score"), "value": s["mean_score"], "suffix": "%"},
            {"label": _("Inspection pass rate"), "value": s["pass_rate"], "suffix": "%"},
            {"label": _("Inspections with a failed critical item"), "value": s["critical_failed"]},
            {"label": _("Audits in the period"), "value": s["audits"]},
            {"label": _("Audit findings"), "value": s["findings"]},
            {"label": _("Nonconformities found"), "value": s["nonconformity_findings"]},
            {"label": _("Open nonconformity findings"), "value": s["open_findings"]},
        ],
        "tables": [t for t in tables if t["rows"]],
        "chart": {
            "title": _("Mean inspection score by unit (%)"),
            "labels": [r["name"] for r in s["by_unit"]][:10],
            "values": [r["mean_score"] for r in s["by_unit"]][:10],
            "series": _("Mean score (%)"),
        }
        if s["by_unit"]
        else None,
        "note": " · ".join(
            f"{insp_kinds.get(k, k)} {n}" for k, n in sorted(s["inspections_by_kind"].items())
        ),
    }


def review_input(user: Any, unit: Any, start: dt.date, end: dt.date) -> dict[str, Any] | None:
    """The management review's "audits and inspections" input (registered with the improvement app)."""
    if not (user.has_perm("audits.view_inspection") or user.has_perm("audits.view_finding")):
        return None
    s = audit_summary(user, start, end, unit.path)
    s["by_unit"] = s["by_unit"][:20]
    s["by_clause"] = s["by_clause"][:10]
    return s


def inspection_score_by_path(
    unit_paths: Sequence[str], start: dt.date, end: dt.date
) -> dict[str, float | None]:
    """The inspection-score KPI source (registered with ``sqms.kpi.sources``): for each unit path, the mean
    score (%) of every completed inspection in its subtree performed from ``start`` to ``end`` (inclusive,
    local dates) — a mean over inspections, never a mean of unit means; ``None`` without inspections.
    The caller has already limited the paths to the user's scope."""
    from django.db.models import Sum

    lo, hi = _day_bounds(start, end)
    rows = list(
        Inspection.objects.active()
        .filter(
            status=InspectionStatus.COMPLETED,
            score__isnull=False,
            performed_at__gte=lo,
            performed_at__lt=hi,
        )
        .values_list("org_unit__path")
        .annotate(total=Sum("score"), n=Count("id"))
        .order_by()
    )
    out: dict[str, float | None] = {}
    for p in unit_paths:
        total = sum(float(t) for path, t, _n in rows if path.startswith(p))
        n = sum(n for path, _t, n in rows if path.startswith(p))
        out[p] = total / n if n else None
    return out
