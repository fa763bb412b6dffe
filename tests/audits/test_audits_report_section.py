"""The audits-and-inspections section of the quality report: figures computed by hand from the data made
here, the unit filter, the scope, the open-finding rule and that the reports app picks the section up."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone, translation

from sqms_testing import fresh

pytestmark = pytest.mark.django_db

JAN = (dt.date(2026, 1, 1), dt.date(2026, 1, 31))


def _at(day: int) -> dt.datetime:
    return dt.datetime(2026, 1, day, 10, 0, tzinfo=timezone.get_current_timezone())


def _inspection(org: Any, t: Any, unit: Any, outcome: str, when: dt.datetime) -> Any:
    from sqms.audits import services

    insp = services.create_inspection(actor=org.quality, data={"template": t, "org_unit": unit})
    for it in t.items.all():
        pts = (5 if outcome == "pass" else 0) if it.scoring == "points" else None
        services.record_result(actor=org.quality, inspection=insp, item_id=it.pk, outcome=outcome, points=pts)
    return services.complete_inspection(actor=org.quality, inspection=insp, performed_at=when)


def _data(org: Any) -> dict[str, Any]:
    from sqms.audits import services
    from sqms.audits.models import Clause

    t = services.create_template(
        actor=org.quality,
        data={"code": "T-RPT", "name": "现场检查", "kind": "on_site"},
        items=[
            {"text": "着装规范", "weight": 1},
            {"text": "设施完好", "weight": 1, "critical": True},
        ],
    )
    _inspection(org, t, org.team_a, "pass", _at(5))  # 100 %
    _inspection(org, t, org.team_a, "fail", _at(6))  # 0 %, critical failed
    _inspection(org, t, org.team_b, "pass", _at(7))  # 100 %
    _inspection(org, t, org.team_b, "fail", dt.datetime(2025, 12, 20, 8, tzinfo=dt.UTC))  # not January
    plan = services.create_audit_plan(
        actor=org.quality,
        data={
            "title": "一月内审",
            "objective": "o",
            "scope": "s",
            "start_date": dt.date(2026, 1, 20),
            "end_date": dt.date(2026, 1, 22),
            "lead_auditor": org.auditor,
        },
        criteria=list(Clause.objects.filter(standard="iso9001_2015", number__in=["7.1", "9.2"])),
        auditee_units=[org.branch_a],
    )
    qs = services.generate_checklist(actor=org.quality, plan=plan)
    findings = []
    for kind in ("minor_nc", "major_nc", "observation"):
        findings.append(
            services.add_finding(
                actor=fresh(org.auditor),
                plan=plan,
                data={
                    "clause": qs[-1].clause,
                    "kind": kind,
                    "description": f"{kind} 描述",
                    "evidence": "证据",
                    "auditee_unit": org.team_a,
                },
            )
        )
    return {"template": t, "plan": plan, "findings": findings}


def test_summary_figures_scope_and_open_findings(org: Any) -> None:
    from sqms.audits import selectors
    from sqms.audits.models import Finding
    from sqms.improvement.models import Nonconformity

    d = _data(org)
    Finding.objects.filter(pk__in=[f.pk for f in d["findings"]]).update(created_at=_at(21))
    s = selectors.audit_summary(org.quality, *JAN)
    assert s["inspections"] == 3  # the December one is outside the period
    assert s["mean_score"] == pytest.approx(200 / 3, abs=0.01)
    assert (s["passed"], s["pass_rate"], s["critical_failed"]) == (2, pytest.approx(66.7), 1)
    assert [(r["code"], r["inspections"], r["mean_score"]) for r in s["by_unit"]] == [
        ("BA-T", 2, 50.0),
        ("BB-T", 1, 100.0),
    ]
    assert (s["audits"], s["findings"], s["nonconformity_findings"], s["major_findings"]) == (1, 3, 2, 1)
    assert s["open_findings"] == 2
    assert s["by_clause"][0]["number"] == "9.2" and s["by_clause"][0]["nc"] == 2
    # closing one finding's nonconformity leaves one open finding
    Nonconformity.objects.filter(pk=d["findings"][0].nonconformity_id).update(status="closed")
    assert selectors.audit_summary(org.quality, *JAN)["open_findings"] == 1
    # the unit filter: branch B has one inspection and no audit
    b = selectors.audit_summary(org.quality, *JAN, unit_path=org.branch_b.path)
    assert (b["inspections"], b["audits"], b["findings"], b["mean_score"]) == (1, 0, 0, 100.0)
    # scope: manager B sees only his branch, whatever unit path he asks for
    mb = selectors.audit_summary(fresh(org.manager_b), *JAN)
    assert (mb["inspections"], mb["findings"], mb["audits"]) == (1, 0, 0)
    # another period: nothing
    assert selectors.audit_summary(org.quality, dt.date(2026, 3, 1), dt.date(2026, 3, 31))["inspections"] == 0


def test_quality_report_section_shape_and_language(org: Any) -> None:
    from sqms.audits import selectors
    from sqms.audits.models import Finding

    d = _data(org)
    Finding.objects.filter(pk__in=[f.pk for f in d["findings"]]).update(created_at=_at(21))
    with translation.override("zh-hans"):
        sec = selectors.quality_report_section(org.quality, *JAN, "")
    figures = {f["label"]: f["value"] for f in sec["figures"]}
    assert figures["已完成检查"] == 3 and figures["审核发现"] == 3 and figures["未关闭的不符合项发现"] == 2
    titles = [t["title"] for t in sec["tables"]]
    assert titles == ["各单位检查得分", "审核发现（按条款）", "审核发现（按类型）"]
    assert sec["tables"][0]["rows"][0] == ["甲营业厅", 2, 50.0, 50.0, 1]
    assert sec["tables"][1]["rows"][0][0].startswith("9.2 ") and sec["chart"]["values"] == [50.0, 100.0]
    with translation.override("en"):
        sec = selectors.quality_report_section(org.quality, *JAN, "")
    assert sec["figures"][0]["label"] == "Inspections completed"
    assert sec["tables"][1]["rows"][0][0] == "9.2 Internal audit"
    # nothing in the period, or no permission: no section
    # a period before any of it: no section; a later one still lists the findings that stay open
    assert selectors.quality_report_section(org.quality, dt.date(2025, 6, 1), dt.date(2025, 6, 30)) is None
    later = selectors.quality_report_section(org.quality, dt.date(2027, 1, 1), dt.date(2027, 1, 31))
    assert [f["value"] for f in later["figures"]][:1] == [0] and later["figures"][-1]["value"] == 2
    assert selectors.quality_report_section(fresh(org.agent_a), *JAN) is None  # frontline: his own only


def test_reports_app_includes_the_section(org: Any) -> None:
    from sqms.reports.domain import parse_period
    from sqms.reports.sections import ReportPeriod, build_sections

    _data(org)
    with translation.override("en"):
        sections = build_sections(ReportPeriod(parse_period("2026-01")), org.quality)
    audits = [s for s in sections if s["key"] == "audits"]
    assert audits and audits[0]["figures"][0]["value"] == 3
