"""KPI journeys in the browser: the executive drills from the company down to a team on the dashboard
and opens a KPI's control chart."""

from __future__ import annotations

import datetime as dt

import pytest

from sqms_testing import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def records(org):
    from sqms.kpi import services

    rows = []
    for unit, late in (("BA-T", 1), ("BB-T", 4)):
        for i in range(10):
            start = dt.datetime(2026, 10, 1 + i, 9)
            rows.append(
                {
                    "external_id": f"{unit}-{i}",
                    "unit": unit,
                    "service_type": "repair",
                    "channel": "phone",
                    "requested_at": start.isoformat(),
                    "first_response_at": (start + dt.timedelta(minutes=2)).isoformat(),
                    "completed_at": (start + dt.timedelta(hours=3 if i < late else 1)).isoformat(),
                    "promised_at": (start + dt.timedelta(hours=2)).isoformat(),
                    "rating": 4,
                }
            )
    services.ingest(actor=org.admin, rows=rows)


def test_executive_drills_from_company_to_team(org, live_server, page, artifacts_dir):
    records(org)
    login(page, live_server, "executive")
    page.goto(f"{live_server.url}/evaluation/dashboard/?period=2026-10")
    assert "总公司" in page.locator("h1.sqms-h1").inner_text()
    for name in ("东部区域", "甲分公司", "甲营业厅"):
        page.locator("#units a.drill", has_text=name).click()
        page.wait_for_load_state()
        assert name in page.locator("h1.sqms-h1").inner_text()
        if name == "甲分公司":
            page.screenshot(path=f"{artifacts_dir}/kpi-dashboard-branch.png", full_page=True)
    assert page.locator("#trail a").all_inner_texts() == ["总公司", "东部区域", "甲分公司", "甲营业厅"]
    assert page.locator("#units").count() == 0  # a team has no units below it
    assert page.locator("#kpi-tiles .kpi-tile").count() == 12  # the library, with the inspection score
    assert page.locator("#kpi-tiles .rag-red").count() >= 1  # no first-contact resolution: FCR 0 %
    values = [v.strip() for v in page.locator("#kpi-tiles .sqms-figure-value").all_inner_texts()]
    assert "—" in values  # no surveys yet: CSAT has no value, and then no unit either
    assert not [v for v in values if v.startswith("—") and v != "—"]
    page.screenshot(path=f"{artifacts_dir}/kpi-dashboard-team.png", full_page=True)
    page.goto(f"{live_server.url}/kpi/on_time_rate/?unit=R1&period=day&since=2026-10-01&until=2026-10-10")
    assert page.locator("#kpi-chart").is_visible()
    assert page.locator("#kpi-history tbody tr").count() == 10
    # the period picker speaks the user's language; its values stay the API's
    assert page.locator("select[name=period] option:checked").inner_text() == "按日"
    assert page.locator("select[name=period] option:checked").get_attribute("value") == "day"
    page.screenshot(path=f"{artifacts_dir}/kpi-control-chart.png", full_page=True)
