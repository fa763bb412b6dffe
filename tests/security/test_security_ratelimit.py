"""The generic rate limiter on public pages and receivers: per client address, per token, body size."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_complaint_tracking_is_limited_per_address(org, settings) -> None:
    settings.SQMS_RATE_LIMITS = "complaint-track=3/600"
    a = Client(REMOTE_ADDR="10.0.0.1")
    for _ in range(3):
        assert a.get("/complaints/track/").status_code == 200
    refused = a.get("/complaints/track/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert Client(REMOTE_ADDR="10.0.0.2").get("/complaints/track/").status_code == 200  # another address


@pytest.mark.django_db
def test_tracking_needs_the_verification_code(org) -> None:
    """No enumeration: a ticket number alone (or a wrong code) shows nothing."""
    page = Client().get("/complaints/track/", {"number": "FB-2026-000001", "code": ""})
    assert page.status_code == 200 and page.context.get("ticket") is None


@pytest.mark.django_db
def test_complaint_form_body_limit_and_post_only_counting(org, settings) -> None:
    settings.SQMS_RATE_LIMITS = "complaint-form=1/600"
    settings.SQMS_PUBLIC_MAX_BODY = 1000
    c = Client(REMOTE_ADDR="10.0.0.3")
    assert c.get("/complaints/new/").status_code == 200
    assert c.get("/complaints/new/").status_code == 200  # GETs are not counted on the form
    big = c.post("/complaints/new/", {"description": "x" * 5000})
    assert big.status_code == 413
    c.post("/complaints/new/", {"website": "spam"})  # honeypot: pretends success
    assert c.post("/complaints/new/", {"description": "again"}).status_code == 429


def test_limits_per_token_are_separate() -> None:
    from django.test import RequestFactory

    from sqms.core.security.ratelimit import _who, hit

    rf = RequestFactory()
    one = _who(rf.get("/", HTTP_AUTHORIZATION="Bearer a"))
    two = _who(rf.get("/", HTTP_AUTHORIZATION="Bearer b"))
    assert one != two and one.startswith("t:")
    results = [hit("webhook", one)[0] for _ in range(601)]
    assert results[:600] == [True] * 600 and results[600] is False
    assert hit("webhook", two)[0]
