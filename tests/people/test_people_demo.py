"""The demo seeder: rules, last month's computed period, manual entries, approvals; idempotent."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_seeder_computes_last_month_and_is_idempotent(scene: Any) -> None:
    from sqms.people import demo
    from sqms.people.models import Period, PointEntry, Rule, Scorecard

    lines: list[str] = []
    with time_machine.travel(
        dt.datetime(2026, 11, 20, 9, tzinfo=timezone.get_default_timezone()), tick=False
    ):
        demo.seed("small", lines.append)
        counts = (
            Rule.objects.count(),
            Period.objects.count(),
            PointEntry.objects.count(),
            Scorecard.objects.count(),
        )
        demo.seed("small", lines.append)
    assert lines[-1].strip() == "scorecards already seeded"
    assert (
        Rule.objects.count(),
        Period.objects.count(),
        PointEntry.objects.count(),
        Scorecard.objects.count(),
    ) == counts
    assert Rule.objects.filter(code__startswith="R-").count() == len(demo.RULES)
    period = Period.objects.get()  # October 2026: the scene's period is reused
    assert period.pk == scene.period.pk and period.computed_at is not None
    entries = PointEntry.objects.filter(period=period)
    # agent_b: two valid complaints under R-COMPLAINT (−10), CSAT 5.0 under R-CSAT-HIGH (+10).
    assert entries.get(staff=scene.staff_b, rule__code="R-COMPLAINT").points == -10
    assert entries.get(staff=scene.staff_b, rule__code="R-CSAT-HIGH").points == 10
    assert entries.filter(source="computed").count() > 0
