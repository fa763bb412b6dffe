"""Periodic reminders of the audits app; each is idempotent (one reminder per due date)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="20", hour="7"))
def resource_reminders() -> int:
    """Daily: maintenance and inspection of resources falling due within 14 days (or overdue)."""
    from sqms.audits.services import send_resource_reminders

    return send_resource_reminders()


@db_periodic_task(crontab(minute="25", hour="7"))
def certificate_reminders() -> int:
    """Daily: certificates expiring within 90 days, surveillance audits due within 60 days."""
    from sqms.audits.services import send_certificate_reminders

    return send_certificate_reminders()
