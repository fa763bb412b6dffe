"""Demo service records: 12 months for every demo team (a few a day for ``small``, ~3,000,000 rows for
``large``), written through the fast ingest path (:mod:`sqms.kpi.ingest_fast`: PostgreSQL ``COPY`` /
SQLite ``executemany``, one chunk per team, rollup deltas by group-by and one upsert at the end); then
the KPI alerts are evaluated once. Idempotent: nothing is added when demo records exist."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

import polars as pl
from django.db import transaction
from django.utils import timezone

from sqms.kpi import domain, ingest_fast, services
from sqms.kpi.models import ServiceRecord
from sqms.org.models import OrgUnit, Staff

PER_DAY = {"small": 2, "large": 137}
SERVICE_TYPES = {
    "outlet": [("business", "counter"), ("billing", "counter"), ("consult", "phone")],
    "department": [("consult", "phone"), ("complaint", "phone"), ("consult", "online")],
    "team": [("repair", "phone"), ("meter", "onsite")],
}
PROMISE_MIN = {"business": 60, "billing": 20, "consult": 30, "complaint": 1440, "repair": 240, "meter": 2880}


def seed(size: str, write: Callable[[str], None]) -> None:
    if ServiceRecord.objects.filter(source="demo").exists():
        write("  service records already seeded")
        return
    teams = list(
        OrgUnit.objects.filter(kind__in=SERVICE_TYPES, children__isnull=True, active=True).order_by("code")
    )
    teams = [t for t in teams if t.parent_id is not None and t.code != "HQ-QM"]
    if not teams:
        write("  no demo teams: seed the organisation first")
        return
    tz = timezone.get_default_timezone()
    today = timezone.localdate()
    start = (today.replace(day=1) - dt.timedelta(days=365)).replace(day=1)
    days = (today - start).days
    per_day = PER_DAY.get(size, PER_DAY["small"])
    rng = random.Random(50)
    staff = {}
    for sid, unit_id in Staff.objects.filter(org_unit__in=teams).values_list("pk", "org_unit_id"):
        staff.setdefault(unit_id, []).append(sid)
    total = 0
    run = ingest_fast.Run(actor=None, on_duplicate="reject", ctx=None)
    to_us = ingest_fast.to_us
    with transaction.atomic(), ingest_fast.writes_drained():
        for t_index, team in enumerate(teams):
            on_time_p = rng.uniform(0.78, 0.98)
            speed = rng.uniform(0.6, 1.8)
            mood = rng.uniform(-0.6, 0.4)
            drift_month = rng.random() < 0.2  # some teams slip in the last month: an SPC signal to find
            kinds = SERVICE_TYPES[team.kind]
            cols: dict[str, list[object]] = {name: [] for name in ingest_fast.PREPARED_SCHEMA}
            for d in range(days):
                day = start + dt.timedelta(days=d)
                late = drift_month and day >= today.replace(day=1) - dt.timedelta(days=30)
                for _n in range(max(0, int(rng.gauss(per_day, per_day**0.5)))):
                    stype, channel = kinds[rng.randrange(len(kinds))]
                    req = dt.datetime.combine(day, dt.time(8), tzinfo=tz) + dt.timedelta(
                        seconds=rng.randrange(36000)
                    )
                    response = dt.timedelta(seconds=int(rng.expovariate(1 / (180 * speed))))
                    promise = dt.timedelta(minutes=PROMISE_MIN[stype])
                    in_time = rng.random() < (on_time_p - (0.3 if late else 0.0))
                    handling = promise * (rng.uniform(0.2, 0.95) if in_time else rng.uniform(1.05, 2.5))
                    rating = None
                    if rng.random() < 0.35:
                        rating = min(
                            5, max(1, round(rng.gauss(4.3 + mood - (0.8 if not in_time else 0), 0.8)))
                        )
                    fcr = rng.random() < (0.85 if in_time else 0.5)
                    total += 1
                    staff_id = rng.choice(staff[team.pk]) if staff.get(team.pk) else None
                    for name, value in (
                        ("row", total), ("source", "demo"), ("external_id", f"D{t_index:03d}-{total:08d}"),
                        ("org_unit_id", team.pk), ("staff_id", staff_id), ("customer_id", None),
                        ("service_type", stype), ("channel", channel), ("req", to_us(req)),
                        ("first", to_us(req + response)), ("done", to_us(req + handling)),
                        ("prom", to_us(req + promise)), ("outcome", "done"), ("fcr", fcr), ("rating", rating),
                    ):  # fmt: skip
                        cols[name].append(value)
            ingest_fast.write_prepared(run, pl.DataFrame(cols, schema=ingest_fast.PREPARED_SCHEMA))
        counts = ingest_fast.finish(run)
    delta_rows = counts["rollups"]
    write(f"  {total:,} service records for {len(teams)} teams, {delta_rows:,} daily rollups")
    # the regions' service KPIs (the nightly task covers every unit and KPI)
    records_kpis = [d["code"] for d in domain.LIBRARY if d["source"] == "records"]
    created = services.evaluate_alerts(
        period="month", units=OrgUnit.objects.filter(kind="region", active=True), codes=records_kpis
    )
    write(f"  {created} KPI alerts")
