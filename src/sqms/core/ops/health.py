"""Readiness: can this web process serve (database answers, queue reachable)?  ``/healthz`` (in core)
says only that the process is up; load balancers should route on ``/readyz``."""

from __future__ import annotations

import time
from typing import Any

from django.db import connections
from django.http import HttpRequest, JsonResponse


def check_database(alias: str = "default") -> tuple[bool, str]:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
        return True, "ok"
    except Exception as exc:
        return False, f"{type(exc).__name__}: {exc}"[:300]


def check_queue() -> tuple[bool, str]:
    try:
        from huey.contrib.djhuey import HUEY

        if HUEY.immediate:
            return True, "immediate mode"
        HUEY.pending_count()
        return True, "ok"
    except Exception as exc:
        return False, f"{type(exc).__name__}: {exc}"[:300]


def readyz(request: HttpRequest) -> JsonResponse:
    start = time.perf_counter()
    checks: dict[str, Any] = {}
    ok_db, db = check_database()
    ok_q, q = check_queue()
    checks["database"] = db
    checks["queue"] = q
    ok = ok_db and ok_q
    return JsonResponse(
        {
            "status": "ok" if ok else "unavailable",
            "checks": checks,
            "ms": round((time.perf_counter() - start) * 1000, 1),
        },
        status=200 if ok else 503,
    )
