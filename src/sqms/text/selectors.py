"""Reads of text analytics, always scoped to the user's org units: analysed texts by unit and period, word
frequencies, keywords (jieba TF-IDF / TextRank with our tokenizer), NMF topics, emerging terms week over week,
sentiment summaries, and the trained models."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Avg, Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core.errors import ValidationFailed
from sqms.core.scoping import scoped
from sqms.text import domain, segment
from sqms.text.models import Source, TextRecord, TrainedModel

MAX_DOCS = 20_000  # most recent texts analysed per request


@dataclass
class Filters:
    unit: str = ""
    start: date | None = None
    end: date | None = None
    source: str = ""
    kind: str = ""

    @classmethod
    def parse(cls, data: Any) -> Filters:
        """From query parameters; a bad value is a clear error naming the field."""
        errors: dict[str, list[str]] = {}

        def day(name: str) -> date | None:
            raw = (data.get(name) or "").strip()
            if not raw:
                return None
            try:
                return date.fromisoformat(raw)
            except ValueError:
                errors[name] = [_("Enter a date as YYYY-MM-DD.")]
                return None

        f = cls(
            unit=(data.get("unit") or "").strip(),
            start=day("start"),
            end=day("end"),
            source=(data.get("source") or "").strip(),
            kind=(data.get("kind") or "").strip(),
        )
        if f.source and f.source not in Source.values:
            errors["source"] = [_("Unknown source.")]
        if f.start and f.end and f.start > f.end:
            errors["end"] = [_("The end date is before the start date.")]
        if errors:
            raise ValidationFailed(_("Check the filters."), fields=errors)
        return f


def _bound(d: date, end: bool = False) -> datetime:
    tz = timezone.get_current_timezone()
    if end:
        d = d + timedelta(days=1)
    return timezone.make_aware(datetime.combine(d, time.min), tz)


def texts(user: Any, f: Filters) -> QuerySet[TextRecord]:
    qs = scoped(user, TextRecord.objects.all())
    if f.unit:
        from sqms.org.selectors import unit_by_code

        unit = unit_by_code(user, f.unit)
        qs = qs.filter(org_unit__path__startswith=unit.path)
    if f.start:
        qs = qs.filter(at__gte=_bound(f.start))
    if f.end:
        qs = qs.filter(at__lt=_bound(f.end, end=True))
    if f.source:
        qs = qs.filter(source=f.source)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    return qs


def _docs(user: Any, f: Filters, limit: int = MAX_DOCS) -> list[str]:
    return list(texts(user, f).order_by("-at").values_list("text", flat=True)[:limit])


# --- segmentation memo ------------------------------------------------------------------------------
# The analytics page reads the same few thousand texts for its word counts, keywords, topics and emerging
# terms, and again on every visit: each distinct text is cut once per process and its tokens kept here
# (bounded), and the whole memo is dropped when the segmenter's dictionary or stop words change.
MEMO_MAX = 60_000
_memo: dict[str, list[str]] = {}
_memo_state: list[Any] = [None]
_memo_lock = threading.Lock()


def cut_all(docs: list[str]) -> list[list[str]]:
    """``segment.current().cut(t)`` for every text, from the memo where the text was cut before."""
    seg = segment.current()
    state = (id(seg), seg.signature)
    with _memo_lock:
        if _memo_state[0] != state or len(_memo) > MEMO_MAX:
            _memo.clear()
            _memo_state[0] = state
        missing = {t for t in docs if t not in _memo}
    cut = {t: seg.cut(t) for t in missing}
    with _memo_lock:
        if _memo_state[0] == state:
            _memo.update(cut)
        return [_memo.get(t) or cut.get(t) or seg.cut(t) for t in docs]


def content_tokens(tokens: list[str], stop: frozenset[str], min_len: int = 2) -> list[str]:
    """What :meth:`segment.Segmenter.tokens` keeps of a text's cut tokens."""
    return [
        t
        for t in tokens
        if len(t) >= min_len
        and t not in stop
        and segment._WORDLIKE.search(t)
        and not segment._NUMBER.match(t)
    ]


def _doc_tokens(docs: list[str], min_len: int = 2) -> list[list[str]]:
    stop = segment.current().stop_words
    return [content_tokens(toks, stop, min_len) for toks in cut_all(docs)]


def word_frequency(user: Any, f: Filters, top: int = 30) -> list[dict[str, Any]]:
    """The most frequent content words (2+ characters, no stop words)."""
    counts = domain.word_counts(_doc_tokens(_docs(user, f)))
    return [{"word": w, "count": n} for w, n in counts.most_common(top)]


_extractors: dict[str, Any] = {}
_extract_lock = threading.Lock()


def _extractor(method: str) -> Any:
    import jieba.analyse

    seg = segment.current()
    with _extract_lock:
        ex = _extractors.get(method)
        if ex is None:
            ex = jieba.analyse.TextRank() if method == "textrank" else jieba.analyse.TFIDF()
            _extractors[method] = ex
        if method == "textrank":
            ex.tokenizer = ex.postokenizer = seg.pos_tokenizer
        else:
            ex.tokenizer = seg.tokenizer
            ex.postokenizer = seg.pos_tokenizer
        ex.stop_words = set(seg.stop_words)
        return ex


