"""Readiness, Prometheus metrics (and who may read them), JSON request logs with request ids,
``sqms doctor`` and ``check --deploy`` with a production environment."""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
import subprocess
import sys
import time
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from huey import MemoryHuey

from sqms.core.ops import doctor, metrics, queue
from sqms.core.ops.logging import JsonFormatter, RequestContextFilter


@pytest.mark.django_db
def test_readyz_and_healthz(client: Any) -> None:
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"
    assert r.json()["checks"]["database"] == "ok"
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_readyz_is_503_when_the_queue_is_down(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqms.core.ops import health

    monkeypatch.setattr(health, "check_queue", lambda: (False, "ConnectionError: refused"))
    r = client.get("/readyz")
    assert r.status_code == 503
    assert r.json()["checks"]["queue"].startswith("ConnectionError")


@pytest.mark.django_db
def test_metrics_protected_and_latency_by_route(
    org: Any, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    metrics.reset_cache()
    client.get("/healthz")
    client.force_login(org.admin)
    client.get("/admin/")
    body = client.get("/metrics").content.decode()  # the test client comes from 127.0.0.1
    assert 'sqms_http_request_duration_seconds_count{method="GET",route="health"}' in body
    assert 'route="admin:index"' in body
    assert "sqms_queue_pending" in body
    assert "sqms_sla_breached_open_tickets 0.0" in body

    monkeypatch.setenv("SQMS_METRICS_ALLOWED_IPS", "10.0.0.0/8")
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    monkeypatch.setenv("SQMS_METRICS_TOKEN", "s3cret-token")
    outsider = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", **outsider).status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong", **outsider).status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token", **outsider).status_code == 200


def test_task_failures_are_counted() -> None:
    from prometheus_client import REGISTRY

    def value() -> float:
        return REGISTRY.get_sample_value("sqms_task_failures_total", {"task": "t.boom"}) or 0.0

    h = MemoryHuey("metrics-test", immediate=False)
    queue.install(h)

    @h.task(name="t.boom")
    def boom() -> None:
        raise RuntimeError("nope")

    before = value()
    boom()
    h.execute(h.dequeue())
    assert value() == before + 1


@pytest.mark.django_db
def test_json_request_log_carries_request_id_user_and_timing(org: Any, client: Any) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    logger = logging.getLogger("sqms.request")
    logger.addHandler(handler)
    old = logger.level
    logger.setLevel(logging.INFO)
    try:
        client.force_login(org.admin)
        r = client.get("/admin/", HTTP_X_REQUEST_ID="req-7f3a")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)
    assert r["X-Request-ID"] == "req-7f3a"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    line = next(x for x in lines if x["path"] == "/admin/")
    assert line["request_id"] == "req-7f3a"
    assert line["user_id"] == org.admin.pk
    assert line["status"] == 200
    assert line["level"] == "INFO" and line["logger"] == "sqms.request"
    assert line["duration_ms"] > 0 and line["time"].endswith("+00:00")


def test_request_id_is_carried_to_the_task() -> None:
    import threading

    from sqms.core.context import current_request_id, reset_request_id, set_request_id

    h = MemoryHuey("rid-test", immediate=False)
    queue.install(h)
    seen: list[str] = []

    @h.task()
    def remember() -> None:
        seen.append(current_request_id())

    token = set_request_id("web-req-1234")
    try:
        remember()
    finally:
        reset_request_id(token)
    worker = threading.Thread(target=lambda: h.execute(h.dequeue()))  # a fresh context, as in a consumer
    worker.start()
    worker.join()
    assert seen == ["web-req-1234"]


@pytest.mark.django_db
def test_doctor_reports_failures_with_a_fix_and_exit_code_1() -> None:
    from django.utils import translation

    out = io.StringIO()
    with (
        translation.override("en"),
        override_settings(SQMS_PDF_FONT="/nonexistent/font.ttc"),
        pytest.raises(CommandError) as exc,
    ):
        call_command("doctor", "--skip", "configuration", stdout=out)
    assert exc.value.returncode == 1
    text = out.getvalue()
    assert "FAIL PDF font: /nonexistent/font.ttc not found" in text
    assert "fix: apt-get install fonts-wqy-microhei" in text
    assert "OK   migrations: all applied" in text
    assert "OK   database (default)" in text
    assert "OK   queue" in text

    out = io.StringIO()
    with translation.override("en"):
        call_command("doctor", "--skip", "configuration", stdout=out)
    assert "checks passed" in out.getvalue() and "FAIL" not in out.getvalue()


def test_doctor_worker_heartbeat_age(monkeypatch: pytest.MonkeyPatch) -> None:
    import huey.contrib.djhuey as djhuey

    h = MemoryHuey("beat-test", immediate=False)
    monkeypatch.setattr(djhuey, "HUEY", h)
    from django.utils import translation

    translation.activate("en")  # the wording checked here is the English one (zh: test_ops_doctor_i18n)
    check = doctor.check_worker()
    assert not check.ok and "no consumer" in check.detail and "sqms worker" in check.fix
    queue.beat(h, now=time.time() - 600)
    check = doctor.check_worker()
    assert not check.ok and "stale" in check.detail
    queue.beat(h)
    assert doctor.check_worker().ok
    translation.deactivate()


def test_disk_check_fails_below_the_threshold() -> None:
    checks = doctor.check_disk(min_free_mb=10**12)
    assert checks and not any(c.ok for c in checks)
    assert all("SQMS_DOCTOR_MIN_FREE_MB" in c.fix for c in checks)


def test_check_deploy_is_clean_with_a_production_environment(tmp_path: Any) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SQMS_", "DATABASE_", "PYTEST"))}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set in this process by the browser tests' conftest
    env.update(
        SQMS_PRODUCTION="1",
        SQMS_SECRET_KEY=secrets.token_urlsafe(50),
        SQMS_ALLOWED_HOSTS="sqms.example.com",
        SQMS_CSRF_TRUSTED_ORIGINS="https://sqms.example.com",
        SQMS_REDIS_URL="redis://127.0.0.1:6379/0",
        DATABASE_URL="postgres://sqms:secret@127.0.0.1:5432/sqms",
        SQMS_DATA_DIR=str(tmp_path),
    )
    done = subprocess.run(
        [sys.executable, "-m", "sqms", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_metrics_add_up_across_processes(tmp_path: Any) -> None:
    """With PROMETHEUS_MULTIPROC_DIR (gunicorn workers, consumers) each process writes its own file and
    /metrics sums them: two processes each count one request and one task failure."""
    code = (
        "from sqms.core.ops import metrics\n"
        "metrics.observe_request('health', 'GET', 200, 0.01)\n"
        "metrics.task_event('t.x', 'error')\n"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=120)
    reader = code.split("\n")[0] + "\nprint(metrics.render().decode())\n"
    out = subprocess.run(
        [sys.executable, "-c", reader], env=env, check=True, capture_output=True, text=True, timeout=120
    ).stdout
    assert 'sqms_http_requests_total{method="GET",route="health",status="200"} 2.0' in out
    assert 'sqms_task_failures_total{task="t.x"} 2.0' in out
