import datetime as dt

import pytest
from test_kpi_kpis import seed_on_time

from sqms.evaluation.selectors import quality_report_section as evaluation_section
from sqms.kpi.selectors import quality_report_section as kpi_section
from sqms.org.models import OrgUnit
from sqms_testing import fresh

OCT = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))


def test_kpi_section_values_and_scope(org):
    seed_on_time(org)
    data = kpi_section(fresh(org.quality), *OCT, "")
    table = data["tables"][0]
    row = next(r for r in table["rows"] if r[0] in ("按时完成率", "On-time completion rate"))
    assert row[1] == pytest.approx(60.0)  # 3 / 5 across both teams
    team_a = OrgUnit.objects.get(code="BA-T")
    row = next(
        r for r in kpi_section(fresh(org.quality), *OCT, team_a.path)["tables"][0]["rows"] if r[3] == 95.0
    )
    assert row[1] == pytest.approx(75.0)
    assert kpi_section(fresh(org.quality), dt.date(2020, 1, 1), dt.date(2020, 1, 31), "") is None


def test_evaluation_section_ranks_sub_units(org):
    seed_on_time(org)
    region = OrgUnit.objects.get(code="R1")
    data = evaluation_section(fresh(org.quality), *OCT, region.path)
    assert data["figures"][0]["value"] is not None
    (table,) = data["tables"]
    assert table["rows"] and all(r[2] is not None for r in table["rows"])
    ranks = [r[0] for r in table["rows"]]
    assert ranks == sorted(ranks)
