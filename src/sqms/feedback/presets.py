"""Shipped presets: the CN calendar (from chinese_calendar, via the SLA engine), the DEFAULT,
BANK-COMPLAINT and HCP-RECTIFY policies, and a starter service catalogue with keyword rules.

Created after every migrate (idempotent): an existing preset is never overwritten, so admins' edits stay."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from sqms.feedback.calendars import CN_WEEKLY, preset_calendar_days

DEFAULT_TARGETS = {
    p: [
        {"name": "first_response", "unit": "business_hours", "amount": r},
        {"name": "resolution", "unit": "business_hours", "amount": s},
        {"name": "confirmation", "unit": "natural_days", "amount": 3},
    ]
    for p, r, s in (("P1", 0.5, 4), ("P2", 1, 8), ("P3", 4, 24), ("P4", 8, 40))
}
BANK_TARGETS = {
    "*": [
        {"name": "first_response", "unit": "working_days", "amount": 1},
        {"name": "resolution", "unit": "natural_days", "amount": 15, "max_amount": 30},
    ]
}
HCP_TARGETS = {"*": [{"name": "resolution", "unit": "working_days", "amount": 5}]}

CATALOGUE = [
    ("SVC-BIZ", "业务办理", "Business services", "service", None),
    ("SVC-REPAIR", "故障抢修", "Fault repair", "service", None),
    ("SVC-BILL", "电费缴纳", "Billing and payment", "service", None),
    ("CAT-ATTITUDE", "服务态度", "Service attitude", "category", None),
    ("CAT-WAIT", "等候时间", "Waiting time", "category", None),
    ("CAT-REPAIR", "抢修时效", "Repair timeliness", "category", None),
    ("CAT-BILLING", "电费电价", "Bills and tariffs", "category", None),
    ("CAT-OUTAGE", "停电问题", "Power outages", "category", None),
    ("CAT-METER", "计量装置", "Metering", "category", None),
    ("CAT-PROCESS", "业务流程", "Business process", "category", None),
    ("CAT-OTHER", "其他", "Other", "category", None),
]
RULES = [
    ("态度,不耐烦,骂,rude,attitude", "CAT-ATTITUDE", ""),
    ("排队,等了,等候,wait,queue", "CAT-WAIT", ""),
    ("抢修,报修,repair", "CAT-REPAIR", "P2"),
    ("电费,账单,收费,bill,charge", "CAT-BILLING", ""),
    ("停电,断电,outage,blackout", "CAT-OUTAGE", "P2"),
    ("电表,计量,meter", "CAT-METER", ""),
    ("安全,触电,火,着火,danger,fire", "", "P1"),
    ("媒体,记者,12315,投诉到,media", "", "P1"),
]


@transaction.atomic
def ensure_presets() -> None:
    from sqms.feedback.models import Calendar, CalendarDay, KeywordRule, PolicyUse, ServiceCategory, SlaPolicy

    cal = Calendar.objects.filter(code="CN").first()
    if cal is None:
        days, years = preset_calendar_days()
        cal = Calendar.objects.create(
            code="CN",
            name="中国大陆工作日",
            tz="Asia/Shanghai",
            weekly=CN_WEEKLY,
            covered_years=years,
            preset="CN",
        )
        CalendarDay.objects.bulk_create([CalendarDay(calendar=cal, date=d, kind=k) for d, k in days])
    presets: list[tuple[str, str, Any, int, bool, dict[str, Any]]] = [
        ("DEFAULT", "默认服务时限", PolicyUse.TICKET, 1000, True, DEFAULT_TARGETS),
        (
            "BANK-COMPLAINT",
            "银行业消费投诉（15 自然日，可延至 30 日）",
            PolicyUse.TICKET,
            500,
            False,
            BANK_TARGETS,
        ),
        ("HCP-RECTIFY", "好差评整改（5 个工作日）", PolicyUse.RECTIFICATION, 100, True, HCP_TARGETS),
    ]
    for code, name, use, order, active, targets in presets:
        if not SlaPolicy.objects.filter(code=code).exists():
            SlaPolicy.objects.create(
                code=code,
                name=name,
                use=use,
                order=order,
                active=active,
                calendar=cal,
                targets=targets,
                pause_statuses=["waiting_customer"] if use == PolicyUse.TICKET else [],
            )
    if not ServiceCategory.objects.exists():
        ServiceCategory.objects.bulk_create(
            [
                ServiceCategory(code=c, name=n, name_en=e, kind=k, order=i)
                for i, (c, n, e, k, _p) in enumerate(CATALOGUE)
            ]
        )
        cats = {c.code: c for c in ServiceCategory.objects.all()}
        KeywordRule.objects.bulk_create(
            [
                KeywordRule(keywords=w, category=cats.get(c), priority=p, order=i * 10)
                for i, (w, c, p) in enumerate(RULES)
            ]
        )
        from sqms.feedback import confcache

        confcache.changed()  # bulk writes send no model signals


def ensure_presets_signal(sender: Any, **kwargs: Any) -> None:
    """After migrate: the shipped presets (never overwriting admins' edits)."""
    ensure_presets()
