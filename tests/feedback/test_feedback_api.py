"""API: create with Idempotency-Key, transitions, conflicts, scoping (404), read-only roles, error shape."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def post(client: Any, url: str, data: dict[str, Any], **headers: Any) -> Any:
    return client.post(url, json.dumps(data), content_type="application/json", headers=headers)


def test_create_with_idempotency_key(org: Any, api_for: Any) -> None:
    api = api_for(org.manager_a)
    body = {"title": "停电投诉", "org_unit": "BA-T", "kind": "complaint"}
    r1 = post(api, "/api/v1/feedback", body, **{"Idempotency-Key": "abc"})
    assert r1.status_code == 201, r1.content
    r2 = post(api, "/api/v1/feedback", body, **{"Idempotency-Key": "abc"})
    assert r2.status_code == 200
    assert r1.json()["number"] == r2.json()["number"]
    r3 = post(api, "/api/v1/feedback", body)
    assert r3.json()["number"] != r1.json()["number"]


def test_transitions_conflict_and_error_shape(org: Any, api_for: Any, make_ticket: Any) -> None:
    t = make_ticket()
    api = api_for(org.agent_a)
    url = f"/api/v1/feedback/{t.number}/transitions"
    r = post(api, url, {"action": "accept", "version": 1})
    assert r.status_code == 200 and r.json()["status"] == "accepted" and r.json()["version"] == 2
    r = post(api, url, {"action": "resolve", "version": 1})
    assert r.status_code == 409
    err = r.json()["error"]
    assert err["code"] == "conflict" and t.number in err["message"]
    r = post(api, url, {"action": "confirm", "version": 2})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "illegal_transition"
    assert "action" in r.json()["error"]["fields"]
    r = post(api, url, {"version": 2})
    assert r.status_code == 422 and "action" in r.json()["error"]["fields"]


def test_scoping_404_and_readonly_executive(org: Any, api_for: Any, make_ticket: Any) -> None:
    t = make_ticket()
    r = api_for(org.manager_b).get(f"/api/v1/feedback/{t.number}")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = post(api_for(org.manager_b), f"/api/v1/feedback/{t.number}/transitions", {"action": "accept"})
    assert r.status_code == 404
    numbers = [x["number"] for x in api_for(org.manager_b).get("/api/v1/feedback").json()["items"]]
    assert t.number not in numbers
    ex = api_for(org.executive)
    assert ex.get(f"/api/v1/feedback/{t.number}").status_code == 200
    r = post(ex, f"/api/v1/feedback/{t.number}/transitions", {"action": "accept"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    r = post(ex, "/api/v1/feedback", {"title": "x", "org_unit": "BA-T"})
    assert r.status_code == 403


def test_events_and_sla_endpoint(org: Any, api_for: Any, make_ticket: Any) -> None:
    t = make_ticket()
    api = api_for(org.agent_a)
    r = post(api, f"/api/v1/feedback/{t.number}/events", {"body": "已联系客户", "public": True})
    assert r.status_code == 201
    events = api.get(f"/api/v1/feedback/{t.number}/events").json()
    assert [e["kind"] for e in events] == ["created", "reply"]
    sla = api.get(f"/api/v1/feedback/{t.number}/sla").json()
    states = {s["name"]: s["state"] for s in sla}
    assert states["first_response"] == "met"
    assert states["resolution"] == "running"
    assert states["confirmation"] == "pending"
    runs = {s["name"]: s["runs_for_seconds"] for s in sla}
    assert runs["first_response"] == 0 and runs["confirmation"] == 0  # met, pending: they stand still
    resolution = next(s for s in sla if s["name"] == "resolution")
    assert resolution["unit"] != "natural_days" and runs["resolution"] is not None  # business time ends
    assert 0 <= runs["resolution"] <= 86400  # at most to the end of today's working window


def test_bad_input_names_the_field(org: Any, api_for: Any) -> None:
    r = post(api_for(org.quality), "/api/v1/feedback", {"title": "x", "org_unit": "NOPE"})
    assert r.status_code == 422
    assert "org_unit" in r.json()["error"]["fields"]
    r = post(api_for(org.quality), "/api/v1/feedback", {"org_unit": "BA-T"})
    assert r.status_code == 422 and "title" in r.json()["error"]["fields"]


def test_calendar_deadline_and_policies(org: Any, api_for: Any) -> None:
    api = api_for(org.agent_a)
    r = api.get("/api/v1/calendars/CN/deadline", {"start": "2026-09-30T16:00:00+08:00", "business_hours": 4})
    assert r.status_code == 200, r.content
    assert r.json()["due"].startswith("2026-10-08T03:30:00")  # 11:30 Shanghai after the National Day holiday
    r = api.get("/api/v1/calendars/CN/deadline", {"start": "2026-09-30T16:00:00+08:00"})
    assert r.status_code == 422
    codes = {p["code"] for p in api.get("/api/v1/sla-policies").json()}
    assert {"DEFAULT", "BANK-COMPLAINT", "HCP-RECTIFY"} <= codes
    cal = api.get("/api/v1/calendars/CN", {"year": 2026}).json()
    assert "2026-10-01" in cal["holidays"] and 2026 in cal["covered_years"]


def test_calendar_year_out_of_range_is_a_field_error(org: Any, api_for: Any) -> None:
    api = api_for(org.agent_a)
    for url in ("/api/v1/calendars", "/api/v1/calendars/CN"):
        r = api.get(url, {"year": -94748})
        assert r.status_code == 422, (url, r.content)
        assert "year" in json.dumps(r.json()["error"])
        assert api.get(url, {"year": 2027}).status_code == 200


def test_rating_loop_via_api(org: Any, api_for: Any, make_ticket: Any) -> None:
    t = make_ticket()
    r = post(api_for(org.agent_a), "/api/v1/ratings", {"ticket": t.number, "score": 1, "reasons": "态度差"})
    assert r.status_code == 201
    rect_id = r.json()["rectification_id"]
    assert rect_id
    r = post(
        api_for(org.manager_a),
        f"/api/v1/rectifications/{rect_id}/verify",
        {"verdict": "malicious", "evidence": "监控录像"},
    )
    assert r.status_code == 200 and r.json()["status"] == "appealed"
    appeal = r.json()["appeal_id"]
    assert (
        post(
            api_for(org.manager_b),
            f"/api/v1/rectifications/{rect_id}/verify",
            {"verdict": "valid", "evidence": "x"},
        ).status_code
        == 404
    )
    r = post(api_for(org.quality), f"/api/v1/appeals/{appeal}/decide", {"upheld": True, "note": "录像证明"})
    assert r.status_code == 200 and r.json()["status"] == "upheld"
    ratings = api_for(org.quality).get("/api/v1/ratings").json()["items"]
    assert ratings[0]["excluded"] is True
