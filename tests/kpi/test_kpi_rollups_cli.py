"""``sqms rollups rebuild [--from DATE]``: the rebuilt rollups equal the incrementally maintained ones."""

import pytest
from django.core.management import CommandError, call_command
from test_kpi_ingest import monthly_snapshot, row, snapshot

from sqms.kpi import services
from sqms.kpi.models import DailyRollup, MonthlyRollup
from sqms_testing import fresh


def seed(org):
    rows = [row(f"A{i}", unit="BA-T", day=1 + i % 3, handling=3600 * (1 + i)) for i in range(6)]
    rows += [row(f"B{i}", unit="BB-T", day=2, rating=None) for i in range(3)]
    services.ingest(actor=fresh(org.quality), rows=rows)
    # an update moves a record to another team and day: the incremental path subtracts and adds
    services.ingest(actor=fresh(org.quality), rows=[row("A0", unit="BB-T", day=3)], on_duplicate="update")


def test_rebuild_equals_incremental(org, capsys):
    seed(org)
    daily, monthly = snapshot(), monthly_snapshot()
    assert daily and monthly
    DailyRollup.objects.all().delete()
    MonthlyRollup.objects.all().delete()
    call_command("rollups", "rebuild")
    assert "daily rollups rebuilt" in capsys.readouterr().out
    assert snapshot() == daily
    assert monthly_snapshot() == monthly


def test_rebuild_from_a_date_keeps_earlier_months(org):
    seed(org)
    daily, monthly = snapshot(), monthly_snapshot()
    DailyRollup.objects.filter(day__day=2).update(total=999)  # corrupt October
    call_command("rollups", "rebuild", "--from", "2026-10-15")  # rounds down to 2026-10-01
    assert snapshot() == daily and monthly_snapshot() == monthly
    DailyRollup.objects.all().update(total=999)
    call_command("rollups", "rebuild", "--from", "2026-11-01")  # nothing after November: October untouched
    assert all(r.total == 999 for r in DailyRollup.objects.all())


def test_rebuild_bad_input(org):
    with pytest.raises(CommandError, match="--from"):
        call_command("rollups", "rebuild", "--from", "yesterday")
    with pytest.raises(CommandError, match="--unit"):
        call_command("rollups", "rebuild", "--unit", "NOPE")
