"""Cleaning rules, each on its own; overrides audited and kept across re-cleaning; nothing deleted."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from sqms.core.models import AuditEntry
from sqms.surveys import domain, services
from sqms.surveys.models import Response

pytestmark = pytest.mark.django_db


def _input(x, **kw):
    n = len(x)
    items = kw.pop("items", None) or [
        {"code": f"q{j}", "type": "likert", "min": 1, "max": 5, "core": True} for j in range(len(x[0]))
    ]
    base = {
        "durations": [100.0] * n,
        "submitted": [float(i * 10_000) for i in range(n)],
        "ip_device": [""] * n,
        "respondent": [""] * n,
        "attention": [None] * n,
    }
    base.update(kw)
    return domain.CleaningInput(matrix=np.array(x, dtype=float), items=items, **base)


def rules(flags):
    return [sorted({f["rule"] for f in fl}) for fl in flags]


def test_straightlining():
    x = [[4] * 8, [4] * 7 + [5], [4] * 7 + [np.nan]]
    assert rules(domain.clean(_input(x))) == [["straightlining"], [], []]


def test_incomplete():
    x = [[1, 2, np.nan, np.nan, 3], [1, 2, 3, 4, np.nan]]
    assert rules(domain.clean(_input(x), {"incomplete_max_missing": 0.2})) == [["incomplete"], []]


def test_too_fast_median_fraction_and_floor():
    x = [[1, 2]] * 4
    flags = domain.clean(_input(x, durations=[300, 60, 250, 300]))
    assert rules(flags) == [[], ["too_fast"], [], []]  # median 275 → limit 91.7 s
    flags = domain.clean(_input(x, durations=[300, 90, 110, 300]), {"speed_floor_s": 100})  # 68 s < floor
    assert rules(flags) == [[], ["too_fast"], [], []]


def test_out_of_range():
    assert rules(domain.clean(_input([[1, 6], [1, 5]]))) == [["out_of_range"], []]


def test_duplicates_by_token_and_ip_device_window():
    x = [[1, 2]] * 4
    flags = domain.clean(
        _input(
            x,
            respondent=["t1", "t1", "", ""],
            ip_device=["", "", "ip|d", "ip|d"],
            submitted=[0, 10, 100, 100 + 29 * 60],
        )
    )
    assert rules(flags) == [[], ["duplicate"], [], ["duplicate"]]
    flags = domain.clean(_input(x, ip_device=["", "", "ip|d", "ip|d"], submitted=[0, 10, 100, 100 + 31 * 60]))
    assert rules(flags) == [[], [], [], []]


def test_attention_check():
    assert rules(domain.clean(_input([[1, 2]] * 2, attention=[True, False]))) == [[], ["attention"]]


def test_clean_campaign_keeps_overrides_and_audits(org, campaign):
    now = timezone.now()
    for i, (csat, dur) in enumerate([(5, 100), (4, 110), (3, 5), (5, 120)]):
        services.submit_response(
            campaign=campaign,
            raw={"csat": [str(csat)], "nps": ["8"], "resolved": ["1"]},
            duration_s=dur,
            submitted_at=now + timedelta(hours=i),
        )
    counts = services.clean_campaign(campaign=campaign, actor=org.quality)
    assert counts["too_fast"] == 1 and counts["excluded"] == 1
    fast = Response.objects.get(duration_s=5)
    assert not fast.included and fast.flags[0]["rule"] == "too_fast"
    with pytest.raises(Exception):  # noqa: B017 - a reason is required
        services.decide(actor=org.quality, response=fast, decision="include")
    services.decide(actor=org.quality, response=fast, decision="include", reason="电话核实过")
    services.clean_campaign(campaign=campaign, actor=org.quality)
    fast.refresh_from_db()
    assert fast.included and fast.override == "include" and fast.flags
    assert Response.objects.count() == 4
    assert (
        AuditEntry.objects.filter(verb="Analyst decision").exists()
        or AuditEntry.objects.filter(object_id=str(fast.pk)).exists()
    )


def test_included_only_in_results(org, campaign):
    for d in (100, 100, 1):
        services.submit_response(
            campaign=campaign, raw={"csat": ["5"], "nps": ["10"], "resolved": ["1"]}, duration_s=d
        )
    services.clean_campaign(campaign=campaign)
    from sqms.surveys import selectors

    r = selectors.results(org.quality, campaign)
    assert r["total"] == 3 and r["included"] == 2 and r["filtered"] == 2
    assert r["nps"][0]["nps"] == 100.0
    assert r["csat"][0]["share"] == 1.0
