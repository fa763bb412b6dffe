"""Organisation API: scoping, read-only executives, masking, audit, the error shape."""

from __future__ import annotations

import json

import pytest

from sqms.core.models import AuditEntry
from sqms.org.models import Customer
from sqms.org.services import create_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers(org):
    a = create_customer(
        actor=org.admin, name="张三", phone="13812345678", email="zs@example.com", org_unit=org.branch_a
    )
    b = create_customer(actor=org.admin, name="李四", phone="13987654321", org_unit=org.branch_b)
    return a, b


def test_manager_sees_only_his_branch(org, api_for, customers):
    a, b = customers
    api = api_for(org.manager_a)
    listed = api.get("/api/v1/customers").json()
    assert [c["name"] for c in listed["items"]] == ["张三"]
    assert api.get(f"/api/v1/customers/{b.pk}").status_code == 404
    staff = api.get("/api/v1/staff").json()["items"]
    assert {s["username"] for s in staff} == {"manager_a", "agent_a"}
    resp = api.patch(f"/api/v1/customers/{b.pk}", json.dumps({"name": "x"}), content_type="application/json")
    assert resp.status_code == 404
    assert Customer.objects.get(pk=b.pk).name == "李四"


def test_manager_cannot_move_a_customer_out_of_his_units(org, api_for, customers):
    a, _b = customers
    resp = api_for(org.manager_a).patch(
        f"/api/v1/customers/{a.pk}", json.dumps({"org_unit": "BB"}), content_type="application/json"
    )
    assert resp.status_code == 404  # branch B's code is not even visible to him
    assert Customer.objects.get(pk=a.pk).org_unit_id == org.branch_a.pk


def test_executive_reads_all_and_changes_nothing(org, api_for, customers):
    a, b = customers
    api = api_for(org.executive)
    assert api.get("/api/v1/customers").json()["count"] == 2
    resp = api.patch(
        f"/api/v1/customers/{a.pk}", json.dumps({"name": "改名"}), content_type="application/json"
    )
    assert resp.status_code == 403
    assert resp.json()["error"]["code"] == "forbidden"
    resp = api.post("/api/v1/customers", json.dumps({"name": "新客户"}), content_type="application/json")
    assert resp.status_code == 403
    assert Customer.objects.count() == 2
    assert Customer.objects.get(pk=a.pk).name == "张三"


def test_masking_in_api_for_staff_without_permission(org, api_for):
    a = create_customer(
        actor=org.admin, name="张三", phone="13812345678", email="zs@example.com", org_unit=org.team_a
    )
    agent = api_for(org.agent_a).get(f"/api/v1/customers/{a.pk}").json()
    assert agent["phone"] == "138****5678"
    assert agent["email"] == "z***@example.com"
    manager = api_for(org.manager_a).get(f"/api/v1/customers/{a.pk}").json()
    assert manager["phone"] == "13812345678"


def test_change_writes_before_after_audit(org, api_for, customers):
    a, _b = customers
    api = api_for(org.manager_a)
    resp = api.patch(
        f"/api/v1/customers/{a.pk}",
        json.dumps({"name": "张三丰"}),
        content_type="application/json",
        headers={"X-Request-ID": "req-123"},
    )
    assert resp.status_code == 200, resp.content
    entry = AuditEntry.objects.filter(object_id=str(a.pk), action="update").latest("at")
    assert entry.changes["name"] == ["张三", "张三丰"]
    assert entry.actor == org.manager_a
    assert entry.request_id == "req-123"
    history = api.get(f"/api/v1/audit-entries?record_type=org.customer&record_id={a.pk}").json()["items"]
    assert history[0]["changes"][0][1:] == ["张三", "张三丰"]


def test_optimistic_locking_conflict(org, api_for, customers):
    a, _b = customers
    api = api_for(org.manager_a)
    stale = "2000-01-01T00:00:00Z"
    resp = api.patch(
        f"/api/v1/customers/{a.pk}",
        json.dumps({"name": "X", "expected_updated_at": stale}),
        content_type="application/json",
    )
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "conflict"
    assert Customer.objects.get(pk=a.pk).name == "张三"


