"""Writes of text analytics: settings, dictionary terms and stop words, training the complaint classifier
and the sentiment model (hold-out metrics stored with each version), the category suggestion for a new
complaint (through the feedback app's classifier registry), and analysing feedback / survey texts."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.errors import ValidationFailed
from sqms.core.models import AuditAction
from sqms.core.services import create_record, require_perm, update_record
from sqms.text import domain, learn, segment
from sqms.text.models import (
    Source,
    StopWord,
    Task,
    Term,
    TextRecord,
    TextSettings,
    TrainedModel,
)

log = logging.getLogger(__name__)

TRAIN_KINDS = ("complaint",)  # ticket kinds the category classifier learns from and suggests for
MIN_SENTIMENT_PER_CLASS = 10


# --- settings, dictionary, stop words --------------------------------------------------------------------
def get_settings() -> TextSettings:
    obj = TextSettings.objects.filter(pk=1).first()
    if obj is None:
        obj, _created = TextSettings.objects.get_or_create(pk=1)
    return obj


def update_settings(*, actor: Any, changes: dict[str, Any], expected_updated_at: Any = None) -> TextSettings:
    return update_record(
        get_settings(), actor=actor, changes=changes, expected_updated_at=expected_updated_at
    )


def _unique_word(model: type[Term] | type[StopWord], word: str) -> str:
    word = (word or "").strip()
    if not word:
        raise ValidationFailed(_("Enter a word."), fields={"word": [_("This field is required.")]})
    if any(c.isspace() for c in word):
        raise ValidationFailed(
            _("A word cannot contain spaces."), fields={"word": [_("A word cannot contain spaces.")]}
        )
    if model.objects.filter(word=word).exists():
        raise ValidationFailed(
            _("“%(w)s” is already in the list.") % {"w": word},
            fields={"word": [_("“%(w)s” is already in the list.") % {"w": word}]},
        )
    return word


def add_term(*, actor: Any, word: str, weight: int = 2000, pos: str = "n") -> Term:
    term = create_record(
        Term, actor=actor, data={"word": _unique_word(Term, word), "weight": weight, "pos": pos or ""}
    )
    segment.invalidate()
    transaction.on_commit(segment.invalidate)
    return term


def add_stop_word(*, actor: Any, word: str) -> StopWord:
    sw = create_record(StopWord, actor=actor, data={"word": _unique_word(StopWord, word)})
    segment.invalidate()
    transaction.on_commit(segment.invalidate)
    return sw


# --- trained models ------------------------------------------------------------------------------------
_cache: dict[tuple[Any, ...], Any] = {}
_cache_lock = threading.Lock()


def active_model(task: str) -> TrainedModel | None:
    return TrainedModel.objects.defer("blob").filter(task=task, active=True).order_by("-version").first()


def pipeline_of(model: TrainedModel) -> Any:
    """The fitted pipeline of ``model``, unpickled once per process (keyed by id, task, version and time)."""
    key = _cache_key(model)
    with _cache_lock:
        pipe = _cache.get(key)
        if pipe is None:
            blob = TrainedModel.objects.filter(pk=model.pk).values_list("blob", flat=True).get()
            pipe = learn.loads(blob)
            for old in [k for k in _cache if k[1] == model.task]:
                del _cache[old]  # keep only the model in use per task
            _cache[key] = pipe
        return pipe


def _cache_key(model: TrainedModel) -> tuple[Any, ...]:
    return (model.pk, model.task, model.version, model.trained_at.isoformat())


_scorers: dict[tuple[Any, ...], learn.LinearScorer | None] = {}


def scorer_of(model: TrainedModel) -> learn.LinearScorer | None:
    """The plain-Python twin of ``model``'s pipeline (:class:`learn.LinearScorer`), built once per process;
    None when the pipeline has no such twin (scikit-learn then predicts)."""
    key = _cache_key(model)
    if key in _scorers:
        return _scorers[key]
    pipe = pipeline_of(model)
    scorer = learn.linear_scorer(pipe)
    with _cache_lock:
        for old in [k for k in _scorers if k[1] == model.task]:
            del _scorers[old]
        _scorers[key] = scorer
    return scorer


def top_prediction(model: TrainedModel, text: str) -> tuple[Any, float]:
    """(class, probability) of ``model`` for one text: the plain-Python scorer when the pipeline has one
    (microseconds), else the scikit-learn pipeline."""
    scorer = scorer_of(model)
    if scorer is not None:
        return scorer.top(text)
    return learn.top_prediction(pipeline_of(model), [text])[0]


def warm_up() -> None:
    """Load what the first classification of a process would load: the segmenter (jieba's dictionary) and
    the active classifier. Called in the gunicorn master before it forks (``preload_app``), so every worker
    shares these pages instead of building its own copy on its first complaint; failures are ignored."""
    try:
        segment.current()
        model = active_model(Task.CATEGORY)
        if model is not None:
            scorer_of(model)
    except Exception:  # no database yet, no table yet: the first request loads them
        log.debug("text warm-up skipped", exc_info=True)


def _store(
    *,
    actor: Any,
    task: str,
    fit: learn.Fit,
    n_examples: int,
    method: str,
    params: dict[str, Any],
    metrics: dict[str, Any],
) -> TrainedModel:
    version = (TrainedModel.objects.filter(task=task).aggregate(v=Max("version"))["v"] or 0) + 1
    TrainedModel.objects.filter(task=task, active=True).update(active=False)
    user = actor if getattr(actor, "pk", None) else None
    tm = TrainedModel.objects.create(
        task=task,
        version=version,
        trained_by=user,
        n_examples=n_examples,
        n_train=len(fit.train_idx),
        n_test=len(fit.test_idx),
        accuracy=fit.accuracy,
        method=method,
        params=params,
        metrics=metrics,
        blob=learn.dumps(fit.pipeline),
        active=True,
    )
    audit.record(
        actor=actor or "system",
        action=AuditAction.ACTION,
        instance=tm,
        after={"version": version, "accuracy": round(fit.accuracy, 6), "n": n_examples},
        verb=_("trained"),
    )
    return tm


def _labelled_tickets() -> list[tuple[int, str, int]]:
    from sqms.feedback.models import Ticket

    rows = (
        Ticket.objects.active()
        .filter(kind__in=TRAIN_KINDS, category__isnull=False, merged_into__isnull=True)
        .order_by("pk")
        .values_list("pk", "title", "description", "category_id")
    )
    return [(pk, f"{title} {desc}".strip(), cat) for pk, title, desc, cat in rows]


def shortage(exc: learn.TooLittleData) -> str:
    """What is missing, in words."""
    if exc.field == "classes":
        return _("%(have)s categories have at least %(m)s examples each; at least %(need)s are needed") % {
            "have": exc.have,
            "m": exc.min_per_class,
            "need": exc.need,
        }
    return _("%(have)s usable examples are too few to hold some out for measuring (at least %(need)s)") % {
        "have": exc.have,
        "need": exc.need,
    }


def _short(exc: learn.TooLittleData, n: int) -> ValidationFailed:
    msg = _(
        "Not enough labelled complaints to train: %(detail)s. Label more complaints with a category "
        "(%(n)s labelled so far); the current model was kept."
    ) % {"detail": shortage(exc), "n": n}
    return ValidationFailed(msg, fields={exc.field: [msg]})


@transaction.atomic
def train_classifier(
    *, actor: Any, features: str | None = None, algorithm: str | None = None
) -> TrainedModel:
    """Train the complaint classifier on the labelled complaints (stratified hold-out split, fixed seed)."""
    from sqms.feedback.models import ServiceCategory

    if actor is not None:
        require_perm(actor, "text.add_trainedmodel")
    cfg = get_settings()
    features = features or cfg.features
    algorithm = algorithm or cfg.algorithm
    errors: dict[str, list[str]] = {}
    if features not in ("words", "words_chars"):
        errors["features"] = [_("Choose “words” or “words_chars”.")]
    if algorithm not in ("logreg", "svm"):
        errors["algorithm"] = [_("Choose “logreg” or “svm”.")]
    if errors:
        raise ValidationFailed(_("Check the training options."), fields=errors)
    rows = _labelled_tickets()
    ids = [r[0] for r in rows]
    texts = [r[1] for r in rows]
    y = [r[2] for r in rows]
    try:
        fit = learn.fit_holdout(
            texts,
            y,
            features=features,
            algorithm=algorithm,
            test_size=cfg.test_size,
            seed=cfg.seed,
            min_per_class=cfg.min_per_class,
        )
    except learn.TooLittleData as exc:
        raise _short(exc, len(rows)) from exc
    names = {c.pk: (c.code, c.name, c.name_en) for c in ServiceCategory.objects.filter(pk__in=set(y))}
    labels = [
        {
            "value": v,
            "code": names.get(v, ("", str(v), ""))[0],
            "name": names.get(v, ("", str(v), ""))[1],
            "name_en": names.get(v, ("", str(v), ""))[2],
            "precision": fit.precision[i],
            "recall": fit.recall[i],
            "f1": fit.f1[i],
            "support": fit.support[i],
        }
        for i, v in enumerate(fit.labels)
    ]
    metrics = {
        "accuracy": fit.accuracy,
        "macro_f1": fit.macro_f1,
        "labels": labels,
        "test_ids": [ids[i] for i in fit.test_idx],
        "skipped": [
            {
                "value": v,
                "code": names.get(v, ("", "", ""))[0],
                "name": names.get(v, ("", str(v), ""))[1],
                "n": n,
            }
            for v, n in sorted(fit.skipped.items())
        ],
        "chance": max(fit.support) / max(1, sum(fit.support)),
    }
    params = {
        "features": features,
        "algorithm": algorithm,
        "test_size": cfg.test_size,
        "seed": cfg.seed,
        "min_per_class": cfg.min_per_class,
        "kinds": list(TRAIN_KINDS),
        "dictionary_terms": Term.objects.filter(archived_at__isnull=True, active=True).count(),
    }
    return _store(
        actor=actor,
        task=Task.CATEGORY,
        fit=fit,
        n_examples=len(fit.train_idx) + len(fit.test_idx),
        method=f"tfidf-{features}+{algorithm}",
        params=params,
        metrics=metrics,
    )


def predict_category(text: str) -> tuple[Any, float, TrainedModel] | None:
    """(category, confidence, model) of the active classifier for ``text``; None without a model.

    The active model and the catalogue come from the feedback configuration cached per process
    (:mod:`sqms.feedback.confcache`, which the complaint being filed has read already): nothing is read
    while neither changed. ``TrainedModel`` rows bump its ``feedback_classifier`` version (signals connected
    in this app's ``ready()``)."""
    from sqms.feedback import confcache

    if not (text or "").strip():
        return None
    cfg = confcache.get()
    model = cfg.remember(("text.active_model", Task.CATEGORY), lambda: active_model(Task.CATEGORY))
    if model is None:
        return None
    value, confidence = top_prediction(model, text)
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    if pk not in cfg.active_category_ids:
        return None
    return cfg.categories[pk], confidence, model


def threshold() -> float:
    """The confidence at or above which a suggestion is applied to a new ticket (the feedback app's setting
    ``SQMS_FEEDBACK_CLASSIFIER_MIN_CONFIDENCE``, default 0.6)."""
    from sqms.feedback.classifiers import min_confidence

    return min_confidence()


def suggest(text: str) -> dict[str, Any] | None:
    """What the classifier suggests for ``text``: ``{"category", "confidence", "apply", "threshold",
    "model_version"}`` (``apply``: at or above the threshold), or None without a model or text."""
    found = predict_category(text)
    if found is None:
        return None
    category, confidence, model = found
    limit = threshold()
    return {
        "category": category,
        "confidence": confidence,
        "apply": confidence >= limit,
        "threshold": limit,
        "model_version": model.version,
    }


def classify(text: str) -> tuple[int | None, str, float] | None:
    """The function registered in the feedback app's classifier registry: (category id, no priority,
    confidence). The feedback app applies it to a new ticket only at or above its threshold."""
    found = predict_category(text)
    if found is None:
        return None
    category, confidence, _model = found
    return category.pk, "", confidence


def ticket_suggestion(ticket: Any) -> dict[str, Any] | None:
    """The classifier's suggestion recorded when ``ticket`` was created (its "created" event), with the
    category it points at and whether it was applied; None when no classifier answered."""
    from sqms.feedback.models import ServiceCategory, TicketEvent

    event = TicketEvent.objects.filter(ticket=ticket, kind="created").order_by("at", "id").first()
    data = (event.data or {}).get("classifier") if event is not None else None
    if not data or not data.get("category"):
        return None
    category = ServiceCategory.objects.filter(pk=data["category"]).first()
    if category is None:
        return None
    applied = (event.data or {}).get("suggested_by", "").startswith("classifier")
    return {
        "category": category,
        "confidence": float(data.get("confidence") or 0),
        "source": data.get("source", ""),
        "applied": applied and ticket.category_id == category.pk,
        "at": event.at,
    }


# --- sentiment -----------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def lexicon() -> domain.Lexicon:
    return domain.load_lexicon(segment.DATA / "sentiment_zh.txt")


def lexicon_scores(texts: Sequence[str]) -> list[float]:
    seg = segment.current()
    lex = lexicon()
    return [domain.lexicon_score(seg.cut(t), lex) for t in texts]


def sentiment_scores(texts: Sequence[str]) -> tuple[list[float], str]:
    """Scores in [-1, 1] from the active sentiment model (2·P(positive) − 1), else from the lexicon."""
    if not texts:
        return [], "lexicon"
    model = active_model(Task.SENTIMENT)
    if model is not None and model.params.get("use_model"):
        pipe = pipeline_of(model)
        classes = list(pipe.classes_)
        proba = pipe.predict_proba(list(texts))[:, classes.index("positive")]
        return [float(2 * p - 1) for p in proba], f"model v{model.version}"
    return lexicon_scores(texts), "lexicon"


def rating_examples() -> list[tuple[str, str]]:
    """(text, label) pairs from ratings: the reasons a customer wrote with a 好差评 or ticket rating (4-5
    positive, 1-2 negative). The ticket's own text is not used: it describes the problem, not the verdict."""
    from sqms.feedback.models import Rating

    out: list[tuple[str, str]] = []
    rows = Rating.objects.active().filter(excluded=False).exclude(reasons="").values_list("score", "reasons")
    for score, reasons in rows.order_by("pk"):
        label = domain.rating_label(score)
        if label is not None and reasons.strip():
            out.append((reasons.strip(), label))
    return out


@transaction.atomic
def train_sentiment(*, actor: Any, examples: Iterable[tuple[str, str]] | None = None) -> TrainedModel:
    """Train a positive/negative model on rated texts. The model is used only when it beats the lexicon on
    the same hold-out texts (both accuracies are stored); otherwise the lexicon stays in use."""
    if actor is not None:
        require_perm(actor, "text.add_trainedmodel")
    cfg = get_settings()
    pairs = list(examples) if examples is not None else rating_examples()
    texts = [p[0] for p in pairs]
    y = [p[1] for p in pairs]
    try:
        fit = learn.fit_holdout(
            texts, y, test_size=cfg.test_size, seed=cfg.seed, min_per_class=MIN_SENTIMENT_PER_CLASS
        )
    except learn.TooLittleData as exc:
        msg = _(
            "Not enough rated texts to train a sentiment model: %(detail)s; the lexicon stays in use."
        ) % {"detail": shortage(exc)}
        raise ValidationFailed(msg, fields={exc.field: [msg]}) from exc
    test_texts = [texts[i] for i in fit.test_idx]
    y_true = [y[i] for i in fit.test_idx]
    lex_pred = [
        "positive" if s > 0 else "negative" for s in lexicon_scores(test_texts)
    ]  # the lexicon's call at the same cut (0)
    lex_acc = sum(a == b for a, b in zip(lex_pred, y_true, strict=True)) / len(y_true)
    use_model = fit.accuracy >= lex_acc
    metrics = {
        "accuracy": fit.accuracy,
        "macro_f1": fit.macro_f1,
        "lexicon_accuracy": lex_acc,
        "labels": [
            {
                "value": v,
                "code": v,
                "name": v,
                "name_en": v,
                "precision": fit.precision[i],
                "recall": fit.recall[i],
                "f1": fit.f1[i],
                "support": fit.support[i],
            }
            for i, v in enumerate(fit.labels)
        ],
        "skipped": [],
    }
    return _store(
        actor=actor,
        task=Task.SENTIMENT,
        fit=fit,
        n_examples=len(texts),
        method="tfidf-words+logreg" if use_model else "lexicon (model weaker)",
        params={"use_model": use_model, "test_size": cfg.test_size, "seed": cfg.seed},
        metrics=metrics,
    )


# --- analysed texts ------------------------------------------------------------------------------------
Row = tuple[str, int, int, datetime, str, str]  # source, source id, unit id, date, kind, text


def _ticket_rows(since: datetime | None, pk: int | None = None) -> Iterable[Row]:
    from sqms.feedback.models import Ticket

    qs = Ticket.objects.active().filter(merged_into__isnull=True)
    if pk is not None:
        qs = qs.filter(pk=pk)
    if since is not None:
        qs = qs.filter(updated_at__gte=since)
    for pk, unit, at, kind, title, desc in qs.values_list(
        "pk", "org_unit_id", "received_at", "kind", "title", "description"
    ).iterator(chunk_size=2000):
        yield Source.TICKET, pk, unit, at, kind, f"{title}。{desc}".strip("。 ")


def _rating_rows(since: datetime | None, pk: int | None = None) -> Iterable[Row]:
    from sqms.feedback.models import Rating

    qs = Rating.objects.active().exclude(reasons="")
    if pk is not None:
        qs = qs.filter(pk=pk)
    if since is not None:
        qs = qs.filter(updated_at__gte=since)
    for pk, unit, at, reasons in qs.values_list("pk", "org_unit_id", "rated_at", "reasons").iterator(
        chunk_size=2000
    ):
        yield Source.RATING, pk, unit, at, "rating", reasons.strip()


def survey_text_codes(definition: dict[str, Any]) -> list[str]:
    from sqms.surveys.domain import questions

    return [q["code"] for q in questions(definition) if q.get("type") in ("short_text", "long_text")]


def _survey_rows(since: datetime | None, pk: int | None = None) -> Iterable[Row]:
    from sqms.surveys.models import Response, SurveyVersion

    codes = {v.pk: survey_text_codes(v.definition) for v in SurveyVersion.objects.all()}
    with_text = [pk for pk, c in codes.items() if c]
    if not with_text:
        return
    qs = Response.objects.filter(version_id__in=with_text)
    if pk is not None:
        qs = qs.filter(pk=pk)
    if since is not None:
        qs = qs.filter(submitted_at__gte=since)
    for pk, version, unit, at, answers in qs.values_list(
        "pk", "version_id", "org_unit_id", "submitted_at", "answers"
    ).iterator(chunk_size=2000):
        parts = [str(answers.get(c) or "").strip() for c in codes[version]]
        text = "。".join(p for p in parts if p)
        if text:
            yield Source.SURVEY, pk, unit, at, "survey", text


def analyse_texts(*, since: datetime | None = None, full: bool = False, batch: int = 2000) -> dict[str, int]:
    """Create or refresh the analysed-text rows (sentiment per text) for tickets, rating reasons and survey
    comments. Without ``full`` only sources changed since ``since`` or not analysed yet are (re)scored."""
    done = dict.fromkeys(Source.values, 0)
    existing: dict[tuple[str, int], int] = {}
    for pk, source, source_id in TextRecord.objects.values_list("pk", "source", "source_id").iterator():
        existing[(source, source_id)] = pk
    pending: list[Row] = []

    def flush() -> None:
        if not pending:
            return
        scores, method = sentiment_scores([p[5] for p in pending])
        now = timezone.now()
        rows: list[TextRecord] = []
        stale: list[int] = []
        for (source, sid, unit, at, kind, text), score in zip(pending, scores, strict=True):
            rows.append(
                TextRecord(
                    source=source,
                    source_id=sid,
                    org_unit_id=unit,
                    at=at,
                    kind=kind,
                    text=text,
                    sentiment=round(score, 6),
                    polarity=domain.polarity(score),
                    method=method,
                    analysed_at=now,
                )
            )
            pk = existing.get((source, sid))
            if pk is not None:
                stale.append(pk)
            done[source] += 1
        # analysed rows are derived data: replacing them is much faster than a bulk update
        with transaction.atomic():
            TextRecord.objects.filter(pk__in=stale).delete()
            TextRecord.objects.bulk_create(rows, batch_size=1000)
        pending.clear()

    for gen in (_ticket_rows, _rating_rows, _survey_rows):
        for row in gen(None if full else since):
            if not full and since is None and (row[0], row[1]) in existing:
                continue
            if not row[5]:
                continue
            pending.append(row)
            if len(pending) >= batch:
                flush()
    flush()
    return done
