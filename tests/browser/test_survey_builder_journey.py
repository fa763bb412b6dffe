"""Browser: the quality manager builds a survey from a shipped template, previews it at phone width,
publishes it and opens a campaign from the preview page; a respondent answers it on the public page at
phone width and the response is counted on the results page."""

from __future__ import annotations

import pytest

from sqms_testing import PASSWORD, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_template_to_preview_to_campaign_to_answer(org, live_server, page, phone_page, artifacts_dir):
    from sqms.surveys.models import Campaign, Response, Survey

    login(page, live_server, "quality", PASSWORD)
    page.goto(f"{live_server.url}/surveys/new-from-template/")
    page.get_by_label("服务后满意度回访").check()
    page.fill("#id_code", "JOURNEY")
    page.screenshot(path=f"{artifacts_dir}/survey-builder-template.png", full_page=True)
    page.get_by_role("button", name="创建草稿").click()
    page.wait_for_url("**/preview/")
    survey = Survey.objects.get(code="JOURNEY")
    assert survey.template == "csat" and survey.questions.count() >= 3

    frame = page.frame_locator("iframe")
    frame.locator("input[name=csat]").first.wait_for(state="attached")
    assert frame.get_by_label("非常满意").count() >= 1  # the Likert labels of the template
    width = page.locator("iframe").evaluate("f => f.contentDocument.documentElement.scrollWidth")
    assert width <= 390  # the phone preview does not scroll sideways
    page.screenshot(path=f"{artifacts_dir}/survey-builder-preview.png", full_page=True)

    page.fill("#id_campaign_code", "JOURNEY-A")
    page.fill("#id_campaign_name", "分公司A服务回访")
    page.select_option("#id_campaign_unit", org.branch_a.code)
    page.get_by_role("button", name="发布并开放").click()
    page.wait_for_url("**/distribute/")
    campaign = Campaign.objects.get(code="JOURNEY-A")
    assert campaign.version.number == 1 and campaign.org_unit == org.branch_a
    public = page.locator("a.sqms-link[target=_blank]").first.get_attribute("href")
    assert public and public.endswith(f"/s/{campaign.slug}/")
    page.screenshot(path=f"{artifacts_dir}/survey-builder-distribute.png", full_page=True)

    p = phone_page
    p.goto(public)
    assert p.evaluate("document.documentElement.scrollWidth") <= 390
    p.get_by_label("非常满意").check()
    p.locator("input[name=nps][value='10']").check()
    p.get_by_label("已解决").check()
    p.screenshot(path=f"{artifacts_dir}/survey-builder-answer.png", full_page=True)
    p.get_by_role("button", name="提交").click()
    p.wait_for_url("**/thanks/")
    p.screenshot(path=f"{artifacts_dir}/survey-builder-thanks.png", full_page=True)
    r = Response.objects.get(campaign=campaign)
    assert r.answers["csat"] == 5 and r.answers["nps"] == 10

    page.goto(f"{live_server.url}/surveys/campaigns/{campaign.pk}/results/")
    assert page.locator("#total-responses").inner_text().strip() == "1"
    page.screenshot(path=f"{artifacts_dir}/survey-builder-results.png", full_page=True)
