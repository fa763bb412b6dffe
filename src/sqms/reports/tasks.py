"""Scheduled quality reports: on the 1st of each month (and quarter) at 01:30, idempotent."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_periodic_task(crontab(minute="30", hour="1", day="1"))
def scheduled_reports() -> list[int]:
    from sqms.reports import services

    return [s.pk for s in services.scheduled_reports()]


@db_task()
def send_report(snapshot_id: int) -> int:
    from sqms.reports import services
    from sqms.reports.models import ReportSnapshot

    snap = ReportSnapshot.objects.filter(pk=snapshot_id).first()
    return services.send_to_subscribers(snap) if snap is not None else 0
