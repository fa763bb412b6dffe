"""The battery: exact JSON keys of ``sqms analyze --json`` and values equal to the oracles."""

from __future__ import annotations

import json

import numpy as np
import pingouin as pg
import pytest
from factor_analyzer.factor_analyzer import calculate_bartlett_sphericity, calculate_kmo
from stats_fixtures import TOL, likert

from sqms.stats import StatsError, battery, run_battery

KEYS = [
    "n", "alpha", "alpha_std", "alpha_ci", "citc", "alpha_if_deleted", "kmo", "msa", "bartlett",
    "eigenvalues", "variance_explained", "loadings", "communalities", "dimensions", "htmt",
]  # fmt: skip


@pytest.mark.parametrize("missing_frac", [0.0, 0.04])
def test_battery_keys_and_values(missing_frac: float) -> None:
    df, dims = likert(n=600, per_dim=4, n_dims=3, seed=8, missing_frac=missing_frac)
    out = battery(df.to_numpy(), list(df.columns), dims)
    assert list(out) == KEYS
    assert set(out["bartlett"]) == {"chi2", "df", "p"}
    assert set(out["dimensions"]) == set(dims)
    assert all(set(v) == {"alpha", "ave", "cr"} for v in out["dimensions"].values())
    json.dumps(out, allow_nan=False)  # strict JSON

    complete = df.dropna()
    assert out["n"] == len(complete)
    a, _ = pg.cronbach_alpha(complete)
    assert out["alpha"] == pytest.approx(a, abs=TOL)
    msa, total = calculate_kmo(complete.to_numpy())
    assert out["kmo"] == pytest.approx(total, abs=TOL)
    assert list(out["msa"].values()) == pytest.approx(list(msa), abs=TOL)
    chi2, _ = calculate_bartlett_sphericity(complete.to_numpy())
    assert out["bartlett"]["chi2"] == pytest.approx(chi2, abs=TOL)
    for d, items in dims.items():
        assert out["dimensions"][d]["alpha"] == pytest.approx(pg.cronbach_alpha(complete[items])[0], abs=TOL)
    assert len(out["loadings"]["q1"]) == len(dims)
    assert set(out["htmt"]["D1"]) == {"D2", "D3"}
    assert out["htmt"]["D1"]["D2"] == out["htmt"]["D2"]["D1"]


def test_run_battery_full_result() -> None:
    df, dims = likert(n=300, seed=2)
    res = run_battery(df, dimensions=dims, scale_max=5)
    assert res.moments.missing == "listwise"
    assert res.descriptives["q1"].top2box is not None
    np.testing.assert_allclose(res.correlation.r, df.corr().to_numpy(), atol=TOL)
    assert res.validity is not None and res.validity.dimensions == tuple(dims)
    # Kaiser criterion when no dimensions are given
    res2 = run_battery(df)
    assert res2.efa.n_factors == res2.efa.n_factors_kaiser
    assert res2.to_json()["dimensions"] == {} and res2.to_json()["htmt"] == {}


def test_single_item_dimension_gives_null_alpha_and_htmt() -> None:
    df, dims = likert(n=300, seed=2)
    dims = {"A": ["q1"], "B": dims["D2"], "C": dims["D3"]}
    out = battery(df, list(df.columns), dims)
    assert out["dimensions"]["A"]["alpha"] is None
    assert out["htmt"]["A"]["B"] is None
    json.dumps(out, allow_nan=False)


def test_battery_errors() -> None:
    df, _ = likert(n=100)
    with pytest.raises(StatsError, match="unknown item"):
        battery(df, list(df.columns), {"X": ["q1", "nope"]})
    with pytest.raises(StatsError, match="at least 2 items"):
        battery(df[["q1"]], ["q1"], None)
