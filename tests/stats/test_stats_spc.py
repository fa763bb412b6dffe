"""SPC: constants against the published tables and an independent integration, control limits
against hand computation, run rules on hand-built series.

No SPC oracle library is available (shewhart is not installable here), so:
* d2 is recomputed here by a different integral, ``d2 = 2n∫xφ(x)Φ(x)^{n−1}dx`` (twice the expected
  maximum), and d2, d3 are checked against their closed forms for n = 2, 3;
* every constant is checked against the published table (Montgomery, Introduction to Statistical
  Quality Control, Appendix VI) to ±1.5e-3: the tables are rounded to 3 decimals and some entries
  (e.g. E2 = 3/1.128 = 2.660, D4) were derived from already-rounded d2/d3 — we use the exact values
  (E2 = 2.6587), the convention of Minitab and R qcc;
* limits are recomputed by hand from the textbook formulas with the independently computed
  constants and compared at 1e-9.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate
from scipy import stats as sps

from sqms.stats import StatsError, spc

# n: (d2, d3, c4, A2, D3, D4, A3, B3, B4)
PUBLISHED = {
    2: (1.128, 0.853, 0.7979, 1.880, 0.0, 3.267, 2.659, 0.0, 3.267),
    3: (1.693, 0.888, 0.8862, 1.023, 0.0, 2.574, 1.954, 0.0, 2.568),
    4: (2.059, 0.880, 0.9213, 0.729, 0.0, 2.282, 1.628, 0.0, 2.266),
    5: (2.326, 0.864, 0.9400, 0.577, 0.0, 2.114, 1.427, 0.0, 2.089),
    6: (2.534, 0.848, 0.9515, 0.483, 0.0, 2.004, 1.287, 0.030, 1.970),
    7: (2.704, 0.833, 0.9594, 0.419, 0.076, 1.924, 1.182, 0.118, 1.882),
    8: (2.847, 0.820, 0.9650, 0.373, 0.136, 1.864, 1.099, 0.185, 1.815),
    9: (2.970, 0.808, 0.9693, 0.337, 0.184, 1.816, 1.032, 0.239, 1.761),
    10: (3.078, 0.797, 0.9727, 0.308, 0.223, 1.777, 0.975, 0.284, 1.716),
    15: (3.472, 0.756, 0.9823, 0.223, 0.347, 1.653, 0.789, 0.428, 1.572),
    20: (3.735, 0.729, 0.9869, 0.180, 0.415, 1.585, 0.680, 0.510, 1.490),
    25: (3.931, 0.708, 0.9896, 0.153, 0.459, 1.541, 0.606, 0.565, 1.435),
}
KEYS = ("d2", "d3", "c4", "A2", "D3", "D4", "A3", "B3", "B4")


def d2_independent(n: int) -> float:
    f = lambda x: x * sps.norm.pdf(x) * sps.norm.cdf(x) ** (n - 1)  # noqa: E731
    return 2 * n * integrate.quad(f, -12, 12, epsabs=1e-14, epsrel=1e-13, limit=400)[0]


@pytest.mark.parametrize("n", sorted(PUBLISHED))
def test_constants_against_published_table(n: int) -> None:
    c = spc.constants(n)
    for key, ref in zip(KEYS, PUBLISHED[n], strict=True):
        assert c[key] == pytest.approx(ref, abs=1.5e-3), key
    assert c["E2"] == pytest.approx(2.660, abs=1.5e-3)
    assert spc.d2(n) == pytest.approx(d2_independent(n), abs=1e-9)
    assert spc.c4(n) == pytest.approx(
        math.sqrt(2 / (n - 1)) * math.gamma(n / 2) / math.gamma((n - 1) / 2), abs=1e-12
    )


def test_closed_forms() -> None:
    assert spc.d2(2) == pytest.approx(2 / math.sqrt(math.pi), abs=1e-10)
    assert spc.d3(2) == pytest.approx(math.sqrt(2 - 4 / math.pi), abs=1e-9)
    assert spc.d2(3) == pytest.approx(3 / math.sqrt(math.pi), abs=1e-10)
    with pytest.raises(StatsError, match="subgroup size"):
        spc.d2(1)


def test_imr_by_hand() -> None:
    x = np.array([10.2, 9.8, 10.1, 10.4, 9.9, 10.0, 10.3, 9.7, 10.1, 10.2, 13.5, 10.0])
    res = spc.imr(x)
    i_chart, mr_chart = res.charts
    mr = np.abs(np.diff(x))
    mrbar = mr.mean()
    d2_2 = d2_independent(2)
    assert i_chart.center == pytest.approx(x.mean(), abs=1e-12)
    assert i_chart.ucl[0] == pytest.approx(x.mean() + 3 / d2_2 * mrbar, abs=1e-9)
    assert i_chart.lcl[0] == pytest.approx(x.mean() - 3 / d2_2 * mrbar, abs=1e-9)
    d3_2 = math.sqrt(2 - 4 / math.pi)
    assert mr_chart.ucl[0] == pytest.approx((1 + 3 * d3_2 / d2_2) * mrbar, abs=1e-9)
    assert mr_chart.lcl[0] == 0
    rules = {(s.chart, s.rule, s.points) for s in res.signals}
    assert ("I", "WE1", (10,)) in rules  # the spike at index 10
    assert ("MR", "WE1", (9,)) in rules or ("MR", "WE1", (10,)) in rules


def test_xbar_r_and_s_by_hand() -> None:
    rng = np.random.default_rng(2024)
    data = rng.normal(50, 2, size=(25, 5))
    data[20] += 6  # shifted subgroup
    r_res = spc.xbar_r(data)
    means, ranges = data.mean(axis=1), np.ptp(data, axis=1)
    xbb, rbar = means.mean(), ranges.mean()
    d2_5 = d2_independent(5)
    a2 = 3 / (d2_5 * math.sqrt(5))
    xc, rc = r_res.charts
    assert (xc.lcl[0], xc.center, xc.ucl[0]) == pytest.approx(
        (xbb - a2 * rbar, xbb, xbb + a2 * rbar), abs=1e-9
    )
    d3_5 = spc.d3(5)
    assert rc.ucl[0] == pytest.approx((1 + 3 * d3_5 / d2_5) * rbar, abs=1e-9)
    assert rc.lcl[0] == 0.0  # D3 = 0 for n ≤ 6
    assert any(s.chart == "Xbar" and s.rule == "WE1" and 20 in s.points for s in r_res.signals)

    s_res = spc.xbar_s(data)
    sds = data.std(axis=1, ddof=1)
    sbar = sds.mean()
    c4_5 = math.sqrt(2 / 4) * math.gamma(2.5) / math.gamma(2)
    a3 = 3 / (c4_5 * math.sqrt(5))
    xc, sc = s_res.charts
    assert xc.ucl[0] == pytest.approx(xbb + a3 * sbar, abs=1e-9)
    assert sc.ucl[0] == pytest.approx(sbar * (1 + 3 * math.sqrt(1 - c4_5**2) / c4_5), abs=1e-9)
    assert sc.lcl[0] == 0.0


def test_attribute_charts_by_hand() -> None:
    d = np.array([12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22])
    n = np.array([100, 120, 90, 100, 80, 100, 110, 100, 100, 120, 90, 80, 100, 100, 110])
    res = spc.p_chart(d, n)
    pbar = d.sum() / n.sum()
    (ch,) = res.charts
    np.testing.assert_allclose(ch.ucl, pbar + 3 * np.sqrt(pbar * (1 - pbar) / n), atol=1e-12)
    np.testing.assert_allclose(ch.lcl, np.maximum(0, pbar - 3 * np.sqrt(pbar * (1 - pbar) / n)), atol=1e-12)
    # index 14: 22/110 = 0.2 vs UCL ≈ 0.2085 → inside; check each signal really is outside or a pattern
    for s in ch.signals:
        if s.rule == "WE1":
            (i,) = s.points
            assert not ch.lcl[i] <= ch.values[i] <= ch.ucl[i]

    res = spc.np_chart(d, 100)
    pbar = d.mean() / 100
    assert res.charts[0].ucl[0] == pytest.approx(
        100 * pbar + 3 * math.sqrt(100 * pbar * (1 - pbar)), abs=1e-12
    )

    c = np.array([3, 5, 2, 7, 4, 6, 3, 2, 15, 4])
    res = spc.c_chart(c)
    assert res.charts[0].ucl[0] == pytest.approx(c.mean() + 3 * math.sqrt(c.mean()), abs=1e-12)
    assert res.charts[0].lcl[0] == max(0.0, c.mean() - 3 * math.sqrt(c.mean()))
    assert [s.points for s in res.signals if s.rule == "WE1"] == [(8,)]

    res = spc.u_chart(c, n[:10])
    ubar = c.sum() / n[:10].sum()
    np.testing.assert_allclose(res.charts[0].ucl, ubar + 3 * np.sqrt(ubar / n[:10]), atol=1e-12)

    with pytest.raises(StatsError, match="at least its defective count"):
        spc.p_chart([5, 3], [4, 10])


def _rules(z: list[float], rules: str = "western_electric") -> set[tuple[str, tuple[int, ...]]]:
    return {(s.rule, s.points) for s in spc.apply_rules(z, rules)}  # type: ignore[arg-type]


def test_western_electric_rules_on_hand_built_series() -> None:
    assert _rules([0.1, -3.2, 0.5]) == {("WE1", (1,))}
    assert _rules([0.1, 2.5, 0.3, 2.2, -0.4]) == {("WE2", (1, 3))}
    assert _rules([0.2, -2.5, -2.1, 0.4]) == {("WE2", (1, 2))}
    assert _rules([2.5, -2.5, 0.1]) == set()  # opposite sides do not count
    assert _rules([1.5, 1.2, -0.5, 1.1, 1.3, -0.2]) == {("WE3", (0, 1, 3, 4))}
    run = [0.5, 0.2, 0.7, 0.1, 0.3, 0.9, 0.4, 0.6]
    assert _rules([-0.5, *run, -0.3]) == {("WE4", tuple(range(1, 9)))}
    # overlapping firings merge: 10 in a row → one WE4 signal with the 10 points
    assert _rules([0.3] * 10) == {("WE4", tuple(range(10)))}
    assert _rules([0.0] * 10) == set()  # on the centre line: neither side


def test_nelson_rules_on_hand_built_series() -> None:
    assert ("N2", tuple(range(9))) in _rules([0.2] * 9, "nelson")
    assert ("N2", tuple(range(8))) not in _rules([0.2] * 8, "nelson")
    trend = [-1.2, -0.8, -0.3, 0.1, 0.6, 0.9]
    assert ("N3", tuple(range(6))) in _rules(trend, "nelson")
    assert not any(r == "N3" for r, _ in _rules([*trend[:5], 0.6], "nelson"))  # a tie breaks the trend
    alt = [0.5 if i % 2 else -0.5 for i in range(14)]
    assert ("N4", tuple(range(14))) in _rules(alt, "nelson")
    assert not any(r == "N4" for r, _ in _rules(alt[:13], "nelson"))
    hugging = [0.3, -0.2] * 7 + [0.1]
    assert ("N7", tuple(range(15))) in _rules(hugging, "nelson")
    mixture = [1.5, -1.6, 1.4, -1.2, 1.8, -1.3, 1.1, -1.9]
    assert ("N8", tuple(range(8))) in _rules(mixture, "nelson")
    assert ("N5", (1, 2)) in _rules([0.0, 2.3, 2.1], "nelson")
    assert ("N6", (0, 1, 2, 3)) in _rules([1.1, 1.2, 1.3, 1.4, -0.1], "nelson")
    assert _rules([5.0], "none") == set()


def test_signal_verdict_and_dict() -> None:
    res = spc.c_chart([3, 5, 2, 7, 4, 6, 3, 2, 15, 4])
    s = res.signals[0]
    assert s.verdict().en.startswith("Rule WE1") and "第 9 点" in s.verdict().zh
    d = res.to_dict()
    assert d["charts"][0]["signals"][0]["points"] == [8]
