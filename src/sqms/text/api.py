"""Text-analytics endpoints under /api/v1/text: segmentation, dictionary terms and stop words, settings,
training and listing models (with their hold-out metrics), classifying a text or a ticket, analysed texts,
and the analytics (word frequency, keywords, topics, emerging terms, sentiment), all scoped by org unit."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from sqms.core.apibase import Mapped, Page
from sqms.core.errors import NotFound, ValidationFailed
from sqms.core.services import require_perm
from sqms.text import segment, selectors, services
from sqms.text.models import StopWord, Task, Term, TrainedModel

router = Router(tags=["text"])

VIEW_TEXTS = "text.view_textrecord"


class FilterIn(Schema):
    unit: str = ""
    start: str = ""
    end: str = ""
    source: str = ""
    kind: str = ""


def _filters(f: FilterIn) -> selectors.Filters:
    return selectors.Filters.parse(f.dict())


# --- segmentation, dictionary, stop words ------------------------------------------------------------------
class TextIn(Schema):
    text: str


class SegmentOut(Schema):
    tokens: list[str]
    content: list[str]


@router.post("/text/segment", response=SegmentOut)
def segment_text(request: HttpRequest, payload: TextIn) -> dict[str, Any]:
    """Cut a text with the organisation's dictionary: every token, and the content words (no stop words)."""
    require_perm(request.user, VIEW_TEXTS)
    seg = segment.current()
    return {"tokens": seg.cut(payload.text), "content": seg.tokens(payload.text)}


class TermIn(Schema):
    word: str
    weight: int = 2000
    pos: str = "n"


class TermOut(Schema):
    id: int
    word: str
    weight: int
    pos: str
    active: bool


@router.get("/text/terms", response=list[TermOut])
@paginate(Page)
def list_terms(request: HttpRequest) -> Any:
    require_perm(request.user, "text.view_term")
    return Term.objects.active().order_by("word")


@router.post("/text/terms", response={201: TermOut})
def add_term(request: HttpRequest, payload: TermIn) -> Status:
    term = services.add_term(actor=request.user, word=payload.word, weight=payload.weight, pos=payload.pos)
    return Status(201, term)


class StopWordIn(Schema):
    word: str


class StopWordOut(Schema):
    id: int
    word: str
    active: bool


@router.get("/text/stop-words", response=list[StopWordOut])
@paginate(Page)
def list_stop_words(request: HttpRequest) -> Any:
    """The organisation's own stop words (the shipped list is in text/data/stopwords_zh.txt)."""
    require_perm(request.user, "text.view_stopword")
    return StopWord.objects.active().order_by("word")


@router.post("/text/stop-words", response={201: StopWordOut})
def add_stop_word(request: HttpRequest, payload: StopWordIn) -> Status:
    return Status(201, services.add_stop_word(actor=request.user, word=payload.word))


# --- settings and models -----------------------------------------------------------------------------------
class SettingsOut(Schema):
    features: str
    algorithm: str
    test_size: float
    min_per_class: int
    seed: int
    threshold: float
    updated_at: datetime


class SettingsIn(Schema):
    features: str | None = None
    algorithm: str | None = None
    test_size: float | None = None
    min_per_class: int | None = None
    seed: int | None = None
    updated_at: datetime | None = None


def _settings_out() -> dict[str, Any]:
    s = services.get_settings()
    return {
        "features": s.features,
        "algorithm": s.algorithm,
        "test_size": s.test_size,
        "min_per_class": s.min_per_class,
        "seed": s.seed,
        "threshold": services.threshold(),
        "updated_at": s.updated_at,
    }


@router.get("/text/settings", response=SettingsOut)
def get_settings(request: HttpRequest) -> dict[str, Any]:
    """Training settings; ``threshold`` (auto-apply confidence) is the feedback app's setting."""
    require_perm(request.user, "text.view_textsettings")
    return _settings_out()


@router.patch("/text/settings", response=SettingsOut)
def patch_settings(request: HttpRequest, payload: SettingsIn) -> dict[str, Any]:
    data = payload.dict(exclude_unset=True)
    expected = data.pop("updated_at", None)
    services.update_settings(actor=request.user, changes=data, expected_updated_at=expected)
    return _settings_out()


class LabelOut(Schema):
    value: Any
    code: str
    name: str
    precision: float
    recall: float
    f1: float
    support: int


class ModelOut(Schema):
    id: int
    task: str
    version: int
    active: bool
    trained_at: datetime
    trained_by: str | None
    method: str
    n_examples: int
    n_train: int
    n_test: int
    accuracy: float
    macro_f1: float | None
    lexicon_accuracy: float | None
    labels: list[LabelOut]
    skipped: list[dict[str, Any]]
    params: dict[str, Any]


