"""Benchmark: SLA due times and states for many tickets vs a naive minute-stepping baseline.

    BENCH_SIZE=small|full  .venv/bin/python bench/bench_sla.py      (small = 10,000 tickets)

Builds realistic tickets on the CN calendar (3 targets each; ~30 % with waiting-on-customer
pauses, ~10 % with an approved extension, most responded/resolved, some confirmed; created
across 2025 and early 2026) and times the column-based batch path from a warm calendar (the
one-off timeline build is reported separately):

* ``sla_due_times`` — :func:`sqms.sla.batch.compute_columns`: event columns (epoch seconds,
  kinds, codes) in, due times / states / elapsed / remaining as numpy arrays out.  This is the
  requirement row: <= 2 s for 100,000 tickets.
* the two conversions around it, timed on their own and never hidden: reading ``Event`` objects
  into columns (``columns_from_events``) and building ``TicketClock`` objects from the arrays
  (``BatchResult.clocks()``), and their sum, ``compute_many`` end to end (objects in, objects out);
* the per-ticket engine (``compute_ticket`` in a loop) on the same input; every path must give
  identical results (checked, the script fails otherwise).

The sweep rows time the pure part of the periodic SLA sweep: 100,000 *open* tickets (created in
the last days before ``now``) → clocks as arrays → for every unfulfilled target, the highest
escalation threshold (50/75/100 % of its budget) it has crossed at ``now``, vectorised.  No
database.  The requirement is <= 5 s.

The baseline is the brute-force minute-stepping oracle from ``tests/sla/sla_oracle.py``.  It is
far too slow to run on every ticket, so it runs on a random sample; its total for 100,000 tickets
is *extrapolated* from the sample mean (the notes say so), and the sample doubles as a
cross-check: the engine must agree with it on every target of every sampled ticket.
With ``BENCH_SIZE=small`` the timings are measured on 10,000 tickets and scaled linearly to
100,000 (the notes say so); ``full`` measures 100,000.  Timings are reported, never asserted.
"""

from __future__ import annotations

import gc
import os
import random
import sys
import time
import timeit
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests" / "sla"), str(ROOT / "bench")]

from common import Row, emit, size  # noqa: E402
from sla_oracle import make_policies, make_ticket, oracle_ticket  # noqa: E402

from sqms.sla import Event, State, TicketClock, cn_preset, compute_many, compute_ticket  # noqa: E402
from sqms.sla.arithmetic import from_ts  # noqa: E402
from sqms.sla.batch import STATES, BatchResult, columns_from_events, compute_columns  # noqa: E402
from sqms.sla.calendar import Timeline  # noqa: E402

SIZES = {"small": 10_000, "full": 100_000}
TARGET_SECONDS_PER_100K = 2.0
SWEEP_TARGET_SECONDS_PER_100K = 5.0
THRESHOLDS = (1.0, 0.75, 0.5)


