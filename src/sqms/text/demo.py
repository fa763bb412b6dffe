"""Demo text analytics (after the feedback and survey seeders): a few domain dictionary terms, comments on
some demo survey responses, the complaint classifier trained on the demo complaints (its hold-out accuracy
printed and stored with the model), the sentiment model (kept only if it beats the lexicon) and every demo
text analysed. Idempotent (nothing is done once a classifier exists)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from django.db import transaction

DEMO_TERMS = [
    ("智能电表", 3000, "n"),
    ("峰谷电价", 3000, "n"),
    ("营业厅", 3000, "n"),
    ("抢修班", 3000, "n"),
    ("自助机", 3000, "n"),
    ("走字", 2000, "v"),
    ("增容", 2000, "v"),
    ("计划停电", 3000, "n"),
    ("演示数据", 5000, "n"),  # the demo tickets' marker: kept whole here and listed as a stop word below
]
DEMO_STOP_WORDS = ["演示数据"]


POSITIVE = [
    "工作人员很热情，办理很快，非常满意",
    "服务周到，解释清楚，点赞",
    "抢修师傅来得及时，很专业，感谢",
    "营业厅干净整洁，排队不久，满意",
    "线上办理很方便，进度也透明",
]
NEGATIVE = [
    "排队时间太长，窗口开得太少",
    "电费账单看不懂，客服解释不清",
    "停电没有提前通知，很不满意",
    "工作人员态度冷漠，不耐烦",
    "报修后等了很久才有人来，太慢",
    "材料要求反复变化，来回跑了几趟",
]
NEUTRAL = [
    "建议增加夜间服务窗口",
    "希望能在手机上查询峰谷电价",
    "无",
    "希望自助机多放几台",
]


def _survey_comments(rng: random.Random, write: Callable[[str], None]) -> None:
    """Give about one demo survey response in eight a comment in line with its scores (the demo surveys
    carry numbers only), so that sentiment per survey comment has something to show."""
    from sqms.surveys.models import Response, SurveyVersion
    from sqms.text.services import survey_text_codes

    done = 0
    for version in SurveyVersion.objects.filter(survey__code__startswith="DEMO-"):
        codes = survey_text_codes(version.definition)
        if not codes:
            continue
        bounds = {
            it["code"]: (float(it["min"] or 0), float(it["max"] or 10))
            for it in version.items
            if not it.get("attention") and it.get("max") is not None
        }
        changed: list[Any] = []
        for r in Response.objects.filter(version=version, source="demo").only("id", "answers").iterator():
            if rng.random() > 0.125 or r.answers.get(codes[0]):
                continue
            shares = [
                (float(v) - lo) / (hi - lo)
                for c, (lo, hi) in bounds.items()
                if hi > lo and isinstance(v := r.answers.get(c), int | float)
            ]
            level = sum(shares) / len(shares) if shares else 0.5
            pool = POSITIVE if level >= 0.75 else NEGATIVE if level <= 0.5 else NEUTRAL
            r.answers = {**r.answers, codes[0]: rng.choice(pool)}
            changed.append(r)
        Response.objects.bulk_update(changed, ["answers"], batch_size=2000)
        done += len(changed)
    write(f"  {done} demo survey responses given a comment")


def seed(size: str, write: Callable[[str], None]) -> None:
    from sqms.core.errors import ValidationFailed
    from sqms.feedback.models import Ticket
    from sqms.text import segment, services
    from sqms.text.models import StopWord, Task, Term, TrainedModel

    if TrainedModel.objects.filter(task=Task.CATEGORY).exists():
        write("  text analytics already seeded")
        return
    if not Ticket.objects.filter(number__startswith="DM").exists():
        write("  no demo tickets: text analytics skipped")
        return
    with transaction.atomic():
        for word, weight, pos in DEMO_TERMS:
            Term.objects.get_or_create(word=word, defaults={"weight": weight, "pos": pos})
        for word in DEMO_STOP_WORDS:
            StopWord.objects.get_or_create(word=word)
    segment.invalidate()
    services.get_settings()
    _survey_comments(random.Random(35), write)
    try:
        model = services.train_classifier(actor=None)
    except ValidationFailed as exc:
        write(f"  classifier not trained: {exc}")
        return
    m = model.metrics
    write(
        f"  complaint classifier v{model.version}: hold-out accuracy {model.accuracy:.3f} "
        f"(macro F1 {m['macro_f1']:.3f}, {model.n_train} training / {model.n_test} hold-out complaints, "
        f"{len(m['labels'])} categories; largest class alone {m['chance']:.3f})"
    )
    try:
        sm = services.train_sentiment(actor=None)
        write(
            f"  sentiment v{sm.version}: model accuracy {sm.accuracy:.3f}, lexicon "
            f"{sm.metrics['lexicon_accuracy']:.3f} on the same hold-out → using "
            f"{'the model' if sm.params['use_model'] else 'the lexicon'}"
        )
    except ValidationFailed as exc:
        write(f"  sentiment: lexicon only ({exc})")
    done = services.analyse_texts(full=True)
    write(f"  analysed texts: {done}")
