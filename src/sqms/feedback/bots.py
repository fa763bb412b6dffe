"""Group bots (WeCom, DingTalk, Feishu): signed delivery, a 20-a-minute cap per bot with overflow merged
into one markdown digest, retries with backoff, and the delivery log (:class:`BotDelivery`).

:class:`BotDelivery` is an outbox: a row is written with the event that causes it (same transaction),
claimed by one worker for one post, and marked sent only after the vendor answered OK; a worker
killed mid-post leaves it pending, and :func:`retry_pending` (every minute) posts it again once the
claim has expired. Delivery is at least once: a message may arrive twice (killed after the post,
before the mark), never zero times while the bot accepts it."""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta
from typing import Any

import httpx
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.feedback import domain
from sqms.feedback.models import Bot, BotDelivery, DeliveryStatus

log = logging.getLogger(__name__)

PER_MINUTE = 20
#: quick retries inside one run (seconds slept before attempts 2, 3, 4)
RETRY_DELAYS: tuple[float, ...] = (1.0, 3.0, 9.0)
TIMEOUT = 5.0
#: a claim outlives the longest run of one post (4 attempts of TIMEOUT plus the sleeps)
CLAIM_SECONDS = 120
#: after a failed run the next one waits RUN_BACKOFF × 4^(runs - 1) seconds: 1, 4, 16 minutes
RUN_BACKOFF = 60
MAX_RUNS = 4
#: a pending message younger than this is left to the task queued for it
STALE_SECONDS = 30


def bots_for(unit: Any, event: str, cfg: Any = None) -> list[Bot]:
    """Active bots of the unit or of an ancestor that subscribe to ``event``."""
    if unit is None:
        return []
    from sqms.feedback import confcache

    ids = {int(x) for x in unit.path.strip("/").split("/") if x}
    return [b for b in (cfg or confcache.get()).bots if b.org_unit_id in ids and event in (b.events or [])]


def dispatch(unit: Any, event: str, title: str, text: str, cfg: Any = None) -> list[BotDelivery]:
    """Queue a message for every matching bot; sending happens after commit (in a task)."""
    out = []
    for bot in bots_for(unit, event, cfg):
        d = BotDelivery.objects.create(bot=bot, event=event, title=str(title)[:200], text=str(text))
        out.append(d)
        transaction.on_commit(lambda pk=d.pk: _enqueue(pk))
    return out


def _enqueue(pk: int) -> None:
    from sqms.feedback.tasks import deliver_bot_message

    deliver_bot_message(pk)


def sent_last_minute(bot: Bot, now: Any = None) -> int:
    """Messages the bot got in the last minute, counting those being posted right now."""
    now = now or timezone.now()
    return BotDelivery.objects.filter(
        Q(status=DeliveryStatus.SENT, sent_at__gt=now - timedelta(seconds=60))
        | Q(status=DeliveryStatus.PENDING, claimed_until__gt=now),
        bot=bot,
    ).count()


def _claim(delivery_id: int, now: Any) -> BotDelivery | str:
    """Claim a due pending message for one post (it stays pending: a worker killed while posting
    leaves it to a later run once the claim expires), or park it for the digest when the bot's
    minute budget is used up. Returns the claimed row or the status that stops it."""
    with transaction.atomic():
        d = (
            BotDelivery.objects.select_for_update(of=("self",))
            .select_related("bot")
            .filter(pk=delivery_id)
            .first()
        )
        if d is None or d.status != DeliveryStatus.PENDING:
            return d.status if d else "missing"
        if (d.claimed_until and d.claimed_until > now) or (d.next_attempt_at and d.next_attempt_at > now):
            return d.status  # being posted by another worker, or waiting for its retry
        if sent_last_minute(d.bot, now) >= PER_MINUTE:
            d.status = DeliveryStatus.QUEUED
            d.save(update_fields=["status"])
            return d.status
        d.claimed_until = now + timedelta(seconds=CLAIM_SECONDS)
        d.save(update_fields=["claimed_until"])
        return d


