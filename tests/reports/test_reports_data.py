"""Report data equals the hand-counted figures of the fixture; scoping; files; versions; the CLI."""

from __future__ import annotations

import io
import shutil
import subprocess
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import translation
from openpyxl import load_workbook

from sqms.core.errors import ValidationFailed
from sqms.core.models import AuditEntry
from sqms.reports import services
from sqms.reports.domain import parse_period
from sqms_testing import fresh

pytestmark = pytest.mark.django_db

PERIOD = parse_period("2026-10")


def figures(snap: Any, key: str) -> dict[str, Any]:
    section = next(s for s in snap.data["sections"] if s["key"] == key)
    return {f["label"]: f["value"] for f in section["figures"]}


def section(snap: Any, key: str) -> dict[str, Any]:
    return next(s for s in snap.data["sections"] if s["key"] == key)


def test_org_wide_report_matches_hand_counts(october: Any) -> None:
    with translation.override("en"):
        snap = services.generate_report(actor=fresh(october.quality), period=PERIOD)
    c = figures(snap, "complaints")
    assert c["Tickets"] == 6 and c["Complaints"] == 5
    r = figures(snap, "ratings")
    assert r["Ratings"] == 7
    assert r["Good-review rate"] == 57.1 and r["Bad-review rate"] == 28.6
    assert r["Rectification orders"] == 2
    by_unit = {row[0]: row for row in section(snap, "ratings")["tables"][0]["rows"]}
    assert by_unit["甲营业厅"][1:5] == [4, 3, 1, 75.0] and by_unit["乙营业厅"][1:5] == [3, 1, 1, 33.3]
    s = section(snap, "surveys")
    assert s["tables"][0]["rows"][0][:3] == ["甲分公司满意度", 3, 66.7]
    keys = [x["key"] for x in snap.data["sections"]]
    # Other apps (KPIs, scorecards …) add their own sections; this test's data feeds these three, in order.
    assert [k for k in keys if k in {"complaints", "ratings", "surveys"}] == [
        "complaints",
        "ratings",
        "surveys",
    ]
    assert snap.version == 1 and snap.period_start.isoformat() == "2026-10-01"
    assert AuditEntry.objects.filter(object_id=str(snap.pk), action="create").exists()


def test_quarter_includes_october_and_regenerating_makes_a_new_version(october: Any) -> None:
    q = parse_period("2026-10", quarter=True)
    assert q.key == "2026-Q4" and q.end.isoformat() == "2026-12-31"
    with translation.override("en"):
        first = services.generate_report(actor=fresh(october.quality), period=q)
        second = services.generate_report(actor=fresh(october.quality), period=q)
    assert figures(first, "ratings")["Ratings"] == 8  # the November rating is in the quarter
    assert (first.version, second.version) == (1, 2)
    assert first.pdf.name != second.pdf.name


def test_unit_manager_report_covers_his_subtree_only(october: Any, client_for: Any) -> None:
    manager = fresh(october.manager_a)
    with translation.override("en"):
        snap = services.generate_report(actor=manager, period=PERIOD)
    assert snap.org_unit == october.branch_a
    assert figures(snap, "complaints")["Complaints"] == 3
    assert figures(snap, "ratings")["Ratings"] == 4
    units = [row[0] for row in section(snap, "ratings")["tables"][0]["rows"]]
    assert units == ["甲营业厅"]
    # manager B cannot see it (404), nor choose a unit outside his subtree
    other = fresh(october.manager_b)
    assert client_for(other).get(f"/reports/{snap.pk}/").status_code == 404
    assert client_for(other).get(f"/reports/{snap.pk}/pdf/").status_code == 404
    with pytest.raises(ValidationFailed) as exc:
        services.generate_report(actor=other, period=PERIOD, unit=october.branch_a)
    assert "unit" in exc.value.fields
    # the quality manager sees both
    assert client_for(fresh(october.quality)).get(f"/reports/{snap.pk}/").status_code == 200


def test_pdf_has_the_chinese_title_and_a_figure(october: Any, tmp_path: Any) -> None:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    with translation.override("zh-hans"):
        snap = services.generate_report(actor=fresh(october.quality), period=PERIOD)
    path = tmp_path / "r.pdf"
    path.write_bytes(snap.pdf.read())
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "服务质量月度报告" in text
    assert "57.1%" in text and "甲营业厅" in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    assert "yes" in fonts.lower()  # the CJK font is embedded


