"""POST /api/v1/improvement-projects/from-evaluation: a weak indicator of an evaluation becomes a PDCA
project for the unit (the API of the result page's "Send to improvement" button)."""

from test_evaluation_scores import seed

from sqms.core.models import AuditEntry
from sqms.improvement.models import ImprovementProject
from sqms_testing import fresh

URL = "/api/v1/improvement-projects/from-evaluation"


def test_weak_indicator_becomes_a_project(org, api_for):
    seed(org)
    api = api_for(fresh(org.quality))
    body = {"scheme": "default", "period": "2026-10", "unit": "BA-T", "indicator": "satisfaction_rating"}
    r = api.post(URL, data=body, content_type="application/json")
    assert r.status_code == 201, r.content
    project = ImprovementProject.objects.get()
    out = r.json()
    assert out["number"] == project.number and project.org_unit.code == "BA-T"
    assert "75.0" in project.problem and "2026-10" in project.problem  # Likert 4 → 75
    assert str(project.baseline_start) == "2026-10-01" and str(project.baseline_end) == "2026-10-31"
    assert AuditEntry.objects.filter(object_id=str(project.pk)).exists()


def test_bad_input_and_scope_change_nothing(org, api_for):
    seed(org)
    api = api_for(fresh(org.quality))
    base = {"scheme": "default", "period": "2026-10", "unit": "BA-T", "indicator": "on_time"}
    for bad, status in (
        ({"indicator": "nope"}, 422),
        ({"period": "October"}, 422),
        ({"scheme": "missing"}, 422),
        ({"unit": "NOPE"}, 404),
    ):
        r = api.post(URL, data=base | bad, content_type="application/json")
        assert r.status_code == status, (bad, r.content)
    assert api.post(URL, data={"scheme": "default"}, content_type="application/json").status_code == 422
    assert api_for(fresh(org.manager_b)).post(
        URL, data=base, content_type="application/json"
    ).status_code in (403, 404)
    assert (
        api_for(fresh(org.executive)).post(URL, data=base, content_type="application/json").status_code == 403
    )
    assert not ImprovementProject.objects.exists()
