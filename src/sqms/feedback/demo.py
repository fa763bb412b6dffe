"""Demo feedback: ~3,000 tickets (small) or ~20,000 (large) over the last 12 months on the demo
organisation, with realistic mixes of kinds, channels, categories, priorities, SLA breaches, repeat
complaints, ratings, bad reviews with rectification orders and appeals. Idempotent (numbers start "DM")."""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from sqms import sla
from sqms.feedback.calendars import engine_for
from sqms.feedback.models import (
    Appeal,
    Calendar,
    Rating,
    Rectification,
    ServiceCategory,
    SlaPolicy,
    Ticket,
    TicketEvent,
)
from sqms.feedback.presets import ensure_presets

KINDS = [("complaint", 55), ("inquiry", 17), ("suggestion", 10), ("review", 10), ("compliment", 8)]
CHANNELS = [
    ("phone", 30),
    ("hotline", 20),
    ("web", 15),
    ("app", 12),
    ("device", 8),
    ("qr", 7),
    ("email", 5),
    ("api", 3),
]
PRIORITIES = [("P1", 4), ("P2", 18), ("P3", 63), ("P4", 15)]
CATEGORIES = [
    ("CAT-OUTAGE", 24),
    ("CAT-REPAIR", 18),
    ("CAT-BILLING", 16),
    ("CAT-ATTITUDE", 12),
    ("CAT-WAIT", 10),
    ("CAT-METER", 8),
    ("CAT-PROCESS", 7),
    ("CAT-OTHER", 5),
]
TITLES = {
    "CAT-OUTAGE": ["小区频繁停电", "计划停电未提前通知", "夜间突然停电两小时"],
    "CAT-REPAIR": ["报修后抢修人员迟迟未到", "抢修完成后现场未清理", "故障报修电话打不通"],
    "CAT-BILLING": ["本月电费异常偏高", "电费账单与表计读数不符", "缴费后仍显示欠费"],
    "CAT-ATTITUDE": ["营业员服务态度差", "客服人员不耐烦", "工作人员解释不清"],
    "CAT-WAIT": ["营业厅排队时间过长", "办理业务等候一个多小时", "自助机故障导致排队"],
    "CAT-METER": ["电表走字过快", "智能电表显示异常", "电表更换后读数存疑"],
    "CAT-PROCESS": ["新装办理材料要求反复变化", "增容审批时间太长", "线上办理流程复杂"],
    "CAT-OTHER": ["建议增加夜间服务窗口", "表扬抢修班及时处理", "咨询峰谷电价政策"],
}
SCORES = [(5, 55), (4, 24), (3, 11), (2, 6), (1, 4)]


def _pick(rng: random.Random, pairs: list[tuple[Any, int]]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _office_time(rng: random.Random, day: datetime) -> datetime:
    hour = rng.choices(
        range(24), weights=[1, 1, 1, 1, 1, 1, 2, 4, 8, 10, 10, 9, 6, 8, 9, 9, 8, 6, 5, 4, 3, 2, 2, 1]
    )[0]
    return day.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60), microsecond=0)


