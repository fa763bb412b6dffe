"""Monthly range partitions of ``kpi_servicerecord`` on PostgreSQL (migration ``kpi.0006_pg_partitions``).

On PostgreSQL the service records live in a table partitioned by ``requested_at`` (one partition per UTC
calendar month, ``kpi_servicerecord_yYYYYmMM``, plus ``kpi_servicerecord_default`` for months that have
no partition yet); the primary key is ``(id, requested_at)``. PostgreSQL requires every unique key of a
partitioned table to contain the partition key, so the uniqueness of ``(source, external_id)`` is kept by
the unpartitioned table ``kpi_servicerecord_key`` whose primary key is that pair:

* every writer inserts the key row in the same transaction as the record — the fast ingest by a binary
  ``COPY`` (:mod:`sqms.kpi.ingest_pg`), the reference path and ``Model.save()`` through
  :func:`register_keys` (an insert trigger would make ``COPY`` into the partitioned table row-by-row);
* a statement-level trigger (with a transition table) deletes the key rows of deleted records and follows
  a changed ``(source, external_id)``.

:func:`ensure_months` creates the partitions of the current month and the next three (the daily task
``sqms.kpi.tasks.create_service_record_partitions``) and of every month found in the default partition,
whose rows move into the new partition; the fast ingest creates the months its records need before it
writes them (:func:`ensure_data_months`). On SQLite everything here is a no-op.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import connection, connections, transaction
from django.utils import timezone

TABLE = "kpi_servicerecord"
KEY_TABLE = "kpi_servicerecord_key"
DEFAULT = "kpi_servicerecord_default"
MONTHS_AHEAD = 3
_LOCK = 770_006  # advisory lock id: one partition maintenance at a time

# (alias, database name) -> whether kpi_servicerecord is partitioned there
_PARTITIONED: dict[tuple[str, str], bool] = {}


def forget() -> None:
    """Forget the cached "is partitioned" answers (the migration changes it)."""
    _PARTITIONED.clear()


def is_partitioned(using: str = "default") -> bool:
    conn = connections[using]
    if conn.vendor != "postgresql":
        return False
    key = (using, str(conn.settings_dict.get("NAME")))
    if key not in _PARTITIONED:
        with conn.cursor() as cursor:
            cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
            row = cursor.fetchone()
        _PARTITIONED[key] = bool(row and row[0] == "p")
    return _PARTITIONED[key]


def month_start(value: dt.date | dt.datetime) -> dt.date:
    return dt.date(value.year, value.month, 1)


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def partition_name(month: dt.date) -> str:
    return f"{TABLE}_y{month.year:04d}m{month.month:02d}"


def _bound(month: dt.date) -> str:
    return f"'{month.isoformat()} 00:00:00+00'"


def create_month(cursor: Any, month: dt.date) -> bool:
    """Create the partition of ``month`` (UTC) unless it exists; rows of that month sitting in the
    default partition move into it. Returns whether a partition was created.

    The partition is built detached and then attached: ``ATTACH PARTITION`` holds only a SHARE UPDATE
    EXCLUSIVE lock on the records table until the transaction ends (``CREATE TABLE … PARTITION OF`` would
    hold an ACCESS EXCLUSIVE one, blocking every reader while an ingest that needed a new month runs)."""
    name = partition_name(month)
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
    if cursor.fetchone()[0]:
        return False
    lo, hi = _bound(month), _bound(next_month(month))
    cursor.execute(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    # the parent's statement triggers do not fire for this move
    cursor.execute(
        f"WITH moved AS (DELETE FROM {DEFAULT} WHERE requested_at >= {lo} AND requested_at < {hi} "
        f"RETURNING *) INSERT INTO {name} SELECT * FROM moved"
    )
    cursor.execute(f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES FROM ({lo}) TO ({hi})")
    return True


def _create(months: Iterable[dt.date]) -> list[str]:
    created = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
        for m in sorted(set(months)):
            if create_month(cursor, m):
                created.append(partition_name(m))
    return created


def ensure_months(
    months: Iterable[dt.date] = (), *, today: dt.date | None = None, ahead: int = MONTHS_AHEAD
) -> list[str]:
    """Create the partitions of ``months``, of every month with rows in the default partition and of
    the current month and the ``ahead`` next ones (idempotent; one maintenance at a time). Returns the
    names of the partitions created."""
    if not is_partitioned():
        return []
    wanted = {month_start(m) for m in months}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT date_trunc('month', requested_at AT TIME ZONE 'UTC')::date FROM {DEFAULT}"
        )
        wanted.update(m for (m,) in cursor.fetchall())
    month = month_start(today or timezone.now().astimezone(dt.UTC).date())
    for _i in range(ahead + 1):
        wanted.add(month)
        month = next_month(month)
    return _create(wanted)


def ensure_data_months(months: Iterable[dt.date]) -> list[str]:
    """Create, in the caller's transaction, the partitions missing for ``months`` (month starts, UTC):
    an ingest of past or far-future records calls this before it writes them, so that they do not pile
    up in the default partition. One look-up when nothing is missing."""
    names = {partition_name(m): m for m in {month_start(m) for m in months}}
    if not names or not is_partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT n FROM unnest(%s::text[]) n WHERE to_regclass(n) IS NULL", [list(names)])
        missing = [names[n] for (n,) in cursor.fetchall()]
    return _create(missing) if missing else []


def partitions() -> list[tuple[str, str]]:
    """``(name, bound)`` of every partition of the records table (empty when not partitioned)."""
    if not is_partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass ORDER BY c.relname",
            [TABLE],
        )
        return [(name, bound) for name, bound in cursor.fetchall()]


def register_keys(keys: Iterable[tuple[str, str]], using: str = "default") -> None:
    """Insert the ``(source, external_id)`` key rows of new records (PostgreSQL, partitioned table); a key
    already taken raises ``IntegrityError`` like the unique constraint it replaces."""
    if not is_partitioned(using):
        return
    keys = list(keys)
    if not keys:
        return
    with connections[using].cursor() as cursor:
        for i in range(0, len(keys), 5000):
            part = keys[i : i + 5000]
            cursor.execute(
                f"INSERT INTO {KEY_TABLE} (source, external_id) SELECT * FROM unnest(%s::text[], %s::text[])",
                [[k[0] for k in part], [k[1] for k in part]],
            )


def record_saved(
    sender: Any, instance: Any, created: bool, using: str, raw: bool = False, **kwargs: Any
) -> None:
    """``post_save`` of ServiceRecord: a record created through ``Model.save()`` registers its key."""
    if created:
        register_keys([(instance.source, instance.external_id)], using)
