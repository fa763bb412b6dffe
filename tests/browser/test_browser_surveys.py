"""Browser: a respondent answers a survey through a token on a phone-width page (with a validation error
first), then the quality manager sees the response counted on the results page; the used token shows the
"already answered" page."""

from __future__ import annotations

import pytest

from sqms_testing import PASSWORD, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_phone_respondent_answers_and_results_count_it(org, live_server, phone_page, page, artifacts_dir):
    from sqms.surveys import services

    survey = services.create_from_template(actor=org.quality, template="csat", code="B-CSAT")
    campaign = services.create_campaign(
        actor=org.quality, survey=survey, code="B-C", name="Browser CSAT", org_unit=org.branch_a
    )
    token = services.issue_tokens(actor=org.quality, campaign=campaign, count=1)[0]
    url = f"{live_server.url}/s/{campaign.slug}/?t={token.key}"

    p = phone_page
    p.goto(url)
    assert p.evaluate("document.documentElement.scrollWidth") <= 390  # no horizontal scrolling
    p.get_by_label("非常满意").check()
    p.locator("input[name=nps][value='9']").check()
    p.get_by_role("textbox").fill("营业厅排队有点久")
    p.get_by_role("button", name="提交").click()  # "resolved" left empty → validation error
    assert p.locator("#error-summary").is_visible()
    assert p.locator("#err-resolved").is_visible()
    assert p.locator("input[name=csat][value='5']").is_checked()  # input kept
    assert p.get_by_role("textbox").input_value() == "营业厅排队有点久"
    p.screenshot(path=f"{artifacts_dir}/surveys-phone-error.png", full_page=True)
    p.get_by_label("已解决").check()
    p.get_by_role("button", name="提交").click()
    p.wait_for_url("**/thanks/")
    assert p.get_by_text("感谢您的反馈").is_visible()
    p.screenshot(path=f"{artifacts_dir}/surveys-phone-thanks.png", full_page=True)
    p.goto(url)
    assert p.get_by_text("您已回答过本问卷").is_visible()
    p.screenshot(path=f"{artifacts_dir}/surveys-phone-used.png", full_page=True)

    login(page, live_server, "quality", PASSWORD)
    page.goto(f"{live_server.url}/surveys/campaigns/{campaign.pk}/results/")
    assert page.locator("#total-responses").inner_text().strip() == "1"
    page.screenshot(path=f"{artifacts_dir}/surveys-results.png", full_page=True)
    # responses by day: bars from zero with whole-number ticks (counts)
    y = page.evaluate(
        "() => { const s = Chart.getChart('by-day').scales.y; return [s.min, s.ticks.map(t => t.value)]; }"
    )
    assert y[0] == 0 and all(float(v).is_integer() for v in y[1]), y
