"""Builder, templates and versioning."""

from __future__ import annotations

import pytest

from sqms.core.errors import ValidationFailed
from sqms.surveys import domain, services
from sqms.surveys.models import SurveyVersion
from sqms.surveys.templates_data import TEMPLATES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_publishes_with_english_wording(org, name):
    survey = services.create_from_template(actor=org.quality, template=name, code=f"T-{name}")
    version = services.publish_survey(actor=org.quality, survey=survey)
    assert version.number == 1 and version.items
    assert all(q["text_en"] for q in domain.questions(version.definition))


def test_servqual_has_22_pairs_over_five_dimensions(org):
    survey = services.create_from_template(actor=org.quality, template="servqual")
    v = services.publish_survey(actor=org.quality, survey=survey)
    e = [i for i in v.items if i["part"] == "E"]
    p = [i for i in v.items if i["part"] == "P"]
    assert len(e) == len(p) == 22
    assert {i["pair"] for i in e} == {i["pair"] for i in p}
    assert {i["dimension"] for i in p} == {
        "tangibles",
        "reliability",
        "responsiveness",
        "assurance",
        "empathy",
    }


def test_new_survey_gets_servqual_dimensions_and_likert_defaults(org):
    s = services.create_survey(actor=org.quality, code="S1", title="满意度")
    assert list(s.dimensions.values_list("code", flat=True)) == [
        "tangibles",
        "reliability",
        "responsiveness",
        "assurance",
        "empathy",
    ]
    services.add_question(actor=org.quality, survey=s, code="Q1", text="总体满意度", dimension="reliability")
    v = services.publish_survey(actor=org.quality, survey=s)
    q = domain.questions(v.definition)[0]
    assert [o["label"] for o in domain.options_of(q)] == ["非常不满意", "不满意", "一般", "满意", "非常满意"]


def test_question_validation(org):
    s = services.create_survey(actor=org.quality, code="S2", title="x")
    with pytest.raises(ValidationFailed) as exc:
        services.add_question(actor=org.quality, survey=s, code="Q1", type="single", text="?", options=[])
    assert "options" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.add_question(
            actor=org.quality, survey=s, code="Q2", text="?", show_if={"question": "NOPE", "in": [1]}
        )
    assert "show_if" in exc.value.fields


def test_editing_after_responses_makes_a_new_version_and_old_answers_keep_wording(org, campaign, client):
    survey = campaign.survey
    v1 = campaign.version
    q = survey.questions.get(code="csat")
    # no responses yet: republishing updates version 1 in place
    services.update_question(actor=org.quality, question=q, changes={"text": "满意程度（修订）"})
    assert services.publish_survey(actor=org.quality, survey=survey).number == 1
    services.submit_response(campaign=campaign, raw={"csat": ["4"], "nps": ["8"], "resolved": ["1"]})
    services.update_question(actor=org.quality, question=q, changes={"text": "第二版措辞"})
    v2 = services.publish_survey(actor=org.quality, survey=survey)
    assert v2.number == 2
    v1 = SurveyVersion.objects.get(pk=v1.pk)
    assert domain.questions(v1.definition)[0]["text"] == "满意程度（修订）"
    assert domain.questions(v2.definition)[0]["text"] == "第二版措辞"
    assert campaign.responses.get().version_id == v1.pk
    # unchanged draft → same version
    assert services.publish_survey(actor=org.quality, survey=survey).pk == v2.pk


def test_unit_manager_cannot_edit_org_wide_survey(org, csat):
    with pytest.raises(Exception):  # noqa: B017 - Forbidden or NotFound
        services.add_question(actor=org.manager_a, survey=csat, code="X", text="x")
