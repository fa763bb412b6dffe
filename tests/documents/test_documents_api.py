"""API: the whole lifecycle over HTTP, error shapes, scoping (404), read-only executive, training."""

from __future__ import annotations

import json
from typing import Any

from sqms.documents.models import Course, Signature
from sqms_testing import PASSWORD


def _post(client: Any, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(data), content_type="application/json")


def test_lifecycle_over_the_api(org: Any, api_for: Any) -> None:
    quality, manager, admin = api_for(org.quality), api_for(org.manager_a), api_for(org.admin)
    r = _post(
        quality,
        "/api/v1/documents",
        {"title": "质量手册", "doc_type": "quality_manual", "org_unit": "HQ", "distribution_units": ["BA-T"]},
    )
    assert r.status_code == 201, r.content
    doc = r.json()
    assert doc["number"] == "QM-001" and doc["distribution_units"] == ["BA-T"]
    r = _post(quality, f"/api/v1/documents/{doc['id']}/versions", {"text": "一、总则\n"})
    assert r.status_code == 201
    vid = r.json()["id"]
    r = _post(quality, f"/api/v1/document-versions/{vid}/transitions", {"action": "effective"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "illegal_transition"
    assert (
        _post(quality, f"/api/v1/document-versions/{vid}/transitions", {"action": "submit"}).status_code
        == 200
    )
    # manager A cannot see an HQ document at all
    r = _post(
        manager, f"/api/v1/document-versions/{vid}/signatures", {"password": PASSWORD, "meaning": "reviewed"}
    )
    assert r.status_code == 404
    r = _post(
        quality, f"/api/v1/document-versions/{vid}/signatures", {"password": "nope", "meaning": "reviewed"}
    )
    assert r.status_code == 422 and "password" in r.json()["error"]["fields"]
    assert not Signature.objects.exists()
    r = _post(
        quality, f"/api/v1/document-versions/{vid}/signatures", {"password": PASSWORD, "meaning": "reviewed"}
    )
    assert r.status_code == 201 and r.json()["meaning"] == "reviewed"
    r = _post(
        quality, f"/api/v1/document-versions/{vid}/signatures", {"password": PASSWORD, "meaning": "approved"}
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "self_approval"
    r = _post(
        admin, f"/api/v1/document-versions/{vid}/signatures", {"password": PASSWORD, "meaning": "approved"}
    )
    assert r.status_code == 201
    r = _post(admin, f"/api/v1/document-versions/{vid}/transitions", {"action": "effective"})
    assert r.status_code == 200 and r.json()["status"] == "effective"
    assert [s["meaning"] for s in r.json()["signatures"]] == ["reviewed", "approved"]
    r = api_for(org.agent_a).post(f"/api/v1/document-versions/{vid}/acknowledgements")
    assert r.status_code == 201
    r = quality.get(f"/api/v1/documents/{doc['id']}/acknowledgements")
    assert r.json()["acknowledged"] == ["E-agent_a"] and r.json()["percent"] == 100.0
    r = api_for(org.agent_b).post(f"/api/v1/document-versions/{vid}/acknowledgements")
    assert r.status_code == 404


def test_scoping_and_read_only_roles(org: Any, api_for: Any, make_doc: Any) -> None:
    doc = make_doc()  # branch A
    assert api_for(org.manager_b).get(f"/api/v1/documents/{doc.pk}").status_code == 404
    assert api_for(org.manager_a).get(f"/api/v1/documents/{doc.pk}").status_code == 200
    assert api_for(org.manager_b).get("/api/v1/documents").json()["count"] == 0
    ex = api_for(org.executive)
    assert ex.get(f"/api/v1/documents/{doc.pk}").status_code == 200
    r = _post(ex, f"/api/v1/documents/{doc.pk}/versions", {"text": "x"})
    assert r.status_code == 403
    r = _post(ex, "/api/v1/documents", {"title": "x", "doc_type": "form", "org_unit": "HQ"})
    assert r.status_code == 403


def test_bad_input_names_the_field(org: Any, api_for: Any) -> None:
    c = api_for(org.quality)
    r = _post(c, "/api/v1/documents", {"title": "x", "doc_type": "memo", "org_unit": "HQ"})
    assert r.status_code == 422 and "doc_type" in r.json()["error"]["fields"]
    r = _post(c, "/api/v1/documents", {"title": "x", "doc_type": "form", "org_unit": "NOPE"})
    assert r.status_code == 422 and "org_unit" in r.json()["error"]["fields"]
    r = _post(
        c,
        "/api/v1/documents",
        {"title": "x", "doc_type": "form", "org_unit": "HQ", "distribution_roles": ["boss"]},
    )
    assert r.status_code == 422 and "distribution_roles" in r.json()["error"]["fields"]


def test_training_endpoints(org: Any, api_for: Any, effective_doc: Any) -> None:
    q = api_for(org.quality)
    assert _post(q, "/api/v1/competencies", {"code": "K-COMM", "name": "沟通"}).status_code == 201
    r = _post(
        q,
        "/api/v1/courses",
        {
            "code": "C-CMP",
            "title": "投诉处理",
            "org_unit": "BA",
            "documents": [effective_doc.number],
            "competencies": ["K-COMM"],
            "pass_score": 80,
        },
    )
    assert r.status_code == 201 and r.json()["documents"] == [effective_doc.number]
    r = _post(
        q, "/api/v1/training-assignments", {"course": "C-CMP", "staff": "E-agent_a", "due_date": "2020-01-01"}
    )
    assert r.status_code == 201
    m = q.get("/api/v1/training-matrix").json()
    assert m["courses"] == ["C-CMP"] and m["rows"][0]["cells"] == ["overdue"] and m["overdue"] == 1
    r = _post(q, "/api/v1/training-sessions", {"course": "C-CMP", "org_unit": "BA", "held_on": "2026-03-01"})
    sid = r.json()["id"]
    r = _post(q, f"/api/v1/training-sessions/{sid}/attendance", {"staff": "E-agent_a", "score": 92})
    assert r.status_code == 200 and r.json()["passed"] is True
    assert q.get("/api/v1/training-matrix").json()["rows"][0]["cells"] == ["done"]
    certs = q.get("/api/v1/certificates").json()
    assert certs["count"] == 1 and certs["items"][0]["expires_on"] == "2028-03-01"
    r = _post(
        q,
        "/api/v1/competency-records",
        {"staff": "E-agent_a", "competency": "K-COMM", "level": 9, "assessed_on": "2026-03-01"},
    )
    assert r.status_code == 422 and "level" in r.json()["error"]["fields"]
    # agent A sees only his own training; agent B none of it; manager B gets 404 on the session
    assert api_for(org.agent_a).get("/api/v1/training-assignments").json()["count"] == 1
    assert api_for(org.agent_b).get("/api/v1/training-assignments").json()["count"] == 0
    r = _post(
        api_for(org.manager_b),
        f"/api/v1/training-sessions/{sid}/attendance",
        {"staff": "E-agent_b", "score": 92},
    )
    assert r.status_code == 404
    assert Course.objects.count() == 1


def test_exports(org: Any, api_for: Any, effective_doc: Any) -> None:
    q = api_for(org.quality)
    for kind in ("documents", "training", "certificates"):
        r = q.get(f"/api/v1/exports/{kind}?format=csv")
        assert r.status_code == 200, (kind, r.content[:200])
    assert effective_doc.number in q.get("/api/v1/exports/documents?format=csv").content.decode("utf-8-sig")


def test_diff_endpoint(org: Any, api_for: Any, effective_doc: Any) -> None:
    from sqms.documents import services

    v2 = services.add_version(
        actor=org.quality, document=effective_doc, text="第一条 受理\n第二条 处理并回访\n"
    )
    r = api_for(org.quality).get(
        f"/api/v1/document-versions/{v2.pk}/diff?against={effective_doc.current_version_id}"
    )
    assert r.status_code == 200
    assert "+第二条 处理并回访" in r.json()["unified"] and "-第二条 处理" in r.json()["unified"]
