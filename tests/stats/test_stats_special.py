"""The pure-Python χ² tail and F quantile of sqms.stats._special against scipy.special (the oracle)."""

from __future__ import annotations

import math

import pytest
from scipy import special as sps

from sqms.stats import _special


@pytest.mark.parametrize(
    ("df1", "df2"),
    [
        (1, 1),
        (2, 5),
        (5, 20),
        (49, 245),
        (99, 2871),
        (599, 2995),
        (999, 999),
        (3, 100_000),
        (99_999, 2_899_971),
    ],
)
@pytest.mark.parametrize("p", [1e-6, 0.001, 0.025, 0.5, 0.975, 0.999])
def test_fdtri_matches_scipy(df1, df2, p):
    assert _special.fdtri(df1, df2, p) == pytest.approx(sps.fdtri(df1, df2, p), rel=1e-9)


def test_fdtri_edges():
    assert _special.fdtri(3, 4, 0.0) == 0.0
    assert _special.fdtri(3, 4, 1.0) == math.inf
    assert math.isnan(_special.fdtri(3, 4, 1.5)) and math.isnan(_special.fdtri(0, 4, 0.5))


@pytest.mark.parametrize("df", [1, 2, 3, 10, 15, 435, 1000, 100_000])
@pytest.mark.parametrize("scale", [0.001, 0.5, 1.0, 1.5, 3.0])
def test_chdtrc_matches_scipy(df, scale):
    for x in (df * scale, df * scale + 7.0, 0.3):
        expected = sps.chdtrc(df, x)
        assert _special.chdtrc(df, x) == pytest.approx(expected, rel=1e-9, abs=1e-300)


def test_chdtrc_edges():
    assert _special.chdtrc(4, 0.0) == 1.0
    assert _special.chdtrc(4, math.inf) == 0.0
    assert _special.chdtrc(435, 943_877.0) == sps.chdtrc(435, 943_877.0) == 0.0
    assert math.isnan(_special.chdtrc(4, math.nan))


@pytest.mark.parametrize(
    ("a", "b", "x"), [(0.5, 0.5, 0.3), (2, 3, 0.9), (50, 1500, 0.03), (1e5, 1.4e6, 0.0667)]
)
def test_betainc_matches_scipy(a, b, x):
    assert _special.betainc(a, b, x) == pytest.approx(sps.betainc(a, b, x), rel=1e-9)


def test_scipy_special_is_imported_only_on_first_use():
    import subprocess
    import sys

    probe = (
        "import sys, numpy as np\n"
        "from sqms.stats import battery\n"
        "rng = np.random.default_rng(1)\n"
        "x = rng.integers(1, 6, size=(200, 6)).astype(float)\n"
        "battery(x, None, None)\n"
        "print('scipy' in sys.modules)\n"
        "from sqms.stats import describe\n"
        "describe(x)\n"
        "print('scipy' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split() == ["False", "True"]
