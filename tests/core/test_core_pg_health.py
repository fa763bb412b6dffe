"""The PostgreSQL backend's health check (sqms.core.db.postgresql): an idle, healthy connection is reused
without a statement; one the server has ended is found unusable, and Django opens a new one."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, connections
from django.db.utils import ConnectionHandler

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'"),
]


@pytest.fixture
def other() -> Iterator[Any]:
    """A second connection to the same database, to watch (and end) the default one's backend."""
    conn = ConnectionHandler(connections.settings)["default"]
    yield conn
    conn.close()


def backend_pid(marker: str = "") -> int:
    with connection.cursor() as cur:
        cur.execute(f"SELECT pg_backend_pid(), '{marker}'")
        return int(cur.fetchone()[0])


def test_the_project_backend_is_in_use() -> None:
    assert connection.settings_dict["ENGINE"] == "sqms.core.db.postgresql"


def test_an_idle_healthy_connection_is_usable_without_a_statement(other: Any) -> None:
    pid = backend_pid("health-check-marker")
    assert connection.is_usable()
    with other.cursor() as cur:  # the server's record of the last statement that backend ran
        cur.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        assert "health-check-marker" in cur.fetchone()[0]  # not Django's SELECT 1


def test_a_connection_the_server_ended_is_unusable_and_replaced(other: Any) -> None:
    pid = backend_pid()
    with other.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert cur.fetchone()[0] is True
    deadline = time.monotonic() + 5
    while connection.is_usable() and time.monotonic() < deadline:
        time.sleep(0.05)  # the server's goodbye arrives within milliseconds
    assert not connection.is_usable()
    # what a request does at its start with CONN_HEALTH_CHECKS: close it, and the next use reconnects
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    assert backend_pid() != pid
