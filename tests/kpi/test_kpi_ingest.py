import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sqms.core.errors import Forbidden, ValidationFailed
from sqms.core.models import AuditEntry
from sqms.kpi import services
from sqms.kpi.models import DailyRollup, MonthlyRollup, ServiceRecord
from sqms_testing import fresh
from sqms_testing import service_row as row  # other kpi tests import `row` from here

FIELDS = [
    "total",
    "completed",
    "with_promise",
    "on_time",
    "fcr",
    "responded",
    "response_seconds",
    "handling_seconds",
    "rating_count",
    "rating_sum",
    "response_hist",
    "handling_hist",
]


def snapshot():
    return {
        (r.org_unit_id, r.day, r.service_type, r.channel): tuple(getattr(r, f) for f in FIELDS)
        for r in DailyRollup.objects.all()
    }


def monthly_snapshot():
    return {
        (r.org_unit_id, r.month, r.service_type, r.channel): tuple(getattr(r, f) for f in FIELDS)
        for r in MonthlyRollup.objects.all()
    }


def months_from_daily():
    """The monthly rollups recomputed by hand from the daily ones."""
    out = {}
    for (unit, day, stype, channel), values in snapshot().items():
        key = (unit, day.replace(day=1), stype, channel)
        old = out.get(key)
        out[key] = (
            values
            if old is None
            else tuple(
                [a + b for a, b in zip(x, y, strict=True)] if isinstance(x, list) else x + y
                for x, y in zip(old, values, strict=True)
            )
        )
    return out


def assert_rollups_match_raw():
    incremental, monthly = snapshot(), monthly_snapshot()
    assert monthly == months_from_daily()
    services.rebuild_rollups()
    assert snapshot() == incremental
    assert monthly_snapshot() == monthly


def test_ingest_writes_records_rollups_and_one_audit_entry(org):
    before = AuditEntry.objects.count()
    counts = services.ingest(
        actor=fresh(org.manager_a), rows=[row("A1"), row("A2", unit="BA-T", handling=9000)]
    )
    assert counts == {"created": 2, "updated": 0, "rollups": 2}
    assert ServiceRecord.objects.count() == 2
    assert AuditEntry.objects.count() == before + 1
    r = DailyRollup.objects.get(org_unit=org.team_a)
    assert (r.total, r.on_time, r.with_promise, r.fcr, r.rating_sum) == (1, 0, 1, 1, 4)
    assert_rollups_match_raw()


def test_ingest_is_all_or_nothing_and_lists_bad_rows(org):
    rows = [row("A1"), row("A2", rating=7), row("A3", completed_at="2026-09-01T00:00:00"), row("A1")]
    with pytest.raises(ValidationFailed) as exc:
        services.ingest(actor=fresh(org.quality), rows=rows)
    fields = exc.value.fields
    assert set(fields) == {"rows.2.rating", "rows.3.completed_at", "rows.4.external_id"}
    assert ServiceRecord.objects.count() == 0 and DailyRollup.objects.count() == 0


def test_duplicates_rejected_or_updated_explicitly(org):
    user = fresh(org.quality)
    services.ingest(actor=user, rows=[row("A1"), row("A2")])
    with pytest.raises(ValidationFailed) as exc:
        services.ingest(actor=user, rows=[row("A1", rating=1)])
    assert "rows.1.external_id" in exc.value.fields
    counts = services.ingest(
        actor=user, rows=[row("A1", rating=1, unit="BB", day=2), row("A3")], on_duplicate="update"
    )
    assert counts["created"] == 1 and counts["updated"] == 1
    assert ServiceRecord.objects.get(external_id="A1").rating == 1
    ba = DailyRollup.objects.get(org_unit=org.branch_a)
    assert (ba.total, ba.rating_sum) == (2, 8)  # A1 left branch A; A2 and A3 remain
    assert_rollups_match_raw()


def test_manager_cannot_ingest_for_another_branch(org):
    with pytest.raises(ValidationFailed) as exc:
        services.ingest(actor=fresh(org.manager_a), rows=[row("B1", unit="BB")])
    # the same reason as for a unit that does not exist: nothing leaks
    assert exc.value.fields == {"rows.1.unit": ["Unknown org unit."]} or exc.value.fields["rows.1.unit"]
    with pytest.raises(ValidationFailed) as exc2:
        services.ingest(actor=fresh(org.manager_a), rows=[row("B1", unit="NOPE")])
    assert exc.value.fields == exc2.value.fields
    assert ServiceRecord.objects.count() == 0


def test_manager_cannot_overwrite_another_branch_record(org):
    services.ingest(actor=fresh(org.quality), rows=[row("B1", unit="BB")])
    with pytest.raises(ValidationFailed) as exc:
        services.ingest(actor=fresh(org.manager_a), rows=[row("B1", unit="BA")], on_duplicate="update")
    assert "rows.1.external_id" in exc.value.fields
    assert ServiceRecord.objects.get(external_id="B1").org_unit == org.branch_b


def test_frontline_and_executive_cannot_ingest(org):
    for user in (org.agent_a, org.executive):
        with pytest.raises(Forbidden):
            services.ingest(actor=fresh(user), rows=[row("A1")])


ROW = st.fixed_dictionaries(
    {
        "ext": st.sampled_from([f"E{i}" for i in range(12)]),
        "unit": st.sampled_from(["BA", "BA-T", "BB"]),
        "day": st.integers(1, 3),
        "hour": st.integers(0, 23),
        "response": st.one_of(st.none(), st.integers(0, 100_000)),
        "handling": st.one_of(st.none(), st.integers(100_000, 3_000_000)),
        "promise": st.one_of(st.none(), st.integers(0, 3_000_000)),
        "rating": st.one_of(st.none(), st.integers(1, 5)),
    }
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(ROW, max_size=8), min_size=1, max_size=4))
def test_incremental_rollups_equal_recomputation(org, batches):
    ServiceRecord.objects.all().delete()
    DailyRollup.objects.all().delete()
    MonthlyRollup.objects.all().delete()
    user = fresh(org.quality)
    for batch in batches:
        unique = {r["ext"]: r for r in batch}  # one row per external id within a batch
        rows = [row(ext, **{k: v for k, v in r.items() if k != "ext"}) for ext, r in unique.items()]
        services.ingest(actor=user, rows=rows, on_duplicate="update")
    assert_rollups_match_raw()
    assert sum(r.total for r in DailyRollup.objects.all()) == ServiceRecord.objects.count()


def test_rows_may_come_as_json_values(org):
    rows = json.loads(json.dumps([row("A1", rating="3", first_contact_resolution="否")]))
    services.ingest(actor=fresh(org.quality), rows=rows)
    r = ServiceRecord.objects.get()
    assert r.rating == 3 and r.first_contact_resolution is False
