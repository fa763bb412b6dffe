"""Evaluation plans in the browser (zh UI): a quality manager creates a plan with the EFQM-style scheme,
starts it, enters the nine criteria scores with their evidence for a team, runs the evaluation and reads
the composite on the result page; then sends a weak indicator of a result to improvement."""

from __future__ import annotations

import pytest

from sqms_testing import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EFQM_SCORES = {
    "leadership": 80, "strategy": 70, "people": 60, "partnerships": 90, "processes": 50,
    "customer_results": 85, "people_results": 75, "society_results": 40, "business_results": 65,
}  # fmt: skip
EFQM_POINTS = {
    "leadership": 100, "strategy": 80, "people": 90, "partnerships": 90, "processes": 140,
    "customer_results": 200, "people_results": 90, "society_results": 60, "business_results": 150,
}  # fmt: skip


def test_efqm_plan_scores_and_result(org, live_server, page, artifacts_dir):
    from sqms.evaluation.models import ManualScore, Plan, Result

    login(page, live_server, "quality")
    page.goto(f"{live_server.url}/evaluation/")
    page.click("#link-plans")
    page.wait_for_url("**/evaluation/plans/")
    form = page.locator("#new-plan")
    form.locator("input[name=title]").fill("2026 年 10 月 EFQM 自评")
    form.locator("textarea[name=goal]").fill("找出最弱的准则并改进")
    form.locator("select[name=scheme]").select_option("efqm")
    form.locator("select[name=scope]").select_option("BA")
    form.locator("select[name=units]").select_option(["BA-T"])
    form.locator("input[name=periods]").fill("2026-10")
    form.locator("select[name=evaluators]").select_option([str(org.quality.pk)])
    page.get_by_role("button", name="创建计划").click()
    page.wait_for_url("**/evaluation/plans/*/")
    assert page.locator("#plan-status").inner_text() == "草稿"
    page.get_by_role("button", name="启动计划").click()
    page.wait_for_load_state()
    assert page.locator("#plan-status").inner_text() == "进行中"
    assert "0 / 9" in page.locator("#plan-progress").inner_text()
    page.click("a[data-enter='BA-T-2026-10']")
    page.wait_for_url("**/manual-scores/enter/**")
    for code, value in EFQM_SCORES.items():
        row = page.locator(f"tr[data-indicator={code}]")
        row.locator("input[type=number]").fill(str(value))
        row.locator("textarea").fill(f"自评研讨会纪要：{code}")
    page.locator("tr[data-indicator=processes] textarea").fill("")  # evidence missing → refused
    page.get_by_role("button", name="保存评分").click()
    page.wait_for_load_state()
    assert "请说明此评分的证据" in page.locator("tr[data-indicator=processes]").inner_text()
    assert not ManualScore.objects.exists()
    page.locator("tr[data-indicator=processes] textarea").fill("过程审核报告 2026-10")
    page.screenshot(path=f"{artifacts_dir}/evaluation-plan-score-entry.png", full_page=True)
    page.get_by_role("button", name="保存评分").click()
    page.wait_for_url("**/evaluation/plans/*/")
    assert "9 / 9" in page.locator("#plan-progress").inner_text()
    assert ManualScore.objects.filter(plan=Plan.objects.get(), org_unit=org.team_a).count() == 9
    page.screenshot(path=f"{artifacts_dir}/evaluation-plan-progress.png", full_page=True)

    page.get_by_role("button", name="执行评价").click()
    page.wait_for_url("**/evaluation/efqm/2026-10/**")
    expected = sum(EFQM_POINTS[c] * v for c, v in EFQM_SCORES.items()) / 1000  # 70.0, by hand
    stored = Result.objects.get(scheme__code="efqm", period="2026-10", org_unit=org.team_a)
    assert stored.score == pytest.approx(expected)
    # the plan's scope is branch A: its composite folds in the team's scores (the only scored unit)
    tree = page.locator("#indicator-tree").inner_text()
    assert "领导力" in tree and "顾客结果" in tree and "80" in tree
    assert "70" in page.locator("#ranking").inner_text()
    page.screenshot(path=f"{artifacts_dir}/evaluation-plan-result.png", full_page=True)


def test_send_weak_indicator_to_improvement(org, live_server, page, artifacts_dir):
    from sqms.evaluation.models import Indicator, ManualScore
    from sqms.improvement.models import ImprovementProject

    for code, value in (("knowledge", 2), ("skills", 5), ("attitude", 5)):
        ManualScore.objects.create(
            indicator=Indicator.objects.get(scheme__code="default", code=code),
            org_unit=org.team_a,
            period="2026-10",
            value=value,
            evidence="神秘顾客暗访",
        )
    login(page, live_server, "quality")
    page.goto(f"{live_server.url}/evaluation/default/2026-10/?focus=BA-T")
    assert page.locator("button[data-improve=skills]").count() == 0  # 100: not weak
    page.click("button[data-improve=knowledge]")  # Likert 2 → 25
    page.wait_for_url("**/improvement/projects/*/")
    project = ImprovementProject.objects.get()
    assert project.org_unit == org.team_a and "25.0" in project.problem
    body = page.locator("body").inner_text()
    assert project.number in body and "业务知识" in body
    page.screenshot(path=f"{artifacts_dir}/evaluation-send-to-improvement.png", full_page=True)
