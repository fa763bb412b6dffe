"""Evaluation plans (F5): API CRUD, draft → in progress → done, members in the scope, progress of the
manual indicators still to score, scores tied to the plan, the plan's run; the back-office pages."""

from sqms.core.models import AuditEntry
from sqms.evaluation.models import ManualScore, Plan, Result
from sqms_testing import fresh

URL = "/api/v1/evaluation-plans"


def new(**over):
    return {"title": "2026 Q4 EFQM self-assessment", "goal": "Find the weakest criteria", "scheme": "efqm",
            "scope": "BA", "units": ["BA-T"], "periods": ["2026-10"], "evaluators": ["quality"]} | over  # fmt: skip


def test_plan_lifecycle_through_the_api(org, api_for):
    api = api_for(fresh(org.quality))
    r = api.post(URL, data=new(), content_type="application/json")
    assert r.status_code == 201, r.content
    plan = r.json()
    assert plan["status"] == "draft" and plan["units"] == ["BA-T"] and plan["evaluators"] == ["quality"]
    assert plan["progress"] == {"done": 0, "total": 9, "percent": 0}
    pid = plan["id"]
    score = {"scheme": "efqm", "indicator": "leadership", "unit": "BA-T", "period": "2026-10", "value": 80,
             "evidence": "workshop", "plan": pid}  # fmt: skip
    r = api.post("/api/v1/evaluation-manual-scores", data=score, content_type="application/json")
    assert r.status_code == 422 and "plan" in r.json()["error"]["fields"]  # still a draft
    assert api.post(f"{URL}/{pid}/run").status_code == 422
    r = api.patch(f"{URL}/{pid}", data={"status": "done"}, content_type="application/json")
    assert r.status_code == 422  # draft cannot jump to done
    r = api.patch(f"{URL}/{pid}", data={"status": "in_progress"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "in_progress"
    for bad in (
        {"unit": "BB-T"},
        {"period": "2026-11"},
        {"scheme": "default", "indicator": "knowledge", "value": 4},
    ):
        r = api.post("/api/v1/evaluation-manual-scores", data=score | bad, content_type="application/json")
        assert r.status_code == 422, (bad, r.content)
    r = api.post("/api/v1/evaluation-manual-scores", data=score, content_type="application/json")
    assert r.status_code == 201 and r.json()["plan"] == pid
    r = api.get(f"{URL}/{pid}")
    assert r.json()["progress"] == {"done": 1, "total": 9, "percent": 11}
    r = api.post(f"{URL}/{pid}/run")
    assert r.status_code == 200 and r.json()[0]["period"] == "2026-10"
    assert Result.objects.filter(scheme__code="efqm", period="2026-10", org_unit__code="BA-T").exists()
    assert api.get(URL).json()["count"] == 1
    r = api.patch(f"{URL}/{pid}", data={"status": "done"}, content_type="application/json")
    assert r.json()["status"] == "done"
    r = api.patch(f"{URL}/{pid}", data={"title": "x"}, content_type="application/json")
    assert r.status_code == 422  # a done plan does not change
    verbs = set(AuditEntry.objects.filter(object_id=str(pid)).values_list("verb", flat=True))
    assert {"plan in_progress", "plan done", "plan members"} <= verbs
    assert api.delete(f"{URL}/{pid}").status_code == 204
    assert api.get(f"{URL}/{pid}").status_code == 404
    assert Plan.objects.get(pk=pid).archived_at is not None and ManualScore.objects.count() == 1


def test_bad_plans_are_refused(org, api_for):
    api = api_for(fresh(org.quality))
    for bad, field in (
        ({"periods": []}, "periods"),
        ({"periods": ["2026-13"]}, "periods"),
        ({"scheme": "nope"}, "scheme"),
        ({"units": ["BB-T"]}, "units"),  # outside the scope unit's subtree
        ({"evaluators": ["ghost"]}, "evaluators"),
        ({"title": ""}, "title"),
    ):
        r = api.post(URL, data=new(**bad), content_type="application/json")
        assert r.status_code == 422 and field in r.json()["error"]["fields"], (bad, r.content)
    assert api.post(URL, data=new(scope="NOPE"), content_type="application/json").status_code == 404
    assert not Plan.objects.exists()


def test_plans_are_scoped_and_need_permission(org, api_for):
    api_for(fresh(org.quality)).post(URL, data=new(), content_type="application/json")
    # unit managers read the plans of their own subtree only: branch A's plan is not branch B's business
    assert api_for(fresh(org.manager_b)).get(URL).json()["count"] == 0
    assert api_for(fresh(org.manager_a)).get(URL).json()["count"] == 1
    assert api_for(fresh(org.agent_a)).get(URL).status_code == 403
    assert (
        api_for(fresh(org.agent_a)).post(URL, data=new(), content_type="application/json").status_code == 403
    )


def test_plan_pages(org, client_for):
    client = client_for(fresh(org.quality))
    assert client.get("/evaluation/plans/").status_code == 200
    form = {"title": "Panel review", "goal": "Q4", "scheme": "efqm", "scope": "BA", "units": ["BA-T"],
            "periods": "2026-10，2026-11", "evaluators": [org.quality.pk], "evaluator_kind": "panel"}  # fmt: skip
    r = client.post("/evaluation/plans/", form | {"periods": "October"})
    assert r.status_code == 422 and not Plan.objects.exists()
    r = client.post("/evaluation/plans/", form)
    plan = Plan.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/evaluation/plans/{plan.pk}/"
    assert plan.periods == ["2026-10", "2026-11"] and plan.evaluator_kind == "panel"
    page = client.get(r["Location"]).content.decode()
    assert 'id="plan-progress"' in page and "18" in page
    client.post(r["Location"], {"action": "in_progress"})
    plan.refresh_from_db()
    assert plan.status == "in_progress"
    page = client.get(r["Location"]).content.decode()
    assert 'data-enter="BA-T-2026-10"' in page
    entry = f"/evaluation/manual-scores/enter/?plan={plan.pk}&unit=BA-T&period=2026-10"
    form = {"plan": plan.pk, "unit": "BA-T", "period": "2026-10", "evaluator_kind": "panel",
            "value-leadership": "90", "evidence-leadership": "panel minutes"}  # fmt: skip
    r = client.post(entry, form)
    assert r.status_code == 302 and r["Location"] == f"/evaluation/plans/{plan.pk}/"
    assert ManualScore.objects.get().plan == plan
    r = client.post(f"/evaluation/plans/{plan.pk}/", {"action": "run"})
    assert r.status_code == 302 and "/evaluation/efqm/2026-11/" in r["Location"]
    assert Result.objects.filter(scheme__code="efqm").count() >= 2


def test_demo_plan_is_seeded_once(org):
    from sqms.evaluation import demo, services

    lines: list[str] = []
    demo.seed_plan(lines.append)
    demo.seed_plan(lines.append)
    plan = Plan.objects.get()
    assert len(lines) == 1 and plan.status == "in_progress" and plan.scheme.code == "efqm"
    progress = services.plan_progress(fresh(org.quality), plan)
    assert progress["total"] == 9 * plan.units.count() and progress["done"] >= 9
