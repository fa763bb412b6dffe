"""PostgreSQL only: kpi_servicerecord partitioned by requested_at month (migration kpi.0006), the key table
that keeps (source, external_id) unique across months, and the task creating months ahead."""

import datetime as dt

import polars as pl
import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import translation
from test_kpi_fast_ingest import records, wipe
from test_kpi_ingest import assert_rollups_match_raw, monthly_snapshot, row, snapshot

from sqms.core.errors import ValidationFailed
from sqms.kpi import ingest_pg, partitions, services, tasks
from sqms.kpi.models import ServiceRecord
from sqms_testing import fresh

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only: SQLite has no table partitioning (migration kpi.0006 is a no-op there)",
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def sql(query, params=()):
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall() if cursor.description else None


def placement():
    """external_id -> the partition holding the record."""
    return dict(sql("SELECT external_id, tableoid::regclass::text FROM kpi_servicerecord"))


def keys():
    return sorted(sql("SELECT source, external_id FROM kpi_servicerecord_key"))


def at(ext, when, **kw):
    """A record requested at ``when`` (ISO text), with no later timestamps."""
    return row(ext, response=None, handling=None, promise=None, requested_at=when, **kw)


def test_the_table_is_partitioned_by_month_with_a_default_and_months_ahead(db):
    assert partitions.is_partitioned()
    kind, key = sql(
        "SELECT c.relkind, pg_get_partkeydef(c.oid) FROM pg_class c WHERE c.relname = 'kpi_servicerecord'"
    )[0]
    assert (kind, key) == ("p", "RANGE (requested_at)")
    names = dict(partitions.partitions())
    assert names["kpi_servicerecord_default"] == "DEFAULT"
    month = partitions.month_start(dt.datetime.now(dt.UTC))
    for _i in range(partitions.MONTHS_AHEAD + 1):
        bound = names[partitions.partition_name(month)]
        assert f"FROM ('{month.isoformat()} 00:00:00+00')" in bound
        month = partitions.next_month(month)
    pkey = sql("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'kpi_servicerecord_pkey'")
    assert pkey == [("PRIMARY KEY (id, requested_at)",)]


def test_records_land_in_their_month_and_register_their_key(org):
    user = fresh(org.quality)
    partitions.ensure_months([dt.date(2026, 10, 1)])
    rows = [
        row("A1", day=3),
        at("A2", "2026-10-31T23:30:00+00:00"),
        at("A3", "2031-02-01T00:00:00Z"),
    ]
    assert partitions.partition_name(dt.date(2031, 2, 1)) not in dict(partitions.partitions())
    services.ingest(actor=user, rows=rows)
    where = placement()
    assert where["A1"] == where["A2"] == "kpi_servicerecord_y2026m10"
    # the fast path created the month it needed instead of filling the default partition
    assert where["A3"] == "kpi_servicerecord_y2031m02"
    assert keys() == [("", "A1"), ("", "A2"), ("", "A3")]
    # so does the reference path; a record saved one at a time waits in the default partition for
    # the daily task
    services.ingest_reference(actor=user, rows=[at("A4", "2032-07-01T00:00:00Z")])
    assert placement()["A4"] == "kpi_servicerecord_y2032m07"
    ServiceRecord.objects.create(
        external_id="A5",
        org_unit=ServiceRecord.objects.get(external_id="A1").org_unit,
        service_type="repair",
        requested_at=dt.datetime(2033, 1, 5, tzinfo=dt.UTC),
    )
    assert placement()["A5"] == "kpi_servicerecord_default"


def test_a_backfill_of_past_months_gets_its_partitions_and_a_failed_one_none(org):
    user = fresh(org.quality)
    rows = [at(f"P{m}", f"2019-{m:02d}-15T08:00:00Z") for m in (3, 4)]
    services.ingest(actor=user, rows=rows, on_duplicate="update")  # the staged (update) path
    assert placement() == {"P3": "kpi_servicerecord_y2019m03", "P4": "kpi_servicerecord_y2019m04"}
    # a CSV-sized chunk with a bad row writes nothing, and leaves no partition behind
    with pytest.raises(ValidationFailed):
        services.ingest(actor=user, rows=[at("P5", "2018-05-15T08:00:00Z"), at("P6", "not a time")])
    assert partitions.partition_name(dt.date(2018, 5, 1)) not in dict(partitions.partitions())
    assert sql("SELECT count(*) FROM kpi_servicerecord_default") == [(0,)]


def test_a_duplicate_in_another_month_is_refused_by_both_paths(org):
    user = fresh(org.quality)
    services.ingest(actor=user, rows=[row("D1", day=3)])
    later = at("D1", "2026-12-05T10:00:00")
    for ingest in (services.ingest, services.ingest_reference):
        with pytest.raises(ValidationFailed) as exc:
            ingest(actor=user, rows=[later])
        assert exc.value.fields == {
            "rows.1.external_id": ["A service record with this external id already exists."]
        }
    assert ServiceRecord.objects.count() == 1
    # a writer skipping the validation runs into the key table
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceRecord.objects.create(
            external_id="D1",
            org_unit=ServiceRecord.objects.get().org_unit,
            service_type="repair",
            requested_at=dt.datetime(2027, 1, 5, tzinfo=dt.UTC),
        )
    assert ServiceRecord.objects.count() == 1


