"""Inline SVG diagrams of a root cause analysis: the 5 Whys chain and the 6M fishbone (Ishikawa)."""

from __future__ import annotations

import textwrap

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from sqms.improvement.domain import FISHBONE_CATEGORIES

CATEGORY_LABELS = {
    "man": gettext_lazy("Man"),
    "machine": gettext_lazy("Machine"),
    "material": gettext_lazy("Material"),
    "method": gettext_lazy("Method"),
    "environment": gettext_lazy("Environment"),
    "measurement": gettext_lazy("Measurement"),
}


def category_label(key: str) -> str:
    """A 6M bone's name: 人（人员） in Chinese, the word alone in English."""
    zh = next(z for k, z, _en in FISHBONE_CATEGORIES if k == key)
    label = str(CATEGORY_LABELS[key])
    return f"{zh}（{label}）" if (get_language() or "").lower().startswith("zh") else label


def _lines(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width=width, break_long_words=True)[:3] or [""]


def _text(
    x: float, y: float, text: str, width: int, size: int = 13, anchor: str = "middle", **attrs: str
) -> str:
    extra = " ".join(f'{k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    spans = "".join(
        f'<tspan x="{x}" dy="{0 if i == 0 else size + 3}">{escape(line)}</tspan>'
        for i, line in enumerate(_lines(text, width))
    )
    return f'<text x="{x}" y="{y}" font-size="{size}" text-anchor="{anchor}" {extra}>{spans}</text>'


def five_whys_svg(problem: str, whys: list[str]) -> SafeString:
    """The problem, then one box per “why?” answer, arrows between; the last answer is the root cause."""
    box_w, box_h, gap = 520, 54, 26
    n = len(whys) + 1
    height = n * box_h + (n - 1) * gap + 10
    parts = [
        f'<svg class="sqms-whys" role="img" aria-label="{escape(_("5 Whys"))}" viewBox="0 0 560 {height}" '
        f'width="100%" style="max-width:560px;height:auto" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="6" markerHeight="6" '
        'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#64748b"/></marker></defs>',
    ]
    items = [(_("Problem"), problem)] + [(_("Why %(n)d?") % {"n": i + 1}, w) for i, w in enumerate(whys)]
    for i, (label, text) in enumerate(items):
        y = 5 + i * (box_h + gap)
        last = i == len(items) - 1 and i > 0
        fill = "#fee2e2" if i == 0 else ("#fef3c7" if last else "#f1f5f9")
        stroke = "#b91c1c" if i == 0 else ("#b45309" if last else "#94a3b8")
        parts.append(
            f'<rect x="20" y="{y}" width="{box_w}" height="{box_h}" rx="6" fill="{fill}" stroke="{stroke}"/>'
        )
        parts.append(_text(30, y + 17, label, 40, 11, "start", fill="#475569", font_weight="bold"))
        parts.append(_text(280, y + 34, text, 60, 13, fill="#0f172a"))
        if i < len(items) - 1:
            parts.append(
                f'<line x1="280" y1="{y + box_h}" x2="280" y2="{y + box_h + gap - 2}" stroke="#64748b" '
                'stroke-width="2" marker-end="url(#arrow)"/>'
            )
    if whys:
        y = 5 + (len(items) - 1) * (box_h + gap)
        parts.append(_text(536, y + 17, _("Root cause"), 20, 11, "end", fill="#b45309", font_weight="bold"))
    parts.append("</svg>")
    return mark_safe("".join(parts))


def fishbone_svg(problem: str, causes: dict[str, list[str]]) -> SafeString:
    """An Ishikawa diagram: the problem at the head, the six 6M bones (人机料法环测) with their causes."""
    # the first bone stands far enough from the left edge for its causes' text (written to the left of
    # each cause's line, up to 12 characters a line)
    width, height = 1000, 420
    spine_y = height / 2
    head_x = width - 170
    parts = [
        f'<svg class="sqms-fishbone" role="img" aria-label="{escape(_("Fishbone diagram"))}" '
        f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px;height:auto" xmlns="http://www.w3.org/2000/svg" '
        'font-family="sans-serif">',
        f'<line x1="30" y1="{spine_y}" x2="{head_x}" y2="{spine_y}" stroke="#334155" stroke-width="3"/>',
        f'<rect x="{head_x}" y="{spine_y - 45}" width="160" height="90" rx="8" fill="#fee2e2" stroke="#b91c1c"/>',
        _text(head_x + 80, spine_y - 10, problem, 12, 13, fill="#7f1d1d"),
    ]
    columns = [300, 530, 760]
    for i, (key, _zh, _en) in enumerate(FISHBONE_CATEGORIES):
        top = i % 2 == 0
        x_end = columns[i // 2]
        x_start = x_end - 110
        y_end = spine_y
        y_start = 40 if top else height - 40
        parts.append(
            f'<line x1="{x_start}" y1="{y_start}" x2="{x_end}" y2="{y_end}" stroke="#475569" stroke-width="2"/>'
        )
        label_y = y_start - 12 if top else y_start + 22
        parts.append(
            _text(
                x_start,
                label_y,
                category_label(key),
                30,
                14,
                fill="#1e3a8a",
                font_weight="bold",
            )
        )
        items = causes.get(key, [])[:4]
        for j, cause in enumerate(items):
            frac = (j + 1) / (len(items) + 1)
            cx = x_start + (x_end - x_start) * frac
            cy = y_start + (y_end - y_start) * frac
            parts.append(f'<line x1="{cx - 60}" y1="{cy}" x2="{cx}" y2="{cy}" stroke="#94a3b8"/>')
            parts.append(_text(cx - 62, cy - 3, cause, 12, 11, "end", fill="#0f172a"))
    parts.append("</svg>")
    return mark_safe("".join(parts))
