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
    n = Response.objects.count()
    campaigns = set(Campaign.objects.values_list("code", flat=True))
    assert Response.objects.filter(campaign__org_unit__code="HQ").count() == 5000
    assert {"DEMO-CSAT-SZ", "DEMO-SQ7-SZ"} <= campaigns
    seed("small", lines.append)
    assert Response.objects.count() == n
    assert set(Campaign.objects.values_list("code", flat=True)) == campaigns
    assert lines[-1].strip() == "surveys already seeded"
    # the demo unit manager (苏州 SZ) sees his branch's campaigns, with responses from his teams only
    manager = django_user_model.objects.get(username="manager")
    mine = set(selectors.campaigns(manager).values_list("code", flat=True))
    assert {"DEMO-CSAT-SZ", "DEMO-SQ7-SZ"} <= mine
    assert not any(c.endswith(("-WX", "-HQ")) for c in mine) and "DEMO-CSAT" not in mine
    sz = Campaign.objects.get(code="DEMO-CSAT-SZ")
    assert sz.responses.exclude(org_unit__path__startswith=sz.org_unit.path).count() == 0
    assert selectors.results(manager, sz)["total"] == sz.responses.count() >= 60
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
