"""Periodic and background tasks of the feedback app: each takes ids, re-fetches, and is safe to run twice."""

from __future__ import annotations

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_periodic_task(crontab(minute="*"))
def sla_sweep() -> dict[str, int]:
    """Every minute: recompute open tickets, mark breaches and escalate (idempotent)."""
    from sqms.feedback import bots, services

    stats = services.sla_sweep()
    bots.flush_digests()
    return stats


@db_periodic_task(crontab(minute="*"))
def bot_outbox() -> dict[str, int]:
    """Every minute: post pending bot messages whose task was lost, whose worker died, or whose retry
    is due (at least once)."""
    from sqms.feedback import bots

    return bots.retry_pending()


@db_periodic_task(crontab(minute="7", hour="2"))
def default_ratings() -> int:
    """Nightly: cases left unrated for N days count as 基本满意 (3)."""
    from sqms.feedback.services import apply_default_ratings

    return apply_default_ratings()


@db_periodic_task(crontab(minute="15", hour="8"))
def calendar_coverage() -> dict[str, list[int]]:
    """Daily: warn the system admins once when a calendar's holidays for this (or, in December, next)
    year are unknown."""
    from sqms.feedback.services import check_calendar_coverage

    return check_calendar_coverage()


@db_task()
def deliver_bot_message(delivery_id: int) -> Any:
    from sqms.feedback.bots import deliver

    return deliver(delivery_id)
