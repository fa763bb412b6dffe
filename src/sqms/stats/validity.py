"""Validity (效度): sampling adequacy, sphericity, exploratory factor analysis, AVE/CR, HTMT.

Everything is computed from the k × k correlation matrix ``R`` (and ``n``):

* **KMO / MSA** (Kaiser 1970; Kaiser & Rice 1974). With ``Q = R⁻¹`` the anti-image partial
  correlations are ``pᵢⱼ = −Qᵢⱼ/√(QᵢᵢQⱼⱼ)``; ``MSAᵢ = Σⱼ≠ᵢ rᵢⱼ² / (Σⱼ≠ᵢ rᵢⱼ² + Σⱼ≠ᵢ pᵢⱼ²)`` and the
  overall KMO is the same ratio summed over all i ≠ j. ``R`` must be invertible.
* **Bartlett's test of sphericity** (Bartlett 1950): ``χ² = −(n − 1 − (2k+5)/6)·ln|R|``,
  ``df = k(k−1)/2``.
* **Extraction.** Principal components (the SPSS default): eigen-decomposition ``R = VΛVᵀ``,
  loadings ``A = V_m Λ_m^{1/2}`` for the first m components. Principal axis factoring: ``R`` with
  communalities on the diagonal (initially the squared multiple correlations
  ``SMCᵢ = 1 − 1/Qᵢᵢ``), re-estimated from the m-factor loadings until they change by less than
  ``tol`` (at convergence this is the unweighted-least-squares / MINRES solution).
* **Number of factors.** Kaiser criterion (eigenvalues > 1, Kaiser 1960) and Horn's (1965)
  parallel analysis: eigenvalues of correlation matrices of uncorrelated normal data of the same
  size, drawn exactly (and cheaply) as Wishart matrices ``W ~ W_k(I, n−1)`` with a fixed seed.
* **Varimax** with Kaiser normalisation (Kaiser 1958), the SVD algorithm of R's
  ``stats::varimax`` run to full convergence; **promax** (Hendrickson & White 1964) as in R's
  ``stats::promax`` after Kaiser normalisation: target ``P = L∘|L|^{κ−1}``, ``U = (LᵀL)⁻¹LᵀP`` with
  columns scaled so ``diag((UᵀU)⁻¹) = 1``; pattern ``LU``, factor correlations ``Φ = U⁻¹U⁻ᵀ``,
  structure ``LUΦ``.
* **Sign convention.** Each factor is oriented so that its loadings sum to a positive number (the
  convention of R ``psych`` and ``factor_analyzer``); factors are not reordered after rotation
  (SPSS convention).
* **Variance explained.** Initial (eigenvalues of ``R``), extraction and rotation sums of squared
  loadings, each as a total, % of k and cumulative %.
* **AVE / CR** (Fornell & Larcker 1981) from standardised loadings λ of a dimension's items:
  ``AVE = Σλ²/p``, ``CR = (Σλ)² / ((Σλ)² + Σ(1−λ²))``. AVE and CR are defined on the standardised
  loadings of a confirmatory measurement model (each item loads on its own dimension only). By
  default λ are those of a one-factor common-factor model fitted to each dimension's items
  (principal axis factoring iterated to convergence = unweighted least squares on the dimension's
  correlation block; for exactly two items, where one factor is not identified on its own, the
  tau-equivalent solution ``λ₁ = λ₂ = √r₁₂``; a single item has no AVE/CR, NaN). Tested against
  semopy's maximum-likelihood CFA: loadings agree to about 0.01, AVE/CR to about 1e-3 — the gap is
  the estimator (ULS vs ML) and the cross-dimension covariances a full CFA also fits.
  Principal-*component* loadings are not used: components absorb the unique variance, so they
  overstate λ by 0.1–0.2 and AVE by about 0.1 on typical survey data (a dimension with a CFA AVE of
  0.46 would pass the 0.5 threshold). Rotated EFA loadings can still be passed (``loadings=``; then
  λ are the loadings on the factor with the largest sum of squared loadings of the dimension's
  items), and CFA loadings computed elsewhere can be passed to :func:`ave_cr` directly.
* **Fornell–Larcker**: √AVE on the diagonal vs correlations between dimension scores (item sums).
* **HTMT** (Henseler, Ringle & Sarstedt 2015): mean heterotrait–heteromethod correlation divided by
  the geometric mean of the two mean monotrait–heteromethod correlations.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ._data import FloatArray, Missing, Moments, StatsError, dimension_index, moments
from ._special import chdtrc


def _stats() -> Any:
    """scipy.stats, imported on first use (it costs ~0.3 s; the analysis path needs only scipy.special)."""
    from scipy import stats

    return stats


Extraction = Literal["pca", "paf"]
Rotation = Literal["varimax", "promax", "none"]
_SINGULAR_RTOL = 1e-12


def _eigh_desc(r: FloatArray) -> tuple[FloatArray, FloatArray]:
    vals, vecs = np.linalg.eigh(r)
    return np.asarray(vals[::-1], dtype=np.float64), np.asarray(vecs[:, ::-1], dtype=np.float64)


def require_invertible(m: Moments, what: str) -> FloatArray:
    """``R⁻¹``, or a StatsError explaining why the correlation matrix cannot be inverted."""
    if m.k < 2:
        raise StatsError(f"{what} needs at least 2 items, got {m.k}", "too_few_items", k=m.k)
    if m.n <= m.k:
        raise StatsError(
            f"{what}: fewer respondents (n = {m.n}) than items + 1 (k = {m.k}); the correlation "
            "matrix is singular and cannot be inverted",
            "fewer_respondents_than_items",
            n=m.n,
            k=m.k,
        )
    r = m.corr
    vals = np.linalg.eigvalsh(r)
    if vals[0] <= _SINGULAR_RTOL * vals[-1]:
        raise StatsError(
            f"{what} needs the inverse of the correlation matrix, but it is singular "
            f"(smallest eigenvalue {vals[0]:.3g}): some item is a linear combination of others "
            "(e.g. a duplicated item or a total score)",
            "singular",
        )
    return np.asarray(np.linalg.inv(r), dtype=np.float64)


@dataclass(frozen=True)
class KMOResult:
    items: tuple[str, ...]
    missing: Missing
    n: int
    kmo: float
    msa: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "missing": self.missing,
            "n": self.n,
            "kmo": self.kmo,
            "msa": dict(zip(self.items, self.msa, strict=True)),
        }


def kmo(data: Any, names: Sequence[str] | None = None, *, missing: str = "listwise") -> KMOResult:
    """Kaiser–Meyer–Olkin measure of sampling adequacy, overall and per item (MSA)."""
    m = moments(data, names, missing)
    q = require_invertible(m, "KMO")
    d = 1.0 / np.sqrt(np.diag(q))
    p = -q * d[:, None] * d[None, :]
    r = m.corr.copy()
    np.fill_diagonal(p, 0.0)
    np.fill_diagonal(r, 0.0)
    r2 = (r * r).sum(axis=0)
    p2 = (p * p).sum(axis=0)
    return KMOResult(
        items=m.names,
        missing=m.missing,
        n=m.n,
        kmo=float(r2.sum() / (r2.sum() + p2.sum())),
        msa=tuple(float(v) for v in r2 / (r2 + p2)),
    )


@dataclass(frozen=True)
class BartlettResult:
    missing: Missing
    n: int
    chi2: float
    df: int
    p: float

    def to_dict(self) -> dict[str, Any]:
        return {"missing": self.missing, "n": self.n, "chi2": self.chi2, "df": self.df, "p": self.p}


def bartlett(data: Any, names: Sequence[str] | None = None, *, missing: str = "listwise") -> BartlettResult:
    """Bartlett's test that the correlation matrix is an identity matrix."""
    m = moments(data, names, missing)
    require_invertible(m, "Bartlett's test")
    sign, logdet = np.linalg.slogdet(m.corr)
    if sign <= 0:
        raise StatsError(
            "Bartlett's test: the correlation matrix is not positive definite", "not_positive_definite"
        )
    k = m.k
    chi2 = -(m.n - 1 - (2 * k + 5) / 6.0) * float(logdet)
    df = k * (k - 1) // 2
    return BartlettResult(missing=m.missing, n=m.n, chi2=chi2, df=df, p=chdtrc(df, chi2))


