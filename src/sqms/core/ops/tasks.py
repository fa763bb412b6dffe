"""Operations tasks: worker heartbeat, recovery of tasks orphaned by a killed consumer.  Periodic tasks run once per minute slot however
many consumers there are (:mod:`sqms.core.ops.queue`)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import HUEY, periodic_task

from sqms.core.ops import queue


@periodic_task(crontab(minute="*"))
def worker_heartbeat() -> None:
    queue.beat(HUEY)


@periodic_task(crontab(minute="*"))
def recover_orphaned_tasks() -> int:
    return len(queue.recover_orphans(HUEY))
