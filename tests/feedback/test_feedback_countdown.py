"""The ticket page's SLA countdown: time left in the user's language, and how long it keeps falling."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils import translation

from sqms.feedback.admin import _fmt_duration, _ticking_seconds
from sqms.sla import cn_preset
from sqms.sla.arithmetic import to_ts

CN = cn_preset()


def test_time_left_in_both_languages() -> None:
    left = 2 * 86400 + 3 * 3600 + 4 * 60 + 5
    with translation.override("zh-hans"):
        assert _fmt_duration(left) == "2天 3小时 4分"
        assert _fmt_duration(-3 * 3600) == "-3小时 0分"
    with translation.override("en"):
        assert _fmt_duration(left) == "2d 3h 4m"
        assert _fmt_duration(left, natural=False) == "51h 4m"  # business hours are not days


def test_business_time_runs_only_while_the_calendar_is_open() -> None:
    running = {"natural": False}
    # 2025-03-14 is a Friday; CN windows 09:00-12:00 and 13:30-17:30 Shanghai (UTC+8)
    at_10 = datetime(2025, 3, 14, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    assert _ticking_seconds(running, CN, at_10) == 2 * 3600  # until the lunch break
    lunch = datetime(2025, 3, 14, 4, 30, tzinfo=UTC)  # 12:30
    assert _ticking_seconds(running, CN, lunch) == 0
    saturday = datetime(2025, 3, 15, 2, 0, tzinfo=UTC)
    assert _ticking_seconds(running, CN, saturday) == 0
    assert _ticking_seconds({"natural": True}, CN, saturday) is None  # natural days: always
    assert to_ts(at_10) + 2 * 3600 == CN.timeline.window_end(to_ts(at_10))
