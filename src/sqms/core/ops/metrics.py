"""Prometheus metrics at ``/metrics``.

* ``sqms_http_request_duration_seconds`` — histogram of request latency by route name and method
  (filled by :class:`sqms.core.ops.middleware.OpsMiddleware`), ``sqms_http_requests_total`` by status;
* ``sqms_task_events_total`` — task outcomes by task and event (``complete``, ``error``, ``retrying``,
  ``recovered``…) and ``sqms_task_failures_total`` (errors only), counted in the consumers;
* ``sqms_queue_pending`` / ``sqms_queue_scheduled`` / ``sqms_queue_in_flight`` and
  ``sqms_worker_heartbeat_age_seconds`` — read from the queue at scrape time;
* ``sqms_sla_breached_open_tickets`` / ``sqms_sla_overdue_open_tickets`` — read (read-only) from the
  feedback tickets at scrape time, cached for ``SQMS_METRICS_CACHE_SECONDS`` (15).

Gunicorn runs several processes: when ``PROMETHEUS_MULTIPROC_DIR`` is set (``make serve`` sets it) the
counters and histograms are written to files there and ``/metrics`` sums every process
(``prometheus_client.multiprocess``); huey consumers set the same directory to add their task counters.

``/metrics`` answers only a request with ``Authorization: Bearer $SQMS_METRICS_TOKEN`` or from an
address listed in ``SQMS_METRICS_ALLOWED_IPS`` (default ``127.0.0.1,::1``); anything else gets 404.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import os
import time
from collections.abc import Iterator

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0)

REQUEST_LATENCY = Histogram(
    "sqms_http_request_duration_seconds",
    "Time from the request entering Django to the response leaving it.",
    ["route", "method"],
    buckets=BUCKETS,
)
REQUESTS = Counter("sqms_http_requests", "HTTP responses by route and status.", ["route", "method", "status"])
TASK_EVENTS = Counter("sqms_task_events", "Task outcomes by task name and huey signal.", ["task", "event"])
TASK_FAILURES = Counter("sqms_task_failures", "Tasks that raised an error (each attempt).", ["task"])


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    REQUEST_LATENCY.labels(route, method).observe(seconds)
    REQUESTS.labels(route, method, str(status)).inc()


def task_event(task: str, event: str) -> None:
    TASK_EVENTS.labels(task, event).inc()
    if event == "error":
        TASK_FAILURES.labels(task).inc()


class StateCollector(Collector):
    """Gauges computed when Prometheus scrapes: queue depth, worker heartbeat age, SLA breaches."""

    def __init__(self) -> None:
        self._cache: tuple[float, list[GaugeMetricFamily]] | None = None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        ttl = float(os.environ.get("SQMS_METRICS_CACHE_SECONDS", "15"))
        now = time.monotonic()
        if self._cache is None or now - self._cache[0] > ttl:
            self._cache = (now, self._compute())
        yield from self._cache[1]

    def _compute(self) -> list[GaugeMetricFamily]:
        out: list[GaugeMetricFamily] = []
        try:
            from huey.contrib.djhuey import HUEY

            from sqms.core.ops import queue

            out.append(
                GaugeMetricFamily("sqms_queue_pending", "Tasks waiting in the queue.", HUEY.pending_count())
            )
            out.append(
                GaugeMetricFamily(
                    "sqms_queue_scheduled", "Tasks scheduled for later.", HUEY.scheduled_count()
                )
            )
            out.append(
                GaugeMetricFamily(
                    "sqms_queue_in_flight",
                    "Tasks running (or orphaned) per the journal.",
                    len(queue.in_flight(HUEY)),
                )
            )
            beat = queue.last_beat(HUEY)
            if beat:
                out.append(
                    GaugeMetricFamily(
                        "sqms_worker_heartbeat_age_seconds",
                        "Seconds since a consumer last ran the heartbeat task.",
                        max(0.0, time.time() - float(beat["at"])),
                    )
                )
        except Exception:  # the queue being down must not break the scrape
            pass
        with contextlib.suppress(Exception):  # no feedback tables yet (fresh database): no SLA gauges
            out.extend(_sla_gauges())
        return out


def _sla_gauges() -> list[GaugeMetricFamily]:
    from django.apps import apps
    from django.utils import timezone

    if not apps.is_installed("sqms.feedback"):
        return []
    ticket = apps.get_model("feedback", "Ticket")
    open_ = ticket.objects.filter(closed_at__isnull=True, archived_at__isnull=True)
    breached = open_.filter(breached=True).count()
    overdue = open_.filter(resolved_at__isnull=True, resolution_due__lt=timezone.now()).count()
    return [
        GaugeMetricFamily("sqms_sla_breached_open_tickets", "Open tickets whose SLA is breached.", breached),
        GaugeMetricFamily(
            "sqms_sla_overdue_open_tickets", "Open tickets past their resolution due time.", overdue
        ),
    ]


_STATE = StateCollector()


def registry() -> CollectorRegistry:
    """The registry to expose: every process's files in multi-process mode, this process otherwise."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        reg = CollectorRegistry()
        multiprocess.MultiProcessCollector(reg)
    else:
        reg = REGISTRY
    return reg


def render() -> bytes:
    reg = registry()
    body = generate_latest(reg)
    state = CollectorRegistry()
    state.register(_STATE)
    return body + generate_latest(state)


def allowed(request: HttpRequest) -> bool:
    token = os.environ.get("SQMS_METRICS_TOKEN", "")
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip(), token):
        return True
    ips = [
        x.strip() for x in os.environ.get("SQMS_METRICS_ALLOWED_IPS", "127.0.0.1,::1").split(",") if x.strip()
    ]
    addr = request.META.get("REMOTE_ADDR", "")
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    for item in ips:
        try:
            if ip in ipaddress.ip_network(item, strict=False):
                return True
        except ValueError:
            continue
    return False


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text format; 404 (not 403) for anyone not allowed, so the endpoint is not advertised."""
    if not allowed(request):
        return HttpResponseNotFound()
    return HttpResponse(render(), content_type=CONTENT_TYPE_LATEST)


def reset_cache() -> None:
    _STATE._cache = None
