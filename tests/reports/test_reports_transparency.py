"""The public transparency page: published periods only, frozen figures, minimum group size, audit."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sqms.core.errors import Forbidden
from sqms.core.models import AuditEntry
from sqms.reports import services
from sqms.reports.domain import parse_period
from sqms_testing import fresh

pytestmark = pytest.mark.django_db

OCT = dt.datetime(2026, 10, 20, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_unpublished_period_is_404_and_page_says_nothing_published(october: Any, client: Any) -> None:
    r = client.get("/transparency/")
    assert r.status_code == 200 and "尚未发布任何期间" in r.content.decode()
    assert client.get("/transparency/monthly/2026-10/").status_code == 404
    assert client.get("/transparency/weekly/2026-10/").status_code == 404


def test_minimum_group_size_hides_a_small_unit(october: Any, client: Any) -> None:
    pub = services.publish(actor=fresh(october.quality), period=parse_period("2026-10"), min_group_size=4)
    ratings = pub.data["ratings"]
    assert ratings["n"] == 7 and ratings["good_pct"] == 57.1
    # grouped by branch (depth 2): branch A has 4 ratings, branch B 3 < 4
    assert [(u["name"], u["n"], u["good_pct"], u["mean"]) for u in ratings["units"]] == [
        ("甲分公司", 4, 75.0, 4.0)
    ]
    assert ratings["hidden"] == 1
    assert pub.data["surveys"]["units"] == [] and pub.data["surveys"]["hidden"] == 1  # 3 responses < 4
    client.cookies["django_language"] = "en"
    html = client.get("/transparency/monthly/2026-10/").content.decode()
    assert "甲分公司" in html and "乙分公司" not in html
    assert "Units with fewer than 4 responses are not shown" in html
    assert "1 unit is not shown for this reason." in html
    # default N = 30 hides every unit of this small fixture
    pub = services.publish(actor=fresh(october.quality), period=parse_period("2026-10"))
    assert (
        pub.min_group_size == 30 and pub.data["ratings"]["units"] == [] and pub.data["ratings"]["hidden"] == 2
    )
    # a lower threshold shows the survey unit with its satisfaction (2 of 3 top-two-box)
    pub = services.publish(actor=fresh(october.quality), period=parse_period("2026-10"), min_group_size=3)
    assert pub.data["surveys"]["units"] == [{"code": "BA", "name": "甲分公司", "n": 3, "csat_pct": 66.7}]


def test_published_period_is_frozen(october: Any, client: Any) -> None:
    from sqms.feedback.services import rate

    services.publish(actor=fresh(october.quality), period=parse_period("2026-10"), min_group_size=4)
    before = client.get("/transparency/monthly/2026-10/").content.decode()
    with time_machine.travel(OCT, tick=False):
        for _ in range(3):
            rate(actor=october.quality, org_unit=october.team_b, score=1)
    after = client.get("/transparency/monthly/2026-10/").content.decode()
    assert 'id="ratings-total">7<' in after and "乙分公司" not in after
    assert before.split('id="ratings"')[1] == after.split('id="ratings"')[1]
    # republishing refreshes the frozen figures on purpose
    pub = services.publish(actor=fresh(october.quality), period=parse_period("2026-10"), min_group_size=4)
    assert pub.data["ratings"]["n"] == 10 and "乙分公司" in client.get("/transparency/").content.decode()


def test_publish_and_unpublish_are_audited_and_quality_only(october: Any, client: Any) -> None:
    period = parse_period("2026-10")
    with pytest.raises(Forbidden):
        services.publish(actor=fresh(october.manager_a), period=period)
    pub = services.publish(actor=fresh(october.quality), period=period)
    assert client.get("/transparency/").status_code == 200
    services.unpublish(actor=fresh(october.quality), publication=pub)
    assert client.get("/transparency/monthly/2026-10/").status_code == 404
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(pub)
    verbs = list(
        AuditEntry.objects.filter(content_type=ct, object_id=str(pub.pk)).values_list("verb", flat=True)
    )
    assert len(verbs) == 2 and all(verbs)


def test_publication_pages_and_api(october: Any, client_for: Any, api_for: Any) -> None:
    quality = client_for(fresh(october.quality))
    r = quality.post("/reports/publications/", {"period": "2026-10", "min_group_size": "abc"})
    assert r.status_code == 422 and "min_group_size" in r.content.decode()
    r = quality.post("/reports/publications/", {"period": "2026-10", "min_group_size": "4"})
    assert r.status_code == 302
    page = quality.get("/reports/publications/").content.decode()
    assert "2026-10" in page
    api = api_for(fresh(october.quality))
    listing = api.get("/api/v1/report-publications").json()
    assert listing["count"] == 1 and listing["items"][0]["public_url"] == "/transparency/monthly/2026-10/"
    r = api.post(
        "/api/v1/report-publications",
        {"period": "2026-10", "quarter": True, "min_group_size": 0},
        content_type="application/json",
    )
    assert r.status_code == 422 and "min_group_size" in r.json()["error"]["fields"]
    r = api.post(
        "/api/v1/report-publications", {"period": "2026-10", "quarter": True}, content_type="application/json"
    )
    assert r.status_code == 201 and r.json()["period"] == "2026-Q4"
    pid = r.json()["id"]
    assert api.post(f"/api/v1/report-publications/{pid}/unpublish").json()["published"] is False
    # a unit manager neither sees nor changes publications
    manager = api_for(fresh(october.manager_a))
    assert manager.get("/api/v1/report-publications").status_code == 403
    assert manager.post(f"/api/v1/report-publications/{pid}/unpublish").status_code == 403


def test_public_page_in_chinese(october: Any, client: Any) -> None:
    services.publish(actor=fresh(october.quality), period=parse_period("2026-10"), min_group_size=4)
    html = client.get("/transparency/").content.decode()
    assert "服务质量信息公开" in html and "样本量少于 4 的单位不予公开" in html
    assert "sqms/public.css" in html
