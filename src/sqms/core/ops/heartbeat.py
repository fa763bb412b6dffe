"""Worker heartbeat: the periodic task :func:`sqms.core.ops.tasks.worker_heartbeat` writes it every
minute into the queue's storage; ``sqms doctor`` and ``/metrics`` read its age."""

from __future__ import annotations

import time

from sqms.core.ops import queue

STALE_AFTER = 180  # seconds: three missed beats


def age_seconds() -> float | None:
    from huey.contrib.djhuey import HUEY

    beat = queue.last_beat(HUEY)
    if beat is None:
        return None
    return max(0.0, time.time() - float(beat["at"]))
