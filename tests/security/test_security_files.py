"""Hostile and malformed files for every registered import kind, formula injection on export, and
property tests of the shared parsers (sqms.core.io)."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sqms.core import io as sio
from sqms.core.errors import ValidationFailed
from sqms.core.models import AuditAction, AuditEntry


def _xlsx(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _empty_rows_xlsx(n: int) -> bytes:
    """A workbook whose sheet declares ``n`` empty rows after a header (written directly, in seconds)."""
    base = zipfile.ZipFile(io.BytesIO(_xlsx([["name", "code"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in base.infolist():
            data = base.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                empty = "".join(
                    f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t></t></is></c></row>'
                    for i in range(2, n + 2)
                )
                assert "</row></sheetData>" in text
                text = text.replace("</row></sheetData>", "</row>" + empty + "</sheetData>")
                text = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="A1:B{n + 1}"/>', text)
                data = text.encode()
            z.writestr(item, data)
    return out.getvalue()


def _kinds() -> list[str]:
    return sorted(sio.IMPORT_KINDS)


def _imports_written() -> int:
    return AuditEntry.objects.filter(action=AuditAction.IMPORT).count()


HOSTILE: dict[str, tuple[bytes, str]] = {
    "broken excel": (b"PK\x03\x04 this is not really a zip", "data.xlsx"),
    "truncated excel": (b"", "data.xlsx"),
    "binary garbage": (bytes(range(256)) * 40 + b"\xff\xfe\xfd", "data.csv"),
    "unsupported type": (b"MZ\x90\x00", "data.exe"),
    "empty csv": (b"", "data.csv"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_files_are_refused_for_every_kind(org, case) -> None:
    raw, name = HOSTILE[case]
    kinds = _kinds()
    assert kinds, "no import kinds registered"
    for kind in kinds:
        with pytest.raises(ValidationFailed) as err:
            sio.import_file(kind, actor=org.admin, raw=raw, filename=name)
        assert err.value.message  # a clear message, not a traceback
    assert _imports_written() == 0


@pytest.mark.django_db
def test_content_problems_are_reported_and_nothing_written(org) -> None:
    formula = "=cmd|' /C calc'!A0"
    huge = "长" * (sio.MAX_CELL + 1)
    for kind in _kinds():
        header = [c.names[0] for c in sio.IMPORT_KINDS[kind].importer.columns]
        rows = [
            header,
            [huge] * len(header),
            [formula] * len(header),
            ["+1", "-1", "@SUM(A1)"][: len(header)],
        ]
        for raw, name in (
            (_xlsx(rows), "data.xlsx"),
            ("\n".join(",".join(r) for r in rows).encode("gbk"), "data.csv"),  # GBK, as Excel writes it
        ):
            report = sio.import_file(kind, actor=org.admin, raw=raw, filename=name)
            assert report.written == 0 and report.errors, (kind, name)
            assert any(e.reason for e in report.errors)
    assert _imports_written() == 0


@pytest.mark.django_db
def test_a_million_empty_rows_are_refused_early(org) -> None:
    csv_raw = b"name,code\n" + b",\n" * 1_000_000
    for raw, name in ((csv_raw, "data.csv"), (_empty_rows_xlsx(30_000), "data.xlsx")):
        for kind in _kinds():
            with pytest.raises(ValidationFailed) as err:
                sio.import_file(kind, actor=org.admin, raw=raw, filename=name)
            assert "empty rows" in err.value.message or "空" in err.value.message
    assert _imports_written() == 0


@pytest.mark.django_db
def test_oversized_file_and_csv_field_are_refused(org, settings) -> None:
    settings.SQMS_IMPORT_MAX_BYTES = 1024
    with pytest.raises(ValidationFailed):
        sio.import_file(_kinds()[0], actor=org.admin, raw=b"a," * 2000, filename="x.csv")
    settings.SQMS_IMPORT_MAX_BYTES = 0
    field = b'name\n"' + b"x" * (csv.field_size_limit() + 10) + b'"\n'
    with pytest.raises(ValidationFailed):
        sio.read_table(field, "x.csv")


@pytest.mark.django_db
def test_a_crash_at_row_n_writes_nothing(org, monkeypatch) -> None:
    from sqms.org.models import Customer

    kind = "customers"
    importer = sio.IMPORT_KINDS[kind].importer
    calls = {"n": 0}
    original = importer.write

    def failing_write(self, data):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("power cut at row 3")
        return original(self, data)

    monkeypatch.setattr(importer, "write", failing_write)
    header = [c.names[0] for c in importer.columns]
    before = Customer.objects.count()
    good = sio.import_file(kind, actor=org.admin, raw=_sample_customers(header, 1), filename="c.csv")
    assert good.written == 1 or good.errors  # the sample is valid for this importer
    if good.errors:
        pytest.skip(f"sample rows are not valid for {kind}: {good.errors[:1]}")
    calls["n"] = 0
    before = Customer.objects.count()
    with pytest.raises(RuntimeError):
        sio.import_file(kind, actor=org.admin, raw=_sample_customers(header, 5, start=10), filename="c.csv")
    assert Customer.objects.count() == before


def _sample_customers(header: list[str], n: int, start: int = 0) -> bytes:
    values = {
        "name": lambda i: f"客户{i}",
        "code": lambda i: f"C-{i:04d}",
        "phone": lambda i: f"1380000{i:04d}",
        "email": lambda i: f"c{i}@example.com",
    }
    lines = [",".join(header)]
    for i in range(start, start + n):
        lines.append(",".join(next((f(i) for k, f in values.items() if k in h.lower()), "") for h in header))
    return "\n".join(lines).encode()


DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


@given(st.text(max_size=40))
def test_safe_cell_never_starts_a_formula(text) -> None:
    out = sio.safe_cell(text)
    assert not out.startswith(DANGEROUS)
    assert out == text or out == "'" + text


def test_exports_neutralise_formula_injection() -> None:
    from openpyxl import load_workbook

    evil = ["=cmd|' /C calc'!A0", "+1+1", "-2", "@SUM(A1)", "\t=1", "\r=1", "ok", 5]
    data, _ctype = sio.export_table(["=h", "b"], [[v, v] for v in evil], "csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][0] == "'=h"
    for row in rows[1:]:
        assert not row[0].startswith(DANGEROUS)
    data, _ctype = sio.export_table(["=h", "b"], [[v, v] for v in evil], "xlsx")
    ws = load_workbook(io.BytesIO(data)).active
    for row in ws.iter_rows(values_only=True):
        for value in row:
            assert not (isinstance(value, str) and value.startswith(DANGEROUS)), value
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)  # no formula cells at all


cell_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30).map(str.strip)


@given(st.lists(st.lists(cell_text, min_size=2, max_size=2), min_size=1, max_size=20))
def test_read_table_round_trips_csv(rows) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["a", "b"])
    writer.writerows(rows)
    for encoding in ("utf-8", "utf-8-sig", "gb18030"):
        table = sio.read_table(buf.getvalue().encode(encoding), "x.csv")
        expected = [r for r in rows if any(v for v in r)]
        assert [[v["a"], v["b"]] for _line, v in table.rows] == expected


@given(st.text(max_size=30))
def test_parsers_answer_a_value_or_a_reason(text) -> None:
    for parse in (sio.parse_phone, sio.parse_email, sio.parse_bool, sio.parse_when):
        try:
            parse(text)
        except ValueError as exc:
            assert str(exc)


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_mobile_numbers_parse(phone) -> None:
    assert sio.parse_phone(phone) == phone


@given(
    st.datetimes(
        min_value=__import__("datetime").datetime(1990, 1, 1),
        max_value=__import__("datetime").datetime(2100, 1, 1),
    )
)
def test_parse_when_round_trips(value) -> None:
    value = value.replace(second=0, microsecond=0)
    parsed = sio.parse_when(value.strftime("%Y/%m/%d %H:%M"))
    assert parsed.tzinfo is not None and parsed.replace(tzinfo=None) == value


def test_parse_choice_accepts_value_and_labels() -> None:
    from sqms.core.models import AuditAction as A

    parse = sio.parse_choice(A)
    for value, label in A.choices:
        assert parse(value) == value and parse(str(label).upper()) == value
    with pytest.raises(ValueError):
        parse("no-such-choice")
