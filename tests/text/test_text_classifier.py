"""The complaint classifier: guards (nothing replaced), accuracy on a separable set against sklearn.metrics
on the same stratified split, the suggestion on a new complaint and the auto-apply threshold."""

from __future__ import annotations

from typing import Any

import pytest

from sqms.core.errors import Forbidden, ValidationFailed
from sqms.text import learn, services
from sqms.text.models import Task, TrainedModel


def test_guards_refuse_with_a_clear_error_and_keep_the_model(org: Any, labelled: Any) -> None:
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationFailed) as exc:  # nothing labelled at all
        services.train_classifier(actor=org.quality)
    assert exc.value.message == (
        "Not enough labelled complaints to train: 0 categories have at least 8 examples each; at least 2 "
        "are needed. Label more complaints with a category (0 labelled so far); the current model was kept."
    )
    assert exc.value.fields == {"classes": [exc.value.message]}
    labelled(30, codes=["CAT-WAIT"])  # one class only
    with pytest.raises(ValidationFailed) as exc:
        services.train_classifier(actor=org.quality)
    assert "classes" in exc.value.fields
    assert not TrainedModel.objects.exists()
    labelled(30, codes=["CAT-BILLING"])
    first = services.train_classifier(actor=org.quality)
    # Now the examples of every class are archived except a handful: the guard keeps v1 in use.
    from django.utils import timezone

    from sqms.feedback.models import Ticket

    keep = list(Ticket.objects.filter(category__code="CAT-WAIT").values_list("pk", flat=True)[:3])
    keep += list(Ticket.objects.filter(category__code="CAT-BILLING").values_list("pk", flat=True)[:3])
    Ticket.objects.exclude(pk__in=keep).update(archived_at=timezone.now())
    with pytest.raises(ValidationFailed):
        services.train_classifier(actor=org.quality)
    assert list(TrainedModel.objects.filter(active=True).values_list("pk", flat=True)) == [first.pk]
    with pytest.raises(ValidationFailed) as exc:
        services.train_classifier(actor=org.quality, features="bigrams")
    assert "features" in exc.value.fields
    with pytest.raises(Forbidden):
        services.train_classifier(actor=org.manager_a)


def _holdout_check(model: TrainedModel) -> None:
    """The stored metrics equal sklearn.metrics recomputed on the stored hold-out tickets."""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    from sqms.feedback.models import Ticket

    tickets = {t.pk: t for t in Ticket.objects.filter(pk__in=model.metrics["test_ids"])}
    test = [tickets[i] for i in model.metrics["test_ids"]]
    pipe = learn.loads(TrainedModel.objects.get(pk=model.pk).blob)
    y_true = [t.category_id for t in test]
    y_pred = list(pipe.predict([f"{t.title} {t.description}".strip() for t in test]))
    labels = [lab["value"] for lab in model.metrics["labels"]]
    assert model.accuracy == pytest.approx(accuracy_score(y_true, y_pred), abs=1e-12)
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    for i, lab in enumerate(model.metrics["labels"]):
        assert lab["precision"] == pytest.approx(p[i], abs=1e-12)
        assert lab["recall"] == pytest.approx(r[i], abs=1e-12)
        assert lab["f1"] == pytest.approx(f[i], abs=1e-12)
        assert lab["support"] == s[i]


@pytest.mark.parametrize(("features", "algorithm"), [("words", "logreg"), ("words_chars", "svm")])
def test_accuracy_well_above_chance_and_metrics_match_sklearn(
    org: Any, labelled: Any, features: str, algorithm: str
) -> None:
    labelled(40)
    m = services.train_classifier(actor=org.quality, features=features, algorithm=algorithm)
    assert m.task == Task.CATEGORY and m.version == 1 and m.active
    assert m.n_examples == 160 and m.n_test == 40 and m.n_train == 120
    assert {lab["support"] for lab in m.metrics["labels"]} == {10}  # stratified: 10 of each of 4 classes
    assert m.metrics["chance"] == pytest.approx(0.25)
    assert m.accuracy >= 0.8  # chance is 0.25
    _holdout_check(m)
    # the same data and seed give the same split; a new version replaces the old one
    again = services.train_classifier(actor=org.quality, features=features, algorithm=algorithm)
    assert again.version == 2 and again.metrics["test_ids"] == m.metrics["test_ids"]
    assert list(TrainedModel.objects.filter(active=True).values_list("version", flat=True)) == [2]


