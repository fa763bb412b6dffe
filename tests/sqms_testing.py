"""Helpers shared by tests (import as ``from sqms_testing import PASSWORD, fresh, login``)."""

from __future__ import annotations

from typing import Any

PASSWORD = "Test@2026pw"


def fresh(user: Any) -> Any:
    """Re-read a user so permission and scope caches are empty."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=user.pk)


def login(page: Any, live_server: Any, username: str, password: str = PASSWORD) -> None:
    """Sign in through the back-office login form in a Playwright page."""
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/**")
