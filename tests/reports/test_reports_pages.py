"""Back-office pages, navigation, the dashboard card and the demo seeder."""

from __future__ import annotations

from typing import Any

import pytest

from sqms.reports.models import Publication, ReportSnapshot
from sqms_testing import fresh

pytestmark = pytest.mark.django_db


def test_generate_on_the_page_then_download(october: Any, client_for: Any) -> None:
    c = client_for(fresh(october.manager_a))
    page = c.get("/reports/")
    assert page.status_code == 200 and 'id="generate-form"' in page.content.decode()
    bad = c.post("/reports/", {"period": "2026/10"})
    assert bad.status_code == 422 and "period" in bad.content.decode()
    assert ReportSnapshot.objects.count() == 0
    outside = c.post("/reports/", {"period": "2026-10", "unit": "BB"})
    assert outside.status_code == 422 and ReportSnapshot.objects.count() == 0
    r = c.post("/reports/", {"period": "2026-10", "quarter": "1"})
    snap = ReportSnapshot.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/reports/{snap.pk}/"
    assert snap.kind == "quarterly" and snap.org_unit == october.branch_a
    detail = c.get(r["Location"]).content.decode()
    assert 'id="section-ratings"' in detail and "甲营业厅" in detail and "乙营业厅" not in detail
    pdf = c.get(f"/reports/{snap.pk}/pdf/")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    xlsx = c.get(f"/reports/{snap.pk}/xlsx/")
    assert xlsx.status_code == 200 and "attachment" in xlsx["Content-Disposition"]
    # front-line staff have no reports pages
    assert client_for(fresh(october.agent_a)).get("/reports/").status_code == 403


def test_nav_dashboard_and_admin(october: Any, client_for: Any) -> None:
    from sqms.reports import services
    from sqms.reports.domain import parse_period

    services.generate_report(actor=fresh(october.quality), period=parse_period("2026-10"))
    c = client_for(fresh(october.quality))
    home = c.get("/admin/").content.decode()
    assert "/reports/" in home and "/reports/publications/" in home
    assert "/transparency/" in home  # the card's link
    assert c.get("/admin/reports/reportsnapshot/").status_code == 200
    assert c.get("/admin/reports/subscription/").status_code == 200
    assert c.get("/admin/reports/publication/").status_code == 302


def test_demo_seeder_publishes_two_periods_and_one_report(october: Any) -> None:
    from sqms.reports import demo

    lines: list[str] = []
    demo.seed("small", lines.append)
    demo.seed("small", lines.append)  # idempotent
    assert Publication.objects.filter(published=True).count() == 2
    assert ReportSnapshot.objects.filter(kind="monthly").count() == 1
