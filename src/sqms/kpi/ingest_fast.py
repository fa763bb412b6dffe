"""The fast ingest path of service records: vectorised parsing and validation per chunk (polars), bulk
writes (PostgreSQL binary ``COPY``, SQLite one prepared ``executemany`` per chunk) and the rollup delta
computed per chunk by a group-by and applied with upserts.

It is used by :func:`sqms.kpi.services.ingest` (the bulk API), ``sqms import service-records`` and the
demo seeder. :func:`sqms.kpi.services.prepare` / :func:`sqms.kpi.services.write` stay as the reference
implementation the tests compare it with (same rows, same rollups, same errors).

How a run goes (all-or-nothing, like the reference path):

1. *Write mode*, inside one transaction (a savepoint when the caller already has one): each chunk is
   parsed and validated in columns. Rows the vectorised checks do not accept are handed to
   :func:`sqms.kpi.domain.validate_row` (the reference validator): it either accepts them (an exotic but
   valid spelling such as a date without a time) or gives the reasons. With policy ``reject`` a valid
   chunk goes straight into ``kpi_servicerecord`` (the unique key rejects duplicates); with ``update``
   it goes into a temporary staging table first, the existing rows are read (their old facts leave the
   rollups) and one ``INSERT … SELECT … ON CONFLICT DO UPDATE`` writes it.
2. At the first problem (a bad row, a duplicate key, an out-of-scope record) the transaction is rolled
   back and the input is read again in *diagnose mode*: nothing is written, every row is checked, the
   keys go into a temporary table where one window query finds repeated ids and one join the existing
   ones; :class:`~sqms.core.errors.ValidationFailed` lists the errors by row number.

Timestamps are handled as integer microseconds since the Unix epoch (UTC) in the frames; the storage
format of the table is unchanged (SQLite: Django's ISO text in UTC; PostgreSQL: ``timestamptz``).
"""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
import psycopg
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from sqms.core import dataversion
from sqms.core.scoping import scope_for, scoped
from sqms.kpi import domain
from sqms.org.models import Customer, OrgUnit, Staff

INPUT_COLUMNS = (
    "source",
    "external_id",
    "unit",
    "staff",
    "customer",
    "service_type",
    "channel",
    "requested_at",
    "first_response_at",
    "completed_at",
    "promised_at",
    "outcome",
    "first_contact_resolution",
    "rating",
)
TEXT_LIMITS = {
    "source": (40, False),
    "external_id": (100, True),
    "unit": (40, True),
    "staff": (30, False),
    "service_type": (40, True),
    "channel": (20, False),
    "outcome": (40, False),
}
STAMPS = ("requested_at", "first_response_at", "completed_at", "promised_at")
STAMP_US = {
    "requested_at": "req",
    "first_response_at": "first",
    "completed_at": "done",
    "promised_at": "prom",
}
# The columns of kpi_servicerecord written by an ingest, in order.
RECORD_COLUMNS = (
    "source",
    "external_id",
    "org_unit_id",
    "staff_id",
    "customer_id",
    "service_type",
    "channel",
    "requested_at",
    "first_response_at",
    "completed_at",
    "promised_at",
    "outcome",
    "first_contact_resolution",
    "rating",
    "ingested_at",
)
# The prepared frame: one row per valid input row (``row`` = its number in the input).
PREPARED_SCHEMA: dict[str, Any] = {
    "row": pl.Int64,
    "source": pl.String,
    "external_id": pl.String,
    "org_unit_id": pl.Int64,
    "staff_id": pl.Int64,
    "customer_id": pl.Int64,
    "service_type": pl.String,
    "channel": pl.String,
    "req": pl.Int64,
    "first": pl.Int64,
    "done": pl.Int64,
    "prom": pl.Int64,
    "outcome": pl.String,
    "fcr": pl.Boolean,
    "rating": pl.Int64,
}
_TS_RE = r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})?$"
# The common spelling (local time to the second, no offset): parsed without the regex groups above.
_SIMPLE_TS_RE = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}$"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EDGES = np.asarray(domain.BUCKET_EDGES, dtype=np.int64)
ROLLUP_KEY = ("org_unit_id", "day", "service_type", "channel")
ROLLUP_VALUES = (*domain.COUNTERS, *domain.RESPONSE_COLUMNS, *domain.HANDLING_COLUMNS)


class NeedDiagnosis(Exception):
    """Raised in write mode at the first problem: roll back and run the diagnose pass."""


def to_us(value: dt.datetime | None) -> int | None:
    if value is None:
        return None
    return (value - _EPOCH) // dt.timedelta(microseconds=1)


def from_us(value: int | None) -> dt.datetime | None:
    if value is None:
        return None
    return _EPOCH + dt.timedelta(microseconds=value)


# --- input frames -----------------------------------------------------------------------------------------


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


