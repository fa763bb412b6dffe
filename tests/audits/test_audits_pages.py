"""The pages: mobile inspection form (save, errors, complete, nonconformity), workspace, report, overview,
dashboard card, seeder."""

from __future__ import annotations

from typing import Any

import pytest

from sqms_testing import fresh

pytestmark = pytest.mark.django_db


def setup_inspection(org: Any) -> Any:
    from sqms.audits import services

    t = services.create_template(
        actor=org.quality,
        data={"code": "T", "name": "现场检查"},
        items=[{"text": "环境整洁"}, {"text": "消防设施", "critical": True, "allow_na": False}],
    )
    return services.create_inspection(actor=org.quality, data={"template": t, "org_unit": org.team_a}), list(
        t.items.order_by("order")
    )


def test_inspection_form_save_error_complete(org: Any, client_for: Any) -> None:
    from sqms.audits.models import Inspection

    insp, (i1, i2) = setup_inspection(org)
    c = client_for(fresh(org.manager_a))
    url = f"/audits/inspections/{insp.pk}/form/"
    assert c.get(url).status_code == 200
    assert client_for(fresh(org.manager_b)).get(url).status_code == 404
    r = c.post(url, {"action": "save", f"outcome_{i1.pk}": "pass", f"outcome_{i2.pk}": "na"})
    assert r.status_code == 200 and "消防设施" in r.content.decode()  # error names the item
    assert insp.results.get(item=i1).outcome == ""  # all or nothing
    r = c.post(
        url, {"action": "complete", f"outcome_{i1.pk}": "pass", f"outcome_{i2.pk}": "fail", "notes": "x"}
    )
    assert r.status_code == 302
    insp = Inspection.objects.get(pk=insp.pk)
    assert insp.status == "completed" and insp.passed is False and insp.critical_failed


def test_photo_upload_and_scoped_serving(org: Any, client_for: Any, tmp_path: Any, settings: Any) -> None:
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = str(tmp_path)
    insp, (i1, _i2) = setup_inspection(org)
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "JPEG")
    c = client_for(fresh(org.manager_a))
    r = c.post(
        f"/audits/inspections/{insp.pk}/form/",
        {
            "action": "save",
            f"outcome_{i1.pk}": "fail",
            f"photos_{i1.pk}": SimpleUploadedFile("a.jpg", buf.getvalue(), "image/jpeg"),
        },
    )
    assert r.status_code == 302
    photo = insp.results.get(item=i1).photos.get()
    assert c.get(f"/audits/photos/{photo.pk}/").status_code == 200
    assert client_for(fresh(org.manager_b)).get(f"/audits/photos/{photo.pk}/").status_code == 404


def test_workspace_report_overview_and_dashboard(org: Any, client_for: Any) -> None:
    from sqms.audits import services
    from sqms.audits.models import Clause

    plan = services.create_audit_plan(
        actor=org.quality,
        data={
            "title": "年度内审",
            "objective": "o",
            "scope": "s",
            "start_date": "2026-03-01",
            "end_date": "2026-03-02",
            "lead_auditor": org.auditor,
        },
        criteria=list(Clause.objects.filter(standard="iso9001_2015", number="9.2")),
        auditee_units=[org.branch_a],
    )
    c = client_for(fresh(org.auditor))
    url = f"/audits/plans/{plan.pk}/"
    assert c.post(url, {"action": "generate"}).status_code == 302
    clause = Clause.objects.get(standard="iso9001_2015", number="9.2")
    r = c.post(
        url,
        {
            "action": "finding",
            "clause": clause.pk,
            "kind": "minor_nc",
            "auditee_unit": org.team_a.pk,
            "description": "内审员未经培训",
            "evidence": "培训记录缺失",
        },
    )
    assert r.status_code == 302
    page = c.get(url).content.decode()
    assert "内审员未经培训" in page
    assert c.get(f"/audits/plans/{plan.pk}/report.pdf").content.startswith(b"%PDF")
    assert c.get(f"/audits/plans/{plan.pk}/report.xlsx").status_code == 200
    assert client_for(fresh(org.manager_b)).get(url).status_code == 404
    assert c.get("/audits/overview/").status_code == 200
    assert client_for(org.admin).get("/admin/").status_code == 200
    for model in (
        "inspection",
        "inspectionplan",
        "checklisttemplate",
        "resource",
        "auditplan",
        "finding",
        "certificate",
        "clause",
        "auditprogramme",
    ):
        assert client_for(org.admin).get(f"/admin/audits/{model}/").status_code == 200, model


