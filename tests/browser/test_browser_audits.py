"""Browser: (1) an inspection on a phone (390 px) with a photo and a failed critical item → the inspection
fails → a nonconformity is opened in one step; (2) an audit plan → generated checklist → findings →
report PDF whose first page renders (pdftoppm) and whose text (pdftotext) shows the Chinese title."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from sqms_testing import PASSWORD, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_phone_inspection_critical_failure_opens_nonconformity(
    org: Any, live_server: Any, phone_page: Any, artifacts_dir: str, tmp_path: Path, settings: Any
) -> None:
    from PIL import Image

    from sqms.audits import services
    from sqms.audits.models import Inspection, InspectionPhoto

    settings.MEDIA_ROOT = str(tmp_path / "media")
    t = services.create_template(
        actor=org.quality,
        data={"code": "HALL", "name": "营业厅现场检查"},
        items=[
            {"text": "环境整洁、标识清晰", "weight": 2},
            {"text": "消防设施完好、安全通道畅通", "weight": 3, "critical": True, "allow_na": False},
            {"text": "服务用语规范", "scoring": "points", "max_points": 5, "weight": 2},
        ],
    )
    i1, i2, i3 = list(t.items.order_by("order"))
    insp = services.create_inspection(actor=org.quality, data={"template": t, "org_unit": org.team_a})
    photo = tmp_path / "fire.png"
    Image.new("RGB", (64, 48), "orange").save(photo)

    page = phone_page
    login(page, live_server, "manager_a", PASSWORD)
    page.goto(f"{live_server.url}/audits/inspections/{insp.pk}/form/")
    page.locator(f"#item-{i1.pk} input[value=pass]").check()
    page.locator(f"#item-{i2.pk} input[value=fail]").check()
    page.fill(f"textarea[name=note_{i2.pk}]", "灭火器压力不足，安全通道堆放杂物")
    page.set_input_files(f"input[name=photos_{i2.pk}]", str(photo))
    page.fill(f"input[name=points_{i3.pk}]", "4")
    # the form fits a phone: nothing wider than the 390 px viewport
    assert page.evaluate("document.documentElement.scrollWidth") <= 392
    page.screenshot(path=f"{artifacts_dir}/audits-1-phone-form.png", full_page=True)
    page.click("#insp-complete")
    page.locator("#insp-result").wait_for()
    assert "不合格" in page.locator("#insp-result").inner_text()
    insp = Inspection.objects.get(pk=insp.pk)
    # (2 + 0 + 2*4/5) / 7 = 51.43 %, and the failed critical item fails the inspection
    assert insp.status == "completed" and insp.critical_failed and insp.passed is False
    assert str(insp.score) == "51.43"
    assert InspectionPhoto.objects.filter(result__inspection=insp).count() == 1
    assert page.locator(f"#item-{i2.pk} .insp-photos img").count() == 1
    page.screenshot(path=f"{artifacts_dir}/audits-2-phone-failed.png", full_page=True)

    if not services.improvement_available():
        pytest.skip("sqms.improvement.services.open_nonconformity is not available yet: NC step not checked")
    page.click(f"button[data-open-nc='{i2.pk}']")
    page.locator(f"#nc-{i2.pk}").wait_for()
    from sqms.improvement.models import Nonconformity

    nc = Nonconformity.objects.get(source="inspection")
    assert nc.severity == "critical" and nc.org_unit == org.team_a
    assert nc.number in page.locator(f"#nc-{i2.pk}").inner_text()
    page.screenshot(path=f"{artifacts_dir}/audits-3-phone-nc.png", full_page=True)


def test_audit_plan_checklist_findings_report_pdf(
    org: Any, live_server: Any, page: Any, artifacts_dir: str, tmp_path: Path
) -> None:
    from sqms.audits import services
    from sqms.audits.models import Clause, Finding

    if not (shutil.which("pdftoppm") and shutil.which("pdftotext")):
        pytest.skip("poppler-utils (pdftoppm, pdftotext) are not installed")
    title = "2026年度第一次内部审核"
    plan = services.create_audit_plan(
        actor=org.quality,
        data={
            "title": title,
            "objective": "验证服务质量管理体系的符合性和有效性",
            "scope": "甲分公司营业服务全过程",
            "start_date": dt.date(2026, 3, 2),
            "end_date": dt.date(2026, 3, 3),
            "places": "甲分公司、甲营业厅",
            "lead_auditor": org.auditor,
            "agenda": "首次会议 → 现场审核 → 末次会议",
        },
        criteria=list(Clause.objects.filter(standard="iso9001_2015", number__in=["7.1.3", "9.1.2", "9.2"])),
        auditee_units=[org.branch_a],
    )
    login(page, live_server, "auditor", PASSWORD)
    page.goto(f"{live_server.url}/admin/audits/auditplan/")
    page.get_by_text(plan.number).first.wait_for()
    page.goto(f"{live_server.url}/audits/plans/{plan.pk}/")
    page.click("#generate-checklist")
    page.locator("#checklist tr[data-clause='9.2']").wait_for()
    assert page.locator("#checklist tbody tr").count() == 3
    page.select_option("#checklist tr[data-clause='7.1.3'] select", "nonconforming")
    page.click("#save-checklist")
    page.wait_for_load_state()
    form = page.locator("#finding-form")
    form.locator("select[name=clause]").select_option(label="7.1.3 基础设施")
    form.locator("select[name=kind]").select_option("minor_nc")
    form.locator("select[name=auditee_unit]").select_option(label="甲营业厅")
    form.locator("input[name=auditee]").fill("王班长")
    form.locator("textarea[name=description]").fill("叫号机故障未及时报修")
    form.locator("textarea[name=evidence]").fill("3月2日现场观察，2号窗口叫号机黑屏，无报修记录")
    page.click("#add-finding")
    page.locator("#findings tr[data-kind=minor_nc]").wait_for()
    form = page.locator("#finding-form")
    form.locator("select[name=clause]").select_option(label="9.2 内部审核")
    form.locator("select[name=kind]").select_option("observation")
    form.locator("textarea[name=description]").fill("内审计划未覆盖全部过程")
    form.locator("textarea[name=evidence]").fill("查阅2025年内审计划")
    page.click("#add-finding")
    page.locator("#findings tr[data-kind=observation]").wait_for()
    assert Finding.objects.filter(plan=plan).count() == 2
    page.screenshot(path=f"{artifacts_dir}/audits-4-workspace.png", full_page=True)

    with page.expect_download() as dl:
        page.click("#report-pdf")
    pdf = tmp_path / "report.pdf"
    dl.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    shutil.copy(pdf, f"{artifacts_dir}/audits-report.pdf")
    subprocess.run(
        ["pdftoppm", "-png", "-f", "1", "-l", "1", "-r", "80", str(pdf), f"{artifacts_dir}/audits-5-report"],
        check=True,
    )
    png = next(Path(artifacts_dir).glob("audits-5-report*.png"))
    assert png.stat().st_size > 5000
    text = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], check=True, capture_output=True
    ).stdout
    decoded = text.decode("utf-8")
    assert title in decoded and "叫号机故障未及时报修" in decoded
