"""Demo inspections and audits on the demo organisation: checklist templates, resources of every outlet,
12 months of monthly on-site inspections and quarterly mystery shopping, spot checks, two internal audits
with checklists and findings, and an ISO 9001 certificate. Idempotent (template code DEMO-HALL)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from sqms.audits import domain
from sqms.audits.models import (
    AuditPlan,
    AuditProgramme,
    AuditQuestion,
    Certificate,
    ChecklistItem,
    ChecklistTemplate,
    Clause,
    Finding,
    Inspection,
    InspectionPlan,
    InspectionResult,
    Resource,
)
from sqms.audits.presets import load_clauses

HALL_ITEMS = [
    ("营业厅环境整洁、标识清晰", "pass_fail", 1, 2, False),
    ("员工着装规范、佩戴工牌", "pass_fail", 1, 2, False),
    ("服务用语规范、首问负责", "points", 5, 3, False),
    ("叫号系统与评价器运行正常", "pass_fail", 1, 3, False),
    ("消防设施完好、安全通道畅通", "pass_fail", 1, 4, True),
    ("业务办理时限符合服务承诺", "points", 5, 3, False),
    ("公示电价与收费标准", "pass_fail", 1, 2, True),
]
MYSTERY_ITEMS = [
    ("进门三米内主动问候", "pass_fail", 1, 2, False),
    ("等候时间不超过15分钟", "pass_fail", 1, 3, False),
    ("业务解释准确、耐心", "points", 5, 4, False),
    ("告知办理进度与后续联系方式", "pass_fail", 1, 2, False),
]


def _template(
    code: str, name: str, kind: str, items: list[tuple[str, str, int, int, bool]], admin: object
) -> ChecklistTemplate:
    t = ChecklistTemplate.objects.create(code=code, name=name, kind=kind, created_by=admin)
    ChecklistItem.objects.bulk_create(
        [
            ChecklistItem(
                template=t, order=(i + 1) * 10, text=text, scoring=sc, max_points=mp, weight=w, critical=crit
            )
            for i, (text, sc, mp, w, crit) in enumerate(items)
        ]
    )
    return t


def _aware(d: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(d, time(hour, 0)))


@transaction.atomic
def seed(size: str, write: Callable[[str], None]) -> None:
    from sqms.org.models import OrgUnit

    if ChecklistTemplate.objects.filter(code="DEMO-HALL").exists():
        write("  inspections and audits already seeded")
        return
    if not OrgUnit.objects.filter(code="HQ").exists():
        write("  no demo organisation: inspections and audits skipped")
        return
    load_clauses()
    rng = random.Random(2026)
    User = get_user_model()
    admin = User.objects.filter(username="admin").first()
    quality = User.objects.filter(username="quality").first() or admin
    auditor = User.objects.filter(username="auditor").first() or quality
    hall = _template("DEMO-HALL", "营业厅现场检查表", "on_site", HALL_ITEMS, admin)
    mystery = _template("DEMO-MYSTERY", "神秘顾客暗访表", "mystery", MYSTERY_ITEMS, admin)
    outlets = list(OrgUnit.objects.filter(kind="outlet").order_by("code"))
    hq = OrgUnit.objects.get(code="HQ")

    today = timezone.localdate()
    resources = []
    for o in outlets:
        resources += [
            Resource(
                code=f"{o.code}-W1",
                name=f"{o.name}1号窗口",
                kind="service_window",
                org_unit=o,
                maintenance_due=today + timedelta(days=rng.randint(-5, 120)),
                created_by=admin,
            ),
            Resource(
                code=f"{o.code}-RD",
                name=f"{o.name}服务评价器",
                kind="rating_device",
                org_unit=o,
                inspection_due=today + timedelta(days=rng.randint(3, 90)),
                created_by=admin,
            ),
        ]
    Resource.objects.bulk_create(resources)

    start = (today.replace(day=1) - timedelta(days=335)).replace(day=1)
    plans = {}
    for o in outlets:
        plans[o.pk] = InspectionPlan.objects.create(
            name=f"{o.name}月度现场检查",
            kind="on_site",
            template=hall,
            org_unit=o,
            inspector=quality,
            frequency="monthly",
            start_date=start + timedelta(days=9),
            end_date=today + timedelta(days=60),
            created_by=admin,
        )
    spot = InspectionPlan.objects.create(
        name="全省营业厅随机抽查",
        kind="spot_check",
        template=hall,
        org_unit=hq,
        inspector=quality,
        frequency="quarterly",
        start_date=start,
        end_date=today + timedelta(days=60),
        sample_kind="units",
        sample_size=4,
        created_by=admin,
    )
    # Each outlet has its own quality level, some drift over the year.
    level = {o.pk: rng.uniform(0.7, 0.97) for o in outlets}
    hall_items = list(hall.items.order_by("order"))
    myst_items = list(mystery.items.order_by("order"))
    insps: list[Inspection] = []
    answers: list[list[tuple[ChecklistItem, str, Decimal | None]]] = []
    n = 0

    def add(
        o: OrgUnit,
        t: ChecklistTemplate,
        items: list[ChecklistItem],
        d: date,
        kind: str,
        plan: InspectionPlan | None,
    ) -> None:
        nonlocal n
        n += 1
        p = level[o.pk]
        rows = []
        for it in items:
            if it.scoring == "points":
                pts = Decimal(max(0, min(it.max_points, round(rng.gauss(p * it.max_points, 0.8)))))
                rows.append((it, "scored", pts))
            else:
                good = rng.random() < (p + (0.06 if it.critical else 0))
                rows.append((it, "pass" if good else "fail", None))
        s = domain.score(
            [
                domain.ItemAnswer(Decimal(it.weight), it.scoring, it.max_points, it.critical, oc, pts)
                for it, oc, pts in rows
            ],
            Decimal(t.pass_mark),
        )
        insps.append(
            Inspection(
                number=f"DM-IN{d:%Y%m%d}-{n:05d}",
                kind=kind,
                template=t,
                plan=plan,
                org_unit=o,
                inspector=quality,
                status="completed",
                scheduled_for=d,
                performed_at=_aware(d, 10 + n % 6),
                score=s.percent,
                passed=s.passed,
                critical_failed=s.critical_failed,
                created_by=quality,
                shopper="暗访员" + "甲乙丙丁"[n % 4] if kind == "mystery" else "",
                visit_record="按脚本完成咨询业务办理全过程，记录见各项说明。" if kind == "mystery" else "",
                scenario="以新装居民用电为由咨询办理流程" if kind == "mystery" else "",
            )
        )
        answers.append(rows)

    for month in range(12):
        d0 = start + timedelta(days=31 * month)
        for o in outlets:
            d = d0.replace(day=min(28, 10 + rng.randint(0, 10)))
            if d > today:
                continue
            add(o, hall, hall_items, d, "on_site", plans[o.pk])
            if month % 3 == 1:
                add(
                    o,
                    mystery,
                    myst_items,
                    d + timedelta(days=3) if d + timedelta(days=3) <= today else d,
                    "mystery",
                    None,
                )
        if month % 3 == 2:
            for o in rng.sample(outlets, min(4, len(outlets))):
                add(
                    o,
                    hall,
                    hall_items,
                    d0.replace(day=25) if d0.replace(day=25) <= today else d0,
                    "spot_check",
                    spot,
                )
    Inspection.objects.bulk_create(insps, batch_size=1000)
    results = [
        InspectionResult(
            inspection=i,
            item=it,
            outcome=oc,
            points=pts,
            note="现场发现问题，已拍照留存" if oc == "fail" else "",
        )
        for i, rows in zip(insps, answers, strict=True)
        for it, oc, pts in rows
    ]
    InspectionResult.objects.bulk_create(results, batch_size=2000)
    write(f"  {len(insps)} inspections, {len(results)} item results, {len(resources)} resources")

    year = today.year
    prog = AuditProgramme.objects.create(
        year=year,
        title=f"{year}年度内部审核方案",
        objectives="覆盖全部区域，验证质量管理体系与服务管理体系的符合性和有效性",
        org_unit=hq,
        created_by=admin,
    )
    iso = {c.number: c for c in Clause.objects.filter(standard="iso9001_2015")}
    audits = [
        ("东部区域内部审核", "SZ", quality, ["7.1", "8.2", "8.5", "9.1"], today - timedelta(days=150)),
        ("西部区域内部审核", "NJ", auditor, ["7.2", "8.5", "9.2", "10.2"], today - timedelta(days=40)),
    ]
    kinds = ["conformity", "conformity", "observation", "ofi", "minor_nc", "minor_nc", "major_nc"]
    texts = {
        "conformity": ("抽查记录齐全，符合要求", "查阅近三个月记录"),
        "observation": ("部分记录填写不规范", "抽查10份记录中2份缺少签名"),
        "ofi": ("可考虑引入电子化台账", "现场观察"),
        "minor_nc": ("服务设施点检记录缺失", "3月份叫号机点检记录缺失"),
        "major_nc": ("未按规定开展顾客满意度监视", "近半年无满意度调查记录"),
    }
    for i, (title, code, lead, clauses, day) in enumerate(audits):
        branch = OrgUnit.objects.get(code=code)
        plan = AuditPlan.objects.create(
            number=f"DM-AU{year}-{i + 1:02d}",
            programme=prog,
            kind="internal",
            title=f"{year}年{title}",
            objective="评价质量管理体系运行的符合性和有效性",
            scope=f"{branch.name}营业服务全过程",
            start_date=day,
            end_date=day + timedelta(days=2),
            places=branch.name,
            lead_auditor=lead,
            agenda="首次会议 → 现场审核 → 审核组内部会议 → 末次会议",
            status="reported",
            summary="体系总体运行有效，发现的不符合项已要求限期整改。",
            created_by=admin,
        )
        plan.criteria.set([iso[c] for c in clauses])
        plan.auditee_units.set([branch])
        plan.team.set([u for u in (quality, auditor) if u is not None and u != lead])
        from sqms.audits.services import checklist_clauses

        qs = [
            AuditQuestion(
                plan=plan,
                clause=c,
                order=(k + 1) * 10,
                question=f"{c.number} {c.title_zh} — 有何证据表明满足本条款要求？",
                result="conforming",
            )
            for k, c in enumerate(checklist_clauses(plan))
        ]
        AuditQuestion.objects.bulk_create(qs)
        teams = list(OrgUnit.objects.filter(parent=branch))
        findings = []
        for k, q in enumerate(qs):
            kind = kinds[(k + i) % len(kinds)]
            desc, ev = texts[kind]
            findings.append(
                Finding(
                    plan=plan,
                    question=q,
                    clause=q.clause,
                    kind=kind,
                    description=desc,
                    evidence=ev,
                    auditee_unit=teams[k % len(teams)],
                    auditee="班组长",
                    auditor=lead,
                    created_by=lead,
                )
            )
        Finding.objects.bulk_create(findings)
    Certificate.objects.create(
        standard="iso9001_2015",
        number="00126Q3XXXX",
        body="中国质量认证中心",
        org_unit=hq,
        scope="供电营业服务、客户服务热线及故障抢修服务",
        issued_on=date(year - 2, 6, 1),
        expires_on=date(year + 1, 5, 31),
        next_surveillance_on=today + timedelta(days=45),
        created_by=admin,
    )
    write(f"  2 internal audits, {Finding.objects.count()} findings, 1 certificate")
