"""Send to improvement: a weak indicator of an evaluation result opens a PDCA project for the unit."""

from test_evaluation_scores import seed

from sqms.improvement.models import ImprovementProject
from sqms_testing import fresh


def test_weak_indicator_becomes_a_project(org, client_for):
    seed(org)
    client = client_for(fresh(org.quality))
    page = client.get("/evaluation/default/2026-10/?focus=BA-T")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-improve="satisfaction_rating"' in html  # Likert 4 → 75 < 80
    assert 'data-improve="on_time"' not in html  # 100: not weak
    form = {"scheme": "default", "period": "2026-10", "unit": "BA-T", "indicator": "satisfaction_rating",
            "next": "/evaluation/default/2026-10/?focus=BA-T"}  # fmt: skip
    r = client.post("/improvement/from-evaluation/", form)
    project = ImprovementProject.objects.get()
    assert r.status_code == 302 and r["Location"].endswith(f"/improvement/projects/{project.pk}/")
    assert project.org_unit.code == "BA-T"
    assert "75.0" in project.problem and "2026-10" in project.problem
    assert str(project.baseline_start) == "2026-10-01" and str(project.baseline_end) == "2026-10-31"


def test_bad_input_changes_nothing(org, client_for):
    seed(org)
    client = client_for(fresh(org.quality))
    base = {"scheme": "default", "period": "2026-10", "unit": "BA-T", "indicator": "nope"}
    for bad in ({}, {"period": "October"}, {"scheme": "missing"}, {"unit": "NOPE"}):
        r = client.post(
            "/improvement/from-evaluation/", base | ({"indicator": "on_time"} if bad else {}) | bad
        )
        assert r.status_code == 302
    assert not ImprovementProject.objects.exists()
    # out of scope: manager of branch B cannot open a project for team A
    other = client_for(fresh(org.manager_b))
    other.post("/improvement/from-evaluation/", base | {"indicator": "on_time"})
    assert not ImprovementProject.objects.exists()
