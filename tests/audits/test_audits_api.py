"""The API of inspections and audits: create, answer, complete, scope (404), clear field errors, exports."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def post(client: Any, url: str, body: Any) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_inspection_journey_over_api(org: Any, api_for: Any) -> None:
    q = api_for(org.quality)
    r = post(
        q,
        "/api/v1/checklist-templates",
        {
            "code": "T1",
            "name": "现场检查",
            "items": [
                {"text": "环境整洁", "weight": 1},
                {"text": "消防设施", "weight": 2, "critical": True},
                {"text": "服务用语", "scoring": "points", "max_points": 4, "weight": 1},
            ],
        },
    )
    assert r.status_code == 201, r.content
    t = r.json()
    ids = [i["id"] for i in t["items"]]
    m = api_for(org.manager_a)
    r = post(m, "/api/v1/inspections", {"template_id": t["id"], "org_unit": "BA-T"})
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    # bad input: clear error naming the field, nothing changed
    r = post(
        m,
        f"/api/v1/inspections/{number}/results",
        [{"item_id": ids[0], "outcome": "pass"}, {"item_id": ids[2], "points": 9}],
    )
    assert r.status_code == 422 and "points" in r.json()["error"]["fields"]
    assert all(x["outcome"] == "" for x in m.get(f"/api/v1/inspections/{number}").json()["results"])
    r = post(
        m,
        f"/api/v1/inspections/{number}/results",
        [
            {"item_id": ids[0], "outcome": "pass"},
            {"item_id": ids[1], "outcome": "fail", "note": "灭火器过期"},
            {"item_id": ids[2], "points": 2},
        ],
    )
    assert r.status_code == 200, r.content
    r = post(m, f"/api/v1/inspections/{number}/complete", {})
    body = r.json()
    # (1 + 0 + 1*2/4) / 4 = 37.5 %
    assert body["score"] == "37.50" or float(body["score"]) == 37.5
    assert body["passed"] is False and body["critical_failed"] is True
    # manager B gets 404 for an inspection outside his units
    assert api_for(org.manager_b).get(f"/api/v1/inspections/{number}").status_code == 404
    assert api_for(org.manager_b).get("/api/v1/inspections").json()["count"] == 0
    scores = q.get("/api/v1/inspection-scores").json()
    assert scores[0]["code"] == "BA-T" and scores[0]["mean_score"] == 37.5


def test_resources_api_and_unknown_unit(org: Any, api_for: Any) -> None:
    m = api_for(org.manager_a)
    r = post(
        m,
        "/api/v1/resources",
        {"code": "W1", "name": "1号窗口", "kind": "service_window", "org_unit": "BA-T"},
    )
    assert r.status_code == 201, r.content
    r = post(
        m, "/api/v1/resources", {"code": "W2", "name": "x", "kind": "service_window", "org_unit": "BB-T"}
    )
    assert r.status_code == 422 and "org_unit" in r.json()["error"]["fields"]
    r = m.patch(
        "/api/v1/resources/W1", data=json.dumps({"status": "out_of_service"}), content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["status"] == "out_of_service"
    assert (
        api_for(org.manager_b)
        .patch(
            "/api/v1/resources/W1", data=json.dumps({"status": "retired"}), content_type="application/json"
        )
        .status_code
        == 404
    )


def test_audit_plan_api(org: Any, api_for: Any) -> None:
    q = api_for(org.quality)
    body = {
        "title": "内审",
        "objective": "符合性",
        "scope": "甲分公司",
        "criteria": ["iso9001_2015:8.5.1", "iso9001_2015:9.2"],
        "start_date": "2026-03-02",
        "end_date": "2026-03-03",
        "lead_auditor": "auditor",
        "auditee_units": ["BA"],
    }
    bad = post(q, "/api/v1/audit-plans", {**body, "lead_auditor": "agent_a"})  # agent A works in branch A
    assert bad.status_code == 422 and "team" in bad.json()["error"]["fields"]
    r = post(q, "/api/v1/audit-plans", body)
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    a = api_for(org.auditor)
    r = post(a, f"/api/v1/audit-plans/{number}/checklist", {})
    assert [x["clause"] for x in r.json()] == ["8.5.1", "9.2"]
    r = post(
        a,
        f"/api/v1/audit-plans/{number}/findings",
        {
            "clause": "9.2",
            "kind": "observation",
            "description": "内审记录不完整",
            "evidence": "抽查",
            "auditee_unit": "BA-T",
        },
    )
    assert r.status_code == 201, r.content
    r = post(
        a,
        f"/api/v1/audit-plans/{number}/findings",
        {
            "clause": "9.2",
            "kind": "bogus",
            "description": "x",
            "evidence": "y",
            "auditee_unit": "BA-T",
        },
    )
    assert r.status_code == 422 and "kind" in r.json()["error"]["fields"]
    pdf = a.get(f"/api/v1/audit-plans/{number}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert api_for(org.manager_b).get(f"/api/v1/audit-plans/{number}").status_code == 404
    assert api_for(org.manager_a).get(f"/api/v1/audit-plans/{number}").status_code == 200
    assert q.get("/api/v1/audit-clauses?standard=iso20000_1_2018").json()["count"] > 40


def test_exports(org: Any, api_for: Any) -> None:
    q = api_for(org.quality)
    for kind in (
        "inspections",
        "resources",
        "audit-plans",
        "audit-findings",
        "audit-certificates",
        "checklist-templates",
    ):
        r = q.get(f"/api/v1/exports/{kind}?format=xlsx")
        assert r.status_code == 200, (kind, r.content[:200])
