"""Data versions: a counter per kind of data that every write path bumps, so that expensive read models
(the executive dashboard, evaluation results) can be cached under the version they were computed from and
recomputed only when something they read has changed.

Kinds in use: ``"kpi"`` (service records and their rollups, KPI values and targets), ``"feedback"``
(tickets, ratings), ``"surveys"`` (responses, cleaning decisions), ``"evaluation"`` (schemes, manual scores),
``"audits"`` (inspections), ``"org"`` (units, staff).

API (stable; callers in every app rely on it):

* :func:`bump(*kinds)` — call inside or after the write's transaction; the new version becomes visible to
  readers when the transaction commits.
* :func:`current(*kinds)` — a hashable token of the versions of ``kinds`` as readers should see them now.
"""

from __future__ import annotations

from collections.abc import Hashable


def bump(*kinds: str) -> None:
    """Note that data of ``kinds`` changed (implementation pending: see the dashboard cache work)."""
    return None


def current(*kinds: str) -> Hashable:
    """The versions of ``kinds`` (implementation pending)."""
    return tuple(kinds)
