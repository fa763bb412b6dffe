"""Browser: the quality manager opens the analysis report of the demo's seven-indicator campaign from its
results page, reads the reliability sentence in Chinese, sees the charts drawn, and exports the Excel
workbook."""

from __future__ import annotations

import pytest

from sqms_testing import PASSWORD, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_quality_manager_reads_the_analysis_and_exports_excel(
    org, live_server, page, artifacts_dir, tmp_path
):
    from openpyxl import load_workbook

    import sqms.stats  # noqa: F401  (imported before the first request: scipy takes a while to load)
    from sqms.surveys import demo
    from sqms.surveys.models import Campaign

    demo.seed("small", lambda _line: None)
    campaign = Campaign.objects.get(code="DEMO-SQ7")

    login(page, live_server, "quality", PASSWORD)
    page.set_default_timeout(60000)
    page.goto(f"{live_server.url}/surveys/campaigns/{campaign.pk}/results/")
    page.locator("#analysis-link").click()
    page.wait_for_url(f"**/surveys/campaigns/{campaign.pk}/analysis/**")

    reliability = page.locator("#section-reliability")
    assert reliability.get_by_text("总量表 Cronbach's α = ").is_visible()
    sentence = reliability.locator("li").first.inner_text()
    assert sentence.startswith("总量表 Cronbach's α = 0.") and sentence.endswith("。")
    assert "信度" in sentence
    assert page.locator("#section-quality").get_by_text("数据清洗排除").first.is_visible()

    for chart in ("chart-scree", "chart-ipa", "chart-drivers"):
        canvas = page.locator(f"#{chart}")
        canvas.scroll_into_view_if_needed()
        assert canvas.is_visible()
        assert page.evaluate(f"!!(window.Chart && Chart.getChart(document.getElementById('{chart}')))")
        box = canvas.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 150
    page.screenshot(path=f"{artifacts_dir}/surveys-analysis.png", full_page=True)

    with page.expect_download() as info:
        page.locator("#analysis-export").click()
    download = info.value
    assert download.suggested_filename == "DEMO-SQ7-analysis.xlsx"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    wb = load_workbook(target, read_only=True)
    names = wb.sheetnames
    assert names[0] == "结论"
    for sheet in ("描述统计", "信度", "项总计统计", "KMO 和 Bartlett 检验", "旋转后的成分载荷"):
        assert sheet in names, names
    rows = list(wb["结论"].iter_rows(values_only=True))
    assert any(r[1] == sentence for r in rows if len(r) > 1)
