"""Benchmark: SLA due times and states for many tickets vs a naive minute-stepping baseline.

    BENCH_SIZE=small|full  .venv/bin/python bench/bench_sla.py      (small = 10,000 tickets)

Builds realistic tickets on the CN calendar (3 targets each; ~30 % with waiting-on-customer
pauses, ~10 % with an approved extension, most responded/resolved, some confirmed; created
across 2025 and early 2026), then times :func:`sqms.sla.compute_many` over all of them —
events in, due times and states out, from a warm calendar (the one-off timeline build is timed
separately).  The requirement is <= 2 s for 100,000 tickets.

Three implementations are timed on the same input: the vectorised batch path
(:func:`sqms.sla.batch.compute_batch`, what ``compute_many`` uses for large batches), the
per-ticket path (``compute_ticket`` in a loop, the engine before the batch path) and the
minute-stepping baseline.  Both engine paths must return identical results (checked).

The sweep row times the pure part of the periodic SLA sweep: 100,000 *open* tickets (created in
the last days before ``now``) → clocks via ``compute_many`` → for every unfulfilled target, the
highest escalation threshold (50/75/100 % of its budget) it has crossed at ``now``.  No database.
The requirement is <= 5 s.

The baseline is the brute-force minute-stepping oracle from ``tests/sla/sla_oracle.py``.  It is
far too slow to run on every ticket, so it runs on a random sample; its total for all tickets is
*extrapolated* from the sample mean (said so in the output), and the sample doubles as a
cross-check: both implementations must agree on every target of every sampled ticket.
Timings are reported, never asserted (tests must not depend on machine speed).
"""

from __future__ import annotations

import gc
import os
import random
import sys
import time
import timeit
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests" / "sla")]

from sla_oracle import make_policies, make_ticket, oracle_ticket  # noqa: E402

from sqms.sla import Event, State, TicketClock, cn_preset, compute_many, compute_ticket  # noqa: E402
from sqms.sla.arithmetic import from_ts  # noqa: E402
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
    """Escalation decisions at ``now``: the highest threshold each open target has crossed."""
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


