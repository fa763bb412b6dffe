"""The inspection-score KPI: audits registers its source with the KPI app in ready(); values are the mean
of every completed inspection's score in the unit's subtree over the inclusive dates (not a mean of unit
means), checked against a hand computation, and read back through the KPI selectors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from sqms_testing import fresh

pytestmark = pytest.mark.django_db


def _inspection(org: Any, t: Any, unit: Any, outcomes: tuple[str, ...], when: dt.datetime) -> Any:
    from sqms.audits import services

    insp = services.create_inspection(actor=org.quality, data={"template": t, "org_unit": unit})
    for item, outcome in zip(t.items.order_by("order"), outcomes, strict=True):
        services.record_result(actor=org.quality, inspection=insp, item_id=item.pk, outcome=outcome)
    return services.complete_inspection(actor=org.quality, inspection=insp, performed_at=when)


def test_registered_source_values(org: Any) -> None:
    from sqms.audits import selectors, services
    from sqms.kpi import selectors as kpi
    from sqms.kpi.models import KpiDefinition
    from sqms.kpi.sources import kpi_source

    assert kpi_source("inspection_score") is selectors.inspection_score_by_path
    t = services.create_template(
        actor=org.quality,
        data={"code": "T-K", "name": "k"},
        items=[{"text": "a", "weight": 1}, {"text": "b", "weight": 3}],
    )
    tz = timezone.get_current_timezone()
    oct_ = lambda d, h=10: dt.datetime(2026, 10, d, h, tzinfo=tz)  # noqa: E731
    scores = [
        _inspection(org, t, org.team_a, ("pass", "pass"), oct_(1, 0)).score,  # 100, first minute of Oct 1
        _inspection(org, t, org.team_a, ("fail", "pass"), oct_(31, 23)).score,  # 75, last hour of Oct 31
        _inspection(org, t, org.team_a, ("pass", "fail"), oct_(15)).score,  # 25
        _inspection(org, t, org.team_b, ("fail", "pass"), oct_(20)).score,  # 75
    ]
    assert scores == [Decimal(100), Decimal(75), Decimal(25), Decimal(75)]
    _inspection(org, t, org.team_b, ("fail", "fail"), dt.datetime(2026, 11, 1, 0, 30, tzinfo=tz))  # November
    archived = _inspection(org, t, org.team_b, ("fail", "fail"), oct_(5))
    type(archived).objects.filter(pk=archived.pk).update(archived_at=timezone.now())
    start, end = dt.date(2026, 10, 1), dt.date(2026, 10, 31)
    got = selectors.inspection_score_by_path(
        [org.team_a.path, org.region.path, org.hq.path + "9999/"], start, end
    )
    assert got[org.team_a.path] == pytest.approx((100 + 75 + 25) / 3)
    # the region: mean of all four inspections (68.75), not the mean of the unit means (66.67 + 75) / 2
    assert got[org.region.path] == pytest.approx((100 + 75 + 25 + 75) / 4)
    assert got[org.hq.path + "9999/"] is None
    # through the KPI app, with the user's scope
    d = KpiDefinition.objects.get(code="inspection_score")
    assert kpi.latest_value(fresh(org.quality), d, org.region, start, end) == pytest.approx(68.75)
    assert kpi.latest_value(fresh(org.quality), d, org.team_b, start, end) == pytest.approx(75.0)
