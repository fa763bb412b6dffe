"""Each role logs in and sees its dashboard; the language switch persists; history and masking show."""

from __future__ import annotations

import pytest

from sqms_testing import PASSWORD, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_each_role_logs_in_and_sees_the_dashboard(org, live_server, page, artifacts_dir):
    for role in ("admin", "quality", "manager_a", "agent_a", "auditor", "executive"):
        user = org.user(role)
        login(page, live_server, user.username, PASSWORD)
        assert page.locator("#dashboard").is_visible()
        assert page.get_by_text("仪表盘").first.is_visible()
        page.screenshot(path=f"{artifacts_dir}/foundation-dashboard-{role}.png", full_page=True)
        page.context.clear_cookies()


def test_language_switch_persists_and_history_shows(org, live_server, page, artifacts_dir):
    from sqms.org.services import create_customer, update_customer

    c = create_customer(actor=org.admin, name="张三", phone="13812345678", org_unit=org.team_a)
    update_customer(c, actor=org.manager_a, changes={"name": "张三丰"})
    login(page, live_server, "manager_a", PASSWORD)
    page.goto(f"{live_server.url}/admin/org/customer/{c.pk}/history/")
    assert page.locator("#history").get_by_text("张三丰").first.is_visible()
    page.screenshot(path=f"{artifacts_dir}/foundation-history.png", full_page=True)
    # Switch to English with the language switch in the account menu (bottom of the sidebar).
    page.goto(f"{live_server.url}/admin/")
    page.locator('div[x-data="{ openUserLinks: false }"]').get_by_text("Manager_A").first.click()
    with page.expect_navigation():
        page.locator("form:has(input[name=language][value=en]) button").first.click()
    assert page.get_by_text("Dashboard").first.is_visible()
    page.context.clear_cookies()
    login(page, live_server, "manager_a", PASSWORD)
    assert page.get_by_text("Dashboard").first.is_visible()
    page.screenshot(path=f"{artifacts_dir}/foundation-dashboard-en.png", full_page=True)


def test_agent_sees_masked_phone(org, live_server, page, artifacts_dir):
    from sqms.org.services import create_customer

    create_customer(actor=org.admin, name="王五", phone="13611112222", org_unit=org.team_a)
    login(page, live_server, "agent_a", PASSWORD)
    page.goto(f"{live_server.url}/admin/org/customer/")
    assert page.get_by_text("136****2222").first.is_visible()
    assert page.get_by_text("13611112222").count() == 0
    page.screenshot(path=f"{artifacts_dir}/foundation-customers-masked.png", full_page=True)
