"""Analytics reads to a read replica.

When ``DATABASE_REPLICA_URL`` is set, settings add a ``replica`` database alias and this router sends
to it the reads of the analytics apps (``SQMS_REPLICA_APPS``, default ``kpi,evaluation,reports``: rollups,
KPI values, evaluation results, reports) and every read made inside :func:`analytics_reads`.  Writes,
migrations and the reads of every other app stay on ``default``.  A replica lags a little behind the
primary: a service that reads what it has just written must not read it through the replica — the
analytics apps write through services that read their own writes from ``default`` inside a
transaction (``transaction.atomic`` pins nothing, so such code uses ``.using("default")``).
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections

REPLICA = "replica"
_forced: contextvars.ContextVar[bool] = contextvars.ContextVar("sqms_analytics_reads", default=False)


def replica_apps() -> set[str]:
    return {
        a.strip()
        for a in os.environ.get("SQMS_REPLICA_APPS", "kpi,evaluation,reports").split(",")
        if a.strip()
    }


@contextmanager
def analytics_reads() -> Iterator[None]:
    """Route every read inside the block to the replica (when there is one)."""
    token = _forced.set(True)
    try:
        yield
    finally:
        _forced.reset(token)


class ReplicaRouter:
    def __init__(self) -> None:
        self.apps = replica_apps()

    def _has_replica(self) -> bool:
        return REPLICA in connections.settings

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        if not self._has_replica():
            return None
        # Inside a write transaction on the primary, read the primary: the replica may not have it yet.
        if connections["default"].in_atomic_block:
            return "default"
        if _forced.get() or model._meta.app_label in self.apps:
            return REPLICA
        return None

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        dbs = {obj1._state.db or "default", obj2._state.db or "default"}
        return True if dbs <= {"default", REPLICA} else None

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool | None:
        if db == REPLICA:
            return False
        return None
