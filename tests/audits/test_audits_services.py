"""Inspections, spot checks, resources and audits through the services: permissions, scope, audit trail."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from sqms.core.errors import NotFound, ValidationFailed
from sqms_testing import fresh

pytestmark = pytest.mark.django_db


def make_template(actor: Any, code: str = "T-HALL") -> Any:
    from sqms.audits import services

    return services.create_template(
        actor=actor,
        data={"code": code, "name": "营业厅现场检查", "kind": "on_site"},
        items=[
            {"text": "着装规范", "weight": 2},
            {"text": "服务设施完好", "weight": 3, "critical": True},
            {"text": "叫号系统", "weight": 5},
            {"text": "服务用语", "scoring": "points", "max_points": 5, "weight": 4},
        ],
    )


def items(t: Any) -> list[Any]:
    return list(t.items.order_by("order"))


def test_inspection_score_and_critical_rule(org: Any) -> None:
    from sqms.audits import services
    from sqms.core.models import AuditEntry

    t = make_template(org.quality)
    i1, i2, i3, i4 = items(t)
    insp = services.create_inspection(
        actor=fresh(org.manager_a), data={"template": t, "org_unit": org.team_a}
    )
    assert insp.results.count() == 4 and insp.number.startswith("IN")
    mgr = fresh(org.manager_a)
    services.record_result(actor=mgr, inspection=insp, item_id=i1.pk, outcome="pass")
    services.record_result(actor=mgr, inspection=insp, item_id=i2.pk, outcome="pass")
    services.record_result(actor=mgr, inspection=insp, item_id=i3.pk, outcome="na")
    with pytest.raises(ValidationFailed) as err:
        services.record_result(actor=mgr, inspection=insp, item_id=i4.pk, outcome="scored", points=7)
    assert "points" in err.value.fields
    with pytest.raises(ValidationFailed):  # one unanswered item left
        services.complete_inspection(actor=mgr, inspection=insp)
    services.record_result(actor=mgr, inspection=insp, item_id=i4.pk, outcome="scored", points=3)
    insp = services.complete_inspection(actor=mgr, inspection=insp)
    # (2 + 3 + 4*3/5) / (2 + 3 + 4) = 7.4 / 9 = 82.22 %
    assert insp.score == Decimal("82.22") and insp.passed is True and not insp.critical_failed
    assert AuditEntry.objects.filter(object_id=str(insp.pk), verb="Inspection completed").exists() or (
        AuditEntry.objects.filter(object_id=str(insp.pk)).count() >= 5
    )

    insp2 = services.create_inspection(actor=mgr, data={"template": t, "org_unit": org.team_a})
    for it in (i1, i3):
        services.record_result(actor=mgr, inspection=insp2, item_id=it.pk, outcome="pass")
    services.record_result(actor=mgr, inspection=insp2, item_id=i2.pk, outcome="fail", note="灭火器过期")
    services.record_result(actor=mgr, inspection=insp2, item_id=i4.pk, outcome="scored", points=5)
    insp2 = services.complete_inspection(actor=mgr, inspection=insp2)
    # (2 + 0 + 5 + 4) / 14 = 78.57 %, but the failed critical item fails the inspection
    assert insp2.score == Decimal("78.57") and insp2.critical_failed and insp2.passed is False
    with pytest.raises(ValidationFailed):  # closed inspections do not change
        services.record_result(actor=mgr, inspection=insp2, item_id=i2.pk, outcome="pass")


def test_scope_and_na_rules(org: Any) -> None:
    from sqms.audits import selectors, services

    t = services.create_template(
        actor=org.quality,
        data={"code": "T-X", "name": "x"},
        items=[{"text": "必须检查", "allow_na": False}],
    )
    insp = services.create_inspection(actor=org.quality, data={"template": t, "org_unit": org.team_a})
    with pytest.raises(NotFound):
        services.record_result(
            actor=fresh(org.manager_b), inspection=insp, item_id=t.items.get().pk, outcome="pass"
        )
    with pytest.raises(ValidationFailed) as err:
        services.record_result(
            actor=fresh(org.manager_a), inspection=insp, item_id=t.items.get().pk, outcome="na"
        )
    assert "outcome" in err.value.fields
    assert selectors.inspections(fresh(org.manager_b)).count() == 0
    assert selectors.inspections(fresh(org.manager_a)).count() == 1
    with pytest.raises(NotFound):  # a unit manager cannot create inspections outside his units
        services.create_inspection(actor=fresh(org.manager_b), data={"template": t, "org_unit": org.team_a})


def test_template_versions(org: Any) -> None:
    from sqms.audits import services

    t1 = make_template(org.quality)
    t2 = services.new_template_version(actor=org.quality, template=t1)
    t1.refresh_from_db()
    assert (t2.code, t2.version, t2.items.count()) == ("T-HALL", 2, 4)
    assert not t1.active and t2.active
    with pytest.raises(ValidationFailed):
        services.create_template(actor=org.quality, data={"code": "E", "name": "e"}, items=[])


def test_spot_check_draw_is_reproducible_and_audited(org: Any) -> None:
    from sqms.audits import services
    from sqms.audits.models import InspectionPlan
    from sqms.core.models import AuditEntry

    t = make_template(org.quality)
    plan = InspectionPlan.objects.create(
        name="随机抽查",
        kind="spot_check",
        template=t,
        org_unit=org.region,
        frequency="once",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
        sample_kind="units",
        sample_size=2,
    )
    d1, made = services.draw_spot_check(actor=org.quality, plan=plan, seed=1234)
    d2, _made = services.draw_spot_check(actor=org.quality, plan=plan, seed=1234)
    assert d1.drawn_ids == d2.drawn_ids and len(made) == 2 and d1.population_size == 4
    assert {i.org_unit_id for i in made} == set(d1.drawn_ids)
    entry = AuditEntry.objects.filter(object_id=str(plan.pk), changes___seed__isnull=False).first() or next(
        e for e in AuditEntry.objects.filter(object_id=str(plan.pk)) if "_seed" in e.changes
    )
    assert entry.changes["_seed"] == 1234
    plan.sample_kind = "staff"
    plan.save()
    d3, made3 = services.draw_spot_check(actor=org.quality, plan=plan, seed=7)
    assert all(i.staff_id in d3.drawn_ids for i in made3)


def test_schedule_is_idempotent(org: Any) -> None:
    from sqms.audits import services
    from sqms.audits.models import InspectionPlan

    t = make_template(org.quality)
    plan = InspectionPlan.objects.create(
        name="月度检查",
        kind="on_site",
        template=t,
        org_unit=org.team_a,
        frequency="monthly",
        start_date=dt.date(2026, 1, 15),
        end_date=dt.date(2026, 6, 30),
    )
    assert len(services.schedule_plan(actor=org.quality, plan=plan)) == 6
    assert services.schedule_plan(actor=org.quality, plan=plan) == []


def test_failed_resource_is_marked_and_reminders_once(org: Any) -> None:
    from sqms.audits import services
    from sqms.audits.models import Resource
    from sqms.core.models import Notification
    from sqms.core.services import create_record

    res = create_record(
        Resource,
        actor=org.quality,
        data={
            "code": "W-01",
            "name": "1号窗口",
            "kind": "service_window",
            "org_unit": org.team_a,
            "owner": org.manager_a,
            "maintenance_due": dt.date(2026, 6, 10),
        },
    )
    t = make_template(org.quality)
    insp = services.create_inspection(actor=org.quality, data={"template": t, "org_unit": org.team_a})
    services.record_result(
        actor=org.quality, inspection=insp, item_id=items(t)[1].pk, outcome="fail", resource=res
    )
    res.refresh_from_db()
    assert res.status == "needs_attention"
    before = Notification.objects.filter(recipient=org.manager_a).count()
    assert services.send_resource_reminders(today=dt.date(2026, 6, 1)) == 1
    assert services.send_resource_reminders(today=dt.date(2026, 6, 2)) == 0
    assert Notification.objects.filter(recipient=org.manager_a).count() == before + 1


def test_clause_library_loaded() -> None:
    from sqms.audits.models import Clause

    assert Clause.objects.filter(standard="iso9001_2015", number="9.2", title_zh="内部审核").exists()
    assert Clause.objects.filter(
        standard="iso20000_1_2018", number="8.6.1", title_en="Incident management"
    ).exists()
    assert {c.number.split(".")[0] for c in Clause.objects.filter(standard="iso9001_2015")} == {
        "4",
        "5",
        "6",
        "7",
        "8",
        "9",
        "10",
    }


def make_plan(org: Any, lead: Any = None, units: list[Any] | None = None) -> Any:
    from sqms.audits import services
    from sqms.audits.models import Clause

    return services.create_audit_plan(
        actor=org.quality,
        data={
            "title": "2026年度第一次内部审核",
            "objective": "验证质量管理体系符合性",
            "scope": "甲分公司营业服务",
            "start_date": dt.date(2026, 3, 2),
            "end_date": dt.date(2026, 3, 4),
            "lead_auditor": lead or org.auditor,
        },
        criteria=list(Clause.objects.filter(standard="iso9001_2015", number__in=["7.1", "9.2"])),
        auditee_units=units or [org.branch_a],
    )


def test_audit_plan_checklist_findings_and_independence(org: Any) -> None:
    from sqms.audits import selectors, services

    with pytest.raises(ValidationFailed) as err:
        make_plan(org, lead=org.manager_a)  # manager_a belongs to branch A
    assert "team" in err.value.fields and "Manager_A" in err.value.message
    plan = make_plan(org)
    qs = services.generate_checklist(actor=fresh(org.auditor), plan=plan)
    assert [q.clause.number for q in qs] == ["7.1.1", "7.1.2", "7.1.3", "7.1.4", "7.1.5", "7.1.6", "9.2"]
    assert services.generate_checklist(actor=fresh(org.auditor), plan=plan) == []
    f = services.add_finding(
        actor=fresh(org.auditor),
        plan=plan,
        data={
            "clause": qs[2].clause,
            "kind": "observation",
            "description": "设施台账不全",
            "evidence": "抽查3台设备",
            "auditee_unit": org.team_a,
        },
    )
    assert f.auditor == org.auditor
    with pytest.raises(ValidationFailed):  # not an auditee unit
        services.add_finding(
            actor=fresh(org.auditor),
            plan=plan,
            data={
                "clause": qs[0].clause,
                "kind": "observation",
                "description": "x",
                "evidence": "y",
                "auditee_unit": org.branch_b,
            },
        )
    # scope: manager A sees the plan about his branch, manager B does not
    assert selectors.audit_plans(fresh(org.manager_a)).count() == 1
    assert selectors.audit_plans(fresh(org.manager_b)).count() == 0
    assert selectors.findings(fresh(org.manager_b)).count() == 0


def test_report_pdf_and_excel(org: Any) -> None:
    import io

    from openpyxl import load_workbook

    from sqms.audits import report, services

    plan = make_plan(org)
    services.generate_checklist(actor=org.quality, plan=plan)
    data = report.pdf(plan)
    assert data.startswith(b"%PDF") and len(data) > 1000
    wb = load_workbook(io.BytesIO(report.xlsx(plan)))
    assert len(wb.sheetnames) == 3 and wb.worksheets[0]["B2"].value == "2026年度第一次内部审核"


def test_certificate_reminders(org: Any) -> None:
    from sqms.audits import services
    from sqms.audits.models import Certificate
    from sqms.core.services import create_record

    create_record(
        Certificate,
        actor=org.quality,
        data={
            "standard": "iso9001_2015",
            "number": "CN-QMS-1",
            "body": "中国质量认证中心",
            "org_unit": org.hq,
            "issued_on": dt.date(2024, 1, 1),
            "expires_on": dt.date(2027, 1, 1),
            "next_surveillance_on": dt.date(2026, 7, 1),
        },
    )
    assert services.send_certificate_reminders(today=dt.date(2026, 6, 1)) == 1  # surveillance within 60 d
    assert services.send_certificate_reminders(today=dt.date(2026, 6, 2)) == 0
    assert services.send_certificate_reminders(today=dt.date(2026, 11, 1)) == 1  # expiry within 90 d


def test_inspection_scores_selector(org: Any) -> None:
    from sqms.audits import selectors, services

    t = make_template(org.quality)
    for unit, outcome in ((org.team_a, "pass"), (org.team_b, "fail")):
        insp = services.create_inspection(actor=org.quality, data={"template": t, "org_unit": unit})
        for it in items(t):
            services.record_result(
                actor=org.quality,
                inspection=insp,
                item_id=it.pk,
                outcome=outcome,
                points=5 if outcome == "pass" else 0,
            )
        services.complete_inspection(actor=org.quality, inspection=insp)
    rows = selectors.inspection_scores(org.quality)
    assert [(r["code"], r["mean_score"]) for r in rows] == [("BB-T", 0.0), ("BA-T", 100.0)]
    assert [r["code"] for r in selectors.inspection_scores(fresh(org.manager_a))] == ["BA-T"]
    assert selectors.inspection_scores(org.quality, unit=org.branch_b)[0]["critical_failed"] == 1
    assert selectors.inspection_scores(org.quality, since=dt.date(2100, 1, 1)) == []
