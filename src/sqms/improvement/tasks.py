"""Periodic tasks of the improvement app (safe to run twice)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="30", hour="8"))
def capa_overdue_reminders() -> int:
    """Every morning: remind owners of overdue corrective/preventive actions (once a day per action)."""
    from sqms.improvement.services import send_overdue_reminders

    return send_overdue_reminders()