def _model_out(m: TrainedModel) -> dict[str, Any]:
    return {
        "id": m.pk,
        "task": m.task,
        "version": m.version,
        "active": m.active,
        "trained_at": m.trained_at,
        "trained_by": m.trained_by.username if m.trained_by_id else None,
        "method": m.method,
        "n_examples": m.n_examples,
        "n_train": m.n_train,
        "n_test": m.n_test,
        "accuracy": m.accuracy,
        "macro_f1": m.metrics.get("macro_f1"),
        "lexicon_accuracy": m.metrics.get("lexicon_accuracy"),
        "labels": [
            {**lab, "value": lab["value"], "code": str(lab.get("code", ""))} for lab in m.metrics["labels"]
        ],
        "skipped": m.metrics.get("skipped", []),
        "params": m.params,
    }


class ModelFilter(Schema):
    task: str = ""


@router.get("/text/models", response=list[ModelOut])
@paginate(Page)
def list_models(request: HttpRequest, filters: Query[ModelFilter]) -> Any:
    """Trained model versions, newest first, with their hold-out metrics."""
    require_perm(request.user, "text.view_trainedmodel")
    if filters.task and filters.task not in Task.values:
        raise ValidationFailed(_("Check the filters."), fields={"task": [_("Unknown task.")]})
    return Mapped(selectors.models(filters.task or None).order_by("task", "-version"), _model_out)


@router.get("/text/models/{model_id}", response=ModelOut)
def get_model(request: HttpRequest, model_id: int) -> dict[str, Any]:
    require_perm(request.user, "text.view_trainedmodel")
    m = selectors.models().filter(pk=model_id).first()
    if m is None:
        raise NotFound()
    return _model_out(m)


class TrainIn(Schema):
    features: str | None = None
    algorithm: str | None = None


@router.post("/text/classifier/train", response={201: ModelOut})
def train_classifier(request: HttpRequest, payload: TrainIn) -> Status:
    """Train the complaint classifier on the labelled complaints; 422 (nothing replaced) with too little data."""
    m = services.train_classifier(actor=request.user, features=payload.features, algorithm=payload.algorithm)
    return Status(201, _model_out(m))


@router.post("/text/sentiment/train", response={201: ModelOut})
def train_sentiment(request: HttpRequest) -> Status:
    """Train the sentiment model on rated texts; it is used only if it beats the lexicon on the hold-out."""
    return Status(201, _model_out(services.train_sentiment(actor=request.user)))


class SuggestionOut(Schema):
    category: str | None
    category_name: str | None
    confidence: float | None
    apply: bool
    threshold: float
    model_version: int | None
    sentiment: float
    polarity: str


@router.post("/text/classify", response=SuggestionOut)
def classify(request: HttpRequest, payload: TextIn) -> dict[str, Any]:
    """The category the classifier suggests for a text, its confidence, whether it would be applied
    automatically, and the text's sentiment."""
    require_perm(request.user, "feedback.view_ticket")
    if not payload.text.strip():
        raise ValidationFailed(_("Enter a text."), fields={"text": [_("This field is required.")]})
    from sqms.text import domain

    s = services.suggest(payload.text)
    scores, _method = services.sentiment_scores([payload.text])
    return {
        "category": s["category"].code if s else None,
        "category_name": s["category"].name if s else None,
        "confidence": s["confidence"] if s else None,
        "apply": bool(s and s["apply"]),
        "threshold": services.threshold(),
        "model_version": s["model_version"] if s else None,
        "sentiment": scores[0],
        "polarity": domain.polarity(scores[0]),
    }


class TicketSuggestionOut(Schema):
    ticket: str
    category: str
    category_name: str
    confidence: float
    applied: bool
    source: str


@router.get("/text/tickets/{number}/suggestion", response=TicketSuggestionOut)
def ticket_suggestion(request: HttpRequest, number: str) -> dict[str, Any]:
    """The classifier's suggestion recorded when the ticket was filed (404 when there was none)."""
    from sqms.feedback import selectors as feedback_selectors

    ticket = feedback_selectors.tickets(request.user).filter(number=number).first()
    if ticket is None:
        raise NotFound()
    s = services.ticket_suggestion(ticket)
    if s is None:
        raise NotFound(_("No classifier suggestion was recorded for this ticket."))
    return {
        "ticket": ticket.number,
        "category": s["category"].code,
        "category_name": s["category"].name,
        "confidence": s["confidence"],
        "applied": s["applied"],
        "source": s["source"],
    }


