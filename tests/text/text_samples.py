"""Synthetic labelled complaints for the text-analytics tests (also used by the browser journey)."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

# Each category has its own vocabulary; every text also carries shared filler words, and one word in
# ten is taken from another category, so the set is separable but not trivially so.
VOCAB = {
    "CAT-WAIT": ["排队", "等候", "窗口", "叫号", "人多", "等了很久", "取号", "大厅拥挤"],
    "CAT-BILLING": ["电费", "账单", "缴费", "扣款", "欠费", "发票", "多收", "退费"],
    "CAT-OUTAGE": ["停电", "断电", "跳闸", "没电", "线路", "计划停电", "供电中断", "电压"],
    "CAT-ATTITUDE": ["态度", "不耐烦", "冷漠", "推诿", "语气", "敷衍", "挂电话", "解释不清"],
}
FILLER = ["营业厅", "昨天", "我们", "小区", "希望", "尽快", "处理", "情况", "客服", "今天"]


def synthetic_texts(n_per_class: int, seed: int = 7) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    codes = list(VOCAB)
    out = []
    for code in codes:
        for _i in range(n_per_class):
            words = []
            for _w in range(6):
                if rng.random() < 0.1:
                    other = rng.choice([c for c in codes if c != code])
                    words.append(rng.choice(VOCAB[other]))
                else:
                    words.append(rng.choice(VOCAB[code]))
                words.append(rng.choice(FILLER))
            out.append(("，".join(words), code))
    rng.shuffle(out)
    return out


def make_labelled(
    org: Any,
    n_per_class: int = 30,
    unit: Any = None,
    codes: list[str] | None = None,
    kind: str = "complaint",
    start: int = 0,
) -> list[Any]:
    """Complaints created in bulk (numbers TX…), labelled with their category, over the last 20 days."""
    from django.utils import timezone

    from sqms.feedback.models import ServiceCategory, Ticket

    cats = {c.code: c for c in ServiceCategory.objects.all()}
    unit = unit or org.team_a
    now = timezone.now()
    rows = []
    i = start
    for text, code in synthetic_texts(n_per_class, seed=start + 7):
        if codes is not None and code not in codes:
            continue
        i += 1
        title, _sep, desc = text.partition("，")
        rows.append(
            Ticket(
                number=f"TX{i:010d}",
                verification_code="123456",
                kind=kind,
                title=title,
                description=desc,
                org_unit=unit,
                category=cats[code],
                received_at=now - timedelta(days=i % 20),
            )
        )
    return Ticket.objects.bulk_create(rows)
