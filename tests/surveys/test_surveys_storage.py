"""Compact numeric storage (``ResponseValues``: int8 / float32 / float64 rows with a format byte, legacy
float64 rows still readable) and the daily CSAT/NPS rollup behind ``selectors.csat_nps_by_unit``, checked
against figures computed independently from the raw answers JSON."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from sqms.surveys import domain, selectors, services
from sqms.surveys.importers import import_responses
from sqms.surveys.models import Response, ResponseValues, SurveyDayRollup

ITEMS = [{"code": c} for c in ("a", "b", "c")]


@pytest.mark.parametrize(
    ("answers", "fmt", "size"),
    [
        ({"a": 5, "b": 1, "c": 3}, domain.PACK_INT8, 4),
        ({"a": -127, "c": 127}, domain.PACK_INT8, 4),
        ({}, domain.PACK_INT8, 4),
        ({"a": 128, "b": 0.5}, domain.PACK_F4, 13),
        ({"a": 0.1, "b": 2}, domain.PACK_F8, 25),
    ],
)
def test_pack_picks_the_smallest_exact_layout(answers, fmt, size):
    data = domain.pack(ITEMS, answers)
    assert data[0] == fmt and len(data) == size
    expected = [float(answers[it["code"]]) if it["code"] in answers else math.nan for it in ITEMS]
    np.testing.assert_array_equal(domain.unpack_row(data, 3), expected)
    np.testing.assert_array_equal(domain.unpack([data], 3)[0], expected)


def test_unpack_reads_mixed_and_legacy_rows_and_rejects_a_wrong_width():
    legacy = np.array([1.0, np.nan, 0.25], dtype="<f8").tobytes()
    rows = [domain.pack(ITEMS, {"a": 1}), legacy, None, domain.pack(ITEMS, {"a": 0.1}), memoryview(legacy)]
    x = domain.unpack(rows, 3)
    np.testing.assert_array_equal(x[0], [1, np.nan, np.nan])
    np.testing.assert_array_equal(x[1], [1, np.nan, 0.25])
    assert np.isnan(x[2]).all()
    assert x[3][0] == 0.1
    np.testing.assert_array_equal(x[4], x[1])
    # every row int8: the fast path gives the same matrix as row by row
    rng = np.random.default_rng(1)
    m = rng.integers(1, 6, size=(200, 3)).astype(float)
    m[rng.random(m.shape) < 0.1] = np.nan
    packed = [domain.pack_row(r) for r in m]
    np.testing.assert_array_equal(domain.unpack(packed, 3), m)
    np.testing.assert_array_equal(np.array([domain.unpack_row(p, 3) for p in packed]), m)
    with pytest.raises(ValueError, match="does not fit"):
        domain.unpack_row(b"\x01\x02", 3)


def test_a_submission_stores_its_numbers_compactly_apart_from_the_answers(org, campaign):
    r = services.submit_response(campaign=campaign, raw={"csat": ["4"], "nps": ["10"], "resolved": ["1"]})
    stored = ResponseValues.objects.get(response=r)
    k = len(campaign.version.items)
    assert bytes(stored.data)[0] == domain.PACK_INT8 and len(bytes(stored.data)) == k + 1
    x = selectors.matrix(Response.objects.filter(pk=r.pk), campaign.version)
    codes = [it["code"] for it in campaign.version.items]
    assert dict(zip(codes, x[0].tolist(), strict=True)) == {"csat": 4.0, "nps": 10.0, "resolved": 1.0}
    # readers outside the app reach the packed bytes through the relation
    (blob,) = Response.objects.filter(pk=r.pk).values_list("numeric__data", flat=True)
    assert bytes(blob) == bytes(stored.data)


def _oracle(paths, start, end):
    """CSAT and NPS straight from the answers JSON of the included responses (no rollup, no packing)."""
    tz = timezone.get_default_timezone()
    out = {}
    for p in paths:
        csat, nps, n = [], [], 0
        for r in Response.objects.filter(included=True, org_unit__path__startswith=p).select_related(
            "version"
        ):
            day = timezone.localtime(r.submitted_at, tz).date()
            if not start <= day <= end:
                continue
            n += 1
            for q in domain.questions(r.version.definition):
                v = r.answers.get(q["code"])
                if v is None:
                    continue
                if q["type"] == "likert" and not q.get("dimension") and not q.get("attention"):
                    csat.append(v >= (q.get("scale_points") or 5) - 1)
                if q["type"] == "nps":
                    nps.append(1 if v >= 9 else -1 if v <= 6 else 0)
        out[p] = {
            "csat": 100 * sum(csat) / len(csat) if csat else None,
            "nps": 100 * sum(nps) / len(nps) if nps else None,
            "n": n,
        }
    return out


def _same(got, want):
    assert got.keys() == want.keys()
    for p in want:
        assert got[p]["n"] == want[p]["n"], p
        for key in ("csat", "nps"):
            if want[p][key] is None:
                assert got[p][key] is None, (p, key)
            else:
                assert got[p][key] == pytest.approx(want[p][key], abs=1e-9), (p, key)


WJX = """序号,提交答卷时间,所用时间,来源,来自IP,1、您对本次服务的满意程度,2、您有多大可能向亲友推荐我们？,3、您的问题是否已解决？,4、还有什么想告诉我们的？
1,{d1},125秒,手机提交,1.2.3.4,非常满意,9,已解决,
2,{d1},2分5秒,微信,5.6.7.8,2,3,1,
3,{d2},60秒,链接,9.9.9.9,4,7,未解决,等了很久
"""


def test_rollup_follows_submissions_imports_cleaning_and_decisions(org, campaign, campaign_b):
    now = timezone.now()
    rng = np.random.default_rng(7)
    for i in range(40):
        c = campaign if i % 3 else campaign_b
        unit = (org.team_a if i % 2 else org.branch_a) if c is campaign else org.branch_b
        services.submit_response(
            campaign=c,
            raw={"csat": [str(rng.integers(1, 6))], "nps": [str(rng.integers(0, 11))], "resolved": ["1"]},
            org_unit=unit,
            submitted_at=now - timedelta(days=int(i % 9)),
        )
    d1 = (now - timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S")
    d2 = (now - timedelta(days=20)).strftime("%Y-%m-%d %H:%M:%S")
    report = import_responses(
        actor=org.quality, campaign=campaign, raw=WJX.format(d1=d1, d2=d2).encode("gbk"), filename="w.csv"
    )
    assert report.ok, report.errors
    today = timezone.localtime(now, timezone.get_default_timezone()).date()
    paths = [org.hq.path, org.branch_a.path, org.team_a.path, org.branch_b.path]
    for start, end in (
        (today - timedelta(days=30), today),
        (today - timedelta(days=4), today - timedelta(days=1)),
    ):
        _same(selectors.csat_nps_by_unit(paths, start, end), _oracle(paths, start, end))

    # an analyst excludes two responses and includes one back: the cells follow
    a, b = Response.objects.filter(campaign=campaign, included=True)[:2]
    services.decide(actor=org.quality, response=a, decision="exclude", reason="test")
    services.decide(actor=org.quality, response=b, decision="exclude", reason="test")
    services.decide(actor=org.quality, response=b, decision="", reason="")
    window = (today - timedelta(days=30), today)
    _same(selectors.csat_nps_by_unit(paths, *window), _oracle(paths, *window))
    # cleaning (the 60-second import is a speeder here) recomputes, and a full rebuild agrees
    services.clean_campaign(campaign=campaign, config={"speed_fraction": 0.6})
    assert Response.objects.filter(campaign=campaign, included=False, override="").exists()
    _same(selectors.csat_nps_by_unit(paths, *window), _oracle(paths, *window))
    before = sorted(
        SurveyDayRollup.objects.values_list("campaign_id", "org_unit_id", "day", "responses", "nps_n")
    )
    SurveyDayRollup.objects.all().delete()
    assert services.rebuild_rollup() > 0
    after = sorted(
        SurveyDayRollup.objects.values_list("campaign_id", "org_unit_id", "day", "responses", "nps_n")
    )
    assert after == before
    # no data / no paths
    assert selectors.csat_nps_by_unit([], *window) == {}
    empty = selectors.csat_nps_by_unit([org.hq.path], today + timedelta(days=1), today + timedelta(days=2))
    assert empty == {org.hq.path: {"csat": None, "nps": None, "n": 0}}


def test_results_and_analysis_templates_have_no_inline_script(org, campaign, client_for):
    """Strict back-office CSP: the two pages carry their data in json_script blocks and their code in
    static files."""
    import re
    from pathlib import Path

    import sqms.surveys

    folder = Path(sqms.surveys.__file__).parent / "templates" / "surveys"
    for name in ("analysis.html", "results.html"):
        text = (folder / name).read_text(encoding="utf-8")
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", text) == [], name
    services.submit_response(campaign=campaign, raw={"csat": ["4"], "nps": ["10"], "resolved": ["1"]})
    client = client_for(org.quality)
    page = client.get(f"/surveys/campaigns/{campaign.pk}/results/").content.decode()
    assert 'id="by-day-data" type="application/json"' in page and "surveys/results.js" in page
    page = client.get(f"/surveys/campaigns/{campaign.pk}/analysis/").content.decode()
    assert 'id="analysis-charts" type="application/json"' in page and "surveys/analysis.js" in page


def test_public_post_limits_and_cached_wording(org, campaign, client, settings):
    """Stored submissions are limited per address by counting responses (no cache writes); refused posts
    count against the platform's survey-page limit; the cached version wording follows a re-publish."""
    settings.SQMS_RATE_LIMITS = "survey-page=2/600"
    url = f"/s/{campaign.slug}/"
    for _i in range(3):  # valid posts do not touch the platform limiter
        assert client.post(url, {"csat": "5", "nps": "9", "resolved": "1"}).status_code == 302
    assert client.post(url, {"csat": "9"}).status_code == 400
    assert client.post(url, {"csat": "9"}).status_code == 400
    assert client.post(url, {"csat": "9"}).status_code == 429
    assert Response.objects.count() == 3
    assert services.recent_responses(campaign=campaign, ip="127.0.0.1", seconds=600) == 3
    assert services.recent_responses(campaign=campaign, ip="10.0.0.1", seconds=600) == 0


def test_cached_version_wording_follows_a_republish(org, csat, client):
    from sqms.surveys.models import Campaign, Question

    campaign = services.create_campaign(
        actor=org.quality, survey=csat, code="C-W", name="wording", org_unit=org.branch_a
    )
    url = f"/s/{campaign.slug}/"
    assert "您对本次服务的满意程度" in client.get(url).content.decode()
    q = Question.objects.get(survey=csat, code="csat")
    services.update_question(actor=org.quality, question=q, changes={"text": "本次服务您满意吗"})
    version = services.publish_survey(actor=org.quality, survey=csat)
    assert version.pk == Campaign.objects.get(pk=campaign.pk).version_id  # updated in place (no responses)
    page = client.get(url).content.decode()
    assert "本次服务您满意吗" in page and "您对本次服务的满意程度" not in page
