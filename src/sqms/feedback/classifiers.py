"""The hook where a trained text classifier plugs into feedback classification.

Feedback sits below the text-analytics app in the import layers, so it cannot import it. Instead the
upper app registers a function in its ``AppConfig.ready()``::

    from sqms.feedback.classifiers import register_classifier

    def classify(text: str) -> tuple[int | None, str, float] | None:
        ...  # (category id or None, priority "P1".."P4" or "", confidence 0..1), or None = no opinion

    register_classifier(classify, name="text.complaints")

``sqms.feedback.services.suggest_classification`` consults the registered classifiers (in registration
order) *before* the keyword rules. A classifier answer whose confidence is at least the threshold is
used as the suggestion (it fills category/priority of a new ticket that has none, exactly like a keyword
rule); a less confident answer is only recorded as a suggestion on the ticket's "created" event for the
handler to see, and the keyword rules decide. A classifier that raises is logged and skipped: a broken
model never stops a complaint from being filed.

The threshold is ``settings.FEEDBACK_CLASSIFIER_MIN_CONFIDENCE`` when set, otherwise the environment
variable ``SQMS_FEEDBACK_CLASSIFIER_MIN_CONFIDENCE``, otherwise 0.6.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

#: fn(text) -> (category_id, priority, confidence) or None
Classifier = Callable[[str], "tuple[int | None, str, float] | None"]

DEFAULT_MIN_CONFIDENCE = 0.6
PRIORITIES = frozenset({"P1", "P2", "P3", "P4"})

_classifiers: dict[str, Classifier] = {}


def register_classifier(fn: Classifier, *, name: str | None = None) -> None:
    """Register ``fn`` (idempotent by ``name``; default: the function's module and name)."""
    key = name or f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', repr(fn))}"
    _classifiers[key] = fn


def unregister_classifier(name: str) -> None:
    _classifiers.pop(name, None)


def registered_classifiers() -> dict[str, Classifier]:
    return dict(_classifiers)


def min_confidence() -> float:
    """The configured confidence threshold (0..1)."""
    from django.conf import settings

    value = getattr(settings, "FEEDBACK_CLASSIFIER_MIN_CONFIDENCE", None)
    if value is None:
        value = os.environ.get("SQMS_FEEDBACK_CLASSIFIER_MIN_CONFIDENCE", "") or DEFAULT_MIN_CONFIDENCE
    try:
        return min(1.0, max(0.0, float(value)))
    except (TypeError, ValueError):
        log.warning("SQMS_FEEDBACK_CLASSIFIER_MIN_CONFIDENCE=%r is not a number; using 0.6", value)
        return DEFAULT_MIN_CONFIDENCE


@dataclass(frozen=True)
class ClassifierAnswer:
    source: str
    category_id: int | None
    priority: str
    confidence: float

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "category": self.category_id,
            "priority": self.priority,
            "confidence": round(self.confidence, 4),
        }


def ask_classifiers(text: str) -> ClassifierAnswer | None:
    """The most confident usable answer of the registered classifiers (ties: the first registered)."""
    best: ClassifierAnswer | None = None
    for name, fn in list(_classifiers.items()):
        try:
            out = fn(text)
        except Exception:  # a broken model must not stop a complaint from being filed
            log.exception("feedback classifier %s failed", name)
            continue
        if out is None:
            continue
        try:
            category_id, priority, confidence = out
            confidence = float(confidence)
        except (TypeError, ValueError):
            log.warning(
                "feedback classifier %s returned %r; expected (category_id, priority, confidence)", name, out
            )
            continue
        priority = priority if priority in PRIORITIES else ""
        category_id = int(category_id) if category_id else None
        if category_id is None and not priority:
            continue
        answer = ClassifierAnswer(name, category_id, priority, confidence)
        if best is None or answer.confidence > best.confidence:
            best = answer
    return best
