import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from sqms.core.models import AuditEntry
from sqms.evaluation import domain
from sqms.evaluation.models import Indicator, ManualScore, Result, Scheme
from sqms.kpi import services as kpi_services
from sqms_testing import fresh


def row(ext, unit, rating=4, handling=3600):
    """One service record of 2026-10-01 09:00: response 60 s, handling as given, promise 2 h."""
    return {
        "external_id": ext,
        "unit": unit,
        "service_type": "repair",
        "channel": "phone",
        "requested_at": "2026-10-01T09:00:00",
        "first_response_at": "2026-10-01T09:01:00",
        "completed_at": (dt.datetime(2026, 10, 1, 9) + dt.timedelta(seconds=handling)).isoformat(),
        "promised_at": "2026-10-01T11:00:00",
        "first_contact_resolution": True,
        "rating": rating,
    }


INCONSISTENT = [[1, 5, 1 / 5, 3], [1 / 5, 1, 7, 1 / 3], [5, 1 / 7, 1, 5], [1 / 3, 3, 1 / 5, 1]]


def test_scoring_functions():
    assert domain.score_linear(75, 50, 100) == 50
    assert domain.score_linear(75, 50, 100, "lower") == 50
    assert domain.score_linear(120, 50, 100) == 100
    assert domain.score_likert(1) == 0 and domain.score_likert(4) == 75 and domain.score_likert(5) == 100
    assert domain.score_ratio(0.93) == pytest.approx(93)
    table = [[1, 100], [3, 90], [5, 80]]
    assert domain.score_threshold(2.5, table, "lower") == 90
    assert domain.score_threshold(9, table, "lower") == 0
    assert domain.score_threshold(4, [[90, 100], [80, 80], [0, 40]], "higher") == 40
    assert domain.grade(89.99, Scheme().grades) == "良好"
    assert domain.grade(90, Scheme().grades) == "优秀"
    assert domain.grade(59.9, Scheme().grades) == "不合格"
    assert domain.rank({"a": 80, "b": 90, "c": 80, "d": None}) == {"a": 2, "b": 1, "c": 2, "d": None}


def seed(org):
    rows = [row(f"A{i}", unit="BA-T", rating=4) for i in range(10)]
    rows += [row(f"B{i}", unit="BB-T", rating=5, handling=9000) for i in range(10)]
    kpi_services.ingest(actor=org.admin, rows=rows)
    scheme = Scheme.objects.get(code="default")
    for code, value in (("knowledge", 5), ("skills", 4), ("attitude", 3)):
        ManualScore.objects.create(
            indicator=Indicator.objects.get(scheme=scheme, code=code),
            org_unit=org.team_a,
            period="2026-10",
            value=value,
            evidence="mystery shopping report",
        )


def evaluate_json(*args):
    out = io.StringIO()
    call_command(
        "evaluate", "--scheme", "default", "--period", "2026-10", "--format", "json", *args, stdout=out
    )
    return json.loads(out.getvalue())


def test_hand_checked_composite(org):
    """Team A: satisfaction = Likert(4) = 75; reliability = 10/10 on time = 100; responsiveness: mean
    response 1 min → 100, P90 1.9 min → 100; assurance = mean(100, 75, 50) = 75.
    0.4 × 75 + 0.3 × 100 + 0.2 × 100 + 0.1 × 75 = 87.5 → 良好.
    Team B: no manual scores, so assurance drops out and 0.4 × 100 + 0.3 × 0 + 0.2 × 100 = 60 over
    0.9 of the weight = 66.67 → 合格."""
    seed(org)
    data = evaluate_json("--unit", "R1")
    assert set(data) == {"scheme", "period", "results"} and data["scheme"] == "default"
    by_unit = {r["unit"]: r for r in data["results"]}
    a, b = by_unit["BA-T"], by_unit["BB-T"]
    assert set(a) == {"unit", "unit_name", "score", "grade", "rank", "indicators"}
    assert a["score"] == pytest.approx(87.5)
    assert a["grade"] == "良好" and a["rank"] == 1
    scores = {i["code"]: i["score"] for i in a["indicators"]}
    assert scores == {
        "satisfaction": 75.0,
        "satisfaction_rating": 75.0,
        "reliability": 100.0,
        "on_time": 100.0,
        "responsiveness": 100.0,
        "response_time": 100.0,
        "waiting_time": 100.0,
        "assurance": 75.0,
        "knowledge": 100.0,
        "skills": 75.0,
        "attitude": 50.0,
    }
    assert set(a["indicators"][0]) == {"code", "name", "weight", "score"}
    assert b["score"] == pytest.approx(66.67) and b["grade"] == "合格" and b["rank"] == 2
    # the region: satisfaction Likert(4.5) = 87.5, 10/20 on time, the manual scores of team A
    r1 = by_unit["R1"]
    assert r1["score"] == pytest.approx(0.4 * 87.5 + 0.3 * 50 + 0.2 * 100 + 0.1 * 75)


