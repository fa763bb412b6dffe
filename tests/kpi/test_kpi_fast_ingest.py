"""The fast ingest path (sqms.kpi.ingest_fast) against the row-by-row reference path (services.prepare /
write with bulk_create): same stored rows, same rollups, same errors; duplicate policies across chunks;
a crash in the middle writes nothing."""

import datetime as dt

import polars as pl
import pytest
from django.db import connection
from django.utils import translation
from test_kpi_ingest import assert_rollups_match_raw, monthly_snapshot, row, snapshot

from sqms.core.errors import ValidationFailed
from sqms.core.models import AuditEntry
from sqms.kpi import ingest_fast, services
from sqms.kpi.management.commands.import_service_records import file_chunks
from sqms.kpi.models import DailyRollup, MonthlyRollup, ServiceRecord
from sqms_testing import fresh

RECORD_FIELDS = [
    "source", "external_id", "org_unit_id", "staff_id", "customer_id", "service_type", "channel",
    "requested_at", "first_response_at", "completed_at", "promised_at", "outcome",
    "first_contact_resolution", "rating",
]  # fmt: skip


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def records():
    return sorted(ServiceRecord.objects.values_list(*RECORD_FIELDS))


def raw_stamps():
    """The timestamps exactly as the database holds them (text on SQLite)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT external_id, requested_at, first_response_at, completed_at, promised_at "
            "FROM kpi_servicerecord ORDER BY external_id"
        )
        return [tuple(str(v) for v in r) for r in cursor.fetchall()]


def wipe():
    ServiceRecord.objects.all().delete()
    DailyRollup.objects.all().delete()
    MonthlyRollup.objects.all().delete()


def both_paths(user, rows, **kw):
    """Ingest ``rows`` by the reference path, then (after wiping) by the fast path; return both states."""
    services.ingest_reference(actor=user, rows=rows, **kw)
    ref = (records(), raw_stamps(), snapshot(), monthly_snapshot())
    wipe()
    services.ingest(actor=user, rows=rows, **kw)
    fast = (records(), raw_stamps(), snapshot(), monthly_snapshot())
    return ref, fast


def varied_rows(org):
    """Spellings the vectorised parser reads and ones only the reference validator reads."""
    staff_no = org.agent_a.staff.employee_no if hasattr(org.agent_a, "staff") else None
    rows = []
    for i in range(60):
        r = row(f"V{i}", unit=["BA", "BA-T", "BB"][i % 3], day=1 + i % 5, hour=i % 24,
                response=[None, 0, 4, 61, 3599, 90_000][i % 6], handling=[None, 95_000, 96_000, 200_000, 2_000_000][i % 5],
                promise=[None, 3600, 7200][i % 3], rating=[None, 1, 5, "3", " 4 "][i % 5])  # fmt: skip
        r["first_contact_resolution"] = ["是", "否", "yes", "0", True, False, "", None][i % 8]
        r["channel"] = ["phone", "", None][i % 3]
        r["source"] = ["", "crm"][i % 2]
        rows.append(r)
    # offsets, fractions, "Z", a space separator, a date alone and "4.0": the last two only the reference
    # validator understands, so the fast path hands them over
    rows[0]["requested_at"] = "2026-10-01T01:00:00Z"
    rows[0]["first_response_at"] = "2026-10-01T09:00:30.250+08:00"
    rows[0]["completed_at"] = rows[0]["promised_at"] = None
    rows[1]["requested_at"] = "2026-10-01 23:30:00.5"
    rows[2]["requested_at"] = "2026-10-02"
    rows[2]["first_response_at"] = rows[2]["completed_at"] = rows[2]["promised_at"] = None
    rows[3]["rating"] = "4.0"
    rows[4]["requested_at"] = "2026-09-30T20:00:00-02:00"  # the next local day in Asia/Shanghai
    rows[4]["first_response_at"] = rows[4]["completed_at"] = rows[4]["promised_at"] = None
    if staff_no:
        rows[5]["staff"] = staff_no
    return rows


def test_fast_path_stores_the_same_rows_and_rollups_as_the_reference(org):
    user = fresh(org.quality)
    ref, fast = both_paths(user, varied_rows(org))
    assert len(ref[0]) == 60
    assert fast == ref
    assert_rollups_match_raw()


def test_fast_path_updates_like_the_reference(org):
    user = fresh(org.quality)
    first = [row(f"U{i}", unit="BA" if i % 2 else "BB", rating=1 + i % 5) for i in range(10)]
    second = [row(f"U{i}", unit="BA-T", day=3, rating=5, handling=60) for i in range(0, 14, 2)]
    services.ingest_reference(actor=user, rows=first)
    services.ingest_reference(actor=user, rows=second, on_duplicate="update")
    ref = (records(), snapshot(), monthly_snapshot())
    wipe()
    services.ingest(actor=user, rows=first)
    counts = services.ingest(actor=user, rows=second, on_duplicate="update")
    assert counts["created"] == 2 and counts["updated"] == 5
    assert (records(), snapshot(), monthly_snapshot()) == ref
    assert_rollups_match_raw()


def test_errors_are_the_reference_errors(org):
    user = fresh(org.manager_a)
    services.ingest(actor=fresh(org.quality), rows=[row("OLD", unit="BA")])
    rows = [
        row("A1"),
        row("A2", rating=7),
        row("A3", completed_at="2026-09-01T00:00:00"),
        row("A4", requested_at="yesterday"),
        row("A5", first_contact_resolution="maybe"),
        row("A6", unit="BB"),
        row("A7", unit="NOPE"),
        row("A8", staff="X-404"),
        row("A9", customer="abc"),
        row("A10", customer="999999"),
        row("", unit=""),
        row("OLD"),
        row("A1"),
        row("A12", rating="4.5", channel="x" * 21),
    ]
    with pytest.raises(ValidationFailed) as ref:
        services.ingest_reference(actor=user, rows=rows)
    with pytest.raises(ValidationFailed) as fast:
        services.ingest(actor=user, rows=rows)
    assert fast.value.fields == ref.value.fields
    assert fast.value.message == ref.value.message
    assert ServiceRecord.objects.count() == 1


def _chunks(rows, size):
    return ingest_fast.row_chunks(rows, size)


def _run(user, rows, size, on_duplicate="reject"):
    return ingest_fast.run_ingest(
        actor=user,
        chunks=_chunks(rows, size),
        on_duplicate=on_duplicate,
        context_factory=lambda: services.Context(actor=user, on_duplicate=on_duplicate),
    )


def test_duplicates_across_chunks_are_found_in_both_policies(org):
    user = fresh(org.quality)
    rows = [row(f"C{i}") for i in range(7)] + [row("C2")]
    for policy in ("reject", "update"):
        counts, ctx = _run(user, rows, size=3, on_duplicate=policy)
        assert counts is None
        assert [(e["row"], e["field"]) for e in ctx.errors] == [(8, "external_id")]
        assert ServiceRecord.objects.count() == 0 and DailyRollup.objects.count() == 0
    counts, ctx = _run(user, rows[:7], size=3)
    assert ctx is None and counts == {"created": 7, "updated": 0, "rollups": 1}
    counts, ctx = _run(user, [row("C9"), row("C1")], size=1)  # reject: an existing id in chunk 2
    assert counts is None and [(e["row"], e["reason"]) for e in ctx.errors] == [
        (2, "A service record with this external id already exists.")
    ]
    assert ServiceRecord.objects.count() == 7
    counts, ctx = _run(user, [row("C9"), row("C1", rating=1, day=2)], size=1, on_duplicate="update")
    assert ctx is None and (counts["created"], counts["updated"]) == (1, 1)
    assert ServiceRecord.objects.get(external_id="C1").rating == 1
    assert_rollups_match_raw()


def test_update_of_a_record_out_of_scope_is_refused_in_any_chunk(org):
    services.ingest(actor=fresh(org.quality), rows=[row("B1", unit="BB")])
    user = fresh(org.manager_a)
    counts, ctx = _run(user, [row("A1"), row("A2"), row("B1", unit="BA")], size=2, on_duplicate="update")
    assert counts is None and [(e["row"], e["reason"]) for e in ctx.errors] == [
        (3, "This external id cannot be used.")
    ]
    assert ServiceRecord.objects.count() == 1


def test_a_crash_in_the_middle_writes_nothing(org):
    user = fresh(org.quality)
    audit_before = AuditEntry.objects.count()
    good = ingest_fast.row_chunks([row(f"K{i}") for i in range(6)], 3)

    def crashing():
        for n, chunk in enumerate(good()):
            if n == 1:
                raise OSError("disk gone")
            yield chunk

    with pytest.raises(OSError):
        ingest_fast.run_ingest(
            actor=user,
            chunks=crashing,
            on_duplicate="reject",
            context_factory=lambda: services.Context(actor=user, on_duplicate="reject"),
        )
    assert ServiceRecord.objects.count() == 0
    assert DailyRollup.objects.count() == 0 and MonthlyRollup.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_file_chunks_number_rows_as_lines_and_read_typed_parquet(org, tmp_path):
    user = fresh(org.quality)
    rows = [row(f"F{i}") for i in range(5)]
    frame = pl.DataFrame(rows).with_columns(
        pl.col("requested_at").str.to_datetime(),
        pl.col("rating").cast(pl.Int64),
        pl.col("first_contact_resolution").cast(pl.Boolean),
    )
    path = tmp_path / "typed.parquet"
    frame.write_parquet(path)
    counts, ctx = ingest_fast.run_ingest(
        actor=user,
        chunks=lambda: file_chunks(path, chunk=2),
        on_duplicate="reject",
        context_factory=lambda: services.Context(actor=user, on_duplicate="reject"),
    )
    assert ctx is None and counts["created"] == 5
    assert ServiceRecord.objects.get(external_id="F0").requested_at == dt.datetime(
        2026, 10, 1, 1, 0, tzinfo=dt.UTC
    )  # 09:00 in Asia/Shanghai
    bad = tmp_path / "bad.csv"
    pl.DataFrame([row("G1"), row("G2"), row("G3", rating="9")]).write_csv(bad)
    counts, ctx = ingest_fast.run_ingest(
        actor=user,
        chunks=lambda: file_chunks(bad, chunk=2),
        on_duplicate="reject",
        context_factory=lambda: services.Context(actor=user, on_duplicate="reject"),
    )
    assert counts is None and [(e["row"], e["field"]) for e in ctx.errors] == [(4, "rating")]
    assert ServiceRecord.objects.count() == 5


STAMP_SPELLINGS = [
    "2026-10-01 09:00:00", "2026-10-01T09:00:00", " 2026-10-01 09:00:00 ", "2026-10-01 09:00:00.5",
    "2026-10-01T09:00:00.123456", "2026-10-01T01:00:00Z", "2026-10-01T09:00:00+08:00",
    "2026-09-30T20:00:00-02:00", "2026-10-01", "2026-10-01 09:00", "2026-13-01 09:00:00",
    "2026-02-30 09:00:00", "yesterday", "", None,
    "2026-03-29 02:30:00", "2026-10-25 02:30:00",  # a missing and a repeated hour in Europe/Berlin
]  # fmt: skip


@pytest.mark.parametrize("tz", ["Asia/Shanghai", "Europe/Berlin"])
def test_the_common_stamp_spelling_pass_reads_like_the_full_expressions(tz):
    """_parse_stamps reads plain local times cheaply and every other spelling with the full regex
    expressions: the result is the full expressions' result, row for row, whatever the mix."""
    values = STAMP_SPELLINGS * 3
    frame = pl.DataFrame(
        {name: values[i:] + values[:i] for i, name in enumerate(ingest_fast.INPUT_COLUMNS)},
        schema=dict.fromkeys(ingest_fast.INPUT_COLUMNS, pl.String),
    ).with_columns(pl.int_range(7, 7 + len(values), dtype=pl.Int64).alias("row"))
    full = frame.select(
        pl.col("row"), *[e for name in ingest_fast.STAMPS for e in ingest_fast._stamp_exprs(name, tz)]
    )
    fast = ingest_fast._parse_stamps(frame, tz)
    assert fast.columns == full.columns
    assert fast.rows() == full.rows()
    req = dict(zip(frame["requested_at"], fast["req"], strict=False))
    local = dt.timezone(dt.timedelta(hours=8 if tz == "Asia/Shanghai" else 2))
    assert req["2026-10-01 09:00:00"] == ingest_fast.to_us(dt.datetime(2026, 10, 1, 9, tzinfo=local))
    assert req["2026-10-01T01:00:00Z"] == ingest_fast.to_us(dt.datetime(2026, 10, 1, 1, tzinfo=dt.UTC))
    assert fast["req_bad"].sum() > 0 and fast["req"].null_count() > 0  # not everything reads
    # only plain spellings: nothing is read twice, same answer
    plain = frame.with_columns(pl.lit("2026-10-01 09:00:00").alias(n) for n in ingest_fast.STAMPS)
    assert not any(ingest_fast._parse_stamps(plain, tz).select(pl.col("^.*_bad$")).row(0))


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_an_ingest_runs_with_a_larger_sqlite_page_cache_and_gives_it_back(org):
    user = fresh(org.quality)
    connection.ensure_connection()
    before = connection.connection.execute("PRAGMA cache_size").fetchone()[0]
    seen = []
    rows = [row(f"P{i}") for i in range(4)]
    gen = ingest_fast.row_chunks(rows, 2)

    def watching():
        for chunk in gen():
            seen.append(connection.connection.execute("PRAGMA cache_size").fetchone()[0])
            yield chunk

    counts, ctx = ingest_fast.run_ingest(
        actor=user,
        chunks=watching,
        on_duplicate="reject",
        context_factory=lambda: services.Context(actor=user, on_duplicate="reject"),
    )
    assert ctx is None and counts["created"] == 4
    assert seen == [-ingest_fast.SQLITE_INGEST_CACHE_KIB] * 2
    assert connection.connection.execute("PRAGMA cache_size").fetchone()[0] == before
    with pytest.raises(RuntimeError), ingest_fast.sqlite_page_cache(1024):
        assert connection.connection.execute("PRAGMA cache_size").fetchone()[0] == -1024
        raise RuntimeError
    assert connection.connection.execute("PRAGMA cache_size").fetchone()[0] == before


@pytest.mark.parametrize("block", [1, 7, 64, 1 << 20])
def test_csv_blocks_end_between_records_whatever_the_quotes(tmp_path, block):
    """csv_frames cuts blocks only at line breaks outside quotes: a quoted field keeps its line breaks
    and doubled quotes wherever a block ends, and the frames together are the file."""
    text = (
        'source,external_id,rating\n'
        'a,"line\none",1\n'
        '"q""uote",,\n'
        'b,"two\r\nbreaks\n""x""",5\n'
        '"","",""\n'
        'c,plain,3'
    )  # fmt: skip
    path = tmp_path / "q.csv"
    path.write_bytes(text.encode())
    frames = list(ingest_fast.csv_frames(path, block))
    whole = pl.read_csv(path, infer_schema=False)
    assert pl.concat(frames).equals(whole)
    assert whole["external_id"].to_list() == ["line\none", None, 'two\r\nbreaks\n"x"', "", "plain"]
    assert all(f.columns == ["source", "external_id", "rating"] for f in frames)
    if block == 1:
        assert len(frames) == 5  # one record a block
    (tmp_path / "empty.csv").write_bytes(b"")
    assert list(ingest_fast.csv_frames(tmp_path / "empty.csv")) == []
