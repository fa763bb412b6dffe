"""Validity against factor_analyzer (KMO, Bartlett, principal-component loadings, varimax, promax),
numpy's general eigen-solver, and hand computations (AVE, CR, Fornell–Larcker, HTMT).

Conventions:
* factor_analyzer's ``method="principal"`` is principal-component extraction (the SPSS default);
  its default randomized SVD is approximate (differences ~3e-5), so ``svd_method="lapack"`` is
  used; that path of factor_analyzer 0.5.1 returns all k components instead of m, so its loadings
  are truncated to m columns and rotated with factor_analyzer's own ``Rotator``;
* varimax and promax in factor_analyzer stop at a relative gain of 1e-5 by default; both libraries
  are run to full convergence here (``tol=1e-14``) so the comparison is at 1e-6;
* factor order and sign are conventions: the oracle's columns are matched to ours before comparing;
* factor_analyzer cannot use pairwise deletion, so the pairwise KMO is checked against the KMO
  formula written out on pandas' pairwise correlation matrix;
* our principal axis factoring, iterated to convergence, is the unweighted least squares (MINRES)
  solution; factor_analyzer's MINRES uses L-BFGS-B with its default tolerances, so that comparison
  is at 1e-3, and the ULS stationarity condition of our solution is checked at 1e-6.
"""

from __future__ import annotations

import numpy as np
import pytest
from factor_analyzer import FactorAnalyzer, Rotator
from factor_analyzer.factor_analyzer import calculate_bartlett_sphericity, calculate_kmo
from hypothesis import given, settings
from hypothesis import strategies as st
from stats_fixtures import TOL, align_columns, likert, patch_factor_analyzer

from sqms.stats import StatsError, bartlett, construct_validity, efa, kmo, parallel_analysis
from sqms.stats.validity import ave_cr, htmt, varimax

patch_factor_analyzer()


