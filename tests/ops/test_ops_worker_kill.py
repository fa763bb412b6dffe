"""A consumer killed with SIGKILL in the middle of a task: the task is put back on the queue by the next
consumer (in-flight journal, sqms.core.ops.queue) and its side effect happens exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent.parent


def _wait(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _consumer(work: Path, *enqueue: str) -> subprocess.Popen[bytes]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SQMS_", "DATABASE_", "PYTEST", "DJANGO_SETTINGS"))
    }
    env.update(
        SQMS_DATA_DIR=str(work / "data"),
        SQMS_TESTING="0",
        SQMS_TASKS_IMMEDIATE="0",
        SQMS_LOG_LEVEL="WARNING",
        OPS_KILL_DIR=str(work),
        PYTHONPATH=str(HERE),
    )
    return subprocess.Popen(
        [sys.executable, str(HERE / "ops_consumer.py"), *enqueue],
        env=env,
        cwd=str(work),
        stdout=subprocess.DEVNULL,
        stderr=open(work / "consumer.log", "ab"),
    )


def _rows(work: Path, key: str) -> int:
    con = sqlite3.connect(work / "outbox.sqlite3", timeout=30)
    try:
        return int(con.execute("SELECT count(*) FROM outbox WHERE key = ?", (key,)).fetchone()[0])
    finally:
        con.close()


@pytest.mark.parametrize("hang", ["in-transaction", "after-commit"])
def test_killed_task_is_retried_and_its_effect_happens_once(tmp_path: Path, hang: str) -> None:
    (tmp_path / "data").mkdir()
    con = sqlite3.connect(tmp_path / "outbox.sqlite3")
    con.execute("CREATE TABLE outbox (key TEXT PRIMARY KEY, body TEXT NOT NULL)")
    con.commit()
    con.close()
    key = f"notification-42-{hang}"

    first = _consumer(tmp_path, key, hang)
    try:
        _wait(lambda: (tmp_path / f"hanging-{hang}").exists(), 90, "the task to start")
        os.kill(first.pid, signal.SIGKILL)  # no clean-up of any kind
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == -signal.SIGKILL
    assert not (tmp_path / "done").exists()
    assert _rows(tmp_path, key) == (1 if hang == "after-commit" else 0)

    second = _consumer(tmp_path)
    try:
        _wait(lambda: (tmp_path / "done").exists(), 90, "the recovered task to finish")
    finally:
        second.send_signal(signal.SIGINT)
        try:
            second.wait(15)
        except subprocess.TimeoutExpired:
            second.kill()
    attempts = (tmp_path / "attempts.log").read_text().splitlines()
    assert len(attempts) == 2, attempts
    assert attempts[0] != attempts[1]  # the second attempt ran in the new consumer
    assert _rows(tmp_path, key) == 1
    assert "put back on the queue" in (tmp_path / "consumer.log").read_text()