def deliver(delivery_id: int, *, sleep: Any = time.sleep, now: Any = None) -> str:
    """Send one pending message: claim it, post it (quick retries), then mark it. Sent only after the
    vendor answered OK; a failure that may pass (5xx, 429, network) stays pending with its next
    attempt later (:data:`RUN_BACKOFF`), until :data:`MAX_RUNS` runs have failed; a rejected request
    (other 4xx, a vendor error code) fails at once. Parked for the digest when the minute budget of
    the bot is used up."""
    now = now or timezone.now()
    claimed = _claim(delivery_id, now)
    if isinstance(claimed, str):
        return claimed
    d = claimed
    ok, response, attempts, permanent = post(d.bot, d.title, d.text, sleep=sleep)
    with transaction.atomic():
        row = BotDelivery.objects.select_for_update(of=("self",)).filter(pk=d.pk).first()
        if row is None or row.status != DeliveryStatus.PENDING:
            return row.status if row else "missing"
        row.attempts += attempts
        row.response = response[:2000]
        row.claimed_until = None
        if ok:
            row.status, row.sent_at, row.next_attempt_at = DeliveryStatus.SENT, timezone.now(), None
        elif permanent or row.attempts >= MAX_RUNS * (1 + len(RETRY_DELAYS)):
            row.status, row.next_attempt_at = DeliveryStatus.FAILED, None
        else:
            run = max(row.attempts // (1 + len(RETRY_DELAYS)), 1)
            row.next_attempt_at = now + timedelta(seconds=RUN_BACKOFF * 4 ** (run - 1))
        row.save(
            update_fields=["status", "sent_at", "attempts", "response", "claimed_until", "next_attempt_at"]
        )
        return row.status


def retry_pending(now: Any = None, *, sleep: Any = time.sleep, limit: int = 200) -> dict[str, int]:
    """Post the pending messages that are due: never claimed (their task was lost), claimed by a
    worker that died (claim expired), or waiting for a retry. Run every minute."""
    now = now or timezone.now()
    due = (
        BotDelivery.objects.filter(status=DeliveryStatus.PENDING)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(created_at__lte=now - timedelta(seconds=STALE_SECONDS))
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    out: dict[str, int] = {}
    for pk in list(due):
        status = deliver(pk, sleep=sleep, now=now)
        out[status] = out.get(status, 0) + 1
    return out


def flush_digests(now: Any = None, *, sleep: Any = time.sleep) -> int:
    """Merge each bot's parked messages into one markdown digest once its minute budget allows."""
    sent = 0
    for bot in Bot.objects.filter(deliveries__status=DeliveryStatus.QUEUED).distinct():
        if sent_last_minute(bot, now) >= PER_MINUTE:
            continue
        with transaction.atomic():
            items = list(
                BotDelivery.objects.select_for_update(of=("self",))
                .filter(bot=bot, status=DeliveryStatus.QUEUED)
                .order_by("created_at", "id")
            )
            if not items:
                continue
            title = _("%(n)s more notifications") % {"n": len(items)}
            digest = BotDelivery.objects.create(
                bot=bot,
                event=items[0].event,
                title=title,
                text=domain.digest_text([(i.title, i.text) for i in items]),
                status=DeliveryStatus.PENDING,
            )
            BotDelivery.objects.filter(pk__in=[i.pk for i in items]).update(
                status=DeliveryStatus.DIGESTED, digest=digest
            )
        if deliver(digest.pk, sleep=sleep) == DeliveryStatus.SENT:
            sent += 1
    return sent


def post(bot: Bot, title: str, text: str, *, sleep: Any = time.sleep) -> tuple[bool, str, int, bool]:
    """POST the signed message with quick retries; returns (ok, last response text, attempts, failed
    for good: the vendor rejected the request, retrying later will not help)."""
    response = ""
    attempts = 0
    for attempt, delay in enumerate((0.0, *RETRY_DELAYS)):
        if delay:
            sleep(delay)
        attempts = attempt + 1
        url, body = signed_request(bot, title, text)
        try:
            r = httpx.post(
                url,
                content=json.dumps(body, ensure_ascii=False).encode(),
                headers={"Content-Type": "application/json"},
                timeout=TIMEOUT,
            )
            response = f"{r.status_code} {r.text[:500]}"
            if r.status_code < 300 and _vendor_ok(r):
                return True, response, attempts, False
            if 400 <= r.status_code < 500 and r.status_code != 429:
                return False, response, attempts, True  # a bad request will not get better by retrying
        except httpx.HTTPError as exc:
            response = f"error {exc}"
        log.warning("bot %s delivery attempt %s failed: %s", bot.pk, attempts, response)
    return False, response, attempts, False


def _vendor_ok(r: httpx.Response) -> bool:
    try:
        data = r.json()
    except ValueError:
        return True
    code = data.get("errcode", data.get("code", data.get("StatusCode", 0)))
    return code in (0, None)


def signed_request(bot: Bot, title: str, text: str, now: float | None = None) -> tuple[str, dict[str, Any]]:
    """URL and JSON body for the bot's vendor, signed when a secret is set."""
    now = time.time() if now is None else now
    body = domain.bot_payload(bot.kind, title, text)
    url = bot.webhook_url
    if bot.kind == "dingtalk" and bot.secret:
        url = domain.dingtalk_url(url, bot.secret, int(now * 1000))
    elif bot.kind == "feishu" and bot.secret:
        ts = int(now)
        body = {"timestamp": str(ts), "sign": domain.feishu_sign(bot.secret, ts), **body}
    return url, body
