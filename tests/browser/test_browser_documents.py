"""Controlled document journey: draft → review → approve with e-signature → effective (the periodic task)
→ retraining assigned → staff acknowledges; the completion view shows it."""

from __future__ import annotations

import pytest

from sqms_testing import PASSWORD, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _effective_procedure(org):
    from sqms.documents import services
    from sqms.documents.models import Course

    doc = services.create_document(
        actor=org.quality,
        title="投诉处理程序",
        doc_type="procedure",
        org_unit=org.branch_a,
        distribution_units=[org.team_a],
    )
    v = services.add_version(
        actor=org.quality, document=doc, text="1 受理：首问负责。\n2 处理：按时限办结。\n"
    )
    services.submit_for_review(actor=org.quality, version=v)
    services.sign_verified(actor=org.manager_a, version=v, meaning="reviewed")
    services.sign_verified(actor=org.admin, version=v, meaning="approved")
    services.make_effective(version_id=v.pk)
    course = Course.objects.create(code="C-CMP", title="投诉处理规范培训", org_unit=org.branch_a)
    course.documents.add(doc)
    return doc


def test_draft_review_approve_effective_retrain_acknowledge(org, live_server, page, artifacts_dir):
    from sqms.documents.models import Acknowledgement, DocumentVersion, TrainingAssignment
    from sqms.documents.tasks import make_versions_effective

    doc = _effective_procedure(org)
    url = f"{live_server.url}/documents/{doc.pk}/"

    # the quality manager drafts v2.0 and signs it as reviewed
    login(page, live_server, "quality")
    page.goto(url)
    page.check("input[name=kind][value=major]")
    page.fill(
        "#new-version textarea[name=text]",
        "1 受理：首问负责，24 小时内联系客户。\n2 处理：按时限办结。\n3 回访：3 个工作日内。\n",
    )
    page.fill("#new-version input[name=change_summary]", "增加回访要求")
    page.click("#create-version")
    page.wait_for_selector("#version-2\\.0")
    assert page.locator("#version-2\\.0").get_attribute("data-status") == "draft"
    page.click("#submit-review")
    page.wait_for_selector("#version-2\\.0[data-status=in_review]")
    page.select_option("#sign-form select[name=meaning]", "reviewed")
    page.fill("#sign-form input[name=password]", PASSWORD)
    page.click("#sign")
    page.wait_for_selector("#version-2\\.0 tr.signature")
    assert "Quality" in page.locator("#version-2\\.0 .signatures").inner_text()
    page.screenshot(path=f"{artifacts_dir}/documents-reviewed.png", full_page=True)

    # the admin approves with his e-signature: a wrong password signs nothing, the right one approves
    page.context.clear_cookies()
    login(page, live_server, "admin")
    page.goto(url)
    page.select_option("#sign-form select[name=meaning]", "approved")
    page.fill("#sign-form input[name=password]", "not-my-password")
    page.click("#sign")
    assert page.locator("#action-error").is_visible()
    assert DocumentVersion.objects.get(major=2).status == "in_review"
    page.select_option("#sign-form select[name=meaning]", "approved")
    page.fill("#sign-form input[name=password]", PASSWORD)
    page.click("#sign")
    page.wait_for_selector("#version-2\\.0[data-status=approved]")
    sigs = page.locator("#version-2\\.0 .signatures").inner_text()
    assert "Quality" in sigs and "管理员" in sigs

    # on its effective date the periodic task makes it effective (run here as the scheduler would)
    make_versions_effective.call_local()
    make_versions_effective.call_local()  # idempotent
    page.goto(url)
    assert page.locator("#version-2\\.0").get_attribute("data-status") == "effective"
    assert page.locator("#version-1\\.0").get_attribute("data-status") == "superseded"
    assert "v2.0" in page.locator("#effective-version").inner_text()
    assert page.locator("#completion tr.ack-pending").count() == 1
    page.screenshot(path=f"{artifacts_dir}/documents-effective.png", full_page=True)
    # every field of the new-draft form has a visible frame (the theme's reset leaves inputs borderless)
    for name in ("change_summary", "effective_date"):
        width = page.locator(f"form input[name={name}]").last.evaluate(
            "e => getComputedStyle(e).borderTopWidth"
        )
        assert width != "0px", name
    assert list(TrainingAssignment.objects.values_list("staff__user__username", "reason")) == [
        ("agent_a", "retraining")
    ]

    # the front-line agent sees the retraining and the document to read, and acknowledges it
    page.context.clear_cookies()
    login(page, live_server, "agent_a")
    page.goto(f"{live_server.url}/documents/mine/")
    assert page.locator("#reading tr.unread").count() == 1
    assert "C-CMP" in page.locator("#my-training").inner_text()
    page.screenshot(path=f"{artifacts_dir}/documents-mine.png", full_page=True)
    page.locator("#reading tr.unread a").click()
    page.wait_for_selector("#acknowledge")
    assert "3 回访" in page.locator("#versions").inner_text()
    page.click("#acknowledge")
    page.wait_for_selector("#acknowledged")
    assert Acknowledgement.objects.filter(staff__user=org.agent_a, version__major=2).exists()

    # the completion view shows who has read it
    page.context.clear_cookies()
    login(page, live_server, "quality")
    page.goto(url)
    assert page.locator("#completion tr.ack-done").count() == 1
    assert page.locator("#completion tr.ack-pending").count() == 0
    page.screenshot(path=f"{artifacts_dir}/documents-completion.png", full_page=True)
