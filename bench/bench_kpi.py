"""Benchmark: service-record ingest from CSV (parsing, validation and rollup maintenance included).

    BENCH_SIZE=small|full .venv/bin/python bench/bench_kpi.py      (small = 50,000 rows, full = 10,000,000)
    BENCH_KPI_ROWS=1000000 overrides the size; BENCH_KPI_PG=0 skips PostgreSQL, BENCH_KPI_SQLITE=0 SQLite.

The parent builds a fresh SQLite database (migrate + the demo organisation) in a temporary
``SQMS_DATA_DIR`` and writes a CSV of N service records over the demo teams (ISO local timestamps, staff
numbers, ratings on ~35 % of the rows) and a second CSV of ``min(N, 1,000,000)`` records of another
source over the same year (``BENCH_KPI_PREFILL`` overrides the count; 0 = none). Then one worker
process per database measures, in this order:

* PostgreSQL only: ``psql \\copy`` of the same CSV into a plain table with the CSV's columns typed
  (timestamptz, boolean, smallint) and the same two indexes as the records table (unique source +
  external id; unit + requested at) — loading only, no unit look-up, no validation, no rollups;
* the baseline: the row-by-row reference ingest (dicts → ``validate_row`` → Django ``bulk_create``
  batches of 5,000 → rollup delta by the ORM) on the first ``min(N, BASELINE_ROWS)`` rows of the same
  CSV under another source (no conflicts), wall clock and CPU time, into tables without the prefill
  (its rollup step then only creates rows), in a process of its own (its memory does not count). It is
  capped because it holds every row as Python objects (200,000 rows took 3.8 GB). Its rows/s grows
  with the count (a year of rollup keys is ~55,000 rows, created once), so the ratio at 50,000 rows
  flatters the fast path: compare the CPU figures too;
* SQLite only: the prefill file is imported (not timed), so that the measured ingest goes into a
  records table and rollups that already hold rows, as in production;
* the fast path (``sqms import service-records``'s :func:`import_file`): rows/s (wall clock), rows per
  CPU-second of the worker (its own CPU time, polars threads included: the figure the machine's load
  disturbs least) and the worker's peak resident memory while it ran (``VmHWM`` after a reset); on
  PostgreSQL also rows per CPU-second of the database backend that received the ``COPY`` streams (from
  /proc): the ceiling of the database's own side on one core, whatever the client does.

The PostgreSQL worker uses a fresh database ``sqms_bench_kpi_<pid>`` on ``127.0.0.1:5432`` (dropped at
the end). Timings are reported, never asserted; the machine is shared, so read the ratios.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench")]

_SMALL = os.environ.get("BENCH_SIZE", "small") == "small"
# small (make bench, 50 s budget with set-up, SQLite and PostgreSQL): 50,000 rows, a 5,000-row baseline
ROWS = {"small": 50_000, "full": 10_000_000}
BASELINE_ROWS = int(os.environ.get("BENCH_KPI_BASELINE_ROWS") or (5_000 if _SMALL else 50_000))
PREFILL_ROWS = 50_000 if _SMALL else 1_000_000
PG = "postgres://postgres@127.0.0.1:5432"


def _django(data_dir: str, database_url: str | None = None) -> None:
    os.environ["SQMS_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sqms.settings")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    import logging

    logging.disable(logging.WARNING)


def _seed() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from sqms.org import demo as org_demo

    org_demo.seed("small", lambda _s: None)


def write_csv(path: Path, n: int, source: str = "bench", seed: int = 6) -> None:
    """N rows over the demo teams and their staff, written in blocks of 1,000,000."""
    import datetime as dt

    import numpy as np
    import polars as pl

    from sqms.org.models import OrgUnit, Staff

    teams = list(
        OrgUnit.objects.filter(children__isnull=True, parent__isnull=False).values_list("pk", "code")
    )
    staff_by_unit: dict[int, list[str]] = {}
    for unit_id, number in Staff.objects.values_list("org_unit_id", "employee_no"):
        staff_by_unit.setdefault(unit_id, []).append(number)
    codes = np.array([c for _pk, c in teams], dtype=object)
    staff = np.array([(staff_by_unit.get(pk) or [""])[0] for pk, _c in teams], dtype=object)
    combos = [("repair", "phone"), ("consult", "online"), ("business", "counter")]
    rng = np.random.default_rng(seed)
    start = dt.datetime(2025, 11, 1)
    year = 365 * 86400
    with path.open("wb") as out:
        for block, first in enumerate(range(0, n, 1_000_000)):
            m = min(1_000_000, n - first)
            team = rng.integers(0, len(teams), m)
            combo = rng.integers(0, len(combos), m)
            req = rng.integers(0, year, m)
            resp = rng.exponential(180, m).astype(np.int64)
            promise = np.full(m, 7200)
            hand = (promise * rng.uniform(0.2, 1.6, m)).astype(np.int64) + resp
            rating = rng.integers(1, 6, m)
            rated = rng.random(m) < 0.35
            base = pl.lit(start)
            frame = pl.DataFrame(
                {
                    "source": np.full(m, source, dtype=object),
                    "external_id": [f"E{i:010d}" for i in range(first, first + m)],
                    "unit": codes[team],
                    "staff": staff[team],
                    "service_type": np.array([c[0] for c in combos], dtype=object)[combo],
                    "channel": np.array([c[1] for c in combos], dtype=object)[combo],
                    "req": req,
                    "resp": resp,
                    "hand": hand,
                    "prom": promise,
                    "outcome": np.full(m, "done", dtype=object),
                    "fcr": rng.random(m) < 0.8,
                    "rating": np.where(rated, rating, 0),
                }
            )
            fmt = "%Y-%m-%d %H:%M:%S"
            frame = frame.select(
                "source", "external_id", "unit", "staff",
                pl.lit(None, dtype=pl.String).alias("customer"), "service_type", "channel",
                (base + pl.duration(seconds=pl.col("req"))).dt.strftime(fmt).alias("requested_at"),
                (base + pl.duration(seconds=pl.col("req") + pl.col("resp"))).dt.strftime(fmt)
                .alias("first_response_at"),
                (base + pl.duration(seconds=pl.col("req") + pl.col("hand"))).dt.strftime(fmt).alias("completed_at"),
                (base + pl.duration(seconds=pl.col("req") + pl.col("prom"))).dt.strftime(fmt).alias("promised_at"),
                "outcome",
                pl.when(pl.col("fcr")).then(pl.lit("true")).otherwise(pl.lit("false")).alias("first_contact_resolution"),
                pl.when(pl.col("rating") > 0).then(pl.col("rating").cast(pl.String)).alias("rating"),
            )  # fmt: skip
            frame.write_csv(out, include_header=block == 0)


def _psql_copy(database_url: str, csv_path: Path) -> float:
    ddl = """
    DROP TABLE IF EXISTS bench_csv_copy;
    CREATE TABLE bench_csv_copy (source varchar(40) NOT NULL, external_id varchar(100) NOT NULL,
      unit varchar(40) NOT NULL, staff varchar(30), customer bigint, service_type varchar(40) NOT NULL,
      channel varchar(20) NOT NULL, requested_at timestamptz NOT NULL, first_response_at timestamptz,
      completed_at timestamptz, promised_at timestamptz, outcome varchar(40) NOT NULL,
      first_contact_resolution boolean NOT NULL, rating smallint);
    CREATE UNIQUE INDEX bench_csv_copy_key ON bench_csv_copy (source, external_id);
    CREATE INDEX bench_csv_copy_unit ON bench_csv_copy (unit, requested_at);
    """
    subprocess.run(["psql", database_url, "-q", "-c", ddl], check=True)
    t0 = time.perf_counter()
    subprocess.run(
        [
            "psql",
            database_url,
            "-q",
            "-c",
            f"\\copy bench_csv_copy FROM '{csv_path}' WITH (FORMAT csv, HEADER)",
        ],
        check=True,
        env={**os.environ, "PGTZ": "Asia/Shanghai"},
    )
    seconds = time.perf_counter() - t0
    subprocess.run(["psql", database_url, "-q", "-c", "DROP TABLE bench_csv_copy"], check=True)
    return seconds


def _reset_peak_rss() -> Callable[[], float]:
    """Start a new peak-RSS window (Linux: ``clear_refs`` 5 resets ``VmHWM``); the returned function gives
    the peak in MiB since then (elsewhere: ``ru_maxrss``, the whole process's peak)."""
    status = Path("/proc/self/status")
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def peak() -> float:
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    return peak


def _cpu() -> float:
    """CPU seconds of this process so far (user + system, every thread)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def worker(
    kind: str, csv_path: Path, n: int, data_dir: str, database_url: str | None, phase: str
) -> dict[str, float]:
    """``phase`` "baseline" (the first process: seeds PostgreSQL, psql copy, the reference path) or
    "fast" (a second process, so that the baseline's memory does not count: prefill, the fast path)."""
    _django(data_dir, database_url)
    if database_url and phase == "baseline":
        _seed()
    from django.db import transaction

    from sqms.core.cli import actor_for
    from sqms.kpi import services
    from sqms.kpi.management.commands.import_service_records import chunks

    out: dict[str, float] = {}
    actor = actor_for(None)
    if phase == "fast":
        return _fast(kind, csv_path, n, actor, out)
    if database_url:
        out["psql_copy_seconds"] = _psql_copy(database_url, csv_path)
    # baseline first, into the tables as the parent left them (no prefill: the reference path's ORM
    # rollup update then only creates rows, its fastest case), on the first rows of the same file
    # under another source (no conflicts with the fast path's rows)
    rows: list[dict[str, object]] = []
    for part in chunks(csv_path):
        rows.extend(part)
        if len(rows) >= BASELINE_ROWS:
            break
    rows = rows[: min(n, BASELINE_ROWS)]
    for r in rows:
        r["source"] = "baseline"
    c0, t0 = _cpu(), time.perf_counter()
    with transaction.atomic():
        services.ingest_reference(actor=actor, rows=rows)
    out["baseline_seconds"] = time.perf_counter() - t0
    out["baseline_cpu_seconds"] = _cpu() - c0
    out["baseline_rows"] = len(rows)
    return out


def _backend_pid() -> int:
    """The PostgreSQL backend serving this process's connection (the ingest uses only that one)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def _backend_cpu(pid: int | None) -> float:
    """User + system CPU seconds of a local PostgreSQL backend, from /proc (0 without one)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _fast(kind: str, csv_path: Path, n: int, actor: Any, out: dict[str, float]) -> dict[str, float]:
    from sqms.kpi.management.commands.import_service_records import import_file
    from sqms.kpi.models import DailyRollup, ServiceRecord

    prefill = 0
    prefill_path = csv_path.with_name("prefill.csv")
    if kind == "sqlite" and prefill_path.exists():
        counts, ctx = import_file(prefill_path, actor=actor, on_duplicate="reject")
        assert ctx is None and counts is not None, ctx and ctx.errors[:5]
        prefill = counts["created"]
    out["prefill_rows"] = prefill
    before = ServiceRecord.objects.count()
    gc.collect()
    peak = _reset_peak_rss()
    out["load_before"] = os.getloadavg()[0]
    backend = _backend_pid() if kind == "postgresql" else None
    b0 = _backend_cpu(backend)
    c0, t0 = _cpu(), time.perf_counter()
    counts, ctx = import_file(csv_path, actor=actor, on_duplicate="reject")
    out["fast_seconds"] = time.perf_counter() - t0
    out["fast_cpu_seconds"] = _cpu() - c0
    if backend is not None:
        out["database_cpu_seconds"] = _backend_cpu(backend) - b0
    out["load_after"] = os.getloadavg()[0]
    out["peak_rss_mb"] = peak()
    assert ctx is None and counts is not None, ctx and ctx.errors[:5]
    assert counts["created"] == n and ServiceRecord.objects.count() == before + n
    assert sum(DailyRollup.objects.values_list("total", flat=True)) == before + n
    return out


def main() -> None:
    from common import Row, emit, size

    n = int(os.environ.get("BENCH_KPI_ROWS") or ROWS[size()])
    data_dir = tempfile.mkdtemp(prefix="sqms-bench-kpi-")
    _django(data_dir)
    _seed()
    csv_path = Path(data_dir) / "records.csv"
    t0 = time.perf_counter()
    write_csv(csv_path, n)
    print(
        f"CSV of {n:,} rows written in {time.perf_counter() - t0:.1f} s ({csv_path.stat().st_size / 1e6:.0f} MB)"
    )
    prefill = int(os.environ.get("BENCH_KPI_PREFILL") or min(n, PREFILL_ROWS))
    if prefill:
        write_csv(csv_path.with_name("prefill.csv"), prefill, source="prefill", seed=7)
    results: dict[str, dict[str, float]] = {}
    kinds = (["sqlite"] if os.environ.get("BENCH_KPI_SQLITE", "1") != "0" else []) + (
        ["postgresql"] if os.environ.get("BENCH_KPI_PG", "1") != "0" else []
    )
    for kind in kinds:
        db = f"sqms_bench_kpi_{os.getpid()}"
        url = f"{PG}/{db}" if kind == "postgresql" else None
        if url:
            subprocess.run(["psql", f"{PG}/postgres", "-qc", f"DROP DATABASE IF EXISTS {db}"], check=True)
            subprocess.run(["psql", f"{PG}/postgres", "-qc", f"CREATE DATABASE {db}"], check=True)
        try:
            results[kind] = {}
            for phase in ("baseline", "fast"):
                proc = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--worker",
                        kind,
                        str(csv_path),
                        str(n),
                        data_dir,
                        url or "",
                        phase,
                    ],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                results[kind].update(json.loads(proc.stdout.strip().splitlines()[-1]))
        except subprocess.CalledProcessError as exc:
            print(exc.stdout, exc.stderr, file=sys.stderr)
            raise
        finally:
            if url:
                subprocess.run(
                    ["psql", f"{PG}/postgres", "-qc", f"DROP DATABASE IF EXISTS {db}"], check=False
                )
    rows: list[Row] = []
    for kind in kinds:
        r = results[kind]
        fast = n / r["fast_seconds"]
        base = r["baseline_rows"] / r["baseline_seconds"]
        target = 200_000 if kind == "postgresql" else 100_000
        note = f"{n:,} rows; load {r['load_before']:.1f} → {r['load_after']:.1f}"
        if r.get("prefill_rows"):
            note += f"; into a table already holding {r['prefill_rows']:,.0f} records"
        rows.append(Row(f"kpi_ingest_csv_{kind}", round(fast), "rows/s", target, round(base), False,
                        f"{note}; baseline = reference path (validate_row + bulk_create) on {r['baseline_rows']:,.0f} rows"))  # fmt: skip
        if "fast_cpu_seconds" in r:
            fast_cpu = n / r["fast_cpu_seconds"]
            base_cpu = r["baseline_rows"] / r["baseline_cpu_seconds"]
            rows.append(Row(f"kpi_ingest_csv_{kind}_per_cpu_second", round(fast_cpu), "rows/cpu-s", None,
                            round(base_cpu), False, f"{note}; the worker's CPU time (all threads); baseline "
                            "likewise"))  # fmt: skip
        if r.get("database_cpu_seconds"):
            # the ceiling of the database's side alone: what one core of PostgreSQL writes per CPU-second
            # (the records with their indexes, the key table, the rollup upserts)
            rows.append(Row("kpi_ingest_postgresql_database_rows_per_cpu_second",
                            round(n / r["database_cpu_seconds"]), "rows/cpu-s", None, None, False,
                            f"{note}; CPU of the PostgreSQL backend that received the COPY streams"))  # fmt: skip
        rows.append(Row(f"kpi_ingest_bulk_create_{kind}", round(base), "rows/s", None, None, False, note))
        if "psql_copy_seconds" in r:
            copy = n / r["psql_copy_seconds"]
            rows.append(Row("kpi_ingest_csv_postgresql_vs_psql_copy", round(fast), "rows/s", round(copy),
                            round(copy), False, f"{note}; baseline = psql \\copy of the same CSV (load only)"))  # fmt: skip
        rows.append(
            Row(f"kpi_ingest_peak_memory_{kind}", round(r["peak_rss_mb"]), "MB", 1536, None, True, note)
        )
    emit("kpi", rows)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _kind, path, count, ddir, url, _phase = sys.argv[2:8]
        print(json.dumps(worker(_kind, Path(path), int(count), ddir, url or None, _phase)))
    else:
        main()