def test_cli_table_and_xlsx(org, tmp_path):
    seed(org)
    out = io.StringIO()
    call_command("evaluate", "--scheme", "default", "--period", "2026-10", stdout=out)
    assert "87.50" in out.getvalue()
    path = tmp_path / "e.xlsx"
    call_command(
        "evaluate", "--scheme", "default", "--period", "2026-10", "--format", "xlsx", "--output", str(path),
        stdout=io.StringIO(),
    )  # fmt: skip
    ws = load_workbook(path).active
    rows = list(ws.iter_rows(values_only=True))
    assert any(r[0] == "BA-T" and r[2] == pytest.approx(87.5) for r in rows[1:])
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--period"):
        call_command("evaluate", "--scheme", "default", "--period", "2026-13", stdout=io.StringIO())
    with pytest.raises(CommandError, match="--scheme"):
        call_command("evaluate", "--scheme", "nope", "--period", "2026-10", stdout=io.StringIO())


def test_ahp_rejects_inconsistent_judgements_and_saves_consistent(org, api_for):
    api = api_for(fresh(org.quality))
    url = "/api/v1/evaluation-schemes/default/ahp"
    before = dict(Indicator.objects.filter(parent__isnull=True).values_list("code", "weight"))
    r = api.post(url, data={"matrix": INCONSISTENT}, content_type="application/json")
    assert r.status_code == 422, r.content
    err = r.json()["error"]
    assert "CR" in err["message"] and err["fields"]["matrix"]
    assert dict(Indicator.objects.filter(parent__isnull=True).values_list("code", "weight")) == before
    consistent = [[1, 4 / 3, 2, 4], [3 / 4, 1, 1.5, 3], [1 / 2, 2 / 3, 1, 2], [1 / 4, 1 / 3, 1 / 2, 1]]
    r = api.post(url, data={"matrix": consistent}, content_type="application/json")
    assert r.status_code == 200, r.content
    weights = dict(Indicator.objects.filter(parent__isnull=True).values_list("code", "weight"))
    assert weights["satisfaction"] == pytest.approx(0.4, abs=1e-6)
    assert weights["assurance"] == pytest.approx(0.1, abs=1e-6)
    assert AuditEntry.objects.filter(verb="weights ahp").exists()
    r = api.post(url, data={"matrix": [[1, 2], [0.5, 1]]}, content_type="application/json")
    assert r.status_code == 422 and "matrix" in r.json()["error"]["fields"]
    assert (
        api_for(fresh(org.manager_a))
        .post(url, data={"matrix": consistent}, content_type="application/json")
        .status_code
        == 403
    )


def test_manual_and_entropy_weights(org, api_for):
    seed(org)
    api = api_for(fresh(org.quality))
    url = "/api/v1/evaluation-schemes/default/weights"
    r = api.post(url, data={"parent": "responsiveness", "weights": {"response_time": 3, "waiting_time": 1}},
                 content_type="application/json")  # fmt: skip
    assert r.status_code == 200 and r.json() == {"response_time": 0.75, "waiting_time": 0.25}
    r = api.post(url, data={"weights": {"satisfaction": 1}}, content_type="application/json")
    assert r.status_code == 422 and "reliability" in r.json()["error"]["fields"]
    r = api.post(url, data={"method": "entropy", "period": "2026-10"}, content_type="application/json")
    assert r.status_code == 200, r.content
    assert sum(r.json().values()) == pytest.approx(1.0)


def test_run_api_stores_results_and_scopes(org, api_for):
    seed(org)
    api = api_for(fresh(org.quality))
    r = api.post(
        "/api/v1/evaluations",
        data={"scheme": "default", "period": "2026-10"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert Result.objects.get(org_unit=org.team_a, period="2026-10").score == pytest.approx(87.5)
    r = api.post(
        "/api/v1/evaluations",
        data={"scheme": "default", "period": "10/2026"},
        content_type="application/json",
    )
    assert r.status_code == 422 and "period" in r.json()["error"]["fields"]
    mgr = api_for(fresh(org.manager_a))
    assert mgr.get("/api/v1/evaluations?scheme=default&period=2026-10&unit=BB").status_code == 404
    units = {
        x["unit"] for x in mgr.get("/api/v1/evaluations?scheme=default&period=2026-10").json()["results"]
    }
    assert units == {"BA", "BA-T"}


def test_pages(org, client_for):
    seed(org)
    c = client_for(fresh(org.quality))
    r = c.get("/evaluation/default/2026-10/?unit=R1&focus=BA-T")
    assert r.status_code == 200 and "87.5" in r.content.decode()
    r = c.get("/evaluation/default/2026-10/?unit=R1&format=xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")
    data = {f"a-{i}-{j}": str(INCONSISTENT[i][j]) for i in range(4) for j in range(i + 1, 4)}
    r = c.post("/evaluation/default/weights/", data)
    assert r.status_code == 422 and "ahp-errors" in r.content.decode()
    r = c.post("/evaluation/", {"scheme": "default", "period": "2026-10", "unit": "R1"})
    assert r.status_code == 302 and Result.objects.filter(period="2026-10").count() == 5
    r = c.get("/evaluation/dashboard/?unit=R1&period=2026-10")
    body = r.content.decode()
    assert r.status_code == 200 and "?unit=BA&period=2026-10" in body and "kpi-tiles" in body
    assert client_for(fresh(org.manager_a)).get("/evaluation/dashboard/?unit=BB").status_code == 404
