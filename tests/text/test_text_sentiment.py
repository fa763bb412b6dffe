"""Sentiment: the shipped lexicon on labelled examples (negation, degree), a model trained on ratings used only
when it beats the lexicon, and the per-text scores stored for tickets, rating reasons and survey comments."""

from __future__ import annotations

from typing import Any

import pytest

from sqms.core.errors import ValidationFailed
from sqms.text import domain, segment, services
from sqms.text.models import TextRecord

LABELLED = [
    ("工作人员态度非常好，很满意", "positive"),
    ("抢修师傅来得很及时，服务周到，感谢", "positive"),
    ("营业员服务热情，办理很快捷", "positive"),
    ("问题没有解决，非常不满意", "negative"),
    ("客服态度太差，不耐烦还挂电话", "negative"),
    ("电费异常偏高，多次反映也没人处理", "negative"),
    ("排队等候太久，窗口只开一个", "negative"),
    ("我想咨询一下峰谷电价的政策", "neutral"),
]


@pytest.mark.parametrize(("text", "expected"), LABELLED)
def test_lexicon_on_labelled_examples(db: Any, text: str, expected: str) -> None:
    score = services.lexicon_scores([text])[0]
    assert domain.polarity(score) == expected, (text, score, segment.cut(text))


def test_negation_and_degree() -> None:
    lex = domain.parse_lexicon(["满意\t1", "差\t-1", "!neg 不", "!deg 非常\t2"])
    assert domain.lexicon_score(["满意"], lex) == pytest.approx(0.4621171572600098)  # tanh(0.5)
    assert domain.lexicon_score(["不", "满意"], lex) == pytest.approx(-0.4621171572600098)
    assert domain.lexicon_score(["非常", "满意"], lex) == pytest.approx(0.7615941559557649)  # tanh(1)
    assert domain.lexicon_score(["不", "差"], lex) > 0
    assert domain.lexicon_score(["天气"], lex) == 0.0


def _rated(org: Any, n: int) -> None:
    """n good and n bad ratings whose reasons use words the lexicon does not know."""
    from sqms.feedback.models import Rating

    good = ["小王当天办结", "一次办结", "上门当天办结", "师傅当天通上"]
    bad = ["来回跑三趟", "跑了三趟还要补材料", "又让跑一趟", "跑三趟没办成"]
    rows = []
    for i in range(n):
        rows.append(Rating(org_unit=org.team_a, score=5, reasons=good[i % 4] + f"{i}号"))
        rows.append(Rating(org_unit=org.team_b, score=1, reasons=bad[i % 4] + f"{i}号"))
    Rating.objects.bulk_create(rows)


def test_sentiment_model_trained_on_ratings_replaces_the_lexicon_when_better(org: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.train_sentiment(actor=org.quality)
    assert "classes" in exc.value.fields
    _rated(org, 30)
    m = services.train_sentiment(actor=org.quality)
    assert m.accuracy > m.metrics["lexicon_accuracy"] and m.params["use_model"]
    scores, method = services.sentiment_scores(["跑了三趟", "当天办结"])
    assert method == "model v1" and scores[0] < 0 < scores[1]
    # stored per text: rating reasons are analysed with the model's scores
    done = services.analyse_texts()
    assert done["rating"] == 60
    rec = TextRecord.objects.filter(source="rating", text__startswith="跑三趟").first()
    assert rec is not None and rec.polarity == "negative" and rec.method == "model v1"
    assert -1 <= rec.sentiment < 0


def test_tickets_and_survey_comments_are_analysed(org: Any, labelled: Any) -> None:
    from sqms.surveys import services as survey_services
    from sqms.surveys.models import Campaign, Response

    labelled(2, codes=["CAT-WAIT"])
    survey = survey_services.create_from_template(actor=org.admin, template="csat", code="T-CSAT")
    version = survey_services.publish_survey(actor=org.admin, survey=survey)
    campaign = Campaign.objects.create(code="T1", name="t", survey=survey, version=version, org_unit=org.hq)
    codes = services.survey_text_codes(version.definition)
    assert codes, "the CSAT template has a comment question"
    r = Response.objects.create(
        campaign=campaign, version=version, org_unit=org.team_b, answers={codes[0]: "营业员服务热情，很满意"}
    )
    Response.objects.create(campaign=campaign, version=version, org_unit=org.team_b, answers={})
    done = services.analyse_texts()
    assert done["ticket"] == 2 and done["survey"] == 1
    rec = TextRecord.objects.get(source="survey", source_id=r.pk)
    assert rec.polarity == "positive" and rec.org_unit == org.team_b and rec.method == "lexicon"
    # running again adds nothing; a full run refreshes in place
    assert sum(services.analyse_texts().values()) == 0
    assert services.analyse_texts(full=True)["survey"] == 1
    assert TextRecord.objects.count() == 3