def test_minor_nc_finding_opens_nonconformity(org: Any) -> None:
    from sqms.audits import services
    from sqms.audits.models import Clause

    if not services.improvement_available():
        pytest.skip("sqms.improvement.services.open_nonconformity is not available yet")
    plan = services.create_audit_plan(
        actor=org.quality,
        data={
            "title": "内审",
            "objective": "o",
            "scope": "s",
            "start_date": "2026-03-01",
            "end_date": "2026-03-02",
        },
        criteria=list(Clause.objects.filter(standard="iso9001_2015", number="9.2")),
        auditee_units=[org.branch_a],
    )
    f = services.add_finding(
        actor=fresh(org.auditor),
        plan=plan,
        data={
            "clause": Clause.objects.get(standard="iso9001_2015", number="9.2"),
            "kind": "major_nc",
            "description": "未开展内审",
            "evidence": "无记录",
            "auditee_unit": org.branch_a,
        },
    )
    assert f.nonconformity_ref
    from sqms.improvement.models import Nonconformity

    nc = Nonconformity.objects.get(pk=f.nonconformity_id)
    assert nc.source == "audit_finding" and nc.severity == "major" and nc.org_unit == org.branch_a


def test_admin_creates_audit_plan_with_independence_check(org: Any, client_for: Any) -> None:
    from sqms.audits.models import AuditPlan, Clause

    c = client_for(org.quality)
    assert c.get("/admin/audits/auditplan/add/").status_code == 200
    clause = Clause.objects.get(standard="iso9001_2015", number="9.2")
    form = {
        "kind": "internal",
        "title": "后台新建的内审",
        "objective": "o",
        "scope": "s",
        "criteria": [clause.pk],
        "start_date": "2026-04-01",
        "end_date": "2026-04-02",
        "lead_auditor": org.auditor.pk,
        "auditee_units": [org.branch_a.pk],
        "status": "planned",
    }
    r = c.post("/admin/audits/auditplan/add/", form)
    assert r.status_code == 302, r.content.decode()[:2000]
    plan = AuditPlan.objects.get(title="后台新建的内审")
    assert list(plan.auditee_units.all()) == [org.branch_a] and list(plan.criteria.all()) == [clause]
    r = c.post("/admin/audits/auditplan/add/", {**form, "title": "不独立", "lead_auditor": org.manager_a.pk})
    assert r.status_code == 200 and "Manager_A" in r.content.decode()  # the form shows why
    assert not AuditPlan.objects.filter(title="不独立").exists()


def test_team_member_sees_the_plan_he_audits(org: Any) -> None:
    from sqms.audits import selectors, services
    from sqms.audits.models import Clause

    plan = services.create_audit_plan(
        actor=org.quality,
        data={
            "title": "总部审核",
            "objective": "o",
            "scope": "s",
            "start_date": "2026-03-01",
            "end_date": "2026-03-02",
        },
        criteria=list(Clause.objects.filter(standard="iso9001_2015", number="9.3")),
        auditee_units=[org.team_b],
        team=[org.auditor],
    )
    # the auditor's role covers the region (so team B too); agent A has no such scope
    assert selectors.audit_plans(fresh(org.auditor)).filter(pk=plan.pk).exists()
    assert not selectors.audit_plans(fresh(org.agent_a)).exists()
