"""NPS (hand computation through the +1/0/−1 respondent scores) and CSAT (statsmodels Wilson CI)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from sqms.stats import StatsError
from sqms.stats.nps import csat, nps


def test_nps_against_respondent_scores() -> None:
    rng = np.random.default_rng(10)
    x = rng.choice(11, size=537, p=[0.02, 0.02, 0.03, 0.03, 0.05, 0.07, 0.08, 0.15, 0.2, 0.2, 0.15])
    res = nps(np.append(x, np.nan))
    s = np.where(x >= 9, 1.0, np.where(x <= 6, -1.0, 0.0))
    assert res.n == 537
    assert res.nps == pytest.approx(100 * s.mean(), abs=1e-9)
    se = 100 * s.std(ddof=0) / np.sqrt(len(s))  # variance of the trinomial difference
    assert res.se == pytest.approx(se, abs=1e-9)
    z = sps.norm.isf(0.025)
    assert res.ci == pytest.approx((res.nps - z * se, res.nps + z * se), abs=1e-9)
    assert res.promoters + res.passives + res.detractors == res.n
    v = res.verdict()
    assert v.code == "nps.value" and v.params == {"value": res.nps, "low": res.ci[0], "high": res.ci[1]}
    with pytest.raises(StatsError, match="0 to 10"):
        nps([11, 3])


def test_csat_wilson() -> None:
    x = np.array([5, 4, 3, 5, 2, 4, 4, 1, 5, 3, 4, 5])
    res = csat(x)
    hits = int((x >= 4).sum())
    assert res.csat == pytest.approx(hits / len(x))
    assert res.ci == pytest.approx(proportion_confint(hits, len(x), method="wilson"), abs=1e-12)
    assert csat(x, top=1).satisfied == int((x == 5).sum())
    with pytest.raises(StatsError, match="between 1 and 5"):
        csat([6, 1])