def test_rare_category_is_left_out_and_reported(org: Any, labelled: Any) -> None:
    labelled(20, codes=["CAT-WAIT", "CAT-BILLING", "CAT-OUTAGE"])
    labelled(1, codes=["CAT-ATTITUDE"])  # one example of a fourth category
    m = services.train_classifier(actor=org.quality)
    assert [s["code"] for s in m.metrics["skipped"]] == ["CAT-ATTITUDE"]
    assert len(m.metrics["labels"]) == 3


def _file(org: Any, title: str, description: str, **extra: Any) -> Any:
    from sqms.feedback.services import create_ticket

    ticket, _created = create_ticket(
        actor=org.agent_a,
        data={
            "kind": "complaint",
            "title": title,
            "description": description,
            "org_unit": org.team_a,
            **extra,
        },
    )
    return ticket


def test_new_complaint_gets_the_suggestion_applied_only_above_the_threshold(
    org: Any, labelled: Any, settings: Any
) -> None:
    from sqms.feedback.models import ServiceCategory

    labelled(40)
    services.train_classifier(actor=org.quality)
    clear = ("发票扣款多收", "退费发票，多收扣款缴费")  # billing words, none of the keyword rules
    s = services.suggest(" ".join(clear))
    assert s is not None and s["category"].code == "CAT-BILLING"
    settings.FEEDBACK_CLASSIFIER_MIN_CONFIDENCE = round(s["confidence"] - 0.01, 4)
    t = _file(org, *clear)
    assert t.category is not None and t.category.code == "CAT-BILLING"
    got = services.ticket_suggestion(t)
    assert got is not None and got["applied"] and got["category"].code == "CAT-BILLING"
    assert got["confidence"] == pytest.approx(s["confidence"], abs=1e-4)

    settings.FEEDBACK_CLASSIFIER_MIN_CONFIDENCE = round(s["confidence"] + 0.01, 4)
    t2 = _file(org, *clear)
    assert t2.category is None  # shown, not applied
    got2 = services.ticket_suggestion(t2)
    assert got2 is not None and not got2["applied"] and got2["category"].code == "CAT-BILLING"

    # a category the submitter chose is never replaced
    other = ServiceCategory.objects.get(code="CAT-OTHER")
    settings.FEEDBACK_CLASSIFIER_MIN_CONFIDENCE = 0.0
    t3 = _file(org, *clear, category=other)
    assert t3.category == other


def test_no_model_no_suggestion(org: Any) -> None:
    assert services.classify("电费太高") is None
    t = _file(org, "发票扣款多收", "退费")
    assert services.ticket_suggestion(t) is None


def test_the_cached_active_model_follows_training_deletion_and_the_catalogue(org: Any, labelled: Any) -> None:
    """The active model is kept with the feedback configuration (per process, under data versions): a new
    model, a deleted one and an archived category reach the next classification."""
    from django.utils import timezone

    from sqms.core import dataversion
    from sqms.feedback import confcache
    from sqms.feedback.models import ServiceCategory

    text = "发票扣款多收 退费发票，多收扣款缴费"
    confcache.clear()
    assert services.predict_category(text) is None  # no model yet
    labelled(40)
    version = dataversion.current(confcache.CLASSIFIER_KIND)
    first = services.train_classifier(actor=org.quality)
    assert dataversion.current(confcache.CLASSIFIER_KIND) != version  # other processes reload
    confcache.clear()  # what the commit of the training transaction does in this process
    found = services.predict_category(text)
    assert found is not None and found[2].pk == first.pk and found[0].code == "CAT-BILLING"
    second = services.train_classifier(actor=org.quality)
    confcache.clear()
    found = services.predict_category(text)
    assert found is not None and found[2].pk == second.pk
    second.delete()  # the first one was deactivated by the second: no active model left
    assert services.predict_category(text) is None
    third = services.train_classifier(actor=org.quality)
    confcache.clear()
    assert services.predict_category(text) is not None
    billing = ServiceCategory.objects.get(code="CAT-BILLING")
    billing.archived_at = timezone.now()
    billing.save()
    found = services.predict_category(text)
    assert found is None or found[0].code != "CAT-BILLING"
    assert third.pk
