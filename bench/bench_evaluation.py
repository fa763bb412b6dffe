"""Benchmark: the evaluation and the executive dashboard on an already seeded database.

    SQMS_DATA_DIR=… .venv/bin/sqms demo --size small      (once)
    SQMS_DATA_DIR=… .venv/bin/python bench/bench_evaluation.py

Times (1) ``selectors.evaluate`` of the default scheme for every unit × the last 12 months (from the
daily rollups, what the product does), (2) the same composite for the company only from the raw
service-records table (one aggregate per month: the baseline the rollups replace) and (3) the executive
dashboard page server time (p50/p95 over repeated requests through the test client). Timings are
reported, never asserted.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sqms.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db.models import Count, F, Q  # noqa: E402
from django.test import Client  # noqa: E402

from sqms.evaluation import selectors  # noqa: E402
from sqms.kpi.models import ServiceRecord  # noqa: E402
from sqms.kpi.selectors import SYSTEM  # noqa: E402
from sqms.org.models import OrgUnit  # noqa: E402


def main() -> None:
    scheme = selectors.scheme_by_code("default")
    months = sorted({d.strftime("%Y-%m") for d in ServiceRecord.objects.dates("requested_at", "month")})[-12:]
    units = OrgUnit.objects.filter(active=True).count()
    records = ServiceRecord.objects.count()
    print(f"{records:,} service records, {units} units, months {months[0]} … {months[-1]}")

    t0 = time.perf_counter()
    for m in months:
        selectors.evaluate(SYSTEM, scheme, m)
    t_eval = time.perf_counter() - t0
    print(f"evaluate every unit × {len(months)} months (rollups): {t_eval * 1000:,.0f} ms")

    t0 = time.perf_counter()
    for m in months:
        y, mo = (int(x) for x in m.split("-"))
        ServiceRecord.objects.filter(requested_at__year=y, requested_at__month=mo).aggregate(
            n=Count("id"),
            promised=Count("id", filter=Q(promised_at__isnull=False)),
            on_time=Count("id", filter=Q(completed_at__lte=F("promised_at"))),
        )
    t_raw = time.perf_counter() - t0
    print(f"company on-time rate × {len(months)} months from the raw table: {t_raw * 1000:,.0f} ms")

    admin = get_user_model().objects.filter(is_superuser=True).first()
    client = Client()
    client.force_login(admin)
    times = []
    for _i in range(20):
        t0 = time.perf_counter()
        r = client.get(f"/evaluation/dashboard/?period={months[-1]}")
        times.append(time.perf_counter() - t0)
        assert r.status_code == 200
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"dashboard page: p50 {statistics.median(times) * 1000:,.0f} ms, p95 {p95 * 1000:,.0f} ms")


if __name__ == "__main__":
    main()
