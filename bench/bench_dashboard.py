"""Benchmark at scale: evaluation and the executive dashboard with rollups of 1,000,000 / 10,000,000 records.

    BENCH_SIZE=small|full .venv/bin/python bench/bench_dashboard.py     (small = 1,000,000 records)

Builds a fresh SQLite database in a temporary SQMS_DATA_DIR (migrate + the demo organisation only),
then writes the daily and monthly rollups that N service records spread over the demo teams, the last
12 months and three service type × channel combinations would produce (generated directly, not through
ingest: ``bench_kpi.py`` measures ingest).  Times:

* ``scale_evaluation_every_unit_12_months`` — ``evaluate_periods`` of the default scheme, every unit;
  ``evaluate_periods`` is never cached, so this is the cold path;
* ``scale_dashboard_cold_p50`` / ``_p95`` — the executive dashboard page, 20 requests with the cache
  cleared before each (every read model computed);
* ``scale_dashboard_warm_p50`` / ``_p95`` — the same page, 20 requests served from the cached read model
  (sqms.core.dataversion; the default file-based cache of a fresh data directory, Redis in production).

The ``baseline`` of every row is the same service-record sums of every unit × month computed from a raw
service-records table of the same size (what the page and the evaluation would cost without rollups),
written with executemany for the baseline only (BENCH_RAW=0 skips it).  Server times through Django's
test client (no network, no gunicorn: ``bench_http.py`` measures those).  The load average is in every
note, and the CPU time of the benchmark process (SQLite runs in it) next to the wall-clock figures: on a
loaded machine the wall-clock time is mostly waiting for a core.  Timings are reported, never asserted.
"""

from __future__ import annotations

import atexit
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench")]
os.environ["SQMS_DATA_DIR"] = tempfile.mkdtemp(prefix="sqms-bench-dash-")
atexit.register(shutil.rmtree, os.environ["SQMS_DATA_DIR"], True)  # 2+ GB with the 10M raw baseline
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sqms.settings")

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

import numpy as np  # noqa: E402
from common import Row, emit, size  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from sqms.kpi import domain  # noqa: E402
from sqms.kpi.models import DailyRollup, MonthlyRollup  # noqa: E402
from sqms.org.models import OrgUnit  # noqa: E402

logging.disable(logging.WARNING)
RECORDS = {"small": 1_000_000, "full": 10_000_000}
COMBOS = [("repair", "phone"), ("consult", "online"), ("business", "counter")]


def generate(n_records: int) -> tuple[list[int], list[str]]:
    """Daily + monthly rollups of ``n_records`` records; returns the team ids and the 12 months."""
    rng = np.random.default_rng(7)
    teams = list(OrgUnit.objects.filter(children__isnull=True, active=True).values_list("pk", flat=True))
    today = timezone.localdate()
    start = (today.replace(day=1) - dt.timedelta(days=365)).replace(day=1)
    days = [start + dt.timedelta(days=i) for i in range((today - start).days + 1)]
    cells = len(teams) * len(days) * len(COMBOS)
    totals = rng.multinomial(n_records, np.full(cells, 1 / cells))
    cols = ["org_unit_id", "day", "service_type", "channel", *domain.COUNTERS, *domain.HIST_FIELDS]
    monthly: dict[tuple[int, dt.date, str, str], np.ndarray] = {}
    rows = []
    k = 0
    edges_p = np.array([0.02, 0.05, 0.1, 0.15, 0.2, 0.2, 0.1, 0.08, 0.05, 0.03] + [0.02] * 14)
    edges_p = edges_p / edges_p.sum()
    for unit in teams:
        for day in days:
            for stype, channel in COMBOS:
                n = int(totals[k])
                k += 1
                if n == 0:
                    continue
                completed = n - int(rng.binomial(n, 0.02))
                on_time = int(rng.binomial(completed, 0.9))
                rated = int(rng.binomial(n, 0.35))
                resp = rng.multinomial(n, edges_p)
                hand = rng.multinomial(completed, edges_p[::-1])
                counters = [n, completed, n, on_time, int(rng.binomial(n, 0.8)), n, n * 150, completed * 2400,
                            rated, rated * 4]  # fmt: skip
                vec = np.array(counters + resp.tolist() + hand.tolist(), dtype=np.int64)
                rows.append((unit, day.isoformat(), stype, channel, *vec.tolist()))
                key = (unit, day.replace(day=1), stype, channel)
                monthly[key] = monthly.get(key, 0) + vec
    with transaction.atomic(), connection.cursor() as cur:
        marks = ", ".join(["%s"] * len(cols))
        cur.executemany(
            f"INSERT INTO {DailyRollup._meta.db_table} ({', '.join(cols)}) VALUES ({marks})", rows
        )
        mcols = ["org_unit_id", "month", *cols[2:]]
        cur.executemany(
            f"INSERT INTO {MonthlyRollup._meta.db_table} ({', '.join(mcols)}) VALUES ({marks})",
            [(u, m.isoformat(), s, c, *v.tolist()) for (u, m, s, c), v in monthly.items()],
        )
    months = sorted({domain.period_key("month", d) for d in days})[-12:]
    print(
        f"{len(rows):,} daily rollups, {len(monthly):,} monthly rollups for {n_records:,} records, {len(teams)} teams"
    )
    return teams, months


