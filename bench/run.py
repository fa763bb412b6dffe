"""``make bench``: run every ``bench/bench_*.py``, collect their rows into ``bench/results/latest.json``
and print one table.

    BENCH_SIZE=small|full .venv/bin/python bench/run.py [name ...]

Each script writes ``bench/results/<name>.json`` through :func:`common.emit`; a script that fails or writes
nothing gets a row saying so (the table never hides a benchmark).  ``latest.json`` is a list of rows
``{"bench", "name", "value", "unit", "target", "baseline", "ratio", "met", ...}``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
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


def main(argv: list[str]) -> int:
    bench_size = size()
    scripts = sorted(HERE.glob("bench_*.py"))
    if argv:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in argv]
    RESULTS.mkdir(exist_ok=True)
    rows: list[dict[str, object]] = []
    failed = 0
    total = time.monotonic()
    for script in scripts:
        name = script.stem.removeprefix("bench_")
        print(f"== {script.name} (BENCH_SIZE={bench_size})", flush=True)
        started = time.time()
        t0 = time.monotonic()
        done = subprocess.run(
            [sys.executable, str(script)], env={**os.environ, "BENCH_SIZE": bench_size}, check=False
        )
        seconds = time.monotonic() - t0
        fresh = [
            p for p in RESULTS.glob("*.json") if p.name != "latest.json" and p.stat().st_mtime >= started
        ]
        if done.returncode:
            failed += 1
            rows.append(
                {"bench": name, "name": f"{script.name} FAILED (exit {done.returncode})", "value": None}
            )
        elif not fresh:
            rows.append({"bench": name, "name": f"{script.name} wrote no results (not converted to emit?)"})
        for path in sorted(fresh):
            for row in json.loads(path.read_text(encoding="utf-8")):
                rows.append({"bench": path.stem, **row})
        rows.append(
            {
                "bench": name,
                "name": "script wall time",
                "value": round(seconds, 1),
                "unit": "s",
                "lower_is_better": True,
            }
        )
    (RESULTS / "latest.json").write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
    print()
    print(table(rows))
    print(
        f"\n{len(scripts)} benchmarks, {failed} failed, {time.monotonic() - total:.0f} s; bench/results/latest.json"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
