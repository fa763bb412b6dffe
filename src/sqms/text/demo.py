"""Demo text analytics (after the feedback and survey seeders): a few domain dictionary terms, the complaint
classifier trained on the demo complaints (its hold-out accuracy printed and stored with the model), the
sentiment model (kept only if it beats the lexicon) and every demo text analysed. Idempotent."""

from __future__ import annotations

from collections.abc import Callable

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
]


def seed(size: str, write: Callable[[str], None]) -> None:
    from sqms.core.errors import ValidationFailed
    from sqms.feedback.models import Ticket
    from sqms.text import segment, services
    from sqms.text.models import Task, Term, TrainedModel

    if TrainedModel.objects.filter(task=Task.CATEGORY).exists():
        write("  text analytics already seeded")
        return
    if not Ticket.objects.filter(number__startswith="DM").exists():
        write("  no demo tickets: text analytics skipped")
        return
    with transaction.atomic():
        for word, weight, pos in DEMO_TERMS:
            Term.objects.get_or_create(word=word, defaults={"weight": weight, "pos": pos})
    segment.invalidate()
    services.get_settings()
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