@pytest.fixture(params=[0.0, 0.05], ids=["complete", "missing"])
def data(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    return likert(n=500, per_dim=5, n_dims=3, seed=4242, missing_frac=request.param)


def test_kmo_bartlett_against_factor_analyzer(data) -> None:  # type: ignore[no-untyped-def]
    df, _ = data
    complete = df.dropna().to_numpy()
    ours = kmo(df)
    ref_items, ref_total = calculate_kmo(complete)
    assert ours.missing == "listwise" and ours.n == complete.shape[0]
    assert ours.kmo == pytest.approx(ref_total, abs=TOL)
    assert ours.msa == pytest.approx(tuple(ref_items), abs=TOL)
    b = bartlett(df)
    chi2, p = calculate_bartlett_sphericity(complete)
    assert b.chi2 == pytest.approx(chi2, abs=TOL)
    assert b.df == df.shape[1] * (df.shape[1] - 1) // 2
    assert b.p == pytest.approx(p, abs=TOL)


def test_kmo_pairwise_by_formula() -> None:
    df, _ = likert(n=500, per_dim=5, seed=9, missing_frac=0.05)
    ours = kmo(df, missing="pairwise")
    r = df.corr().to_numpy()  # pandas pairwise correlation
    q = np.linalg.inv(r)
    k = r.shape[0]
    num_tot = den_tot = 0.0
    for i in range(k):
        num = sum(r[i, j] ** 2 for j in range(k) if j != i)
        part = sum((q[i, j] / np.sqrt(q[i, i] * q[j, j])) ** 2 for j in range(k) if j != i)
        assert ours.msa[i] == pytest.approx(num / (num + part), abs=TOL)
        num_tot += num
        den_tot += num + part
    assert ours.kmo == pytest.approx(num_tot / den_tot, abs=TOL)
    assert ours.missing == "pairwise"


def _fa(complete: np.ndarray, m: int, rotation: str | None) -> tuple[np.ndarray, np.ndarray | None]:
    """factor_analyzer principal-component loadings (m columns), optionally rotated; (loadings, phi)."""
    fa = FactorAnalyzer(n_factors=m, method="principal", rotation=None, svd_method="lapack")
    fa.fit(complete)
    loadings = fa.loadings_[:, :m]
    phi = None
    if rotation:
        rot = Rotator(method=rotation, tol=1e-14, max_iter=5000)
        loadings = rot.fit_transform(loadings)
        phi = rot.phi_
    return loadings, phi


def test_pca_extraction_against_eig_and_factor_analyzer(data) -> None:  # type: ignore[no-untyped-def]
    df, _ = data
    complete = df.dropna().to_numpy()
    res = efa(df, n_factors=3, rotation="none")
    # independent eigen-decomposition with the general (non-symmetric) solver on pandas' correlation
    vals, vecs = np.linalg.eig(df.dropna().corr().to_numpy())
    order = np.argsort(vals.real)[::-1]
    vals, vecs = vals.real[order], vecs.real[:, order]
    assert res.eigenvalues == pytest.approx(tuple(vals), abs=TOL)
    ref = vecs[:, :3] * np.sqrt(vals[:3])
    np.testing.assert_allclose(res.unrotated, align_columns(res.unrotated, ref), atol=TOL)
    ref_fa, _ = _fa(complete, 3, None)
    np.testing.assert_allclose(res.loadings, align_columns(res.loadings, ref_fa), atol=TOL)
    assert res.communalities == pytest.approx(tuple((ref_fa**2).sum(axis=1)), abs=TOL)
    ss, _, cum = FactorAnalyzer._get_factor_variance(align_columns(res.loadings, ref_fa))
    assert res.variance_extraction.total == pytest.approx(tuple(ss), abs=TOL)
    assert res.variance_extraction.cumulative == pytest.approx(tuple(100 * cum), abs=TOL)
    assert res.variance_initial.percent == pytest.approx(tuple(100 * vals / len(vals)), abs=TOL)
    assert res.n_factors_kaiser == int((vals > 1).sum())


def test_varimax_against_factor_analyzer(data) -> None:  # type: ignore[no-untyped-def]
    df, dims = data
    complete = df.dropna().to_numpy()
    res = efa(df, n_factors=3, rotation="varimax")
    ref, _ = _fa(complete, 3, "varimax")
    np.testing.assert_allclose(res.loadings, align_columns(res.loadings, ref), atol=TOL)
    # orthogonal rotation preserves communalities; rotation sums of squares total the extraction's
    assert res.communalities == pytest.approx(tuple((res.loadings**2).sum(axis=1)), abs=1e-10)
    assert sum(res.variance_rotation.total) == pytest.approx(sum(res.variance_extraction.total), abs=1e-10)
    # simple structure recovered: each item's main loading is on its dimension's factor
    main = np.argmax(np.abs(res.loadings), axis=1)
    for items in dims.values():
        idx = [list(df.columns).index(i) for i in items]
        assert len(set(main[idx])) == 1
    rows = res.sorted_loadings(0.4)
    assert len(rows) == df.shape[1] and all(any(v is not None for v in r[1]) for r in rows)


def test_promax_against_factor_analyzer() -> None:
    df, _ = likert(n=600, per_dim=4, n_dims=3, seed=321)
    x = df.to_numpy()
    res = efa(df, n_factors=3, rotation="promax")
    ref, phi = _fa(x, 3, "promax")
    assert phi is not None
    aligned = align_columns(res.loadings, ref)
    np.testing.assert_allclose(res.loadings, aligned, atol=TOL)
    # factor correlations: align with the same permutation/sign
    perm = [
        int(np.argmax([abs(np.corrcoef(res.loadings[:, j], ref[:, c])[0, 1]) for c in range(3)]))
        for j in range(3)
    ]
    sign = np.array([np.sign(res.loadings[:, j] @ ref[:, perm[j]]) for j in range(3)])
    phi_ref = phi[np.ix_(perm, perm)] * np.outer(sign, sign)
    np.testing.assert_allclose(res.factor_corr, phi_ref, atol=TOL)
    np.testing.assert_allclose(res.structure, res.loadings @ res.factor_corr, atol=1e-12)


def test_paf_is_uls_solution() -> None:
    df, _ = likert(n=800, per_dim=4, n_dims=3, seed=11)
    res = efa(df, n_factors=3, extraction="paf", rotation="none", tol=1e-12, max_iter=20000)
    assert res.converged and res.extraction == "paf"
    r = df.corr().to_numpy()
    q = np.linalg.inv(r)
    assert res.communalities_initial == pytest.approx(tuple(1 - 1 / np.diag(q)), abs=TOL)
    lam = res.unrotated
    psi = 1 - (lam**2).sum(axis=1)
    # ULS stationarity: (R − Ψ) Λ = Λ (ΛᵀΛ) with ΛᵀΛ diagonal (principal-axis solution)
    lhs = (r - np.diag(psi)) @ lam
    np.testing.assert_allclose(lhs, lam @ (lam.T @ lam), atol=TOL)
    fa = FactorAnalyzer(n_factors=3, method="minres", rotation=None)
    fa.fit(df.to_numpy())
    np.testing.assert_allclose(lam, align_columns(lam, fa.loadings_), atol=1e-3)


def test_parallel_analysis_reproducible() -> None:
    df, _ = likert(n=400, per_dim=4, n_dims=3, seed=1)
    a = parallel_analysis(df, n_iter=100, seed=7)
    b = parallel_analysis(df, n_iter=100, seed=7)
    assert a == b
    assert a.n_factors == 3
    # random eigenvalues of k uncorrelated variables average to 1 (trace of a correlation matrix = k)
    assert sum(a.random_mean) == pytest.approx(df.shape[1], abs=1e-9)
    # check the Wishart shortcut against simulating normal data directly (same distribution)
    rng = np.random.default_rng(0)
    sims = np.array(
        [np.linalg.eigvalsh(np.corrcoef(rng.normal(size=(400, 12)), rowvar=False))[::-1] for _ in range(300)]
    )
    assert a.random_mean[0] == pytest.approx(sims.mean(axis=0)[0], abs=0.02)


def test_ave_cr_fornell_larcker_htmt_by_hand(data) -> None:  # type: ignore[no-untyped-def]
    df, dims = data
    fa = efa(df, n_factors=len(dims))
    cv = construct_validity(df, dims, loadings=fa)  # the EFA path: λ from the rotated loadings
    complete = df.dropna()
    names = list(df.columns)
    for i, items in enumerate(dims.values()):
        idx = [names.index(x) for x in items]
        block = fa.loadings[idx]
        f = int(np.argmax((block**2).sum(axis=0)))
        lam = block[:, f]
        ave = float(np.mean(lam**2))
        cr = lam.sum() ** 2 / (lam.sum() ** 2 + np.sum(1 - lam**2))
        assert cv.ave[i] == pytest.approx(ave, abs=TOL)
        assert cv.cr[i] == pytest.approx(cr, abs=TOL)
        assert cv.fornell_larcker[i, i] == pytest.approx(np.sqrt(ave), abs=TOL)
    scores = {d: complete[items].sum(axis=1) for d, items in dims.items()}
    r = complete.corr()
    keys = list(dims)
    for a in range(len(keys)):
        for b in range(a + 1, len(keys)):
            da, db = keys[a], keys[b]
            assert cv.fornell_larcker[a, b] == pytest.approx(scores[da].corr(scores[db]), abs=TOL)
            hetero = r.loc[dims[da], dims[db]].to_numpy().mean()
            mono = []
            for d in (da, db):
                sub = r.loc[dims[d], dims[d]].to_numpy()
                mono.append(sub[np.triu_indices(len(dims[d]), 1)].mean())
            assert cv.htmt[a, b] == pytest.approx(hetero / np.sqrt(mono[0] * mono[1]), abs=TOL)
    assert all(cv.fornell_larcker_ok)
    assert (cv.htmt[~np.eye(len(keys), dtype=bool)] < 0.85).all()
    assert cv.method == "efa" and construct_validity(df, dims).method == "measurement_model"


def test_ave_cr_formula() -> None:
    ave, cr = ave_cr([0.7, 0.8, 0.9])
    assert ave == pytest.approx((0.49 + 0.64 + 0.81) / 3, abs=1e-12)
    assert cr == pytest.approx(2.4**2 / (2.4**2 + (0.51 + 0.36 + 0.19)), abs=1e-12)
    with pytest.raises(StatsError, match="standardised"):
        ave_cr([1.2, 0.5])
    out = htmt(np.eye(3), [[0], [1, 2]])
    assert np.isnan(out[0, 1])


def test_singular_and_small_samples() -> None:
    df, _ = likert(n=200, per_dim=3, n_dims=2, seed=3)
    dup = df.copy()
    dup["total"] = df.sum(axis=1)
    with pytest.raises(
        StatsError, match="KMO needs the inverse of the correlation matrix, but it is singular"
    ):
        kmo(dup)
    with pytest.raises(StatsError, match="singular"):
        bartlett(dup)
    with pytest.raises(StatsError, match="fewer respondents"):
        kmo(df.iloc[:5])
    with pytest.raises(StatsError, match="at least 2 items"):
        kmo(df[["q1"]])


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_varimax_is_an_orthogonal_rotation(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.uniform(-0.9, 0.9, size=(8, 3)) / np.sqrt(3)
    rot, t, _ = varimax(a)
    np.testing.assert_allclose(t.T @ t, np.eye(3), atol=1e-10)
    np.testing.assert_allclose(rot @ rot.T, a @ a.T, atol=1e-10)
