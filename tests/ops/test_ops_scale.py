"""Past one machine: periodic tasks run once however many consumers enqueue them; orphaned tasks are
recovered by dead pid or expired lease (the replica router: test_ops_replica.py)."""

from __future__ import annotations

import json
import subprocess
import time
from typing import Any

import pytest
from django.core.mail.backends import locmem
from django.test import override_settings
from huey import MemoryHuey, crontab
from huey.contrib.djhuey import HUEY

from sqms.core.ops import queue


def _run_all(h: MemoryHuey) -> None:
    while (task := h.dequeue()) is not None:
        h.execute(task)


def test_periodic_task_runs_once_per_slot_however_many_consumers(monkeypatch: pytest.MonkeyPatch) -> None:
    h = MemoryHuey("periodic-test", immediate=False)
    queue.install(h)
    runs: list[int] = []

    @h.periodic_task(crontab(minute="*"))
    def sweep() -> None:
        runs.append(1)

    clock = [1_800_000_000.0]
    monkeypatch.setattr(queue.time, "time", lambda: clock[0])
    for _consumer in range(3):  # three consumers' schedulers enqueue the same minute's run
        for task in h.read_periodic(h._get_timestamp()):
            h.enqueue(task)
    assert h.pending_count() == 3
    _run_all(h)
    assert len(runs) == 1
    assert queue.in_flight(h) == {}

    clock[0] += 60  # the next minute runs again, once
    for _consumer in range(3):
        for task in h.read_periodic(h._get_timestamp()):
            h.enqueue(task)
    _run_all(h)
    assert len(runs) == 2


def test_orphans_recovered_by_dead_pid_or_expired_lease() -> None:
    h = MemoryHuey("orphan-test", immediate=False)
    queue.install(h)

    @h.task()
    def job(n: int) -> int:
        return n

    dead = subprocess.Popen(["true"])
    dead.wait()
    now = time.time()
    for task_id, host, pid, since in (
        ("same-host-dead", queue.HOST, dead.pid, now),
        ("other-host-old", "web-2", 4242, now - queue.lease_seconds() - 5),
        ("other-host-young", "web-2", 4242, now - 10),
    ):
        entry = {"host": host, "pid": pid, "start": "", "since": since, "name": "job"}
        entry["message"] = h.serialize_task(job.s(1)).hex()
        h.storage.put_data(queue.JOURNAL + task_id, json.dumps(entry).encode())
    recovered = queue.recover_orphans(h, now=now)
    assert sorted(recovered) == ["other-host-old", "same-host-dead"]
    assert h.pending_count() == 2
    assert set(queue.in_flight(h)) == {"other-host-young"}
    assert queue.recover_orphans(h, now=now) == []  # nothing is recovered twice


def test_a_task_that_keeps_killing_its_consumer_is_dropped() -> None:
    h = MemoryHuey("poison-test", immediate=False)
    queue.install(h)

    @h.task()
    def poison() -> None:
        pass

    message = h.serialize_task(poison.s()).hex()
    for _ in range(queue.MAX_RECOVERIES + 1):
        entry = {"host": "gone", "pid": 1, "start": "", "since": 0, "name": "poison", "message": message}
        h.storage.put_data(queue.JOURNAL + "p1", json.dumps(entry).encode())
        queue.recover_orphans(h, now=time.time())
    assert h.pending_count() == queue.MAX_RECOVERIES


def test_djhuey_instance_has_the_hooks() -> None:
    assert "sqms_once_per_slot" in HUEY._pre_execute
    assert "sqms_recover_orphans" in HUEY._startup


class DownBackend(locmem.EmailBackend):
    def send_messages(self, messages: Any) -> int:
        raise ConnectionRefusedError("smtp down")


@pytest.mark.django_db
def test_notification_email_not_lost_when_the_send_fails_and_not_sent_twice(
    org: Any, mailoutbox: Any
) -> None:
    """A send that fails (or a consumer that dies mid-send) leaves the notification unsent for the retry;
    a second run after success sends nothing; a concurrent run holding the lease makes this one retry."""
    from django.core.cache import cache
    from huey.exceptions import RetryTask

    from sqms.core.models import Notification
    from sqms.core.tasks import notification_message_id, send_notification_email

    n = Notification.objects.create(recipient=org.agent_a, title="SLA 即将超时", body="请处理", email=True)

    with override_settings(EMAIL_BACKEND=f"{__name__}.DownBackend"), pytest.raises(ConnectionRefusedError):
        send_notification_email.call_local(n.pk)
    n.refresh_from_db()
    assert n.emailed_at is None and len(mailoutbox) == 0

    cache.add(f"sqms:notification-email:{n.pk}", 99999, 300)  # another consumer is sending it
    with pytest.raises(RetryTask):
        send_notification_email.call_local(n.pk)
    assert len(mailoutbox) == 0
    cache.delete(f"sqms:notification-email:{n.pk}")

    assert send_notification_email.call_local(n.pk) is True
    assert send_notification_email.call_local(n.pk) is False
    assert len(mailoutbox) == 1
    assert mailoutbox[0].extra_headers["Message-ID"] == notification_message_id(n.pk)
    n.refresh_from_db()
    assert n.emailed_at is not None
