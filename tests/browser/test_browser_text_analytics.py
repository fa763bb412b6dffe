"""Browser: the quality manager trains the complaint classifier from the UI and sees its hold-out metrics →
a customer files a complaint → the suggested category (with its confidence) shows on the classifier page
and the new complaint carries it → the text-analytics page draws the word-frequency chart."""

from __future__ import annotations

import os
import re
import sys
from typing import Any

import pytest

from sqms_testing import PASSWORD, login

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "text"))
from text_samples import make_labelled

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_train_classify_and_analyse(
    org: Any, live_server: Any, page: Any, phone_page: Any, artifacts_dir: str
) -> None:
    from django.core.cache import cache

    from sqms.feedback.models import Ticket
    from sqms.text import segment
    from sqms.text.models import TextRecord, TrainedModel

    cache.clear()
    make_labelled(org, 30)
    segment.current()  # load jieba's dictionary once before the first page needs it (a few seconds)
    import sklearn.linear_model  # noqa: F401  (imported once here rather than inside the first request)

    # 1. Train from the classifier page and read the metrics.
    login(page, live_server, "quality", PASSWORD)
    page.goto(f"{live_server.url}/text/classifier/")
    page.locator("#no-model").wait_for()
    with page.expect_navigation(timeout=60000):
        page.click("#train", timeout=60000)
    page.locator("#metrics").wait_for()
    model = TrainedModel.objects.get(active=True, task="category")
    shown = page.locator("#accuracy").inner_text().strip()
    assert shown == f"{round(model.accuracy * 100)}%", shown
    assert page.locator("#metrics tbody tr").count() == 4
    assert page.get_by_text("停电问题").first.is_visible()
    page.screenshot(path=f"{artifacts_dir}/text-1-trained.png", full_page=True)

    # 2. A customer files a complaint without choosing a topic.
    phone_page.goto(f"{live_server.url}/complaints/new/")
    phone_page.check("input[name=kind][value=complaint]")
    phone_page.select_option("select[name=org_unit]", str(org.team_a.pk))
    phone_page.fill("input[name=title]", "线路跳闸没电")
    phone_page.fill("textarea[name=description]", "昨晚线路跳闸，小区没电，电压也不稳。")
    phone_page.fill("input[name=contact_name]", "王先生")
    phone_page.fill("input[name=contact_phone]", "13800002222")
    phone_page.click("button[type=submit]")
    number = phone_page.locator("#ticket-number").inner_text().strip()
    ticket = Ticket.objects.get(number=number)
    assert ticket.category is not None and ticket.category.code == "CAT-OUTAGE"

    # 3. The suggestion with its confidence is on the classifier page; the complaint carries the category.
    page.goto(f"{live_server.url}/text/classifier/")
    row = page.locator("#recent tbody tr").filter(has_text=number)
    assert "停电问题" in row.locator("td.suggested").inner_text()
    assert re.search(r"\d+%", row.inner_text())
    page.screenshot(path=f"{artifacts_dir}/text-2-suggestion.png", full_page=True)
    row.get_by_role("link", name=number).click()
    page.wait_for_url("**/change/")
    chosen = page.locator("select[name=category]").evaluate("s => s.options[s.selectedIndex].text")
    assert "停电问题" in chosen
    page.locator("select[name=category]").scroll_into_view_if_needed()
    page.screenshot(path=f"{artifacts_dir}/text-3-complaint.png", full_page=True)

    # 4. Analyse the texts and look at the word-frequency chart.
    page.goto(f"{live_server.url}/text/classifier/")
    with page.expect_navigation(timeout=60000):
        page.click("button[value=analyse]", timeout=60000)
    assert TextRecord.objects.count() == 121
    page.goto(f"{live_server.url}/text/analytics/", timeout=60000)  # first use loads jieba's IDF table
    page.locator("#word-frequency").wait_for()
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('word-frequency'))")
    assert page.locator("#n-texts").inner_text().strip() == "121"
    assert page.locator("#topics tbody tr").count() == 5
    page.screenshot(path=f"{artifacts_dir}/text-4-analytics.png", full_page=True)
