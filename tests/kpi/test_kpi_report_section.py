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


def test_complaint_rate_from_tickets_and_rollups(org):
    """D6: complaints per 10,000 services = complaint tickets / rollup volume × 10,000, for a subtree."""
    import datetime as dt

    from django.utils import timezone

    from sqms.feedback.services import create_ticket
    from sqms.kpi.domain import kpi_value
    from sqms.kpi.selectors import kpi_sums

    seed_on_time(org)  # October: 4 services at team A, 1 at team B (rollups)
    when = dt.datetime(2026, 10, 5, 10, tzinfo=timezone.get_default_timezone())
    for kind, unit in (("complaint", org.team_a), ("complaint", org.team_a), ("complaint", org.team_b),
                       ("suggestion", org.team_a)):  # fmt: skip
        create_ticket(actor=org.quality, data={"title": "排队太久", "description": "x", "kind": kind,
                                               "org_unit": unit, "received_at": when})  # fmt: skip
    user = fresh(org.quality)
    whole = kpi_sums(user, None, *OCT, ("feedback",))
    assert (whole["complaints"], whole["total"]) == (3, 5)
    assert kpi_value("complaint_rate", whole) == pytest.approx(6000.0)  # 3 / 5 × 10,000
    team_a = kpi_sums(user, OrgUnit.objects.get(code="BA-T"), *OCT, ("feedback",))
    assert kpi_value("complaint_rate", team_a) == pytest.approx(5000.0)  # 2 / 4 × 10,000


def test_sla_attainment_counts_only_tickets_whose_outcome_is_known(org):
    """An open ticket not yet due has neither met nor missed its target: the KPI, the feedback analysis
    and the scorecards share one denominator (resolved, or past the resolution target)."""
    from django.utils import timezone

    from sqms.feedback import analysis
    from sqms.feedback.models import Ticket
    from sqms.kpi.domain import kpi_value
    from sqms.kpi.selectors import kpi_sums

    tz = timezone.get_default_timezone()
    received = dt.datetime(2026, 10, 5, 10, tzinfo=tz)
    now = timezone.now()
    for n, (resolved, due, breached) in enumerate(
        [
            (received + dt.timedelta(hours=2), received + dt.timedelta(hours=4), False),  # met
            (None, received + dt.timedelta(hours=4), True),  # open and past due: missed
            (None, now + dt.timedelta(days=10), False),  # open, due later: not judged yet
        ]
    ):
        Ticket.objects.create(number=f"T-SLA-{n}", verification_code="x", kind="complaint", title="x",
                              org_unit=org.team_a, received_at=received, resolved_at=resolved,
                              resolution_due=due, breached=breached)  # fmt: skip
    user = fresh(org.quality)
    sums = kpi_sums(user, None, *OCT, ("feedback",))
    assert (sums["sla_met"], sums["sla_total"]) == (1, 2)
    assert kpi_value("sla_attainment", sums) == pytest.approx(50.0)
    report = analysis.build(user, analysis.Filters(start=OCT[0], end=OCT[1], unit=""))
    assert report["sla_attainment"] == pytest.approx(50.0)
