"""The ticket page's SLA countdown: time left in the user's language (how long it falls: tests/sla)."""

from __future__ import annotations

from django.utils import translation

from sqms.feedback.admin import _fmt_duration


def test_time_left_in_both_languages() -> None:
    left = 2 * 86400 + 3 * 3600 + 4 * 60 + 5
    with translation.override("zh-hans"):
        assert _fmt_duration(left) == "2天 3小时 4分"
        assert _fmt_duration(-3 * 3600) == "-3小时 0分"
    with translation.override("en"):
        assert _fmt_duration(left) == "2d 3h 4m"
        assert _fmt_duration(left, natural=False) == "51h 4m"  # business hours are not days
