"""Periodic document tasks: versions become effective on their date; owners are reminded of periodic
reviews. Both are safe to run twice."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="5"))
def make_versions_effective() -> int:
    from sqms.documents.services import make_due_versions_effective

    return make_due_versions_effective()


@db_periodic_task(crontab(minute="20", hour="7"))
def remind_periodic_reviews() -> int:
    from sqms.documents.services import send_review_reminders

    return send_review_reminders()