def frame_from_rows(rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """An all-text input frame from JSON-like rows (missing keys and ``None`` are empty cells)."""
    rows = list(rows)
    return pl.DataFrame(
        {name: [_cell(r.get(name)) for r in rows] for name in INPUT_COLUMNS},
        schema=dict.fromkeys(INPUT_COLUMNS, pl.String),
    )


def as_text_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The input columns as text (a Parquet or Excel file may carry typed columns); missing ones empty."""
    exprs = []
    for name in INPUT_COLUMNS:
        if name not in frame.columns:
            exprs.append(pl.lit(None, dtype=pl.String).alias(name))
            continue
        dtype = frame.schema[name]
        col = pl.col(name)
        if dtype == pl.String:
            exprs.append(col)
        elif dtype == pl.Boolean:
            exprs.append(pl.when(col).then(pl.lit("true")).when(~col).then(pl.lit("false")).alias(name))
        elif isinstance(dtype, pl.Datetime):
            fmt = "%Y-%m-%dT%H:%M:%S%.f" + ("%:z" if dtype.time_zone else "")
            exprs.append(col.dt.strftime(fmt).alias(name))
        elif dtype == pl.Date:
            exprs.append(col.dt.strftime("%Y-%m-%d").alias(name))
        elif dtype.is_float():
            exprs.append(pl.when(col.is_nan()).then(None).otherwise(col.cast(pl.String)).alias(name))
        else:
            exprs.append(col.cast(pl.String).alias(name))
    return frame.select(exprs)


# --- context ------------------------------------------------------------------------------------------------


@dataclass
class Run:
    """What the chunks of one ingest share: the actor, the policy, look-ups and the error list."""

    actor: Any
    on_duplicate: str
    ctx: Any  # sqms.kpi.services.Context (error list with its cap, translated reasons)
    tz: Any = field(default_factory=timezone.get_default_timezone)
    now: dt.datetime = field(default_factory=timezone.now)
    units: dict[str, int | None] = field(default_factory=dict)
    staff: dict[str, int | None] = field(default_factory=dict)
    customers: dict[int, bool] = field(default_factory=dict)
    created: int = 0
    updated: int = 0
    deltas: list[pl.DataFrame] = field(default_factory=list)
    delta_rows: int = 0


def _resolve(run: Run, frame: pl.DataFrame) -> None:
    codes = set(frame["unit"].unique().to_list()) - run.units.keys()
    numbers = set(frame["staff"].drop_nulls().unique().to_list()) - run.staff.keys()
    ids = set(frame["customer_id"].drop_nulls().unique().to_list()) - run.customers.keys()
    if codes or numbers or ids:
        _drain()
    if codes:
        found = dict(scoped(run.actor, OrgUnit.objects.filter(code__in=codes)).values_list("code", "id"))
        run.units.update({c: found.get(c) for c in codes})
    if numbers:
        found = dict(
            scoped(run.actor, Staff.objects.filter(employee_no__in=numbers)).values_list("employee_no", "id")
        )
        run.staff.update({n: found.get(n) for n in numbers})
    if ids:
        found_ids = set(scoped(run.actor, Customer.objects.filter(pk__in=ids)).values_list("id", flat=True))
        run.customers.update({i: i in found_ids for i in ids})


# --- vectorised parsing and validation ------------------------------------------------------------------


def _stamp_exprs(name: str, tz: str) -> list[pl.Expr]:
    """``<short>`` (epoch µs, null when empty or not understood) and ``<short>_bad`` for one column."""
    short = STAMP_US[name]
    text = pl.col(name).str.strip_chars()
    parts = text.str.extract_groups(_TS_RE)
    naive = pl.concat_str([parts.struct.field("1"), parts.struct.field("2")], separator=" ").str.strptime(
        pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False
    )
    fraction = parts.struct.field("3").str.pad_end(6, "0").cast(pl.Int64, strict=False).fill_null(0)
    offset = parts.struct.field("4")
    offset_seconds = (
        pl.when(offset == "Z")
        .then(0)
        .otherwise(
            (offset.str.slice(1, 2).cast(pl.Int64, strict=False) * 3600
             + offset.str.slice(4, 2).cast(pl.Int64, strict=False) * 60)
            * pl.when(offset.str.starts_with("-")).then(-1).otherwise(1)
        )
    )  # fmt: skip
    local = naive.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null").dt.epoch("us")
    utc = naive.dt.epoch("us") - offset_seconds * 1_000_000
    value = pl.when(offset.is_null()).then(local).otherwise(utc) + fraction
    empty = text.is_null() | (text == "")
    return [
        pl.when(empty).then(None).otherwise(value).alias(short),
        (~empty & value.is_null()).alias(f"{short}_bad"),
    ]


def _simple_stamp_exprs(name: str, tz: str) -> list[pl.Expr]:
    """Like :func:`_stamp_exprs` for the common spelling only (``YYYY-MM-DD HH:MM:SS`` local time,
    ``T`` or space): ``<short>_bad`` is also true for every other non-empty spelling, whose rows
    :func:`_parse` then reads again with :func:`_stamp_exprs` (about 4× the work per value)."""
    short = STAMP_US[name]
    text = pl.col(name).str.strip_chars()
    value = (
        pl.when(text.str.contains(_SIMPLE_TS_RE))
        .then(
            text.str.replace("T", " ", literal=True)
            .str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False)
            .dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
            .dt.epoch("us")
        )
        .otherwise(None)
    )
    empty = text.is_null() | (text == "")
    return [value.alias(short), (~empty & value.is_null()).alias(f"{short}_bad")]


def _parse_stamps(frame: pl.DataFrame, tz: str) -> pl.DataFrame:
    """``row`` and per stamp column ``<short>`` (epoch µs) and ``<short>_bad``: the common spelling in
    one cheap pass, the rows with any other spelling again through the full expressions."""
    bads = [f"{STAMP_US[s]}_bad" for s in STAMPS]
    out = (
        frame.lazy()
        .select(pl.col("row"), *[e for name in STAMPS for e in _simple_stamp_exprs(name, tz)])
        .collect()
    )
    positions = out.select(pl.any_horizontal(bads)).to_series().arg_true()
    if positions.len():
        redo = (
            frame[positions].lazy().select([e for name in STAMPS for e in _stamp_exprs(name, tz)]).collect()
        )
        out = out.with_columns(out[c].scatter(positions, redo[c]) for c in redo.columns)
    return out


def _parse(frame: pl.DataFrame, tz: str) -> pl.DataFrame:
    """Parsed columns plus ``bad`` (rows the vectorised checks do not accept)."""
    exprs: list[pl.Expr] = [pl.col("row")]
    bad: list[pl.Expr] = []
    for name, (limit, required) in TEXT_LIMITS.items():
        value = pl.col(name).str.strip_chars().fill_null("")
        exprs.append(value.alias(name))
        bad.append(value.str.len_chars() > limit)
        if required:
            bad.append(value == "")
    customer = pl.col("customer").str.strip_chars()
    exprs.append(customer.cast(pl.Int64, strict=False).alias("customer_id"))
    bad.append(customer.is_not_null() & (customer != "") & ~customer.str.contains(r"^\d{1,15}$"))
    fcr = pl.col("first_contact_resolution").str.strip_chars().str.to_lowercase().fill_null("")
    exprs.append(fcr.is_in(list(domain.TRUE_WORDS)).alias("fcr"))
    bad.append(~fcr.is_in(list(domain.TRUE_WORDS | domain.FALSE_WORDS)))
    rating = pl.col("rating").str.strip_chars().fill_null("")
    exprs.append(
        pl.when(rating == "").then(None).otherwise(rating.cast(pl.Int64, strict=False)).alias("rating")
    )
    bad.append((rating != "") & ~rating.str.contains(r"^[1-5]$"))
    parsed = frame.select([*exprs, pl.any_horizontal(bad).alias("bad0")]).with_columns(
        _parse_stamps(frame, tz).drop("row")
    )
    req, first, done, prom = (pl.col(s) for s in ("req", "first", "done", "prom"))
    order_bad = (
        req.is_null()
        | (first < req).fill_null(False)
        | (done < req).fill_null(False)
        | (prom < req).fill_null(False)
        | (done < first).fill_null(False)
    )
    stamp_bad = pl.any_horizontal([pl.col(f"{STAMP_US[s]}_bad") for s in STAMPS])
    return parsed.with_columns((pl.col("bad0") | stamp_bad | order_bad).alias("bad")).drop(
        ["bad0", *[f"{STAMP_US[s]}_bad" for s in STAMPS]]
    )


def _rescued(rows: list[domain.ParsedRow], numbers: list[int]) -> pl.DataFrame:
    """Rows the reference validator accepted, in the parsed frame's shape."""
    return pl.DataFrame(
        {
            "row": numbers,
            "source": [r.source for r in rows],
            "external_id": [r.external_id for r in rows],
            "unit": [r.unit for r in rows],
            "staff": [r.staff or "" for r in rows],
            "service_type": [r.service_type for r in rows],
            "channel": [r.channel for r in rows],
            "outcome": [r.outcome for r in rows],
            "customer_id": [r.customer for r in rows],
            "req": [to_us(r.requested_at) for r in rows],
            "first": [to_us(r.first_response_at) for r in rows],
            "done": [to_us(r.completed_at) for r in rows],
            "prom": [to_us(r.promised_at) for r in rows],
            "fcr": [r.first_contact_resolution for r in rows],
            "rating": [r.rating for r in rows],
        },
        schema={
            "row": pl.Int64, "source": pl.String, "external_id": pl.String, "unit": pl.String,
            "staff": pl.String, "service_type": pl.String, "channel": pl.String, "outcome": pl.String,
            "customer_id": pl.Int64, "req": pl.Int64, "first": pl.Int64, "done": pl.Int64,
            "prom": pl.Int64, "fcr": pl.Boolean, "rating": pl.Int64,
        },
    )  # fmt: skip


def validate(
    run: Run,
    frame: pl.DataFrame,
    first_row: int,
    raw_rows: list[Mapping[str, Any]] | None = None,
) -> tuple[pl.DataFrame, list[tuple[int, str, str]], pl.DataFrame]:
    """Parse and check one text chunk. Returns the prepared frame of the rows without errors (with
    units, staff and customers resolved), the errors ``(row, field, reason)`` in row order and the keys
    ``(source, external_id, row)`` of the rows that passed the row checks (for the duplicate checks)."""
    frame = frame.with_columns(pl.int_range(first_row, first_row + frame.height, dtype=pl.Int64).alias("row"))
    parsed = _parse(frame, str(run.tz))
    errors: list[tuple[int, str, str]] = []
    flagged = parsed.filter(pl.col("bad"))
    good = parsed.filter(~pl.col("bad")).drop("bad")
    if flagged.height:
        rescued: list[domain.ParsedRow] = []
        numbers: list[int] = []
        idx = (flagged["row"] - first_row).to_list()
        originals = raw_rows if raw_rows is not None else frame.select(INPUT_COLUMNS).to_dicts()
        for i in idx:
            row, reasons = domain.validate_row(originals[i], run.tz)
            if row is None:
                for name, rs in reasons.items():
                    errors.extend((first_row + i, name, r) for r in rs)
            else:
                rescued.append(row)
                numbers.append(first_row + i)
        if rescued:
            good = pl.concat([good, _rescued(rescued, numbers).select(good.columns)]).sort("row")
    # repeated ids within the chunk (the first one wins, like the reference path)
    repeated = good.filter(~pl.struct("source", "external_id").is_first_distinct())
    errors.extend((n, "external_id", "This external id appears twice in the input.") for n in repeated["row"])
    good = good.filter(pl.struct("source", "external_id").is_first_distinct())
    keys = good.select("source", "external_id", "row")
    good = good.with_columns(
        pl.when(pl.col("staff") == "").then(None).otherwise(pl.col("staff")).alias("staff")
    )
    _resolve(run, good)
    good = good.with_columns(
        pl.col("unit").replace_strict(run.units, default=None, return_dtype=pl.Int64).alias("org_unit_id"),
        pl.col("staff").replace_strict(run.staff, default=None, return_dtype=pl.Int64).alias("staff_id"),
        pl.col("customer_id")
        .replace_strict(run.customers, default=False, return_dtype=pl.Boolean)
        .alias("_customer_ok"),
    )
    unknown_unit = pl.col("org_unit_id").is_null()
    unknown_staff = pl.col("staff").is_not_null() & pl.col("staff_id").is_null()
    unknown_customer = pl.col("customer_id").is_not_null() & ~pl.col("_customer_ok")
    for expr, name, reason in (
        (unknown_unit, "unit", "Unknown org unit."),
        (unknown_staff, "staff", "Unknown staff member."),
        (unknown_customer, "customer", "Unknown customer."),
    ):
        errors.extend((n, name, reason) for n in good.filter(expr)["row"])
    good = good.filter(~(unknown_unit | unknown_staff | unknown_customer))
    errors.sort(key=lambda e: e[0])
    return good.select(list(PREPARED_SCHEMA)), errors, keys


# --- rollup deltas ----------------------------------------------------------------------------------------


def _bucket(seconds: pl.Series) -> np.ndarray:
    values = seconds.fill_null(0).to_numpy()
    idx = np.searchsorted(_EDGES, values, side="right") - 1
    idx[values <= 0] = 0
    return idx


def rollup_delta(prepared: pl.DataFrame, tz: str, sign: int = 1) -> pl.DataFrame:
    """The daily rollup delta of prepared rows (``sign`` −1 takes them out): one row per unit × local
    day × service type × channel with every counter and histogram bucket."""
    if prepared.height == 0:
        return _empty_delta()
    req, first, done, prom = (pl.col(s) for s in ("req", "first", "done", "prom"))
    frame = prepared.select(
        pl.col("org_unit_id"),
        pl.from_epoch(req, "us").dt.replace_time_zone("UTC").dt.convert_time_zone(tz).dt.date().alias("day"),
        pl.col("service_type"),
        pl.col("channel"),
        (first - req).floordiv(1_000_000).alias("resp"),
        (done - req).floordiv(1_000_000).alias("hand"),
        done.is_not_null().alias("completed"),
        prom.is_not_null().alias("with_promise"),
        (done <= prom).fill_null(False).alias("on_time"),
        pl.col("fcr"),
        first.is_not_null().alias("responded"),
        pl.col("rating"),
    )
    resp_b = _bucket(frame["resp"])
    hand_b = _bucket(frame["hand"])
    responded = frame["responded"].to_numpy()
    completed = frame["completed"].to_numpy()
    hist = {}
    for i, name in enumerate(domain.RESPONSE_COLUMNS):
        hist[name] = (responded & (resp_b == i)).astype(np.int64)
    for i, name in enumerate(domain.HANDLING_COLUMNS):
        hist[name] = (completed & (hand_b == i)).astype(np.int64)
    frame = frame.with_columns(**{k: pl.Series(v) for k, v in hist.items()})
    aggs = [
        pl.len().cast(pl.Int64).alias("total"),
        pl.col("completed").sum().cast(pl.Int64),
        pl.col("with_promise").sum().cast(pl.Int64),
        pl.col("on_time").sum().cast(pl.Int64),
        pl.col("fcr").sum().cast(pl.Int64),
        pl.col("responded").sum().cast(pl.Int64),
        pl.col("resp").sum().cast(pl.Int64).alias("response_seconds"),
        pl.col("hand").sum().cast(pl.Int64).alias("handling_seconds"),
        pl.col("rating").count().cast(pl.Int64).alias("rating_count"),
        pl.col("rating").sum().cast(pl.Int64).alias("rating_sum"),
        *[pl.col(n).sum().cast(pl.Int64) for n in (*domain.RESPONSE_COLUMNS, *domain.HANDLING_COLUMNS)],
    ]
    out = frame.group_by(list(ROLLUP_KEY)).agg(aggs)
    if sign != 1:
        out = out.with_columns([(pl.col(n) * sign) for n in ROLLUP_VALUES])
    return out


def _empty_delta() -> pl.DataFrame:
    schema: dict[str, Any] = {"org_unit_id": pl.Int64, "day": pl.Date, "service_type": pl.String,
                              "channel": pl.String}  # fmt: skip
    schema.update(dict.fromkeys(ROLLUP_VALUES, pl.Int64))
    return pl.DataFrame(schema=schema)


def combine(deltas: list[pl.DataFrame]) -> pl.DataFrame:
    """Deltas summed by key; keys whose delta is zero everywhere are dropped."""
    if not deltas:
        return _empty_delta()
    frame = pl.concat(deltas).group_by(list(ROLLUP_KEY)).agg([pl.col(n).sum() for n in ROLLUP_VALUES])
    return frame.filter(pl.any_horizontal([pl.col(n) != 0 for n in ROLLUP_VALUES])).sort(list(ROLLUP_KEY))


def _add_delta(run: Run, delta: pl.DataFrame) -> None:
    run.deltas.append(delta)
    run.delta_rows += delta.height
    if run.delta_rows > 200_000:  # keep the memory bounded on long files (~0.5 KB a delta row)
        merged = combine(run.deltas)
        run.deltas, run.delta_rows = [merged], merged.height


def apply_delta(daily: pl.DataFrame) -> None:
    """Add a daily delta (from :func:`combine`) to the daily and monthly rollups with upserts; rows
    that drop to zero go away."""
    if daily.height == 0:
        return
    monthly = combine([daily.with_columns(pl.col("day").dt.truncate("1mo"))]).rename({"day": "month"})
    _upsert("kpi_dailyrollup", "day", daily)
    _upsert("kpi_monthlyrollup", "month", monthly.rename({"month": "day"}))


def _upsert(table: str, key: str, delta: pl.DataFrame) -> None:
    """Rows with no negative figure: ``INSERT … ON CONFLICT DO UPDATE`` adding to the stored row; rows
    taking something out (updated records) exist already: ``UPDATE`` (the columns' ``CHECK (>= 0)``
    would refuse the negative insert candidate)."""
    if delta.height == 0:
        return
    vendor = connection.vendor
    if vendor == "postgresql":
        from sqms.kpi import ingest_pg

        ingest_pg.upsert_rollups(table, key, delta)  # set-wise through a temporary table
        return
    ph = "?" if vendor == "sqlite" else "%s"
    columns = ["org_unit_id", key, "service_type", "channel", *ROLLUP_VALUES]
    if vendor == "sqlite":
        delta = delta.with_columns(pl.col("day").dt.strftime("%Y-%m-%d"))
    negative = pl.any_horizontal([pl.col(n) < 0 for n in ROLLUP_VALUES])
    adds = delta.filter(~negative)
    subtracts = delta.filter(negative)
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in ROLLUP_VALUES)
    insert = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([ph] * len(columns))}) "
        f"ON CONFLICT (org_unit_id, {key}, service_type, channel) DO UPDATE SET {updates}"
    )
    update = (
        f"UPDATE {table} SET {', '.join(f'{c} = {c} + {ph}' for c in ROLLUP_VALUES)} "
        f"WHERE org_unit_id = {ph} AND {key} = {ph} AND service_type = {ph} AND channel = {ph}"
    )
    jobs = [
        (insert, adds.select(["org_unit_id", "day", "service_type", "channel", *ROLLUP_VALUES]).rows()),
        (update, subtracts.select([*ROLLUP_VALUES, "org_unit_id", "day", "service_type", "channel"]).rows()),
    ]
    with connection.cursor() as cursor:
        for sql, rows in jobs:
            if not rows:
                continue
            if vendor == "sqlite":
                connection.connection.executemany(sql, rows)
            else:
                cursor.cursor.executemany(sql, rows)
        if subtracts.height:
            units = subtracts["org_unit_id"].unique().to_list()
            cursor.execute(
                f"DELETE FROM {table} WHERE total = 0 AND org_unit_id IN ({', '.join(['%s'] * len(units))})",
                units,
            )


