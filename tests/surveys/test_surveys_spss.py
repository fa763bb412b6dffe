"""SPSS .sav export: variable labels, value labels (the Likert labels), user-missing values — read back
with pyreadstat (the round trip), through the page and the API, scoped and in the user's language."""

from __future__ import annotations

import math
import tempfile
from typing import Any

import pyreadstat
import pytest

from sqms.surveys import services

pytestmark = pytest.mark.django_db


def _read(content: bytes) -> tuple[Any, Any]:
    with tempfile.NamedTemporaryFile(suffix=".sav") as fh:
        fh.write(content)
        fh.flush()
        df, meta = pyreadstat.read_sav(fh.name, user_missing=True)
        plain, _ = pyreadstat.read_sav(fh.name)  # user-missing codes become NaN
    return (df, plain), meta


@pytest.fixture
def sav_campaign(org: Any) -> Any:
    survey = services.create_from_template(actor=org.quality, template="csat", code="SAV1")
    services.add_question(
        actor=org.quality,
        survey=survey,
        code="channels",
        type="multiple",
        text="您通过哪些渠道办理业务？",
        text_en="Which channels did you use?",
        required=False,
        options=[
            {"value": 1, "label": "营业厅", "label_en": "Service hall"},
            {"value": 2, "label": "网上国网", "label_en": "Online app"},
        ],
    )
    services.add_question(
        actor=org.quality,
        survey=survey,
        code="m",
        type="matrix",
        text="请评价以下方面",
        text_en="Rate the following",
        required=False,
        rows=[{"code": "wait", "text": "等待时间", "text_en": "Waiting time"}],
    )
    campaign = services.create_campaign(
        actor=org.quality, survey=survey, code="SAV-C", name="SAV", org_unit=org.branch_a
    )
    services.submit_response(
        campaign=campaign,
        raw={
            "csat": ["5"],
            "nps": ["9"],
            "resolved": ["1"],
            "channels": ["1", "2"],
            "m_wait": ["4"],
            "comment": ["很好"],
        },
    )
    services.submit_response(campaign=campaign, raw={"csat": ["2"], "nps": ["3"], "resolved": ["0"]})
    return campaign


def test_sav_round_trip_labels_and_missing(org, sav_campaign, client_for):
    c = client_for(org.quality)
    r = c.get(f"/surveys/campaigns/{sav_campaign.pk}/export/?format=sav&data=raw")
    assert r.status_code == 200 and r["Content-Type"] == "application/x-spss-sav"
    assert r["Content-Disposition"].endswith('.sav"')
    (df, plain), meta = _read(r.content)
    assert len(df) == 2
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    q = {q.code: q for q in sav_campaign.survey.questions.all()}
    assert labels["csat"] == q["csat"].text  # variable label = the wording (zh-hans, the default)
    assert labels["m_wait"] == "请评价以下方面: 等待时间"
    assert labels["channels_2"] == "您通过哪些渠道办理业务？: 网上国网"
    # value labels: the Likert labels of the 5-point scale, and "No answer" for the missing code
    vl = meta.variable_value_labels["csat"]
    assert vl[1.0] == "非常不满意" and vl[5.0] == "非常满意" and -1.0 in vl
    # user-missing values declared and applied
    assert meta.missing_ranges["m_wait"] == [{"lo": -1.0, "hi": -1.0}]
    first, second = df.sort_values("response_id").to_dict("records")
    assert (
        first["csat"] == 5 and first["channels_1"] == 1 and first["channels_2"] == 1 and first["m_wait"] == 4
    )
    assert second["m_wait"] == -1 and second["channels_1"] == -1  # unanswered, kept as the declared code
    p_second = plain.sort_values("response_id").to_dict("records")[1]
    assert math.isnan(p_second["m_wait"]) and math.isnan(
        p_second["channels_1"]
    )  # …which SPSS treats as missing
    assert first["comment"] == "很好" and second["comment"] == ""
    assert meta.variable_measure["csat"] == "ordinal" and meta.variable_measure["resolved"] == "nominal"
    assert meta.variable_value_labels["included"] == {0.0: "否", 1.0: "是"}


def test_sav_in_english_via_api_and_scoped(org, sav_campaign, api_for):
    api = api_for(org.quality)
    r = api.get("/api/v1/survey-campaigns/SAV-C/export?format=sav&data=raw", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200
    (df, _plain), meta = _read(r.content)
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["channels_1"] == "Which channels did you use?: Service hall"
    assert meta.variable_value_labels["csat"][5.0] != "非常满意"
    assert api_for(org.manager_b).get("/api/v1/survey-campaigns/SAV-C/export?format=sav").status_code == 404
