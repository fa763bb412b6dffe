"""The management review pack: evaluation results, KPI status, quality objectives, audit results and open
findings (from audits through the review-input hook), CAPA, feedback and surveys; and the minutes PDF read
back with pdftotext in Chinese and in English."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from typing import Any

import pytest
from django.utils import timezone, translation

from sqms.improvement import services
from sqms_testing import fresh

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 1, 1), dt.date(2026, 3, 31)


def _pack(org: Any) -> Any:
    """Data in every input: two evaluation results, an objective, two inspections and an audit finding."""
    from sqms.audits import services as audits
    from sqms.audits.models import Clause
    from sqms.evaluation.models import Result, Scheme
    from sqms.kpi.models import KpiDefinition, QualityObjective

    scheme = Scheme.objects.order_by("id").first()
    Result.objects.create(
        scheme=scheme, org_unit=org.team_a, period="2026-03", score=88.5, grade="A", rank=1, peers=2
    )
    Result.objects.create(
        scheme=scheme, org_unit=org.team_b, period="2026-03", score=71.5, grade="C", rank=2, peers=2
    )
    Result.objects.create(
        scheme=scheme, org_unit=org.team_b, period="2025-12", score=10.0, grade="D", rank=2, peers=2
    )
    QualityObjective.objects.create(
        statement="检查得分达到 90",
        kpi=KpiDefinition.objects.get(code="inspection_score"),
        org_unit=org.branch_a,
        baseline=70,
        target=90,
        start=dt.date(2026, 1, 1),
        deadline=dt.date(2026, 12, 31),
    )
    t = audits.create_template(
        actor=org.quality,
        data={"code": "T-MR", "name": "检查", "kind": "on_site"},
        items=[{"text": "着装", "weight": 1}, {"text": "设施", "weight": 3}],
    )
    a, b = t.items.order_by("order")
    tz = timezone.get_current_timezone()
    for outcomes, day in ((("pass", "pass"), 10), (("pass", "fail"), 11)):  # 100 % and 25 %
        insp = audits.create_inspection(actor=org.quality, data={"template": t, "org_unit": org.team_a})
        for item, outcome in zip((a, b), outcomes, strict=True):
            audits.record_result(actor=org.quality, inspection=insp, item_id=item.pk, outcome=outcome)
        audits.complete_inspection(
            actor=org.quality, inspection=insp, performed_at=dt.datetime(2026, 2, day, 9, tzinfo=tz)
        )
    plan = audits.create_audit_plan(
        actor=org.quality,
        data={
            "title": "一季度内审",
            "objective": "o",
            "scope": "s",
            "start_date": dt.date(2026, 3, 2),
            "end_date": dt.date(2026, 3, 3),
            "lead_auditor": org.auditor,
        },
        criteria=list(Clause.objects.filter(standard="iso9001_2015", number="9.2")),
        auditee_units=[org.branch_a],
    )
    q = audits.generate_checklist(actor=org.quality, plan=plan)[0]
    finding = audits.add_finding(
        actor=fresh(org.auditor),
        plan=plan,
        data={
            "clause": q.clause,
            "kind": "major_nc",
            "description": "内审未覆盖全部过程",
            "evidence": "审核方案",
            "auditee_unit": org.team_a,
        },
    )
    from sqms.audits.models import Finding
    from sqms.improvement.models import Nonconformity

    Finding.objects.filter(pk=finding.pk).update(created_at=dt.datetime(2026, 3, 2, 10, tzinfo=tz))
    Nonconformity.objects.filter(pk=finding.nonconformity_id).update(detected_on=dt.date(2026, 3, 2))
    return services.create_review(
        actor=org.quality,
        data={
            "title": "2026年一季度管理评审",
            "org_unit": org.hq,
            "period_start": START,
            "period_end": END,
            "meeting_date": dt.date(2026, 4, 10),
        },
    )


def test_inputs_pull_every_app(org: Any) -> None:
    review = _pack(org)
    i = review.inputs
    ev = i["evaluation"]
    assert ev["latest"] == "2026-03" and ev["periods"] == ["2026-03"]  # December 2025 is outside
    assert [(u["unit"], u["score"], u["grade"], u["rank"]) for u in ev["units"]] == [
        ("甲营业厅", 88.5, "A", 1),
        ("乙营业厅", 71.5, "C", 2),
    ]
    assert ev["mean_by_period"] == {"2026-03": 80.0}
    # the inspection-score KPI is fed by audits (registered source): mean of 100 % and 25 %
    kpi = {k["code"]: k for k in i["kpi_status"]}
    assert kpi["inspection_score"]["value"] == pytest.approx(62.5)
    assert kpi["inspection_score"]["status"] == "amber"  # warning 80, critical 60
    (obj,) = i["objectives"]
    assert obj["statement"] == "检查得分达到 90" and obj["current"] == pytest.approx(62.5)
    assert obj["status"] == "at_risk" and obj["progress"] == 0.0  # below its baseline of 70
    a = i["audits"]
    assert (a["audits"], a["findings"], a["major_findings"], a["open_findings"]) == (1, 1, 1, 1)
    assert (a["inspections"], a["mean_score"], a["pass_rate"]) == (2, 62.5, 50.0)
    # the audit finding opened a nonconformity, which the CAPA input counts
    assert i["nonconformities"]["by_source"] == {"audit_finding": 1}
    assert i["nonconformities"]["open_total"] == 1
    assert i["feedback"]["tickets"] == 0 and i["surveys"]["responses"] == 0


def test_scope_limits_the_pack(org: Any) -> None:
    from sqms.improvement import selectors

    _pack(org)
    i = selectors.review_inputs(fresh(org.manager_b), org.branch_b, START, END)
    assert [u["unit"] for u in i["evaluation"]["units"]] == ["乙营业厅"]
    assert i["audits"]["findings"] == 0 and i["audits"]["inspections"] == 0
    assert i["objectives"] == [] and i["nonconformities"]["total"] == 0


def _pdf_text(review: Any, lang: str) -> str:
    from sqms.improvement.pdf import review_minutes_pdf

    with translation.override(lang):
        data = review_minutes_pdf(review)
    assert data.startswith(b"%PDF")
    out = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return out.stdout.decode()


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) is not installed")
def test_minutes_pdf_headings_in_chinese_and_english(org: Any) -> None:
    review = _pack(org)
    services.add_review_item(
        review, actor=org.quality, kind="action", text="完成内审整改", owner=org.manager_a, due_date=END
    )
    zh = _pdf_text(review, "zh-hans")
    for heading in (
        "管理评审会议纪要",
        "评审输入",
        "质量目标",
        "关键绩效指标状态",
        "评价结果",
        "审核与检查",
        "投诉与顾客反馈",
        "顾客满意度调查",
        "不符合项与纠正预防措施",
        "改进项目",
        "决定和行动项",
        "组织单位",
        "会议日期",
        "行动项",
    ):
        assert heading in zh, heading
    for english in ("Management review", "Review inputs", "KPI status", "Evaluation results", "Org unit"):
        assert english not in zh, english
    assert "完成内审整改" in zh and "甲营业厅" in zh and "检查得分" in zh
    en = _pdf_text(review, "en")
    for heading in (
        "Management review minutes",
        "Quality objectives",
        "KPI status",
        "Evaluation results",
        "Audits and inspections",
        "Decisions and action items",
        "Inspection score",
    ):
        assert heading in en, heading


def test_review_input_hook_rejects_non_callables() -> None:
    from sqms.improvement.selectors import REVIEW_INPUTS, register_review_input

    with pytest.raises(ValueError):
        register_review_input("x", None)  # type: ignore[arg-type]
    assert "audits" in REVIEW_INPUTS  # registered by the audits app in ready()