def best_of(runs: int, fn: object) -> tuple[float, object]:
    assert callable(fn)
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
    size = os.environ.get("BENCH_SIZE", "small")
    n = SIZES.get(size)
    if n is None:
        raise SystemExit(f"BENCH_SIZE must be one of {', '.join(SIZES)}, got {size!r}")
    sample_n = int(os.environ.get("BENCH_SAMPLE", "100"))

    calib = min(timeit.repeat("sum(range(1000))", number=2000, repeat=5)) / 2000
    t0 = time.perf_counter()
    cal = cn_preset()
    tl = cal.timeline
    assert isinstance(tl, Timeline)
    tl.ensure(1735660800 - 86400 * 400)  # cover 2024-2027 before timing
    tl.ensure(1768492800 + 86400 * 400)
    build_cal = time.perf_counter() - t0

    t0 = time.perf_counter()
    tickets, now = build_tickets(n)
    build_s = time.perf_counter() - t0
    events = sum(len(t) for t in tickets)
    paused = sum(any(getattr(e, "status", "") == "waiting_customer" for e in t) for t in tickets)

    repeats = int(os.environ.get("BENCH_REPEAT", "5"))
    engine_s, results_obj = best_of(repeats, lambda: compute_many(cal, tickets, now))  # type: ignore[arg-type]
    results: list[TicketClock] = results_obj  # type: ignore[assignment]
    states = Counter(t.state.value for r in results for t in r.targets.values())
    per_ticket_s, reference = best_of(
        1 if n > 20_000 else 2,
        lambda: [compute_ticket(cal, events, now) for events in tickets],  # type: ignore[arg-type]
    )
    identical = reference == results

    rng = random.Random(7)
    sample_idx = rng.sample(range(n), min(sample_n, n))
    mismatches = 0
    t0 = time.perf_counter()
    for i in sample_idx:
        expected = oracle_ticket(cal, tickets[i], now)  # type: ignore[arg-type]
        got = {name: (t.state, t.due_ts) for name, t in results[i].targets.items()}
        mismatches += got != expected
    oracle_sample_s = time.perf_counter() - t0
    oracle_per_ticket = oracle_sample_s / len(sample_idx)
    oracle_total = oracle_per_ticket * n
    engine_sample = engine_s / n * len(sample_idx)

    open_tickets, sweep_now = build_open_tickets(n)
    open_clocks: list[TicketClock] = []

    def run_sweep() -> tuple[Counter[float], int]:
        open_clocks[:] = compute_many(cal, open_tickets, sweep_now)  # type: ignore[arg-type]
        return sweep(open_clocks)

    sweep_s, sweep_out = best_of(repeats, run_sweep)
    crossed, open_targets = sweep_out  # type: ignore[misc]
    decide_s, _ = best_of(repeats, lambda: sweep(open_clocks))

    per_100k = engine_s / n * 100_000
    sweep_100k = sweep_s / n * 100_000
    rows = [
        ("tickets", f"{n:,}", f"BENCH_SIZE={size}"),
        ("events", f"{events:,}", f"{events / n:.1f} per ticket, {paused / n:.0%} with pauses"),
        ("targets by state", ", ".join(f"{k} {v:,}" for k, v in sorted(states.items())), ""),
        (
            "machine speed",
            f"{calib * 1e6:.1f} µs",
            "sum(range(1000)); ~10 µs on a typical desktop — scale the times below by it",
        ),
        ("CN calendar + timeline", f"{build_cal * 1000:.0f} ms", "one-off: chinese_calendar load + arrays"),
        ("ticket generation", f"{build_s:.2f} s", "not timed below"),
        (
            "batch path (compute_many)",
            f"{engine_s:.3f} s",
            f"best of {repeats}; {engine_s / n * 1e6:.1f} µs/ticket; events in, TicketClock objects out",
        ),
        (
            "batch scaled to 100,000",
            f"{per_100k:.3f} s",
            f"target <= {TARGET_SECONDS_PER_100K:.0f} s: {'OK' if per_100k <= TARGET_SECONDS_PER_100K else 'MISSED'}",
        ),
        (
            "per-ticket path",
            f"{per_ticket_s:.3f} s",
            f"{per_ticket_s / n * 1e6:.1f} µs/ticket; batch is {per_ticket_s / engine_s:.1f}× faster; "
            f"results identical: {'yes' if identical else 'NO'}",
        ),
        ("baseline on sample", f"{oracle_sample_s:.2f} s", f"{len(sample_idx)} tickets, minute stepping"),
        (
            "baseline, extrapolated to all",
            f"{oracle_total:.0f} s",
            f"EXTRAPOLATED from the sample: {oracle_per_ticket * 1e3:.1f} ms/ticket × {n:,}",
        ),
        (
            "speed-up vs baseline",
            f"{oracle_total / engine_s:,.0f}×",
            f"batch path; per-ticket path {oracle_total / per_ticket_s:,.0f}×; "
            f"on the sample itself {oracle_sample_s / engine_sample:,.0f}×",
        ),
        (
            "sample agreement",
            f"{len(sample_idx) - mismatches}/{len(sample_idx)}",
            "tickets identical to the oracle",
        ),
        (
            "sweep: open tickets",
            f"{n:,}",
            f"{open_targets:,} open targets; crossed "
            + ", ".join(f"{int(k * 100)}% {crossed[k]:,}" for k in sorted(THRESHOLDS)),
        ),
        (
            "sweep: clocks + thresholds",
            f"{sweep_s:.3f} s",
            f"best of {repeats}; of which threshold decisions {decide_s:.3f} s; pure, no DB",
        ),
        (
            "sweep scaled to 100,000",
            f"{sweep_100k:.3f} s",
            f"target <= {SWEEP_TARGET_SECONDS_PER_100K:.0f} s: "
            f"{'OK' if sweep_100k <= SWEEP_TARGET_SECONDS_PER_100K else 'MISSED'}",
        ),
    ]
    w1 = max(len(r[0]) for r in rows)
    w2 = max(len(r[1]) for r in rows)
    print(f"{'SLA benchmark':<{w1}}  {'value':>{w2}}  note")
    print(f"{'-' * w1}  {'-' * w2}  {'-' * 40}")
    for name, value, note in rows:
        print(f"{name:<{w1}}  {value:>{w2}}  {note}")
    if mismatches:
        raise SystemExit(f"{mismatches} sampled tickets disagree with the minute-stepping oracle")
    if not identical:
        raise SystemExit("the batch path and the per-ticket path disagree")


if __name__ == "__main__":
    main()