# --- rotations ------------------------------------------------------------------------------


def _orient(loadings: FloatArray) -> FloatArray:
    signs = np.sign(loadings.sum(axis=0))
    signs[signs == 0] = 1.0
    return signs


def varimax(
    loadings: FloatArray, *, normalize: bool = True, tol: float = 1e-12, max_iter: int = 1000
) -> tuple[FloatArray, FloatArray, int]:
    """Varimax rotation; returns (rotated loadings, orthogonal rotation matrix T, iterations).

    ``rotated = loadings @ T``. The criterion is iterated until its relative gain is below ``tol``.
    """
    a = np.asarray(loadings, dtype=np.float64)
    p, m = a.shape
    if m < 2:
        return a.copy(), np.eye(m), 0
    h = np.sqrt((a * a).sum(axis=1)) if normalize else np.ones(p)
    if normalize and (h <= 0).any():
        raise StatsError("varimax: an item has zero communality, Kaiser normalisation is undefined")
    x = a / h[:, None]
    t = np.eye(m)
    d = 0.0
    iterations = 0
    while iterations < max_iter:
        iterations += 1
        z = x @ t
        b = x.T @ (z**3 - z * ((z * z).sum(axis=0) / p))
        u, s, vt = np.linalg.svd(b)
        t = u @ vt
        d_old, d = d, float(s.sum())
        if d < d_old * (1 + tol):
            break
    return (x @ t) * h[:, None], t, iterations


