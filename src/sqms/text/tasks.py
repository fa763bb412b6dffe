"""Nightly: analyse the day's new feedback and survey texts (sentiment per text). Safe to run twice."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(hour="2", minute="40"))
def analyse_new_texts() -> dict[str, int]:
    from sqms.text.services import analyse_texts

    return analyse_texts()
