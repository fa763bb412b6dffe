"""Benchmark: SLA due times and states for many tickets vs a naive minute-stepping baseline.

    BENCH_SIZE=small|full  .venv/bin/python bench/bench_sla.py      (small = 10,000 tickets)

Builds realistic tickets on the CN calendar (3 targets each; ~30 % with waiting-on-customer
pauses, ~10 % with an approved extension, most responded/resolved, some confirmed; created
across 2025 and early 2026), then times :func:`sqms.sla.compute_many` over all of them —
events in, due times and states out, from a warm calendar (the one-off timeline build is timed
separately).  The requirement is <= 2 s for 100,000 tickets.

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

from sqms.sla import Event, cn_preset, compute_many  # noqa: E402
from sqms.sla.arithmetic import from_ts  # noqa: E402
from sqms.sla.calendar import Timeline  # noqa: E402

SIZES = {"small": 10_000, "full": 100_000}
TARGET_SECONDS_PER_100K = 2.0


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

    gc.collect()
    gc.disable()
    runs = []
    results = []
    for _ in range(3):
        t0 = time.perf_counter()
        results = compute_many(cal, tickets, now)  # type: ignore[arg-type]
        runs.append(time.perf_counter() - t0)
    gc.enable()
    engine_s = min(runs)
    states = Counter(t.state.value for r in results for t in r.targets.values())

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

    per_100k = engine_s / n * 100_000
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
            "engine: all due times/states",
            f"{engine_s:.3f} s",
            f"best of 3; {engine_s / n * 1e6:.1f} µs/ticket",
        ),
        (
            "engine scaled to 100,000",
            f"{per_100k:.3f} s",
            f"target <= {TARGET_SECONDS_PER_100K:.0f} s: {'OK' if per_100k <= TARGET_SECONDS_PER_100K else 'MISSED'}",
        ),
        ("baseline on sample", f"{oracle_sample_s:.2f} s", f"{len(sample_idx)} tickets, minute stepping"),
        (
            "baseline, extrapolated to all",
            f"{oracle_total:.0f} s",
            f"= {oracle_per_ticket * 1e3:.1f} ms/ticket × {n:,}",
        ),
        (
            "speed-up vs baseline",
            f"{oracle_total / engine_s:,.0f}×",
            f"same sample: {oracle_sample_s / engine_sample:,.0f}×",
        ),
        (
            "sample agreement",
            f"{len(sample_idx) - mismatches}/{len(sample_idx)}",
            "tickets identical to the oracle",
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


if __name__ == "__main__":
    main()
