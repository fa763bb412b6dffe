"""Chinese segmentation: one jieba ``Tokenizer`` instance of our own (never jieba's global one) carrying the
organisation's domain dictionary (:class:`~sqms.text.models.Term`), plus the stop words (the shipped list
``data/stopwords_zh.txt`` and the organisation's :class:`~sqms.text.models.StopWord` rows).

The dictionary and stop words are read from the database again when they change: :func:`invalidate` is
called by the services that edit them, and a cheap signature (count + last change) is checked at most every
few seconds so that other processes (web workers, task workers) follow too.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
CHECK_EVERY = 5.0  # seconds between database signature checks
_WORDLIKE = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)
_NUMBER = re.compile(r"^[\d.,%:/\-]+$")

logging.getLogger("jieba").setLevel(logging.WARNING)


@lru_cache(maxsize=1)
def shipped_stop_words() -> frozenset[str]:
    words: set[str] = set()
    for line in (DATA / "stopwords_zh.txt").read_text(encoding="utf-8").splitlines():
        w = line.strip()
        if w and not w.startswith("#"):
            words.add(w)
    return frozenset(words)


class Segmenter:
    """A jieba tokenizer with the domain dictionary loaded, and the active stop words."""

    def __init__(self) -> None:
        import jieba

        # jieba sets its own logger to DEBUG when imported (and prints "Building prefix dict …" lines)
        jieba.setLogLevel(logging.WARNING)
        self._lock = threading.RLock()
        self.tokenizer = jieba.Tokenizer()
        self.tokenizer.initialize()
        self._added: dict[str, tuple[int, str]] = {}  # word -> (weight, pos) currently applied
        self._original: dict[str, tuple[int | None, str | None]] = {}  # base frequency and tag of a word
        self.stop_words: frozenset[str] = shipped_stop_words()
        self._pos: Any = None
        self.signature: tuple[Any, ...] = ()
        self.checked = 0.0

    # --- dictionary ---------------------------------------------------------------------------------
    def apply_terms(self, terms: Iterable[tuple[str, int, str]]) -> None:
        """Make the tokenizer's domain words exactly ``terms`` ((word, weight, pos) triples)."""
        wanted = {w: (int(f), p or "") for w, f, p in terms if w}
        with self._lock:
            tags = self.pos_tokenizer.word_tag_tab
            for word in list(self._added):
                if word not in wanted:
                    orig_freq, orig_tag = self._original.pop(word, (None, None))
                    if orig_freq:
                        self.tokenizer.add_word(word, orig_freq)
                    else:
                        self.tokenizer.del_word(word)
                    if orig_tag:
                        tags[word] = orig_tag
                    else:
                        tags.pop(word, None)
                    del self._added[word]
            for word, (freq, pos) in wanted.items():
                if self._added.get(word) == (freq, pos):
                    continue
                if word not in self._original:
                    self._original[word] = (self.tokenizer.FREQ.get(word) or None, tags.get(word))
                self.tokenizer.add_word(word, freq)
                if pos:
                    tags[word] = pos
                self._added[word] = (freq, pos)

    def set_stop_words(self, extra: Iterable[str]) -> None:
        self.stop_words = shipped_stop_words() | {w.strip() for w in extra if w.strip()}

    @property
    def pos_tokenizer(self) -> Any:
        """A POS tokenizer over our tokenizer. Its word-tag table is a copy of jieba's default one (no second
        read of the dictionary file); domain terms set their tags in it."""
        import jieba.posseg

        if self._pos is None:
            pos = jieba.posseg.POSTokenizer.__new__(jieba.posseg.POSTokenizer)
            pos.tokenizer = self.tokenizer
            pos.word_tag_tab = dict(jieba.posseg.dt.word_tag_tab)
            self._pos = pos
        return self._pos

    # --- cutting ------------------------------------------------------------------------------------
    def cut(self, text: str) -> list[str]:
        """Every token, punctuation included (what jieba returns, HMM on)."""
        with self._lock:
            return [t for t in self.tokenizer.lcut(text or "") if t.strip()]

    def tokens(self, text: str, *, min_len: int = 1) -> list[str]:
        """Content tokens: no stop words, no punctuation, no bare numbers, at least ``min_len`` characters."""
        stop = self.stop_words
        return [
            t
            for t in self.cut(text)
            if len(t) >= min_len and t not in stop and _WORDLIKE.search(t) and not _NUMBER.match(t)
        ]


_current: list[Segmenter] = []
_build_lock = threading.Lock()


def _db_signature() -> tuple[Any, ...]:
    from django.db.models import Count, Max

    from sqms.text.models import StopWord, Term

    t = Term.objects.aggregate(n=Count("id"), at=Max("updated_at"))
    s = StopWord.objects.aggregate(n=Count("id"), at=Max("updated_at"))
    return (t["n"], t["at"], s["n"], s["at"])


def _load(seg: Segmenter) -> None:
    from sqms.text.models import StopWord, Term

    terms = Term.objects.filter(archived_at__isnull=True, active=True).values_list("word", "weight", "pos")
    seg.apply_terms(list(terms))
    seg.set_stop_words(
        StopWord.objects.filter(archived_at__isnull=True, active=True).values_list("word", flat=True)
    )


def current(*, fresh: bool = False) -> Segmenter:
    """The process's segmenter, in step with the database dictionary and stop words."""
    with _build_lock:
        if not _current:
            _current.append(Segmenter())
            fresh = True
        seg = _current[0]
        now = time.monotonic()
        if fresh or now - seg.checked > CHECK_EVERY:
            try:
                sig = _db_signature()
            except Exception:
                return seg
            seg.checked = now
            if fresh or sig != seg.signature:
                _load(seg)
                seg.signature = sig
        return seg


def invalidate() -> None:
    """Re-read the dictionary on the next use (called after a term or stop word changes)."""
    if _current:
        _current[0].checked = 0.0
        _current[0].signature = ()


def cut(text: str) -> list[str]:
    return current().cut(text)


def tokens(text: str, *, min_len: int = 1) -> list[str]:
    return current().tokens(text, min_len=min_len)


class Analyzer:
    """The scikit-learn ``analyzer`` of the classifiers: content tokens from the current segmenter.

    Picklable (it holds no tokenizer), so a stored model uses the live dictionary when it predicts."""

    def __init__(self, min_len: int = 1) -> None:
        self.min_len = min_len

    def __call__(self, text: str) -> list[str]:
        return tokens(text, min_len=self.min_len)
