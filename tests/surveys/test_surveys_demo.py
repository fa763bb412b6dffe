"""The demo seeder: realistic structure (α, KMO), flags for cleaning, idempotent."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_demo_seed_is_realistic_and_idempotent(django_user_model):
    from sqms.org.demo import seed as seed_org
    from sqms.surveys import selectors
    from sqms.surveys.demo import seed
    from sqms.surveys.models import Campaign, Response

    lines: list[str] = []
    seed_org("small", lines.append)
    seed("small", lines.append)
    assert Response.objects.count() == 5000
    seed("small", lines.append)
    assert Response.objects.count() == 5000
    admin = django_user_model.objects.get(username="admin")
    sq7 = Campaign.objects.get(code="DEMO-SQ7")
    r = selectors.results(admin, sq7)
    assert r["excluded"] > 0
    rules = {x["rule"] for x in r["reasons"]}
    assert {"straightlining", "too_fast", "duplicate"} <= rules
    assert r["alpha_overall"]["alpha"] > 0.8
    assert all(a["alpha"] > 0.6 for a in r["alphas"])
    assert r["kmo"]["kmo"] > 0.8
    assert r["nps"] and -100 <= r["nps"][0]["nps"] <= 100
