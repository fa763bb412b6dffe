"""SQLite "database is locked": BEGIN and autocommit statements are retried (sqms.core.db.sqlite3);
a request still locked after the retries answers 503 and writes nothing (sqms.core.db.busy)."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError
from django.db.utils import ConnectionHandler
from django.test import RequestFactory, override_settings

from sqms.core.db.busy import DatabaseBusyMiddleware


def _connection(path: Path) -> Any:
    handler = ConnectionHandler(
        {
            "default": {"ENGINE": "django.db.backends.dummy"},
            "locked": {
                "ENGINE": "sqms.core.db.sqlite3",
                "NAME": str(path),
                # a short busy_timeout so the lock outlasts it and the retries have to do the work
                "OPTIONS": {"init_command": "PRAGMA busy_timeout=50;", "transaction_mode": "IMMEDIATE"},
            },
        }
    )
    return handler["locked"]


def _hold_write_lock(path: Path, seconds: float) -> threading.Thread:
    blocker = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    blocker.execute("INSERT INTO t (v) VALUES ('blocker')")

    def release() -> None:
        time.sleep(seconds)
        blocker.execute("COMMIT")
        blocker.close()

    thread = threading.Thread(target=release)
    thread.start()
    return thread


@pytest.fixture(autouse=True)
def _own_database(django_db_blocker: Any) -> Any:
    # these tests use their own SQLite file, never the test database
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    path = tmp_path / "locked.sqlite3"
    with sqlite3.connect(str(path)) as c:
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    return path


@override_settings(SQMS_SQLITE_LOCK_RETRIES=5)
def test_autocommit_write_waits_out_a_long_lock(db_file: Path) -> None:
    conn = _connection(db_file)
    thread = _hold_write_lock(db_file, 0.4)
    with conn.cursor() as cur:
        cur.execute("INSERT INTO t (v) VALUES (%s)", ["mine"])
    thread.join()
    with conn.cursor() as cur:
        cur.execute("SELECT v FROM t ORDER BY id")
        assert [r[0] for r in cur.fetchall()] == ["blocker", "mine"]
    conn.close()


@override_settings(SQMS_SQLITE_LOCK_RETRIES=5)
def test_transaction_start_is_retried(db_file: Path) -> None:
    conn = _connection(db_file)
    thread = _hold_write_lock(db_file, 0.4)
    conn.ensure_connection()
    conn._start_transaction_under_autocommit()  # what transaction.atomic() runs first: BEGIN IMMEDIATE
    with conn.cursor() as cur:
        cur.execute("INSERT INTO t (v) VALUES (%s)", ["in a transaction"])
        cur.execute("COMMIT")
    thread.join()
    with conn.cursor() as cur:
        cur.execute("SELECT v FROM t ORDER BY id")
        assert [r[0] for r in cur.fetchall()] == ["blocker", "in a transaction"]
    conn.close()


@override_settings(SQMS_SQLITE_LOCK_RETRIES=0)
def test_without_retries_the_lock_is_an_error(db_file: Path) -> None:
    conn = _connection(db_file)
    thread = _hold_write_lock(db_file, 0.4)
    try:
        with pytest.raises(OperationalError, match="locked"), conn.cursor() as cur:
            cur.execute("INSERT INTO t (v) VALUES (%s)", ["mine"])
    finally:
        thread.join()
        conn.close()


def test_a_request_locked_through_every_retry_answers_503() -> None:
    middleware = DatabaseBusyMiddleware(lambda r: None)  # type: ignore[arg-type,return-value]
    api = middleware.process_exception(
        RequestFactory().post("/api/v1/feedback"), OperationalError("database is locked")
    )
    assert api is not None and api.status_code == 503 and api["Retry-After"] == "5"
    assert b'"code": "busy"' in api.content
    page = middleware.process_exception(
        RequestFactory().post("/complaint/"), OperationalError("database is locked")
    )
    assert page is not None and page.status_code == 503
    assert (
        middleware.process_exception(RequestFactory().get("/"), OperationalError("no such table: x")) is None
    )
