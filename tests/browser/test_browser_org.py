"""Organisation journeys in the browser: import with a bad row, the responsibility matrix, a comment with
an @mention that reaches a colleague's inbox."""

from __future__ import annotations

import pytest

from sqms_testing import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_import_page_reports_bad_rows_then_imports(org, live_server, page, artifacts_dir, tmp_path):
    from sqms.org.models import Customer

    bad = tmp_path / "customers.csv"
    bad.write_text("姓名,手机,单位编码\n赵六,13800000006,BA\n钱七,bad,BA\n", encoding="utf-8")
    login(page, live_server, "quality")
    page.goto(f"{live_server.url}/admin/org/customer/")
    page.get_by_role("link", name="导入").click()
    page.set_input_files("input[type=file]", str(bad))
    page.get_by_role("button", name="导入").click()
    errors = page.locator("tr.import-error")
    assert errors.count() == 1 and "3" in errors.first.inner_text()
    page.screenshot(path=f"{artifacts_dir}/org-import-errors.png", full_page=True)
    assert Customer.objects.count() == 0
    page.set_input_files("input[type=file]", str(bad))
    page.check("input[name=skip_invalid]")
    page.get_by_role("button", name="导入").click()
    assert page.locator("#import-report").is_visible()
    assert list(Customer.objects.values_list("name", flat=True)) == ["赵六"]


def test_raci_matrix_edit(org, live_server, page, artifacts_dir):
    from sqms.org.models import Process, Responsibility

    p = Process.objects.create(code="P-COMPLAINT", name="投诉处理")
    login(page, live_server, "quality")
    page.goto(f"{live_server.url}/org/responsibility-matrix/")
    page.select_option(f"select[name=cell-{p.pk}-frontline]", "R")
    page.select_option(f"select[name=cell-{p.pk}-quality_manager]", "A")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert {(r.role, r.raci) for r in Responsibility.objects.all()} == {
        ("frontline", "R"),
        ("quality_manager", "A"),
    }
    page.screenshot(path=f"{artifacts_dir}/org-raci.png", full_page=True)


def test_comment_mention_reaches_the_inbox(org, live_server, page, artifacts_dir):
    from sqms.org.services import create_customer

    c = create_customer(actor=org.admin, name="孙八", org_unit=org.team_a)
    login(page, live_server, "manager_a")
    page.goto(f"{live_server.url}/admin/org/customer/{c.pk}/change/")
    page.fill("#comment-form textarea[name=body]", "请 @agent_a 今天回访孙八")
    page.locator("#comment-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#comments").get_by_text("今天回访孙八").is_visible()
    page.context.clear_cookies()
    login(page, live_server, "agent_a")
    page.goto(f"{live_server.url}/admin/core/notification/")
    assert page.get_by_text("提到了您").first.is_visible()
    page.screenshot(path=f"{artifacts_dir}/org-mention-inbox.png", full_page=True)
