"""Browser: a nonconformity opened by hand → 5 Whys and fishbone → CAPA → closing is refused (shown once)
→ the action is done → effectiveness computed from the KPI before vs after → an auditor signs off →
closed. Then a management review is planned and its PDF minutes render with Chinese text."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from typing import Any

import pytest

from sqms_testing import PASSWORD, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _rollups(unit: Any) -> None:
    from sqms.kpi.models import DailyRollup

    today = dt.date.today()
    rows = []
    for back in range(1, 121):
        day = today - dt.timedelta(days=back)
        after = back <= 60
        rows.append(
            DailyRollup(
                org_unit=unit,
                day=day,
                service_type="repair",
                total=40,
                with_promise=40,
                on_time=37 if after else 28,
            )
        )
    DailyRollup.objects.bulk_create(rows)


def test_nc_to_closed_and_review_pdf(
    org: Any, live_server: Any, page: Any, phone_page: Any, artifacts_dir: str
) -> None:
    from django.utils.translation import gettext, override

    from sqms.improvement.models import Nonconformity

    _rollups(org.team_a)
    with override("zh-hans"):
        refusal = gettext("Cannot close before effectiveness is verified.")

    # 1. The quality manager opens a nonconformity by hand.
    login(page, live_server, "quality", PASSWORD)
    page.goto(f"{live_server.url}/improvement/nc/")
    form = page.locator("#nc-manual")
    form.locator("input[name=title]").fill("抢修到达超时")
    form.locator("select[name=org_unit]").select_option("BA-T")
    form.locator("select[name=severity]").select_option("major")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/improvement/nc/*/")
    nc = Nonconformity.objects.get()
    assert nc.severity == "major" and nc.source == "manual"
    page.fill("#containment-form textarea[name=containment_action]", "临时增派抢修班组")
    page.click("#containment-form button")
    page.wait_for_load_state()

    # 2. 5 Whys and fishbone; both diagrams show on the page.
    page.fill("input[name=why1]", "抢修车辆到达晚")
    page.fill("input[name=why2]", "调度靠人工电话")
    page.fill("input[name=why3]", "调度系统未接入车辆定位")
    page.fill("textarea[name=fb_machine]", "车辆无定位\n车辆老旧")
    page.fill("textarea[name=fb_method]", "人工调度")
    page.click("#analysis-form button")
    page.locator("#root-cause").wait_for()
    assert "调度系统未接入车辆定位" in page.locator("svg.sqms-whys").text_content()
    assert "车辆无定位" in page.locator("svg.sqms-fishbone").text_content()
    page.locator("#rca").screenshot(path=f"{artifacts_dir}/improvement-1-rca.png")

    # 3. A corrective action; closing now is refused with one clear message.
    page.fill("#action-form input[name=description]", "上线车辆定位调度")
    page.fill("#action-form input[name=owner]", "agent_a")
    page.fill("#action-form input[name=due_date]", (dt.date.today() + dt.timedelta(days=30)).isoformat())
    page.click("#action-form button")
    page.locator("#actions-table .action-form").wait_for()
    page.click("#close-form button")
    page.wait_for_load_state()
    assert page.get_by_text(refusal).count() == 1
    page.screenshot(path=f"{artifacts_dir}/improvement-2-close-refused.png", full_page=True)
    assert Nonconformity.objects.get().status == "acting"

    # 4. The action is done with evidence; effectiveness is computed (on-time rate before vs after).
    page.fill("#actions-table .action-form input[name=evidence]", "系统截图、派单记录")
    page.click("#actions-table .action-form button")
    page.locator("#checks-table").wait_for()
    page.select_option("#check-form select[name=kpi_code]", "on_time_rate")
    page.click("#check-form button")
    page.locator("#checks-table .verdict").wait_for()
    check = nc.checks.get()
    assert check.before_value == pytest.approx(70.0) and check.after_value == pytest.approx(92.5)
    assert check.improved and check.p_value < 0.001
    row = page.locator("#checks-table tbody tr").first.inner_text()
    assert "按时完成率" in row and "z = " in row and "< 0.0001" in row and "0.0000" not in row

    # 5. The auditor (not an action owner) signs it off, on a phone.
    login(phone_page, live_server, "auditor", PASSWORD)
    phone_page.goto(f"{live_server.url}/improvement/nc/{nc.pk}/")
    phone_page.click(".signoff-form button[name=effective][value='1']")
    phone_page.wait_for_load_state()
    check.refresh_from_db()
    assert check.verdict == "effective" and check.verified_by.username == "auditor"

    # 6. Now it closes.
    page.goto(f"{live_server.url}/improvement/nc/{nc.pk}/")
    page.click("#close-form button")
    page.wait_for_load_state()
    assert Nonconformity.objects.get().status == "closed"
    assert page.locator("#close-form").count() == 0
    # a closed nonconformity is a record: no form offers a change the service would refuse
    assert page.locator("#containment-form, #analysis-form, #nc-detail .action-form").count() == 0
    assert "临时增派抢修班组" in page.locator("#nc-detail").inner_text()  # the containment action, read-only
    page.screenshot(path=f"{artifacts_dir}/improvement-3-closed.png", full_page=True)

    # 7. A management review with inputs compiled; the PDF minutes show the Chinese title.
    page.goto(f"{live_server.url}/improvement/reviews/")
    form = page.locator("#review-form")
    form.locator("input[name=title]").fill("二〇二六年度管理评审")
    form.locator("select[name=org_unit]").select_option("HQ")
    today = dt.date.today()
    form.locator("input[name=period_start]").fill((today - dt.timedelta(days=365)).isoformat())
    form.locator("input[name=period_end]").fill(today.isoformat())
    form.locator("input[name=meeting_date]").fill(today.isoformat())
    form.locator("button").click()
    page.wait_for_url("**/improvement/reviews/*/")
    assert page.locator("#inputs h3").count() >= 3
    href = page.locator("#minutes-pdf").get_attribute("href")
    resp = page.request.get(f"{live_server.url}{href}")
    assert resp.status == 200 and resp.body().startswith(b"%PDF")
    pdf_path = f"{artifacts_dir}/improvement-review-minutes.pdf"
    with open(pdf_path, "wb") as fh:
        fh.write(resp.body())
    if not (shutil.which("pdftoppm") and shutil.which("pdftotext")):
        pytest.skip("poppler-utils (pdftoppm, pdftotext) not installed")
    subprocess.run(
        ["pdftoppm", "-png", "-f", "1", "-l", "1", pdf_path, f"{artifacts_dir}/improvement-review-page"],
        check=True,
    )
    text = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", pdf_path, "-"], capture_output=True, check=True
    ).stdout.decode()
    assert "二〇二六年度管理评审" in text