def build_tickets(n: int, seed: int = 20250101) -> tuple[list[list[Event]], object]:
    """n realistic event logs; ``now`` is mid-January 2026 so a share of tickets is still open."""
    rng = random.Random(seed)
    policies = make_policies()
    start = from_ts(1735660800)  # 2025-01-01 00:00 Asia/Shanghai
    now = from_ts(1768492800)  # 2026-01-16 00:00 Asia/Shanghai
    span = int((now - start).total_seconds() // 60)
    tickets = []
    for _ in range(n):
        created = start + timedelta(minutes=rng.randint(0, span))
        tickets.append(make_ticket(rng, created, rng.choice(policies), now))
    return tickets, now


def build_open_tickets(n: int, seed: int = 20260116) -> tuple[list[list[Event]], object]:
    """n event logs still open at ``now`` (created at most ~12 days before, not yet resolved)."""
    rng = random.Random(seed)
    policies = make_policies()
    now = from_ts(1768492800)  # 2026-01-16 00:00 Asia/Shanghai
    span = 12 * 24 * 60
    tickets: list[list[Event]] = []
    while len(tickets) < n:
        created = now - timedelta(minutes=rng.randint(1, span))
        events = make_ticket(rng, created, rng.choice(policies), now)
        if not any(getattr(e, "name", "") == "resolved" for e in events):
            tickets.append(events)
    return tickets, now


def sweep(clocks: list[TicketClock]) -> tuple[Counter[float], int]:
    """Escalation decisions at ``now`` from clock objects (the cross-check of :func:`sweep_arrays`)."""
    crossed: Counter[float] = Counter()
    open_targets = 0
    running = (State.RUNNING, State.PAUSED, State.BREACHED)
    for clock in clocks:
        for t in clock.targets.values():
            if t.fulfilled_ts is not None or t.state not in running:
                continue
            open_targets += 1
            used = t.elapsed / t.budget if t.budget > 0 else 1.0
            for level in THRESHOLDS:
                if used >= level:
                    crossed[level] += 1
                    break
    return crossed, open_targets


RUNNING_CODES = np.array([STATES.index(s) for s in (State.RUNNING, State.PAUSED, State.BREACHED)])


def sweep_arrays(result: BatchResult, names: tuple[str, ...]) -> tuple[Counter[float], int]:
    """The same decisions from the result arrays, vectorised (what the sweep needs)."""
    crossed: Counter[float] = Counter()
    open_targets = 0
    for name in names:
        col = result.target(name)
        live = col.present & (col.fulfilled_ts < 0) & np.isin(col.state, RUNNING_CODES)
        open_targets += int(live.sum())
        budget = col.budget[live]
        used = np.where(budget > 0, col.elapsed[live] / np.maximum(budget, 1), 1.0)
        below = np.ones(len(used), dtype=np.bool_)
        for level in THRESHOLDS:
            hit = below & (used >= level)
            crossed[level] += int(hit.sum())
            below &= ~hit
    return crossed, open_targets


def best_of(runs: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    times = []
    result = None
    gc.collect()
    gc.disable()
    try:
        for _ in range(runs):
            t0 = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - t0)
    finally:
        gc.enable()
    return min(times), result


def main() -> None:
    label = size()
    n = SIZES[label]
    scale = 100_000 / n
    scaled = "" if n == 100_000 else f"measured on {n:,} tickets, scaled ×{scale:g}; "
    sample_n = int(os.environ.get("BENCH_SAMPLE", "100"))
    repeats = int(os.environ.get("BENCH_REPEAT", "5"))

    calib = min(timeit.repeat("sum(range(1000))", number=2000, repeat=5)) / 2000
    t0 = time.perf_counter()
    cal = cn_preset()
    tl = cal.timeline
    assert isinstance(tl, Timeline)
    tl.ensure(1735660800 - 86400 * 400)  # cover 2024-2027 before timing
    tl.ensure(1768492800 + 86400 * 400)
    build_cal = time.perf_counter() - t0

    tickets, now = build_tickets(n)
    assert isinstance(now, datetime)
    events = sum(len(t) for t in tickets)
    paused = sum(any(getattr(e, "status", "") == "waiting_customer" for e in t) for t in tickets)

    to_cols_s, cols = best_of(repeats, lambda: columns_from_events(tickets))
    engine_s, result = best_of(repeats, lambda: compute_columns(cal, cols, now))
    objects_s, results = best_of(repeats, lambda: result.clocks())
    e2e_s, results_e2e = best_of(repeats, lambda: compute_many(cal, tickets, now))
    states = Counter(t.state.value for r in results for t in r.targets.values())
    per_ticket_s, reference = best_of(
        1 if n > 20_000 else 2, lambda: [compute_ticket(cal, events, now) for events in tickets]
    )
    identical = reference == results == results_e2e
    # the arrays themselves against the per-ticket objects
    array_mismatch = 0
    for name in ("first_response", "resolution", "confirmation"):
        col = result.target(name)
        due = [r.targets[name].due_ts if name in r.targets else None for r in reference]
        want = np.array([-1 if d is None else d for d in due], dtype=np.int64)
        array_mismatch += int((col.due_ts != want).sum())

    rng = random.Random(7)
    sample_idx = rng.sample(range(n), min(sample_n, n))
    mismatches = 0
    t0 = time.perf_counter()
    for i in sample_idx:
        expected = oracle_ticket(cal, tickets[i], now)
        got = {name: (t.state, t.due_ts) for name, t in results[i].targets.items()}
        mismatches += got != expected
    oracle_sample_s = time.perf_counter() - t0
    oracle_per_ticket = oracle_sample_s / len(sample_idx)
    oracle_100k = oracle_per_ticket * 100_000
    oracle_note = (
        f"baseline EXTRAPOLATED from {len(sample_idx)} sampled tickets "
        f"({oracle_per_ticket * 1e3:.1f} ms/ticket, minute stepping) to 100,000"
    )

    open_tickets, sweep_now = build_open_tickets(n)
    assert isinstance(sweep_now, datetime)
    open_cols = columns_from_events(open_tickets)
    target_names = ("first_response", "resolution", "confirmation")

    def run_sweep() -> tuple[Counter[float], int]:
        return sweep_arrays(compute_columns(cal, open_cols, sweep_now), target_names)

    sweep_s, (crossed, open_targets) = best_of(repeats, run_sweep)
    sweep_objects = compute_many(cal, open_tickets, sweep_now)
    sweep_agrees = sweep(sweep_objects) == (crossed, open_targets)
    sweep_e2e_s, _ = best_of(max(1, repeats // 2), lambda: sweep(compute_many(cal, open_tickets, sweep_now)))

    per100k = lambda seconds: seconds * scale  # noqa: E731
    load = f"machine: sum(range(1000)) = {calib * 1e6:.1f} µs (~10 µs on a quiet desktop)"
    rows = [
        Row(
            "sla_due_times_100k",
            round(per100k(engine_s), 4),
            "s",
            target=TARGET_SECONDS_PER_100K,
            baseline=round(oracle_100k, 1),
            note=f"compute_columns: event columns in, arrays out; best of {repeats}; {scaled}"
            f"{engine_s / n * 1e6:.1f} µs/ticket; {events / n:.1f} events/ticket, {paused / n:.0%} "
            f"with pauses; {oracle_note}; {load}",
        ),
        Row(
            "sla_events_to_columns_100k",
            round(per100k(to_cols_s), 4),
            "s",
            note=f"columns_from_events (reading Event objects); {scaled}not part of the target row",
        ),
        Row(
            "sla_arrays_to_objects_100k",
            round(per100k(objects_s), 4),
            "s",
            note=f"BatchResult.clocks() (TicketClock objects, only when asked); {scaled}".rstrip("; "),
        ),
        Row(
            "sla_compute_many_end_to_end_100k",
            round(per100k(e2e_s), 4),
            "s",
            baseline=round(oracle_100k, 1),
            note=f"compute_many: Event objects in, TicketClock objects out; {scaled}{oracle_note}",
        ),
        Row(
            "sla_per_ticket_engine_100k",
            round(per100k(per_ticket_s), 4),
            "s",
            baseline=round(oracle_100k, 1),
            note=f"compute_ticket in a loop; {scaled}batch path is {per_ticket_s / engine_s:.1f}× faster",
        ),
        Row(
            "sla_results_differing_from_per_ticket",
            float((not identical) + array_mismatch),
            "tickets",
            target=0,
            note="batch objects, compute_many and the due-time arrays vs compute_ticket; "
            + ", ".join(f"{k} {v:,}" for k, v in sorted(states.items())),
        ),
        Row(
            "sla_sample_differing_from_oracle",
            float(mismatches),
            "tickets",
            target=0,
            note=f"{len(sample_idx)} sampled tickets vs the minute-stepping oracle",
        ),
        Row(
            "sla_sweep_open_100k",
            round(per100k(sweep_s), 4),
            "s",
            target=SWEEP_TARGET_SECONDS_PER_100K,
            note=f"open tickets → arrays → escalation thresholds, pure, no DB; best of {repeats}; {scaled}"
            f"{open_targets:,} open targets; crossed "
            + ", ".join(f"{int(k * 100)}% {crossed[k]:,}" for k in sorted(THRESHOLDS))
            + f"; agrees with the object sweep: {'yes' if sweep_agrees else 'NO'}",
        ),
        Row(
            "sla_sweep_objects_end_to_end_100k",
            round(per100k(sweep_e2e_s), 4),
            "s",
            note=f"the same sweep through compute_many and TicketClock objects; {scaled}".rstrip("; "),
        ),
        Row(
            "sla_cn_timeline_build",
            round(build_cal * 1000, 1),
            "ms",
            note="one-off: chinese_calendar + arrays",
        ),
    ]
    db_rows, db_agrees = db_sweep_rows(n)
    rows += db_rows
    emit("sla", rows)
    if not db_agrees:
        raise SystemExit("the column sweep and the ORM sweep disagree on the database sample")
    if mismatches:
        raise SystemExit(f"{mismatches} sampled tickets disagree with the minute-stepping oracle")
    if not identical or array_mismatch:
        raise SystemExit("the batch path and the per-ticket path disagree")
    if not sweep_agrees:
        raise SystemExit("the array sweep and the object sweep disagree")


# --- the sweep through the database ----------------------------------------------------------------------

DB_SWEEP_TARGET_SECONDS = 5.0
DB_BASELINE_SAMPLE = 2_000
#: open tickets in the database rows (both sizes: seeding is raw inserts, a few seconds)
DB_TICKETS = int(os.environ.get("BENCH_DB_TICKETS", "100000"))
#: share of tickets that get a new clock event between two periodic sweeps
DB_NEW_EVENTS = 0.01


def _raw_insert(model: Any, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """``executemany`` INSERT of plain tuples (``columns`` are attnames, the primary key included);
    every other column gets its field default. Datetimes and JSON are adapted per column."""
    from django.db import connection

    by_name = {f.attname: f for f in model._meta.concrete_fields}
    rest = [f for f in model._meta.concrete_fields if f.attname not in columns]
    defaults = []
    for f in rest:
        value = f.get_default()
        if value is None and getattr(f, "auto_now", False):
            value = datetime.now(tz=UTC)
        defaults.append(f.get_db_prep_save(value, connection))
    adapt = []
    for c in columns:
        f = by_name[c]
        kind = f.get_internal_type()
        if kind == "DateTimeField":
            adapt.append(connection.ops.adapt_datetimefield_value)
        elif kind == "JSONField":
            adapt.append(lambda v, f=f: f.get_db_prep_save(v, connection))
        else:
            adapt.append(None)
    q = connection.ops.quote_name
    names = [q(by_name[c].column) for c in columns] + [q(f.column) for f in rest]
    sql = f"INSERT INTO {q(model._meta.db_table)} ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))})"
    tail = tuple(defaults)
    params = [tuple(v if a is None else a(v) for a, v in zip(adapt, row, strict=True)) + tail for row in rows]
    with connection.cursor() as cursor:
        for k in range(0, len(params), 20_000):
            cursor.executemany(sql, params[k : k + 20_000])


def _seed_open_tickets(first: int, count: int, now: Any, rng: random.Random) -> None:
    """Insert ``count`` open tickets (ids and numbers from ``first`` + 1) with their timeline rows, raw:
    ~35 % accepted and replied, ~20 % waiting on the customer (paused), ~10 % with an approved
    extension, ~3 % with a priority change (policy change: the per-ticket path), created in the 10 days
    before ``now`` across the priorities of the DEFAULT policy."""
    from django.db import transaction

    from sqms.feedback.models import SlaPolicy, Ticket, TicketEvent
    from sqms.org.models import OrgUnit

    unit = OrgUnit.objects.get(code="BENCH").pk
    policy = SlaPolicy.objects.get(code="DEFAULT").pk
    last_event = TicketEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    latest = now - timedelta(minutes=3)  # before the first sweep (events come in real time: no future rows)
    tickets, events = [], []
    for k in range(first + 1, first + count + 1):
        received = now - timedelta(seconds=rng.randint(600, 10 * 86400))
        roll = rng.random()
        status = "new" if roll < 0.45 else ("waiting_customer" if roll < 0.65 else "accepted")
        priority = rng.choice(["P1", "P2", "P3", "P4"])
        tickets.append((k, f"B{k:09d}", "000000", "排队时间太长", unit, status, priority, policy, received))
        step = timedelta(minutes=rng.randint(5, 240))
        at = received

        def add(
            kind: str,
            when: Any,
            frm: str = "",
            to: str = "",
            data: Any = None,
            public: bool = False,
            k: int = k,
        ) -> None:
            events.append((k, kind, min(when, latest), frm, to, data or {}, public))

        add("created", at, to="new", data={"priority": priority, "policy": policy})
        if status != "new":
            at += step
            add("status", at, "new", "accepted")
            at += step
            add("reply", at, data={"responded": True}, public=True)
        if status == "waiting_customer":
            at += step
            add("status", at, "accepted", status)
        r2 = rng.random()
        if r2 < 0.10:
            add("extension", at + step, data={"target": "resolution", "amount": 8})
        elif r2 < 0.13:
            add("priority", at + step, data={"priority": "P2", "policy": policy})
    ids = range(last_event + 1, last_event + len(events) + 1)
    with transaction.atomic():
        _raw_insert(
            Ticket,
            [
                "id",
                "number",
                "verification_code",
                "title",
                "org_unit_id",
                "status",
                "priority",
                "sla_policy_id",
                "received_at",
            ],
            tickets,
        )
        _raw_insert(
            TicketEvent,
            ["id", "ticket_id", "kind", "at", "from_status", "to_status", "data", "public"],
            [(i, *e) for i, e in zip(ids, events, strict=True)],
        )


def _new_events(at: Any, share: float, rng: random.Random) -> int:
    """Replies on a share of the open tickets since the last sweep, inserted raw and marked for the
    sweep the way ``TicketEvent.save`` marks them (``invalidate_sla``)."""
    from django.db import transaction

    from sqms.feedback.models import Ticket, TicketEvent, invalidate_sla

    pks = list(Ticket.objects.filter(status="accepted").values_list("pk", flat=True))
    chosen = sorted(rng.sample(pks, int(len(pks) * share)))
    last_event = TicketEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with transaction.atomic():
        _raw_insert(
            TicketEvent,
            ["id", "ticket_id", "kind", "at", "data", "public"],
            [(last_event + 1 + j, pk, "reply", at, {"responded": True}, True) for j, pk in enumerate(chosen)],
        )
        for k in range(0, len(chosen), 500):
            invalidate_sla(Ticket.objects.filter(pk__in=chosen[k : k + 500]))
    return len(chosen)


def _record_sweep(at: Any) -> tuple[float, int, int]:
    """A previous periodic sweep at ``at`` (full), recording its escalation rows without notifying:
    (seconds, tickets, escalations)."""
    from sqms.feedback.models import Escalation
    from sqms.feedback.sweep import sla_sweep_columns

    seen: list[Any] = []

    def record(ticket: Any, target: str, pct: int, who: str, status: Any, now: Any) -> bool:
        seen.append(Escalation(ticket_id=ticket.pk, target=target, step=pct, at=now))
        return False

    t = time.perf_counter()
    stats = sla_sweep_columns(at, batch=5000, fire=record, full=True)
    spent = time.perf_counter() - t
    Escalation.objects.bulk_create(seen, batch_size=5000, ignore_conflicts=True)
    return spent, stats["tickets"], len(seen)


def db_sweep_rows(_n: int) -> tuple[list[Row], bool]:
    """``services.sla_sweep`` on ``DB_TICKETS`` open tickets in a temporary SQLite database (migrated,
    then seeded with raw inserts): the periodic sweep one minute after the previous one, full (every
    open ticket) and incremental (tickets due or with new events: 1 % got a reply since the previous
    sweep). The previous ORM sweep (``services.sla_sweep_orm``) is timed on a 2,000-ticket sample and
    extrapolated."""
    import tempfile

    os.environ["SQMS_DATA_DIR"] = tempfile.mkdtemp(prefix="bench_sla_db_")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sqms.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from sqms.feedback import bots, services  # bots: imported by a running worker already
    from sqms.feedback.models import Escalation
    from sqms.feedback.presets import ensure_presets
    from sqms.org.models import OrgUnit

    n = DB_TICKETS
    assert bots.PER_MINUTE
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    ensure_presets()
    OrgUnit.objects.create(code="BENCH", name="基准网点")
    migrate_s = time.perf_counter() - t0
    rng = random.Random(7)
    now = datetime(2026, 11, 20, 7, 30, tzinfo=UTC)  # Friday 15:30 Shanghai
    previous, before = now - timedelta(minutes=2), now - timedelta(minutes=1)
    sample = min(DB_BASELINE_SAMPLE, n)
    t0 = time.perf_counter()
    _seed_open_tickets(0, sample, now, rng)
    seed_s = time.perf_counter() - t0
    _record_sweep(previous)

    class Rollback(Exception):
        pass

    def timed(fn: Any, **kw: Any) -> tuple[float, dict[str, int], set[Any]]:
        try:
            with transaction.atomic():
                t = time.perf_counter()
                stats = fn(now=before, **kw)
                spent = time.perf_counter() - t
                fired = set(Escalation.objects.filter(at=before).values_list("ticket_id", "target", "step"))
                raise Rollback
        except Rollback:
            pass
        return spent, stats, fired

    orm_s, orm_stats, orm_fired = timed(services.sla_sweep_orm)
    new_small_s, new_small_stats, new_fired = timed(services.sla_sweep, full=True)
    agrees = orm_stats == new_small_stats and orm_fired == new_fired
    t0 = time.perf_counter()
    if n > sample:
        _seed_open_tickets(sample, n - sample, now, rng)
    seed_s += time.perf_counter() - t0
    first_s, first_tickets, first_esc = _record_sweep(previous)
    # the periodic sweep one minute later: full, then (rolled back) the same sweep incrementally
    full_s, full_stats, full_fired = timed(services.sla_sweep, full=True)
    inc_s, inc_stats, inc_fired = timed(services.sla_sweep)
    agrees = agrees and full_fired == inc_fired and full_stats["escalations"] == inc_stats["escalations"]
    # one minute later again, after 1 % of the tickets got a reply: incremental, then an idle re-run
    services.sla_sweep(now=before)
    replies = _new_events(before, DB_NEW_EVENTS, rng)
    t = time.perf_counter()
    step_stats = services.sla_sweep(now=now)
    step_s = time.perf_counter() - t
    t = time.perf_counter()
    idle = services.sla_sweep(now=now)
    idle_s = time.perf_counter() - t
    # nothing left for a full sweep at the same instant: the incremental sweeps missed nothing
    check_s, check, _ = timed(lambda now, **kw: services.sla_sweep(now=now + timedelta(minutes=1), full=True))
    leftover = check["escalations"]
    agrees = agrees and leftover == 0
    baseline = orm_s * 100_000 / sample
    scale = 100_000 / n
    scaled = "" if n == 100_000 else f"measured on {n:,} tickets, scaled ×{scale:g}; "
    common = f"temporary SQLite; seeding {seed_s:.1f} s raw inserts + migrate {migrate_s:.1f} s (not timed)"
    return [
        Row(
            "SLA sweep through the database, 100,000 open tickets (full)",
            round(full_s * scale, 3),
            "s",
            target=DB_SWEEP_TARGET_SECONDS,
            baseline=round(baseline, 2),
            note=f"services.sla_sweep(full=True) one minute after the previous sweep; {scaled}"
            f"{full_stats['tickets']:,} tickets computed, {full_stats['escalations']:,} escalations fired "
            f"(notifications, timeline rows); the first sweep of the seeded database (recording its "
            f"{first_esc:,} escalations, no notifications) took {first_s * scale:.2f} s for {first_tickets:,}; "
            f"baseline = the previous ORM sweep (sla_sweep_orm) timed on {sample:,} tickets ({orm_s:.2f} s, "
            f"this sweep {new_small_s:.2f} s there) and extrapolated ×{100_000 / sample:g}; same escalations "
            f"and stats as the ORM sweep on the sample: {'yes' if agrees else 'NO'}; {common}",
        ),
        Row(
            "SLA sweep through the database, 100,000 open tickets (incremental)",
            round(inc_s * scale, 3),
            "s",
            target=DB_SWEEP_TARGET_SECONDS,
            baseline=round(full_s * scale, 3),
            note=f"services.sla_sweep() at the same instant as the full row: only tickets whose stored next "
            f"check (sla_next_at) is reached; {scaled}{inc_stats['tickets']:,} tickets computed, same "
            f"{inc_stats['escalations']:,} escalations as the full sweep; baseline = the full sweep",
        ),
        Row(
            "SLA sweep through the database, incremental after 1 % new events",
            round(step_s * scale, 3),
            "s",
            target=DB_SWEEP_TARGET_SECONDS,
            baseline=round(full_s * scale, 3),
            note=f"the next minute, after replies on {replies:,} tickets (marked by invalidate_sla); {scaled}"
            f"{step_stats['tickets']:,} tickets computed, {step_stats['escalations']:,} escalations; an idle "
            f"re-run {idle_s * scale:.3f} s ({idle['tickets']} tickets); a full sweep a minute later fires "
            f"{leftover} escalations the incremental sweeps missed (must be 0) besides the new crossings"
            f" [{check_s:.1f} s]; baseline = the full sweep",
        ),
    ], agrees


if __name__ == "__main__":
    main()
