"""Periodic tasks of the KPI app (idempotent)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="20", hour="3"))
def evaluate_kpi_alerts() -> int:
    """Nightly: evaluate targets and control charts of every KPI × unit for the current month."""
    from sqms.kpi.services import evaluate_alerts

    return evaluate_alerts(period="month")


@db_periodic_task(crontab(minute="10", hour="1"))
def create_service_record_partitions() -> list[str]:
    """Daily (PostgreSQL): the service-record partitions of the current month and the next three exist
    (idempotent; a no-op on SQLite)."""
    from sqms.kpi.partitions import ensure_months

    return ensure_months()
