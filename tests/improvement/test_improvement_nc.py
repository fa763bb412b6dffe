"""Nonconformity register and CAPA workflow: idempotent opening, 5 Whys, actions, effectiveness, closing."""

from __future__ import annotations

import pytest

from sqms.core.errors import Forbidden, NotFound, ValidationFailed
from sqms.core.models import AuditEntry
from sqms.improvement import services
from sqms.improvement.models import Nonconformity
from sqms_testing import fresh

pytestmark = pytest.mark.django_db


def test_open_nonconformity_is_idempotent_per_source_ref(org):
    nc = services.open_nonconformity(
        actor=org.quality,
        source="inspection",
        source_ref="insp:1:item:3",
        org_unit=org.team_a,
        title="Dirty hall",
    )
    again = services.open_nonconformity(
        actor=org.quality, source="inspection", source_ref="insp:1:item:3", org_unit=org.team_a, title="Other"
    )
    assert again.pk == nc.pk and again.title == "Dirty hall"
    assert nc.number == f"NC-{nc.pk:06d}" and Nonconformity.objects.get(pk=nc.pk).number == nc.number
    assert nc.status == "open" and nc.severity == "minor"
    other = services.open_nonconformity(
        actor=org.quality, source="audit_finding", source_ref="insp:1:item:3", org_unit=org.team_a, title="X"
    )
    assert other.pk != nc.pk
    assert (
        AuditEntry.objects.filter(
            content_type__model="nonconformity", object_id=str(nc.pk), action="create"
        ).count()
        == 1
    )


def test_open_nonconformity_refuses_bad_input_and_out_of_scope(org):
    with pytest.raises(ValidationFailed) as e:
        services.open_nonconformity(
            actor=org.quality, source="gossip", source_ref="", org_unit=org.hq, title="t"
        )
    assert "source" in e.value.fields
    with pytest.raises(ValidationFailed) as e:
        services.open_nonconformity(
            actor=org.quality, source="manual", source_ref="", org_unit=org.hq, title="t", severity="huge"
        )
    assert "severity" in e.value.fields
    with pytest.raises(ValidationFailed) as e:
        services.open_nonconformity(
            actor=org.quality, source="manual", source_ref="", org_unit=org.hq, title=""
        )
    assert "title" in e.value.fields
    with pytest.raises(NotFound):
        services.open_nonconformity(
            actor=fresh(org.manager_a), source="manual", source_ref="", org_unit=org.team_b, title="t"
        )
    with pytest.raises(Forbidden):
        services.open_nonconformity(
            actor=fresh(org.executive), source="manual", source_ref="", org_unit=org.team_b, title="t"
        )
    assert Nonconformity.objects.count() == 0


def test_manual_entries_without_reference_are_separate(org):
    a = services.open_nonconformity(
        actor=org.quality, source="manual", source_ref="", org_unit=org.hq, title="a"
    )
    b = services.open_nonconformity(
        actor=org.quality, source="manual", source_ref="", org_unit=org.hq, title="a"
    )
    assert a.pk != b.pk
