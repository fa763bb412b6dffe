"""AVE and CR against semopy (maximum-likelihood CFA) as the oracle.

The data are simulated from a known congeneric measurement model: three correlated dimensions
(a general factor behind all three, r ≈ 0.42, as in satisfaction surveys) with four items each and
standardised loadings between 0.55 and 0.85. semopy fits the CFA ``D1 =~ d1_1 + … `` and reports
standardised loadings λ and standardised residual variances θ (its own estimates).

1. From the *same* loadings our :func:`ave_cr` must equal Fornell & Larcker's definitions written
   with semopy's θ — ``AVE = Σλ² / (Σλ² + Σθ)``, ``CR = (Σλ)² / ((Σλ)² + Σθ)`` — to 1e-6
   (in a standardised solution θ = 1 − λ², so this also checks that semopy and we agree on that).
2. Our code estimates loadings itself (one-factor unweighted-least-squares model per dimension, see
   ``sqms.stats.validity``). Those are compared with semopy's ML CFA loadings at 0.015 and AVE/CR at
   2e-3: the two estimators (ULS vs ML) and the cross-dimension covariances that the full CFA fits
   but a per-dimension model does not make them differ by sampling-level amounts (~0.005 at
   n = 3000), not at 1e-6. The same comparison shows why principal-component loadings are not used:
   they overstate λ by more than 0.05 here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import semopy

from sqms.stats import construct_validity, efa, run_battery
from sqms.stats.validity import ave_cr

LAMBDA = np.array([[0.80, 0.75, 0.70, 0.65], [0.85, 0.70, 0.60, 0.55], [0.75, 0.70, 0.70, 0.60]])


def _simulate(n: int = 3000, seed: int = 7) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    rng = np.random.default_rng(seed)
    g = rng.normal(size=n)
    factors = np.stack([0.65 * g + 0.76 * rng.normal(size=n) for _ in range(3)], axis=1)
    factors /= factors.std(axis=0)
    cols: dict[str, np.ndarray] = {}
    dims: dict[str, list[str]] = {}
    for d in range(3):
        dims[f"D{d + 1}"] = []
        for i in range(4):
            lam = LAMBDA[d, i]
            name = f"d{d + 1}_{i + 1}"
            cols[name] = lam * factors[:, d] + np.sqrt(1 - lam * lam) * rng.normal(size=n)
            dims[f"D{d + 1}"].append(name)
    return pd.DataFrame(cols), dims


@pytest.fixture(scope="module")
def cfa() -> tuple[pd.DataFrame, dict[str, list[str]], pd.Series, pd.Series]:
    df, dims = _simulate()
    desc = "\n".join(f"{d} =~ {' + '.join(items)}" for d, items in dims.items())
    model = semopy.Model(desc)
    model.fit(df)
    est = model.inspect(std_est=True)
    lam = est[est["op"] == "~"].set_index("lval")["Est. Std"].astype(float)
    resid = est[(est["op"] == "~~") & (est["lval"] == est["rval"]) & est["lval"].isin(df.columns)]
    theta = resid.set_index("lval")["Est. Std"].astype(float)
    return df, dims, lam, theta


def test_ave_cr_from_semopy_loadings(cfa) -> None:  # type: ignore[no-untyped-def]
    df, dims, lam, theta = cfa
    for items in dims.values():
        lo, th = lam[items].to_numpy(), theta[items].to_numpy()
        ave_ref = (lo**2).sum() / ((lo**2).sum() + th.sum())
        cr_ref = lo.sum() ** 2 / (lo.sum() ** 2 + th.sum())
        ave, cr = ave_cr(lo)
        assert ave == pytest.approx(ave_ref, abs=1e-6)
        assert cr == pytest.approx(cr_ref, abs=1e-6)
    # semopy's loading matrix passed in: construct_validity reproduces the same AVE/CR
    names = list(df.columns)
    matrix = np.zeros((len(names), len(dims)))
    for j, items in enumerate(dims.values()):
        for it in items:
            matrix[names.index(it), j] = lam[it]
    cv = construct_validity(df, dims, loadings=matrix)
    for j, items in enumerate(dims.values()):
        assert (cv.ave[j], cv.cr[j]) == pytest.approx(ave_cr(lam[items].to_numpy()), abs=1e-12)


def test_our_loadings_close_to_semopy_cfa(cfa) -> None:  # type: ignore[no-untyped-def]
    df, dims, lam, _theta = cfa
    cv = construct_validity(df, dims)
    assert cv.method == "measurement_model"
    for j, (d, items) in enumerate(dims.items()):
        ref = lam[items].to_numpy()
        ours = np.array(cv.loadings[d])
        np.testing.assert_allclose(ours, ref, atol=0.015)
        assert cv.ave[j] == pytest.approx(float(np.mean(ref**2)), abs=2e-3)
        assert cv.cr[j] == pytest.approx(ave_cr(ref)[1], abs=2e-3)
    # the battery (what `sqms analyze` prints) uses the same measurement-model loadings
    bat = run_battery(df.to_numpy(), list(df.columns), dims)
    assert bat.validity is not None
    np.testing.assert_allclose(bat.validity.ave, cv.ave, atol=1e-12)
    # principal components would overstate the loadings (and AVE) by far more than the tolerance
    pca = construct_validity(df, dims, loadings=efa(df, n_factors=3))
    for j, (d, items) in enumerate(dims.items()):
        assert np.mean(np.array(pca.loadings[d]) - lam[items].to_numpy()) > 0.05
        assert pca.ave[j] > float(np.mean(lam[items].to_numpy() ** 2)) + 0.05


def test_two_and_one_item_dimensions() -> None:
    df, _ = _simulate(n=800, seed=3)
    dims = {"pair": ["d1_1", "d1_2"], "single": ["d2_1"]}
    cv = construct_validity(df, dims)
    r12 = float(df[["d1_1", "d1_2"]].corr().iloc[0, 1])
    np.testing.assert_allclose(cv.loadings["pair"], [np.sqrt(r12)] * 2, atol=1e-12)
    assert cv.ave[0] == pytest.approx(r12, abs=1e-12)
    assert np.isnan(cv.ave[1]) and np.isnan(cv.cr[1])
