"""Browser: the 好差评 closed loop with an appeal. A customer gives a bad review on the tracking page →
a rectification order opens for the unit → the unit manager attaches evidence to the ticket and marks
the review mistaken (an appeal is filed) → the quality manager upholds the appeal → the rating is kept
but flagged and excluded from the statistics (the analysis page says so)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sqms_testing import PASSWORD, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_bad_review_appeal_upheld(
    org: Any,
    live_server: Any,
    browser: Any,
    page: Any,
    phone_page: Any,
    artifacts_dir: str,
    tmp_path: Path,
    settings: Any,
) -> None:
    from django.core.cache import cache

    from sqms.core.models import AuditEntry
    from sqms.feedback import services
    from sqms.feedback.models import Appeal, Attachment, Rating, Rectification

    cache.clear()
    settings.MEDIA_ROOT = tmp_path / "media"
    ticket, _ = services.create_ticket(
        actor=org.agent_a,
        data={"title": "窗口人员态度冷淡", "description": "办理过户时被催促", "org_unit": org.team_a},
    )
    for action in ("accept", "start", "resolve"):
        ticket = services.transition(ticket, actor=org.agent_a, action=action)

    # 1. The customer gives a bad review (1 = 非常不满意) on the tracking page.
    customer = phone_page
    customer.goto(f"{live_server.url}/complaints/track/")
    customer.fill("input[name=number]", ticket.number)
    customer.fill("input[name=code]", ticket.verification_code)
    customer.click("#track-form button[type=submit]")
    customer.locator("#followup-form").wait_for()
    customer.check("input[name=resolved][value='1']")
    customer.check("input[name=score][value='1']")
    customer.fill("textarea[name=reasons]", "态度冷淡，没有解释清楚")
    customer.click("#followup-form button[type=submit]")
    customer.locator("#my-rating").wait_for()
    customer.screenshot(path=f"{artifacts_dir}/appeal-1-bad-review.png", full_page=True)
    rating = Rating.objects.get(ticket=ticket)
    assert rating.score == 1 and not rating.excluded
    rect = Rectification.objects.get(rating=rating)
    assert rect.org_unit == org.team_a and rect.status == "open" and rect.due_at is not None

    # 2. The unit manager attaches the CCTV still to the ticket, then marks the review mistaken.
    login(page, live_server, "manager_a", PASSWORD)
    page.goto(f"{live_server.url}/admin/feedback/ticket/{ticket.pk}/change/")
    evidence = tmp_path / "监控截图.png"
    evidence.write_bytes(PNG)
    page.set_input_files("#attachment-form input[name=file]", str(evidence))
    page.click("#attachment-form button[value=attach]")
    page.locator("#attachments .attachment-row").wait_for()
    assert page.locator("#attachments").get_by_text("监控截图.png").is_visible()
    page.screenshot(path=f"{artifacts_dir}/appeal-2-evidence-attached.png", full_page=True)
    assert Attachment.objects.get(ticket=ticket).name == "监控截图.png"

    page.goto(f"{live_server.url}/admin/feedback/rectification/{rect.pk}/change/")
    page.select_option("select[name=verdict]", "mistaken")
    page.fill("textarea[name=evidence]", "监控显示工作人员已耐心解释，见工单附件监控截图。")
    page.screenshot(path=f"{artifacts_dir}/appeal-3-verify.png", full_page=True)
    page.click("form.sqms-form button[type=submit]")
    page.wait_for_url(f"**/rectification/{rect.pk}/change/")
    rect.refresh_from_db()
    assert rect.status == "appealed" and rect.verdict == "mistaken"
    appeal = Appeal.objects.get(rectification=rect)
    assert appeal.status == "pending"

    # 3. The quality manager upholds the appeal: the rating is excluded from statistics.
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    quality = context.new_page()
    quality.set_default_timeout(15000)
    try:
        login(quality, live_server, "quality", PASSWORD)
        quality.goto(f"{live_server.url}/admin/feedback/appeal/{appeal.pk}/change/")
        assert quality.get_by_text("监控显示工作人员已耐心解释").first.is_visible()
        quality.select_option("select[name=upheld]", "1")
        quality.fill("textarea[name=note]", "证据充分，差评不实，予以剔除。")
        quality.screenshot(path=f"{artifacts_dir}/appeal-4-decide.png", full_page=True)
        quality.click("form.sqms-form button[type=submit]")
        quality.wait_for_url(f"**/appeal/{appeal.pk}/change/")
        appeal.refresh_from_db()
        rating.refresh_from_db()
        assert appeal.status == "upheld"
        assert rating.excluded and rating.excluded_reason and Rating.objects.filter(pk=rating.pk).exists()
        assert AuditEntry.objects.filter(object_id=str(rating.pk)).exists()

        # The rating list shows it flagged; the analysis page counts it as excluded.
        quality.goto(f"{live_server.url}/admin/feedback/rating/?excluded__exact=1")
        assert quality.get_by_text(ticket.number).first.is_visible()
        quality.screenshot(path=f"{artifacts_dir}/appeal-5-rating-excluded.png", full_page=True)
        quality.goto(f"{live_server.url}/feedback/analysis/")
        note = quality.get_by_text("条评价因申诉成立已剔除")
        assert note.is_visible() and note.inner_text().strip().startswith("1")
        quality.screenshot(path=f"{artifacts_dir}/appeal-6-analysis.png", full_page=True)
    finally:
        context.close()
