"""Imports: every bad row reported with its line, nothing written; CLI, API and encodings."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from sqms.org.models import Customer

pytestmark = pytest.mark.django_db

BAD = (
    "name,phone,email,unit\n"
    "王一,13800000001,w1@example.com,BA\n"
    ",13800000002,,BA\n"  # line 3: name missing
    "王三,not-a-phone,,BA\n"  # line 4: bad phone
    "王四,13800000004,w4@example.com,NOPE\n"  # line 5: unknown unit
    "王五,13800000005,,BB\n"
)


def test_cli_reports_every_bad_row_and_writes_nothing(org, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(BAD, encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", "customers", str(path), "--as", "admin", stderr=err)
    lines = err.getvalue()
    assert "line 3, column name" in lines
    assert "line 4, column phone" in lines
    assert "line 5, column unit" in lines
    assert Customer.objects.count() == 0


def test_skip_invalid_writes_the_valid_rows(org, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(BAD, encoding="utf-8")
    call_command(
        "import",
        "customers",
        str(path),
        "--as",
        "admin",
        "--skip-invalid",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert set(Customer.objects.values_list("name", flat=True)) == {"王五", "王一"}


def test_gbk_and_bom_csv_and_excel(org, tmp_path, api_for):
    from openpyxl import Workbook

    good = "姓名,手机,单位编码\n赵六,13800000006,BA\n"
    (tmp_path / "gbk.csv").write_bytes(good.encode("gbk"))
    (tmp_path / "bom.csv").write_bytes(good.replace("赵六", "钱七").encode("utf-8-sig"))
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "手机", "单位编码"])
    ws.append(["孙八", 13800000008, "BB"])
    wb.save(tmp_path / "c.xlsx")
    for name in ("gbk.csv", "bom.csv", "c.xlsx"):
        call_command("import", "customers", str(tmp_path / name), "--as", "admin", stdout=io.StringIO())
    assert sorted(Customer.objects.values_list("name", flat=True)) == sorted(["赵六", "钱七", "孙八"])
    assert Customer.objects.get(name="孙八").phone == "13800000008"


def test_api_import_reports_rows(org, api_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    api = api_for(org.admin)
    resp = api.post("/api/v1/imports/customers", {"file": SimpleUploadedFile("c.csv", BAD.encode())})
    assert resp.status_code == 422
    assert [e["line"] for e in resp.json()["errors"]] == [3, 4, 5]
    assert Customer.objects.count() == 0


def test_manager_cannot_import_into_another_branch(org, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("name,unit\n甲,BA\n乙,BB\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", "customers", str(path), "--as", "manager_a", stderr=err)
    assert "line 3, column unit" in err.getvalue()
    assert Customer.objects.count() == 0


def test_export_masks_and_neutralises_formulas(org, tmp_path):
    from openpyxl import load_workbook

    from sqms.org.services import create_customer

    create_customer(actor=org.admin, name="=cmd|' /C calc'!A0", phone="13812345678", org_unit=org.team_a)
    out = tmp_path / "out.xlsx"
    call_command("export", "customers", str(out), "--as", "agent_a", stdout=io.StringIO())
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[1][0].startswith("'=")
    assert rows[1][2] == "138****5678"
    out_csv = tmp_path / "out.csv"
    call_command("export", "customers", str(out_csv), "--as", "quality", stdout=io.StringIO())
    text = out_csv.read_text(encoding="utf-8-sig")
    assert "13812345678" in text
