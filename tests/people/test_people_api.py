"""The /api/v1 endpoints of the people app: rules CRUD, periods, compute, ledger, approve, manual entry,
appeal, decide, leaderboard; error shape and scoping."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def post(client: Any, url: str, data: Any) -> Any:
    return client.post(url, data=json.dumps(data), content_type="application/json")


def test_rules_crud_and_bad_input_names_the_field(org: Any, api_for: Any) -> None:
    from sqms.core.models import AuditEntry
    from sqms.people.models import Rule

    q = api_for(org.quality)
    body = {
        "code": "CSAT-48",
        "name": "CSAT at least 4.8",
        "subject": "staff",
        "metric": "csat",
        "comparator": ">=",
        "threshold": "4.8",
        "points": 10,
        "valid_from": "2026-01-01",
    }
    r = post(q, "/api/v1/point-rules", body)
    assert r.status_code == 201, r.content
    rule = r.json()
    assert rule["summary"].endswith("→ +10")
    # "each" on a non-count metric, a once rule without condition: refused, nothing stored.
    bad = post(q, "/api/v1/point-rules", {**body, "code": "BAD", "mode": "each"})
    assert bad.status_code == 422 and "mode" in bad.json()["error"]["fields"]
    bad = post(q, "/api/v1/point-rules", {**body, "code": "BAD", "comparator": "", "threshold": None})
    assert bad.status_code == 422 and "comparator" in bad.json()["error"]["fields"]
    bad = post(q, "/api/v1/point-rules", {**body, "code": "BAD", "points": 0})
    assert "points" in bad.json()["error"]["fields"]
    assert not Rule.objects.filter(code="BAD").exists()
    r = q.patch(
        f"/api/v1/point-rules/{rule['id']}",
        data=json.dumps({"points": 12, "org_unit": "BA"}),
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["points"] == 12 and r.json()["org_unit"] == "BA"
    assert q.get("/api/v1/point-rules").json()["count"] == 1
    # The rule for branch A is visible to branch A's manager and agent, not to branch B's.
    assert api_for(org.manager_a).get(f"/api/v1/point-rules/{rule['id']}").status_code == 200
    assert api_for(org.manager_b).get(f"/api/v1/point-rules/{rule['id']}").status_code == 404
    # Only the quality team writes rules.
    assert post(api_for(org.manager_a), "/api/v1/point-rules", {**body, "code": "X"}).status_code == 403
    assert q.delete(f"/api/v1/point-rules/{rule['id']}").status_code == 204
    assert q.get("/api/v1/point-rules").json()["count"] == 0
    assert (
        AuditEntry.objects.filter(
            content_type__app_label="people",
            object_id=str(rule["id"]),
            action__in=["create", "update", "archive"],
        ).count()
        == 3
    )


def test_journey_over_the_api(scene: Any, api_for: Any) -> None:
    org = scene.org
    q, ma, mb, agent = (api_for(u) for u in (org.quality, org.manager_a, org.manager_b, org.agent_a))
    pid = scene.period.pk
    r = post(q, f"/api/v1/scorecard-periods/{pid}/compute", {})
    assert r.status_code == 200 and r.json()["created"] > 0
    again = post(q, f"/api/v1/scorecard-periods/{pid}/compute", {}).json()
    assert again["created"] == again["updated"] == again["removed"] == 0
    assert post(ma, f"/api/v1/scorecard-periods/{pid}/compute", {}).status_code == 403

    # Manual entry: the reason is mandatory.
    bad = post(q, "/api/v1/points", {"period": pid, "points": 5, "reason": "", "staff": "E-agent_a"})
    assert bad.status_code == 422 and "reason" in bad.json()["error"]["fields"]
    ok = post(
        q, "/api/v1/points", {"period": pid, "points": 5, "reason": "Night shift cover", "staff": "E-agent_a"}
    )
    assert ok.status_code == 201 and ok.json()["source"] == "manual"

    # Scoped ledger: manager B sees nothing of branch A; the agent only his own.
    a_ids = {e["id"] for e in ma.get(f"/api/v1/points?period={pid}&limit=200").json()["items"]}
    b_items = mb.get(f"/api/v1/points?period={pid}&limit=200").json()["items"]
    assert a_ids and not a_ids & {e["id"] for e in b_items}
    mine = agent.get(f"/api/v1/points?period={pid}").json()["items"]
    assert {e["staff"] for e in mine} == {"E-agent_a"}

    # Approval: manager B cannot approve branch A's entries (not found in his scope).
    r = post(mb, "/api/v1/points/approve", {"period": pid, "ids": sorted(a_ids)[:1]})
    assert r.status_code == 422 and "ids" in r.json()["error"]["fields"]
    r = post(ma, "/api/v1/points/approve", {"period": pid})
    assert r.status_code == 200 and r.json()["approved"] >= 2
    assert post(agent, "/api/v1/points/approve", {"period": pid}).status_code == 403

    # Appeal and decision.
    complaint = next(e for e in mine if e["rule"] == "COMPLAINT")
    r = post(agent, f"/api/v1/points/{complaint['id']}/appeal", {"reason": ""})
    assert r.status_code == 422 and "reason" in r.json()["error"]["fields"]
    r = post(agent, f"/api/v1/points/{complaint['id']}/appeal", {"reason": "Customer withdrew the complaint"})
    assert r.status_code == 201
    appeal_id = r.json()["id"]
    assert (
        post(api_for(org.agent_b), f"/api/v1/points/{complaint['id']}/appeal", {"reason": "x"}).status_code
        == 404
    )
    assert (
        post(mb, f"/api/v1/point-appeals/{appeal_id}/decide", {"accept": True, "decision": "ok"}).status_code
        == 404
    )
    r = post(ma, f"/api/v1/point-appeals/{appeal_id}/decide", {"accept": False, "decision": ""})
    assert r.status_code == 422 and "decision" in r.json()["error"]["fields"]
    r = post(
        ma, f"/api/v1/point-appeals/{appeal_id}/decide", {"accept": False, "decision": "Complaint stands"}
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert agent.get("/api/v1/point-appeals").json()["count"] == 1

    # Leaderboard: ties share a rank.
    board = q.get(f"/api/v1/scorecard-periods/{pid}/leaderboard").json()
    assert board[0]["rank"] == 1 and all(b["rank"] >= a["rank"] for a, b in itertools.pairwise(board))
    ranks = {}
    for row in board:
        ranks.setdefault(row["points"], set()).add(row["rank"])
    assert all(len(v) == 1 for v in ranks.values())
    units = q.get(f"/api/v1/scorecard-periods/{pid}/leaderboard?kind=unit").json()
    assert units[0]["points"] == 20
    assert q.get(f"/api/v1/scorecard-periods/{pid}/leaderboard?kind=nobody").status_code == 422
    cards = q.get(f"/api/v1/scorecard-periods/{pid}/scorecards?subject=staff&limit=100").json()
    card_a = next(c for c in cards["items"] if c["staff"] == "E-agent_a")
    assert card_a["metrics"]["valid_complaints"] == 1 and card_a["points"] == 0  # -5 + 5
    period = q.get(f"/api/v1/scorecard-periods/{pid}").json()
    assert period["label"] == "2026-10" and period["totals"]["pending"] > 0


def test_period_creation_and_duplicates(org: Any, api_for: Any) -> None:
    q = api_for(org.quality)
    r = post(q, "/api/v1/scorecard-periods", {"kind": "quarter", "day": "2026-11-20", "org_unit": "HQ"})
    assert r.status_code == 201 and (r.json()["start"], r.json()["end"]) == ("2026-10-01", "2026-12-31")
    dup = post(q, "/api/v1/scorecard-periods", {"kind": "quarter", "day": "2026-12-01", "org_unit": "HQ"})
    assert dup.status_code == 422 and "start" in dup.json()["error"]["fields"]
    bad = post(q, "/api/v1/scorecard-periods", {"kind": "week", "day": "2026-12-01", "org_unit": "HQ"})
    assert bad.status_code == 422 and "kind" in bad.json()["error"]["fields"]
    # The HQ period is visible to branch managers (it covers their units) but not creatable by them.
    assert api_for(org.manager_a).get("/api/v1/scorecard-periods").json()["count"] == 1
    r = post(
        api_for(org.manager_a),
        "/api/v1/scorecard-periods",
        {"kind": "month", "day": "2026-11-01", "org_unit": "BA"},
    )
    assert r.status_code == 403
