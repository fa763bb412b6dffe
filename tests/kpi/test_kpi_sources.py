"""The KPI source registry: an app above kpi (audits) registers the function of a KPI."""

import datetime as dt

import pytest

from sqms.kpi import selectors, sources
from sqms.kpi.models import KpiDefinition
from sqms.org.models import OrgUnit
from sqms_testing import fresh


@pytest.fixture
def inspection_source(monkeypatch):
    calls = []

    def fn(paths, start, end):
        calls.append((list(paths), start, end))
        # a fake inspection register: team A scored 80 and 90, team B 60 (subtree means)
        scores = {"BA-T": [80.0, 90.0], "BB-T": [60.0]}
        out = {}
        for p in paths:
            vals = [
                s
                for code, ss in scores.items()
                for s in ss
                if OrgUnit.objects.get(code=code).path.startswith(p)
            ]
            out[p] = sum(vals) / len(vals) if vals else None
        return out

    # monkeypatch puts back whatever was registered before (the audits app registers the real source)
    monkeypatch.setitem(sources._SOURCES, "inspection_score", fn)
    return calls


def test_registered_source_feeds_its_kpi(org, inspection_source):
    kpi = KpiDefinition.objects.get(code="inspection_score")
    assert kpi.source == "registered"
    team = OrgUnit.objects.get(code="BA-T")
    region = OrgUnit.objects.get(code="R1")
    oct1, oct31 = dt.date(2026, 10, 1), dt.date(2026, 10, 31)
    user = fresh(org.quality)
    assert selectors.latest_value(user, kpi, team, oct1, oct31) == pytest.approx(85.0)
    assert selectors.latest_value(user, kpi, region, oct1, oct31) == pytest.approx(230.0 / 3)
    assert inspection_source[-1] == ([region.path], oct1, oct31)
    series = selectors.kpi_series(user, kpi, team, "month", dt.date(2026, 9, 1), oct31)
    assert [p["value"] for p in series["points"]] == [pytest.approx(85.0)] * 2
    assert series["points"][-1]["status"] == "green"


def test_unregistered_source_is_empty_not_an_error(org, monkeypatch):
    monkeypatch.delitem(sources._SOURCES, "inspection_score", raising=False)
    kpi = KpiDefinition.objects.get(code="inspection_score")
    team = OrgUnit.objects.get(code="BA-T")
    assert "inspection_score" not in sources.registered()
    assert (
        selectors.latest_value(fresh(org.quality), kpi, team, dt.date(2026, 10, 1), dt.date(2026, 10, 31))
        is None
    )


def test_register_needs_a_callable():
    with pytest.raises(ValueError):
        sources.register_kpi_source("x", None)
