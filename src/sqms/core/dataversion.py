"""Data versions: a counter per kind of data that every write path bumps, so that expensive read models
(the executive dashboard, evaluation results) can be cached under the version they were computed from and
recomputed only when something they read has changed.

Kinds in use: ``"kpi"`` (service records and their rollups, KPI values and targets), ``"feedback"``
(tickets, ratings), ``"surveys"`` (responses, cleaning decisions), ``"evaluation"`` (schemes, manual scores),
``"audits"`` (inspections), ``"org"`` (units, staff).

API (stable; callers in every app rely on it):

* :func:`bump(*kinds)` — call inside or after the write's transaction; the new version becomes visible to
  readers when the transaction commits. :func:`bump_now` — the same, applied inside the transaction (for
  short, already serialised writers: complaint creation).
* :func:`current(*kinds)` — a hashable token of the versions of ``kinds`` as readers should see them now.
* :func:`cached(name, kinds, parts, compute)` — ``compute()`` through the Django cache under the current
  versions of ``kinds`` and the hashable ``parts`` (user scope, period, language...).

How: one row per kind in ``core_dataversion`` (:class:`sqms.core.models.DataVersion`), shared by every web
process and worker through the database. The new version is ``max(version + 1, now in microseconds)``,
so a version is never issued twice even after a database restore or a rolled-back test, and a cache
(Redis, files) that outlives the database can never hand out an entry computed from other data under a
reissued number. Readers run one small query per cached read: a change is visible from the next request.

Cost on hot write paths (complaint creation, survey submission, ingest):

* PostgreSQL: a bump inside a transaction is deferred to ``transaction.on_commit`` and is then one atomic
  ``UPDATE … SET version = …`` in autocommit, outside the writer's transaction, so no row lock is held
  while the writer's transaction runs and bumping never serialises writers; the bumps of one transaction
  are merged into one update.
* SQLite: writers are serialised by the database lock anyway, so the update runs at once inside the
  writer's transaction (no second write transaction, no extra commit); it commits or rolls back with the
  data it describes.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import connection, transaction

log = logging.getLogger(__name__)

T = TypeVar("T")
TABLE = "core_dataversion"
DEFAULT_TIMEOUT = 15 * 60  # a safety net for writes that bypass the services; versions do the real work


class _Bump:
    """An on-commit callback bumping ``kinds`` (merged with later bumps of the same transaction)."""

    def __init__(self, kinds: set[str]) -> None:
        self.kinds = kinds

    def __call__(self) -> None:
        _apply(sorted(self.kinds))


def _pending() -> _Bump | None:
    """This transaction's not yet run bump callback, if any (a rolled-back savepoint drops its own)."""
    for entry in connection.run_on_commit:
        func = entry[1]
        if isinstance(func, _Bump):
            return func
    return None


def _in_real_transaction() -> bool:
    """Inside an atomic block that will commit: not when the outermost block is a test case's (pytest-django
    / TestCase), whose on-commit callbacks never run; the bump is then applied at once, inside the test's
    transaction (and undone with a rolled-back savepoint, like the data)."""
    blocks = connection.atomic_blocks
    return bool(connection.in_atomic_block) and not (blocks and getattr(blocks[0], "_from_testcase", False))


def _deferred() -> bool:
    """Whether bumps inside a transaction wait for its commit (not on SQLite: see the module docstring)."""
    return bool(connection.vendor != "sqlite")


def bump(*kinds: str) -> None:
    """Note that data of ``kinds`` changed: visible to readers when the current transaction commits (at
    once in autocommit). Never raises: the write it follows has happened; a failed bump is logged and the cache
    entries expire after :data:`DEFAULT_TIMEOUT`."""
    if not kinds:
        return
    if _deferred() and _in_real_transaction():
        pending = _pending()
        if pending is not None:
            pending.kinds.update(kinds)
        else:
            transaction.on_commit(_Bump(set(kinds)), robust=True)
        return
    _apply(sorted(set(kinds)))


def bump_now(*kinds: str) -> None:
    """Like :func:`bump`, but applied at once inside the current transaction on PostgreSQL too: for a short
    transaction already serialised with the other writers of ``kinds`` — one that has appended to the audit
    chain, whose head row it holds until it ends — this saves the separate autocommit ``UPDATE`` (a second
    commit per write) that :func:`bump` runs after the commit. The version rows stay locked until the
    transaction ends, so: only from short transactions, and only after the audit append (the same lock
    order everywhere: audit head, then version rows)."""
    if kinds:
        _apply(sorted(set(kinds)))


def upsert_sql(kinds: list[str]) -> tuple[str, list[Any]]:
    """The one statement that bumps ``kinds`` (sorted: rows are locked in that order everywhere), creating
    the row of a kind bumped for the first time; PostgreSQL and SQLite alike. Also used inside the audit
    chain's append (:func:`sqms.core.security.chain.append`), which runs it in its own statement."""
    now = time.time_ns() // 1000
    values = ", ".join(["(%s, %s)"] * len(kinds))
    sql = (
        f"INSERT INTO {TABLE} (kind, version) VALUES {values} ON CONFLICT (kind) DO UPDATE SET version = "
        f"CASE WHEN {TABLE}.version + 1 > excluded.version THEN {TABLE}.version + 1 ELSE excluded.version END"
    )
    return sql, [v for kind in kinds for v in (kind, now)]


def _apply(kinds: list[str]) -> None:
    sql, params = upsert_sql(kinds)
    try:
        with connection.cursor() as cur:
            cur.execute(sql, params)
    except Exception:
        log.exception("data version bump failed for %s", kinds)


def current(*kinds: str) -> Hashable:
    """The versions of ``kinds`` (sorted by kind; 0 for a kind never bumped): one small query."""
    names = sorted(set(kinds))
    if not names:
        return ()
    marks = ", ".join(["%s"] * len(names))
    with connection.cursor() as cur:
        cur.execute(f"SELECT kind, version FROM {TABLE} WHERE kind IN ({marks})", names)
        found = dict(cur.fetchall())
    return tuple((k, int(found.get(k, 0))) for k in names)


def cache_key(name: str, kinds: Iterable[str], parts: Hashable) -> str:
    """The cache key of read model ``name`` for ``parts`` under the current versions of ``kinds``."""
    digest = hashlib.sha1(repr((current(*kinds), parts)).encode(), usedforsecurity=False).hexdigest()
    return f"dv:{name}:{digest}"


def cached(
    name: str,
    kinds: Iterable[str],
    parts: Hashable,
    compute: Callable[[], T],
    timeout: int = DEFAULT_TIMEOUT,
) -> T:
    """``compute()``, kept in the Django cache under the current versions of ``kinds`` and ``parts``
    (everything else the result depends on: user scope, unit, period, language, today)."""
    key = cache_key(name, kinds, parts)
    hit: Any = cache.get(key)
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    value = compute()
    try:
        cache.set(key, value, timeout)
    except Exception:
        log.exception("could not cache %s", name)
    return value


def bump_on_save(model: Any, kind: str) -> None:
    """Bump ``kind`` whenever an instance of ``model`` is saved or deleted: the safety net for
    low-volume configuration (KPI definitions and targets, schemes, org units) that the admin edits
    without going through the services. Not for hot tables: their services bump once per write."""
    from django.db.models.signals import post_delete, post_save

    def handler(**_kwargs: Any) -> None:
        bump(kind)

    uid = f"dataversion:{model._meta.label_lower}:{kind}"
    post_save.connect(handler, sender=model, weak=False, dispatch_uid=uid)
    post_delete.connect(handler, sender=model, weak=False, dispatch_uid=uid)
