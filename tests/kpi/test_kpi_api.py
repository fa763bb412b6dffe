import json

from test_kpi_ingest import row

from sqms.kpi.models import ServiceRecord
from sqms_testing import fresh

URL = "/api/v1/service-records/bulk"


def post(client, rows, key=None, ndjson=False, **params):
    body = "\n".join(json.dumps(r) for r in rows) if ndjson else json.dumps(rows)
    headers = {"Idempotency-Key": key} if key else {}
    qs = "&".join(f"{k}={v}" for k, v in params.items())
    return client.post(
        URL + (f"?{qs}" if qs else ""),
        data=body,
        content_type="application/x-ndjson" if ndjson else "application/json",
        headers=headers,
    )


def test_bulk_json_and_ndjson(org, api_for):
    api = api_for(fresh(org.manager_a))
    r = post(api, [row("A1"), row("A2")])
    assert r.status_code == 201, r.content
    assert r.json() == {"created": 2, "updated": 0, "rollups": 1}
    r = post(api, [row("A3", day=2)], ndjson=True)
    assert r.status_code == 201 and r.json()["created"] == 1
    assert ServiceRecord.objects.count() == 3


def test_bulk_error_shape_lists_rows_and_writes_nothing(org, api_for):
    api = api_for(fresh(org.manager_a))
    r = post(api, [row("A1"), row("A2", rating=0), row("A3", requested_at="soon")])
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "validation_error"
    assert set(err["fields"]) == {"rows.2.rating", "rows.3.requested_at"}
    assert ServiceRecord.objects.count() == 0
    r = api.post(URL, data="not json", content_type="application/json")
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"


def test_idempotency_key_returns_first_result_without_writing(org, api_for):
    api = api_for(fresh(org.quality))
    first = post(api, [row("A1")], key="k-1")
    again = post(api, [row("A1")], key="k-1")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json() == first.json()
    assert ServiceRecord.objects.count() == 1
    other = post(api, [row("A2")], key="k-1")
    assert other.status_code == 409 and other.json()["error"]["code"] == "conflict"
    assert ServiceRecord.objects.count() == 1


def test_scoping_of_ingest_and_reads(org, api_for):
    r = post(api_for(fresh(org.manager_a)), [row("B1", unit="BB")])
    assert r.status_code == 422 and "rows.1.unit" in r.json()["error"]["fields"]
    assert post(api_for(fresh(org.agent_a)), [row("A1")]).status_code == 403
    post(api_for(fresh(org.quality)), [row("A1"), row("B1", unit="BB-T", rating=2)])
    a = api_for(fresh(org.manager_a))
    listing = a.get("/api/v1/service-records").json()
    assert [i["external_id"] for i in listing["items"]] == ["A1"] and listing["count"] == 1
    assert a.get("/api/v1/service-records?unit=BB").status_code == 404
    figures = a.get("/api/v1/service-rollups").json()
    assert figures["total"] == 1 and figures["mean_rating"] == 4
    q = (
        api_for(fresh(org.quality))
        .get("/api/v1/service-rollups?unit=R1&since=2026-10-01&until=2026-10-31")
        .json()
    )
    assert q["total"] == 2 and q["mean_rating"] == 3
    assert q["on_time_rate"] == 1.0 and q["fcr_rate"] == 1.0
    assert q["mean_response_seconds"] == 60 and 30 <= q["p90_response_seconds"] <= 120


def test_too_many_rows(org, api_for, monkeypatch):
    from sqms.kpi import api as kpi_api

    monkeypatch.setattr(kpi_api, "MAX_ROWS", 2)
    r = post(api_for(fresh(org.quality)), [row("A1"), row("A2"), row("A3")])
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"


def test_dashboard_card_and_admin_list(org, client_for):
    from sqms.kpi import services

    services.ingest(actor=fresh(org.quality), rows=[row("A1")])
    c = client_for(fresh(org.manager_a))
    assert c.get("/admin/kpi/servicerecord/").status_code == 200
    assert c.get("/admin/").status_code == 200
