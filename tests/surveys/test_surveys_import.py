"""Import of responses: 问卷星 GBK CSV, bad rows reported with line/column and nothing written, mapping, CLI."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sqms.surveys.importers import import_responses, parse_duration
from sqms.surveys.models import Response

pytestmark = pytest.mark.django_db

WJX = (
    "序号,提交答卷时间,所用时间,来源,来源详情,来自IP,1、您对本次服务的满意程度,2、您有多大可能向亲友推荐我们？,"
    "3、您的问题是否已解决？,4、还有什么想告诉我们的？\n"
    "1,2025/3/1 10:00:01,125秒,手机提交,直接访问,1.2.3.4(江苏-苏州),非常满意,9,已解决,很好\n"
    "2,2025/3/1 10:05:00,2分5秒,微信,,5.6.7.8(江苏-南京),4,10,1,\n"
    "3,2025/3/2 09:00:00,60秒,微信,,5.6.7.9,满意,7,未解决,等了很久\n"
)


def test_wjx_gbk_csv_imports_labels_and_codes(org, campaign):
    report = import_responses(actor=org.quality, campaign=campaign, raw=WJX.encode("gbk"), filename="wjx.csv")
    assert report.ok, report.errors
    assert report.written == 3
    rows = {r.external_id: r for r in Response.objects.all()}
    assert (
        rows["1"].answers["csat"] == 5 and rows["1"].answers["resolved"] == 1 and rows["1"].duration_s == 125
    )
    assert rows["2"].duration_s == 125 and rows["2"].ip == "5.6.7.8" and rows["2"].answers["csat"] == 4
    assert rows["3"].answers["resolved"] == 0 and rows["3"].answers["comment"] == "等了很久"
    assert all(r.source == "import" for r in rows.values())


def test_utf8_bom_and_bad_rows_report_every_problem_and_write_nothing(org, campaign):
    text = WJX.replace("非常满意,9", "超级满意,9").replace("4,10,1", "4,12,1").replace("60秒", "很久")
    report = import_responses(
        actor=org.quality, campaign=campaign, raw=("\ufeff" + text).encode("utf-8"), filename="wjx.csv"
    )
    assert report.written == 0 and not Response.objects.exists()
    found = {(e.line, e.column) for e in report.errors}
    assert (2, "1、您对本次服务的满意程度") in found
    assert (3, "2、您有多大可能向亲友推荐我们？") in found
    assert (4, "所用时间") in found


def test_excel_with_explicit_mapping_and_duplicate_ids(org, campaign):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["id", "满意", "推荐", "解决", "单位"])
    ws.append(["a1", 5, 9, 1, "BA-T"])
    ws.append(["a1", 4, 8, 1, "BB-T"])
    buf = io.BytesIO()
    wb.save(buf)
    mapping = {"id": "external_id", "满意": "csat", "推荐": "nps", "解决": "resolved", "单位": "org_unit"}
    report = import_responses(
        actor=org.quality, campaign=campaign, raw=buf.getvalue(), filename="r.xlsx", mapping=mapping
    )
    reasons = {(e.line, e.column): e.reason for e in report.errors}
    assert (3, "id") in reasons and (3, "单位") in reasons  # duplicate id; unit outside the campaign
    assert not Response.objects.exists()


def test_unknown_mapping_target_is_a_header_error(org, campaign):
    report = import_responses(
        actor=org.quality, campaign=campaign, raw=WJX.encode(), filename="x.csv", mapping={"序号": "nonsense"}
    )
    assert report.errors and report.errors[0].line == 1


def test_cli(org, campaign, tmp_path):
    path = tmp_path / "wjx.csv"
    path.write_bytes(WJX.encode("gbk"))
    out = io.StringIO()
    call_command("import_responses", str(path), "--campaign", campaign.code, "--as", "quality", stdout=out)
    assert "3 written" in out.getvalue()
    with pytest.raises(CommandError):  # second time: every id already imported
        call_command(
            "import_responses",
            str(path),
            "--survey",
            campaign.survey.code,
            "--as",
            "quality",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"x": "csat"}))
    with pytest.raises(CommandError):
        call_command(
            "import_responses",
            str(path),
            "--campaign",
            campaign.code,
            "--mapping",
            str(mapping),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("125", 125), ("125秒", 125), ("2分5秒", 125), ("1时0分1秒", 3601), ("00:02:05", 125)],
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds
