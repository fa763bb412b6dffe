"""Group bots (WeCom, DingTalk, Feishu): signed delivery, a 20-a-minute cap per bot with overflow merged
into one markdown digest, retries with backoff, and the delivery log (:class:`BotDelivery`)."""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta
from typing import Any

import httpx
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.feedback import domain
from sqms.feedback.models import Bot, BotDelivery, DeliveryStatus

log = logging.getLogger(__name__)

PER_MINUTE = 20
RETRY_DELAYS: tuple[float, ...] = (1.0, 3.0, 9.0)
TIMEOUT = 5.0


def bots_for(unit: Any, event: str) -> list[Bot]:
    """Active bots of the unit or of an ancestor that subscribe to ``event``."""
    if unit is None:
        return []
    ids = [int(x) for x in unit.path.strip("/").split("/") if x]
    return [
        b
        for b in Bot.objects.filter(active=True, org_unit_id__in=ids, archived_at__isnull=True)
        if event in (b.events or [])
    ]


def dispatch(unit: Any, event: str, title: str, text: str) -> list[BotDelivery]:
    """Queue a message for every matching bot; sending happens after commit (in a task)."""
    out = []
    for bot in bots_for(unit, event):
        d = BotDelivery.objects.create(bot=bot, event=event, title=str(title)[:200], text=str(text))
        out.append(d)
        transaction.on_commit(lambda pk=d.pk: _enqueue(pk))
    return out


def _enqueue(pk: int) -> None:
    from sqms.feedback.tasks import deliver_bot_message

    deliver_bot_message(pk)


def sent_last_minute(bot: Bot, now: Any = None) -> int:
    now = now or timezone.now()
    return BotDelivery.objects.filter(
        bot=bot, sent_at__gt=now - timedelta(seconds=60), status=DeliveryStatus.SENT
    ).count()


def deliver(delivery_id: int, *, sleep: Any = time.sleep) -> str:
    """Send one queued message, or park it for the digest when the bot's minute budget is used up."""
    with transaction.atomic():
        d = (
            BotDelivery.objects.select_for_update(of=("self",))
            .select_related("bot")
            .filter(pk=delivery_id)
            .first()
        )
        if d is None or d.status not in (DeliveryStatus.PENDING,):
            return d.status if d else "missing"
        if sent_last_minute(d.bot) >= PER_MINUTE:
            d.status = DeliveryStatus.QUEUED
            d.save(update_fields=["status"])
            return d.status
        d.status = DeliveryStatus.SENT  # claim it so a second worker does not send it again
        d.sent_at = timezone.now()
        d.save(update_fields=["status", "sent_at"])
    ok, response, attempts = post(d.bot, d.title, d.text, sleep=sleep)
    BotDelivery.objects.filter(pk=d.pk).update(
        status=DeliveryStatus.SENT if ok else DeliveryStatus.FAILED,
        attempts=attempts,
        response=response[:2000],
    )
    return DeliveryStatus.SENT if ok else DeliveryStatus.FAILED


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


def post(bot: Bot, title: str, text: str, *, sleep: Any = time.sleep) -> tuple[bool, str, int]:
    """POST the signed message with retries; returns (ok, last response text, attempts)."""
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
                return True, response, attempts
            if 400 <= r.status_code < 500 and r.status_code != 429:
                break  # a bad request will not get better by retrying
        except httpx.HTTPError as exc:
            response = f"error {exc}"
        log.warning("bot %s delivery attempt %s failed: %s", bot.pk, attempts, response)
    return False, response, attempts


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
