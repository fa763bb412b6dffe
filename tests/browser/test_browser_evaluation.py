"""Evaluation journeys in the browser: a quality manager enters an AHP matrix, is refused for CR >= 0.1
with the judgements to revise, fixes it; then runs an evaluation and exports it to Excel."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from test_browser_kpi import records

from sqms_testing import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INCONSISTENT = {"a-0-1": "5", "a-0-2": "1/5", "a-0-3": "3", "a-1-2": "7", "a-1-3": "1/3", "a-2-3": "5"}
CONSISTENT = {"a-0-1": "4/3", "a-0-2": "2", "a-0-3": "4", "a-1-2": "3/2", "a-1-3": "3", "a-2-3": "2"}


def test_ahp_rejection_then_evaluation_and_excel(org, live_server, page, artifacts_dir, tmp_path):
    from sqms.evaluation.models import Indicator, Result

    records(org)
    login(page, live_server, "quality")
    page.goto(f"{live_server.url}/evaluation/default/weights/")
    for name, value in INCONSISTENT.items():
        page.fill(f"input[name={name}]", value)
    page.get_by_role("button", name="计算并保存权重").click()
    page.wait_for_load_state()
    errors = page.locator("#ahp-errors")
    assert "CR" in errors.inner_text() and errors.locator("li").count() >= 1
    page.screenshot(path=f"{artifacts_dir}/evaluation-ahp-rejected.png", full_page=True)
    assert Indicator.objects.get(code="satisfaction").weight == pytest.approx(0.4)
    for name, value in CONSISTENT.items():
        page.fill(f"input[name={name}]", value)
    page.get_by_role("button", name="计算并保存权重").click()
    page.wait_for_load_state()
    assert page.locator("#ahp-errors").count() == 0
    assert Indicator.objects.get(code="satisfaction").weight_method == "ahp"

    page.goto(f"{live_server.url}/evaluation/")
    page.fill("#run-evaluation input[name=period]", "2026-10")
    page.select_option("#run-evaluation select[name=unit]", "R1")
    page.get_by_role("button", name="执行评价").click()
    page.wait_for_url("**/evaluation/default/2026-10/**")
    assert page.locator("#ranking tbody tr").count() >= 1
    assert page.locator("#indicator-tree").is_visible()
    assert Result.objects.filter(period="2026-10").count() == 5
    page.screenshot(path=f"{artifacts_dir}/evaluation-result.png", full_page=True)
    with page.expect_download() as info:
        page.click("#export-xlsx")
    path = tmp_path / "evaluation.xlsx"
    info.value.save_as(path)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert {r[0] for r in rows[1:]} == {"R1", "BA", "BB", "BA-T", "BB-T"}
