"""Tasks for the worker-kill test (imported by a real huey consumer in a subprocess; not a test module).

``write_outbox`` is the shape every side-effecting task should have: its effect is one row keyed by an
idempotency key, written with INSERT OR IGNORE in one transaction, so running it again changes nothing.
On its first attempt it hangs at the chosen point so the test can kill the consumer there.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from huey.contrib.djhuey import task

WORK = Path(os.environ.get("OPS_KILL_DIR", "."))


def _attempt() -> int:
    log = WORK / "attempts.log"
    with open(log, "a") as fh:
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        os.fsync(fh.fileno())
    return len(log.read_text().splitlines())


def _hang(where: str) -> None:
    (WORK / f"hanging-{where}").write_text(str(os.getpid()))
    time.sleep(120)


@task()
def write_outbox(key: str, hang: str) -> None:
    attempt = _attempt()
    con = sqlite3.connect(WORK / "outbox.sqlite3", timeout=30, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute("INSERT OR IGNORE INTO outbox (key, body) VALUES (?, ?)", (key, f"notify {key}"))
        if attempt == 1 and hang == "in-transaction":
            _hang(hang)
        con.execute("COMMIT")
    finally:
        con.close()
    if attempt == 1 and hang == "after-commit":
        _hang(hang)
    (WORK / "done").write_text(str(attempt))
