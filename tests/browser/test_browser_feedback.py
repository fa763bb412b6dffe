"""Browser: a customer files a complaint on the public form → an agent accepts, replies and resolves in the
back office (the SLA countdown shows and ticks) → the customer confirms and rates on the tracking page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sqms_testing import PASSWORD, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_complaint_to_confirmation(
    org: Any, live_server: Any, page: Any, phone_page: Any, artifacts_dir: str
) -> None:
    from django.core.cache import cache

    from sqms.feedback.models import Rating, Ticket

    cache.clear()
    # 1. The customer files a complaint on a phone.
    customer = phone_page
    customer.goto(f"{live_server.url}/complaints/new/")
    customer.check("input[name=kind][value=complaint]")
    customer.select_option("select[name=org_unit]", str(org.team_a.pk))
    customer.fill("input[name=title]", "营业厅排队时间太长")
    customer.fill("textarea[name=description]", "周一上午等了一个多小时，只开了一个窗口。")
    customer.fill("input[name=contact_name]", "李女士")
    customer.fill("input[name=contact_phone]", "13800001111")
    customer.screenshot(path=f"{artifacts_dir}/feedback-1-public-form.png", full_page=True)
    customer.click("button[type=submit]")
    number = customer.locator("#ticket-number").inner_text().strip()
    code = customer.locator("#ticket-code").inner_text().strip()
    assert re.fullmatch(r"FB\d{12}", number) and re.fullmatch(r"\d{6}", code)
    customer.screenshot(path=f"{artifacts_dir}/feedback-2-receipt.png", full_page=True)
    ticket = Ticket.objects.get(number=number)
    assert ticket.category is not None and ticket.category.code == "CAT-WAIT"

    # 2. The agent accepts, replies and resolves in the back office; the SLA countdown shows.
    login(page, live_server, "agent_a", PASSWORD)
    page.goto(f"{live_server.url}/admin/feedback/ticket/")
    page.get_by_text(number).first.click()
    page.wait_for_url("**/change/")
    page.locator("#sla").wait_for()
    countdown = page.locator("tr.sla-running .sla-countdown").first
    ticking = page.locator("tr.sla-running").first.get_attribute("data-ticking")
    first = countdown.inner_text()
    assert re.search(r"\d+小时 \d+分 \d+秒", first), first  # the user's language
    page.wait_for_timeout(1500)
    if ticking == "" or int(ticking or 0) > 5:
        assert countdown.inner_text() != first  # the clock runs: it ticks
    else:
        assert countdown.inner_text() == first  # outside working time business time stands still
    if ticking != "":  # business time: it runs exactly while the calendar is open
        from django.utils import timezone

        from sqms.feedback.calendars import engine_for
        from sqms.sla.arithmetic import to_ts

        open_now = engine_for(ticket.sla_policy.calendar).timeline.window_end(to_ts(timezone.now()))
        assert (int(ticking or 0) > 0) == (open_now is not None)
    page.screenshot(path=f"{artifacts_dir}/feedback-3-ticket-sla.png", full_page=True)
    page.click("button[data-action=accept]")
    page.locator("#sla [data-status=accepted]").wait_for()
    assert page.locator("#sla").get_by_text("已受理").first.is_visible()
    page.fill("#ticket-action-form textarea[name=body]", "您好，我们已增开窗口并对排队情况进行了整改。")
    page.click("button[data-action=reply]")
    page.locator("#timeline .timeline-reply").wait_for()
    page.click("button[data-action=start]")
    page.locator("#sla [data-status=in_progress]").wait_for()
    page.click("button[data-action=resolve]")
    page.locator("#sla [data-status=resolved]").wait_for()
    assert page.locator("#sla").get_by_text("已解决").first.is_visible()
    page.screenshot(path=f"{artifacts_dir}/feedback-4-resolved.png", full_page=True)
    assert Ticket.objects.get(number=number).status == "resolved"

    # 3. The customer sees the reply, confirms and rates on the tracking page.
    customer.goto(f"{live_server.url}/complaints/track/")
    customer.fill("input[name=number]", number)
    customer.fill("input[name=code]", code)
    customer.click("#track-form button[type=submit]")
    customer.locator("#ticket-status").wait_for()
    assert customer.get_by_text("我们已增开窗口").is_visible()
    customer.check("input[name=resolved][value='1']")
    customer.check("input[name=score][value='5']")
    customer.fill("textarea[name=reasons]", "处理及时")
    customer.screenshot(path=f"{artifacts_dir}/feedback-5-tracking.png", full_page=True)
    customer.click("#followup-form button[type=submit]")
    customer.locator("#my-rating").wait_for()
    assert customer.locator("#my-rating").is_visible()
    customer.screenshot(path=f"{artifacts_dir}/feedback-6-rated.png", full_page=True)
    t = Ticket.objects.get(number=number)
    assert t.status == "confirmed" and t.customer_resolved is True
    assert Rating.objects.get(ticket=t).score == 5
