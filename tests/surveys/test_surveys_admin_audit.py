"""Editing the questionnaire inline in the survey admin writes one audit entry per question (before/after)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def _post_data(response: Any) -> dict[str, Any]:
    """The change form as the browser would submit it unchanged (main form + every inline formset)."""
    data: dict[str, Any] = {}

    def add(form: Any) -> None:
        for bf in form:
            value = bf.value()
            if bf.field.widget.input_type == "checkbox" if hasattr(bf.field.widget, "input_type") else False:
                if value:
                    data[bf.html_name] = "on"
                continue
            if value is None:
                value = ""
            data[bf.html_name] = value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        fs = inline.formset
        for bf in fs.management_form:
            data[bf.html_name] = bf.value()
        for form in fs.forms:
            add(form)
    return data


def test_inline_question_edits_are_audited_per_question(org, csat, client_for):
    from sqms.core.models import AuditEntry
    from sqms.surveys.models import Question

    client = client_for(org.admin)
    url = f"/admin/surveys/survey/{csat.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    data = _post_data(page)
    questions = list(csat.questions.order_by("section__order", "order", "id"))
    q0, q1 = questions[0], questions[1]
    prefix = next(
        i.formset.prefix for i in page.context["inline_admin_formsets"] if i.formset.model is Question
    )
    index = {int(data[f"{prefix}-{i}-id"]): i for i in range(int(data[f"{prefix}-TOTAL_FORMS"]))}
    data[f"{prefix}-{index[q0.pk]}-text"] = "整体而言，您对本次服务满意吗？（修订）"
    data[f"{prefix}-{index[q1.pk]}-required"] = ""  # unticked
    data.pop(f"{prefix}-{index[q1.pk]}-required")
    before_count = AuditEntry.objects.count()
    resp = client.post(url, data)
    assert resp.status_code == 302, resp.content[:2000]
    q0.refresh_from_db()
    q1.refresh_from_db()
    assert q0.text.endswith("（修订）") and q1.required is False
    entries = list(AuditEntry.objects.order_by("id")[before_count:])
    per_question = [e for e in entries if e.changes.get("_row", "").startswith("question:")]
    assert len(per_question) == 2, [e.changes for e in per_question]
    by_row = {e.changes["_row"]: e for e in per_question}
    e0 = by_row[f"question:{q0.pk}"]
    assert e0.changes["text"][1].endswith("（修订）") and not e0.changes["text"][0].endswith("（修订）")
    assert set(e0.changes) == {"text", "_row"}  # only what changed
    e1 = by_row[f"question:{q1.pk}"]
    assert e1.changes["required"] == [True, False]
    assert e0.object_id == str(csat.pk) and e0.actor == org.admin and q0.code in e0.verb


def test_inline_question_delete_is_audited(org, csat, client_for):
    from sqms.core.models import AuditEntry
    from sqms.surveys.models import Question

    client = client_for(org.admin)
    url = f"/admin/surveys/survey/{csat.pk}/change/"
    page = client.get(url)
    data = _post_data(page)
    prefix = next(
        i.formset.prefix for i in page.context["inline_admin_formsets"] if i.formset.model is Question
    )
    last = csat.questions.order_by("-id").first()
    i = next(i for i in range(int(data[f"{prefix}-TOTAL_FORMS"])) if int(data[f"{prefix}-{i}-id"]) == last.pk)
    data[f"{prefix}-{i}-DELETE"] = "on"
    resp = client.post(url, data)
    assert resp.status_code == 302
    assert not Question.objects.filter(pk=last.pk).exists()
    entry = AuditEntry.objects.filter(changes___row=f"question:{last.pk}").get()
    assert entry.changes["code"][0] == last.code and entry.changes["text"][0] == last.text