def test_validation_error_shape_names_the_field(org, api_for):
    api = api_for(org.quality)
    resp = api.post(
        "/api/v1/customers",
        json.dumps({"name": "王五", "email": "not-an-email"}),
        content_type="application/json",
    )
    assert resp.status_code == 422
    body = resp.json()["error"]
    assert body["code"] == "validation_error"
    assert "email" in body["fields"]
    resp = api.post("/api/v1/customers", json.dumps({"email": "a@b.cn"}), content_type="application/json")
    assert resp.status_code == 422
    assert "name" in resp.json()["error"]["fields"]
    assert not Customer.objects.exists()


def test_read_only_token_cannot_write(org, api_for):
    api = api_for(org.quality, can_write=False)
    assert api.get("/api/v1/customers").status_code == 200
    resp = api.post("/api/v1/customers", json.dumps({"name": "王五"}), content_type="application/json")
    assert resp.status_code == 403


def test_unauthenticated_and_revoked_tokens(org, client):
    from sqms.core.services import create_api_token, revoke_api_token

    assert client.get("/api/v1/customers").status_code == 401
    token, key = create_api_token(actor=org.quality, user=org.quality, name="crm")
    assert len(token.key_hash) == 64 and key not in token.key_hash
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/me", headers=headers).json()["username"] == "quality"
    token.refresh_from_db()
    assert token.last_used_at is not None
    revoke_api_token(token, actor=org.quality)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_token_narrowed_to_units(org, client):
    from sqms.core.services import create_api_token

    create_customer(actor=org.admin, name="甲", org_unit=org.branch_a)
    create_customer(actor=org.admin, name="乙", org_unit=org.branch_b)
    _t, key = create_api_token(
        actor=org.quality, user=org.quality, name="a-only", unit_paths=[org.branch_a.path]
    )
    names = [
        c["name"]
        for c in client.get("/api/v1/customers", headers={"Authorization": f"Bearer {key}"}).json()["items"]
    ]
    assert names == ["甲"]


def test_unit_tree_move_subtree(org, api_for):
    api = api_for(org.admin)
    resp = api.post(
        "/api/v1/org-units/BA-T/move", json.dumps({"parent": "BB"}), content_type="application/json"
    )
    assert resp.status_code == 200, resp.content
    moved = resp.json()
    assert moved["path"] == f"{org.branch_b.path}{org.team_a.pk}/"
    assert moved["depth"] == 3
    resp = api.post(
        "/api/v1/org-units/R1/move", json.dumps({"parent": "BB"}), content_type="application/json"
    )
    assert resp.status_code == 422  # not under its own descendant
    # After the move, manager A no longer sees the team; manager B does.
    assert api_for(org.manager_a).get("/api/v1/org-units/BA-T").status_code == 404
    assert api_for(org.manager_b).get("/api/v1/org-units/BA-T").status_code == 200


def test_raci_matrix_edit_and_read(org, api_for):
    from sqms.org.models import Process

    Process.objects.create(code="P1", name="投诉处理")
    api = api_for(org.quality)
    resp = api.put(
        "/api/v1/responsibility-matrix",
        json.dumps({"process": "P1", "role": "frontline", "raci": "R"}),
        content_type="application/json",
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["rows"][0]["frontline"] == "R"
    resp = api.put(
        "/api/v1/responsibility-matrix",
        json.dumps({"process": "P1", "role": "frontline", "raci": "X"}),
        content_type="application/json",
    )
    assert resp.status_code == 422


def test_comment_mentions_notify_only_people_who_can_see(org, api_for):
    a = create_customer(actor=org.admin, name="王五", org_unit=org.team_a)
    api = api_for(org.manager_a)
    resp = api.post(
        "/api/v1/comments",
        json.dumps(
            {
                "record_type": "org.customer",
                "record_id": str(a.pk),
                "body": "请 @agent_a 回访，@manager_b 知悉",
            }
        ),
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    assert resp.json()["mentions"] == ["agent_a"]  # manager_b cannot see branch A's customer
    inbox = api_for(org.agent_a).get("/api/v1/notifications").json()
    assert inbox["count"] == 1 and "Manager_A" in inbox["items"][0]["title"]
    assert api_for(org.manager_b).get("/api/v1/notifications").json()["count"] == 0
