"""Item-level checklist versioning: editing a template that an inspection has used saves a new version and
leaves the used one (and every inspection's results) exactly as scored; an unused one changes in place.
Through the service, the API and the back office; audited; bad input changes nothing."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from sqms.core.errors import Conflict, ValidationFailed

pytestmark = pytest.mark.django_db


def _template(org: Any) -> Any:
    from sqms.audits import services

    return services.create_template(
        actor=org.quality,
        data={"code": "T-V", "name": "营业厅检查", "kind": "on_site"},
        items=[{"text": "着装规范", "weight": 2}, {"text": "消防设施", "weight": 3, "critical": True}],
    )


def _rows(t: Any) -> list[dict[str, Any]]:
    return [
        {"id": i.pk, "order": i.order, "text": i.text, "weight": i.weight, "critical": i.critical}
        for i in t.items.order_by("order")
    ]


def test_unused_template_changes_in_place(org: Any) -> None:
    from sqms.audits import services
    from sqms.core.models import AuditEntry

    t = _template(org)
    rows = _rows(t)
    rows[0]["text"] = "着装与仪容"
    rows = [rows[0], {"text": "叫号系统", "weight": 1}]  # second item removed, a new one added
    same = services.edit_template(
        actor=org.quality, template=t, data={"name": "营业厅检查（新）"}, items=rows
    )
    assert same.pk == t.pk and same.version == 1 and same.name == "营业厅检查（新）"
    assert [(i.text, i.weight) for i in same.items.order_by("order")] == [
        ("着装与仪容", Decimal(2)),
        ("叫号系统", Decimal(1)),
    ]
    assert same.items.order_by("order").first().pk == rows[0]["id"]  # the kept item kept its id
    entry = AuditEntry.objects.filter(object_id=str(t.pk), action="update").latest("at")
    assert "items" in json.dumps(entry.changes, ensure_ascii=False) and "叫号系统" in json.dumps(
        entry.changes, ensure_ascii=False
    )


def test_used_template_becomes_a_new_version_and_inspections_keep_their_items(org: Any) -> None:
    from sqms.audits import services
    from sqms.audits.models import ChecklistItem, InspectionPlan

    t = _template(org)
    plan = InspectionPlan.objects.create(
        name="月度检查",
        template=t,
        org_unit=org.team_a,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2099, 12, 31),
    )
    insp = services.create_inspection(actor=org.quality, data={"template": t, "org_unit": org.team_a})
    a, b = t.items.order_by("order")
    services.record_result(actor=org.quality, inspection=insp, item_id=a.pk, outcome="pass")
    services.record_result(actor=org.quality, inspection=insp, item_id=b.pk, outcome="fail")
    insp = services.complete_inspection(actor=org.quality, inspection=insp)
    score = insp.score
    rows = _rows(t)
    rows[1]["text"] = "消防设施完好且在有效期内"
    rows[1]["weight"] = 10
    new = services.edit_template(actor=org.quality, template=t, data={}, items=rows)
    t.refresh_from_db()
    assert (new.code, new.version, new.active, t.active) == ("T-V", 2, True, False)
    # the used version and its items are untouched; the inspection still points at them
    assert [(i.text, i.weight) for i in t.items.order_by("order")] == [
        ("着装规范", Decimal(2)),
        ("消防设施", Decimal(3)),
    ]
    assert set(insp.results.values_list("item_id", flat=True)) == {a.pk, b.pk}
    assert services.compute_score(insp).percent == score
    new_items = list(new.items.order_by("order"))
    assert [i.text for i in new_items] == ["着装规范", "消防设施完好且在有效期内"]
    assert not {i.pk for i in new_items} & {a.pk, b.pk}
    assert ChecklistItem.objects.filter(template__code="T-V").count() == 4
    # the running plan now schedules the new version; new inspections get its items
    plan.refresh_from_db()
    assert plan.template_id == new.pk
    later = services.create_inspection(actor=org.quality, data={"template": new, "org_unit": org.team_a})
    assert set(later.results.values_list("item_id", flat=True)) == {i.pk for i in new_items}
    # a retired version cannot be edited
    with pytest.raises(ValidationFailed) as err:
        services.edit_template(actor=org.quality, template=t, data={}, items=_rows(t))
    assert "version" in err.value.fields


def test_bad_input_and_permissions_change_nothing(org: Any) -> None:
    from sqms.audits import services
    from sqms.core.errors import Forbidden

    t = _template(org)
    before = _rows(t)
    with pytest.raises(ValidationFailed) as err:
        services.edit_template(actor=org.quality, template=t, data={}, items=[{"text": "x", "weight": -1}])
    assert "items.0.weight" in err.value.fields
    with pytest.raises(ValidationFailed):
        services.edit_template(actor=org.quality, template=t, data={}, items=[])
    with pytest.raises(Forbidden):
        services.edit_template(actor=org.manager_a, template=t, data={}, items=before)
    with pytest.raises(Conflict):
        services.edit_template(
            actor=org.quality,
            template=t,
            data={"name": "x"},
            items=before,
            expected_updated_at=t.updated_at - dt.timedelta(seconds=5),
        )
    t.refresh_from_db()
    assert _rows(t) == before and t.name == "营业厅检查"


def test_api_put_answers_the_new_version(org: Any, api_for: Any) -> None:
    from sqms.audits import services

    t = _template(org)
    q = api_for(org.quality)
    body = {"name": "营业厅检查", "items": [{"text": "着装规范"}, {"text": "消防设施", "critical": True}]}
    r = q.put(f"/api/v1/checklist-templates/{t.pk}", data=json.dumps(body), content_type="application/json")
    assert r.status_code == 200, r.content
    assert (r.json()["id"], r.json()["version"], r.json()["in_use"]) == (t.pk, 1, False)
    services.create_inspection(actor=org.quality, data={"template": t, "org_unit": org.team_a})
    body["items"][0]["text"] = "着装与仪容"
    r = q.put(f"/api/v1/checklist-templates/{t.pk}", data=json.dumps(body), content_type="application/json")
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["id"] != t.pk
    assert [i["text"] for i in r.json()["items"]] == ["着装与仪容", "消防设施"]
    old = q.get(f"/api/v1/checklist-templates/{t.pk}").json()
    assert old["in_use"] and not old["active"] and old["items"][0]["text"] == "着装规范"
    bad = dict(body, items=[{"text": "", "weight": 1}])
    r = q.put(
        f"/api/v1/checklist-templates/{r.json()['id']}", data=json.dumps(bad), content_type="application/json"
    )
    assert r.status_code == 422 and "items.0.text" in r.json()["error"]["fields"]


def test_admin_edit_of_a_used_template_saves_a_new_version(org: Any, client_for: Any) -> None:
    from sqms.audits import services
    from sqms.audits.models import ChecklistTemplate

    t = _template(org)
    services.create_inspection(actor=org.quality, data={"template": t, "org_unit": org.team_a})
    a, b = t.items.order_by("order")
    prefix = "items"
    data = {
        "name": "营业厅检查",
        "kind": "on_site",
        "description": "",
        "pass_mark": "80",
        f"{prefix}-TOTAL_FORMS": "2",
        f"{prefix}-INITIAL_FORMS": "2",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for n, item in enumerate((a, b)):
        data.update(
            {
                f"{prefix}-{n}-id": str(item.pk),
                f"{prefix}-{n}-template": str(t.pk),
                f"{prefix}-{n}-order": str(item.order),
                f"{prefix}-{n}-text": item.text if n == 0 else "消防设施（改）",
                f"{prefix}-{n}-scoring": "pass_fail",
                f"{prefix}-{n}-max_points": "1",
                f"{prefix}-{n}-weight": str(item.weight),
                f"{prefix}-{n}-allow_na": "on",
                f"{prefix}-{n}-guidance": "",
            }
        )
        if item.critical:
            data[f"{prefix}-{n}-critical"] = "on"
    c = client_for(org.quality)
    r = c.post(f"/admin/audits/checklisttemplate/{t.pk}/change/", data)
    assert r.status_code == 302, (
        r.context["adminform"].form.errors,
        [f.errors for f in r.context["inline_admin_formsets"][0].formset.forms],
        r.context["inline_admin_formsets"][0].formset.non_form_errors(),
        r.context["inline_admin_formsets"][0].formset.prefix,
    )
    new = ChecklistTemplate.objects.get(code="T-V", version=2)
    assert r["Location"].endswith(f"/admin/audits/checklisttemplate/{new.pk}/change/")
    assert [i.text for i in new.items.order_by("order")] == ["着装规范", "消防设施（改）"]
    assert [i.text for i in t.items.order_by("order")] == ["着装规范", "消防设施"]