def test_excel_has_a_sheet_per_section_with_the_same_figures(october: Any) -> None:
    with translation.override("en"):
        snap = services.generate_report(actor=fresh(october.quality), period=PERIOD)
    wb = load_workbook(io.BytesIO(snap.xlsx.read()))
    assert wb.sheetnames[0] == "Summary"
    ours = ["Complaints", "Good bad reviews and rectifi", "Satisfaction surveys"]
    assert [name for name in wb.sheetnames if name in ours] == ours  # other apps add their own sheets
    assert len(wb.sheetnames) == 1 + len(snap.data["sections"])
    ws = wb["Good bad reviews and rectifi"]  # the ratings section
    values = [list(row) for row in ws.iter_rows(values_only=True)]
    assert ["Ratings", 7, None] in [list(v[:3]) for v in values]
    assert any(v[:5] == ["甲营业厅", 4, 3, 1, 75.0] for v in values), values


def test_bad_period_names_the_field_and_writes_nothing(october: Any, api_for: Any) -> None:
    from sqms.reports.models import ReportSnapshot

    with pytest.raises(ValidationFailed) as exc:
        services.parse_period("2026-13")
    assert "period" in exc.value.fields
    r = api_for(fresh(october.quality)).post(
        "/api/v1/report-snapshots", {"period": "oct"}, content_type="application/json"
    )
    assert r.status_code == 422 and "period" in r.json()["error"]["fields"]
    assert ReportSnapshot.objects.count() == 0


def test_api_generate_list_get_and_files(october: Any, api_for: Any) -> None:
    api = api_for(fresh(october.quality))
    r = api.post(
        "/api/v1/report-snapshots", {"period": "2026-10", "unit": "BB"}, content_type="application/json"
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["unit"] == "BB" and body["version"] == 1
    assert "complaints" in [section["key"] for section in body["data"]["sections"]]
    listing = api.get("/api/v1/report-snapshots?period=2026-10").json()
    assert listing["count"] == 1
    assert api.get(f"/api/v1/report-snapshots/{body['id']}").json()["title"] == body["title"]
    pdf = api.get(f"/api/v1/report-snapshots/{body['id']}/pdf")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    # a manager of branch A cannot read branch B's report
    assert api_for(fresh(october.manager_a)).get(f"/api/v1/report-snapshots/{body['id']}").status_code == 404
    # frontline staff may not generate
    r = api_for(fresh(october.agent_a)).post(
        "/api/v1/report-snapshots", {"period": "2026-10"}, content_type="application/json"
    )
    assert r.status_code == 403


def test_cli_writes_pdf_and_xlsx(october: Any, tmp_path: Any) -> None:
    out = io.StringIO()
    pdf = tmp_path / "r.pdf"
    call_command("report", "--period", "2026-10", "--unit", "BA", "--out", str(pdf), stdout=out)
    assert pdf.read_bytes().startswith(b"%PDF") and "v1" in out.getvalue()
    xlsx = tmp_path / "r.xlsx"
    call_command("report", "--period", "2026-10", "--quarter", "--out", str(xlsx), stdout=out)
    assert load_workbook(xlsx).sheetnames
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="period"):
        call_command("report", "--period", "2026-xx", stdout=out)


def test_scheduled_task_is_idempotent_and_mails_subscribers(october: Any, mailoutbox: Any) -> None:
    import datetime as dt

    from sqms.reports.models import ReportSnapshot

    services.subscribe(actor=october.manager_a, user=fresh(october.manager_a), unit=october.branch_a)
    services.subscribe(actor=october.quality, user=fresh(october.quality))
    from django.db import transaction

    with transaction.atomic():
        made = services.scheduled_reports(dt.date(2026, 11, 1))
    assert {(s.period_key, s.org_unit_id) for s in made} == {
        ("2026-10", None),
        ("2026-10", october.branch_a.pk),
    }
    assert services.scheduled_reports(dt.date(2026, 11, 1)) == []
    assert ReportSnapshot.objects.filter(scheduled=True).count() == 2
    quarter = services.scheduled_reports(dt.date(2027, 1, 1))
    assert {s.period_key for s in quarter} == {"2026-12", "2026-Q4"}
    assert services.scheduled_reports(dt.date(2027, 1, 2)) == []
    from sqms.core.models import Notification

    assert Notification.objects.filter(recipient=october.manager_a, kind="report").count() == 3
