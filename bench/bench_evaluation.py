"""Benchmark: the evaluation and the executive dashboard on the demo data.

    .venv/bin/python bench/bench_evaluation.py
    SQMS_DATA_DIR=DIR .venv/bin/python bench/bench_evaluation.py     (a database of your own, seeded)

Without ``SQMS_DATA_DIR`` it uses ``var/bench-cache/evaluation/`` (the small demo, seeded the first time —
about a minute, in a process of its own, renamed into place when complete; ``--prepare`` does only that and
``make bench`` runs it before its timed runs; later runs only apply newer migrations), so ``make bench``
needs no seeded database of its own.

Times, on the demo data:

* ``evaluation_every_unit_12_months`` — :func:`sqms.evaluation.selectors.evaluate_periods` of the
  default scheme for every unit × the last 12 months: a few grouped queries over the rollups (monthly
  rollups for whole months), feedback, surveys and manual scores, folded to subtrees in numpy.  The
  ``baseline`` is the same service-record part (on-time, rating, response counts of every unit's subtree
  × month) computed from the raw service-records table, one grouped query per month.
* ``dashboard_p50`` / ``dashboard_p95`` — the executive dashboard page server time through the test
  client (20 requests after one warm-up).

The scale rows (10,000,000 records) are in ``bench/bench_dashboard.py``.  Timings are reported, never
asserted.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sqms.settings")
CACHE = ROOT / "var" / "bench-cache" / "evaluation"
READY = CACHE / "seeded"  # written once the demo is complete: a seeding cut short is redone, never used
CACHED = "SQMS_DATA_DIR" not in os.environ
SEEDING = sys.argv[1:2] == ["--seed-into"]


def prepare() -> None:
    """Seed the small demo into the cache once (``make bench`` calls ``--prepare`` before its timed runs: the
    seeding takes about a minute and is not part of the benchmark). The seeding runs in a process of its own
    into a scratch directory that is renamed into place only when complete."""
    if READY.exists():
        return
    import shutil
    import subprocess

    partial = CACHE.with_name("evaluation.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    t0 = time.perf_counter()
    print(f"seeding the small demo into {CACHE} (once)", flush=True)
    env = {**os.environ, "SQMS_DATA_DIR": str(partial)}
    subprocess.run([sys.executable, __file__, "--seed-into"], env=env, check=True)
    shutil.rmtree(CACHE, ignore_errors=True)
    partial.rename(CACHE)
    READY.write_text(f"seeded in {time.perf_counter() - t0:.0f} s\n")


if CACHED and not SEEDING:
    prepare()
    if sys.argv[1:2] == ["--prepare"]:
        sys.exit(0)
    os.environ["SQMS_DATA_DIR"] = str(CACHE)

import django  # noqa: E402

django.setup()

if SEEDING:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("demo", size="small", verbosity=0)
    sys.exit(0)
if CACHED:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # newer migrations only

import logging  # noqa: E402

from common import Row, emit, size  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db.models import Count, F, Q, Sum  # noqa: E402
from django.test import Client  # noqa: E402

from sqms.evaluation import selectors  # noqa: E402
from sqms.kpi import domain  # noqa: E402
from sqms.kpi.models import ServiceRecord  # noqa: E402
from sqms.kpi.selectors import SYSTEM  # noqa: E402
from sqms.org.models import OrgUnit  # noqa: E402

logging.disable(logging.INFO)


def raw_baseline(months: list[str]) -> float:
    """The service-record sums of every unit's subtree × month from the raw table (what the rollups
    replace): one grouped query per month, folded like the product does."""
    paths = dict(OrgUnit.objects.values_list("id", "path"))
    targets = sorted(OrgUnit.objects.filter(active=True).values_list("path", flat=True))
    periods = [(m, *domain.period_bounds("month", m)) for m in months]
    t0 = time.perf_counter()
    row_paths, grains, vectors = [], [], []
    for _key, start, _end in periods:
        y, mo = start.year, start.month
        grouped = (
            ServiceRecord.objects.filter(requested_at__year=y, requested_at__month=mo)
            .values("org_unit_id")
            .annotate(
                total=Count("id"),
                with_promise=Count("id", filter=Q(promised_at__isnull=False)),
                on_time=Count("id", filter=Q(completed_at__lte=F("promised_at"))),
                rating_count=Count("rating"),
                rating_sum=Sum("rating"),
                responded=Count("first_response_at"),
            )
            .values_list(
                "org_unit_id", "total", "with_promise", "on_time", "rating_count", "rating_sum", "responded"
            )
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
    size()  # validated for consistency with the other scripts; the demo data decides the volume
    scheme = selectors.scheme_by_code("default")
    months = sorted({d.strftime("%Y-%m") for d in ServiceRecord.objects.dates("requested_at", "month")})[-12:]
    if not months:
        sys.exit("no service records: run `sqms demo` on this SQMS_DATA_DIR first")
    units = OrgUnit.objects.filter(active=True).count()
    records = ServiceRecord.objects.count()
    note = f"{records:,} demo records, {units} units, {months[0]}…{months[-1]}"
    print(note)

    selectors.evaluate_periods(SYSTEM, scheme, months)  # warm-up (imports, query compilation)
    runs = []
    for _i in range(5):
        t0 = time.perf_counter()
        selectors.evaluate_periods(SYSTEM, scheme, months)
        runs.append(time.perf_counter() - t0)
    t_eval = statistics.median(runs)
    t_raw = statistics.median([raw_baseline(months) for _i in range(3)])

    admin = get_user_model().objects.filter(is_superuser=True).first()
    client = Client()
    client.force_login(admin)
    client.get(f"/evaluation/dashboard/?period={months[-1]}")
    times = []
    for _i in range(20):
        t0 = time.perf_counter()
        r = client.get(f"/evaluation/dashboard/?period={months[-1]}")
        times.append(time.perf_counter() - t0)
        assert r.status_code == 200
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1) + 0.5)]
    emit(
        "evaluation",
        [
            Row(
                "evaluation_every_unit_12_months",
                round(t_eval * 1000, 1),
                "ms",
                target=100,
                baseline=round(t_raw * 1000, 1),
                note=f"median of 5; baseline: service-record part from the raw table; {note}",
            ),
            Row("dashboard_p50", round(statistics.median(times) * 1000, 1), "ms", note=note),
            Row("dashboard_p95", round(p95 * 1000, 1), "ms", target=300, note=note),
        ],
    )


if __name__ == "__main__":
    main()
