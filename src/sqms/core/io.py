"""Import and export of registers (CSV and Excel).

Imports read the whole file first and validate every row; with any bad row nothing is written unless the
user asked for ``skip_invalid``, and every bad row is reported with its line number, column and reason.
CSV files may be UTF-8, UTF-8 with BOM or GBK (what Excel on a Chinese Windows writes). Exports neutralise
formula injection (a cell starting with = + - @ is prefixed with an apostrophe).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sqms.core.errors import ValidationFailed
from sqms.core.masking import can_see_personal, note_unmasked

MAX_ROWS = 200_000
MAX_CELL = 10_000
# Blank lines are skipped, but a file of a million empty rows is refused early instead of being walked.
MAX_BLANK_ROWS = 10_000


def _too_many_blank() -> ValidationFailed:
    return ValidationFailed(
        _("The file has more than %(n)s empty rows; delete them and try again.") % {"n": MAX_BLANK_ROWS},
        fields={"file": [_("Too many empty rows.")]},
    )


@dataclass
class RowError:
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return _("line %(line)s, column %(column)s: %(reason)s") % {
            "line": self.line,
            "column": self.column or "-",
            "reason": self.reason,
        }


@dataclass
class ImportReport:
    total: int = 0
    written: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "written": self.written,
            "dry_run": self.dry_run,
            "errors": [{"line": e.line, "column": e.column, "reason": e.reason} for e in self.errors],
        }


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (line number as the user sees it, values by column)


def _decode(raw: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed(
        _("The file is neither UTF-8 nor GBK text."), fields={"file": [_("Unknown encoding.")]}
    )


def read_table(raw: bytes, filename: str) -> Table:
    """Parse CSV or Excel into rows keyed by the header line. Blank lines are skipped, not counted as rows."""
    suffix = Path(filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_excel(raw)
    if suffix not in (".csv", ".txt", ""):
        raise ValidationFailed(
            _("Unsupported file type %(ext)s: use CSV or Excel (.xlsx).") % {"ext": suffix},
            fields={"file": [_("Unsupported file type.")]},
        )
    text = _decode(raw)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ValidationFailed(_("The file is empty."), fields={"file": [_("The file is empty.")]}) from None
    except csv.Error as exc:
        raise ValidationFailed(_("The CSV file cannot be read: %(e)s") % {"e": exc}) from exc
    rows = []
    blank = 0
    try:
        for values in reader:
            if len(rows) >= MAX_ROWS:
                raise ValidationFailed(_("Too many rows: at most %(n)s per file.") % {"n": MAX_ROWS})
            if not any(v.strip() for v in values):
                blank += 1
                if blank > MAX_BLANK_ROWS:
                    raise _too_many_blank()
                continue
            rows.append(
                (
                    reader.line_num,
                    {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)},
                )
            )
    except csv.Error as exc:
        raise ValidationFailed(
            _("The CSV file cannot be read at line %(line)s: %(e)s") % {"line": reader.line_num, "e": exc}
        ) from exc
    return Table(header, rows)


def _broken_excel(exc: Exception) -> ValidationFailed:
    return ValidationFailed(
        _("The Excel file cannot be read: %(e)s") % {"e": str(exc)[:200]},
        fields={"file": [_("Broken or unsupported Excel file.")]},
    )


def _read_excel(raw: bytes) -> Table:
    """A broken workbook may fail when opened or only when a damaged sheet is read: both are bad input."""
    try:
        return _read_excel_rows(raw)
    except ValidationFailed:
        raise
    except Exception as exc:  # zip, XML and openpyxl errors of a damaged or hostile file
        raise _broken_excel(exc) from exc


def _read_excel_rows(raw: bytes) -> Table:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    if not wb.worksheets:
        raise ValidationFailed(_("The file is empty."), fields={"file": [_("The file is empty.")]})
    ws = wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    try:
        header = ["" if v is None else str(v).strip() for v in next(it)]
    except StopIteration:
        raise ValidationFailed(_("The file is empty."), fields={"file": [_("The file is empty.")]}) from None
    rows = []
    blank = 0
    for line, values in enumerate(it, start=2):
        cells = ["" if v is None else _cell_text(v) for v in values]
        if not any(c for c in cells):
            blank += 1
            if blank > MAX_BLANK_ROWS:
                wb.close()
                raise _too_many_blank()
            continue
        if len(rows) >= MAX_ROWS:
            raise ValidationFailed(_("Too many rows: at most %(n)s per file.") % {"n": MAX_ROWS})
        rows.append((line, {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header) if h}))
    wb.close()
    return Table(header, rows)


def _cell_text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v).strip()


@dataclass
class Column:
    """One import column: the header (any of ``names``), whether it is required, and a parser that turns
    the text into a value or raises ValueError with a reason the user can act on."""

    key: str
    names: Sequence[str]
    required: bool = False
    parse: Callable[[str], Any] = str


# --- cell parsers shared by every importer: each returns a value or raises ValueError with a reason --------

PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ]{5,19}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_choice(choices: Any) -> Callable[[str], str]:
    """A parser accepting a TextChoices value or its label (in either language), case-insensitively."""
    by_text = {str(label).lower(): value for value, label in choices.choices}
    by_text.update({v.lower(): v for v in choices.values})

    def parse(text: str) -> str:
        value = by_text.get(text.strip().lower())
        if value is None:
            raise ValueError(
                _("Unknown value “%(v)s”; use one of: %(opts)s")
                % {"v": text, "opts": ", ".join(choices.values)}
            )
        return str(value)

    return parse


def parse_phone(text: str) -> str:
    if not PHONE_RE.match(text):
        raise ValueError(_("Not a phone number."))
    return text


def parse_email(text: str) -> str:
    if not EMAIL_RE.match(text):
        raise ValueError(_("Not an e-mail address."))
    return text


def parse_bool(text: str) -> bool:
    t = text.strip().lower()
    if t in {"1", "y", "yes", "true", "是", "同意"}:
        return True
    if t in {"0", "n", "no", "false", "否", "不同意"}:
        return False
    raise ValueError(_("Use yes/no (是/否)."))


def parse_when(text: str) -> Any:
    """An aware datetime from "2026-05-06 09:30" (or with slashes); naive times are in TIME_ZONE."""
    from django.utils import timezone
    from django.utils.dateparse import parse_datetime

    value = parse_datetime(text.replace("/", "-").strip())
    if value is None:
        raise ValueError(_("Not a date and time (use 2026-05-06 09:30)."))
    return timezone.make_aware(value) if timezone.is_naive(value) else value


class Importer:
    """Subclasses set ``columns`` and implement :meth:`check` (cross-field and database checks that return
    a dict of column -> reason) and :meth:`write` (create or update one validated row)."""

    columns: Sequence[Column] = ()

    def __init__(self, actor: Any):
        self.actor = actor

    def header_map(self, header: list[str]) -> tuple[dict[str, str], list[RowError]]:
        mapping: dict[str, str] = {}
        errors: list[RowError] = []
        lowered = {h.lower(): h for h in header}
        for col in self.columns:
            found = next((lowered[n.lower()] for n in col.names if n.lower() in lowered), None)
            if found:
                mapping[col.key] = found
            elif col.required:
                errors.append(RowError(1, col.names[0], _("Required column is missing.")))
        return mapping, errors

    def parse_row(
        self, values: dict[str, str], mapping: dict[str, str], line: int
    ) -> tuple[dict[str, Any], list[RowError]]:
        data: dict[str, Any] = {}
        errors: list[RowError] = []
        for col in self.columns:
            if col.key not in mapping:
                continue
            text = values.get(mapping[col.key], "")
            if len(text) > MAX_CELL:
                errors.append(RowError(line, mapping[col.key], _("Cell too long.")))
                continue
            if not text:
                if col.required:
                    errors.append(RowError(line, mapping[col.key], _("This field is required.")))
                continue
            try:
                data[col.key] = col.parse(text)
            except (ValueError, TypeError) as exc:
                errors.append(RowError(line, mapping[col.key], str(exc) or _("Invalid value.")))
        if not errors:
            for column, reason in self.check(data, line).items():
                errors.append(RowError(line, mapping.get(column, column), reason))
        return data, errors

    def check(self, data: dict[str, Any], line: int) -> dict[str, str]:
        return {}

    def write(self, data: dict[str, Any]) -> None:
        raise NotImplementedError


def run_import(
    importer: Importer, table: Table, *, skip_invalid: bool = False, dry_run: bool = False
) -> ImportReport:
    report = ImportReport(total=len(table.rows), dry_run=dry_run)
    mapping, header_errors = importer.header_map(table.header)
    if header_errors:
        report.errors = header_errors
        return report
    valid: list[dict[str, Any]] = []
    for line, values in table.rows:
        data, errors = importer.parse_row(values, mapping, line)
        if errors:
            report.errors.extend(errors)
        else:
            valid.append(data)
    if (report.errors and not skip_invalid) or dry_run:
        return report
    with transaction.atomic():
        for data in valid:
            importer.write(data)
    report.written = len(valid)
    return report


# --- export --------------------------------------------------------------------------------------------

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formula injection; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


def export_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str) -> tuple[bytes, str]:
    """Bytes and content type of a CSV (UTF-8 with BOM so Excel opens Chinese correctly) or an Excel file."""
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow([safe_cell(str(h)) for h in headers])
        for row in rows:
            writer.writerow([safe_cell("" if v is None else v) for v in row])
        return ("\ufeff" + buf.getvalue()).encode("utf-8"), "text/csv; charset=utf-8"
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet()
        ws.append([safe_cell(str(h)) for h in headers])
        for row in rows:
            ws.append([safe_cell(_xlsx_value(v)) for v in row])
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    raise ValidationFailed(
        _("Unknown export format %(fmt)s: use csv or xlsx.") % {"fmt": fmt},
        fields={"format": [_("Use csv or xlsx.")]},
    )


def _xlsx_value(v: Any) -> Any:
    if v is None:
        return ""
    if hasattr(v, "tzinfo") and getattr(v, "tzinfo", None) is not None:
        from django.utils import timezone

        return timezone.localtime(v).replace(tzinfo=None)
    if isinstance(v, int | float | str) or hasattr(v, "isoformat"):
        return v
    return str(v)


# --- registries: every app's importers and exporters, for the CLI, the pages and the API -----------------


@dataclass
class ImportKind:
    importer: type[Importer]
    permission: str


@dataclass
class ExportKind:
    build: Callable[[Any], tuple[list[str], Iterable[Sequence[Any]]]]
    permission: str
    personal_model: str | None = None  # "app.Model" whose unmasked personal fields the export carries


IMPORT_KINDS: dict[str, ImportKind] = {}
# Kinds whose import needs options of its own (a survey, a duplicate policy …): `sqms import KIND …` hands
# the rest of the command line to that app's management command.
IMPORT_COMMANDS: dict[str, str] = {}
EXPORT_KINDS: dict[str, ExportKind] = {}


def register_import(kind: str, importer: type[Importer], permission: str) -> None:
    IMPORT_KINDS[kind] = ImportKind(importer, permission)


def register_import_command(kind: str, command: str) -> None:
    IMPORT_COMMANDS[kind] = command


def register_export(
    kind: str,
    build: Callable[[Any], tuple[list[str], Iterable[Sequence[Any]]]],
    permission: str,
    *,
    personal_model: str | None = None,
) -> None:
    EXPORT_KINDS[kind] = ExportKind(build, permission, personal_model)


def import_file(
    kind: str, *, actor: Any, raw: bytes, filename: str, skip_invalid: bool = False, dry_run: bool = False
) -> ImportReport:
    from sqms.core import audit
    from sqms.core.errors import Forbidden, NotFound
    from sqms.core.models import AuditAction

    spec = IMPORT_KINDS.get(kind)
    if spec is None:
        raise NotFound(_("Unknown import type %(kind)s.") % {"kind": kind})
    if not actor.has_perm(spec.permission):
        raise Forbidden()
    from django.conf import settings

    limit = int(getattr(settings, "SQMS_IMPORT_MAX_BYTES", 50 * 1024 * 1024))
    if limit and len(raw) > limit:
        raise ValidationFailed(
            _("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)},
            fields={"file": [_("File too large.")]},
        )
    report = run_import(
        spec.importer(actor), read_table(raw, filename), skip_invalid=skip_invalid, dry_run=dry_run
    )
    if report.written:
        audit.record(
            actor=actor,
            action=AuditAction.IMPORT,
            verb=f"import {kind} {filename}"[:200],
            extra={"kind": kind, "file": filename, "written": report.written, "rejected": len(report.errors)},
        )
    return report


def _counted_for_log(rows: Iterable[Sequence[Any]], actor: Any, label: str) -> Iterator[Sequence[Any]]:
    """The rows, unchanged; once all are written, one access-log entry with their number (the export
    hands out unmasked personal data)."""
    from django.apps import apps

    n = 0
    for row in rows:
        n += 1
        yield row
    note_unmasked(actor, apps.get_model(label), [], count=n, purpose="export")


def export_kind(kind: str, *, actor: Any, fmt: str) -> tuple[bytes, str]:
    from sqms.core import audit
    from sqms.core.errors import Forbidden, NotFound
    from sqms.core.models import AuditAction

    spec = EXPORT_KINDS.get(kind)
    if spec is None:
        raise NotFound(_("Unknown export type %(kind)s.") % {"kind": kind})
    if not actor.has_perm(spec.permission):
        raise Forbidden()
    headers, rows = spec.build(actor)
    if spec.personal_model and can_see_personal(actor):
        rows = _counted_for_log(rows, actor, spec.personal_model)
    data = export_table(headers, rows, fmt)
    audit.record(actor=actor, action=AuditAction.EXPORT, verb=f"export {kind} {fmt}", extra={"kind": kind})
    return data
