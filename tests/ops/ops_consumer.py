"""Run a real huey consumer (as ``sqms worker`` does) for the worker-kill test; optionally enqueue first.

The settings are the project's queue configuration (SqliteHuey in ``$SQMS_DATA_DIR/tasks.sqlite3``, thread
workers) with only the ops app installed, so the process starts in a fraction of a second: the journal
and recovery hooks are the real ones (``sqms.core.ops.apps.OpsConfig.ready`` → ``queue.install``)."""

from __future__ import annotations

import os
import sys

import django
from django.conf import settings

settings.configure(
    INSTALLED_APPS=["sqms.core.ops"],
    DATABASES={},
    HUEY={
        "name": "sqms",
        "immediate": False,
        "results": False,
        "huey_class": "huey.SqliteHuey",
        "filename": os.path.join(os.environ["SQMS_DATA_DIR"], "tasks.sqlite3"),
    },
    LOGGING_CONFIG=None,
)
django.setup()
import logging  # noqa: E402

logging.basicConfig(level=logging.WARNING)

import ops_kill_tasks  # noqa: E402
from huey.consumer import Consumer  # noqa: E402
from huey.contrib.djhuey import HUEY  # noqa: E402

if len(sys.argv) == 3:
    ops_kill_tasks.write_outbox(sys.argv[1], sys.argv[2])
Consumer(HUEY, workers=1, worker_type="thread", periodic=False, initial_delay=0.05, max_delay=0.5).run()
