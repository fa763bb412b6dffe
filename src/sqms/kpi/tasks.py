"""Periodic tasks of the KPI app (idempotent)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="20", hour="3"))
def evaluate_kpi_alerts() -> int:
    """Nightly: evaluate targets and control charts of every KPI × unit for the current month."""
    from sqms.kpi.services import evaluate_alerts

    return evaluate_alerts(period="month")
