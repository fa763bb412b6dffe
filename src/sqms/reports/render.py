"""The report's files: a PDF (reportlab, embedded CJK TrueType font, tables and bar charts) and an Excel
workbook with the same data (a summary sheet and one sheet per section)."""

from __future__ import annotations

import io
import logging
import math
import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from sqms.core.pdf import cjk_font as font_name
from sqms.reports.domain import fmt

log = logging.getLogger(__name__)


def _cell(value: Any) -> str:
    return fmt(value)


def _figure(f: dict[str, Any]) -> str:
    return fmt(f.get("value"), f.get("suffix", "") if f.get("value") is not None else "")


def _chart(chart: dict[str, Any], font: str) -> Any:
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    values = [float(v or 0) for v in chart.get("values", [])]
    labels = [str(x)[:10] for x in chart.get("labels", [])]
    d = Drawing(460, 190)
    d.add(String(0, 178, str(chart.get("title", "")), fontName=font, fontSize=10))
    bc = VerticalBarChart()
    bc.x, bc.y, bc.width, bc.height = 40, 40, 400, 125
    bc.data = [values or [0]]
    bc.valueAxis.valueMin = 0
    top = max(values or [1]) or 1
    if all(v == int(v) for v in values):  # counts: whole-number ticks
        step = max(1, math.ceil(top / 5))
        bc.valueAxis.valueStep = step
        bc.valueAxis.valueMax = step * (math.ceil(top / step) + 1)
    else:
        bc.valueAxis.valueMax = top * 1.15
    bc.valueAxis.labels.fontName = font
    bc.valueAxis.labels.fontSize = 7
    bc.categoryAxis.categoryNames = labels or [""]
    bc.categoryAxis.labels.fontName = font
    bc.categoryAxis.labels.fontSize = 7
    bc.categoryAxis.labels.angle = 20 if len(labels) > 5 else 0
    bc.categoryAxis.labels.boxAnchor = "ne" if len(labels) > 5 else "n"
    bc.bars[0].fillColor = colors.HexColor("#b91c1c")
    bc.barLabels.fontName = font
    bc.barLabels.fontSize = 7
    bc.barLabelFormat = "%.0f" if all(v == int(v) for v in values) else "%.1f"
    bc.barLabels.nudge = 6
    d.add(bc)
    return d


def pdf_bytes(report: dict[str, Any]) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = font_name()
    h1 = ParagraphStyle("h1", fontName=font, fontSize=18, leading=24, spaceAfter=6)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=13, leading=18, spaceBefore=10, spaceAfter=4)
    h3 = ParagraphStyle("h3", fontName=font, fontSize=10.5, leading=14, spaceBefore=6, spaceAfter=3)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13)
    small = ParagraphStyle("small", fontName=font, fontSize=8, leading=11, textColor=colors.grey)
    cell = ParagraphStyle("cell", fontName=font, fontSize=8, leading=10)

    def esc(text: Any) -> str:
        return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def table(columns: list[Any], rows: list[list[Any]], widths: list[float] | None = None) -> Any:
        data = [[Paragraph(esc(c), cell) for c in columns]]
        data += [[Paragraph(esc(_cell(v)), cell) for v in row] for row in rows]
        t = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
        t.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#fee2e2")),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#d1d5db")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return t

    story: list[Any] = [
        Paragraph(esc(report["title"]), h1),
        Paragraph(esc(report.get("subtitle", "")), body),
        Paragraph(
            esc(
                _("Generated %(at)s by %(who)s")
                % {"at": report.get("generated_at", ""), "who": report.get("by", "")}
            ),
            small,
        ),
        Spacer(1, 4 * mm),
    ]
    if not report.get("sections"):
        story.append(Paragraph(esc(_("No data for this period.")), body))
    for section in report.get("sections", []):
        story.append(Paragraph(esc(section["title"]), h2))
        figures = section.get("figures") or []
        if figures:
            story.append(
                table(
                    [_("Figure"), _("Value")], [[f["label"], _figure(f)] for f in figures], [90 * mm, 50 * mm]
                )
            )
        if section.get("chart") and section["chart"].get("values"):
            story.append(Spacer(1, 3 * mm))
            story.append(_chart(section["chart"], font))
        for t in section.get("tables") or []:
            story.append(Paragraph(esc(t["title"]), h3))
            if t["rows"]:
                story.append(table(t["columns"], t["rows"][:200]))
            else:
                story.append(Paragraph(esc(_("None.")), small))
        if section.get("note"):
            story.append(Paragraph(esc(section["note"]), small))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=str(report["title"]),
        author="SQMS",
    )

    def footer(canvas: Any, doc_: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 7)
        canvas.setFillColor(colors.grey)
        canvas.drawRightString(A4[0] - 16 * mm, 9 * mm, f"{report['title']} · {doc_.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()


_BAD_SHEET = re.compile(r"[\[\]:*?/\\]")


def sheet_title(title: str, used: set[str]) -> str:
    base = _BAD_SHEET.sub(" ", title).strip()[:28] or "Sheet"
    name, i = base, 2
    while name.lower() in used:
        name = f"{base[:25]} {i}"
        i += 1
    used.add(name.lower())
    return name


def xlsx_bytes(report: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    used: set[str] = set()
    ws.title = sheet_title(_("Summary"), used)
    ws.append([report["title"]])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([report.get("subtitle", "")])
    ws.append([_("Generated"), report.get("generated_at", ""), report.get("by", "")])
    ws.append([])
    ws.append([pgettext("report", "Section"), _("Figure"), _("Value")])
    for section in report.get("sections", []):
        for f in section.get("figures") or []:
            ws.append([section["title"], f["label"], f.get("value")])
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 28
    for section in report.get("sections", []):
        sh = wb.create_sheet(sheet_title(section["title"], used))
        sh.append([section["title"]])
        sh["A1"].font = Font(bold=True, size=12)
        for f in section.get("figures") or []:
            sh.append([f["label"], f.get("value"), f.get("suffix", "")])
        for t in section.get("tables") or []:
            sh.append([])
            sh.append([t["title"]])
            sh.cell(row=sh.max_row, column=1).font = Font(bold=True)
            sh.append(list(t["columns"]))
            for c in sh[sh.max_row]:
                c.font = Font(bold=True)
            for row in t["rows"]:
                sh.append(list(row))
        if section.get("note"):
            sh.append([])
            sh.append([section["note"]])
        sh.column_dimensions["A"].width = 30
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
