"""The PostgreSQL side of the fast ingest path (:mod:`sqms.kpi.ingest_fast`).

* The binary ``COPY`` payload of a chunk is built column by column with numpy (:func:`encode_binary`):
  no Python object per value, no per-row ``write_row``. Timestamps travel as int8 microseconds since
  2000-01-01 UTC (PostgreSQL's binary timestamp), texts as their UTF-8 bytes.
* With the records table partitioned by month (migration ``kpi.0006_pg_partitions``), a chunk first
  goes into ``kpi_servicerecord_key`` (its primary key refuses an ``(source, external_id)`` already
  stored, exactly as the records' unique key did) and then into the partitioned parent (tuple routing
  picks the month) — two ``COPY`` statements in the caller's transaction, sent on a background thread
  while the caller prepares the next chunk (:data:`sqms.kpi.ingest_fast.background`).
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
from sqms.kpi.ingest_fast import RECORD_COLUMNS, ROLLUP_VALUES, background, to_us

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


_BUFFERS: dict[str, np.ndarray] = {}


def _buffer(name: str, size: int, dtype: type) -> np.ndarray:
    """A reused scratch buffer (a fresh multi-megabyte array costs page faults on every chunk)."""
    buf = _BUFFERS.get(name)
    if buf is None or buf.size < size:
        buf = _BUFFERS[name] = np.empty(max(size, 1 << 20), dtype=dtype)
    return buf[:size]


def _scatter_text(data: np.ndarray, lengths: np.ndarray, width: int) -> np.ndarray:
    """Non-ASCII text: the bytes of each row at the start of its ``width``-byte slot."""
    n = lengths.size
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
    lens = {c: pl.col(c).fill_null("").str.len_bytes() for c in texts}
    info = frame.select(
        *[pl.col(c).is_null().alias(f"{c}:null") for c in names],
        *[lens[c].alias(f"{c}:bytes") for c in texts],
    )
    stats = frame.select(
        *[lens[c].max().alias(f"{c}:max") for c in texts],
        *[(pl.col(c).str.len_chars() == lens[c]).all().alias(f"{c}:ascii") for c in texts],
    ).row(0, named=True)
    widths = {c: int(stats[f"{c}:max"] or 0) for c in texts}
    # one pass over the frame: fixed columns with NULLs filled, text columns padded and joined
    values = frame.select(
        *[
            (
                pl.col(c).fill_null("").str.pad_end(widths[c], "\0").str.join("")
                if stats[f"{c}:ascii"] is not False
                else pl.col(c).fill_null("").str.join("")
            ).alias(c)
            if t == "text"
            else pl.col(c).fill_null(False if t == "bool" else 0).alias(c)
            for c, t in zip(names, types, strict=True)
            if t != "text" or widths[c]
        ]
    )
    slots: list[tuple[np.ndarray, np.ndarray, bool]] = []  # (lengths with -1 for NULL, block, all full)
    for name, pg_type in zip(names, types, strict=True):
        nulls = info[f"{name}:null"].to_numpy()
        if pg_type == "text":
            blen = info[f"{name}:bytes"].to_numpy().astype(np.int64)
            width = widths[name]
            if not width:
                block = np.zeros((n, 0), dtype=np.uint8)
            else:
                raw = np.frombuffer(values[name][0].encode(), dtype=np.uint8)
                block = (
                    raw.reshape(n, width)
                    if stats[f"{name}:ascii"] is not False
                    else _scatter_text(raw, blen, width)
                )
            slots.append((np.where(nulls, -1, blen), block, False))
            continue
        width = _WIDTH[pg_type]
        column = values[name].to_numpy()
        if pg_type == "bool":
            block = column.astype(np.uint8).reshape(-1, 1)
        else:
            block = column.astype(f">i{width}").view(np.uint8).reshape(-1, width)
        has_null = bool(nulls.any())
        slots.append((np.where(nulls, -1, width) if has_null else np.full(n, width), block, not has_null))
    row_width = 2 + sum(4 + block.shape[1] for _l, block, _f in slots)
    image = _buffer("image", n * row_width, np.uint8).reshape(n, row_width)
    keep = _buffer("keep", n * row_width, np.bool_).reshape(n, row_width)
    keep[:] = True
    image[:, 0], image[:, 1] = len(types) >> 8, len(types) & 0xFF
    off = 2
    for lengths, block, full in slots:
        width = block.shape[1]
        image[:, off : off + 4] = lengths.astype(">i4").view(np.uint8).reshape(n, 4)
        image[:, off + 4 : off + 4 + width] = block
        if not full:
            keep[:, off + 4 : off + 4 + width] = np.arange(width) < lengths[:, None]
        off += 4 + width
    return _HEADER + bytes(image[keep].tobytes()) + _TRAILER


def _copy_sql(table: str, columns: list[str]) -> str:
    return f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"


def _copy_bytes(table: str, columns: list[str], payload: bytes) -> None:
    with connection.cursor() as cursor, cursor.cursor.copy(_copy_sql(table, columns)) as copy:
        copy.write(payload)


def ensure_partitions(prepared: pl.DataFrame) -> None:
    """The monthly partitions the chunk's records need (a backfill of past months, records dated far
    ahead), created before they are written instead of leaving them in the default partition."""
    if not partitions.is_partitioned():
        return
    months = prepared.select(pl.from_epoch("req", "us").dt.truncate("1mo").dt.date().unique())
    partitions.ensure_data_months(months.to_series().to_list())


def copy_prepared(table: str, prepared: pl.DataFrame, now: dt.datetime, extra_row: bool = False) -> None:
    """``COPY`` a prepared frame into ``table`` (``kpi_servicerecord`` or the staging table, which has
    the input row number as ``row_no``). Into the partitioned records table, the keys go first."""
    frame = pg_frame(prepared, now)
    columns = list(RECORD_COLUMNS)
    if extra_row:
        frame = frame.with_columns(prepared["row"])
        columns.append("row_no")
    types = pg_types(table)  # cached after the first chunk: no statement
    jobs = []
    partitioned = table == partitions.TABLE and partitions.is_partitioned()
    if partitioned:
        keys = encode_binary(frame.select("source", "external_id"), ["text", "text"])
        jobs.append((_copy_sql(partitions.KEY_TABLE, ["source", "external_id"]), keys))
    jobs.append((_copy_sql(table, columns), encode_binary(frame, types)))
    background.drain()  # the previous chunk's COPY: encoding this chunk overlapped with it
    if partitioned:
        ensure_partitions(prepared)
    connection.ensure_connection()
    raw = connection.connection

    def send() -> None:
        with raw.cursor() as cursor:
            for sql, payload in jobs:
                with cursor.copy(sql) as copy:
                    copy.write(payload)

    if table == partitions.TABLE:
        # in the background: psycopg holds the connection's lock for a whole COPY, so a statement of the
        # caller's thread simply waits for it (callers drain first, so that they see the COPY's own error)
        background.submit(send)
    else:
        send()


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


ROLLUP_DELTA = "sqms_rollup_delta"
_PG_EPOCH_DATE = dt.date(2000, 1, 1)


def upsert_rollups(table: str, key: str, delta: pl.DataFrame) -> None:
    """Add a rollup delta (daily or monthly, from :func:`sqms.kpi.ingest_fast.combine`) to ``table``
    set-wise: the delta goes into a temporary table by binary ``COPY``, then one ``INSERT … SELECT … ON
    CONFLICT DO UPDATE`` adds the rows with no negative figure, one ``UPDATE … FROM`` the rows taking
    something out (they exist already; the columns' ``CHECK (>= 0)`` would refuse a negative insert
    candidate), and the touched rows that dropped to zero are deleted."""
    if delta.height == 0:
        return
    values = list(ROLLUP_VALUES)
    frame = delta.select(
        pl.col("org_unit_id"),
        (pl.col("day").cast(pl.Date) - pl.lit(_PG_EPOCH_DATE)).dt.total_days().cast(pl.Int32).alias(key),
        pl.col("service_type"),
        pl.col("channel"),
        *[pl.col(v).cast(pl.Int64) for v in values],
    )
    keys = ["org_unit_id", key, "service_type", "channel"]
    negative = " OR ".join(f"d.{v} < 0" for v in values)
    match = " AND ".join(f"t.{c} = d.{c}" for c in keys)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {ROLLUP_DELTA}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {ROLLUP_DELTA} (org_unit_id bigint NOT NULL, {key} date NOT NULL, "
            "service_type text NOT NULL, channel text NOT NULL, "
            f"{', '.join(f'{v} bigint NOT NULL' for v in values)}) ON COMMIT DROP"
        )
    payload = encode_binary(frame, ["int8", "int4", "text", "text", *["int8"] * len(values)])
    _copy_bytes(ROLLUP_DELTA, [*keys, *values], payload)
    cols = ", ".join([*keys, *values])
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({cols}) SELECT {', '.join(f'd.{c}' for c in [*keys, *values])} "
            f"FROM {ROLLUP_DELTA} d WHERE NOT ({negative}) "
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
            + ", ".join(f"{v} = {table}.{v} + excluded.{v}" for v in values)
        )
        cursor.execute(
            f"UPDATE {table} t SET {', '.join(f'{v} = t.{v} + d.{v}' for v in values)} "
            f"FROM {ROLLUP_DELTA} d WHERE ({negative}) AND {match}"
        )
        cursor.execute(
            f"DELETE FROM {table} t USING {ROLLUP_DELTA} d WHERE t.total = 0 AND ({negative}) AND {match}"
        )
        cursor.execute(f"DROP TABLE {ROLLUP_DELTA}")
