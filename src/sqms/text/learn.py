"""scikit-learn pieces: the TF-IDF + linear model pipeline, the stratified hold-out fit with its metrics, and
(de)serialising a fitted pipeline to bytes (joblib) for :class:`~sqms.text.models.TrainedModel`."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqms.text.segment import Analyzer


class TooLittleData(Exception):
    """Not enough labelled examples or classes to train. ``field`` is "classes" (``have`` usable classes
    with at least ``min_per_class`` examples, ``need`` needed) or "examples" (``have`` usable examples)."""

    def __init__(self, field: str, have: int, need: int, min_per_class: int) -> None:
        super().__init__(f"{field}: {have} (need {need}, min. {min_per_class} per class)")
        self.field = field
        self.have = have
        self.need = need
        self.min_per_class = min_per_class


def build_pipeline(*, features: str = "words", algorithm: str = "logreg", seed: int = 42) -> Any:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.svm import LinearSVC

    words = TfidfVectorizer(analyzer=Analyzer(), sublinear_tf=True, min_df=1)
    vec: Any = words
    if features == "words_chars":
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, min_df=1)
        vec = FeatureUnion([("words", words), ("chars", chars)])
    if algorithm == "svm":
        clf: Any = CalibratedClassifierCV(LinearSVC(C=1.0, random_state=seed), cv=3)
    else:
        clf = LogisticRegression(C=10.0, max_iter=2000, random_state=seed)
    return Pipeline([("tfidf", vec), ("clf", clf)])


@dataclass
class Fit:
    pipeline: Any
    labels: list[Any]  # class values in the order of the metrics
    accuracy: float
    precision: list[float]
    recall: list[float]
    f1: list[float]
    support: list[int]
    macro_f1: float
    train_idx: list[int]
    test_idx: list[int]
    y_pred: list[Any]
    skipped: dict[Any, int]  # classes with too few examples: value -> count


def split(y: Sequence[Any], *, test_size: float, seed: int) -> tuple[list[int], list[int]]:
    """Stratified hold-out split of positions 0..n-1 (fixed seed)."""
    from sklearn.model_selection import train_test_split

    idx = list(range(len(y)))
    train, test = train_test_split(idx, test_size=test_size, random_state=seed, stratify=list(y))
    return sorted(train), sorted(test)


def fit_holdout(
    texts: Sequence[str],
    y: Sequence[Any],
    *,
    features: str = "words",
    algorithm: str = "logreg",
    test_size: float = 0.25,
    seed: int = 42,
    min_per_class: int = 8,
    min_classes: int = 2,
) -> Fit:
    """Fit on a stratified training part and measure on the hold-out part. Classes with fewer than
    ``min_per_class`` examples are left out (reported in ``skipped``); fewer than ``min_classes`` usable
    classes raise :class:`TooLittleData`."""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    counts = Counter(y)
    skipped = {c: n for c, n in counts.items() if n < min_per_class}
    keep = [i for i, label in enumerate(y) if label not in skipped]
    classes = sorted({y[i] for i in keep})
    if len(classes) < min_classes:
        raise TooLittleData("classes", len(classes), min_classes, min_per_class)
    kt = [texts[i] for i in keep]
    ky = [y[i] for i in keep]
    n_test = max(len(classes), round(len(ky) * test_size))
    if len(ky) - n_test < len(classes) * 2:
        raise TooLittleData("examples", len(ky), n_test + len(classes) * 2, min_per_class)
    train, test = split(ky, test_size=n_test, seed=seed)
    pipe = build_pipeline(features=features, algorithm=algorithm, seed=seed)
    pipe.fit([kt[i] for i in train], [ky[i] for i in train])
    y_true = [ky[i] for i in test]
    y_pred = list(pipe.predict([kt[i] for i in test]))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=classes, zero_division=0)
    return Fit(
        pipeline=pipe,
        labels=classes,
        accuracy=float(accuracy_score(y_true, y_pred)),
        precision=[float(v) for v in p],
        recall=[float(v) for v in r],
        f1=[float(v) for v in f],
        support=[int(v) for v in s],
        macro_f1=float(sum(f) / len(f)),
        train_idx=[keep[i] for i in train],
        test_idx=[keep[i] for i in test],
        y_pred=y_pred,
        skipped=skipped,
    )


def dumps(pipeline: Any) -> bytes:
    import joblib

    buf = io.BytesIO()
    joblib.dump(pipeline, buf, compress=3)
    return buf.getvalue()


def loads(blob: bytes) -> Any:
    import joblib

    return joblib.load(io.BytesIO(bytes(blob)))


def top_prediction(pipeline: Any, texts: Sequence[str]) -> list[tuple[Any, float]]:
    """(most likely class, its probability) for each text."""
    proba = pipeline.predict_proba(list(texts))
    classes = list(pipeline.classes_)
    out: list[tuple[Any, float]] = []
    for row in proba:
        j = int(row.argmax())
        out.append((classes[j], float(row[j])))
    return out


class LinearScorer:
    """The same probabilities as a fitted ``TfidfVectorizer`` (callable analyzer) + ``LogisticRegression``
    pipeline, computed in plain Python over the few tokens of one text.

    scikit-learn spends ~10–15 ms per call on input validation and sparse-matrix set-up for a single short
    text; a complaint must be classified while it is being filed, so the fitted numbers are copied once
    into dictionaries (term → its idf and one weight per class) and one prediction costs a few microseconds
    on top of segmenting. :func:`linear_scorer` returns None for any other pipeline (word+character
    features, calibrated SVM), which then goes through scikit-learn."""

    def __init__(self, pipeline: Any) -> None:
        vec = pipeline.named_steps["tfidf"]
        clf = pipeline.named_steps["clf"]
        self.analyzer = vec.analyzer
        self.sublinear = bool(vec.sublinear_tf)
        self.norm = vec.norm
        idf = [float(v) for v in vec.idf_] if vec.use_idf else None
        coef = clf.coef_
        self.classes: list[Any] = list(clf.classes_)
        self.binary = len(self.classes) <= 2
        self.intercept = [float(v) for v in clf.intercept_]
        self.terms: dict[str, tuple[float, tuple[float, ...]]] = {
            term: (idf[j] if idf is not None else 1.0, tuple(float(c) for c in coef[:, j]))
            for term, j in vec.vocabulary_.items()
        }

    def proba(self, text: str) -> list[float]:
        """Class probabilities in the order of :attr:`classes` (``predict_proba`` of the pipeline)."""
        import math

        counts: Counter[str] = Counter(t for t in self.analyzer(text) if t in self.terms)
        weights: dict[str, float] = {}
        for term, n in counts.items():
            tf = math.log(n) + 1.0 if self.sublinear else float(n)
            weights[term] = tf * self.terms[term][0]
        if self.norm == "l2":
            length = math.sqrt(sum(w * w for w in weights.values()))
        elif self.norm == "l1":
            length = sum(abs(w) for w in weights.values())
        else:
            length = 1.0
        z = list(self.intercept)
        if length > 0:
            for term, w in weights.items():
                x = w / length
                for k, c in enumerate(self.terms[term][1]):
                    z[k] += x * c
        if self.binary:
            p = _expit(z[0])
            return [1.0 - p, p]
        top = max(z)
        e = [math.exp(v - top) for v in z]
        total = sum(e)
        return [v / total for v in e]

    def top(self, text: str) -> tuple[Any, float]:
        """(most likely class, its probability); ties go to the first class, as ``argmax`` does."""
        p = self.proba(text)
        j = max(range(len(p)), key=lambda i: (p[i], -i))
        return self.classes[j], p[j]


def _expit(x: float) -> float:
    import math

    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def linear_scorer(pipeline: Any) -> LinearScorer | None:
    """A :class:`LinearScorer` equivalent to ``pipeline``, or None when the pipeline is of another shape."""
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        steps = getattr(pipeline, "named_steps", {})
        vec, clf = steps.get("tfidf"), steps.get("clf")
        if not isinstance(vec, TfidfVectorizer) or not isinstance(clf, LogisticRegression):
            return None
        if not callable(vec.analyzer) or vec.binary or vec.norm not in ("l1", "l2", None):
            return None
        if type(vec).__name__ != "TfidfVectorizer" or getattr(clf, "multi_class", "auto") not in ("auto",):
            return None
        return LinearScorer(pipeline)
    except Exception:  # an unexpected pipeline: scikit-learn decides
        return None
