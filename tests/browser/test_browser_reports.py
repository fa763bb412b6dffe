"""Browser: the quality manager generates a monthly report in the back office, its first PDF page is
rendered to PNG (pdftoppm) and its Chinese text checked (pdftotext); he publishes the period, and the
public transparency page shows the published figures on a phone."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from sqms_testing import PASSWORD, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_generate_report_and_publish_transparency(
    org: Any, live_server: Any, page: Any, phone_page: Any, artifacts_dir: str, tmp_path: Path
) -> None:
    if not (shutil.which("pdftoppm") and shutil.which("pdftotext")):
        pytest.skip("poppler-utils (pdftoppm, pdftotext) is not installed")
    from django.utils import timezone

    from sqms.feedback.services import create_ticket, rate
    from sqms.reports.models import Publication, ReportSnapshot

    for title in ("窗口排队太久", "办事指引不清楚"):
        create_ticket(actor=org.quality, data={"org_unit": org.team_a, "kind": "complaint", "title": title})
    for score in (5, 5, 2):
        rate(actor=org.quality, org_unit=org.team_a, score=score)
    rate(actor=org.quality, org_unit=org.team_b, score=4)  # one rating only: below the minimum group size
    month = timezone.localdate().strftime("%Y-%m")

    # 1. Generate the monthly report in the back office.
    login(page, live_server, "quality", PASSWORD)
    page.goto(f"{live_server.url}/reports/")
    page.fill("#generate-form input[name=period]", month)
    page.click("#generate")
    page.wait_for_url("**/reports/*/")
    page.locator("#section-ratings").wait_for()
    assert "甲营业厅" in page.locator("#section-ratings").inner_text()
    page.screenshot(path=f"{artifacts_dir}/reports-1-report.png", full_page=True)
    snap = ReportSnapshot.objects.get()
    assert snap.period_key == month and snap.version == 1

    # 2. Download its PDF, render the first page and read its text.
    href = page.locator("#download-pdf").get_attribute("href")
    resp = page.request.get(f"{live_server.url}{href}")
    assert resp.ok and resp.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(resp.body())
    prefix = Path(artifacts_dir) / "reports-2-pdf-page"
    subprocess.run(["pdftoppm", "-png", "-f", "1", "-l", "1", "-r", "60", str(pdf), str(prefix)], check=True)
    pngs = sorted(Path(artifacts_dir).glob("reports-2-pdf-page*.png"))
    assert pngs and pngs[-1].stat().st_size > 5000
    first = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "服务质量月度报告" in first  # the Chinese title is on the rendered first page
    whole = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "好差评与整改" in whole and "75.0%" in whole
    whole = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "甲营业厅" in whole

    # 3. Publish the period with a minimum group size of 3.
    page.goto(f"{live_server.url}/reports/publications/")
    page.fill("#publish-form input[name=period]", month)
    page.fill("#publish-form input[name=min_group_size]", "3")
    page.click("#publish-form button[type=submit]")
    page.get_by_text("已发布").first.wait_for()
    assert Publication.objects.get().published

    # 4. The public page on a phone shows the published figures, without the small unit.
    phone_page.goto(f"{live_server.url}/transparency/")
    assert phone_page.locator("#ratings-total").inner_text() == "4"
    units = phone_page.locator("#rating-units").inner_text()
    assert "甲分公司" in units and "乙分公司" not in units  # by branch; branch B has 1 rating < 3
    assert "样本量少于 3 的单位不予公开" in phone_page.locator("#minimum-note").inner_text()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # no horizontal scrolling at phone width
    phone_page.screenshot(path=f"{artifacts_dir}/reports-3-transparency-phone.png", full_page=True)
