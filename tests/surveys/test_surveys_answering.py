"""Public answering page: required, conditional display, errors keep input, tokens, closed pages, QR."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sqms.surveys import services
from sqms.surveys.models import Response

pytestmark = pytest.mark.django_db


def test_page_renders_and_valid_submit_is_stored_with_duration(campaign, client):
    r = client.get(f"/s/{campaign.slug}/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "非常满意" in html and 'class="progress"' in html and "_website" in html
    start = r.context["start"]
    r = client.post(
        f"/s/{campaign.slug}/",
        {"_start": start, "csat": "5", "nps": "9", "resolved": "1"},
        HTTP_USER_AGENT="phone",
    )
    assert r.status_code == 302 and r["Location"].endswith("/thanks/")
    resp = Response.objects.get()
    assert resp.answers == {"csat": 5, "nps": 9, "resolved": 1}
    assert resp.duration_s is not None and resp.duration_s >= 0
    assert resp.device and resp.ip == "127.0.0.1"


def test_missing_required_answer_shows_error_and_keeps_input(campaign, client):
    r = client.post(f"/s/{campaign.slug}/", {"nps": "7", "comment": "排队太久"})
    assert r.status_code == 400
    html = r.content.decode()
    assert "请回答此题" in html or "Please answer this question." in html
    assert 'value="7" checked' in html and "排队太久" in html
    assert not Response.objects.exists()


def test_english_page(campaign, client):
    client.cookies["django_language"] = "en"
    r = client.get(f"/s/{campaign.slug}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Very satisfied" in r.content.decode()


def test_conditional_question_required_only_when_shown(org):
    survey = services.create_from_template(actor=org.quality, template="gov", code="GOV")
    c = services.create_campaign(
        actor=org.quality, survey=survey, code="GOV1", name="g", org_unit=org.branch_a
    )
    with pytest.raises(Exception) as exc:
        services.submit_response(campaign=c, raw={"mode": ["1"], "overall": ["4"]})
    assert set(exc.value.fields) == {"efficiency", "service", "attitude"}
    # online: the offline items are hidden, and answers to hidden questions are dropped
    r = services.submit_response(
        campaign=c,
        raw={"mode": ["2"], "overall": ["5"], "convenience": ["5"], "usability": ["4"], "efficiency": ["1"]},
    )
    assert "efficiency" not in r.answers and r.answers["usability"] == 4


def test_token_answers_once_and_shows_used_page(org, campaign, client):
    token = services.issue_tokens(actor=org.quality, campaign=campaign, count=1)[0]
    url = f"/s/{campaign.slug}/?t={token.key}"
    assert client.get(url).status_code == 200
    r = client.post(url, {"_t": token.key, "csat": "4", "nps": "8", "resolved": "1"})
    assert r.status_code == 302
    r = client.get(url)
    assert r.status_code == 410 and (
        "已回答过" in r.content.decode() or "already answered" in r.content.decode()
    )
    r = client.post(url, {"_t": token.key, "csat": "4", "nps": "8", "resolved": "1"})
    assert r.status_code == 410
    assert Response.objects.count() == 1


def test_save_and_resume_by_token(org, campaign, client):
    token = services.issue_tokens(actor=org.quality, campaign=campaign, count=1)[0]
    url = f"/s/{campaign.slug}/?t={token.key}"
    r = client.post(url, {"_t": token.key, "csat": "2", "_save": "1"})
    assert r.status_code == 200
    html = client.get(url).content.decode()
    assert 'name="csat" value="2" checked' in html


def test_expired_closed_invalid_and_honeypot(org, campaign, client):
    token = services.issue_tokens(actor=org.quality, campaign=campaign, count=1)[0]
    token.expires_at = timezone.now() - timedelta(days=1)
    token.save()
    assert client.get(f"/s/{campaign.slug}/?t={token.key}").status_code == 410
    assert client.get(f"/s/{campaign.slug}/?t=nonsense").status_code == 404
    r = client.post(f"/s/{campaign.slug}/", {"_website": "spam", "csat": "5", "nps": "9", "resolved": "1"})
    assert r.status_code == 302 and not Response.objects.exists()
    services.set_campaign_status(actor=org.quality, campaign=campaign, status="closed")
    r = client.get(f"/s/{campaign.slug}/")
    assert r.status_code == 410 and ("已关闭" in r.content.decode() or "closed" in r.content.decode())
    assert client.get("/s/unknown-slug/").status_code == 404


def test_rate_limit(campaign, client, settings):
    settings.SQMS_SURVEY_RATE_LIMIT = 2
    for _i in range(2):
        assert (
            client.post(f"/s/{campaign.slug}/", {"csat": "5", "nps": "9", "resolved": "1"}).status_code == 302
        )
    assert client.post(f"/s/{campaign.slug}/", {"csat": "5", "nps": "9", "resolved": "1"}).status_code == 429
    assert Response.objects.count() == 2


def test_qr_codes(campaign, client):
    png = client.get(f"/s/{campaign.slug}/qr.png")
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    svg = client.get(f"/s/{campaign.slug}/qr.svg")
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content


def test_matrix_and_multiple_answers(org):
    s = services.create_survey(actor=org.quality, code="M1", title="m", dimensions=[])
    services.add_question(
        actor=org.quality,
        survey=s,
        code="M",
        type="matrix",
        text="评价",
        rows=[{"code": "a", "text": "甲"}, {"code": "b", "text": "乙"}],
    )
    services.add_question(
        actor=org.quality,
        survey=s,
        code="multi",
        type="multiple",
        text="渠道",
        options=[{"value": 1, "label": "A"}, {"value": 2, "label": "B"}],
        required=False,
    )
    services.add_question(
        actor=org.quality,
        survey=s,
        code="age",
        type="number",
        text="年龄",
        min_value=0,
        max_value=120,
        required=False,
    )
    c = services.create_campaign(actor=org.quality, survey=s, code="MC", name="m", org_unit=org.branch_a)
    with pytest.raises(Exception) as exc:
        services.submit_response(campaign=c, raw={"M_a": ["3"], "age": ["200"]})
    assert set(exc.value.fields) == {"M", "age"}
    r = services.submit_response(
        campaign=c, raw={"M_a": ["3"], "M_b": ["5"], "multi": ["1", "2"], "age": ["30"]}
    )
    assert r.answers == {"M_a": 3, "M_b": 5, "multi": [1, 2], "age": 30}
    assert [i["code"] for i in c.version.items] == ["M_a", "M_b", "age"]
