"""Bot messages are an outbox: claimed, posted, then marked. A worker killed mid-post leaves the message
pending and a later run sends it (against the local signature-checking server); failed runs back off;
in-flight claims count towards the 20-a-minute budget."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from test_feedback_loop import Receiver, _bot
from test_feedback_loop import server as server  # the fixture, found by pytest under this name

from sqms.feedback import bots
from sqms.feedback.models import BotDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def url(request: pytest.FixtureRequest) -> str:
    """The local server of ``test_feedback_loop`` that checks the vendors' signatures."""
    return str(request.getfixturevalue("server"))


def _no_sleep(_s: float) -> None:
    pass


def test_killed_worker_leaves_message_pending_and_a_later_run_sends_it(
    org: Any, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _bot(org, "dingtalk", f"{url}/dingtalk")
    [d] = bots.dispatch(org.team_a, "breach", "超时", "营业厅")

    def killed(*args: Any, **kwargs: Any) -> Any:
        raise SystemExit("worker killed while posting")

    monkeypatch.setattr(bots.httpx, "post", killed)
    now = timezone.now() + timedelta(minutes=1)
    with pytest.raises(SystemExit):
        bots.deliver(d.pk, sleep=_no_sleep, now=now)
    d.refresh_from_db()
    assert d.status == "pending" and d.sent_at is None and d.claimed_until is not None
    monkeypatch.undo()
    # while the claim runs, nobody else posts it
    assert bots.retry_pending(now + timedelta(seconds=60), sleep=_no_sleep) == {}
    assert Receiver.received == []
    # once it has expired, the next run sends it, signed, once
    assert bots.retry_pending(now + timedelta(minutes=3), sleep=_no_sleep) == {"sent": 1}
    d.refresh_from_db()
    assert d.status == "sent" and d.claimed_until is None and d.attempts == 1
    assert [r["ok"] for r in Receiver.received] == [True]
    assert bots.retry_pending(now + timedelta(minutes=5), sleep=_no_sleep) == {}


def test_lost_task_is_picked_up_and_failed_runs_back_off(org: Any, url: str) -> None:
    _bot(org, "feishu", f"{url}/feishu")
    [d] = bots.dispatch(org.team_a, "breach", "超时", "x")  # its task never ran
    now = timezone.now() + timedelta(minutes=1)
    Receiver.fail_next = 4  # the whole first run fails (4 attempts)
    assert bots.retry_pending(now, sleep=_no_sleep) == {"pending": 1}
    d.refresh_from_db()
    assert d.attempts == 4 and d.next_attempt_at == now + timedelta(seconds=bots.RUN_BACKOFF)
    assert bots.retry_pending(now + timedelta(seconds=30), sleep=_no_sleep) == {}
    assert bots.retry_pending(now + timedelta(seconds=61), sleep=_no_sleep) == {"sent": 1}
    d.refresh_from_db()
    assert d.status == "sent" and d.attempts == 5 and Receiver.received[-1]["ok"] is True


def test_gives_up_after_the_last_run(org: Any, url: str) -> None:
    _bot(org, "wecom", f"{url}/wecom")
    [d] = bots.dispatch(org.team_a, "breach", "超时", "x")
    now = timezone.now() + timedelta(minutes=1)
    Receiver.fail_next = 100
    for _run in range(bots.MAX_RUNS):
        now += timedelta(hours=1)
        bots.retry_pending(now, sleep=_no_sleep)
    d.refresh_from_db()
    assert d.status == "failed" and d.attempts == bots.MAX_RUNS * (1 + len(bots.RETRY_DELAYS))


def test_claims_in_flight_count_towards_the_minute_budget(org: Any, url: str) -> None:
    bot = _bot(org, "wecom", f"{url}/wecom")
    ds = [bots.dispatch(org.team_a, "escalation", f"升级 {i}", "x")[0] for i in range(21)]
    now = timezone.now() + timedelta(minutes=1)
    for d in ds[:20]:  # twenty workers are posting right now
        assert isinstance(bots._claim(d.pk, now), BotDelivery)
    assert bots.sent_last_minute(bot, now) == 20
    assert bots.deliver(ds[20].pk, sleep=_no_sleep, now=now) == "queued"
    assert Receiver.received == []
