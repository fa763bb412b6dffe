"""What the audits app plugs into the platform: sidebar links, the dashboard card, Excel/CSV exports and
the demo seeder (called from ``AuditsConfig.ready``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy


def audits_card(request: HttpRequest) -> dict[str, Any] | None:
    from datetime import timedelta

    from sqms.audits import selectors

    user = request.user
    if not user.has_perm("audits.view_inspection"):
        return None
    since = timezone.localdate() - timedelta(days=90)
    scores = selectors.inspection_scores(user, since=since)
    n = sum(r["inspections"] for r in scores)
    mean = round(sum(r["mean_score"] * r["inspections"] for r in scores) / n, 1) if n else "—"
    figures = [
        {
            "label": _("Inspections (90 days)"),
            "value": n,
            "url": reverse("admin:audits_inspection_changelist"),
        },
        {"label": _("Mean inspection score"), "value": mean, "url": reverse("audits:overview")},
    ]
    if scores:
        worst = scores[0]
        figures.append(
            {
                "label": _("Lowest unit: %(unit)s") % {"unit": worst["name"]},
                "value": worst["mean_score"],
                "url": reverse("audits:overview"),
            }
        )
    if user.has_perm("audits.view_finding"):
        by_clause = selectors.findings_by_clause(user, since=timezone.localdate() - timedelta(days=365))
        ncs = sum(r["nc"] for r in by_clause)
        figures.append(
            {
                "label": _("Audit nonconformities (12 months)"),
                "value": ncs,
                "url": reverse("admin:audits_finding_changelist"),
            }
        )
        top = next((r for r in by_clause if r["nc"]), None)
        if top:
            figures.append(
                {
                    "label": _("Most NCs: clause %(n)s") % {"n": top["clause__number"]},
                    "value": top["nc"],
                    "url": reverse("audits:overview"),
                }
            )
    return {
        "title": _("Inspections and audits"),
        "figures": figures,
        "link": {"label": _("Scores by unit and findings by clause"), "url": reverse("audits:overview")},
    }


def _who(u: Any) -> str:
    return (u.get_full_name() or u.get_username()) if u is not None else ""


def export_templates(actor: Any) -> tuple[list[str], Iterable[Sequence[Any]]]:
    from sqms.audits import selectors

    headers = [
        _("Code"),
        _("Version"),
        _("Name"),
        _("Type"),
        pgettext("checklist", "Item"),
        _("Scoring"),
        _("Maximum points"),
        _("Weight"),
        pgettext("checklist item", "Critical"),
    ]
    rows = (
        [
            t.code,
            t.version,
            t.name,
            str(t.get_kind_display()),
            i.text,
            str(i.get_scoring_display()),
            i.max_points,
            float(i.weight),
            i.critical,
        ]
        for t in selectors.templates(actor)
        for i in t.items.all()
    )
    return headers, rows


def export_inspections(actor: Any) -> tuple[list[str], Iterable[Sequence[Any]]]:
    from sqms.audits import selectors

    headers = [
        _("Number"),
        _("Type"),
        _("Org unit"),
        _("Staff"),
        _("Scheduled for"),
        _("Performed at"),
        _("Status"),
        _("Score (%)"),
        pgettext("inspection result", "Passed"),
        _("Critical item failed"),
        _("Inspector"),
    ]
    rows = (
        [
            i.number,
            str(i.get_kind_display()),
            i.org_unit.name,
            i.staff.name if i.staff_id else "",
            i.scheduled_for,
            i.performed_at,
            str(i.get_status_display()),
            float(i.score) if i.score is not None else None,
            i.passed,
            i.critical_failed,
            _who(i.inspector),
        ]
        for i in selectors.inspections(actor).iterator(chunk_size=2000)
    )
    return headers, rows


def export_resources(actor: Any) -> tuple[list[str], Iterable[Sequence[Any]]]:
    from sqms.audits import selectors

    headers = [
        _("Code"),
        _("Name"),
        _("Type"),
        _("Org unit"),
        _("Owner"),
        _("Status"),
        _("Maintenance due"),
        _("Inspection due"),
    ]
    rows = (
        [
            r.code,
            r.name,
            str(r.get_kind_display()),
            r.org_unit.name,
            _who(r.owner),
            str(r.get_status_display()),
            r.maintenance_due,
            r.inspection_due,
        ]
        for r in selectors.resources(actor)
    )
    return headers, rows


def export_plans(actor: Any) -> tuple[list[str], Iterable[Sequence[Any]]]:
    from sqms.audits import selectors

    headers = [
        _("Number"),
        _("Title"),
        _("Type"),
        _("Start date"),
        _("End date"),
        _("Lead auditor"),
        _("Auditee units"),
        _("Status"),
    ]
    rows = (
        [
            p.number,
            p.title,
            str(p.get_kind_display()),
            p.start_date,
            p.end_date,
            _who(p.lead_auditor),
            "、".join(u.name for u in p.auditee_units.all()),
            str(p.get_status_display()),
        ]
        for p in selectors.audit_plans(actor)
    )
    return headers, rows


def export_findings(actor: Any) -> tuple[list[str], Iterable[Sequence[Any]]]:
    from sqms.audits import selectors

    headers = [
        _("Audit"),
        _("Standard"),
        _("Clause"),
        _("Finding type"),
        _("Auditee unit"),
        _("Description"),
        _("Evidence"),
        _("Auditor"),
        _("Nonconformity"),
    ]
    rows = (
        [
            f.plan.number,
            f.clause.standard,
            f.clause.number,
            str(f.get_kind_display()),
            f.auditee_unit.name,
            f.description,
            f.evidence,
            _who(f.auditor),
            f.nonconformity_ref,
        ]
        for f in selectors.findings(actor)
    )
    return headers, rows


def export_certificates(actor: Any) -> tuple[list[str], Iterable[Sequence[Any]]]:
    from sqms.audits import selectors

    headers = [
        _("Certificate number"),
        _("Standard"),
        _("Certification body"),
        _("Certified unit"),
        _("Issued on"),
        _("Expires on"),
        _("Next surveillance audit"),
    ]
    rows = (
        [
            c.number,
            str(c.get_standard_display()),
            c.body,
            c.org_unit.name,
            c.issued_on,
            c.expires_on,
            c.next_surveillance_on,
        ]
        for c in selectors.certificates(actor)
    )
    return headers, rows


def register_all() -> None:
    from sqms.core.dashboard import Card, register_card
    from sqms.core.demo import Seeder, register_seeder
    from sqms.core.io import register_export
    from sqms.core.navigation import NavItem, admin_model_url, register_nav

    nav = [
        (
            gettext_lazy("Inspections"),
            "fact_check",
            admin_model_url("audits", "inspection"),
            "audits.view_inspection",
            10,
        ),
        (
            gettext_lazy("Inspection plans"),
            "event_repeat",
            admin_model_url("audits", "inspectionplan"),
            "audits.view_inspectionplan",
            15,
        ),
        (
            gettext_lazy("Checklist templates"),
            "checklist",
            admin_model_url("audits", "checklisttemplate"),
            "audits.view_checklisttemplate",
            20,
        ),
        (gettext_lazy("Scores and findings"), "monitoring", "audits:overview", "audits.view_inspection", 25),
        (
            gettext_lazy("Resources"),
            "devices",
            admin_model_url("audits", "resource"),
            "audits.view_resource",
            30,
        ),
        (
            gettext_lazy("Audit programmes"),
            "calendar_today",
            admin_model_url("audits", "auditprogramme"),
            "audits.view_auditprogramme",
            40,
        ),
        (
            gettext_lazy("Audit plans"),
            "assignment",
            admin_model_url("audits", "auditplan"),
            "audits.view_auditplan",
            45,
        ),
        (
            gettext_lazy("Audit findings"),
            "report",
            admin_model_url("audits", "finding"),
            "audits.view_finding",
            50,
        ),
        (
            pgettext_lazy("management system", "Certificates"),
            "workspace_premium",
            admin_model_url("audits", "certificate"),
            "audits.view_certificate",
            60,
        ),
        (
            gettext_lazy("Standard clauses"),
            "menu_book",
            admin_model_url("audits", "clause"),
            "audits.view_clause",
            70,
        ),
    ]
    for title, icon, url, perm, order in nav:
        register_nav("audits", NavItem(title, icon, url, perm, order))
    register_card(Card("audits", 60, audits_card))
    register_export("checklist-templates", export_templates, "audits.view_checklisttemplate")
    register_export("inspections", export_inspections, "audits.view_inspection")
    register_export("resources", export_resources, "audits.view_resource")
    register_export("audit-plans", export_plans, "audits.view_auditplan")
    register_export("audit-findings", export_findings, "audits.view_finding")
    register_export("audit-certificates", export_certificates, "audits.view_certificate")
    from sqms.audits import demo

    register_seeder(Seeder("audits", 80, demo.seed))
    # Upward links: the inspection-score KPI (kpi) and the management review's audit input (improvement).
    from sqms.audits.selectors import inspection_score_by_path, review_input
    from sqms.improvement.selectors import register_review_input
    from sqms.kpi.sources import register_kpi_source

    register_kpi_source("inspection_score", inspection_score_by_path)
    register_review_input("audits", review_input)
