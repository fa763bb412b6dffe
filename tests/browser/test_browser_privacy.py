"""Browser: a quality manager opens a customer (the unmasked view is logged) → exports the customer's
personal data (a JSON file downloads) → erases it with confirmation → the customer 360 page shows the
anonymous stub → the access log lists the unmasked views."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sqms_testing import PASSWORD, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = "13977778888"
EMAIL = "sun.meili@example.net"


def test_export_erase_and_access_log(org: Any, live_server: Any, page: Any, artifacts_dir: str) -> None:
    from sqms.feedback import services as fb
    from sqms.org.models import Customer
    from sqms.org.services import create_customer
    from sqms.privacy.models import AccessLog, PrivacyRequest

    customer = create_customer(
        actor=org.quality,
        name="孙美丽",
        phone=PHONE,
        email=EMAIL,
        id_number="330106198807121234",
        org_unit=org.branch_a,
    )
    ticket, _ = fb.create_ticket(
        actor=org.quality,
        data={
            "org_unit": org.team_a,
            "title": "窗口服务态度差",
            "description": f"孙美丽来电投诉，回电 {PHONE}",
            "customer": customer,
            "contact_name": "孙美丽",
            "contact_phone": PHONE,
        },
    )
    fb.rate(actor=org.quality, org_unit=org.team_a, score=2, ticket=ticket, customer=customer)

    login(page, live_server, "quality", PASSWORD)
    # 1. the customer record, unmasked for the quality manager: logged
    page.goto(f"{live_server.url}/admin/org/customer/{customer.pk}/change/")
    assert page.locator(f"input[value='{PHONE}']").count() == 1
    page.screenshot(path=f"{artifacts_dir}/privacy-1-customer.png", full_page=True)
    assert AccessLog.objects.filter(user_name="quality", customer_ids__contains=f",{customer.pk},").exists()

    # 2. from the customer list to the customer's personal data page
    page.goto(f"{live_server.url}/admin/org/customer/")
    page.locator(f"a.privacy-link[href='/privacy/customers/{customer.pk}/']").click()
    page.wait_for_url(f"**/privacy/customers/{customer.pk}/")
    page.screenshot(path=f"{artifacts_dir}/privacy-2-personal-data.png", full_page=True)

    # 3. export: a JSON file downloads with the customer's records from every app
    page.fill("#privacy-export-form input[name=reason]", "客户来函要求查阅")
    with page.expect_download() as info:
        page.click("#privacy-export")
    path = info.value.path()
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    assert data["records"]["org.customer"][0]["phone"] == PHONE
    assert [t["number"] for t in data["records"]["feedback.ticket"]] == [ticket.number]
    assert len(data["records"]["feedback.rating"]) == 1

    # 4. erase: the confirmation step refuses without the tick, then erases
    page.goto(f"{live_server.url}/privacy/customers/{customer.pk}/")
    page.click("#privacy-erase")
    page.wait_for_url("**/erase/")
    page.fill("#privacy-erase-form input[name=reason]", "客户要求删除个人信息")
    page.click("#privacy-erase-confirm")
    page.locator("#privacy-erase-error").wait_for()
    assert Customer.objects.get(pk=customer.pk).phone == PHONE
    page.screenshot(path=f"{artifacts_dir}/privacy-3-erase-confirm.png", full_page=True)
    page.check("#privacy-erase-form input[name=confirm]")
    page.click("#privacy-erase-confirm")
    page.wait_for_url(f"**/privacy/customers/{customer.pk}/")
    page.locator("#privacy-customer-requests").wait_for()
    stub = Customer.objects.get(pk=customer.pk)
    assert (stub.name, stub.phone, stub.email, stub.id_number) == (
        f"Anonymised customer #{customer.pk}",
        "",
        "",
        "",
    )
    assert list(
        PrivacyRequest.objects.filter(customer=customer).order_by("pk").values_list("kind", flat=True)
    ) == [
        "export",
        "erase",
    ]
    page.screenshot(path=f"{artifacts_dir}/privacy-4-erased.png", full_page=True)

    # 5. the customer 360 page shows the anonymous stub, with the ticket and rating still counted
    page.goto(f"{live_server.url}/feedback/customers/{customer.pk}/")
    body = page.content()
    assert f"Anonymised customer #{customer.pk}" in body and "孙美丽" not in body and PHONE not in body
    assert page.locator("#c360-tickets").inner_text().strip() == "1"
    assert page.locator("#c360-ratings").inner_text().strip() == "1"
    page.screenshot(path=f"{artifacts_dir}/privacy-5-customer-360.png", full_page=True)

    # 6. the access log lists the unmasked views, filterable by customer
    page.goto(f"{live_server.url}/privacy/?customer={customer.pk}")
    rows = page.locator("#privacy-log tbody tr")
    assert rows.count() >= 1
    assert "quality" in rows.first.inner_text()
    page.screenshot(path=f"{artifacts_dir}/privacy-6-access-log.png", full_page=True)
