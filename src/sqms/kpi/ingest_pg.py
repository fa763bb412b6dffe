"""The PostgreSQL side of the fast ingest path (:mod:`sqms.kpi.ingest_fast`): binary ``COPY`` of
prepared frames.

Timestamps travel as int8 microseconds since 2000-01-01 UTC (PostgreSQL's binary timestamp format),
so no Python ``datetime`` objects are built.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from django.db import connection

from sqms.kpi.ingest_fast import RECORD_COLUMNS, to_us

PG_EPOCH_US = 946_684_800 * 1_000_000  # 2000-01-01 UTC: the origin of PostgreSQL's binary timestamps

_PG_TYPES: dict[str, list[str]] = {}


def forget_types(table: str) -> None:
    """Drop the cached COPY types of ``table`` (a temporary table created again)."""
    _PG_TYPES.pop(table, None)


def pg_types(table: str) -> list[str]:
    """Binary COPY types of the record columns; timestamps are sent as int8 microseconds since 2000."""
    if table not in _PG_TYPES:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT a.attname, format_type(a.atttypid, NULL) FROM pg_attribute a "
                "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped",
                [table],
            )
            types = dict(cursor.fetchall())
        names = [*RECORD_COLUMNS, "row_no"] if table != "kpi_servicerecord" else list(RECORD_COLUMNS)
        out = []
        for name in names:
            t = types[name]
            if t.startswith("timestamp"):
                out.append("int8")
            elif t in ("character varying", "text"):
                out.append("text")
            else:
                out.append({"bigint": "int8", "integer": "int4", "smallint": "int2", "boolean": "bool"}[t])
        _PG_TYPES[table] = out
    return _PG_TYPES[table]


def pg_frame(prepared: pl.DataFrame, now: dt.datetime) -> pl.DataFrame:
    return prepared.select(
        "source", "external_id", "org_unit_id", "staff_id", "customer_id", "service_type", "channel",
        *[(pl.col(s) - PG_EPOCH_US) for s in ("req", "first", "done", "prom")], "outcome", "fcr",
        "rating", pl.lit(to_us(now) - PG_EPOCH_US).alias("ingested"),  # type: ignore[operator]
    )  # fmt: skip


def copy_prepared(table: str, prepared: pl.DataFrame, now: dt.datetime, extra_row: bool = False) -> None:
    """``COPY`` a prepared frame into ``table`` (``kpi_servicerecord`` or the staging table, which has
    the input row number as ``row_no``)."""
    frame = pg_frame(prepared, now)
    columns = list(RECORD_COLUMNS)
    if extra_row:
        frame = frame.with_columns(prepared["row"])
        columns.append("row_no")
    types = pg_types(table)  # before the COPY: the connection runs nothing else while it lasts
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            write_row = copy.write_row
            for values in frame.iter_rows():
                write_row(values)