def promax(
    loadings: FloatArray, *, power: float = 4.0, normalize: bool = True, tol: float = 1e-12
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Promax rotation; returns (pattern loadings, rotation matrix, factor correlation Φ)."""
    a = np.asarray(loadings, dtype=np.float64)
    p, m = a.shape
    if m < 2:
        return a.copy(), np.eye(m), np.eye(m)
    h = np.sqrt((a * a).sum(axis=1)) if normalize else np.ones(p)
    x = a / h[:, None]
    xv, t, _ = varimax(x, normalize=False, tol=tol)
    target = xv * np.abs(xv) ** (power - 1)
    u = np.linalg.solve(xv.T @ xv, xv.T @ target)
    u = u * np.sqrt(np.diag(np.linalg.inv(u.T @ u)))[None, :]
    pattern = (xv @ u) * h[:, None]
    uinv = np.linalg.inv(u)
    phi = uinv @ uinv.T
    return pattern, t @ u, phi


# --- extraction -----------------------------------------------------------------------------


def _pca_loadings(vals: FloatArray, vecs: FloatArray, m: int) -> FloatArray:
    return np.asarray(vecs[:, :m] * np.sqrt(np.maximum(vals[:m], 0.0)), dtype=np.float64)


def _paf_loadings(
    r: FloatArray, h0: FloatArray, m: int, tol: float, max_iter: int
) -> tuple[FloatArray, int, bool]:
    h = h0.copy()
    rr = r.copy()
    loadings = np.zeros((r.shape[0], m))
    for it in range(1, max_iter + 1):
        np.fill_diagonal(rr, h)
        vals, vecs = _eigh_desc(rr)
        loadings = _pca_loadings(vals, vecs, m)
        h_new = (loadings * loadings).sum(axis=1)
        if float(np.abs(h_new - h).max()) < tol:
            return loadings, it, True
        h = h_new
    return loadings, max_iter, False


@dataclass(frozen=True)
class VarianceTable:
    total: tuple[float, ...]
    percent: tuple[float, ...]
    cumulative: tuple[float, ...]

    @staticmethod
    def of(ss: FloatArray, k: int) -> VarianceTable:
        pct = 100.0 * ss / k
        return VarianceTable(
            total=tuple(float(v) for v in ss),
            percent=tuple(float(v) for v in pct),
            cumulative=tuple(float(v) for v in np.cumsum(pct)),
        )

    def to_dict(self) -> dict[str, Any]:
        return {"total": list(self.total), "percent": list(self.percent), "cumulative": list(self.cumulative)}


@dataclass(frozen=True)
class EFAResult:
    items: tuple[str, ...]
    missing: Missing
    n: int
    extraction: Extraction
    rotation: Rotation
    n_factors: int
    n_factors_kaiser: int
    eigenvalues: tuple[float, ...]
    unrotated: FloatArray = field(repr=False)
    loadings: FloatArray = field(repr=False)  # rotated (pattern for promax)
    structure: FloatArray | None = field(repr=False)
    factor_corr: FloatArray | None = field(repr=False)
    rotation_matrix: FloatArray | None = field(repr=False)
    communalities_initial: tuple[float, ...]
    communalities: tuple[float, ...]
    variance_initial: VarianceTable
    variance_extraction: VarianceTable
    variance_rotation: VarianceTable | None
    iterations: int
    converged: bool
    heywood: tuple[str, ...]

    def sorted_loadings(self, suppress: float = 0.4) -> list[tuple[str, list[float | None]]]:
        """Rows sorted by their main factor, then by decreasing loading; |loading| < suppress → None."""
        lo = self.loadings
        main = np.argmax(np.abs(lo), axis=1)
        order = sorted(range(len(self.items)), key=lambda i: (int(main[i]), -abs(float(lo[i, main[i]]))))
        return [(self.items[i], [float(v) if abs(v) >= suppress else None for v in lo[i]]) for i in order]

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": list(self.items),
            "missing": self.missing,
            "n": self.n,
            "extraction": self.extraction,
            "rotation": self.rotation,
            "n_factors": self.n_factors,
            "n_factors_kaiser": self.n_factors_kaiser,
            "eigenvalues": list(self.eigenvalues),
            "unrotated": self.unrotated.tolist(),
            "loadings": self.loadings.tolist(),
            "structure": None if self.structure is None else self.structure.tolist(),
            "factor_corr": None if self.factor_corr is None else self.factor_corr.tolist(),
            "communalities_initial": list(self.communalities_initial),
            "communalities": list(self.communalities),
            "variance_initial": self.variance_initial.to_dict(),
            "variance_extraction": self.variance_extraction.to_dict(),
            "variance_rotation": None if self.variance_rotation is None else self.variance_rotation.to_dict(),
            "iterations": self.iterations,
            "converged": self.converged,
            "heywood": list(self.heywood),
        }


def efa(
    data: Any,
    names: Sequence[str] | None = None,
    *,
    n_factors: int | None = None,
    extraction: Extraction = "pca",
    rotation: Rotation = "varimax",
    missing: str = "listwise",
    promax_power: float = 4.0,
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> EFAResult:
    """Exploratory factor analysis; ``n_factors=None`` uses the Kaiser criterion (eigenvalue > 1)."""
    m = moments(data, names, missing)
    k = m.k
    if k < 2:
        raise StatsError(f"factor analysis needs at least 2 items, got {k}")
    r = m.corr
    vals, vecs = _eigh_desc(r)
    n_kaiser = int((vals > 1.0).sum())
    nf = n_kaiser if n_factors is None else int(n_factors)
    if not 1 <= nf <= k:
        raise StatsError(f"number of factors must be between 1 and {k}, got {nf}")
    iterations, converged = 0, True
    if extraction == "pca":
        if m.n <= 1:
            raise StatsError("factor analysis needs at least 2 respondents")
        unrot = _pca_loadings(vals, vecs, nf)
        h0 = np.ones(k)
    elif extraction == "paf":
        q = require_invertible(m, "principal axis factoring (squared multiple correlations)")
        h0 = 1.0 - 1.0 / np.diag(q)
        unrot, iterations, converged = _paf_loadings(r, h0, nf, tol, max_iter)
    else:
        raise StatsError(f"unknown extraction {extraction!r}; use 'pca' or 'paf'")
    unrot = unrot * _orient(unrot)
    structure = phi = tmat = None
    var_rot: VarianceTable | None = None
    if rotation == "varimax" and nf > 1:
        rot, tmat, _ = varimax(unrot, tol=tol * 1e-2, max_iter=max_iter)
        rot = rot * _orient(rot)
        var_rot = VarianceTable.of((rot * rot).sum(axis=0), k)
    elif rotation == "promax" and nf > 1:
        rot, tmat, phi = promax(unrot, power=promax_power, tol=tol * 1e-2)
        s = _orient(rot)
        rot = rot * s
        phi = phi * s[:, None] * s[None, :]
        structure = rot @ phi
        # SPSS reports only totals for oblique rotations: sums of squared structure loadings.
        ssq = (structure * structure).sum(axis=0)
        var_rot = VarianceTable(total=tuple(float(v) for v in ssq), percent=(), cumulative=())
    elif rotation in ("varimax", "promax", "none"):
        rot = unrot.copy()
    else:
        raise StatsError(f"unknown rotation {rotation!r}; use 'varimax', 'promax' or 'none'")
    comm = (unrot * unrot).sum(axis=1)
    return EFAResult(
        items=m.names,
        missing=m.missing,
        n=m.n,
        extraction=extraction,
        rotation=rotation if nf > 1 else "none",
        n_factors=nf,
        n_factors_kaiser=n_kaiser,
        eigenvalues=tuple(float(v) for v in vals),
        unrotated=unrot,
        loadings=rot,
        structure=structure,
        factor_corr=phi,
        rotation_matrix=tmat,
        communalities_initial=tuple(float(v) for v in h0),
        communalities=tuple(float(v) for v in comm),
        variance_initial=VarianceTable.of(vals, k),
        variance_extraction=VarianceTable.of((unrot * unrot).sum(axis=0), k),
        variance_rotation=var_rot,
        iterations=iterations,
        converged=converged,
        heywood=tuple(m.names[i] for i in np.flatnonzero(comm >= 1.0)) if extraction == "paf" else (),
    )


@dataclass(frozen=True)
class ParallelAnalysisResult:
    observed: tuple[float, ...]
    random_mean: tuple[float, ...]
    random_quantile: tuple[float, ...]
    quantile: float
    n_factors: int
    n_iter: int
    seed: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "observed": list(self.observed),
            "random_mean": list(self.random_mean),
            "random_quantile": list(self.random_quantile),
            "quantile": self.quantile,
            "n_factors": self.n_factors,
            "n_iter": self.n_iter,
            "seed": self.seed,
        }


def parallel_analysis(
    data: Any,
    names: Sequence[str] | None = None,
    *,
    n_iter: int = 200,
    quantile: float = 0.95,
    seed: int = 20240601,
    missing: str = "listwise",
) -> ParallelAnalysisResult:
    """Horn's parallel analysis on principal-component eigenvalues.

    The number of components retained is the count of leading observed eigenvalues that exceed the
    ``quantile`` (default 95th percentile, Glorfeld 1995) of the random eigenvalues.
    """
    m = moments(data, names, missing)
    k, n = m.k, m.n
    if n <= k:
        raise StatsError(f"parallel analysis: fewer respondents (n = {n}) than items + 1 (k = {k})")
    obs = _eigh_desc(m.corr)[0]
    rng = np.random.default_rng(seed)
    sims = np.empty((n_iter, k))
    w = _stats().wishart(df=n - 1, scale=np.eye(k))
    for i in range(n_iter):
        s = np.asarray(w.rvs(random_state=rng), dtype=np.float64).reshape(k, k)
        d = 1.0 / np.sqrt(np.diag(s))
        sims[i] = np.linalg.eigvalsh(s * d[:, None] * d[None, :])[::-1]
    mean = sims.mean(axis=0)
    qv = np.quantile(sims, quantile, axis=0)
    exceed = obs > qv
    nf = k if exceed.all() else int(np.argmin(exceed))
    return ParallelAnalysisResult(
        observed=tuple(float(v) for v in obs),
        random_mean=tuple(float(v) for v in mean),
        random_quantile=tuple(float(v) for v in qv),
        quantile=quantile,
        n_factors=nf,
        n_iter=n_iter,
        seed=seed,
    )


# --- convergent / discriminant validity ----------------------------------------------------------


def ave_cr(loadings: Sequence[float] | FloatArray) -> tuple[float, float]:
    """(AVE, CR) of one construct from its items' standardised loadings (Fornell & Larcker 1981)."""
    lam = np.asarray(loadings, dtype=np.float64).ravel()
    if lam.size == 0:
        raise StatsError("AVE/CR need at least one loading")
    if (np.abs(lam) > 1).any():
        raise StatsError("AVE/CR need standardised loadings (|λ| ≤ 1)")
    s = float(lam.sum())
    err = float((1.0 - lam * lam).sum())
    ave = float((lam * lam).mean())
    cr = s * s / (s * s + err) if s * s + err > 0 else math.nan
    return ave, cr


def measurement_loadings(
    corr: FloatArray, *, tol: float = 1e-10, max_iter: int = 1000
) -> tuple[FloatArray, str]:
    """Standardised loadings of a one-factor model on one dimension's correlation block.

    Returns ``(λ, method)`` with ``method`` one of ``"uls"`` (principal axis factoring to convergence,
    ≥ 3 items), ``"tau_equivalent"`` (2 items) or ``"none"`` (1 item: NaN). Heywood cases (λ > 1) are
    clipped to 1. The factor is oriented so that Σλ > 0.
    """
    p = corr.shape[0]
    if p == 1:
        return np.full(1, math.nan), "none"
    if p == 2:
        r12 = float(corr[0, 1])
        root = math.sqrt(min(abs(r12), 1.0))
        return np.array([root, root if r12 >= 0 else -root]), "tau_equivalent"
    try:
        q = np.linalg.inv(corr)
        h0 = 1.0 - 1.0 / np.diag(q)
        if not np.isfinite(h0).all() or (h0 < 0).any():
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        off = np.abs(corr - np.eye(p))
        h0 = off.max(axis=1)
    lam2d, _it, _ok = _paf_loadings(corr, np.clip(h0, 0.0, 1.0), 1, tol, max_iter)
    lam: FloatArray = lam2d[:, 0]
    if lam.sum() < 0:
        lam = -lam
    return np.clip(lam, -1.0, 1.0), "uls"


@dataclass(frozen=True)
class ConstructValidity:
    dimensions: tuple[str, ...]
    factor: tuple[int, ...]
    loadings: dict[str, tuple[float, ...]]
    ave: tuple[float, ...]
    cr: tuple[float, ...]
    score_corr: FloatArray = field(repr=False)
    fornell_larcker: FloatArray = field(repr=False)
    fornell_larcker_ok: tuple[bool, ...]
    htmt: FloatArray = field(repr=False)
    missing: Missing
    method: str = "measurement_model"

    def to_dict(self) -> dict[str, Any]:
        dims = self.dimensions
        return {
            "missing": self.missing,
            "loadings_from": self.method,
            "dimensions": {
                d: {
                    "factor": self.factor[i],
                    "loadings": list(self.loadings[d]),
                    "ave": self.ave[i],
                    "cr": self.cr[i],
                    "fornell_larcker_ok": self.fornell_larcker_ok[i],
                }
                for i, d in enumerate(dims)
            },
            "fornell_larcker": self.fornell_larcker.tolist(),
            "htmt": self.htmt.tolist(),
        }


def htmt(corr: FloatArray, groups: Sequence[Sequence[int]]) -> FloatArray:
    """HTMT matrix (diagonal NaN; NaN where a dimension has a single item)."""
    g = len(groups)
    out = np.full((g, g), math.nan)
    mono = []
    for idx in groups:
        sub = corr[np.ix_(idx, idx)]
        iu = np.triu_indices(len(idx), 1)
        mono.append(float(sub[iu].mean()) if len(idx) > 1 else math.nan)
    for a in range(g):
        for b in range(a + 1, g):
            hetero = float(corr[np.ix_(groups[a], groups[b])].mean())
            denom = mono[a] * mono[b]
            val = hetero / math.sqrt(denom) if denom > 0 else math.nan
            out[a, b] = out[b, a] = val
    return out


def construct_validity(
    data: Any,
    dimensions: Mapping[str, Sequence[str]],
    names: Sequence[str] | None = None,
    *,
    loadings: FloatArray | EFAResult | None = None,
    missing: str = "listwise",
) -> ConstructValidity:
    """AVE, CR, Fornell–Larcker and HTMT for a dimension structure.

    By default the loadings are those of a one-factor model per dimension
    (:func:`measurement_loadings`, the CFA-consistent choice, see the module docstring).
    ``loadings`` may instead be a k × m standardised loading matrix (or an :class:`EFAResult`); each
    dimension then takes the factor with the largest sum of squared loadings of its items.
    """
    m = moments(data, names, missing)
    groups_map = dimension_index(m, dimensions)
    dims = tuple(groups_map)
    groups = [groups_map[d] for d in dims]
    if len(dims) < 1:
        raise StatsError("construct validity needs at least one dimension")
    lo: FloatArray | None
    if loadings is None:
        lo = None
    elif isinstance(loadings, EFAResult):
        lo = loadings.loadings
    else:
        lo = np.asarray(loadings, dtype=np.float64)
    if lo is not None and lo.shape[0] != m.k:
        raise StatsError(f"loading matrix has {lo.shape[0]} rows for {m.k} items")
    r = m.corr
    factor: list[int] = []
    ave: list[float] = []
    cr: list[float] = []
    lam_by_dim: dict[str, tuple[float, ...]] = {}
    for j, (d, idx) in enumerate(zip(dims, groups, strict=True)):
        if lo is None:
            lam, how = measurement_loadings(r[np.ix_(idx, idx)])
            f = j
            if how == "none":
                factor.append(f)
                ave.append(math.nan)
                cr.append(math.nan)
                lam_by_dim[d] = tuple(float(v) for v in lam)
                continue
        else:
            block = lo[idx]
            f = int(np.argmax((block * block).sum(axis=0)))
            lam = block[:, f]
            if lam.sum() < 0:
                lam = -lam
        a, c = ave_cr(np.clip(lam, -1.0, 1.0))
        factor.append(f)
        ave.append(a)
        cr.append(c)
        lam_by_dim[d] = tuple(float(v) for v in lam)
    w = np.zeros((m.k, len(dims)))
    for j, idx in enumerate(groups):
        w[idx, j] = 1.0
    sc = w.T @ m.cov @ w
    sd = np.sqrt(np.diag(sc))
    score_corr = sc / np.outer(sd, sd)
    fl = score_corr.copy()
    np.fill_diagonal(fl, np.sqrt(ave))
    ok = []
    for j in range(len(dims)):
        others = np.abs(np.delete(score_corr[j], j))
        ok.append(bool(others.size == 0 or math.sqrt(ave[j]) > float(others.max())))
    return ConstructValidity(
        dimensions=dims,
        factor=tuple(factor),
        loadings=lam_by_dim,
        ave=tuple(ave),
        cr=tuple(cr),
        score_corr=score_corr,
        fornell_larcker=fl,
        fornell_larcker_ok=tuple(ok),
        htmt=htmt(m.corr, groups),
        missing=m.missing,
        method="measurement_model" if lo is None else "efa",
    )
