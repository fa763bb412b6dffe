"""Management review minutes as PDF (reportlab), with the CJK TrueType font at ``settings.SQMS_PDF_FONT``
embedded; reportlab's STSong-Light CID font is the fallback when that file is missing."""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core.pdf import cjk_font as pdf_font


def review_minutes_pdf(review: Any) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from sqms.improvement.selectors import review_sections

    font = pdf_font()
    h1 = ParagraphStyle("h1", fontName=font, fontSize=18, leading=24, spaceAfter=6)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=13, leading=18, spaceBefore=8, spaceAfter=4)
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=15, wordWrap="CJK")

    def p(text: Any, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)

    def table(rows: list[list[Any]], widths: list[float]) -> Table:
        t = Table([[p(c) for c in r] for r in rows], colWidths=widths)
        t.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f1f5f9")),
                ]
            )
        )
        return t

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, title=str(review.title)
    )
    story: list[Any] = [p(_("Management review minutes"), h1), p(review.title, h2)]
    story.append(
        table(
            [
                [_("Org unit"), review.org_unit.name],
                [_("Period"), f"{review.period_start:%Y-%m-%d} – {review.period_end:%Y-%m-%d}"],
                [_("Meeting date"), f"{review.meeting_date:%Y-%m-%d}"],
                [
                    _("Chair"),
                    (review.chair.get_full_name() or review.chair.username) if review.chair else "—",
                ],
                [_("Attendees"), review.attendees or "—"],
            ],
            [40 * mm, 130 * mm],
        )
    )
    story.append(p(_("Review inputs"), h2))
    for title, rows in review_sections(review.inputs or {}):
        story.append(p(title, h2))
        story.append(table([[label, value] for label, value in rows], [90 * mm, 80 * mm]))
    story.append(p(_("Minutes"), h2))
    story.append(p(review.minutes or "—"))
    story.append(p(_("Decisions and action items"), h2))
    items = list(review.items.active().select_related("owner"))
    rows = [[_("Kind"), _("Text"), _("Owner"), _("Due date"), _("Closed on")]] + [
        [
            i.get_kind_display(),
            i.text,
            (i.owner.get_full_name() or i.owner.username) if i.owner else "",
            f"{i.due_date:%Y-%m-%d}" if i.due_date else "",
            f"{i.closed_on:%Y-%m-%d} {i.outcome}" if i.closed_on else "",
        ]
        for i in items
    ]
    story.append(table(rows, [22 * mm, 64 * mm, 28 * mm, 26 * mm, 34 * mm]))
    story.append(Spacer(1, 8 * mm))
    story.append(p(_("Generated %(at)s") % {"at": f"{timezone.localtime():%Y-%m-%d %H:%M}"}))
    doc.build(story)
    return buf.getvalue()
