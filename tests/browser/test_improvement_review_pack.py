"""Browser: the management review pack — planned with evaluation results, an inspection and a major audit
finding in its period; the page lists objectives/KPI status, evaluation results and audit results in
Chinese; recompiling keeps them; the minutes PDF (downloaded by the browser) has the Chinese headings."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

import pytest
from django.utils import timezone

from sqms_testing import PASSWORD, fresh, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _data(org: Any) -> Any:
    from sqms.audits import services as audits
    from sqms.audits.models import Clause, Finding
    from sqms.evaluation.models import Result, Scheme
    from sqms.improvement import services

    today = timezone.localdate()
    start = today.replace(day=1)
    scheme = Scheme.objects.order_by("id").first()
    Result.objects.create(
        scheme=scheme, org_unit=org.team_a, period=f"{today:%Y-%m}", score=91.2, grade="A", rank=1, peers=1
    )
    t = audits.create_template(
        actor=org.quality, data={"code": "T-B", "name": "检查"}, items=[{"text": "着装", "weight": 1}]
    )
    insp = audits.create_inspection(actor=org.quality, data={"template": t, "org_unit": org.team_a})
    audits.record_result(actor=org.quality, inspection=insp, item_id=t.items.get().pk, outcome="pass")
    audits.complete_inspection(actor=org.quality, inspection=insp)
    plan = audits.create_audit_plan(
        actor=org.quality,
        data={
            "title": "月度内审",
            "objective": "o",
            "scope": "s",
            "start_date": start,
            "end_date": today,
            "lead_auditor": org.auditor,
        },
        criteria=list(Clause.objects.filter(standard="iso9001_2015", number="9.2")),
        auditee_units=[org.branch_a],
    )
    q = audits.generate_checklist(actor=org.quality, plan=plan)[0]
    audits.add_finding(
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
    assert Finding.objects.count() == 1
    return services.create_review(
        actor=org.quality,
        data={
            "title": "本月管理评审",
            "org_unit": org.hq,
            "period_start": start,
            "period_end": today,
            "meeting_date": today,
        },
    )


def test_review_pack_page_and_pdf(org: Any, live_server: Any, page: Any, artifacts_dir: str) -> None:
    review = _data(org)
    login(page, live_server, "quality", PASSWORD)
    page.goto(f"{live_server.url}/improvement/reviews/{review.pk}/")
    inputs = page.locator("#inputs")
    for heading in ("质量目标", "关键绩效指标状态", "评价结果", "审核与检查", "不符合项与纠正预防措施"):
        assert inputs.get_by_text(heading, exact=False).first.is_visible(), heading
    text = inputs.inner_text()
    assert "甲营业厅" in text and "91.20" in text and "检查得分" in text
    assert "100.0%" in text  # the one inspection scored 100 %
    page.get_by_role("button", name="重新汇编输入").click()
    page.wait_for_load_state()
    assert "审核与检查" in page.locator("#inputs").inner_text()
    page.screenshot(path=os.path.join(artifacts_dir, "improvement_review_pack.png"), full_page=True)
    r = page.request.get(f"{live_server.url}/improvement/reviews/{review.pk}/minutes.pdf")
    assert r.ok and r.body().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        pdf_text = subprocess.run(
            ["pdftotext", "-", "-"], input=r.body(), capture_output=True, check=True
        ).stdout.decode()
        assert "审核与检查" in pdf_text and "评价结果" in pdf_text and "Review inputs" not in pdf_text
