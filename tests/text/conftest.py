"""Fixtures of the text-analytics tests: labelled complaints made in bulk (a synthetic, separable set)."""

from __future__ import annotations

from typing import Any

import pytest
from text_samples import make_labelled


@pytest.fixture
def labelled(org: Any) -> Any:
    """make(n_per_class=30, unit=team_a, codes=None) → tickets created in bulk, labelled with a category."""
    counter = [0]

    def make(
        n_per_class: int = 30, unit: Any = None, codes: list[str] | None = None, kind: str = "complaint"
    ) -> list[Any]:
        rows = make_labelled(org, n_per_class, unit=unit, codes=codes, kind=kind, start=counter[0])
        counter[0] += 1000
        return rows

    return make
