"""Manual scores (F3): an evaluator enters a score for a manual indicator × unit × month with evidence,
through the API and the score entry page; validated against the indicator's scale, scoped, audited, and
used by the evaluation (hand-checked EFQM composite)."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from sqms.core.models import AuditEntry
from sqms.evaluation import selectors
from sqms.evaluation.models import ManualScore
from sqms_testing import fresh

URL = "/api/v1/evaluation-manual-scores"
EFQM_SCORES = {
    "leadership": 80, "strategy": 70, "people": 60, "partnerships": 90, "processes": 50,
    "customer_results": 85, "people_results": 75, "society_results": 40, "business_results": 65,
}  # fmt: skip
EFQM_POINTS = {
    "leadership": 100, "strategy": 80, "people": 90, "partnerships": 90, "processes": 140,
    "customer_results": 200, "people_results": 90, "society_results": 60, "business_results": 150,
}  # fmt: skip


def body(**over):
    return {"scheme": "efqm", "indicator": "leadership", "unit": "BA-T", "period": "2026-10", "value": 80,
            "evidence": "self-assessment workshop minutes", "evaluator_kind": "internal"} | over  # fmt: skip


def post(api, data):
    return api.post(URL, data=data, content_type="application/json")


def test_api_entry_is_validated_audited_and_used_by_the_evaluation(org, api_for):
    api = api_for(fresh(org.quality))
    for code, value in EFQM_SCORES.items():
        r = post(api, body(indicator=code, value=value))
        assert r.status_code == 201, r.content
    out = r.json()
    assert out["unit"] == "BA-T" and out["scheme"] == "efqm" and out["entered_by"] == "quality"
    assert AuditEntry.objects.filter(verb="manual score").count() == 9
    # the composite is the 1000-point weighted mean, computed here by hand: 70.0
    expected = sum(EFQM_POINTS[c] * v for c, v in EFQM_SCORES.items()) / 1000
    assert expected == pytest.approx(70.0)
    r = api.get("/api/v1/evaluations", {"scheme": "efqm", "period": "2026-10", "unit": "BA-T"})
    (res,) = r.json()["results"]
    assert res["score"] == pytest.approx(expected) and res["grade"] == "合格"
    # entering again replaces the evaluator's own score (no duplicate), audited as an update
    r = post(api, body(value=100, evidence="revised after the review"))
    assert r.status_code == 201
    assert (
        ManualScore.objects.filter(indicator__code="leadership", indicator__scheme__code="efqm").count() == 1
    )
    assert ManualScore.objects.get(indicator__code="leadership").value == 100
    # the list: scoped, filtered
    r = api.get(URL, {"scheme": "efqm", "unit": "BA-T"})
    assert r.status_code == 200 and r.json()["count"] == 9


def test_a_second_evaluator_is_averaged(org, api_for):
    post(api_for(fresh(org.quality)), body(value=80))
    post(api_for(fresh(org.admin)), body(value=60, evaluator_kind="third_party"))
    r = api_for(fresh(org.quality)).get(
        "/api/v1/evaluations", {"scheme": "efqm", "period": "2026-10", "unit": "BA-T"}
    )
    (res,) = r.json()["results"]
    leadership = next(i for i in res["indicators"] if i["code"] == "leadership")
    assert leadership["score"] == pytest.approx(70)


@pytest.mark.parametrize(
    "over, field",
    [
        ({"value": 101}, "value"),
        ({"value": -1}, "value"),
        ({"evidence": "  "}, "evidence"),
        ({"period": "2026-13"}, "period"),
        ({"indicator": "enablers"}, "indicator"),  # not a manual indicator
        ({"indicator": "nope"}, "indicator"),
        ({"scheme": "nope"}, "scheme"),
        ({"evaluator_kind": "friend"}, "evaluator_kind"),
        ({"scheme": "default", "indicator": "knowledge", "value": 6}, "value"),  # Likert 1–5
        ({"scheme": "default", "indicator": "on_time", "value": 90}, "indicator"),  # a KPI indicator
    ],
)
def test_bad_input_is_refused_and_changes_nothing(org, api_for, over, field):
    r = post(api_for(fresh(org.quality)), body(**over))
    assert r.status_code == 422, r.content
    assert field in r.json()["error"]["fields"]
    assert not ManualScore.objects.exists()


def test_likert_scale_accepted_for_the_default_scheme(org, api_for):
    r = post(api_for(fresh(org.quality)), body(scheme="default", indicator="knowledge", value=4.5))
    assert r.status_code == 201, r.content


def test_scope_and_permission(org, api_for):
    manager = fresh(org.manager_b)
    assert post(api_for(manager), body()).status_code == 403  # unit managers may only read scores
    manager.user_permissions.add(Permission.objects.get(codename="add_manualscore"))
    manager = fresh(manager)
    assert post(api_for(manager), body()).status_code == 404  # team A is outside branch B
    assert post(api_for(manager), body(unit="BB-T")).status_code == 201
    post(api_for(fresh(org.quality)), body())
    r = api_for(fresh(org.manager_b)).get(URL)
    assert [s["unit"] for s in r.json()["items"]] == ["BB-T"]
    assert post(api_for(fresh(org.agent_a)), body()).status_code == 403


def test_score_entry_page_saves_all_or_nothing_with_a_file(org, client_for):
    client = client_for(fresh(org.quality))
    url = "/evaluation/manual-scores/enter/?scheme=efqm&unit=BA-T&period=2026-10"
    page = client.get(url)
    assert page.status_code == 200 and 'name="value-leadership"' in page.content.decode()
    form = {"scheme": "efqm", "unit": "BA-T", "period": "2026-10", "evaluator_kind": "panel",
            "value-leadership": "80", "evidence-leadership": "panel notes",
            "value-strategy": "170", "evidence-strategy": "x"}  # fmt: skip
    r = client.post(url, form)
    html = r.content.decode()
    assert r.status_code == 422 and 'id="score-errors"' in html and "170" in html
    assert not ManualScore.objects.exists()
    form["value-strategy"] = "70"
    form["file-leadership"] = SimpleUploadedFile("notes.txt", b"panel notes", content_type="text/plain")
    r = client.post(url, form)
    assert r.status_code == 302
    saved = {s.indicator.code: s for s in selectors.manual_scores(org.quality)}
    assert set(saved) == {"leadership", "strategy"}
    assert (
        saved["leadership"].attachment.name.endswith(".txt") and saved["leadership"].evaluator_kind == "panel"
    )
    bad = form | {"file-leadership": SimpleUploadedFile("virus.exe", b"MZ")}
    assert client.post(url, bad).status_code == 422