# --- writing ------------------------------------------------------------------------------------------------


@dataclass
class _Slot:
    thread: threading.Thread | None = None
    error: BaseException | None = None


class _Background:
    """Runs the write of one chunk (the PostgreSQL ``COPY``) on a background thread while the ingest
    reads, parses and encodes the next chunk: on 2 cores the server's work and the parsing overlap
    (300,000 rows: ~10 % less wall time on a loaded machine). SQLite writes stay in the caller's thread:
    ``executemany`` holds the GIL while it binds each row, and the same overlap measured no gain there.

    One chunk at most is in flight, on the caller's own connection and inside its transaction. Before
    any statement of its own the ingest calls :meth:`drain`, which waits for the chunk and raises the
    error it met (a duplicate key), so that the error is seen as such and the connection is never used
    by two threads at once. Per calling thread (each has its own connection)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _slot(self) -> _Slot:
        slot: _Slot | None = getattr(self._local, "slot", None)
        if slot is None:
            slot = self._local.slot = _Slot()
        return slot

    def submit(self, write: Callable[[], None]) -> None:
        self.drain()
        slot = self._slot()  # a plain object: the writer thread's own thread-local would hide its error

        def run() -> None:
            try:
                write()
            except BaseException as exc:  # handed to the caller's thread by drain()
                slot.error = exc

        slot.thread = threading.Thread(target=run, name="sqms-ingest-write", daemon=True)
        slot.thread.start()

    def drain(self) -> None:
        """Wait for the chunk in flight (if any); raise its error."""
        slot = self._slot()
        if slot.thread is not None:
            slot.thread.join()
            slot.thread = None
        if slot.error is not None:
            error, slot.error = slot.error, None
            raise error

    def drain_quietly(self) -> None:
        """Wait for the chunk in flight and forget its error (the caller is failing already)."""
        with suppress(Exception):
            self.drain()


background = _Background()


@contextmanager
def writes_drained() -> Iterator[None]:
    """Inside a transaction that writes chunks: if the block fails, the chunk in flight finishes (its
    own error forgotten) before the transaction rolls back."""
    try:
        yield
    except BaseException:
        background.drain_quietly()
        raise


def _sqlite_rows(prepared: pl.DataFrame, now: dt.datetime) -> list[tuple[Any, ...]]:
    def stamp(short: str) -> pl.Expr:
        t = pl.from_epoch(pl.col(short), "us")
        base = t.dt.strftime("%Y-%m-%d %H:%M:%S")
        us = pl.col(short) % 1_000_000
        return (
            pl.when(us == 0)
            .then(base)
            .otherwise(pl.concat_str([base, pl.lit("."), us.cast(pl.String).str.zfill(6)]))
        )

    ingested = str(timezone.make_naive(now, dt.UTC)) if timezone.is_aware(now) else str(now)
    return prepared.select(
        "source", "external_id", "org_unit_id", "staff_id", "customer_id", "service_type", "channel",
        stamp("req"), stamp("first"), stamp("done"), stamp("prom"), "outcome",
        pl.col("fcr").cast(pl.Int64), "rating", pl.lit(ingested),
    ).rows()  # fmt: skip


def _insert_sqlite(table: str, prepared: pl.DataFrame, now: dt.datetime, extra_row: bool = False) -> None:
    rows = _sqlite_rows(prepared, now)
    columns = list(RECORD_COLUMNS)
    if extra_row:
        numbers = prepared["row"].to_list()
        rows = [(*r, n) for r, n in zip(rows, numbers, strict=True)]
        columns.append("row_no")
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['?'] * len(columns))})"
    connection.ensure_connection()
    connection.connection.executemany(sql, rows)


def _insert(table: str, prepared: pl.DataFrame, now: dt.datetime, extra_row: bool = False) -> None:
    if prepared.height == 0:
        return
    if connection.vendor == "postgresql":
        from sqms.kpi import ingest_pg

        ingest_pg.copy_prepared(table, prepared, now, extra_row)
    else:
        _insert_sqlite(table, prepared, now, extra_row)


STAGE = "sqms_ingest_stage"
KEYS = "sqms_ingest_keys"


def _temp_table(name: str, sql_columns: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        suffix = " ON COMMIT DROP" if connection.vendor == "postgresql" else ""
        cursor.execute(f"CREATE TEMPORARY TABLE {name} ({sql_columns}){suffix}")


def _stage_table() -> None:
    ts = "timestamp with time zone" if connection.vendor == "postgresql" else "datetime"
    _temp_table(
        STAGE,
        "source varchar(40) NOT NULL, external_id varchar(100) NOT NULL, org_unit_id bigint NOT NULL, "
        f"staff_id bigint NULL, customer_id bigint NULL, service_type varchar(40) NOT NULL, "
        f"channel varchar(20) NOT NULL, requested_at {ts} NOT NULL, first_response_at {ts} NULL, "
        f"completed_at {ts} NULL, promised_at {ts} NULL, outcome varchar(40) NOT NULL, "
        f"first_contact_resolution boolean NOT NULL, rating smallint NULL, ingested_at {ts} NOT NULL, "
        "row_no bigint NOT NULL",
    )
    if connection.vendor == "postgresql":
        from sqms.kpi import ingest_pg

        ingest_pg.forget_types(STAGE)


def _old_facts(ids: list[int]) -> pl.DataFrame:
    from sqms.kpi.models import ServiceRecord

    fields = ("org_unit_id", "service_type", "channel", "requested_at", "first_response_at", "completed_at",
              "promised_at", "first_contact_resolution", "rating")  # fmt: skip
    rows: list[tuple[Any, ...]] = []
    for i in range(0, len(ids), 5000):
        rows.extend(ServiceRecord.objects.filter(pk__in=ids[i : i + 5000]).values_list(*fields))
    return pl.DataFrame(
        {
            "org_unit_id": [r[0] for r in rows],
            "service_type": [r[1] for r in rows],
            "channel": [r[2] for r in rows],
            "req": [to_us(r[3]) for r in rows],
            "first": [to_us(r[4]) for r in rows],
            "done": [to_us(r[5]) for r in rows],
            "prom": [to_us(r[6]) for r in rows],
            "fcr": [bool(r[7]) for r in rows],
            "rating": [r[8] for r in rows],
        },
        schema={"org_unit_id": pl.Int64, "service_type": pl.String, "channel": pl.String, "req": pl.Int64,
                "first": pl.Int64, "done": pl.Int64, "prom": pl.Int64, "fcr": pl.Boolean, "rating": pl.Int64},
    )  # fmt: skip


def _write_update(run: Run, prepared: pl.DataFrame) -> None:
    """Stage the chunk, check and take out the existing rows, then upsert the chunk."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {STAGE}")
    _insert(STAGE, prepared, run.now, extra_row=True)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.id, u.path, r.ingested_at FROM {STAGE} s JOIN kpi_servicerecord r "
            "ON r.source = s.source AND r.external_id = s.external_id JOIN org_orgunit u ON u.id = r.org_unit_id"
        )
        existing = cursor.fetchall()
    if existing:
        scope = scope_for(run.actor)
        if not all(scope.covers_path(path) for _id, path, _at in existing):
            raise NeedDiagnosis
        from sqms.kpi.models import ServiceRecord

        ids = [r[0] for r in existing]
        if ServiceRecord.objects.filter(pk__in=ids[:5000], ingested_at=run.now).exists() or any(
            ServiceRecord.objects.filter(pk__in=ids[i : i + 5000], ingested_at=run.now).exists()
            for i in range(5000, len(ids), 5000)
        ):
            raise NeedDiagnosis  # the same id earlier in this input
        _add_delta(run, rollup_delta(_old_facts(ids), str(run.tz), sign=-1))
    if connection.vendor == "postgresql":
        from sqms.kpi import ingest_pg

        ingest_pg.ensure_partitions(prepared)
        ingest_pg.upsert_stage(STAGE)  # the records table is partitioned by month there
    else:
        cols = ", ".join(RECORD_COLUMNS)
        sets = ", ".join(f"{c} = excluded.{c}" for c in RECORD_COLUMNS[2:])
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO kpi_servicerecord ({cols}) SELECT {cols} FROM {STAGE} WHERE true "
                f"ON CONFLICT (source, external_id) DO UPDATE SET {sets}"
            )
    run.updated += len(existing)
    run.created += prepared.height - len(existing)


