"""Django's PostgreSQL backend with a health check that costs no round trip while the connection is idle.

Connections are kept open between requests and checked before each request reuses one
(``CONN_HEALTH_CHECKS``). Django checks with ``SELECT 1``: a round trip, and a statement for the server, on
every request — on the complaint path one statement in fourteen. An idle connection receives nothing
unprompted, except when the server ends it (shutdown, restart, ``pg_terminate_backend``, idle timeout:
it then sends an error message and closes the socket) or reports a changed setting. So: a connection
psycopg already knows to be closed or broken is unusable; an idle one whose socket has nothing to read is
usable; anything else is asked with Django's ``SELECT 1``, which also reads what arrived.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base as pg_base
from psycopg import pq


class DatabaseWrapper(pg_base.DatabaseWrapper):  # type: ignore[misc]
    def is_usable(self) -> bool:
        conn = self.connection
        if conn is None or conn.closed or conn.broken:
            return False
        if conn.info.transaction_status == pq.TransactionStatus.IDLE:
            try:
                readable, _w, _x = select.select([conn.fileno()], [], [], 0)
            except (OSError, ValueError):
                return False
            if not readable:
                return True
        return bool(super().is_usable())
