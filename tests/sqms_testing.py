"""Helpers shared by tests (import as ``from sqms_testing import PASSWORD, fresh, login``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

PASSWORD = "Test@2026pw"


def fresh(user: Any) -> Any:
    """Re-read a user so permission and scope caches are empty."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=user.pk)


def service_row(
    ext: str,
    unit: str = "BA",
    day: int = 1,
    hour: int = 9,
    response: int | None = 60,
    handling: int | None = 3600,
    promise: int | None = 7200,
    rating: int | None = 4,
    **kw: Any,
) -> dict[str, Any]:
    """One service record as the ingest API takes it: requested on 2026-10-``day`` at ``hour`` (local),
    answered, completed and promised that many seconds later (``None``: not set)."""
    start = dt.datetime(2026, 10, day, hour, 0, 0)

    def after(seconds: int | None) -> str | None:
        return (start + dt.timedelta(seconds=seconds)).isoformat() if seconds is not None else None

    r: dict[str, Any] = {
        "external_id": ext,
        "unit": unit,
        "service_type": "repair",
        "channel": "phone",
        "requested_at": start.isoformat(),
        "first_response_at": after(response),
        "completed_at": after(handling),
        "promised_at": after(promise),
        "first_contact_resolution": True,
        "rating": rating,
    }
    r.update(kw)
    return r


def login(page: Any, live_server: Any, username: str, password: str = PASSWORD) -> None:
    """Sign in through the back-office login form in a Playwright page."""
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/**")