def write_prepared(run: Run, prepared: pl.DataFrame) -> None:
    """Write one prepared chunk (write mode) and keep its rollup delta."""
    if prepared.height == 0:
        return
    if run.on_duplicate == "update":
        _write_update(run, prepared)
    else:
        # no savepoint: a duplicate key ends the whole write pass (the caller's atomic block rolls back);
        # on PostgreSQL the COPY runs in the background and a duplicate shows at the next drain
        with _duplicates_diagnosed():
            _insert("kpi_servicerecord", prepared, run.now)
        run.created += prepared.height
    _add_delta(run, rollup_delta(prepared, str(run.tz)))


@contextmanager
def _duplicates_diagnosed() -> Iterator[None]:
    try:
        yield
    except (IntegrityError, sqlite3.IntegrityError, psycopg.IntegrityError) as exc:
        raise NeedDiagnosis from exc


def _drain() -> None:
    """Wait for the chunk being written in the background before a statement of our own."""
    with _duplicates_diagnosed():
        background.drain()


def finish(run: Run) -> dict[str, int]:
    _drain()
    daily = combine(run.deltas)
    apply_delta(daily)
    run.deltas = []
    dataversion.bump("kpi")  # cached dashboards and evaluations read these rollups
    return {"created": run.created, "updated": run.updated, "rollups": daily.height}


