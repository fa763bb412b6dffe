"""The PostgreSQL side of the fast ingest path (:mod:`sqms.kpi.ingest_fast`).

* The binary ``COPY`` payload of a chunk is built column by column with numpy (:func:`encode_binary`):
  no Python object per value, no per-row ``write_row``. Timestamps travel as int8 microseconds since
  2000-01-01 UTC (PostgreSQL's binary timestamp), texts as their UTF-8 bytes.
* With the records table partitioned by month (migration ``kpi.0006_pg_partitions``), a chunk first
  goes into ``kpi_servicerecord_key`` (its primary key refuses an ``(source, external_id)`` already
  stored, exactly as the records' unique key did) and then into the partitioned parent (tuple routing
  picks the month) — two ``COPY`` statements in the caller's transaction.
* Policy ``update`` (:func:`upsert_stage`): the staged chunk updates the existing records with one
  ``UPDATE … FROM`` (PostgreSQL moves a record whose month changed to its new partition), then the new
  keys are inserted and the records of exactly those keys copied from the stage.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
from django.db import connection

from sqms.kpi import partitions
from sqms.kpi.ingest_fast import RECORD_COLUMNS, to_us

PG_EPOCH_US = 946_684_800 * 1_000_000  # 2000-01-01 UTC: the origin of PostgreSQL's binary timestamps
_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
_TRAILER = b"\xff\xff"
_WIDTH = {"int8": 8, "int4": 4, "int2": 2, "bool": 1}

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


def _text_block(filled: pl.Series, lengths: np.ndarray, ascii_only: bool) -> np.ndarray:
    """The UTF-8 bytes of a text column as an ``(n, widest)`` matrix, each row padded with zeros."""
    n, width = filled.len(), int(lengths.max(initial=0))
    if width == 0:
        return np.zeros((n, 0), dtype=np.uint8)
    if ascii_only:  # one byte per character: pad in polars, one buffer
        padded = filled.str.pad_end(width, "\0").str.join("").item()
        return np.frombuffer(padded.encode(), dtype=np.uint8).reshape(n, width)
    data = np.frombuffer(filled.str.join("").item().encode(), dtype=np.uint8)
    block = np.zeros((n, width), dtype=np.uint8)
    starts = np.zeros(n, dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    block.ravel()[
        np.arange(data.size, dtype=np.int64) + np.repeat(np.arange(n) * width - starts, lengths)
    ] = data
    return block


def encode_binary(frame: pl.DataFrame, types: list[str]) -> bytes:
    """The whole binary ``COPY`` stream (header, tuples, trailer) of ``frame``, built column-wise: every
    field gets a slot as wide as its widest value in an ``(n, width)`` byte matrix (2-D slice copies),
    and a boolean mask of the bytes really used squeezes the padding out in one pass (row order)."""
    n = frame.height
    if n == 0:
        return _HEADER + _TRAILER
    names = frame.columns
    texts = [c for c, t in zip(names, types, strict=True) if t == "text"]
    info = frame.select(
        *[pl.col(c).is_null().alias(f"{c}:null") for c in names],
        *[pl.col(c).fill_null("").str.len_bytes().alias(f"{c}:bytes") for c in texts],
        *[(pl.col(c).str.len_chars() == pl.col(c).str.len_bytes()).all().alias(f"{c}:ascii") for c in texts],
    )
    slots: list[tuple[np.ndarray, np.ndarray, bool]] = []  # (lengths with -1 for NULL, block, all full)
    for name, pg_type in zip(names, types, strict=True):
        nulls = info[f"{name}:null"].to_numpy()
        series = frame[name]
        if pg_type == "text":
            blen = info[f"{name}:bytes"].to_numpy().astype(np.int64)
            block = _text_block(series.fill_null(""), blen, bool(info[f"{name}:ascii"][0] is not False))
            slots.append((np.where(nulls, -1, blen), block, False))
            continue
        width = _WIDTH[pg_type]
        if pg_type == "bool":
            block = series.fill_null(False).to_numpy().astype(np.uint8).reshape(-1, 1)
        else:
            block = series.fill_null(0).to_numpy().astype(f">i{width}").view(np.uint8).reshape(-1, width)
        has_null = bool(nulls.any())
        slots.append((np.where(nulls, -1, width) if has_null else np.full(n, width), block, not has_null))
    row_width = 2 + sum(4 + block.shape[1] for _l, block, _f in slots)
    image = np.empty((n, row_width), dtype=np.uint8)
    keep = np.ones((n, row_width), dtype=bool)
    image[:, 0], image[:, 1] = len(types) >> 8, len(types) & 0xFF
    off = 2
    for lengths, block, full in slots:
        width = block.shape[1]
        image[:, off : off + 4] = lengths.astype(">i4").view(np.uint8).reshape(n, 4)
        image[:, off + 4 : off + 4 + width] = block
        if not full:
            keep[:, off + 4 : off + 4 + width] = np.arange(width) < lengths[:, None]
        off += 4 + width
    return _HEADER + image[keep].tobytes() + _TRAILER


def _copy_bytes(table: str, columns: list[str], payload: bytes) -> None:
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        copy.write(payload)


def copy_prepared(table: str, prepared: pl.DataFrame, now: dt.datetime, extra_row: bool = False) -> None:
    """``COPY`` a prepared frame into ``table`` (``kpi_servicerecord`` or the staging table, which has
    the input row number as ``row_no``). Into the partitioned records table, the keys go first."""
    frame = pg_frame(prepared, now)
    columns = list(RECORD_COLUMNS)
    if extra_row:
        frame = frame.with_columns(prepared["row"])
        columns.append("row_no")
    types = pg_types(table)
    if table == partitions.TABLE and partitions.is_partitioned():
        keys = encode_binary(frame.select("source", "external_id"), ["text", "text"])
        _copy_bytes(partitions.KEY_TABLE, ["source", "external_id"], keys)
    _copy_bytes(table, columns, encode_binary(frame, types))


def upsert_stage(stage: str) -> None:
    """Write the staged chunk (policy ``update``): existing records are updated in place (or moved to
    their new month), the others inserted with their keys."""
    cols = ", ".join(RECORD_COLUMNS)
    if not partitions.is_partitioned():
        sets = ", ".join(f"{c} = excluded.{c}" for c in RECORD_COLUMNS[2:])
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO kpi_servicerecord ({cols}) SELECT {cols} FROM {stage} WHERE true "
                f"ON CONFLICT (source, external_id) DO UPDATE SET {sets}"
            )
        return
    sets = ", ".join(f"{c} = s.{c}" for c in RECORD_COLUMNS[2:])
    key = partitions.KEY_TABLE
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE kpi_servicerecord r SET {sets} FROM {stage} s "
            "WHERE r.source = s.source AND r.external_id = s.external_id"
        )
        cursor.execute(
            f"WITH fresh AS (INSERT INTO {key} (source, external_id) SELECT source, external_id FROM {stage} "
            "ON CONFLICT DO NOTHING RETURNING source, external_id) "
            f"INSERT INTO kpi_servicerecord ({cols}) SELECT {', '.join(f's.{c}' for c in RECORD_COLUMNS)} "
            f"FROM {stage} s JOIN fresh f ON f.source = s.source AND f.external_id = s.external_id"
        )
