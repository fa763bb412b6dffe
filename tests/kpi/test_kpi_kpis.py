import datetime as dt

import pytest
from test_kpi_ingest import row

from sqms.core.models import AuditEntry, Notification
from sqms.kpi import domain, services
from sqms.kpi.models import KpiAlert, KpiDefinition, KpiOverride
from sqms_testing import fresh

OCT = "since=2026-10-01&until=2026-10-31"


def seed_on_time(org):
    """Team A: 4 promised services, 3 on time (75 %). Team B: 1 promised, late (0 %).
    The parent's rate is 3 / 5 = 60 %, not the mean of the teams' rates (37.5 %)."""
    rows = [row(f"A{i}", unit="BA-T", handling=3600 if i < 3 else 9000) for i in range(4)]
    rows.append(row("B0", unit="BB-T", handling=9000))
    services.ingest(actor=org.admin, rows=rows)


def test_library_is_shipped(db):
    codes = set(KpiDefinition.objects.values_list("code", flat=True))
    assert set(domain.KPI_CODES) <= codes
    assert len(domain.KPI_CODES) == 12  # with the inspection score (a registered source)
    k = KpiDefinition.objects.get(code="on_time_rate")
    assert (k.direction, k.unit, k.target, k.warning, k.critical) == ("higher", "%", 95.0, 90.0, 85.0)


def test_parent_rate_is_ratio_of_sums_not_mean_of_rates(org, api_for):
    seed_on_time(org)
    api = api_for(fresh(org.quality))

    def value(unit):
        r = api.get(f"/api/v1/kpis/on_time_rate/values?unit={unit}&period=month&{OCT}")
        assert r.status_code == 200, r.content
        (point,) = r.json()["values"]
        return point

    assert value("BA-T")["value"] == pytest.approx(75.0)
    assert value("BB-T")["value"] == pytest.approx(0.0)
    parent = value("R1")
    assert parent["value"] == pytest.approx(60.0)  # 3 / 5, never (75 + 0) / 2
    assert (parent["numerator"], parent["denominator"]) == (3, 5)
    assert parent["status"] == "red"
    assert value("HQ")["value"] == pytest.approx(60.0)


def test_hand_checked_sums_and_values():
    a = domain.empty_sums() | {"on_time": 3, "with_promise": 4, "total": 4, "fcr": 4, "complaints": 1}
    b = domain.empty_sums() | {"on_time": 0, "with_promise": 1, "total": 16, "fcr": 8, "complaints": 0}
    both = domain.add_sums(a, b)
    assert domain.kpi_value("on_time_rate", both) == pytest.approx(60.0)
    assert domain.kpi_value("fcr_rate", both) == pytest.approx(60.0)  # 12 / 20
    assert domain.kpi_value("complaint_rate", both) == pytest.approx(500.0)  # 1 / 20 × 10,000
    assert domain.kpi_value("nps", domain.empty_sums()) is None
    nps = domain.empty_sums() | {"nps_n": 10, "nps_promoters": 6, "nps_detractors": 1}
    assert domain.kpi_value("nps", nps) == pytest.approx(50.0)


def test_periods_and_rag():
    assert domain.period_bounds("month", "2026-02") == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert domain.period_bounds("quarter", "2026-Q4") == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert domain.period_key("week", dt.date(2026, 10, 5)) == "2026-W41"
    keys = [k for k, _s, _e in domain.periods_between("month", dt.date(2026, 1, 15), dt.date(2026, 3, 2))]
    assert keys == ["2026-01", "2026-02", "2026-03"]
    with pytest.raises(ValueError):
        domain.period_bounds("quarter", "2026-Q5")
    t = domain.Thresholds("lower", 5, 10, 20)
    assert [domain.rag(v, t) for v in (4, 10, 15, 25, None)] == ["green", "green", "amber", "red", "none"]


def test_values_api_scope_and_bad_input(org, api_for):
    seed_on_time(org)
    api = api_for(fresh(org.manager_a))
    assert api.get(f"/api/v1/kpis/on_time_rate/values?unit=BB&{OCT}").status_code == 404
    r = api.get(f"/api/v1/kpis/on_time_rate/values?{OCT}")  # his scope only: team A
    assert r.json()["values"][0]["value"] == pytest.approx(75.0)
    r = api.get("/api/v1/kpis/on_time_rate/values?period=decade")
    assert r.status_code == 422 and "period" in r.json()["error"]["fields"]
    assert api.get("/api/v1/kpis/nope/values").status_code == 404
    assert len(api.get("/api/v1/kpis").json()) == 12


def test_override_applies_to_subtree(org, api_for):
    seed_on_time(org)
    kpi = KpiDefinition.objects.get(code="on_time_rate")
    KpiOverride.objects.create(kpi=kpi, org_unit=org.branch_a, warning=70, critical=50)
    r = api_for(fresh(org.quality)).get(f"/api/v1/kpis/on_time_rate/values?unit=BA-T&{OCT}").json()
    assert (r["warning"], r["critical"], r["target"]) == (70, 50, 95)
    assert r["values"][0]["status"] == "green"