# --- the two passes ------------------------------------------------------------------------------------------

Chunk = tuple[pl.DataFrame, int, list[Mapping[str, Any]] | None]  # text frame, first row number, raw rows


def _diagnose(run: Run, chunks: Iterator[Chunk], progress: Callable[[str, int], None] | None) -> None:
    """Check every row without writing; the errors go to ``run.ctx``."""
    _temp_table(
        KEYS, "source varchar(40) NOT NULL, external_id varchar(100) NOT NULL, row_no bigint NOT NULL"
    )
    errors: list[tuple[int, str, str]] = []
    seen = 0
    for frame, first_row, raw in chunks:
        _prepared, chunk_errors, key_frame = validate(run, frame, first_row, raw)
        errors.extend(chunk_errors)
        keys = key_frame.rows()
        ph = "?" if connection.vendor == "sqlite" else "%s"
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                connection.connection.executemany(f"INSERT INTO {KEYS} VALUES ({ph}, {ph}, {ph})", keys)
            else:
                cursor.cursor.executemany(f"INSERT INTO {KEYS} VALUES ({ph}, {ph}, {ph})", keys)
        seen += frame.height
        if progress:
            progress("checked", seen)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX {KEYS}_k ON {KEYS} (source, external_id, row_no)")
        cursor.execute(
            f"SELECT row_no FROM (SELECT row_no, row_number() OVER (PARTITION BY source, external_id "
            f"ORDER BY row_no) AS n FROM {KEYS}) t WHERE n > 1"
        )
        errors.extend((n, "external_id", "This external id appears twice in the input.") for (n,) in cursor)
        cursor.execute(
            f"SELECT k.row_no, u.path FROM {KEYS} k JOIN kpi_servicerecord r ON r.source = k.source "
            "AND r.external_id = k.external_id JOIN org_orgunit u ON u.id = r.org_unit_id "
            f"WHERE NOT EXISTS (SELECT 1 FROM {KEYS} k2 WHERE k2.source = k.source "
            "AND k2.external_id = k.external_id AND k2.row_no < k.row_no)"
        )
        existing = cursor.fetchall()
        cursor.execute(f"DROP TABLE {KEYS}")
    scope = scope_for(run.actor)
    for n, path in existing:
        if run.on_duplicate != "update":
            errors.append((n, "external_id", "A service record with this external id already exists."))
        elif not scope.covers_path(path):
            errors.append((n, "external_id", "This external id cannot be used."))
    errors.sort(key=lambda e: e[0])
    for n, name, reason in errors:
        run.ctx.error(n, name, reason)