def raw_table(teams: list[int], months: list[str], n_records: int) -> float:
    """Write a raw service-records table of the same size and time the same sums from it."""
    from sqms.evaluation.selectors import _month_periods
    from sqms.kpi.models import ServiceRecord

    rng = np.random.default_rng(8)
    first, last = domain.period_bounds("month", months[0])[0], domain.period_bounds("month", months[-1])[1]
    span = int((last - first).days * 86400)
    base = dt.datetime.combine(first, dt.time.min)
    table = ServiceRecord._meta.db_table
    sql = (f"INSERT INTO {table} (source, external_id, org_unit_id, service_type, channel, requested_at, "
           "first_response_at, completed_at, promised_at, outcome, first_contact_resolution, rating, ingested_at) "
           "VALUES ('b', %s, %s, 'repair', 'phone', %s, %s, %s, %s, '', 1, %s, %s)")  # fmt: skip
    chunk = 200_000
    with transaction.atomic(), connection.cursor() as cur:
        for lo in range(0, n_records, chunk):
            n = min(chunk, n_records - lo)
            offs = rng.integers(0, span, n)
            units = rng.choice(teams, n)
            batch = []
            for i in range(n):
                t = base + dt.timedelta(seconds=int(offs[i]))
                s = t.isoformat(" ")
                batch.append((str(lo + i), int(units[i]), s, s, s, s, 4 if i % 3 == 0 else None, s))
            cur.executemany(sql, batch)
    from django.db.models import Count, F, Q, Sum

    paths = dict(OrgUnit.objects.values_list("id", "path"))
    targets = sorted(OrgUnit.objects.filter(active=True).values_list("path", flat=True))
    periods = _month_periods(months)
    t0 = time.perf_counter()
    row_paths, grains, vectors = [], [], []
    for _key, start, end in periods:
        lo_t = dt.datetime.combine(start, dt.time.min, tzinfo=timezone.get_default_timezone())
        hi_t = dt.datetime.combine(
            end + dt.timedelta(days=1), dt.time.min, tzinfo=timezone.get_default_timezone()
        )
        grouped = (
            ServiceRecord.objects.filter(requested_at__gte=lo_t, requested_at__lt=hi_t)
            .values("org_unit_id")
            .annotate(
                total=Count("id"),
                on_time=Count("id", filter=Q(completed_at__lte=F("promised_at"))),
                rating_count=Count("rating"),
                rating_sum=Sum("rating"),
            )
            .values_list("org_unit_id", "total", "on_time", "rating_count", "rating_sum")
            .order_by()
        )
        for uid, *values in grouped:
            row_paths.append(paths[uid])
            grains.append(start)
            vectors.append([float(v or 0) for v in values])
    if vectors:
        domain.fold(row_paths, grains, vectors, targets, periods)
    return time.perf_counter() - t0


def main() -> None:
    n_records = RECORDS[size()]
    call_command("migrate", verbosity=0)
    from sqms.org import demo as org_demo

    org_demo.seed("small", lambda _s: None)
    teams, months = generate(n_records)
    from sqms.evaluation import selectors
    from sqms.kpi.selectors import SYSTEM

    scheme = selectors.scheme_by_code("default")
    selectors.evaluate_periods(SYSTEM, scheme, months)
    runs, cpu = [], []
    for _i in range(9):  # evaluate_periods itself is never cached: this is the cold path
        t0, c0 = time.perf_counter(), time.process_time()
        selectors.evaluate_periods(SYSTEM, scheme, months)
        runs.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    t_eval = statistics.median(runs)
    admin = get_user_model().objects.filter(is_superuser=True).first()
    client = Client()
    client.force_login(admin)
    url = f"/evaluation/dashboard/?period={months[-1]}"
    client.get(url)
    cold, cold_cpu = page_times(client, url, clear=True)
    warm, warm_cpu = page_times(client, url, clear=False)
    load = "load %.1f %.1f %.1f" % os.getloadavg()  # right after the timed part, before the raw baseline
    baseline = None
    if os.environ.get("BENCH_RAW", "1") != "0":
        baseline = round(raw_table(teams, months, n_records) * 1000, 1)
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    note = f"rollups of {n_records:,} records, {len(teams)} teams, 12 months, SQLite, {load}"
    raw_note = "; baseline: the service-record sums of every unit × 12 months from a raw table of that size"
    rows = [
        Row("scale_evaluation_every_unit_12_months", ms(t_eval), "ms", target=100, baseline=baseline,
            note=f"{note}; evaluate_periods, never cached; CPU {ms(statistics.median(cpu))} ms{raw_note}"),
    ]  # fmt: skip
    for label, times, cpu_times in (("cold", cold, cold_cpu), ("warm", warm, warm_cpu)):
        how = "cache cleared before every request" if label == "cold" else f"cached read model ({backend})"
        how += f"; CPU p50 {ms(statistics.median(cpu_times))} ms"
        rows += [
            Row(f"scale_dashboard_{label}_p50", ms(statistics.median(times)), "ms", baseline=baseline,
                note=f"{note}; {how}{raw_note}"),
            Row(f"scale_dashboard_{label}_p95", ms(p95(times)), "ms", target=300, baseline=baseline,
                note=f"{note}; {how}{raw_note}"),
        ]  # fmt: skip
    emit("dashboard", rows)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[int(0.95 * (len(ordered) - 1) + 0.5)]


def page_times(client: Client, url: str, *, clear: bool, n: int = 20) -> tuple[list[float], list[float]]:
    """Server time of ``n`` requests of the dashboard (the test client runs the whole Django stack:
    middleware, view, template); ``clear`` empties the cache first (the cold path: every read model
    computed), else the page is served from the cached read model (warm). Wall-clock and CPU times of
    this process (SQLite runs in it: the CPU time is what the page costs without the other jobs' load)."""
    times, cpu = [], []
    for _i in range(n):
        if clear:
            cache.clear()
        t0, c0 = time.perf_counter(), time.process_time()
        assert client.get(url).status_code == 200
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return times, cpu


if __name__ == "__main__":
    main()
