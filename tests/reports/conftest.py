"""Fixtures of the report tests: October 2026 data made with the apps' own services, counted by hand.

Tickets: team A 3 complaints; team B 2 complaints + 1 suggestion → 6 tickets, 5 complaints.
Ratings (好差评): team A 5, 5, 4, 2; team B 5, 1, 3 → 7 ratings, 4 good (57.1 %), 2 bad (28.6 %),
2 rectification orders. One more rating in November (outside the period).
Survey (CSAT template, branch A campaign): csat 5, 4, 2 → top-two-box 2/3 (66.7 %).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

TZ = ZoneInfo("Asia/Shanghai")
OCT = dt.datetime(2026, 10, 12, 10, 0, tzinfo=TZ)


@pytest.fixture
def october(org: Any) -> Any:
    from sqms.feedback.services import create_ticket, rate
    from sqms.surveys import services as surveys

    with time_machine.travel(OCT, tick=False):
        for unit, kind in [
            (org.team_a, "complaint"),
            (org.team_a, "complaint"),
            (org.team_a, "complaint"),
            (org.team_b, "complaint"),
            (org.team_b, "complaint"),
            (org.team_b, "suggestion"),
        ]:
            create_ticket(actor=org.quality, data={"org_unit": unit, "kind": kind, "title": "窗口排队太久"})
        for unit, scores in [(org.team_a, [5, 5, 4, 2]), (org.team_b, [5, 1, 3])]:
            for s in scores:
                rate(actor=org.quality, org_unit=unit, score=s)
        csat = surveys.create_from_template(actor=org.quality, template="csat", code="CSAT-R")
        campaign = surveys.create_campaign(
            actor=org.quality, survey=csat, code="C-R", name="甲分公司满意度", org_unit=org.branch_a
        )
        for score in (5, 4, 2):
            surveys.submit_response(
                campaign=campaign, raw={"csat": [str(score)], "nps": ["9"], "resolved": ["1"]}
            )
    with time_machine.travel(OCT + dt.timedelta(days=30), tick=False):
        rate(actor=org.quality, org_unit=org.team_a, score=1)
    return org


def period(text: str = "2026-10", quarter: bool = False) -> Any:
    from sqms.reports.domain import parse_period

    return parse_period(text, quarter=quarter)