def run_ingest(
    *,
    actor: Any,
    chunks: Callable[[], Iterator[Chunk]],
    on_duplicate: str,
    context_factory: Callable[[], Any],
    progress: Callable[[str, int], None] | None = None,
    after: Callable[[dict[str, int]], None] | None = None,
) -> tuple[dict[str, int] | None, Any]:
    """Write mode, then (at the first problem) diagnose mode. Returns ``(counts, None)`` when written or
    ``(None, ctx)`` with the errors when nothing was written. ``chunks`` is called once per pass.
    ``after(counts)`` runs inside the transaction (the audit entry)."""
    with sqlite_page_cache():
        return _run_ingest(actor, chunks, on_duplicate, context_factory, progress, after)


# SQLite's default page cache (2 MiB) is far smaller than the records table's indexes: every chunk then
# reads and writes back index pages through the WAL. While an ingest runs the connection gets this much.
SQLITE_INGEST_CACHE_KIB = 256 * 1024


@contextmanager
def sqlite_page_cache(kib: int = SQLITE_INGEST_CACHE_KIB) -> Iterator[None]:
    """A larger page cache for this SQLite connection while the block runs (then the previous size;
    the memory is given back). Nothing on other databases."""
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    raw = connection.connection
    (previous,) = raw.execute("PRAGMA cache_size").fetchone()
    raw.execute(f"PRAGMA cache_size = {-int(kib)}")
    try:
        yield
    finally:
        if connection.connection is raw:
            raw.execute(f"PRAGMA cache_size = {int(previous)}")


