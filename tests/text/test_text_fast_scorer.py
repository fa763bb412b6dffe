"""The plain-Python twin of the classifier pipeline (learn.LinearScorer) gives scikit-learn's own
``predict_proba`` (the oracle) for multi-class and two-class models, unseen words and empty texts; pipelines
of another shape keep going through scikit-learn; a new complaint's suggestion uses the twin."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from text_samples import VOCAB, synthetic_texts

from sqms.text import learn, services
from sqms.text.models import Task

pytestmark = pytest.mark.django_db

PROBES = [
    "",
    "。。。",
    "完全没有见过的词语组合",
    "排队 等候 窗口 电费 账单",
    "停电停电停电 线路 电压 态度",
    "昨天营业厅排队等了很久，客服态度冷漠，还多收了电费",
    "hello world 123",
]


def _fit(n_classes: int, features: str = "words", algorithm: str = "logreg") -> Any:
    codes = list(VOCAB)[:n_classes]
    data = [(t, c) for t, c in synthetic_texts(25, seed=11) if c in codes]
    texts = [t for t, _c in data]
    pipe = learn.build_pipeline(features=features, algorithm=algorithm)
    pipe.fit(texts, [c for _t, c in data])
    return pipe, texts


@pytest.mark.parametrize("n_classes", [4, 3, 2])
def test_scorer_equals_sklearn_predict_proba(org: Any, n_classes: int) -> None:
    pipe, texts = _fit(n_classes)
    scorer = learn.linear_scorer(pipe)
    assert scorer is not None and scorer.classes == list(pipe.classes_)
    probes = PROBES + texts[:40]
    expected = pipe.predict_proba(probes)
    got = np.array([scorer.proba(t) for t in probes])
    assert got.shape == expected.shape
    assert np.allclose(got, expected, rtol=0, atol=1e-12)
    for text, (label, prob) in zip(probes, learn.top_prediction(pipe, probes), strict=True):
        assert scorer.top(text) == (label, pytest.approx(prob, abs=1e-12))
    assert [scorer.top(t)[0] for t in probes] == list(pipe.predict(probes))


@pytest.mark.parametrize(("features", "algorithm"), [("words_chars", "logreg"), ("words", "svm")])
def test_other_pipelines_have_no_twin(org: Any, features: str, algorithm: str) -> None:
    pipe, _texts = _fit(3, features, algorithm)
    assert learn.linear_scorer(pipe) is None


def test_new_complaint_is_classified_through_the_twin(org: Any, labelled: Any, api_for: Any) -> None:
    labelled(30)
    model = services.train_classifier(actor=org.quality)
    assert services.scorer_of(model) is not None
    text = "排队 等候 窗口 叫号 人多 取号 大厅拥挤"
    pipe = services.pipeline_of(model)
    value, p = learn.top_prediction(pipe, [text])[0]
    assert services.top_prediction(model, text) == (value, pytest.approx(p, abs=1e-12))
    body = {"title": "排队等候窗口叫号", "description": text, "kind": "complaint", "org_unit": "BA-T"}
    r = api_for(org.manager_a).post("/api/v1/feedback", json.dumps(body), content_type="application/json")
    assert r.status_code == 201, r.content
    from sqms.feedback.models import Ticket, TicketEvent

    ticket = Ticket.objects.get(number=r.json()["number"])
    event = TicketEvent.objects.get(ticket=ticket, kind="created")
    assert event.data["classifier"]["category"] == value
    assert event.data["classifier"]["confidence"] == pytest.approx(p, abs=5e-4)  # stored rounded
    assert services.active_model(Task.CATEGORY).pk == model.pk
