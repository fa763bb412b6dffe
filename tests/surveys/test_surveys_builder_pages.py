"""Back-office builder pages: new survey from a template (errors name the field, nothing created), the phone
preview may be framed by its own page only, and publishing + opening a campaign from the preview."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_new_from_template_page(org, client_for):
    from sqms.surveys.models import Survey

    c = client_for(org.quality)
    page = c.get("/surveys/new-from-template/")
    assert page.status_code == 200 and "服务后满意度回访" in page.content.decode()
    bad = c.post("/surveys/new-from-template/", {"template": "nope", "code": "X1"})
    assert bad.status_code == 400 and 'id="err-template"' in bad.content.decode()
    bad = c.post("/surveys/new-from-template/", {"template": "csat", "code": ""})
    assert bad.status_code == 400 and 'id="err-code"' in bad.content.decode()
    bad = c.post("/surveys/new-from-template/", {"template": "csat", "code": "X2", "owner_unit": "NOPE"})
    assert bad.status_code == 400 and 'id="err-owner_unit"' in bad.content.decode()
    assert not Survey.objects.exists()
    ok = c.post("/surveys/new-from-template/", {"template": "seven", "code": "S7", "owner_unit": "BA"})
    survey = Survey.objects.get(code="S7")
    assert ok.status_code == 302 and ok["Location"] == f"/surveys/{survey.pk}/preview/"
    assert survey.owner_unit == org.branch_a and survey.template == "seven"
    # a unit manager has no add_survey permission
    assert client_for(org.manager_a).get("/surveys/new-from-template/").status_code == 404


def test_preview_framing_and_launch(org, csat, client_for):
    from sqms.surveys.models import Campaign

    c = client_for(org.quality)
    frame = c.get(f"/surveys/{csat.pk}/preview/?frame=1")
    assert frame["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in frame.get("Content-Security-Policy", "frame-ancestors 'self'")
    bad = c.post(f"/surveys/{csat.pk}/launch/", {"code": "", "name": "n", "org_unit": "BA"})
    assert bad.status_code == 302 and not Campaign.objects.exists()
    ok = c.post(f"/surveys/{csat.pk}/launch/", {"code": "L1", "name": "Launch", "org_unit": "BA"})
    camp = Campaign.objects.get(code="L1")
    assert ok["Location"] == f"/surveys/campaigns/{camp.pk}/distribute/"
    assert camp.version.number == 1 and camp.org_unit == org.branch_a and camp.is_open()