def _run_ingest(
    actor: Any,
    chunks: Callable[[], Iterator[Chunk]],
    on_duplicate: str,
    context_factory: Callable[[], Any],
    progress: Callable[[str, int], None] | None,
    after: Callable[[dict[str, int]], None] | None,
) -> tuple[dict[str, int] | None, Any]:
    run = Run(actor=actor, on_duplicate=on_duplicate, ctx=context_factory())
    try:
        with transaction.atomic():
            if on_duplicate == "update":
                _stage_table()
            done = 0
            with writes_drained():
                for frame, first_row, raw in chunks():
                    prepared, errors, _keys = validate(run, frame, first_row, raw)
                    if errors:
                        raise NeedDiagnosis
                    write_prepared(run, prepared)
                    done += frame.height
                    if progress:
                        progress("written", done)
                counts = finish(run)
            if on_duplicate == "update":
                with connection.cursor() as cursor:
                    cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
            if after:
                after(counts)
            return counts, None
    except NeedDiagnosis:
        pass
    run = Run(actor=actor, on_duplicate=on_duplicate, ctx=context_factory())
    with transaction.atomic():
        _diagnose(run, chunks(), progress)
    if not run.ctx.error_count:  # a concurrent writer took the same ids between the passes
        raise IntegrityError("duplicate service record keys written concurrently")
    return None, run.ctx


