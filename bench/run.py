"""``make bench``: run every ``bench/bench_*.py``, collect their rows into ``bench/results/latest.json``
and print one table.

    BENCH_SIZE=small|full .venv/bin/python bench/run.py [name ...]

Each script writes ``bench/results/<name>.json`` through :func:`common.emit`; a script that fails, writes
nothing or overruns its time budget gets a row saying so (the table never hides a benchmark).

``bench_http.py`` runs against PostgreSQL on 127.0.0.1:5432 when one answers there and
``BENCH_DATABASE_URL`` is unset (else SQLite).  Caches: ``bench_http.py`` (seeded demo database: the
template database ``sqms_bench_http_tpl`` or ``var/bench-cache/http-demo-small.sqlite3``) and ``bench_audits.py`` (migrated database) keep their
databases in ``var/bench-cache``; building them the first time takes minutes, so run those two scripts once
alone on a new checkout, then ``make bench``.

Time budget (``BENCH_SIZE=small`` must finish in under 5 minutes on this 2-core machine): every script has a
budget in :data:`BUDGET_SMALL` (seconds; ``full`` has none); a script still running at its budget is stopped
(its whole process group) and reported as over budget.  The CPU-bound scripts run two at a time (two
cores); ``bench_http.py`` runs alone at the end, since it measures latencies that a neighbour would distort.
``BENCH_JOBS`` overrides the number of parallel scripts (1 = strictly one after another).  ``latest.json`` is a list of rows
``{"bench", "name", "value", "unit", "target", "baseline", "ratio", "met", ...}``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))

from common import size  # noqa: E402


def _fmt(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def table(rows: list[dict[str, object]]) -> str:
    cols = ["bench", "name", "value", "unit", "target", "baseline", "ratio", "met"]
    cells = [[_fmt(r.get(c)) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) if cells else len(c) for i, c in enumerate(cols)]
    line = "  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    for row in cells:
        out.append(
            "  ".join(
                v.ljust(w) if i < 4 else v.rjust(w) for i, (v, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    return "\n".join(out)


#: small-size budget per script, seconds: even if every script used all of its budget, the two lanes
#: (420 s of budgets / 2) plus http (90 s) end by 300 s. Measured alone on the quiet machine (2026-11-27):
#: stats 34, sla 104, surveys 16, kpi 88 (SQLite and PostgreSQL), evaluation 10, dashboard 57, audits 14,
#: http 67 s
BUDGET_SMALL: dict[str, float] = {
    "stats": 45,
    "sla": 110,
    "surveys": 40,
    "kpi": 95,
    "evaluation": 30,
    "dashboard": 60,
    "audits": 40,
    "http": 90,
}
DEFAULT_BUDGET_SMALL = 40.0
#: benchmarks the table must always show (a missing script is a row, not a silence)
EXPECTED = ("stats", "sla", "surveys", "kpi", "evaluation", "dashboard", "audits", "http")
ALONE = {"http"}  # run after the others, with nothing beside it
PREPARE = {"evaluation"}  # scripts with a ``--prepare`` step (one-time caches), run untimed first


def _local_postgres() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def run_script(script: Path, bench_size: str) -> dict[str, object]:
    """Run one benchmark within its budget; returns its status, wall time and the result files it wrote."""
    name = script.stem.removeprefix("bench_")
    budget = BUDGET_SMALL.get(name, DEFAULT_BUDGET_SMALL) if bench_size == "small" else None
    print(f"== {script.name} (BENCH_SIZE={bench_size}, budget {budget or '—'} s)", flush=True)
    started = time.time()
    t0 = time.monotonic()
    log = RESULTS / f"{name}.log"
    with log.open("wb") as out:
        env = {**os.environ, "BENCH_SIZE": bench_size}
        if name == "http" and "BENCH_DATABASE_URL" not in env and _local_postgres():
            # production-like, and its seeded template database is kept between runs
            env["BENCH_DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/postgres"
        proc = subprocess.Popen(
            [sys.executable, str(script)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: servers it starts are stopped with it
        )
        over = False
        try:
            returncode = proc.wait(timeout=budget)
        except subprocess.TimeoutExpired:
            over = True
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                returncode = proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                returncode = proc.wait()
    seconds = time.monotonic() - t0
    fresh = [
        p
        for p in RESULTS.glob("*.json")
        if p.name != "latest.json"
        and p.stat().st_mtime >= started
        and p.stem == name  # scripts run side by side: only its own file
    ]
    print(f"== {script.name}: exit {returncode}, {seconds:.0f} s (log: {log})", flush=True)
    return {
        "name": name,
        "script": script.name,
        "returncode": returncode,
        "over": over,
        "budget": budget,
        "seconds": seconds,
        "fresh": sorted(fresh),
    }


def rows_of(done: dict[str, object]) -> list[dict[str, object]]:
    name, script = done["name"], done["script"]
    rows: list[dict[str, object]] = []
    if done["over"]:
        rows.append(
            {
                "bench": name,
                "name": f"{script} stopped: over its {done['budget']:g} s budget",
                "value": None,
                "note": "the first run builds its cached database in var/bench-cache: run the script once "
                "alone (`BENCH_SIZE=small .venv/bin/python bench/" + str(script) + "`), then `make bench`",
            }
        )
    elif done["returncode"]:
        rows.append({"bench": name, "name": f"{script} FAILED (exit {done['returncode']})", "value": None})
    elif not done["fresh"]:
        rows.append({"bench": name, "name": f"{script} wrote no results (not converted to emit?)"})
    for path in done["fresh"]:  # type: ignore[attr-defined]
        for row in json.loads(path.read_text(encoding="utf-8")):
            rows.append({"bench": path.stem, **row})
    budget = done["budget"]
    rows.append(
        {
            "bench": name,
            "name": "script wall time",
            "value": round(float(done["seconds"]), 1),  # type: ignore[arg-type]
            "unit": "s",
            "target": budget,
            "met": None if budget is None else float(done["seconds"]) <= float(budget),  # type: ignore[arg-type]
            "lower_is_better": True,
        }
    )
    return rows


def main(argv: list[str]) -> int:
    bench_size = size()
    scripts = sorted(HERE.glob("bench_*.py"))
    present = {s.stem.removeprefix("bench_") for s in scripts}
    if argv:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in argv]
    RESULTS.mkdir(exist_ok=True)
    jobs = int(os.environ.get("BENCH_JOBS") or (2 if bench_size == "small" else 1))
    shared = [s for s in scripts if s.stem.removeprefix("bench_") not in ALONE]
    alone = [s for s in scripts if s.stem.removeprefix("bench_") in ALONE]
    # longest budgets first, so the two lanes end close together
    shared.sort(key=lambda s: -BUDGET_SMALL.get(s.stem.removeprefix("bench_"), DEFAULT_BUDGET_SMALL))
    for script in scripts:
        if script.stem.removeprefix("bench_") in PREPARE:
            # one-time caches (a seeded demo database): not part of any benchmark's time or budget
            t0 = time.monotonic()
            subprocess.run([sys.executable, str(script), "--prepare"], check=True)
            print(f"== {script.name} --prepare: {time.monotonic() - t0:.0f} s (not timed)", flush=True)
    total = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = list(pool.map(lambda s: run_script(s, bench_size), shared))
    results += [run_script(s, bench_size) for s in alone]
    results.sort(key=lambda d: str(d["name"]))
    rows: list[dict[str, object]] = []
    for missing in [m for m in EXPECTED if m not in present and (not argv or m in argv)]:
        rows.append({"bench": missing, "name": f"bench_{missing}.py is missing", "value": None})
    for done in results:
        rows += rows_of(done)
    failed = sum(1 for d in results if d["returncode"] or d["over"])
    seconds = time.monotonic() - total
    rows.append(
        {
            "bench": "all",
            "name": f"make bench wall time ({jobs} at a time)",
            "value": round(seconds, 1),
            "unit": "s",
            "target": 300.0 if bench_size == "small" else None,
            "met": seconds <= 300.0 if bench_size == "small" else None,
            "lower_is_better": True,
        }
    )
    (RESULTS / "latest.json").write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
    print()
    print(table(rows))
    print(
        f"\n{len(scripts)} benchmarks, {failed} failed or over budget, {seconds:.0f} s; bench/results/latest.json"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
