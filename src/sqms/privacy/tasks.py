"""Periodic retention purge: anonymises records past their register's retention period."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="40", hour="3"))
def purge_expired_personal_data() -> dict[str, int]:
    from sqms.privacy.services import purge

    return purge()
