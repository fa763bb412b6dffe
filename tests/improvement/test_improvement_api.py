"""API: nonconformity lifecycle, scoping (404), bad input (field errors), registers and exports."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from sqms.improvement import services
from sqms.improvement.models import Nonconformity

pytestmark = pytest.mark.django_db


def post(c, url, data):
    return c.post(url, json.dumps(data), content_type="application/json")


def test_nc_lifecycle_over_api(org, api_for):
    c = api_for(org.quality)
    r = post(
        c, "/api/v1/nonconformities", {"title": "Queue too long", "org_unit": "BA-T", "severity": "major"}
    )
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    r = post(
        c,
        "/api/v1/nonconformities",
        {"source": "inspection", "source_ref": "i:1", "title": "t", "org_unit": "BA-T"},
    )
    assert r.status_code == 201
    r = post(
        c,
        "/api/v1/nonconformities",
        {"source": "inspection", "source_ref": "i:1", "title": "t", "org_unit": "BA-T"},
    )
    assert r.status_code == 200
    r = post(
        c, f"/api/v1/nonconformities/{number}/analysis", {"whys": ["a", "b", "c"], "fishbone": {"man": ["x"]}}
    )
    assert r.status_code == 200 and r.json()["root_cause"] == "c" and r.json()["status"] == "analysing"
    r = post(
        c,
        f"/api/v1/nonconformities/{number}/actions",
        {"description": "fix", "owner": "agent_a", "due_date": "2026-02-01"},
    )
    assert r.status_code == 201
    action_id = r.json()["id"]
    r = c.post(f"/api/v1/nonconformities/{number}/close")
    assert r.status_code == 422
    assert set(r.json()["error"]["fields"]) == {"actions", "effectiveness"}
    r = post(c, f"/api/v1/capa/{action_id}/status", {"status": "done", "evidence": "photo"})
    assert r.status_code == 200 and r.json()["completed_on"]
    r = c.get(f"/api/v1/nonconformities/{number}")
    assert r.json()["actions"][0]["status"] == "done"
    assert c.get("/api/v1/nonconformities?severity=major").json()["count"] == 1
    assert c.get("/api/v1/capa").json()["count"] == 1


def test_api_bad_input_and_scope(org, api_for):
    c = api_for(org.quality)
    r = post(c, "/api/v1/nonconformities", {"title": "x", "org_unit": "NOPE"})
    assert r.status_code == 422 and "org_unit" in r.json()["error"]["fields"]
    r = post(c, "/api/v1/nonconformities", {"ticket": "T-404"})
    assert r.status_code == 422 and "ticket" in r.json()["error"]["fields"]
    nc = services.open_nonconformity(
        actor=org.quality, source="manual", source_ref="", org_unit=org.team_b, title="b"
    )
    r = post(
        c,
        f"/api/v1/nonconformities/{nc.number}/effectiveness-checks",
        {
            "kpi_code": "on_time_rate",
            "before_start": "2026-01-10",
            "before_end": "2026-01-01",
            "after_start": "2026-02-01",
            "after_end": "2026-02-10",
        },
    )
    assert r.status_code == 422 and "before_end" in r.json()["error"]["fields"]
    assert api_for(org.manager_a).get(f"/api/v1/nonconformities/{nc.number}").status_code == 404
    assert api_for(org.manager_b).get(f"/api/v1/nonconformities/{nc.number}").status_code == 200
    assert api_for(org.manager_a).get("/api/v1/nonconformities").json()["count"] == 0
    assert Nonconformity.objects.count() == 1


def test_suggestion_pdca_and_review_over_api(org, api_for):
    agent, quality = api_for(org.agent_a), api_for(org.quality)
    r = post(
        agent,
        "/api/v1/suggestions",
        {"title": "Self-service kiosk", "description": "Add one", "org_unit": "BA-T"},
    )
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    r = post(
        quality, f"/api/v1/suggestions/{number}/evaluate", {"feasibility": 9, "benefit": 4, "adopt": True}
    )
    assert r.status_code == 422 and "feasibility" in r.json()["error"]["fields"]
    r = post(
        quality, f"/api/v1/suggestions/{number}/evaluate", {"feasibility": 4, "benefit": 5, "adopt": True}
    )
    assert r.status_code == 200 and r.json()["status"] == "pilot" and r.json()["pilot"]
    r = post(quality, f"/api/v1/suggestions/{number}/reward", {"points": 50, "reason": "adopted"})
    assert r.json()["reward_points"] == 50
    project = quality.get(f"/api/v1/improvement-projects/{r.json()['pilot']}").json()
    assert project["is_pilot"] and project["stage"] == "plan"
    r = post(quality, f"/api/v1/improvement-projects/{project['number']}/gate", {"approved": True})
    assert r.status_code == 422 and {"kpi_code", "root_causes"} <= set(r.json()["error"]["fields"])
    r = post(
        quality,
        "/api/v1/management-reviews",
        {
            "title": "2026 年度管理评审",
            "org_unit": "HQ",
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "meeting_date": "2026-12-20",
        },
    )
    assert r.status_code == 201, r.content
    review = r.json()
    assert review["inputs"]["nonconformities"] is not None and review["inputs"]["kpi"] is not None
    r = quality.get(f"/api/v1/management-reviews/{review['id']}/minutes.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    r = quality.get("/api/v1/exports/nonconformities?format=xlsx")
    assert r.status_code == 200, r.content[:200]


def test_list_endpoints_are_scoped(org, api_for):
    services.submit_suggestion(actor=org.agent_b, title="B idea", description="d", org_unit=org.team_b)
    assert api_for(org.manager_a).get("/api/v1/suggestions").json()["count"] == 0
    assert api_for(org.quality).get("/api/v1/suggestions").json()["count"] == 1
    assert api_for(org.manager_a).get("/api/v1/good-practices").status_code == 200
    assert dt.date.today()
