"""Browser: from a ticket to everything about its customer (tickets, ratings, follow-ups, timeline), in
Chinese and then in English; and from the customer list's "360° view" column."""

from __future__ import annotations

from typing import Any

import pytest

from sqms_testing import PASSWORD, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_customer_360_from_ticket_and_customer_list(
    org: Any, live_server: Any, page: Any, artifacts_dir: str
) -> None:
    from sqms.feedback import services
    from sqms.org.services import create_customer

    customer = create_customer(actor=org.admin, name="王小明", phone="13812340000", org_unit=org.team_a)
    first, _ = services.create_ticket(
        actor=org.agent_a,
        data={
            "title": "电费多扣",
            "description": "账单比上月多 200 元",
            "org_unit": org.team_a,
            "customer": customer,
        },
    )
    for action in ("accept", "start", "resolve"):
        first = services.transition(first, actor=org.agent_a, action=action)
    services.customer_followup(first, resolved=True, score=2, reasons="处理太慢")
    second, _ = services.create_ticket(
        actor=org.agent_a,
        data={
            "title": "再次投诉电费",
            "description": "问题又出现了",
            "org_unit": org.team_a,
            "customer": customer,
        },
    )

    login(page, live_server, "quality", PASSWORD)
    page.goto(f"{live_server.url}/admin/feedback/ticket/{second.pk}/change/")
    page.click("#customer-360-link")
    page.locator("#customer-360").wait_for()
    assert page.locator("#c360-tickets").inner_text() == "2"
    assert page.locator("#c360-ratings").inner_text() == "1"
    assert page.locator("#c360-ticket-list").get_by_text("电费多扣").is_visible()
    assert page.locator("#c360-follow-ups").get_by_text(first.number).is_visible()
    assert page.locator("#c360-timeline .c360-rating").count() == 1
    page.screenshot(path=f"{artifacts_dir}/customer360-zh.png", full_page=True)

    page.goto(f"{live_server.url}/admin/org/customer/")
    page.get_by_role("link", name="360° 视图").first.click()
    page.locator("#customer-360").wait_for()
    assert page.url.endswith(f"/feedback/customers/{customer.pk}/")

    # English: switch with the account menu's language form.
    page.goto(f"{live_server.url}/admin/")
    page.locator('div[x-data="{ openUserLinks: false }"]').get_by_text("Quality").first.click()
    with page.expect_navigation():
        page.locator("form:has(input[name=language][value=en]) button").first.click()
    page.goto(f"{live_server.url}/feedback/customers/{customer.pk}/")
    assert page.get_by_text("Feedback tickets").first.is_visible()
    assert page.get_by_text("Follow-ups").first.is_visible()
    page.screenshot(path=f"{artifacts_dir}/customer360-en.png", full_page=True)