@pytest.mark.parametrize("path", ["fast", "reference"])
def test_update_moves_a_record_to_its_new_month(org, path):
    user = fresh(org.quality)
    partitions.ensure_months([dt.date(2026, 10, 1), dt.date(2026, 12, 1)])
    ingest = services.ingest if path == "fast" else services.ingest_reference
    ingest(actor=user, rows=[row("U1", day=3), row("U2", day=4)])
    counts = ingest(
        actor=user,
        rows=[at("U1", "2026-12-05T10:00:00", rating=2), row("U3", day=6)],
        on_duplicate="update",
    )
    assert (counts["created"], counts["updated"]) == (1, 1)
    where = placement()
    assert where == {
        "U1": "kpi_servicerecord_y2026m12",
        "U2": "kpi_servicerecord_y2026m10",
        "U3": "kpi_servicerecord_y2026m10",
    }
    assert ServiceRecord.objects.get(external_id="U1").rating == 2
    assert keys() == [("", "U1"), ("", "U2"), ("", "U3")]
    assert_rollups_match_raw()


def test_fast_and_reference_ingest_agree_on_postgresql(org):
    user = fresh(org.quality)
    first = [
        row(f"R{i}", unit=["BA", "BA-T", "BB"][i % 3], day=1 + i % 28, rating=1 + i % 5) for i in range(40)
    ]
    second = [at(f"R{i}", f"2026-{11 + i % 2}-0{1 + i % 9}T08:00:00", rating=3) for i in range(0, 60, 3)]
    services.ingest_reference(actor=user, rows=first)
    services.ingest_reference(actor=user, rows=second, on_duplicate="update")
    ref = (records(), snapshot(), monthly_snapshot(), keys(), sorted(placement().items()))
    wipe()
    assert keys() == []
    services.ingest(actor=user, rows=first)
    services.ingest(actor=user, rows=second, on_duplicate="update")
    assert (records(), snapshot(), monthly_snapshot(), keys(), sorted(placement().items())) == ref
    assert_rollups_match_raw()


def test_deleting_records_removes_their_keys_and_frees_the_id(org):
    user = fresh(org.quality)
    services.ingest(actor=user, rows=[row("X1"), row("X2", day=2), row("X3", day=3)])
    ServiceRecord.objects.filter(external_id__in=["X1", "X3"]).delete()
    assert keys() == [("", "X2")]
    services.ingest(actor=user, rows=[row("X1", day=9)])  # the id can be used again
    assert keys() == [("", "X1"), ("", "X2")]


def test_a_changed_external_id_follows_into_the_key_table(org):
    user = fresh(org.quality)
    services.ingest(actor=user, rows=[row("K1"), row("K2", day=2)])
    ServiceRecord.objects.filter(external_id="K1").update(external_id="K9")
    assert keys() == [("", "K2"), ("", "K9")]
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceRecord.objects.filter(external_id="K2").update(external_id="K9")
    ServiceRecord.objects.filter(external_id="K2").update(rating=1)  # other columns: keys untouched
    assert keys() == [("", "K2"), ("", "K9")]


def test_the_task_creates_months_ahead_idempotently_and_moves_default_rows(org):
    far = dt.date(2031, 3, 1)
    ServiceRecord.objects.create(
        external_id="F1",
        org_unit=org.team_a,
        service_type="repair",
        requested_at=dt.datetime(2031, 3, 10, 10, tzinfo=dt.UTC),
    )
    assert placement() == {"F1": "kpi_servicerecord_default"}
    created = partitions.ensure_months(today=dt.date(2031, 2, 14))
    assert created == [
        partitions.partition_name(m)
        for m in (dt.date(2031, 2, 1), far, dt.date(2031, 4, 1), dt.date(2031, 5, 1))
    ]
    assert placement() == {"F1": "kpi_servicerecord_y2031m03"}
    assert keys() == [("", "F1")]
    assert partitions.ensure_months(today=dt.date(2031, 2, 14)) == []  # again: nothing to do
    # the periodic task (run synchronously) covers the current month and the next three
    tasks.create_service_record_partitions.call_local()
    month = partitions.month_start(dt.datetime.now(dt.UTC))
    names = dict(partitions.partitions())
    for _i in range(4):
        assert partitions.partition_name(month) in names
        month = partitions.next_month(month)


def test_binary_payload_round_trips_through_copy(db):
    frame = pl.DataFrame(
        {"t": ["a", "", None, "漢字é", "x" * 300], "i": [1, None, -5, 2**40, 0],
         "b": [True, False, None, True, False], "s": [1, 2, None, 5, -3]},
        schema={"t": pl.String, "i": pl.Int64, "b": pl.Boolean, "s": pl.Int64},
    )  # fmt: skip
    sql("CREATE TEMPORARY TABLE h4_copy (t text, i bigint, b boolean, s smallint)")
    ingest_pg._copy_bytes(
        "h4_copy", ["t", "i", "b", "s"], ingest_pg.encode_binary(frame, ["text", "int8", "bool", "int2"])
    )
    assert sql("SELECT t, i, b, s FROM h4_copy") == frame.rows()
