"""The text-classifier hook: registered classifiers are asked before the keyword rules; below the
confidence threshold they only suggest; a failing classifier never blocks filing a complaint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sqms.feedback import classifiers, services
from sqms.feedback.models import ServiceCategory, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook() -> Iterator[dict[str, Any]]:
    """Register one test classifier whose answer the test sets; removed afterwards."""
    state: dict[str, Any] = {"answer": None, "calls": []}

    def fn(text: str) -> Any:
        state["calls"].append(text)
        if isinstance(state["answer"], Exception):
            raise state["answer"]
        return state["answer"]

    classifiers.register_classifier(fn, name="test.hook")
    yield state
    classifiers.unregister_classifier("test.hook")


@pytest.fixture
def billing(org: Any) -> ServiceCategory:
    from sqms.feedback.presets import ensure_presets

    ensure_presets()
    return ServiceCategory.objects.get_or_create(code="CAT-HOOK-BILL", defaults={"name": "电费账单"})[0]


def test_confident_classifier_wins_over_keywords(
    hook: Any, billing: Any, make_ticket: Any, settings: Any
) -> None:
    settings.FEEDBACK_CLASSIFIER_MIN_CONFIDENCE = 0.7
    hook["answer"] = (billing.pk, "P1", 0.91)
    # "抢修太慢，停电" matches the preset keyword rules (repair/outage, P2); the classifier is confident.
    t = make_ticket(title="抢修太慢，停电一整天", description="")
    assert hook["calls"] and "抢修太慢" in hook["calls"][0]
    assert t.category_id == billing.pk and t.priority == "P1"
    created = TicketEvent.objects.get(ticket=t, kind="created")
    assert created.data["suggested_by"] == "classifier"
    assert created.data["classifier"] == {
        "source": "test.hook",
        "category": billing.pk,
        "priority": "P1",
        "confidence": 0.91,
    }


def test_unconfident_classifier_only_suggests(
    hook: Any, billing: Any, make_ticket: Any, settings: Any
) -> None:
    settings.FEEDBACK_CLASSIFIER_MIN_CONFIDENCE = 0.7
    hook["answer"] = (billing.pk, "P1", 0.55)
    t = make_ticket(title="抢修太慢，停电一整天", description="")
    assert t.category is not None and t.category.code in {"CAT-REPAIR", "CAT-OUTAGE"}
    assert t.priority == "P2"
    created = TicketEvent.objects.get(ticket=t, kind="created")
    assert created.data["suggested_by"] == "keywords"
    assert created.data["classifier"]["category"] == billing.pk  # kept for the handler to see


def test_threshold_from_environment(hook: Any, billing: Any, monkeypatch: Any, settings: Any) -> None:
    del settings.FEEDBACK_CLASSIFIER_MIN_CONFIDENCE  # not set → the environment decides
    monkeypatch.setenv("SQMS_FEEDBACK_CLASSIFIER_MIN_CONFIDENCE", "0.5")
    hook["answer"] = (billing.pk, "", 0.55)
    assert classifiers.min_confidence() == 0.5
    out = services.classify_text("抢修太慢，停电一整天")
    # the classifier gave the category; the keyword rules still fill the priority it left open
    assert out["category"] == billing.pk and out["priority"] == "P2"
    assert out["source"] == "classifier+keywords"
    monkeypatch.setenv("SQMS_FEEDBACK_CLASSIFIER_MIN_CONFIDENCE", "0.9")
    assert services.classify_text("抢修太慢，停电一整天")["source"] == "keywords"
    monkeypatch.setenv("SQMS_FEEDBACK_CLASSIFIER_MIN_CONFIDENCE", "abc")
    assert classifiers.min_confidence() == classifiers.DEFAULT_MIN_CONFIDENCE


def test_failing_or_silent_or_bogus_classifier_falls_back(hook: Any, billing: Any, make_ticket: Any) -> None:
    for answer in (RuntimeError("model not loaded"), None, ("x", "P1"), (987654, "P9", 0.99)):
        hook["answer"] = answer
        cat, prio = services.suggest_classification("抢修太慢，停电一整天")
        assert prio == "P2" and cat is not None and cat != billing.pk, answer
    hook["answer"] = RuntimeError("model not loaded")
    t = make_ticket(title="抢修太慢，停电一整天", description="")
    assert t.pk and t.priority == "P2"


def test_most_confident_of_several(hook: Any, billing: Any) -> None:
    other = ServiceCategory.objects.create(code="CAT-HOOK-OTHER", name="其他")
    classifiers.register_classifier(lambda text: (other.pk, "P4", 0.95), name="test.other")
    try:
        hook["answer"] = (billing.pk, "P1", 0.8)
        assert services.suggest_classification("随便说点什么") == (other.pk, "P4")
        assert set(classifiers.registered_classifiers()) >= {"test.hook", "test.other"}
    finally:
        classifiers.unregister_classifier("test.other")
    assert services.suggest_classification("随便说点什么") == (billing.pk, "P1")


def test_ticket_page_shows_the_suggestion_and_whether_it_was_applied(
    hook: Any, billing: Any, make_ticket: Any, settings: Any, org: Any, client_for: Any
) -> None:
    settings.FEEDBACK_CLASSIFIER_MIN_CONFIDENCE = 0.7
    hook["answer"] = (billing.pk, "P1", 0.91)
    applied = make_ticket(title="电费账单多扣了钱", description="")
    hook["answer"] = (billing.pk, "P1", 0.55)
    suggested = make_ticket(title="抢修太慢，停电一整天", description="")
    client = client_for(org.quality)
    page = client.get(f"/admin/feedback/ticket/{applied.pk}/change/").content.decode()
    assert 'id="classifier-suggestion"' in page and "电费账单" in page and "91%" in page
    assert "自动应用" in page
    page = client.get(f"/admin/feedback/ticket/{suggested.pk}/change/").content.decode()
    assert "55%" in page and "仅为建议" in page and "70%" in page
    hook["answer"] = None
    silent = make_ticket(title="营业厅排队时间太长", description="")
    assert (
        'id="classifier-suggestion"'
        not in client.get(f"/admin/feedback/ticket/{silent.pk}/change/").content.decode()
    )
