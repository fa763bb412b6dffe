"""Back-office pages: NC register and page with its diagrams, refusals shown once, scoping (404)."""

from __future__ import annotations

import pytest

from sqms.improvement import services
from sqms.improvement.models import Nonconformity

pytestmark = pytest.mark.django_db


def test_nc_page_shows_diagrams_and_close_refusal(org, client_for):
    nc = services.open_nonconformity(
        actor=org.quality, source="manual", source_ref="", org_unit=org.team_a, title="Long queues"
    )
    services.record_analysis(
        nc,
        actor=org.quality,
        whys=["Too few windows open", "Lunch break overlap"],
        fishbone={"man": ["短缺"]},
    )
    c = client_for(org.quality)
    c.cookies["django_language"] = "en"
    page = c.get(f"/improvement/nc/{nc.pk}/").content.decode()
    assert 'class="sqms-whys"' in page and 'class="sqms-fishbone"' in page
    assert "Lunch break overlap" in page and "短缺" in page and "Man" in page and "Measurement" in page
    assert "人（" not in page  # the 6M bones in the reader's language only
    c.cookies["django_language"] = "zh-hans"
    page = c.get(f"/improvement/nc/{nc.pk}/").content.decode()
    assert "人（人员）" in page and "测（测量）" in page and "人 人员" not in page
    c.cookies["django_language"] = "en"
    r = c.post(f"/improvement/nc/{nc.pk}/", {"op": "close"}, follow=True)
    text = r.content.decode()
    assert text.count("Cannot close before effectiveness is verified.") == 1
    assert Nonconformity.objects.get(pk=nc.pk).status == "analysing"


def test_manual_entry_and_bad_input(org, client_for):
    c = client_for(org.manager_a)
    r = c.post("/improvement/nc/", {"op": "manual", "title": "Broken rating device", "org_unit": "BA-T"})
    nc = Nonconformity.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/improvement/nc/{nc.pk}/"
    r = c.post("/improvement/nc/", {"op": "manual", "title": "X", "org_unit": "BB-T"}, follow=True)
    assert "org_unit" in r.content.decode() and Nonconformity.objects.count() == 1
    r = c.post("/improvement/nc/", {"op": "ticket", "ticket": "NOPE-1"}, follow=True)
    assert "NOPE-1" in r.content.decode() and Nonconformity.objects.count() == 1


def test_out_of_scope_nc_is_404(org, client_for):
    nc = services.open_nonconformity(
        actor=org.quality, source="manual", source_ref="", org_unit=org.team_b, title="B only"
    )
    assert client_for(org.manager_a).get(f"/improvement/nc/{nc.pk}/").status_code == 404
    assert client_for(org.manager_b).get(f"/improvement/nc/{nc.pk}/").status_code == 200
    assert "B only" not in client_for(org.manager_a).get("/improvement/nc/").content.decode()


def test_admin_registers_are_scoped_and_read_only(org, client_for):
    a = services.open_nonconformity(
        actor=org.quality, source="manual", source_ref="", org_unit=org.team_a, title="A1"
    )
    services.open_nonconformity(
        actor=org.quality, source="manual", source_ref="", org_unit=org.team_b, title="B1"
    )
    page = client_for(org.manager_a).get("/admin/improvement/nonconformity/").content.decode()
    assert a.number in page and "B1" not in page
    assert client_for(org.quality).get("/admin/improvement/nonconformity/add/").status_code == 403
    for url in (
        "/improvement/projects/",
        "/improvement/suggestions/",
        "/improvement/practices/",
        "/improvement/reviews/",
    ):
        assert client_for(org.manager_a).get(url).status_code == 200


def test_open_from_bad_review_and_dashboard_card(org, client_for):
    from django.test import RequestFactory

    from sqms.feedback.models import Rating
    from sqms.improvement.registry import improvement_card

    rating = Rating.objects.create(org_unit=org.team_a, score=1, reasons="态度差")
    c = client_for(org.manager_a)
    r = c.post("/improvement/nc/", {"op": "rating", "rating": str(rating.pk), "severity": "major"})
    nc = Nonconformity.objects.get()
    assert r.status_code == 302 and nc.source == "bad_review" and nc.source_ref == f"rating:{rating.pk}"
    assert "态度差" in nc.title and nc.severity == "major"
    c.post("/improvement/nc/", {"op": "rating", "rating": str(rating.pk)})
    assert Nonconformity.objects.count() == 1  # idempotent per review
    assert (
        client_for(org.manager_b)
        .post("/improvement/nc/", {"op": "rating", "rating": str(rating.pk)})
        .status_code
        == 302
    )
    assert Nonconformity.objects.count() == 1  # out of scope: refused, nothing written
    request = RequestFactory().get("/")
    request.user = org.quality
    card = improvement_card(request)
    assert card["figures"][0]["value"] == 1
    assert any(f["value"] == 1 for f in card["figures"] if f["url"].endswith("severity=major"))


def test_p_values_read_as_people_read_them():
    from sqms.improvement.views import p_text

    assert p_text(0.00001) == "< 0.0001" and p_text(0.0) == "< 0.0001"
    assert p_text(0.0234) == "0.0234" and p_text(1.0) == "1.0000" and p_text(None) == ""


def test_project_page_shows_the_check_result_readably(org, client_for):
    from sqms.improvement.models import ImprovementProject

    p = ImprovementProject.objects.create(
        number="PDCA-T0001", title="降低排队时长", org_unit=org.team_a, leader=org.quality, stage="act",
        kpi_code="on_time_rate", created_by=org.quality,
        check_result={"before": 0.781234, "after": 0.912345, "p_value": 0.00000312, "improved": True,
                      "target_met": True},
    )  # fmt: skip
    page = client_for(org.quality).get(f"/improvement/projects/{p.pk}/").content.decode()
    assert "p &lt; 0.0001" in page and "0.0000" not in page and "0.78" in page and "0.7812" not in page
