"""The executive dashboard and evaluation results are cached under the data versions
(sqms.core.dataversion): a hit renders the page a miss renders, and a write through the services
(service-record ingest, a complaint, a manual score) makes the next request recompute."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache

from sqms.evaluation import selectors, services, views
from sqms.evaluation.models import Indicator, Scheme
from sqms.feedback.services import create_ticket
from sqms.kpi import services as kpi_services
from sqms_testing import fresh
from sqms_testing import service_row as row

pytestmark = pytest.mark.django_db
DASHBOARD = "/evaluation/dashboard/?unit=R1&period=2026-10"
RESULT = "/evaluation/default/2026-10/?unit=R1"


@pytest.fixture
def seeded(org: Any) -> Any:
    rows = [row(f"A{i}", "BA-T", rating=4) for i in range(10)]
    rows += [row(f"B{i}", "BB-T", rating=5, handling=9000) for i in range(10)]
    kpi_services.ingest(actor=org.admin, rows=rows)
    return org


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the dashboard's figures and the evaluation were computed (cache misses)."""
    calls: list[int] = []
    figures, evaluate = views.dashboard_figures, selectors.evaluate

    def counted_figures(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return figures(*args, **kwargs)

    def counted_evaluate(*args: Any, **kwargs: Any) -> Any:
        calls.append(2)
        return evaluate(*args, **kwargs)

    monkeypatch.setattr(views, "dashboard_figures", counted_figures)
    monkeypatch.setattr(selectors, "evaluate", counted_evaluate)
    return calls


def page(client: Any, url: str = DASHBOARD) -> str:
    r = client.get(url)
    assert r.status_code == 200
    return re.sub(r'(csrfmiddlewaretoken" value=|csrfToken = )"[^"]*"', r"\1", r.content.decode())


def composite(body: str) -> str:
    return re.search(r'id="own-score">([^<]*)<', body).group(1)  # type: ignore[union-attr]


def test_a_hit_renders_the_page_a_miss_renders(seeded: Any, client_for: Any, computed: list[int]) -> None:
    c = client_for(fresh(seeded.quality))
    miss = page(c)
    assert computed == [1] and "kpi-tiles" in miss and "?unit=BA&period=2026-10" in miss
    hit = page(c)
    assert computed == [1]  # served from the cache
    assert hit == miss
    cache.clear()
    assert page(c) == miss and computed == [1, 1]
    # the evaluation result page too
    first = page(c, RESULT)
    assert page(c, RESULT) == first and computed == [1, 1, 2]


def test_the_cache_is_per_scope_and_language(seeded: Any, client_for: Any, computed: list[int]) -> None:
    page(client_for(fresh(seeded.quality)), "/evaluation/dashboard/?unit=BA&period=2026-10")
    manager = page(client_for(fresh(seeded.manager_a)), "/evaluation/dashboard/?unit=BA&period=2026-10")
    assert computed == [1, 1]  # another scope computes its own
    assert "BB-T" not in manager and "乙" not in manager
    c = client_for(fresh(seeded.quality))
    zh = page(c)
    c.cookies["django_language"] = "en"
    en = page(c)
    assert computed == [1, 1, 1, 1] and en != zh and "Executive dashboard" in en


def test_an_ingest_makes_the_next_request_recompute(
    seeded: Any, client_for: Any, computed: list[int]
) -> None:
    c = client_for(fresh(seeded.quality))
    before = page(c)
    assert page(c) == before and computed == [1]
    slow = [row(f"C{i}", "BA-T", rating=1, handling=20000) for i in range(30)]
    kpi_services.ingest(actor=seeded.admin, rows=slow)
    after = page(c)
    assert computed == [1, 1]
    assert composite(after) != composite(before)


def test_a_complaint_makes_the_next_request_recompute(
    seeded: Any, client_for: Any, computed: list[int]
) -> None:
    c = client_for(fresh(seeded.quality))
    page(c)
    page(c)
    assert computed == [1]
    create_ticket(
        actor=seeded.quality,
        data={"org_unit": seeded.team_a, "kind": "complaint", "title": "排队太久", "description": "一小时"},
    )
    page(c)
    assert computed == [1, 1]


def test_a_manual_score_makes_the_next_request_recompute(
    seeded: Any, client_for: Any, computed: list[int]
) -> None:
    c = client_for(fresh(seeded.quality))
    before, result_before = page(c), page(c, RESULT)
    assert page(c) == before and page(c, RESULT) == result_before and computed == [1, 2]
    scheme = Scheme.objects.get(code="default")
    for code in ("knowledge", "skills", "attitude"):
        services.enter_manual_score(
            actor=seeded.quality,
            indicator=Indicator.objects.get(scheme=scheme, code=code),
            org_unit=seeded.team_a,
            period="2026-10",
            value=1,
            evidence="mystery shopping",
        )
    after, result_after = page(c), page(c, RESULT)
    assert computed == [1, 2, 1, 2]
    assert composite(after) != composite(before) and result_after != result_before
