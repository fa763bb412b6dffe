"""The audit report as PDF (reportlab with a CJK TrueType font, falling back to the STSong-Light CID font)
and as an Excel workbook (plan, checklist, findings)."""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from sqms.audits.models import AuditPlan
from sqms.core.pdf import cjk_font


def _people(plan: AuditPlan) -> str:
    return "、".join(u.get_full_name() or u.get_username() for u in plan.team.all())


def pdf(plan: AuditPlan) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = cjk_font()
    base = ParagraphStyle("base", fontName=font, fontSize=9.5, leading=14, wordWrap="CJK")
    h1 = ParagraphStyle("h1", parent=base, fontSize=16, leading=22, spaceAfter=6)
    h2 = ParagraphStyle("h2", parent=base, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4)

    def p(text: Any, style: ParagraphStyle = base) -> Paragraph:
        from xml.sax.saxutils import escape

        return Paragraph(escape(str(text or "")).replace("\n", "<br/>"), style)

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"{plan.number} {plan.title}",
        author="SQMS",
    )
    story: list[Any] = [p(_("Audit report"), h2), p(plan.title, h1)]
    lead = plan.lead_auditor.get_full_name() or plan.lead_auditor.get_username() if plan.lead_auditor else "-"
    info = [
        (_("Number"), plan.number),
        (_("Type"), plan.get_kind_display()),
        (pgettext("audit", "Objective"), plan.objective),
        (_("Scope"), plan.scope),
        (_("Criteria"), "; ".join(f"{c.number} {c.title}" for c in plan.criteria.all())),
        (_("Dates"), f"{plan.start_date} – {plan.end_date}"),
        (_("Places"), plan.places),
        (_("Lead auditor"), lead),
        (_("Audit team"), _people(plan)),
        (_("Auditee units"), "、".join(u.name for u in plan.auditee_units.all())),
    ]
    if plan.audit_body:
        info.append((_("Audit body"), plan.audit_body))
    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
        ]
    )
    t = Table([[p(k), p(v)] for k, v in info], colWidths=[32 * mm, 142 * mm])
    t.setStyle(grid)
    story += [t, Spacer(1, 6)]
    findings = list(plan.findings.active().select_related("clause", "auditee_unit", "auditor"))
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.get_kind_display()] = counts.get(f.get_kind_display(), 0) + 1
    story.append(p(_("Summary of findings"), h2))
    story.append(
        p("；".join(f"{k}: {v}" for k, v in counts.items()) if counts else _("No findings recorded."))
    )
    story.append(p(_("Findings"), h2))
    if findings:
        header = [p(_("Clause")), p(_("Type")), p(_("Auditee unit")), p(_("Description")), p(_("Evidence"))]
        rows = [header] + [
            [
                p(f"{f.clause.number}"),
                p(f.get_kind_display()),
                p(f.auditee_unit.name),
                p(f.description + (f"\n[{f.nonconformity_ref}]" if f.nonconformity_ref else "")),
                p(f.evidence),
            ]
            for f in findings
        ]
        ft = Table(rows, colWidths=[16 * mm, 24 * mm, 28 * mm, 56 * mm, 50 * mm], repeatRows=1)
        ft.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ]
            )
        )
        story.append(ft)
    questions = list(plan.questions.select_related("clause"))
    if questions:
        story.append(p(_("Checklist"), h2))
        qt = Table(
            [[p(pgettext("checklist", "Question")), p(_("Result")), p(_("Notes"))]]
            + [[p(q.question), p(q.get_result_display()), p(q.notes)] for q in questions],
            colWidths=[100 * mm, 24 * mm, 50 * mm],
            repeatRows=1,
        )
        qt.setStyle(grid)
        story.append(qt)
    if plan.summary:
        story += [p(pgettext("audit", "Conclusion"), h2), p(plan.summary)]
    story += [Spacer(1, 10), p(_("Generated on %(date)s by SQMS") % {"date": timezone.localdate()})]
    doc.build(story)
    return buf.getvalue()


def xlsx(plan: AuditPlan) -> bytes:
    from openpyxl import Workbook

    from sqms.core.io import safe_cell

    wb = Workbook()
    ws = wb.active
    ws.title = _("Plan")[:31]
    lead = plan.lead_auditor.get_full_name() or plan.lead_auditor.get_username() if plan.lead_auditor else ""
    for k, v in [
        (_("Number"), plan.number),
        (_("Title"), plan.title),
        (_("Type"), plan.get_kind_display()),
        (pgettext("audit", "Objective"), plan.objective),
        (_("Scope"), plan.scope),
        (_("Criteria"), "; ".join(f"{c.number} {c.title}" for c in plan.criteria.all())),
        (_("Dates"), f"{plan.start_date} – {plan.end_date}"),
        (_("Places"), plan.places),
        (_("Lead auditor"), lead),
        (_("Audit team"), _people(plan)),
        (_("Auditee units"), "、".join(u.name for u in plan.auditee_units.all())),
        (_("Status"), plan.get_status_display()),
        (pgettext("audit", "Conclusion"), plan.summary),
    ]:
        ws.append([str(k), safe_cell(str(v or ""))])
    ws2 = wb.create_sheet(_("Checklist")[:31])
    ws2.append([_("Clause"), pgettext("checklist", "Question"), _("Result"), _("Notes")])
    for q in plan.questions.select_related("clause"):
        ws2.append([q.clause.number, safe_cell(q.question), str(q.get_result_display()), safe_cell(q.notes)])
    ws3 = wb.create_sheet(_("Findings")[:31])
    ws3.append(
        [
            _("Clause"),
            _("Type"),
            _("Auditee unit"),
            _("Auditee"),
            _("Description"),
            _("Evidence"),
            _("Auditor"),
            _("Nonconformity"),
        ]
    )
    for f in plan.findings.active().select_related("clause", "auditee_unit", "auditor"):
        ws3.append(
            [
                f.clause.number,
                str(f.get_kind_display()),
                f.auditee_unit.name,
                safe_cell(f.auditee),
                safe_cell(f.description),
                safe_cell(f.evidence),
                (f.auditor.get_full_name() or f.auditor.get_username()) if f.auditor else "",
                f.nonconformity_ref,
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
