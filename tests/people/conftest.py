"""A scorecard scene on the ``org`` fixture: October 2026, feedback, inspections, training and
suggestions for agent_a (team A) and agent_b (team B), a month period on HQ and a few rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

DAY = dt.date(2026, 10, 15)


def at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, 10, day, hour, tzinfo=timezone.get_default_timezone())


@dataclass
class Scene:
    org: Any
    period: Any
    rules: dict[str, Any]
    staff_a: Any
    staff_b: Any
    manager_a_staff: Any


_n = [0]


def ticket(unit: Any, *, kind: str = "complaint", staff: Any = None, assignee: Any = None, **kw: Any) -> Any:
    from sqms.feedback.models import Ticket

    _n[0] += 1
    return Ticket.objects.create(
        number=f"T-P-{_n[0]:05d}",
        verification_code="x",
        kind=kind,
        title=f"ticket {_n[0]}",
        org_unit=unit,
        staff=staff,
        assignee=assignee,
        **kw,
    )


def rating(unit: Any, score: int, when: dt.datetime, t: Any = None, **kw: Any) -> Any:
    from sqms.feedback.models import Rating

    return Rating.objects.create(org_unit=unit, score=score, rated_at=when, ticket=t, **kw)


def make_rules(admin: Any) -> dict[str, Any]:
    from sqms.people.models import Rule

    base = {"valid_from": dt.date(2026, 1, 1), "created_by": admin}
    return {
        "csat": Rule.objects.create(
            code="CSAT-HIGH",
            name="CSAT >= 4.8",
            subject="staff",
            metric="csat",
            comparator=">=",
            threshold=Decimal("4.8"),
            mode="once",
            points=10,
            **base,
        ),
        "complaint": Rule.objects.create(
            code="COMPLAINT",
            name="each valid complaint",
            subject="staff",
            metric="valid_complaints",
            mode="each",
            points=-5,
            **base,
        ),
        "sugg": Rule.objects.create(
            code="SUGG",
            name="each adopted suggestion",
            subject="staff",
            metric="suggestions_adopted",
            mode="each",
            points=3,
            **base,
        ),
        "unit_insp": Rule.objects.create(
            code="UNIT-INSP",
            name="inspection >= 90",
            subject="unit",
            metric="inspection_score",
            comparator=">=",
            threshold=Decimal("90"),
            mode="once",
            points=20,
            **base,
        ),
        "old": Rule.objects.create(
            code="OLD",
            name="expired",
            subject="staff",
            metric="valid_complaints",
            mode="each",
            points=-100,
            valid_from=dt.date(2025, 1, 1),
            valid_to=dt.date(2025, 12, 31),
            created_by=admin,
        ),
    }


@pytest.fixture
def scene(org: Any) -> Scene:
    from sqms.audits.models import ChecklistTemplate, Inspection
    from sqms.documents.models import Course, TrainingAssignment
    from sqms.improvement.models import Suggestion
    from sqms.org.models import Staff
    from sqms.people import services

    sa = Staff.objects.get(user=org.agent_a)
    sb = Staff.objects.get(user=org.agent_b)
    sm = Staff.objects.get(user=org.manager_a)
    # agent_a: ratings 5, 5, 4 on his tickets (mean 4.667), one complaint; agent_b: 5, 5 (mean 5), two
    # complaints, one merged duplicate (not valid), one in September (outside the month).
    t1 = ticket(
        org.team_a,
        kind="inquiry",
        staff=sa,
        assignee=org.agent_a,
        received_at=at(3),
        resolution_due=at(4),
        breached=False,
    )
    t2 = ticket(
        org.team_a, staff=sa, assignee=org.agent_a, received_at=at(5), resolution_due=at(6), breached=True
    )
    for score, day in [(5, 4), (5, 6), (4, 8)]:
        rating(org.team_a, score, at(day), t1 if day == 4 else t2)
    rating(org.team_a, 1, at(9), t1, excluded=True, excluded_reason="test")
    t3 = ticket(org.team_b, staff=sb, assignee=org.agent_b, received_at=at(10))
    t4 = ticket(org.team_b, staff=sb, assignee=org.agent_b, received_at=at(11))
    ticket(org.team_b, staff=sb, received_at=at(12), merged_into=t4)
    ticket(org.team_b, staff=sb, received_at=dt.datetime(2026, 9, 20, tzinfo=timezone.get_default_timezone()))
    rating(org.team_b, 5, at(12), t3)
    rating(org.team_b, 5, at(13), t4)
    # A ticket naming nobody as staff concerned counts for its assignee (manager_b): CSAT 2.
    rating(
        org.branch_b,
        2,
        at(14),
        ticket(org.branch_b, kind="inquiry", assignee=org.manager_b, received_at=at(14)),
    )
    tpl = ChecklistTemplate.objects.create(code="TPL", name="template")
    for n, (unit, score) in enumerate([(org.team_a, "95.00"), (org.team_a, "91.00"), (org.team_b, "70.00")]):
        Inspection.objects.create(
            number=f"INS-P-{n}",
            template=tpl,
            org_unit=unit,
            status="completed",
            performed_at=at(7 + n),
            score=Decimal(score),
            staff=sa if unit == org.team_a else sb,
        )
    course = Course.objects.create(code="C1", title="course", org_unit=org.hq)
    TrainingAssignment.objects.create(course=course, staff=sa, due_date=dt.date(2026, 10, 20))
    done = TrainingAssignment.objects.create(
        course=Course.objects.create(code="C2", title="c2", org_unit=org.hq),
        staff=sa,
        due_date=dt.date(2026, 10, 25),
    )
    TrainingAssignment.objects.filter(pk=done.pk).update(completed_at=at(18))
    for n, status in enumerate(["pilot", "rolled_out", "rejected"]):
        s = Suggestion.objects.create(
            number=f"SG-P-{n}",
            title="idea",
            description="d",
            org_unit=org.team_b,
            submitter=org.agent_b,
            status=status,
        )
        Suggestion.objects.filter(pk=s.pk).update(created_at=at(2 + n))
    rules = make_rules(org.admin)
    period = services.create_period(actor=org.quality, kind="month", day=DAY, org_unit=org.hq)
    return Scene(org, period, rules, sa, sb, sm)
