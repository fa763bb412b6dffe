"""Django's SQLite backend, plus retries when the database is locked.

SQLite has one writer at a time. ``busy_timeout`` (settings) makes a writer wait for the lock; when a long
write (a large import) holds it beyond that, SQLite answers "database is locked". We retry exactly where a
retry is safe:

* ``BEGIN IMMEDIATE`` — every transaction starts by taking the write lock (``transaction_mode``), so a
  statement *inside* a transaction never waits for the lock, and a failed BEGIN has done nothing yet;
* a statement in autocommit mode — it failed as a whole and changed nothing.

A statement inside an open transaction is never retried here (its transaction must be retried as a whole;
``sqms.core.db.busy`` turns the final failure of a web request into a 503 "try again").
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db.backends.sqlite3 import base as sqlite_base
from django.db.backends.sqlite3.base import Database

RETRY_DELAYS = (0.05, 0.2, 0.5, 1.0, 2.0)


def is_locked(exc: BaseException) -> bool:
    # Django re-raises sqlite3's error as django.db.utils.OperationalError: match both by name
    text = str(exc).lower()
    return type(exc).__name__ == "OperationalError" and (
        "database is locked" in text or "database table is locked" in text or "database is busy" in text
    )


def _retries() -> int:
    return int(getattr(settings, "SQMS_SQLITE_LOCK_RETRIES", 3))


class RetryingCursorWrapper(sqlite_base.SQLiteCursorWrapper):
    def _retry(self, call: Any, *args: Any) -> Any:
        attempts = _retries()
        for attempt in range(attempts + 1):
            try:
                return call(*args)
            except Database.OperationalError as exc:
                # only where nothing has been done yet: outside a transaction (autocommit statement or BEGIN)
                if attempt == attempts or not is_locked(exc) or self.connection.in_transaction:
                    raise
                time.sleep(RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)])
        raise AssertionError("unreachable")

    def execute(self, query: str, params: Any = None) -> Any:
        return self._retry(super().execute, query, params)

    def executemany(self, query: str, param_list: Any) -> Any:
        if isinstance(param_list, Sequence):
            return self._retry(super().executemany, query, param_list)
        return super().executemany(query, param_list)  # a generator cannot be replayed


class DatabaseWrapper(sqlite_base.DatabaseWrapper):
    def create_cursor(self, name: str | None = None) -> Any:
        return self.connection.cursor(factory=RetryingCursorWrapper)
