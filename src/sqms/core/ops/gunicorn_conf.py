"""Gunicorn settings for ``make serve`` (``gunicorn -c python:sqms.core.ops.gunicorn_conf sqms.wsgi``).

Environment: ``SQMS_WEB_WORKERS`` (default cores + 1), ``SQMS_WEB_THREADS`` (default 1: sync workers),
``SQMS_WEB_TIMEOUT`` (s, default 60), ``PROMETHEUS_MULTIPROC_DIR`` (metrics of every worker; emptied at
start, a dead worker's live gauges are dropped).  Access log: off by default (the JSON request log of
``sqms.request`` has the same facts plus request id and user); ``SQMS_WEB_ACCESS_LOG=1`` turns it on.

``SQMS_WEB_PRELOAD`` (default 1): the master imports the application and runs :func:`sqms.core.ops.warmup.warm_up`
(URL patterns, catalogues, jieba dictionary, the complaint classifier) before forking, so workers start
ready and share those pages; 0 turns it off (each worker imports on its own, as before).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

# cores + 1, not gunicorn's usual 2 × cores + 1: a request here is mostly CPU (~5 ms, about a quarter of
# its time waiting for PostgreSQL), and on the 2-core machine complaint creation at 200 req/s took 4.9 ms
# of server CPU per request with 3 workers against 5.9 ms with 4 (p99 66 vs 387 ms; docs/operations.md §7)
workers = int(os.environ.get("SQMS_WEB_WORKERS") or ((os.cpu_count() or 1) + 1))
threads = int(os.environ.get("SQMS_WEB_THREADS", "1"))
timeout = int(os.environ.get("SQMS_WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("SQMS_WEB_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
forwarded_allow_ips = os.environ.get("SQMS_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-" if os.environ.get("SQMS_WEB_ACCESS_LOG") == "1" else None
errorlog = "-"
preload_app = os.environ.get("SQMS_WEB_PRELOAD", "1") != "0"


def on_starting(server: Any) -> None:
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        shutil.rmtree(path, ignore_errors=True)
        Path(path).mkdir(parents=True, exist_ok=True)


def when_ready(server: Any) -> None:
    """In the master, after the application is loaded and before the first worker is forked."""
    if preload_app:
        from sqms.core.ops.warmup import warm_up

        warm_up()


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
