"""Background tasks of the surveys app: each takes ids, re-fetches, and is safe to run twice."""

from __future__ import annotations

import time
from typing import Any

from huey.contrib.djhuey import HUEY, db_task


@db_task()
def analyse_campaign(campaign_id: int, user_id: int, filters: dict[str, Any], slot: str, key: str) -> bool:
    """Compute the analysis report of a large campaign (see ``selectors.analysis``): progress and result go
    to huey's key/value storage under ``key`` (and the result to the Django cache). Running it twice only
    recomputes the same report."""
    from django.contrib.auth import get_user_model

    from sqms.surveys import selectors

    def progress(step: str, done: float) -> None:
        HUEY.put(key + ":progress", {"step": step, "done": round(float(done), 3), "at": time.time()})

    try:
        user = get_user_model().objects.get(pk=user_id)
        campaign = selectors.get_or_404(selectors.campaigns(user), pk=campaign_id)
        f = selectors.filters_from_json(user, campaign, filters)
        report = selectors.compute_analysis(user, campaign, f, progress=progress)
    except Exception as exc:
        HUEY.put(key + ":progress", {"step": "error", "done": 0.0, "error": str(exc) or type(exc).__name__})
        raise
    selectors.store_analysis(slot, key, report)
    return True
