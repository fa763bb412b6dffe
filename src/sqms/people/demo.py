"""Demo scorecards: a set of point rules, last month's period for the whole company computed from the
demo feedback, inspections, training and suggestions, the Suzhou branch's points approved by its manager,
a few manual entries and one appeal by the demo agent. Idempotent (skipped when the rules exist)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from sqms.org.models import OrgUnit, Staff
from sqms.people import services
from sqms.people.models import EntryStatus, Period, PointEntry, Rule

RULES = [
    # code, name, subject, metric, comparator, threshold, mode, points
    ("R-CSAT-HIGH", "月度满意度≥4.8奖励", "staff", "csat", ">=", "4.8", "once", 10),
    ("R-CSAT-LOW", "月度满意度低于3分扣分", "staff", "csat", "<", "3", "once", -10),
    ("R-COMPLAINT", "每件有效投诉扣5分", "staff", "valid_complaints", "", None, "each", -5),
    ("R-SLA", "工单时限达成率≥95%奖励", "staff", "sla_attainment", ">=", "95", "once", 5),
    ("R-TRAIN", "培训全部按期完成奖励", "staff", "training_completion", ">=", "100", "once", 5),
    ("R-SUGG", "每条被采纳的合理化建议奖励3分", "staff", "suggestions_adopted", "", None, "each", 3),
    ("R-UNIT-INSP", "现场检查均分≥90的单位奖励", "unit", "inspection_score", ">=", "90", "once", 20),
    ("R-UNIT-CSAT", "单位满意度≥4.5奖励", "unit", "csat", ">=", "4.5", "once", 15),
    ("R-UNIT-SLA", "单位时限达成率低于80%扣分", "unit", "sla_attainment", "<", "80", "once", -15),
]


def last_month(today: dt.date) -> dt.date:
    return today.replace(day=1) - dt.timedelta(days=1)


@transaction.atomic
def seed(size: str, write: Callable[[str], None]) -> None:
    if Rule.objects.filter(code="R-CSAT-HIGH").exists():
        write("  scorecards already seeded")
        return
    hq = OrgUnit.objects.filter(code="HQ").first()
    User = get_user_model()
    quality = User.objects.filter(username="quality").first()
    if hq is None or quality is None:
        write("  scorecards: no demo organisation, skipped")
        return
    for code, name, subject, metric, comparator, threshold, mode, points in RULES:
        services.create_rule(
            actor=quality,
            data={
                "code": code,
                "name": name,
                "subject": subject,
                "metric": metric,
                "comparator": comparator,
                "threshold": Decimal(threshold) if threshold else None,
                "mode": mode,
                "points": points,
                "valid_from": dt.date(2026, 1, 1),
            },
        )
    day = last_month(timezone.localdate())
    period = Period.objects.filter(org_unit=hq, kind="month", start=day.replace(day=1)).first()
    if period is None:
        period = services.create_period(actor=quality, kind="month", day=day, org_unit=hq)
    summary = services.compute_period(actor=quality, period=period)
    write(f"  scorecard {period.label}: {summary['subjects']} scorecards, {summary['created']} point entries")

    # Manual entries by the quality manager (they await approval by the unit managers).
    manual = [
        ("SZ-CC", 8, "台风抢修期间主动加班支援客服热线"),
        ("SZ-HALL1", -6, "营业厅服务规范抽查：未执行首问负责制"),
        ("NJ-REPAIR", 12, "获得客户锦旗表扬，抢修响应迅速"),
    ]
    for unit_code, pts, reason in manual:
        person = Staff.objects.active().filter(org_unit__code=unit_code).order_by("employee_no").first()
        if person is not None:
            services.add_manual_entry(actor=quality, period=period, points=pts, reason=reason, staff=person)

    # The demo agent's points: a manual penalty he appeals (so the appeal shows in the demo).
    agent = User.objects.filter(username="agent").first()
    agent_staff = Staff.objects.filter(user=agent).first() if agent else None
    if agent_staff is not None:
        entry = PointEntry.objects.filter(period=period, staff=agent_staff).order_by("points").first()
        if entry is None or entry.points > 0:
            entry = services.add_manual_entry(
                actor=quality,
                period=period,
                points=-5,
                reason="回访录音抽查：未按规范致结束语",
                staff=agent_staff,
            )
        services.file_appeal(
            actor=User.objects.get(pk=agent.pk),
            entry=entry,
            reason="该通回访因客户主动挂断而未能致结束语，附通话记录时长可查。",
        )

    # The Suzhou branch manager approves his branch (his own points are left for someone else).
    manager = User.objects.filter(username="manager").first()
    if manager is not None:
        r = services.approve_entries(actor=User.objects.get(pk=manager.pk), period=period)
        write(
            f"  scorecard approvals by the Suzhou manager: {r['approved']} approved, {r['skipped_own']} own left"
        )
    pending = PointEntry.objects.filter(period=period, status=EntryStatus.PENDING).count()
    write(f"  scorecard {period.label}: {pending} entries await approval, 1 appeal open")