# --- analysed texts and analytics -------------------------------------------------------------------------
class TextOut(Schema):
    id: int
    source: str
    source_id: int
    org_unit: str
    at: datetime
    kind: str
    text: str
    sentiment: float
    polarity: str
    method: str


@router.get("/text/texts", response=list[TextOut])
@paginate(Page)
def list_texts(request: HttpRequest, filters: Query[FilterIn]) -> Any:
    """Analysed texts with their sentiment score, newest first (scoped)."""
    require_perm(request.user, VIEW_TEXTS)
    qs = selectors.texts(request.user, _filters(filters)).select_related("org_unit").order_by("-at", "-id")
    return Mapped(
        qs,
        lambda r: {
            "id": r.pk,
            "source": r.source,
            "source_id": r.source_id,
            "org_unit": r.org_unit.code,
            "at": r.at,
            "kind": r.kind,
            "text": r.text,
            "sentiment": r.sentiment,
            "polarity": r.polarity,
            "method": r.method,
        },
    )


class AnalyseIn(Schema):
    full: bool = False
    since: date | None = None


@router.post("/text/analyse", response=dict[str, int])
def analyse(request: HttpRequest, payload: AnalyseIn) -> dict[str, int]:
    """Analyse new texts (or all with ``full``) now; the nightly task does it too."""
    require_perm(request.user, "text.add_textrecord")
    since = None
    if payload.since is not None:
        from django.utils import timezone

        since = timezone.make_aware(datetime.combine(payload.since, datetime.min.time()))
    return services.analyse_texts(full=payload.full, since=since)


class CountOut(Schema):
    word: str
    count: int


@router.get("/text/word-frequency", response=list[CountOut])
def word_frequency(request: HttpRequest, filters: Query[FilterIn], top: int = 30) -> Any:
    require_perm(request.user, VIEW_TEXTS)
    _check_top(top)
    return selectors.word_frequency(request.user, _filters(filters), top=top)


class KeywordOut(Schema):
    word: str
    weight: float


def _check_top(top: int) -> None:
    if not 1 <= top <= 200:
        raise ValidationFailed(_("Check the number of words."), fields={"top": [_("Between 1 and 200.")]})


@router.get("/text/keywords", response=list[KeywordOut])
def keywords(request: HttpRequest, filters: Query[FilterIn], method: str = "tfidf", top: int = 20) -> Any:
    """Keywords by unit and period (jieba TF-IDF or TextRank with the organisation's dictionary)."""
    require_perm(request.user, VIEW_TEXTS)
    _check_top(top)
    return selectors.keywords(request.user, _filters(filters), top=top, method=method)


class TopicOut(Schema):
    topic: int
    words: list[str]
    weights: list[float]
    n_docs: int
    share: float


class TopicsOut(Schema):
    n_docs: int
    topics: list[TopicOut]


@router.get("/text/topics", response=TopicsOut)
def topics(request: HttpRequest, filters: Query[FilterIn], n: int = 5, words: int = 8) -> Any:
    """NMF topics of the texts by unit and period."""
    require_perm(request.user, VIEW_TEXTS)
    return selectors.topics(request.user, _filters(filters), n_topics=n, n_words=min(max(words, 1), 30))


class EmergingTermOut(Schema):
    word: str
    this_week: int
    last_week: int
    growth: float | None


class EmergingOut(Schema):
    this_week: list[str]
    last_week: list[str]
    terms: list[EmergingTermOut]


@router.get("/text/emerging", response=EmergingOut)
def emerging(
    request: HttpRequest, filters: Query[FilterIn], min_count: int = 3, min_growth: float = 1.0
) -> Any:
    """Words growing week over week (the 7 days up to ``end`` against the 7 days before)."""
    require_perm(request.user, VIEW_TEXTS)
    if min_count < 1:
        raise ValidationFailed(_("Check the minimum count."), fields={"min_count": [_("At least 1.")]})
    return selectors.emerging(request.user, _filters(filters), min_count=min_count, min_growth=min_growth)


class SentimentOut(Schema):
    n: int
    mean: float | None
    positive: int
    neutral: int
    negative: int
    by_source: list[dict[str, Any]]


@router.get("/text/sentiment", response=SentimentOut)
def sentiment(request: HttpRequest, filters: Query[FilterIn]) -> Any:
    require_perm(request.user, VIEW_TEXTS)
    return selectors.sentiment_summary(request.user, _filters(filters))
