"""What every benchmark reports: rows of one shape, collected by ``make bench`` into one table.

A benchmark script ``bench/bench_<name>.py`` measures, builds a list of :class:`Row` and calls
:func:`emit` once at the end.  ``emit`` prints the rows and writes ``bench/results/<name>.json``
(a list of ``{"name", "value", "unit", "target", "baseline", "ratio", "met"}``); ``make bench``
gathers every file into ``bench/results/latest.json`` and prints one table.

``BENCH_SIZE`` (``small`` | ``full``) is read with :func:`size`; ``small`` keeps the whole of
``make bench`` under five minutes.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Row:
    """One measured figure.

    ``target`` is the requirement (``None`` when there is none), ``lower_is_better`` says which way it
    points (times, memory: lower; throughput: higher); ``baseline`` is the figure of the naive or
    reference implementation measured in the same run, and ``ratio`` = baseline / value for times
    (how many times faster) or value / baseline for throughputs.
    """

    name: str
    value: float
    unit: str
    target: float | None = None
    baseline: float | None = None
    lower_is_better: bool = True
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or not self.value or not self.baseline:
            return None
        return self.baseline / self.value if self.lower_is_better else self.value / self.baseline

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.value <= self.target if self.lower_is_better else self.value >= self.target

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        data.update(ratio=self.ratio, met=self.met)
        return data


def size() -> str:
    value = os.environ.get("BENCH_SIZE", "small")
    if value not in {"small", "full"}:
        sys.exit(f"BENCH_SIZE must be small or full, not {value!r}")
    return value


def emit(bench: str, rows: list[Row]) -> None:
    """Print the rows and write them to ``bench/results/<bench>.json``."""
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{bench}.json").write_text(
        json.dumps([row.as_json() for row in rows], ensure_ascii=False, indent=2), encoding="utf-8"
    )
    for row in rows:
        target = "" if row.target is None else f" (target {row.target:g}, {'met' if row.met else 'NOT met'})"
        ratio = "" if row.ratio is None else f" ×{row.ratio:.1f} vs baseline {row.baseline:g}"
        print(f"{row.name}: {row.value:g} {row.unit}{target}{ratio} {row.note}".rstrip())
