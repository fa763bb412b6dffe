import datetime as dt

import pytest
from test_kpi_ingest import row

from sqms.core.models import AuditEntry
from sqms.kpi import domain, services
from sqms.kpi.models import QualityObjective
from sqms_testing import fresh


@pytest.mark.parametrize(
    ("current", "today", "expected"),
    [
        (96.0, dt.date(2026, 6, 1), domain.ACHIEVED),
        (92.0, dt.date(2026, 6, 1), domain.ON_TRACK),  # 2/3 of the way after ~5/12 of the time
        (86.0, dt.date(2026, 11, 1), domain.AT_RISK),  # 1/6 of the way after ~5/6 of the time
        (90.0, dt.date(2027, 1, 5), domain.MISSED),
        (None, dt.date(2026, 6, 1), domain.NO_DATA),
    ],
)
def test_objective_status(current, today, expected):
    status = domain.objective_status(
        current=current,
        baseline=85.0,
        target=95.0,
        direction="higher",
        start=dt.date(2026, 1, 1),
        deadline=dt.date(2026, 12, 31),
        today=today,
    )
    assert status == expected


def test_progress_is_direction_aware():
    assert domain.objective_progress(15.0, 20.0, 10.0) == pytest.approx(0.5)  # lower is better
    assert domain.objective_progress(25.0, 20.0, 10.0) == 0.0
    assert domain.objective_progress(90.0, 85.0, 95.0) == pytest.approx(0.5)


def test_objective_api_create_progress_scope(org, api_for):
    rows = [row(f"A{i}", unit="BA-T", day=2, handling=3600 if i < 9 else 9000) for i in range(10)]
    services.ingest(actor=org.admin, rows=rows)
    api = api_for(fresh(org.quality))
    body = {
        "statement": "按时完成率提升到 95%",
        "kpi": "on_time_rate",
        "unit": "BA",
        "baseline": 80,
        "target": 95,
        "start": "2026-10-01",
        "deadline": "2026-10-31",
        "owner": "manager_a",
    }
    r = api.post("/api/v1/quality-objectives", data=body, content_type="application/json")
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["current"] == pytest.approx(90.0)
    assert out["progress"] == pytest.approx(10 / 15)
    assert out["status"] == "missed"  # the deadline has passed without reaching 95 %
    assert AuditEntry.objects.filter(action="create", object_id=str(out["id"])).exists()
    bad = api.post(
        "/api/v1/quality-objectives",
        data={**body, "deadline": "2026-09-01"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "deadline" in bad.json()["error"]["fields"]
    bad = api.post("/api/v1/quality-objectives", data={**body, "kpi": "x"}, content_type="application/json")
    assert bad.status_code == 422 and "kpi" in bad.json()["error"]["fields"]
    assert QualityObjective.objects.count() == 1
    assert api_for(fresh(org.manager_b)).get(f"/api/v1/quality-objectives/{out['id']}").status_code == 404
    assert api_for(fresh(org.manager_a)).get(f"/api/v1/quality-objectives/{out['id']}").status_code == 200


def test_objective_admin_list(org, client_for):
    from sqms.kpi.models import KpiDefinition

    QualityObjective.objects.create(
        statement="FCR",
        kpi=KpiDefinition.objects.get(code="fcr_rate"),
        org_unit=org.branch_a,
        baseline=60,
        target=80,
        start=dt.date(2026, 1, 1),
        deadline=dt.date(2099, 1, 1),
    )
    r = client_for(fresh(org.quality)).get("/admin/kpi/qualityobjective/")
    assert r.status_code == 200 and "FCR" in r.content.decode()
