"""Demo data of the improvement app: 12 months of nonconformities with root causes, CAPAs and
effectiveness checks, a few PDCA projects, staff suggestions, library articles and a management review.
Bulk-written and idempotent (nothing is added when nonconformities already exist)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from sqms.improvement.models import (
    CorrectiveAction,
    EffectivenessCheck,
    GoodPractice,
    ImprovementProject,
    ManagementReview,
    Nonconformity,
    ProjectTask,
    ReviewItem,
    StageGate,
    Suggestion,
)
from sqms.org.models import OrgUnit, Staff

TOPICS = [
    (
        "营业厅排队等候时间过长",
        "complaint",
        "method",
        ["窗口开放不足", "午休时段窗口重叠", "排班未按客流调整"],
    ),
    ("抢修到达超时", "kpi_alert", "machine", ["抢修车辆调度靠人工", "车辆无定位", "调度系统未接入GIS"]),
    ("电费账单解释不清", "bad_review", "man", ["营业员业务不熟", "培训未覆盖新电价", "培训计划未更新"]),
    ("评价器故障未及时修复", "inspection", "machine", ["设备巡检缺失", "维保台账未建立", "责任人不明确"]),
    ("投诉回访不及时", "audit_finding", "method", ["回访任务无提醒", "工单系统无时限", "流程未规定回访时限"]),
    ("计量表计读数差错", "complaint", "measurement", ["抄表核对缺失", "表计老化", "轮换计划延误"]),
    ("营业厅环境卫生不达标", "inspection", "environment", ["保洁频次不足", "检查标准不明确", "未纳入考核"]),
    ("服务用语不规范", "bad_review", "man", ["新员工岗前培训不足", "缺少话术手册", "未做神秘顾客检查"]),
]
FISH = {
    "man": ["培训不足", "责任心不强"],
    "machine": ["设备老化", "系统不稳定"],
    "material": ["宣传资料过期"],
    "method": ["流程不清", "无时限要求"],
    "environment": ["高峰客流集中"],
    "measurement": ["考核指标缺失"],
}
KPIS = ["on_time_rate", "fcr_rate", "bad_review_rate"]


@transaction.atomic
def seed(size: str, write: Callable[[str], None]) -> None:
    if Nonconformity.objects.exists():
        write("  improvement already seeded")
        return
    teams = list(OrgUnit.objects.filter(code__contains="-").exclude(code="HQ-QM").order_by("code"))
    hq = OrgUnit.objects.filter(code="HQ").first()
    if not teams or hq is None:
        write("  improvement: no demo organisation, skipped")
        return
    User = get_user_model()
    quality = (
        User.objects.filter(username="quality").first() or User.objects.filter(is_superuser=True).first()
    )
    auditor = User.objects.filter(username="auditor").first() or quality
    owners_by_unit: dict[int, list[int]] = {}
    for unit_id, user_id in Staff.objects.filter(org_unit__in=teams).values_list("org_unit_id", "user_id"):
        owners_by_unit.setdefault(unit_id, []).append(user_id)
    rng = random.Random(7070)
    today = timezone.localdate()
    now = timezone.now()
    n_nc = {"small": 180, "large": 1200}.get(size, 180)
    ncs: list[Nonconformity] = []
    for i in range(n_nc):
        title, source, cat, whys = TOPICS[i % len(TOPICS)]
        unit = rng.choice(teams)
        detected = today - dt.timedelta(days=rng.randrange(0, 365))
        age = (today - detected).days
        status = (
            "closed"
            if age > 90 and rng.random() < 0.85
            else rng.choice(["open", "analysing", "acting", "verifying"])
        )
        ncs.append(
            Nonconformity(
                number=f"NC-D{i + 1:05d}",
                source=source,
                source_ref=f"demo:{i + 1}",
                org_unit=unit,
                title=f"{unit.name}{title}",
                severity=rng.choices(["minor", "major", "critical"], [70, 25, 5])[0],
                status=status,
                containment_action="已安排专人临时处理并向客户致歉" if status != "open" else "",
                detected_on=detected,
                problem=title,
                whys=whys if status != "open" else [],
                fishbone={cat: FISH[cat], "method": FISH["method"]} if status != "open" else {},
                root_cause=whys[-1] if status != "open" else "",
                closed_at=now - dt.timedelta(days=max(age - 60, 1)) if status == "closed" else None,
                created_by=quality,
                created_at=now - dt.timedelta(days=age),
            )
        )
    Nonconformity.objects.bulk_create(ncs)
    ncs = list(Nonconformity.objects.filter(source_ref__startswith="demo:").order_by("id"))
    actions: list[CorrectiveAction] = []
    checks: list[EffectivenessCheck] = []
    for nc in ncs:
        if nc.status in ("open", "analysing"):
            continue
        owners = owners_by_unit.get(nc.org_unit_id) or [quality.pk]
        for k, kind in enumerate(["corrective", "preventive"]):
            due = nc.detected_on + dt.timedelta(days=30 + 15 * k)
            done = nc.status in ("closed", "verifying") or (nc.status == "acting" and rng.random() < 0.4)
            completed = due + dt.timedelta(days=rng.choice([-10, -5, -2, 0, 3, 9])) if done else None
            actions.append(
                CorrectiveAction(
                    nonconformity=nc,
                    kind=kind,
                    description=f"针对“{nc.root_cause}”制定整改措施"
                    if k == 0
                    else "修订作业指导书并组织培训",
                    owner_id=rng.choice(owners),
                    due_date=due,
                    status="done" if done else rng.choice(["planned", "in_progress"]),
                    evidence="整改照片、培训签到表" if done else "",
                    completed_on=min(completed, today) if completed else None,
                    created_by=quality,
                )
            )
        if nc.status in ("closed", "verifying"):
            effective = nc.status == "closed" or rng.random() < 0.6
            before_v = rng.uniform(70.0, 85.0)
            after_v = before_v + (rng.uniform(4.0, 10.0) if effective else rng.uniform(-2.0, 2.0))
            checks.append(
                EffectivenessCheck(
                    nonconformity=nc,
                    kpi_code=rng.choice(KPIS[:2]),
                    before_start=nc.detected_on - dt.timedelta(days=60),
                    before_end=nc.detected_on - dt.timedelta(days=1),
                    after_start=nc.detected_on + dt.timedelta(days=31),
                    after_end=nc.detected_on + dt.timedelta(days=90),
                    before_value=round(before_v, 4),
                    after_value=round(after_v, 4),
                    test="two_proportion",
                    statistic=round(rng.uniform(2.0, 5.0) if effective else rng.uniform(-1, 1), 3),
                    p_value=round(rng.uniform(0.0001, 0.03) if effective else rng.uniform(0.2, 0.9), 4),
                    improved=effective,
                    verdict=("effective" if effective else "not_effective")
                    if nc.status == "closed" or rng.random() < 0.5
                    else "pending",
                    verified_by=auditor if nc.status == "closed" else None,
                    verified_at=nc.closed_at,
                    created_by=quality,
                )
            )
    CorrectiveAction.objects.bulk_create(actions)
    EffectivenessCheck.objects.bulk_create(checks)
    write(f"  {len(ncs)} nonconformities, {len(actions)} actions, {len(checks)} effectiveness checks")

    projects = []
    stages = ["closed", "closed", "act", "check", "do", "plan"]
    for i, stage in enumerate(stages):
        title, _src, _cat, whys = TOPICS[i]
        unit = teams[(i * 7) % len(teams)]
        projects.append(
            ImprovementProject(
                number=f"PDCA-D{i + 1:04d}",
                title=f"降低{title}的专项改进",
                org_unit=unit.parent or unit,
                leader_id=(owners_by_unit.get(unit.pk) or [quality.pk])[0],
                stage=stage,
                nonconformity=ncs[i] if i < len(ncs) else None,
                problem=title,
                kpi_code=KPIS[i % 3],
                kpi_target=2.0 if KPIS[i % 3] == "bad_review_rate" else 90.0,
                root_causes="；".join(whys),
                action_plan="1. 调整排班 2. 上线系统提醒 3. 专项培训",
                expected_effect="指标提升 10% 以上",
                check_result={
                    "before": 0.78,
                    "after": 0.91,
                    "p_value": 0.002,
                    "improved": True,
                    "target_met": True,
                }
                if stage in ("act", "closed")
                else {},
                standard_reference="Q/JN-FW-2026-03 营业厅服务规范（第2版）" if stage == "closed" else "",
                lessons_learned="高峰时段弹性排班效果明显，需固化为制度。" if stage == "closed" else "",
                closed_at=now - dt.timedelta(days=30 * (i + 1)) if stage == "closed" else None,
                created_by=quality,
                created_at=now - dt.timedelta(days=300 - 40 * i),
            )
        )
    ImprovementProject.objects.bulk_create(projects)
    projects = list(ImprovementProject.objects.filter(number__startswith="PDCA-D").order_by("id"))
    order = ["plan", "do", "check", "act", "closed"]
    gates, tasks = [], []
    for p in projects:
        for j in range(order.index(p.stage)):
            gates.append(
                StageGate(
                    project=p,
                    from_stage=order[j],
                    to_stage=order[j + 1],
                    approver=quality,
                    note="同意进入下一阶段",
                    at=p.created_at + dt.timedelta(days=20 * (j + 1)),
                )
            )
        for j, t in enumerate(["现状调查", "方案实施", "效果跟踪"]):
            tasks.append(
                ProjectTask(
                    project=p,
                    title=t,
                    owner_id=p.leader_id,
                    due_date=p.created_at.date() + dt.timedelta(days=20 * (j + 1)),
                    done_on=p.created_at.date() + dt.timedelta(days=20 * (j + 1))
                    if p.stage not in ("plan", "do")
                    else None,
                    created_by=quality,
                )
            )
    StageGate.objects.bulk_create(gates)
    ProjectTask.objects.bulk_create(tasks)

    ideas = [
        "高峰时段增设临时引导岗",
        "抢修车辆加装北斗定位",
        "电费账单增加图示说明",
        "评价器每日开班自检",
        "投诉工单增加回访倒计时",
        "自助终端增加适老化大字模式",
        "营业厅设置便民充电角",
        "编制常见问题一页纸手册",
    ]
    suggestions = []
    for i, idea in enumerate(ideas * 3):
        unit = rng.choice(teams)
        status = rng.choice(["submitted", "evaluated", "rejected", "pilot", "rolled_out"])
        suggestions.append(
            Suggestion(
                number=f"SUG-D{i + 1:04d}",
                title=idea,
                description=f"{idea}，以提升客户体验和办事效率。",
                org_unit=unit,
                submitter_id=rng.choice(owners_by_unit.get(unit.pk) or [quality.pk]),
                status=status,
                feasibility=rng.randint(2, 5) if status != "submitted" else None,
                benefit=rng.randint(2, 5) if status != "submitted" else None,
                evaluation_note="可行，建议试点" if status in ("pilot", "rolled_out") else "",
                pilot=projects[i % len(projects)] if status in ("pilot", "rolled_out") else None,
                pilot_result="试点三个月满意度提升" if status == "rolled_out" else "",
                reward_points={"pilot": 50, "rolled_out": 200}.get(status, 0),
                created_by=quality,
                created_at=now - dt.timedelta(days=rng.randrange(0, 365)),
            )
        )
    Suggestion.objects.bulk_create(suggestions)
    GoodPractice.objects.bulk_create(
        [
            GoodPractice(
                title="弹性排班缩短营业厅等候时间",
                kind="good_practice",
                body="根据客流数据在午间和月初高峰增开窗口，平均等候时间下降 35%。",
                tags="排队,排班,营业厅",
                org_unit=projects[0].org_unit,
                project=projects[0],
                nonconformity=ncs[0],
                created_by=quality,
            ),
            GoodPractice(
                title="抢修车辆定位调度",
                kind="good_practice",
                body="抢修车辆加装定位后按就近原则派单，到达及时率提升至 96%。",
                tags="抢修,调度,到达及时率",
                org_unit=projects[1].org_unit,
                project=projects[1],
                created_by=quality,
            ),
            GoodPractice(
                title="评价器故障未纳入巡检的教训",
                kind="lesson",
                body="评价器故障两周无人发现，差评数据缺失。教训：设备必须纳入日常巡检清单并明确责任人。",
                tags="评价器,巡检,设备",
                org_unit=ncs[3].org_unit,
                nonconformity=ncs[3],
                created_by=quality,
            ),
        ]
    )
    review = ManagementReview.objects.create(
        title=f"{today.year - 1}年度管理评审",
        org_unit=hq,
        period_start=dt.date(today.year - 1, 1, 1),
        period_end=dt.date(today.year - 1, 12, 31),
        meeting_date=dt.date(today.year, 1, 20) if today >= dt.date(today.year, 1, 20) else today,
        chair=User.objects.filter(username="exec").first(),
        attendees="郑总、周质量、各区域负责人",
        status="held",
        minutes="评审认为质量管理体系总体有效，需加强抢修到达及时率和投诉回访管理。",
        created_by=quality,
    )
    from sqms.improvement.selectors import review_inputs

    review.inputs = review_inputs(quality, hq, review.period_start, review.period_end)
    review.save(update_fields=["inputs"])
    ReviewItem.objects.bulk_create(
        [
            ReviewItem(
                review=review, kind="decision", text="将抢修到达及时率纳入年度考核", created_by=quality
            ),
            ReviewItem(
                review=review,
                kind="action",
                text="完成全部抢修车辆定位改造",
                owner=quality,
                due_date=today + dt.timedelta(days=60),
                created_by=quality,
            ),
        ]
    )
    write(f"  {len(projects)} PDCA projects, {len(suggestions)} suggestions, 1 management review")
