"""The PDF record of a document version: identity, status, effective date, every electronic signature
(name, meaning, time) and the text. reportlab with the CJK TrueType font at ``settings.SQMS_PDF_FONT``,
falling back to the STSong-Light CID font."""

from __future__ import annotations

import io
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from sqms.core.pdf import cjk_font as font_name
from sqms.documents.models import DocumentVersion


def version_record(version: DocumentVersion) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = font_name()
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=16, leading=22, spaceAfter=6)
    sub = ParagraphStyle("sub", parent=body, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4)
    doc = version.document
    tz = timezone.get_current_timezone()
    buf = io.BytesIO()
    pdf = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"{doc.number} v{version.label}",
        author="SQMS",
    )
    story: list = [
        Paragraph(escape(f"{doc.number} {doc.title}"), head),
        Paragraph(escape(_("Controlled document record")), body),
        Spacer(1, 4 * mm),
    ]
    meta = [
        [_("Type"), doc.get_doc_type_display()],
        [_("Version"), version.label],
        [_("Status"), version.get_status_display()],
        [_("Effective date"), str(version.effective_date or "-")],
        [_("Org unit"), str(doc.org_unit)],
        [_("Owner"), doc.owner.get_full_name() or doc.owner.get_username()],
        [_("What changed"), version.change_summary or "-"],
    ]
    table_style = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), font),
            ("FONTSIZE", (0, 0), (-1, -1), 9),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    story.append(
        Table(
            [[Paragraph(escape(str(a)), body), Paragraph(escape(str(b)), body)] for a, b in meta],
            colWidths=[40 * mm, 130 * mm],
            style=table_style,
        )
    )
    story.append(Paragraph(escape(_("Electronic signatures")), sub))
    rows = [[_("Signer"), _("Meaning"), _("Signed at")]]
    for s in version.signatures.all():
        rows.append(
            [
                s.signer_name,
                s.get_meaning_display(),
                s.signed_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z"),
            ]
        )
    if len(rows) == 1:
        rows.append([_("No signatures yet."), "", ""])
    sig_style = TableStyle([*table_style.getCommands(), ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)])
    story.append(Table(rows, colWidths=[60 * mm, 40 * mm, 70 * mm], style=sig_style))
    if version.text.strip():
        story.append(Paragraph(escape(pgettext("document", "Text")), sub))
        for line in version.text.splitlines():
            story.append(Paragraph(escape(line) or "&nbsp;", body))
    if version.file:
        story.append(
            Paragraph(escape(_("Attached file: %(name)s") % {"name": Path(version.file.name).name}), sub)
        )
    pdf.build(story)
    return buf.getvalue()
