"""Pure text-analytics rules (no Django): the sentiment lexicon, polarity, word counts and emerging terms."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

POLARITY_BAND = 0.2  # |score| below this is neutral


@dataclass(frozen=True)
class Lexicon:
    weights: dict[str, float]
    negators: frozenset[str] = frozenset()
    degrees: dict[str, float] = field(default_factory=dict)


def parse_lexicon(lines: Iterable[str]) -> Lexicon:
    """Read '<word>\\t<weight>', '!neg <word>' and '!deg <word>\\t<factor>' lines (# comments)."""
    weights: dict[str, float] = {}
    negators: set[str] = set()
    degrees: dict[str, float] = {}
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("!neg "):
            negators.add(line[5:].strip())
        elif line.startswith("!deg "):
            word, _sep, factor = line[5:].partition("\t")
            degrees[word.strip()] = float(factor or 1.5)
        else:
            word, _sep, weight = line.partition("\t")
            weights[word.strip()] = float(weight or 1)
    return Lexicon(weights, frozenset(negators), degrees)


def load_lexicon(path: Path) -> Lexicon:
    return parse_lexicon(path.read_text(encoding="utf-8").splitlines())


def lexicon_score(tokens: Sequence[str], lexicon: Lexicon) -> float:
    """Sentiment in [-1, 1]: the sum of word weights (a negator in the two tokens before a word flips it, a
    degree adverb scales it), squashed with tanh(sum / 2). No sentiment word → 0."""
    total = 0.0
    for i, tok in enumerate(tokens):
        w = lexicon.weights.get(tok)
        if w is None:
            continue
        factor = 1.0
        flips = 0
        for prev in tokens[max(0, i - 2) : i]:
            if prev in lexicon.negators:
                flips += 1
            elif prev in lexicon.degrees:
                factor *= lexicon.degrees[prev]
        total += w * factor * (-1.0 if flips % 2 else 1.0)
    return math.tanh(total / 2.0)


def polarity(score: float, band: float = POLARITY_BAND) -> str:
    if score >= band:
        return "positive"
    if score <= -band:
        return "negative"
    return "neutral"


def rating_label(score: int) -> str | None:
    """Training label of a 1-5 rating: 4-5 positive, 1-2 negative, 3 left out."""
    if score >= 4:
        return "positive"
    if score <= 2:
        return "negative"
    return None


def word_counts(docs: Iterable[Sequence[str]]) -> Counter[str]:
    """Token frequencies over all documents."""
    counts: Counter[str] = Counter()
    for toks in docs:
        counts.update(toks)
    return counts


def doc_counts(docs: Iterable[Sequence[str]]) -> Counter[str]:
    """In how many documents each token occurs."""
    counts: Counter[str] = Counter()
    for toks in docs:
        counts.update(set(toks))
    return counts


@dataclass(frozen=True)
class Emerging:
    term: str
    this_week: int
    last_week: int
    growth: float | None  # (this - last) / last; None when the term was absent last week (new)


def emerging_terms(
    this_week: Counter[str], last_week: Counter[str], *, min_count: int = 3, min_growth: float = 1.0
) -> list[Emerging]:
    """Terms in at least ``min_count`` documents this week whose count grew by at least ``min_growth``
    (1.0 = doubled) over last week, or that are new; new terms first, then by growth and count."""
    out: list[Emerging] = []
    for term, n in this_week.items():
        if n < min_count:
            continue
        prev = last_week.get(term, 0)
        if prev == 0:
            out.append(Emerging(term, n, 0, None))
            continue
        growth = (n - prev) / prev
        if growth >= min_growth:
            out.append(Emerging(term, n, prev, growth))
    out.sort(key=lambda e: (e.growth is not None, -(e.growth or 0.0), -e.this_week, e.term))
    return out
