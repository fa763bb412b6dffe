"""Scoping (404 across branches, executive read-only), API flows and the error shape, results pages."""

from __future__ import annotations

import json

import pytest

from sqms.surveys import services

pytestmark = pytest.mark.django_db


def test_manager_of_a_gets_404_for_branch_b_campaign_via_api_and_pages(
    org, campaign, campaign_b, api_for, client_for
):
    api = api_for(org.manager_a)
    assert api.get("/api/v1/survey-campaigns/C-A").status_code == 200
    r = api.get("/api/v1/survey-campaigns/C-B")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert [c["code"] for c in api.get("/api/v1/survey-campaigns").json()["items"]] == ["C-A"]
    assert api.get("/api/v1/survey-campaigns/C-B/results").status_code == 404
    web = client_for(org.manager_a)
    assert web.get(f"/surveys/campaigns/{campaign.pk}/results/").status_code == 200
    assert web.get(f"/surveys/campaigns/{campaign_b.pk}/results/").status_code == 404
    assert web.get(f"/surveys/campaigns/{campaign_b.pk}/export/").status_code == 404
    assert web.get(f"/admin/surveys/campaign/{campaign_b.pk}/change/").status_code in (302, 404)


def test_executive_reads_but_cannot_write(org, campaign, api_for, client_for):
    api = api_for(org.executive)
    assert api.get("/api/v1/survey-campaigns/C-A/results").status_code == 200
    r = api.post("/api/v1/surveys", {"code": "X", "template": "csat"}, content_type="application/json")
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    r = api.post("/api/v1/survey-campaigns/C-A/tokens", {"count": 1}, content_type="application/json")
    assert r.status_code == 403
    assert client_for(org.executive).get(f"/surveys/campaigns/{campaign.pk}/results/").status_code == 200


def test_api_full_flow(org, api_for):
    api = api_for(org.quality)
    r = api.post("/api/v1/surveys", {"code": "API1", "template": "csat"}, content_type="application/json")
    assert r.status_code == 201, r.content
    r = api.post("/api/v1/surveys/API1/versions")
    assert (
        r.status_code == 201 and r.json()["number"] == 1 and r.json()["items"] == ["csat", "nps", "resolved"]
    )
    r = api.post(
        "/api/v1/survey-campaigns",
        {"code": "APIC", "name": "api", "survey": "API1", "org_unit": "BA"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    tokens = api.post(
        "/api/v1/survey-campaigns/APIC/tokens", {"count": 2}, content_type="application/json"
    ).json()
    assert len(tokens) == 2 and tokens[0]["url"].startswith("/s/")
    r = api.post(
        "/api/v1/survey-campaigns/APIC/responses",
        {"answers": {"csat": 5, "nps": 10, "resolved": 1}, "token": tokens[0]["token"], "duration_s": 80},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    again = api.post(
        "/api/v1/survey-campaigns/APIC/responses",
        {"answers": {"csat": 5, "nps": 10, "resolved": 1}, "token": tokens[0]["token"]},
        content_type="application/json",
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "used"
    bad = api.post(
        "/api/v1/survey-campaigns/APIC/responses", {"answers": {"csat": 9}}, content_type="application/json"
    )
    assert bad.status_code == 422
    body = bad.json()["error"]
    assert set(body) == {"code", "message", "fields"} and {"csat", "nps", "resolved"} <= set(body["fields"])
    assert api.post("/api/v1/survey-campaigns/APIC/clean").json()["responses"] == 1
    res = api.get("/api/v1/survey-campaigns/APIC/results").json()
    assert res["total"] == 1 and res["nps"][0]["nps"] == 100.0
    rid = api.get("/api/v1/survey-campaigns/APIC/responses").json()["items"][0]["id"]
    r = api.post(
        f"/api/v1/survey-responses/{rid}/decision",
        {"decision": "exclude", "reason": "test"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["included"] is False
    csv = api.get("/api/v1/survey-campaigns/APIC/export?format=csv&data=raw")
    assert csv.status_code == 200 and "csat_label" in csv.content.decode("utf-8-sig")
    long = api.get("/api/v1/survey-campaigns/APIC/export?format=csv&data=raw&shape=long")
    assert "response_id,org_unit" in long.content.decode("utf-8-sig")
    plan = api.post("/api/v1/survey-campaigns/APIC/sample", {"margin": 0.05}, content_type="application/json")
    assert plan.status_code == 200 and "sample_size" in plan.json()


def test_api_import(org, campaign, api_for):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from test_surveys_import import WJX

    api = api_for(org.quality)
    f = SimpleUploadedFile("wjx.csv", WJX.encode("gbk"), content_type="text/csv")
    r = api.post("/api/v1/survey-campaigns/C-A/import", {"file": f})
    assert r.status_code == 200 and r.json()["written"] == 3, r.content


def test_results_page_and_exports(org, campaign, client_for):
    for v in ("5", "4", "2"):
        services.submit_response(campaign=campaign, raw={"csat": [v], "nps": ["9"], "resolved": ["1"]})
    c = client_for(org.quality)
    r = c.get(f"/surveys/campaigns/{campaign.pk}/results/?status=all&unit=BA-T")
    assert r.status_code == 200
    r = c.get(f"/surveys/campaigns/{campaign.pk}/results/")
    html = r.content.decode()
    assert 'id="total-responses">3<' in html
    assert c.post(f"/surveys/campaigns/{campaign.pk}/clean/").status_code == 302
    x = c.get(f"/surveys/campaigns/{campaign.pk}/export/?format=xlsx&shape=wide&data=cleaned")
    assert x.status_code == 200 and x.content[:2] == b"PK"


def test_admin_pages(org, campaign, client_for):
    c = client_for(org.quality)
    for url in (
        "/admin/surveys/survey/",
        f"/admin/surveys/survey/{campaign.survey.pk}/change/",
        "/admin/surveys/campaign/",
        "/admin/surveys/response/",
        "/admin/surveys/token/",
        f"/surveys/{campaign.survey.pk}/preview/",
        f"/surveys/{campaign.survey.pk}/preview/?frame=1",
        "/admin/",
    ):
        assert c.get(url).status_code == 200, url


def test_builder_publish_from_admin_action(org, csat, client_for):
    c = client_for(org.quality)
    r = c.post("/admin/surveys/survey/", {"action": "publish_selected", "_selected_action": [csat.pk]})
    assert r.status_code == 302
    assert csat.versions.count() == 1
    assert json.dumps(csat.versions.get().definition, ensure_ascii=False).count("满意") > 0
