"""Import of responses from CSV/Excel, including the export layout of common Chinese survey tools
(问卷星: 序号, 提交答卷时间, 所用时间, 来源, 来自IP, then one column per question as "1、题目" with answers as
option texts or codes). Columns are mapped automatically (code, number or wording) or by an explicit
mapping ``{header: question code or meta field}``. Every row is validated first; with any bad row nothing
is written and every problem is reported with its line and column."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit, dataversion
from sqms.core.errors import ValidationFailed
from sqms.core.io import ImportReport, RowError, read_table
from sqms.core.models import AuditAction
from sqms.core.services import perm_name, require_in_scope, require_perm
from sqms.org.models import OrgUnit
from sqms.surveys import domain
from sqms.surveys.models import Campaign, Channel, Response, ResponseSource

META = {
    "external_id": ["序号", "id", "response_id", "答卷编号", "编号"],
    "submitted_at": ["提交答卷时间", "submitted_at", "提交时间", "time"],
    "duration": ["所用时间", "duration", "duration_s", "用时"],
    "source": ["来源", "source", "来源渠道"],
    "ip": ["来自IP", "ip", "IP", "来源IP"],
    "org_unit": ["org_unit", "单位", "网点", "unit"],
    "respondent": ["token", "respondent", "受访者编号"],
}
NUMBER_PREFIX = re.compile(r"^\s*(?:Q)?(\d+)\s*[、.．:：)\]]\s*(.*)$", re.IGNORECASE)


def _norm(text: str) -> str:
    return re.sub(r"[\s\u3000：:？?。，,（）()“”\"'—\-_]+", "", str(text)).lower()


def auto_mapping(definition: Mapping[str, Any], header: list[str]) -> dict[str, str]:
    """header → question code / matrix row key / meta field."""
    qs = domain.questions(definition)
    mapping: dict[str, str] = {}
    meta_names = {n.lower(): key for key, names in META.items() for n in names}
    by_code = {q["code"].lower(): q["code"] for q in qs}
    by_text: dict[str, str] = {}
    for q in qs:
        for t in (q.get("text"), q.get("text_en")):
            if t:
                by_text[_norm(t)] = q["code"]
    by_number = {str(i): q["code"] for i, q in enumerate(qs, start=1)}
    rows: list[tuple[str, str, str]] = []  # (key, normalised row text, question)
    for q in qs:
        for r in q.get("rows", []):
            key = f"{q['code']}_{r['code']}"
            by_code[key.lower()] = key
            for t in (r.get("text"), r.get("text_en")):
                if t:
                    rows.append((key, _norm(t), q["code"]))
    for h in header:
        low = h.strip().lower()
        if low in meta_names:
            mapping[h] = meta_names[low]
        elif low in by_code:
            mapping[h] = by_code[low]
        elif _norm(h) in by_text:
            mapping[h] = by_text[_norm(h)]
        else:
            m = NUMBER_PREFIX.match(h)
            rest = _norm(m.group(2)) if m else _norm(h)
            row = next((key for key, text, _q in rows if rest.endswith(text) and text), None)
            if row:
                mapping[h] = row
            elif m and m.group(1) in by_number:
                mapping[h] = by_number[m.group(1)]
            elif rest in by_text:
                mapping[h] = by_text[rest]
    return mapping


def parse_duration(text: str) -> float:
    """ "125", "125秒", "2分5秒", "1时2分3秒", "00:02:05" → seconds."""
    t = text.strip()
    if not t:
        raise ValueError
    if re.fullmatch(r"\d+(\.\d+)?", t):
        return float(t)
    if re.fullmatch(r"\d+:\d{1,2}(:\d{1,2})?", t):
        parts = [int(p) for p in t.split(":")]
        while len(parts) < 3:
            parts.insert(0, 0)
        return float(parts[0] * 3600 + parts[1] * 60 + parts[2])
    m = re.fullmatch(
        r"(?:(\d+)\s*(?:时|小时|h))?\s*(?:(\d+)\s*(?:分|分钟|m|min))?\s*(?:(\d+(?:\.\d+)?)\s*(?:秒|s))?", t
    )
    if m and any(m.groups()):
        h, mi, s = m.groups()
        return int(h or 0) * 3600 + int(mi or 0) * 60 + float(s or 0)
    raise ValueError


def parse_time(text: str) -> datetime:
    t = text.strip().replace("T", " ")
    for fmt in (
        "%Y/%m/%d %H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d",
        "%Y/%m/%d",
    ):
        try:
            dt = datetime.strptime(t[:19], fmt)
            return timezone.make_aware(dt) if timezone.is_naive(dt) else dt
        except ValueError:
            continue
    try:
        dt = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError from None
    return timezone.make_aware(dt) if timezone.is_naive(dt) else dt


def import_responses(
    *,
    actor: Any,
    campaign: Campaign,
    raw: bytes,
    filename: str,
    mapping: Mapping[str, str] | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Import responses into ``campaign``: validate every row, then write all or nothing."""
    require_perm(actor, perm_name(Response, "add"))
    require_in_scope(actor, campaign)
    table = read_table(raw, filename)
    version = campaign.version
    definition = version.definition
    report = ImportReport(total=len(table.rows), dry_run=dry_run)
    cols = dict(mapping) if mapping else auto_mapping(definition, table.header)
    known = (
        {q["code"] for q in domain.questions(definition)}
        | {f"{q['code']}_{r['code']}" for q in domain.questions(definition) for r in q.get("rows", [])}
        | set(META)
    )
    for h, target in cols.items():
        if h not in table.header:
            report.errors.append(RowError(1, h, _("This column is not in the file.")))
        elif target not in known:
            report.errors.append(RowError(1, h, _("Unknown question or field %(t)s.") % {"t": target}))
    mapped_questions = {t for t in cols.values() if t not in META}
    if not mapped_questions:
        report.errors.append(
            RowError(1, "", _("No column matches a question of the survey; give a column mapping."))
        )
    if report.errors:
        return report
    header_of = {t: h for h, t in cols.items()}
    units = {u.code: u for u in OrgUnit.objects.filter(path__startswith=campaign.org_unit.path)}
    messages = _messages()
    existing = set(
        Response.objects.filter(campaign=campaign)
        .exclude(external_id="")
        .values_list("external_id", flat=True)
    )
    seen_ids: dict[str, int] = {}
    now = timezone.now()
    pending: list[Response] = []
    packed: list[bytes] = []
    for line, values in table.rows:
        row_errors: list[RowError] = []
        raw_answers: dict[str, list[str]] = {}
        meta: dict[str, str] = {}
        for h, target in cols.items():
            text = values.get(h, "")
            if target in META:
                meta[target] = text
            elif text not in ("", "(跳过)", "(空)", "-3", "-2"):
                raw_answers[target] = [text]
        checked = domain.check_answers(definition, raw_answers, messages=messages, labels=True)
        for key, reason in checked.errors.items():
            if key in header_of or any(t.startswith(key + "_") for t in header_of):
                row_errors.append(RowError(line, header_of.get(key, key), reason))
            else:
                row_errors.append(RowError(line, key, _("The column of this question is missing.")))
        ext = meta.get("external_id", "").strip()
        if ext:
            if ext in existing:
                row_errors.append(RowError(line, header_of["external_id"], _("Already imported.")))
            elif ext in seen_ids:
                row_errors.append(
                    RowError(
                        line, header_of["external_id"], _("Same id as line %(l)s.") % {"l": seen_ids[ext]}
                    )
                )
            seen_ids.setdefault(ext, line)
        submitted = now
        if meta.get("submitted_at"):
            try:
                submitted = parse_time(meta["submitted_at"])
            except ValueError:
                row_errors.append(RowError(line, header_of["submitted_at"], _("Not a date and time.")))
        duration = None
        if meta.get("duration"):
            try:
                duration = parse_duration(meta["duration"])
            except ValueError:
                row_errors.append(
                    RowError(line, header_of["duration"], _("Not a duration (e.g. 125秒 or 2分5秒)."))
                )
        ip = None
        if meta.get("ip"):
            m = re.match(r"^\s*([0-9a-fA-F.:]+)", meta["ip"])
            ip = m.group(1) if m else None
        unit = campaign.org_unit
        if meta.get("org_unit"):
            unit = units.get(meta["org_unit"].strip())
            if unit is None:
                row_errors.append(
                    RowError(line, header_of["org_unit"], _("Unknown unit or outside the campaign."))
                )
        if row_errors:
            report.errors.extend(row_errors)
            continue
        answers = dict(checked.answers)
        if meta.get("respondent"):
            answers["_respondent"] = meta["respondent"].strip()
        if meta.get("source"):
            answers["_source"] = meta["source"].strip()[:60]
        pending.append(
            Response(
                campaign=campaign,
                version=version,
                org_unit=unit,
                channel=Channel.IMPORT,
                source=ResponseSource.IMPORT,
                external_id=ext[:60],
                submitted_at=submitted,
                duration_s=duration,
                ip=ip,
                answers=answers,
            )
        )
        packed.append(domain.pack(version.items, answers))
    if report.errors or dry_run:
        return report
    with transaction.atomic():
        from sqms.surveys.services import refresh_rollup, write_values

        Response.objects.bulk_create(pending, batch_size=1000)
        write_values(pending, packed)
        refresh_rollup(campaign)
        audit.record(
            actor=actor,
            action=AuditAction.IMPORT,
            instance=campaign,
            verb=f"import responses {filename}"[:200],
            extra={"file": filename, "written": len(pending)},
        )
    dataversion.bump("surveys")
    report.written = len(pending)
    return report


def _messages() -> dict[str, str]:
    from sqms.surveys.services import answer_messages

    msgs = answer_messages()
    msgs["choice"] = _("Not one of the options (give the option text or its code).")
    return msgs


def check_mapping(mapping: Any) -> dict[str, str]:
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
    ):
        raise ValidationFailed(
            fields={"mapping": [_('Use a JSON object {"column header": "question code"}.')]}
        )
    return mapping
