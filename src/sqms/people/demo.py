"""Demo scorecards (filled in below)."""

from __future__ import annotations

from collections.abc import Callable


def seed(size: str, write: Callable[[str], None]) -> None:
    write("  scorecards: nothing yet")
