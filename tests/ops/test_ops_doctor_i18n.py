"""``sqms doctor`` speaks the active language: every check name, finding, fix and the summary in Chinese
(the default LANGUAGE_CODE) and in English; names of settings and commands stay untranslated."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from django.utils import translation

from sqms.core.ops import doctor

pytestmark = pytest.mark.django_db

HAN = re.compile(r"[\u4e00-\u9fff]")


def _run() -> list[doctor.Check]:
    with override_settings(SQMS_PDF_FONT="/nonexistent/font.ttc"):
        return doctor.run({"configuration"})


def test_doctor_in_english() -> None:
    with translation.override("en"):
        results = _run()
        lines, summary = doctor.report_lines(results)
    text = "\n".join(line for _ok, line in lines)
    assert "FAIL PDF font: /nonexistent/font.ttc not found (PDFs fall back" in text
    assert "     fix: apt-get install fonts-wqy-microhei" in text
    assert "OK   migrations: all applied" in text
    assert "OK   database (default): " in text
    assert "OK   queue: " in text and "OK   disk (data dir): " in text
    failed = sum(not c.ok for c in results)  # the font, and the disk when this machine is short of space
    assert summary == f"{failed} of {len(results)} checks failed"
    assert not HAN.search(text + summary)


def test_doctor_in_chinese_by_default() -> None:
    assert translation.get_language() in (None, "zh-hans")
    with translation.override("zh-hans"):
        results = _run()
        lines, summary = doctor.report_lines(results)
        with override_settings(SQMS_PDF_FONT=__file__):
            _ok_lines, ok_summary = doctor.report_lines(doctor.run({"configuration"}))
    text = "\n".join(line for _ok, line in lines)
    assert "失败 PDF 字体: 未找到 /nonexistent/font.ttc（PDF 将改用 STSong-Light CID 字体" in text
    assert "     处理：运行 apt-get install fonts-wqy-microhei" in text
    assert "正常 数据库迁移: 已全部执行" in text
    assert (
        "正常 数据库（default）" in text and "正常 任务队列: " in text and "正常 磁盘（数据目录）: " in text
    )
    failed = sum(not c.ok for c in results)
    assert summary == f"{len(results)} 项检查中 {failed} 项失败"
    assert ok_summary == f"全部 {len(results)} 项检查通过" or failed > 1
    # every check's name and finding is Chinese (settings/command names may stay as they are)
    for check in results:
        assert HAN.search(check.name), check
        assert HAN.search(check.detail) or check.detail.startswith(("sqlite3: ok", "postgresql: ok")), check


def test_every_check_translates_its_failure(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    import time

    import huey.contrib.djhuey as djhuey
    from huey import MemoryHuey

    from sqms.core.ops import queue

    h = MemoryHuey("beat-i18n", immediate=False)
    monkeypatch.setattr(djhuey, "HUEY", h)
    with translation.override("zh-hans"):
        check = doctor.check_worker()
        assert check.detail == "还没有任何任务进程写入过心跳" and "sqms worker" in check.fix
        queue.beat(h, now=time.time() - 600)
        assert "秒前（超过" in doctor.check_worker().detail
        disk = doctor.check_disk(min_free_mb=10**12)
        assert all("SQMS_DOCTOR_MIN_FREE_MB" in c.fix and "释放磁盘空间" in c.fix for c in disk)
        with override_settings(PRODUCTION=True, DEBUG=True):
            conf = doctor.check_configuration()
        assert not conf.ok and conf.detail.startswith("生产模式：DEBUG 已开启")
    with translation.override("en"):
        check = doctor.check_worker()
        assert "stale after" in check.detail and "systemctl status sqms-worker" in check.fix
