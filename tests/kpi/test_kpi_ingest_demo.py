"""The demo seeder writes its service records through the fast ingest path; its rollups equal a rebuild
from the raw records, and a second run adds nothing."""

import pytest

from sqms.kpi import demo, services
from sqms.kpi.models import DailyRollup, MonthlyRollup, ServiceRecord
from sqms.org import demo as org_demo


def _state():
    fields = ["org_unit_id", "service_type", "channel", "total", "on_time", "rating_sum", "response_seconds",
              "handling_seconds", "resp_03", "hand_10"]  # fmt: skip
    return (
        sorted(DailyRollup.objects.values_list("day", *fields)),
        sorted(MonthlyRollup.objects.values_list("month", *fields)),
    )


@pytest.mark.django_db
def test_demo_records_and_rollups():
    org_demo.seed("small", lambda _s: None)
    lines: list[str] = []
    demo.seed("small", lines.append)
    n = ServiceRecord.objects.filter(source="demo").count()
    assert n > 1000
    assert sum(DailyRollup.objects.values_list("total", flat=True)) == n
    incremental = _state()
    services.rebuild_rollups()
    assert _state() == incremental
    demo.seed("small", lines.append)
    assert ServiceRecord.objects.count() == n
    assert "already seeded" in lines[-1]
