"""The demo seeder fills every register over 12 months on the demo organisation, idempotently."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_demo_seeder() -> None:
    from sqms.audits.demo import seed
    from sqms.audits.models import AuditPlan, Certificate, Finding, Inspection, Resource
    from sqms.org.demo import seed as seed_org

    lines: list[str] = []
    seed_org("small", lines.append)
    seed("small", lines.append)
    n = Inspection.objects.count()
    assert n > 200 and Resource.objects.count() > 40
    assert (
        AuditPlan.objects.count() == 2 and Finding.objects.filter(kind__in=["minor_nc", "major_nc"]).exists()
    )
    assert Certificate.objects.count() == 1
    months = {d.strftime("%Y-%m") for d in Inspection.objects.values_list("scheduled_for", flat=True)}
    assert len(months) >= 11
    assert (
        Inspection.objects.filter(passed=False).exists() and Inspection.objects.filter(passed=True).exists()
    )
    assert (
        Inspection.objects.filter(kind="mystery").exists()
        and Inspection.objects.filter(kind="spot_check").exists()
    )
    seed("small", lines.append)
    assert Inspection.objects.count() == n
