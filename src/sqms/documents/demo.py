"""Demo documents and training on the demo organisation (src/sqms/org/demo.py): a quality policy and
manual, procedures and work instructions with versions and real e-signatures (quality reviews, the
admin approves), courses linked to them, sessions with scores, certificates, assignments (some overdue),
retraining assigned by a new effective version, and acknowledgements. Idempotent."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

MANUAL = """第一章 总则
1.1 本手册依据 GB/T 19001 与 GB/T 31950 编制，适用于公司全部供电服务。
1.2 质量方针：用心服务，持续改进，让客户满意。
第二章 组织与职责
2.1 质量管理部负责服务质量管理体系的策划、运行与评价。
2.2 各供电公司负责本单位服务质量目标的落实。
第三章 服务过程控制
3.1 业扩报装、故障抢修、电费缴纳等过程按程序文件执行。
"""

COMPLAINT = """1 目的：规范客户投诉的受理、处理、回访与关闭。
2 范围：适用于各供电公司及营业厅、客户服务中心。
3 受理：首问负责，24 小时内联系客户。
4 处理：按 SLA 时限办结，重大投诉上报质量管理部。
5 回访：办结后 3 个工作日内回访，记录满意度。
"""

HALL = """1 着装整洁，佩戴工号牌。
2 客户到达 3 米内起身微笑问候。
3 办理业务一次告知所需材料。
4 客户离开时礼貌道别。
"""


def seed(size: str, write: Callable[[str], None]) -> None:
    from sqms.documents.models import Document

    if Document.objects.filter(number="QM-001").exists():
        write("  documents already seeded")
        return
    from sqms.org.models import OrgUnit

    if not OrgUnit.objects.filter(code="HQ").exists():
        write("  documents: no demo organisation, skipped")
        return
    _seed(write)


@transaction.atomic
def _seed(write: Callable[[str], None]) -> None:
    from sqms.documents import services
    from sqms.documents.models import Acknowledgement, Competency, CompetencyRecord, Course, TrainingSession
    from sqms.org.models import OrgUnit, Process, Staff

    User = get_user_model()
    quality = User.objects.get(username="quality")
    admin = User.objects.get(username="admin")
    manager = User.objects.filter(username="manager").first() or quality
    today = timezone.localdate()
    unit = {
        u.code: u
        for u in OrgUnit.objects.filter(code__in=["HQ", "HQ-QM", "SZ", "SZ-HALL1", "SZ-HALL2", "SZ-CC"])
    }
    procs = {p.code: p for p in Process.objects.all()}

    def publish(doc, text, *, author, days_ago, major=False, summary=""):
        v = services.add_version(
            actor=author,
            document=doc,
            text=text,
            major=major,
            change_summary=summary,
            effective_date=today - timedelta(days=days_ago),
        )
        services.submit_for_review(actor=author, version=v)
        services.sign_verified(actor=quality, version=v, meaning="reviewed")
        services.sign_verified(actor=admin, version=v, meaning="approved")
        services.make_effective(version_id=v.pk, today=today, actor=admin)
        return v

    policy = services.create_document(
        actor=quality,
        title="质量方针与质量目标",
        doc_type="quality_policy",
        org_unit=unit["HQ"],
        distribution_units=[unit["HQ"]],
        distribution_roles=["unit_manager"],
    )
    publish(
        policy,
        "用心服务，持续改进，让客户满意。\n年度客户满意度不低于 90 分。\n",
        author=quality,
        days_ago=300,
    )
    manual = services.create_document(
        actor=quality,
        title="服务质量管理手册",
        doc_type="quality_manual",
        org_unit=unit["HQ"],
        distribution_units=[unit["HQ"]],
        distribution_roles=["unit_manager", "quality_manager"],
    )
    publish(manual, MANUAL, author=quality, days_ago=280, summary="首次发布")
    publish(
        manual,
        MANUAL + "第四章 监视与测量\n4.1 每季度开展满意度调查。\n",
        author=quality,
        days_ago=60,
        summary="增加监视与测量章节",
    )
    complaint = services.create_document(
        actor=quality,
        title="客户投诉处理程序",
        doc_type="procedure",
        org_unit=unit["HQ-QM"],
        distribution_units=[unit["SZ"]],
        processes=[p for c, p in procs.items() if c == "P-COMPLAINT"],
        service_standard_refs="SS-001 投诉 24 小时响应承诺",
    )
    publish(complaint, COMPLAINT, author=quality, days_ago=200)
    repair = services.create_document(
        actor=quality,
        title="故障报修与抢修程序",
        doc_type="procedure",
        org_unit=unit["HQ-QM"],
        distribution_units=[unit["SZ"]],
        processes=[p for c, p in procs.items() if c == "P-REPAIR"],
    )
    publish(repair, "1 接报后 5 分钟内派单。\n2 城区 45 分钟到达现场。\n", author=quality, days_ago=150)
    hall = services.create_document(
        actor=manager,
        title="营业厅窗口服务作业指导书",
        doc_type="work_instruction",
        org_unit=unit["SZ"],
        owner=manager,
        distribution_units=[unit["SZ-HALL1"], unit["SZ-HALL2"]],
        processes=[p for c, p in procs.items() if c == "P-BILLING"],
    )
    publish(hall, HALL, author=manager, days_ago=120)
    services.create_document(
        actor=quality,
        title="客户满意度回访记录表",
        doc_type="form",
        org_unit=unit["HQ-QM"],
        distribution_units=[unit["SZ-CC"]],
    )

    comm = Competency.objects.create(code="K-COMM", name="客户沟通", created_by=quality)
    safe = Competency.objects.create(code="K-SAFE", name="安全作业", created_by=quality)
    c_cmp = Course.objects.create(
        code="C-CMP",
        title="投诉处理规范培训",
        org_unit=unit["SZ"],
        pass_score=80,
        validity_months=24,
        created_by=quality,
    )
    c_cmp.documents.add(complaint)
    c_cmp.competencies.add(comm)
    c_hall = Course.objects.create(
        code="C-HALL",
        title="窗口服务礼仪培训",
        org_unit=unit["SZ"],
        pass_score=70,
        validity_months=12,
        created_by=quality,
    )
    c_hall.documents.add(hall)
    c_hall.competencies.add(comm)
    c_rep = Course.objects.create(
        code="C-REP",
        title="抢修安全作业培训",
        org_unit=unit["SZ"],
        pass_score=80,
        validity_months=12,
        created_by=quality,
    )
    c_rep.documents.add(repair)
    c_rep.competencies.add(safe)

    rng = random.Random(90)
    sz_staff = list(
        Staff.objects.filter(org_unit__path__startswith=unit["SZ"].path).order_by("employee_no")[:40]
    )
    cc = [s for s in sz_staff if s.org_unit_id == unit["SZ-CC"].pk] or sz_staff[:10]
    session = TrainingSession.objects.create(
        course=c_cmp,
        org_unit=unit["SZ"],
        held_on=today - timedelta(days=90),
        trainer="周质量",
        location="苏州公司培训室",
        created_by=quality,
    )
    for i, s in enumerate(sz_staff):
        services.assign_course(actor=quality, course=c_cmp, staff=s, due_date=today - timedelta(days=60 - i))
    for s in sz_staff[: len(sz_staff) * 2 // 3]:
        score = Decimal(rng.choice([65, 78, 82, 88, 91, 95]))
        services.record_attendance(actor=quality, session=session, staff=s, score=score)
    for s in cc:
        CompetencyRecord.objects.create(
            staff=s,
            competency=comm,
            level=rng.randint(2, 5),
            assessed_on=today - timedelta(days=30),
            evidence="投诉处理考核",
            created_by=quality,
        )
    # a new version of the hall instruction: retraining reaches the hall staff automatically
    publish(
        hall, HALL + "5 引导客户使用自助缴费终端。\n", author=manager, days_ago=5, summary="增加自助终端引导"
    )
    # a procedure revision waiting for approval
    v = services.add_version(
        actor=quality,
        document=complaint,
        text=COMPLAINT + "6 投诉数据每月分析。\n",
        change_summary="增加月度分析",
    )
    services.submit_for_review(actor=quality, version=v)
    services.sign_verified(actor=quality, version=v, meaning="reviewed")
    complaint.refresh_from_db()
    readers = list(services.distribution_staff(complaint)[:25])
    for s in readers[: len(readers) * 3 // 5]:
        Acknowledgement.objects.get_or_create(version=complaint.current_version, staff=s)
    write(
        f"  {complaint.number}…: {Course.objects.count()} courses, {Acknowledgement.objects.count()} acknowledgements"
    )