@transaction.atomic
def seed(size: str, write: Callable[[str], None]) -> None:
    from django.contrib.auth import get_user_model

    from sqms.org.models import Customer, OrgUnit, Staff

    if Ticket.objects.filter(number__startswith="DM").exists():
        write("  feedback already seeded")
        return
    ensure_presets()
    teams = list(OrgUnit.objects.filter(depth=3, code__contains="-").order_by("path"))
    if not teams:
        write("  no demo organisation: feedback skipped")
        return
    rng = random.Random(30)
    now = timezone.now()
    tz = timezone.get_current_timezone()
    n = 3000 if size == "small" else 20000
    cats = {c.code: c for c in ServiceCategory.objects.all()}
    policy = SlaPolicy.objects.get(code="DEFAULT")
    rect_cal = engine_for(Calendar.objects.get(code="CN"))
    staff_by_unit: dict[int, list[int]] = {}
    for s in Staff.objects.filter(org_unit__in=teams).values("org_unit_id", "user_id"):
        staff_by_unit.setdefault(s["org_unit_id"], []).append(s["user_id"])
    agent = get_user_model().objects.filter(username="agent").first()
    customers_by_branch: dict[int, list[int]] = {}
    for c in Customer.objects.values("id", "org_unit_id")[:50000]:
        customers_by_branch.setdefault(c["org_unit_id"], []).append(c["id"])
    from sqms.feedback.services import ticket_clock

    tickets: list[Ticket] = []
    events: list[list[TicketEvent]] = []
    recent: list[Ticket] = []
    repeats: list[Ticket | None] = []
    for i in range(n):
        age = rng.random() ** 1.15 * 365
        received = _office_time(rng, (now - timedelta(days=age)).astimezone(tz))
        if received > now:
            received = now - timedelta(minutes=rng.randrange(5, 600))
        team = rng.choice(teams)
        if agent is not None and team.code == "SZ-CC" and rng.random() < 0.5:
            assignee_id: int | None = agent.pk
        else:
            assignee_id = rng.choice(staff_by_unit.get(team.pk, [0])) or None
        kind = _pick(rng, KINDS)
        code = _pick(rng, CATEGORIES)
        customer_id = rng.choice(customers_by_branch.get(team.parent_id, [0]) or [0]) or None
        repeat = None
        if kind == "complaint" and recent and rng.random() < 0.08:
            prev = rng.choice(recent[-300:])
            again = prev.received_at + timedelta(days=rng.uniform(0.5, 25))
            if prev.category is not None and again < now:
                received = min(_office_time(rng, again.astimezone(tz)), now - timedelta(minutes=5))
                customer_id, code, repeat, team = prev.customer_id, prev.category.code, prev, prev.org_unit
        t = Ticket(
            number=f"DM{timezone.localtime(received):%y%m%d}{i:06d}",
            verification_code=f"{secrets.randbelow(10**6):06d}",
            kind=kind,
            channel=_pick(rng, CHANNELS),
            priority=_pick(rng, PRIORITIES),
            title=rng.choice(TITLES[code]),
            description="（演示数据）" + rng.choice(TITLES[code]),
            customer_id=customer_id,
            org_unit=team,
            assignee_id=assignee_id,
            category=cats.get(code),
            sla_policy=policy,
            received_at=received,
            created_at=received,
            contact_phone=f"139{rng.randrange(10**8):08d}",
        )
        evs = [
            TicketEvent(
                kind="created",
                at=received,
                to_status="new",
                data={"priority": t.priority, "policy": policy.pk},
            )
        ]
        # Handling: lognormal delays (hours); about one in ten breaches its resolution target.
        accept_at = received + timedelta(hours=rng.lognormvariate(0.3, 1.0))
        resolve_at = accept_at + timedelta(hours=rng.lognormvariate(2.3, 1.0))
        status = "new"
        if accept_at < now:
            evs.append(
                TicketEvent(
                    kind="status",
                    at=accept_at,
                    from_status="new",
                    to_status="accepted",
                    actor_id=assignee_id,
                    data={"action": "accept", "responded": True},
                    public=True,
                )
            )
            t.responded_at = accept_at
            status = "accepted"
            work_at = accept_at + timedelta(minutes=rng.randrange(5, 120))
            if work_at < now:
                evs.append(
                    TicketEvent(
                        kind="status",
                        at=work_at,
                        from_status=status,
                        to_status="in_progress",
                        actor_id=assignee_id,
                        public=True,
                    )
                )
                status = "in_progress"
                if rng.random() < 0.15:
                    w0 = work_at + timedelta(hours=rng.uniform(0.5, 6))
                    w1 = w0 + timedelta(hours=rng.uniform(2, 48))
                    if w1 < now:
                        evs.append(
                            TicketEvent(
                                kind="status",
                                at=w0,
                                from_status=status,
                                to_status="waiting_customer",
                                actor_id=assignee_id,
                                public=True,
                            )
                        )
                        evs.append(
                            TicketEvent(
                                kind="status",
                                at=w1,
                                from_status="waiting_customer",
                                to_status="in_progress",
                                actor_id=assignee_id,
                                public=True,
                            )
                        )
                        resolve_at += w1 - w0
            if resolve_at < now:
                evs.append(
                    TicketEvent(
                        kind="reply",
                        at=resolve_at - timedelta(minutes=5),
                        actor_id=assignee_id,
                        public=True,
                        body="您好，问题已处理，请查看。",
                    )
                )
                evs.append(
                    TicketEvent(
                        kind="status",
                        at=resolve_at,
                        from_status=status,
                        to_status="resolved",
                        actor_id=assignee_id,
                        public=True,
                    )
                )
                status = "resolved"
                t.resolved_at = resolve_at
                done = resolve_at + timedelta(days=rng.uniform(0.2, 4))
                if done < now:
                    nxt = "confirmed" if rng.random() < 0.6 else "closed"
                    evs.append(
                        TicketEvent(kind="status", at=done, from_status=status, to_status=nxt, public=True)
                    )
                    status = nxt
                    t.customer_resolved = True if nxt == "confirmed" else None
                    if nxt == "confirmed" and rng.random() < 0.8:
                        close = done + timedelta(hours=rng.uniform(1, 48))
                        if close < now:
                            evs.append(
                                TicketEvent(kind="status", at=close, from_status=status, to_status="closed")
                            )
                            status = "closed"
                            t.closed_at = close
        t.status = status
        clock = ticket_clock(t, now, evs)
        if clock is not None:
            fr, rs = clock.targets.get("first_response"), clock.targets.get("resolution")
            t.first_response_due = fr.due_at if fr else None
            t.resolution_due = rs.due_at if rs else None
            t.breached = any(s.state == sla.State.BREACHED for s in clock.targets.values())
        tickets.append(t)
        events.append(evs)
        repeats.append(repeat)
        if kind == "complaint" and customer_id:
            recent.append(t)
    Ticket.objects.bulk_create(tickets, batch_size=1000)
    linked = []
    for t, prev in zip(tickets, repeats, strict=True):
        if prev is not None:
            t.repeat_of = prev
            linked.append(t)
    Ticket.objects.bulk_update(linked, ["repeat_of"], batch_size=1000)
    flat = []
    for t, evs in zip(tickets, events, strict=True):
        for e in evs:
            e.ticket = t
            flat.append(e)
    TicketEvent.objects.bulk_create(flat, batch_size=2000)
    write(
        f"  {len(tickets)} tickets, {len(flat)} timeline events, {sum(t.breached for t in tickets)} breached"
    )
    _ratings(rng, tickets, rect_cal, now, write)
    n_att = _seed_attachments(rng, 40 if size == "small" else 150)
    write(f"  {n_att} ticket attachments (photos and letters)")