def keywords(user: Any, f: Filters, top: int = 20, method: str = "tfidf") -> list[dict[str, Any]]:
    """Keywords of the texts with jieba.analyse (TF-IDF against jieba's IDF table, or TextRank)."""
    if method not in ("tfidf", "textrank"):
        raise ValidationFailed(_("Check the method."), fields={"method": [_("Choose tfidf or textrank.")]})
    docs = _docs(user, f)
    if not docs:
        return []
    ex = _extractor(method)
    if method == "tfidf":
        pairs = _tfidf_tags(ex, docs, top)
    else:
        with _extract_lock:
            pairs = ex.extract_tags("\n".join(docs), topK=top, withWeight=True)
    return [{"word": w, "weight": round(float(s), 6)} for w, s in pairs]


def _tfidf_tags(ex: Any, docs: list[str], top: int) -> list[tuple[str, float]]:
    """``jieba.analyse.TFIDF.extract_tags("\\n".join(docs), topK=top, withWeight=True)`` computed from the
    memoised tokens (jieba cuts the joined text into the same tokens: a newline separates its blocks)."""
    freq: dict[str, float] = {}
    stop = ex.stop_words
    for tokens in cut_all(docs):
        for w in tokens:
            if len(w.strip()) < 2 or w.lower() in stop:
                continue
            freq[w] = freq.get(w, 0.0) + 1.0
    total = sum(freq.values())
    if not total:
        return []
    for k in freq:
        freq[k] *= ex.idf_freq.get(k, ex.median_idf) / total
    return sorted(freq.items(), key=lambda kv: kv[1], reverse=True)[:top]


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def topics(user: Any, f: Filters, n_topics: int = 5, n_words: int = 8) -> dict[str, Any]:
    """NMF topics of the texts' TF-IDF: top words per topic and how many texts each topic leads."""
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not 2 <= n_topics <= 20:
        raise ValidationFailed(_("Check the topic count."), fields={"n": [_("Between 2 and 20.")]})
    docs = _docs(user, f)
    if len(docs) < n_topics * 2:
        return {"n_docs": len(docs), "topics": []}
    vec = TfidfVectorizer(analyzer=_identity, min_df=2, max_df=0.9, sublinear_tf=True)
    try:
        x = vec.fit_transform(_doc_tokens(docs))
    except ValueError:  # every word filtered out
        return {"n_docs": len(docs), "topics": []}
    k = min(n_topics, x.shape[1])
    if k < 2:
        return {"n_docs": len(docs), "topics": []}
    nmf = NMF(n_components=k, init="nndsvda", random_state=0, max_iter=400)
    w = nmf.fit_transform(x)
    vocab = vec.get_feature_names_out()
    lead = w.argmax(axis=1)
    has = w.max(axis=1) > 0
    out = []
    for t in range(k):
        comp = nmf.components_[t]
        idx = comp.argsort()[::-1][:n_words]
        n = int(((lead == t) & has).sum())
        out.append(
            {
                "topic": t + 1,
                "words": [str(vocab[i]) for i in idx if comp[i] > 0],
                "weights": [round(float(comp[i]), 6) for i in idx if comp[i] > 0],
                "n_docs": n,
                "share": round(n / len(docs), 4),
            }
        )
    out.sort(key=lambda d: -d["n_docs"])
    return {"n_docs": len(docs), "topics": out}


def emerging(
    user: Any, f: Filters, *, min_count: int = 3, min_growth: float = 1.0, top: int = 20
) -> dict[str, Any]:
    """Words whose document count in the 7 days up to ``f.end`` (default today) grew by ``min_growth``
    (1.0 = doubled) over the 7 days before, with at least ``min_count`` texts this week."""
    end = f.end or timezone.localdate()
    this_start = end - timedelta(days=6)
    last_start = this_start - timedelta(days=7)
    last_end = this_start - timedelta(days=1)
    base = Filters(unit=f.unit, source=f.source, kind=f.kind)

    def counts(a: date, b: date) -> Any:
        part = Filters(unit=base.unit, start=a, end=b, source=base.source, kind=base.kind)
        return domain.doc_counts(_doc_tokens(_docs(user, part)))

    rows = domain.emerging_terms(
        counts(this_start, end), counts(last_start, last_end), min_count=min_count, min_growth=min_growth
    )
    return {
        "this_week": [this_start.isoformat(), end.isoformat()],
        "last_week": [last_start.isoformat(), last_end.isoformat()],
        "terms": [
            {
                "word": e.term,
                "this_week": e.this_week,
                "last_week": e.last_week,
                "growth": None if e.growth is None else round(e.growth, 4),
            }
            for e in rows[:top]
        ],
    }


def sentiment_summary(user: Any, f: Filters) -> dict[str, Any]:
    qs = texts(user, f)
    agg = qs.aggregate(n=Count("id"), mean=Avg("sentiment"))
    by = dict(qs.values_list("polarity").annotate(n=Count("id")).values_list("polarity", "n"))
    by_source = list(qs.values("source").annotate(n=Count("id"), mean=Avg("sentiment")).order_by("source"))
    return {
        "n": agg["n"],
        "mean": None if agg["mean"] is None else round(float(agg["mean"]), 4),
        "positive": by.get("positive", 0),
        "neutral": by.get("neutral", 0),
        "negative": by.get("negative", 0),
        "by_source": [
            {"source": r["source"], "n": r["n"], "mean": round(float(r["mean"] or 0), 4)} for r in by_source
        ],
    }


def models(task: str | None = None) -> QuerySet[TrainedModel]:
    qs = TrainedModel.objects.defer("blob").select_related("trained_by")
    return qs.filter(task=task) if task else qs
