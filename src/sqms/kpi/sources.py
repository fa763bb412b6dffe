"""KPI sources provided by apps above ``kpi`` in the import layers (audits, …).

``kpi`` cannot import those apps, so they register a function here in their ``AppConfig.ready()``::

    from sqms.kpi.sources import register_kpi_source
    register_kpi_source("inspection_score", inspection_scores)

``fn(unit_paths, start, end)`` receives org-unit paths (``/1/5/``; already limited to the caller's scope)
and an inclusive date range, and returns ``{path: value}``: the figure of each unit's whole *subtree*
over the range (the source aggregates its own records correctly, e.g. a mean of all inspection scores
under the path, never a mean of means), or ``None`` / a missing key when there is no data.

A KPI of the library whose ``code`` equals a registered source code reads its values from that function
(see ``sqms.kpi.selectors``); without a registration its value is simply empty.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

KpiSourceFn = Callable[[Sequence[str], dt.date, dt.date], Mapping[str, float | None]]

_SOURCES: dict[str, KpiSourceFn] = {}


def register_kpi_source(code: str, fn: KpiSourceFn) -> None:
    """Register (or replace) the function computing the KPI ``code``."""
    if not code or not callable(fn):
        raise ValueError("register_kpi_source needs a code and a callable")
    _SOURCES[code] = fn


def kpi_source(code: str) -> KpiSourceFn | None:
    return _SOURCES.get(code)


def registered() -> tuple[str, ...]:
    return tuple(sorted(_SOURCES))


def source_values(
    code: str, unit_paths: Sequence[str], start: dt.date, end: dt.date
) -> dict[str, float | None]:
    """The registered source's values for the paths (``{}`` when nothing is registered)."""
    fn = _SOURCES.get(code)
    if fn is None or not unit_paths:
        return {}
    out = fn(list(unit_paths), start, end) or {}
    return {p: (None if out.get(p) is None else float(out[p])) for p in unit_paths}  # type: ignore[arg-type]
