"""The demo organisation: apps register seeders; ``sqms demo`` runs them in order, idempotently."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DEMO_PASSWORD = "Demo@2026"


@dataclass
class Seeder:
    name: str
    order: int
    run: Callable[[str, Any], None]  # (size, write) -> None; must add nothing when run twice


SEEDERS: dict[str, Seeder] = {}


def register_seeder(seeder: Seeder) -> None:
    SEEDERS[seeder.name] = seeder


def run_all(size: str, write: Callable[[str], None]) -> None:
    import time

    for seeder in sorted(SEEDERS.values(), key=lambda s: s.order):
        t0 = time.perf_counter()
        seeder.run(size, write)
        write(f"  {seeder.name}: {time.perf_counter() - t0:.1f} s")