def _ratings(
    rng: random.Random,
    tickets: list[Ticket],
    cal: sla.BusinessCalendar,
    now: datetime,
    write: Callable[[str], None],
) -> None:
    ratings: list[Rating] = []
    for t in tickets:
        if t.resolved_at is None or rng.random() > 0.6:
            continue
        score = _pick(rng, SCORES)
        if t.breached and rng.random() < 0.4:
            score = rng.choice([1, 2])
        ratings.append(
            Rating(
                ticket=t,
                org_unit=t.org_unit,
                customer_id=t.customer_id,
                score=score,
                channel=t.channel,
                rated_at=t.resolved_at + timedelta(hours=rng.uniform(1, 72)),
                reasons="处理太慢" if score <= 2 else "",
            )
        )
    for r in ratings:
        r.rated_at = min(r.rated_at, now)
        r.created_at = r.rated_at
    Rating.objects.bulk_create(ratings, batch_size=2000)
    rects: list[Rectification] = []
    for r in ratings:
        if r.score > 2:
            continue
        due = sla.add_working_days(cal, r.rated_at, 5)
        rect = Rectification(rating=r, org_unit=r.org_unit, due_at=due, created_at=r.rated_at)
        roll = rng.random()
        if roll < 0.12:
            rect.status, rect.verdict, rect.evidence = (
                "appealed",
                rng.choice(["mistaken", "malicious"]),
                "录音及现场记录",
            )
        elif due < now or roll < 0.8:
            rect.status, rect.verdict, rect.evidence = "done", "valid", "核实属实"
            rect.action_taken = "已约谈当事人并组织培训"
            rect.completed_at = min(now, r.rated_at + timedelta(days=rng.uniform(1, 9)))
        rects.append(rect)
    Rectification.objects.bulk_create(rects, batch_size=2000)
    appeals = []
    excluded = []
    for rect in rects:
        if rect.status != "appealed":
            continue
        upheld = rng.random() < 0.5
        decided = rect.created_at + timedelta(days=2) < now
        a = Appeal(
            rectification=rect,
            reason="客户评价与事实不符",
            evidence=rect.evidence,
            status=("upheld" if upheld else "rejected") if decided else "pending",
            decided_at=rect.created_at + timedelta(days=2) if decided else None,
            decision_note="经复核" if decided else "",
        )
        appeals.append(a)
        if decided and upheld:
            rect.status = "excluded"
            rect.rating.excluded = True
            rect.rating.excluded_reason = "申诉成立"
            excluded.append(rect.rating)
        elif decided:
            rect.status = "rectifying"
    Appeal.objects.bulk_create(appeals)
    Rectification.objects.bulk_update(
        [r for r in rects if r.status in ("excluded", "rectifying")], ["status"]
    )
    Rating.objects.bulk_update(excluded, ["excluded", "excluded_reason"])
    write(f"  {len(ratings)} ratings, {len(rects)} rectification orders, {len(appeals)} appeals")


#: A 1×1 PNG (the demo's "photo") and a short letter.
DEMO_PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _seed_attachments(rng: random.Random, count: int) -> int:
    """Attach a photo or a customer's letter to some demo complaints (files under MEDIA_ROOT)."""
    from django.core.files.base import ContentFile

    from sqms.feedback.models import Attachment

    ids = list(Ticket.objects.filter(number__startswith="DM", kind="complaint").values_list("id", flat=True))
    picked = rng.sample(ids, min(count, len(ids)))
    made = 0
    for tid in picked:
        ticket = Ticket.objects.get(pk=tid)
        if rng.random() < 0.6:
            name, content, ctype = "现场照片.png", DEMO_PNG, "image/png"
        else:
            name = "客户来信.txt"
            content = f"关于工单 {ticket.number}：{ticket.title}。请尽快处理并回复。".encode()
            ctype = "text/plain"
        att = Attachment(ticket=ticket, name=name, size=len(content), content_type=ctype, public=False)
        att.created_at = ticket.received_at + timedelta(minutes=rng.randint(1, 120))
        att.file.save(name, ContentFile(content), save=False)
        att.save()
        made += 1
    return made