def row_chunks(rows: list[Mapping[str, Any]], size: int = 50_000) -> Callable[[], Iterator[Chunk]]:
    """Chunks of JSON-like rows (numbered from 1)."""

    def gen() -> Iterator[Chunk]:
        for start in range(0, len(rows), size):
            part = rows[start : start + size]
            yield frame_from_rows(part), start + 1, part

    return gen


CSV_BLOCK_BYTES = 16 * 1024 * 1024


def csv_frames(path: Any, block_bytes: int = CSV_BLOCK_BYTES) -> Iterator[pl.DataFrame]:
    """A CSV file as all-text frames of whole records, reading ``block_bytes`` at a time.

    ``scan_csv(...).collect_batches()`` reads ahead as fast as it can whatever the consumer does (a
    1,000,000-row file sat ~300 MB in memory at the first batch), so the memory of a long import grew
    with the file. Here each block ends at the last line break outside quotes (an even number of ``"``
    before it: a quoted field may hold line breaks, ``""`` inside one counts twice), the header line is
    put in front of every block and polars parses the block as a file of its own."""
    with open(path, "rb") as f:
        header = f.readline()
        if not header.strip():
            return
        carry = b""  # starts outside quotes: every cut is
        while True:
            block = f.read(block_bytes)
            data = carry + block
            if not block:
                if data.strip():
                    yield pl.read_csv(header + data, infer_schema=False, encoding="utf8-lossy")
                return
            arr = np.frombuffer(data, dtype=np.uint8)
            even = (np.cumsum(arr == 34, dtype=np.uint8) & 1) == 0  # uint8 wraps at 256: parity kept
            ends = np.flatnonzero((arr == 10) & even)
            if not len(ends):
                carry = data
                continue
            cut = int(ends[-1]) + 1
            body, carry = data[:cut], data[cut:]
            if body.strip():
                yield pl.read_csv(header + body, infer_schema=False, encoding="utf8-lossy")
