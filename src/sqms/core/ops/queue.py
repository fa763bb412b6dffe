"""The task queue's safety net, installed on the huey instance at start-up (:func:`install`).

Huey takes a message off the queue before running it, so a consumer killed in the middle of a task
(``kill -9``, out of memory, a machine lost) would lose the task.  Here every running task is written
to an *in-flight journal* in the queue's own storage (the Redis hash or the SQLite file every consumer
shares) and removed when the task ends in any way.  :func:`recover_orphans` (run when a consumer starts
and every minute by a periodic task) puts back on the queue every journalled task whose consumer is
gone: on the same machine when its process no longer exists, elsewhere when the entry is older than
the lease (``SQMS_TASK_LEASE_SECONDS``, default one hour).  A task is put back at most
``MAX_RECOVERIES`` times so a task that kills its consumer cannot loop for ever.  Tasks therefore run
*at least once*; their side effects are made exactly-once by the tasks themselves (idempotency keys,
claimed rows — see docs/operations.md).

Also here:

* periodic tasks run once per minute slot however many consumers' schedulers enqueue them (the first
  enqueue of a slot wins an atomic ``put_if_empty``; the other copies are cancelled before running);
* the request id of the web request that enqueued a task is carried to the task's log lines and audit
  entries;
* task outcomes feed the Prometheus counters (:mod:`sqms.core.ops.metrics`).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from typing import Any

from huey import signals as S
from huey.api import PeriodicTask
from huey.constants import EmptyData
from huey.exceptions import CancelExecution

from sqms.core.context import new_request_id, set_request_id

log = logging.getLogger("sqms.ops.queue")

JOURNAL = "sqms.inflight."
RECOVERIES = "sqms.recoveries."
REQUEST_ID = "sqms.rid."
PERIODIC_SLOT = "sqms.periodic."
PERIODIC_RUN = "sqms.periodic-run."
HEARTBEAT = "sqms.heartbeat"
MAX_RECOVERIES = 3
SLOT_SECONDS = 60

# Signals after which a task is no longer running in this consumer.  INTERRUPTED (a consumer stopped
# with Ctrl-C in the middle of a task) is deliberately absent: huey drops such a task, the journal
# keeps it and the next recovery puts it back.
_ENDED = (
    S.SIGNAL_COMPLETE,
    S.SIGNAL_ERROR,
    S.SIGNAL_RETRYING,
    S.SIGNAL_CANCELED,
    S.SIGNAL_LOCKED,
    S.SIGNAL_EXPIRED,
    S.SIGNAL_REVOKED,
    S.SIGNAL_TIMEOUT,
    S.SIGNAL_RATE_LIMITED,
)
_installed: set[int] = set()
HOST = socket.gethostname()


def lease_seconds() -> int:
    return int(os.environ.get("SQMS_TASK_LEASE_SECONDS", "3600"))


def _process_start(pid: int) -> str:
    """Start time of a process (clock ticks since boot) so a recycled pid is not taken for the owner."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def _alive(pid: int, start: str) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not start or _process_start(pid) in ("", start)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def install(huey: Any) -> None:
    """Attach the journal, the once-per-slot rule, request-id propagation and metrics to ``huey``."""
    if id(huey) in _installed:
        return
    _installed.add(id(huey))
    storage = huey.storage

    def on_enqueued(signal: str, task: Any, *args: Any) -> None:
        if huey.immediate:
            return
        from sqms.core.context import _request_id

        rid = _request_id.get()
        if rid:
            storage.put_data(REQUEST_ID + task.id, rid.encode())
        if isinstance(task, PeriodicTask):
            slot = int(time.time() // SLOT_SECONDS)
            if storage.put_if_empty(f"{PERIODIC_SLOT}{task.name}.{slot}", task.id.encode()):
                storage.put_data(PERIODIC_RUN + task.id, b"1")
                for old in (slot - 2, slot - 3):
                    storage.delete_data(f"{PERIODIC_SLOT}{task.name}.{old}")

    def once_per_slot(task: Any) -> None:
        if huey.immediate or not isinstance(task, PeriodicTask):
            return
        if storage.peek_data(PERIODIC_RUN + task.id) is EmptyData:
            raise CancelExecution(retry=False)

    def on_executing(signal: str, task: Any, *args: Any) -> None:
        rid = None if huey.immediate else storage.peek_data(REQUEST_ID + task.id)
        if not huey.immediate:
            set_request_id(_text(rid) if rid is not EmptyData and rid else new_request_id())
            entry = {
                "host": HOST,
                "pid": os.getpid(),
                "start": _process_start(os.getpid()),
                "since": time.time(),
                "name": task.name,
                "message": huey.serialize_task(task).hex(),
            }
            storage.put_data(JOURNAL + task.id, json.dumps(entry).encode())

    def on_ended(signal: str, task: Any, *args: Any) -> None:
        from sqms.core.ops import metrics

        metrics.task_event(task.name, signal)
        if huey.immediate:
            return
        storage.delete_data(JOURNAL + task.id)
        if signal != S.SIGNAL_RETRYING:
            for prefix in (REQUEST_ID, PERIODIC_RUN, RECOVERIES):
                storage.delete_data(prefix + task.id)

    def on_startup() -> None:
        try:
            recover_orphans(huey)
        except Exception:  # never stop a consumer from starting
            log.exception("recovering orphaned tasks failed")

    huey.signal(S.SIGNAL_ENQUEUED)(on_enqueued)
    huey.signal(S.SIGNAL_EXECUTING)(on_executing)
    huey.signal(*_ENDED)(on_ended)
    huey.pre_execute("sqms_once_per_slot")(once_per_slot)
    huey.on_startup("sqms_recover_orphans")(on_startup)


def in_flight(huey: Any) -> dict[str, dict[str, Any]]:
    """Journalled (running or orphaned) tasks by task id."""
    out = {}
    for key, value in huey.storage.result_items().items():
        key = _text(key)
        if key.startswith(JOURNAL):
            try:
                out[key[len(JOURNAL) :]] = json.loads(_text(value))
            except ValueError:
                continue
    return out


def recover_orphans(huey: Any, now: float | None = None) -> list[str]:
    """Put back on the queue every journalled task whose consumer is gone; returns their ids."""
    from sqms.core.ops import metrics

    now = time.time() if now is None else now
    storage = huey.storage
    recovered = []
    for task_id, entry in in_flight(huey).items():
        same_host = entry.get("host") == HOST
        if same_host and entry.get("pid") == os.getpid():
            continue  # ours and still running
        dead = (same_host and not _alive(int(entry.get("pid", 0)), entry.get("start", ""))) or (
            now - float(entry.get("since", now)) > lease_seconds()
        )
        if not dead:
            continue
        raw = storage.pop_data(JOURNAL + task_id)
        if raw is EmptyData:
            continue  # another consumer recovered it first
        count_raw = storage.peek_data(RECOVERIES + task_id)
        count = int(_text(count_raw)) + 1 if count_raw is not EmptyData else 1
        if count > MAX_RECOVERIES:
            log.error(
                "task %s (%s) killed its consumer %s times; dropped", entry.get("name"), task_id, count - 1
            )
            metrics.task_event(entry.get("name", "?"), "dropped")
            storage.delete_data(RECOVERIES + task_id)
            continue
        storage.put_data(RECOVERIES + task_id, str(count).encode())
        storage.enqueue(bytes.fromhex(entry["message"]))
        metrics.task_event(entry.get("name", "?"), "recovered")
        log.warning(
            "task %s (%s) was running in a consumer that is gone (%s pid %s); put back on the queue",
            entry.get("name"),
            task_id,
            entry.get("host"),
            entry.get("pid"),
        )
        recovered.append(task_id)
    return recovered


def beat(huey: Any, now: float | None = None) -> None:
    """Record that a consumer is alive and running periodic tasks (read by ``sqms doctor``)."""
    payload = {"at": time.time() if now is None else now, "host": HOST, "pid": os.getpid()}
    huey.storage.put_data(HEARTBEAT, json.dumps(payload).encode())


def last_beat(huey: Any) -> dict[str, Any] | None:
    raw = huey.storage.peek_data(HEARTBEAT)
    if raw is EmptyData:
        return None
    try:
        data: dict[str, Any] = json.loads(_text(raw))
    except ValueError:
        return None
    return data