def test_alerts_are_idempotent_notify_and_acknowledge(org, api_for):
    seed_on_time(org)
    org.branch_b.manager = org.manager_b
    org.branch_b.save()
    today = dt.date(2026, 10, 31)
    created = services.evaluate_alerts(today=today)
    assert created > 0
    assert services.evaluate_alerts(today=today) == 0
    alert = KpiAlert.objects.get(kpi__code="on_time_rate", org_unit=org.branch_b, kind="target")
    assert (alert.level, alert.period, alert.value) == ("red", "2026-10", 0.0)
    assert Notification.objects.filter(recipient=org.manager_b, title__contains=str(alert.kpi)).exists()
    api_a = api_for(fresh(org.manager_a))
    assert api_a.post(f"/api/v1/kpi-alerts/{alert.pk}/acknowledge").status_code == 404
    api_b = api_for(fresh(org.manager_b))
    r = api_b.post(f"/api/v1/kpi-alerts/{alert.pk}/acknowledge")
    assert r.status_code == 200, r.content
    assert r.json()["acknowledged_by"] == "manager_b" and r.json()["acknowledged_at"]
    assert AuditEntry.objects.filter(verb="acknowledge").exists()
    listed = api_b.get("/api/v1/kpi-alerts?open_only=true").json()["items"]
    assert alert.pk not in [a["id"] for a in listed]


def test_control_chart_flags_a_shift():
    values = [50.0, 51, 49, 50, 52, 48, 50, 51, 49, 90]
    chart = domain.control_chart(values)
    assert chart is not None and chart.kind == "I-MR"
    assert domain.last_point_signals(chart)
    p = domain.control_chart([50, 52, 48, 95], [(50, 100), (52, 100), (48, 100), (95, 100)])
    assert p is not None and p.kind == "p" and domain.last_point_signals(p)
    assert domain.control_chart([1.0, 2.0]) is None


def test_pages(org, client_for):
    seed_on_time(org)
    c = client_for(fresh(org.quality))
    r = c.get("/kpi/?unit=R1")
    assert r.status_code == 200 and "kpi-board" in r.content.decode()
    r = c.get("/kpi/on_time_rate/?unit=R1&period=day&since=2026-10-01&until=2026-10-03")
    assert r.status_code == 200 and "kpi-chart-data" in r.content.decode()
    r = c.get("/kpi/on_time_rate/?unit=R1&format=xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")
    assert client_for(fresh(org.manager_a)).get("/kpi/on_time_rate/?unit=BB").status_code == 404


def test_csat_and_nps_kpis_from_the_survey_rollup_match_the_raw_answers(org):
    """The CSAT/NPS KPIs read the surveys app's daily rollup; an oracle straight from the answers JSON of
    the included responses agrees for every unit's subtree, and scoping limits a branch manager."""
    import numpy as np
    from django.utils import timezone

    from sqms.kpi import selectors as ks
    from sqms.kpi.domain import kpi_value
    from sqms.surveys import domain as sv_domain
    from sqms.surveys import services as sv
    from sqms.surveys.models import Response

    survey = sv.create_from_template(actor=org.quality, template="csat", code="CSATK")
    camp = {
        b: sv.create_campaign(actor=org.quality, survey=survey, code=f"K-{k}", name=f"K {k}", org_unit=b)
        for k, b in enumerate((org.branch_a, org.branch_b))
    }
    rng = np.random.default_rng(5)
    now = timezone.now()
    for i in range(30):
        unit = (org.team_a, org.branch_a, org.branch_b)[i % 3]
        sv.submit_response(
            campaign=camp[org.branch_b if unit == org.branch_b else org.branch_a],
            raw={"csat": [str(rng.integers(1, 6))], "nps": [str(rng.integers(0, 11))], "resolved": ["1"]},
            org_unit=unit,
            submitted_at=now - dt.timedelta(days=int(i % 5)),
        )
    today = timezone.localdate()
    since = today - dt.timedelta(days=10)

    def oracle(path):
        csat, nps = [], []
        for r in Response.objects.filter(included=True, org_unit__path__startswith=path).select_related(
            "version"
        ):
            for q in sv_domain.questions(r.version.definition):
                v = r.answers.get(q["code"])
                if v is None:
                    continue
                if q["type"] == "likert" and not q.get("dimension") and not q.get("attention"):
                    csat.append(v >= (q.get("scale_points") or 5) - 1)
                if q["type"] == "nps":
                    nps.append(1 if v >= 9 else -1 if v <= 6 else 0)
        return 100 * sum(csat) / len(csat), 100 * sum(nps) / len(nps)

    for unit in (org.hq, org.branch_a, org.team_a, org.branch_b):
        sums = ks.kpi_sums(org.admin, unit, since, today, ("surveys",))
        want_csat, want_nps = oracle(unit.path)
        assert kpi_value("csat", sums) == pytest.approx(want_csat)
        assert kpi_value("nps", sums) == pytest.approx(want_nps)
    # the manager of branch A sees only branch A's responses, even over the whole scope
    mine = ks.kpi_sums(org.manager_a, None, since, today, ("surveys",))
    assert kpi_value("csat", mine) == pytest.approx(oracle(org.branch_a.path)[0])
    assert mine["nps_n"] == ks.kpi_sums(org.admin, org.branch_a, since, today, ("surveys",))["nps_n"]
