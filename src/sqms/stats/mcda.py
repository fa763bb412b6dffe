"""Weights and multi-criteria evaluation (权重与综合评价): AHP, entropy weights, combined weights,
fuzzy comprehensive evaluation, TOPSIS.

**AHP** (Saaty 1980, *The Analytic Hierarchy Process*). For a positive reciprocal n × n judgement
matrix A (``aᵢⱼ = 1/aⱼᵢ``):

* eigenvector method: ``Aw = λ_max·w``, w the principal (Perron) eigenvector scaled to Σw = 1;
* geometric-mean (方根法) method: ``wᵢ ∝ (Πⱼ aᵢⱼ)^{1/n}``;
* column-normalised (和积法) method: ``wᵢ = (1/n)·Σⱼ aᵢⱼ/Σₖ aₖⱼ``;
* ``λ_max``: the principal eigenvalue for the eigenvector method, and the textbook estimate
  ``(1/n)·Σᵢ (Aw)ᵢ/wᵢ`` for the two approximate methods (so hand/Excel calculations agree);
* ``CI = (λ_max − n)/(n − 1)``, ``CR = CI/RI(n)`` (CR = 0 for n ≤ 2), acceptable when CR < 0.10.

Random-index tables (n = 1, 2, … 15):

* ``saaty1980`` (default): 0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48,
  1.56, 1.57, 1.59 (Saaty 1980);
* ``alt``: 0, 0, 0.52, 0.89, 1.12, 1.26, 1.36, 1.41, 1.46, 1.49, 1.52, 1.54, 1.56, 1.58, 1.59
  (the 1000-sample table common in Chinese textbooks);
* ``saaty2005`` (AHPy's "saaty"): 0, 0, 0.52, 0.89, 1.11, 1.25, 1.35, 1.40, 1.45, 1.49, 1.52,
  1.54, 1.56, 1.58, 1.59;
* ``dd`` (Donegan & Dodd 1991, AHPy's default), linearly interpolated between tabulated sizes;
* or any ``{n: RI}`` mapping.

For an inconsistent matrix, each judgement ``aᵢⱼ`` (i < j) is in turn treated as free and set to the
value in [1/9, 9] that minimises the CR of the matrix (a one-dimensional search on ``ln aᵢⱼ``, in
the spirit of Harker 1987 for incomplete matrices); judgements are listed by the CR that results
(lowest first), so the first one is the judgement to revise first. Each entry also gives the ratio
implied by the current weights, ``wᵢ/wⱼ`` (Saaty 2003, EJOR 145), and the nearest value of the
1–9 scale to the optimum.

**Entropy weights** (Shannon 1948; Zeleny 1982). For m alternatives × n criteria, normalise each
criterion (min-max: ``(x − min)/(max − min)`` for benefit, ``(max − x)/(max − min)`` for cost;
vector: ``x/‖x‖`` for benefit, ``1 − x/‖x‖`` for cost), optionally shift by a small constant,
``pᵢⱼ = rᵢⱼ/Σᵢ rᵢⱼ``, ``eⱼ = −(1/ln m)·Σᵢ pᵢⱼ ln pᵢⱼ`` with ``0·ln 0 = 0``, ``dⱼ = 1 − eⱼ``,
``wⱼ = dⱼ/Σ d``. A criterion with identical values carries no information: ``eⱼ = 1``, ``wⱼ = 0``.

**Combined weights**: multiplicative ``wⱼ = sⱼoⱼ/Σ sₖoₖ`` or linear ``wⱼ = β·sⱼ + (1−β)·oⱼ``.

**Fuzzy comprehensive evaluation** (模糊综合评价; Zadeh 1965; 汪培庄 1983). ``B = W ∘ R`` with W the
criterion weights and R the n × m membership matrix (criteria × grades):
``M(∧,∨)``: ``bⱼ = maxᵢ min(wᵢ, rᵢⱼ)``; ``M(·,∨)``: ``bⱼ = maxᵢ wᵢrᵢⱼ``;
``M(·,⊕)``: ``bⱼ = min(1, Σᵢ wᵢrᵢⱼ)`` (weighted average). B is normalised to sum 1; the conclusion
is the grade of maximum membership, and the weighted score ``Σ bⱼsⱼ`` for grade scores s.

**TOPSIS** (Hwang & Yoon 1981): vector-normalise, weight, ideal ``A⁺`` (best per criterion) and
anti-ideal ``A⁻``, Euclidean distances ``D⁺``, ``D⁻`` and closeness ``C = D⁻/(D⁺ + D⁻)``.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ._data import FloatArray, StatsError
from .verdicts import Verdict, ahp_consistency


def _optimize() -> Any:
    """scipy.optimize, imported on first use (it costs ~0.3 s; the analysis path needs only scipy.special)."""
    from scipy import optimize

    return optimize


AHPMethod = Literal["eigenvector", "geometric_mean", "column_normalized"]
FuzzyOperator = Literal["weighted_average", "min_max", "product_max"]

RI_TABLES: dict[str, dict[int, float]] = {
    "saaty1980": dict(
        enumerate([0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59], 1)
    ),
    "alt": dict(
        enumerate([0.0, 0.0, 0.52, 0.89, 1.12, 1.26, 1.36, 1.41, 1.46, 1.49, 1.52, 1.54, 1.56, 1.58, 1.59], 1)
    ),
    "saaty2005": dict(
        enumerate([0.0, 0.0, 0.52, 0.89, 1.11, 1.25, 1.35, 1.40, 1.45, 1.49, 1.52, 1.54, 1.56, 1.58, 1.59], 1)
    ),
    "dd": {
        1: 0.0, 2: 0.0, 3: 0.4914, 4: 0.8286, 5: 1.0591, 6: 1.1797, 7: 1.2519, 8: 1.3171, 9: 1.3733,
        10: 1.4055, 11: 1.4213, 12: 1.4497, 13: 1.4643, 14: 1.4822, 15: 1.4969, 16: 1.5078, 17: 1.5153,
        18: 1.5262, 19: 1.5313, 20: 1.5371, 25: 1.5619, 30: 1.5772, 40: 1.5976, 50: 1.6102, 60: 1.6178,
        70: 1.6237, 80: 1.6277, 90: 1.6213, 100: 1.6339,
    },
}  # fmt: skip

SAATY_SCALE = tuple(sorted({float(v) for v in range(1, 10)} | {1.0 / v for v in range(2, 10)}))


def random_index(n: int, table: str | Mapping[int, float] = "saaty1980") -> float:
    """RI(n) from a named table or a mapping; linear interpolation between tabulated sizes."""
    if isinstance(table, str):
        if table not in RI_TABLES:
            raise StatsError(f"unknown random-index table {table!r}; use one of {', '.join(RI_TABLES)}")
        tab: Mapping[int, float] = RI_TABLES[table]
    else:
        tab = table
    if n <= 2:
        return 0.0
    if n in tab:
        return float(tab[n])
    sizes = sorted(tab)
    if n > sizes[-1] or n < sizes[0]:
        raise StatsError(f"the random-index table has no value for n = {n} (covers up to {sizes[-1]})")
    hi = bisect.bisect_right(sizes, n)
    a, b = sizes[hi - 1], sizes[hi]
    return float(tab[a] + (tab[b] - tab[a]) * (n - a) / (b - a))


def _judgement_matrix(matrix: Any, rtol: float = 0.01) -> FloatArray:
    a = np.asarray(matrix, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise StatsError("the judgement matrix must be square and non-empty")
    if not np.isfinite(a).all() or (a <= 0).any():
        raise StatsError("every judgement must be a positive finite number")
    if not np.allclose(np.diag(a), 1.0, rtol=1e-9, atol=1e-9):
        raise StatsError("the diagonal of the judgement matrix must be 1")
    prod = a * a.T
    bad = np.argwhere(np.abs(prod - 1.0) > rtol)
    if bad.size:
        i, j = (int(v) for v in bad[0])
        raise StatsError(
            f"the judgement matrix is not reciprocal: a[{i + 1},{j + 1}] = {a[i, j]:g} but "
            f"a[{j + 1},{i + 1}] = {a[j, i]:g} (should be {1 / a[i, j]:g})"
        )
    # the upper triangle is authoritative; rebuild exact reciprocals below it
    upper = np.triu(a, 1)
    out = upper + np.triu(1.0 / a, 1).T
    np.fill_diagonal(out, 1.0)
    return np.asarray(out, dtype=np.float64)


def ahp_matrix(names: Sequence[str], judgements: Mapping[tuple[str, str], float]) -> FloatArray:
    """Build a reciprocal matrix from pairwise judgements ``{(a, b): how much a is preferred to b}``."""
    pos = {n: i for i, n in enumerate(names)}
    a = np.ones((len(names), len(names)))
    for (x, y), v in judgements.items():
        if x not in pos or y not in pos:
            raise StatsError(f"unknown element in judgement ({x!r}, {y!r})")
        if v <= 0:
            raise StatsError(f"judgement ({x!r}, {y!r}) must be positive")
        a[pos[x], pos[y]] = v
        a[pos[y], pos[x]] = 1.0 / v
    missing = [(names[i], names[j]) for i in range(len(names)) for j in range(i + 1, len(names))
               if (names[i], names[j]) not in judgements and (names[j], names[i]) not in judgements]  # fmt: skip
    if missing:
        raise StatsError(f"missing judgement(s): {', '.join(f'{a}–{b}' for a, b in missing)}")
    return a


def _weights(a: FloatArray, method: AHPMethod) -> tuple[FloatArray, float]:
    n = a.shape[0]
    if method == "eigenvector":
        vals, vecs = np.linalg.eig(a)
        k = int(np.argmax(vals.real))
        w = np.abs(vecs[:, k].real)
        return np.asarray(w / w.sum(), dtype=np.float64), float(vals[k].real)
    if method == "geometric_mean":
        g = np.exp(np.log(a).mean(axis=1))
        w = g / g.sum()
    elif method == "column_normalized":
        w = (a / a.sum(axis=0)).mean(axis=1)
    else:
        raise StatsError(f"unknown AHP method {method!r}")
    lam = float(((a @ w) / w).mean()) if n > 0 else 0.0
    return np.asarray(w, dtype=np.float64), lam


@dataclass(frozen=True)
class Revision:
    i: str
    j: str
    current: float
    implied: float
    optimal: float
    suggested: float
    cr_after: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "i": self.i,
            "j": self.j,
            "current": self.current,
            "implied": self.implied,
            "optimal": self.optimal,
            "suggested": self.suggested,
            "cr_after": self.cr_after,
        }


@dataclass(frozen=True)
class AHPResult:
    names: tuple[str, ...]
    method: AHPMethod
    weights: tuple[float, ...]
    lambda_max: float
    ci: float
    ri: float
    cr: float
    threshold: float
    ri_table: str
    revisions: tuple[Revision, ...]

    @property
    def consistent(self) -> bool:
        return self.cr < self.threshold

    def verdict(self) -> Verdict:
        return ahp_consistency(self.cr, self.threshold)

    def to_dict(self) -> dict[str, Any]:
        return {
            "names": list(self.names),
            "method": self.method,
            "weights": dict(zip(self.names, self.weights, strict=True)),
            "lambda_max": self.lambda_max,
            "ci": self.ci,
            "ri": self.ri,
            "cr": self.cr,
            "consistent": self.consistent,
            "ri_table": self.ri_table,
            "revisions": [r.to_dict() for r in self.revisions],
        }


def _cr(a: FloatArray, method: AHPMethod, ri: float) -> tuple[FloatArray, float, float, float]:
    n = a.shape[0]
    w, lam = _weights(a, method)
    ci = (lam - n) / (n - 1) if n > 2 else 0.0
    cr = ci / ri if n > 2 and ri > 0 else 0.0
    return w, lam, ci, cr


def _best_judgement(a: FloatArray, i: int, j: int, method: AHPMethod, ri: float) -> tuple[float, float]:
    b = a.copy()

    def cr_at(t: float) -> float:
        b[i, j], b[j, i] = math.exp(t), math.exp(-t)
        return _cr(b, method, ri)[3]

    res = _optimize().minimize_scalar(
        cr_at, bounds=(-math.log(9), math.log(9)), method="bounded", options={"xatol": 1e-6}
    )
    t = float(res.x)
    return math.exp(t), cr_at(t)


def _nearest_scale(v: float) -> float:
    return min(SAATY_SCALE, key=lambda s: abs(math.log(s) - math.log(v)))


def ahp(
    matrix: Any,
    names: Sequence[str] | None = None,
    *,
    method: AHPMethod = "eigenvector",
    ri: str | Mapping[int, float] = "saaty1980",
    threshold: float = 0.1,
) -> AHPResult:
    """AHP priority weights and consistency of one judgement matrix."""
    a = _judgement_matrix(matrix)
    n = a.shape[0]
    names_t = tuple(names) if names is not None else tuple(f"C{i + 1}" for i in range(n))
    if len(names_t) != n:
        raise StatsError(f"{len(names_t)} names given for a {n} × {n} matrix")
    ri_value = random_index(n, ri)
    w, lam, ci, cr = _cr(a, method, ri_value)
    revisions: list[Revision] = []
    if cr >= threshold:
        for i in range(n):
            for j in range(i + 1, n):
                best, cr_after = _best_judgement(a, i, j, method, ri_value)
                revisions.append(
                    Revision(
                        i=names_t[i],
                        j=names_t[j],
                        current=float(a[i, j]),
                        implied=float(w[i] / w[j]),
                        optimal=best,
                        suggested=_nearest_scale(best),
                        cr_after=cr_after,
                    )
                )
        revisions.sort(key=lambda r: r.cr_after)
    return AHPResult(
        names=names_t,
        method=method,
        weights=tuple(float(v) for v in w),
        lambda_max=lam,
        ci=ci,
        ri=ri_value,
        cr=cr,
        threshold=threshold,
        ri_table=ri if isinstance(ri, str) else "custom",
        revisions=tuple(revisions),
    )


# --- entropy, combined weights --------------------------------------------------------------


def _decision_matrix(x: Any, what: str) -> FloatArray:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] < 2 or a.shape[1] < 1:
        raise StatsError(f"{what} needs a matrix of at least 2 alternatives (rows) × 1 criterion")
    if not np.isfinite(a).all():
        raise StatsError(f"{what}: missing or infinite values are not allowed")
    return a


def _benefit(benefit: Sequence[bool] | None, n: int) -> np.ndarray[Any, np.dtype[np.bool_]]:
    if benefit is None:
        return np.ones(n, dtype=bool)
    b = np.asarray(benefit, dtype=bool)
    if b.shape != (n,):
        raise StatsError(f"benefit flags: expected {n}, got {b.size}")
    return b


@dataclass(frozen=True)
class EntropyResult:
    weights: tuple[float, ...]
    entropy: tuple[float, ...]
    divergence: tuple[float, ...]
    normalization: str
    normalized: FloatArray = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "weights": list(self.weights),
            "entropy": list(self.entropy),
            "divergence": list(self.divergence),
            "normalization": self.normalization,
        }


def entropy_weights(
    x: Any,
    *,
    benefit: Sequence[bool] | None = None,
    normalization: Literal["minmax", "vector"] = "minmax",
    shift: float = 0.0,
) -> EntropyResult:
    """Objective criterion weights by the entropy method (rows: alternatives, columns: criteria)."""
    a = _decision_matrix(x, "entropy weights")
    m, n = a.shape
    ben = _benefit(benefit, n)
    if normalization == "minmax":
        lo, hi = a.min(axis=0), a.max(axis=0)
        rng = hi - lo
        safe = np.where(rng > 0, rng, 1.0)
        r = np.where(ben, (a - lo) / safe, (hi - a) / safe)
        r[:, rng == 0] = 1.0  # identical values: uniform, entropy 1
    elif normalization == "vector":
        if (a < 0).any():
            raise StatsError("vector normalisation needs non-negative values")
        norm = np.sqrt((a * a).sum(axis=0))
        safe = np.where(norm > 0, norm, 1.0)
        r = np.where(ben, a / safe, 1.0 - a / safe)
        r[:, norm == 0] = 1.0
    else:
        raise StatsError(f"unknown normalisation {normalization!r}; use 'minmax' or 'vector'")
    r = r + shift
    colsum = r.sum(axis=0)
    p = np.where(colsum > 0, r / np.where(colsum > 0, colsum, 1.0), 1.0 / m)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    e = -plogp.sum(axis=0) / math.log(m)
    d = 1.0 - e
    d = np.where(np.abs(d) < 1e-15, 0.0, d)
    if d.sum() <= 0:
        raise StatsError("entropy weights: every criterion has identical values across alternatives")
    w = d / d.sum()
    return EntropyResult(
        weights=tuple(float(v) for v in w),
        entropy=tuple(float(v) for v in e),
        divergence=tuple(float(v) for v in d),
        normalization=normalization,
        normalized=np.asarray(r, dtype=np.float64),
    )


def combine_weights(
    subjective: Sequence[float],
    objective: Sequence[float],
    *,
    method: Literal["multiplicative", "linear"] = "multiplicative",
    beta: float = 0.5,
) -> tuple[float, ...]:
    """Combine subjective (e.g. AHP) and objective (e.g. entropy) weights."""
    s = np.asarray(subjective, dtype=np.float64)
    o = np.asarray(objective, dtype=np.float64)
    if s.shape != o.shape or s.ndim != 1 or s.size == 0:
        raise StatsError("subjective and objective weights must be vectors of the same length")
    if (s < 0).any() or (o < 0).any():
        raise StatsError("weights cannot be negative")
    s, o = s / s.sum(), o / o.sum()
    if method == "multiplicative":
        w = s * o
        if w.sum() <= 0:
            raise StatsError("the product of the two weight vectors is zero everywhere")
        w = w / w.sum()
    elif method == "linear":
        if not 0 <= beta <= 1:
            raise StatsError("beta must lie in [0, 1]")
        w = beta * s + (1 - beta) * o
    else:
        raise StatsError(f"unknown combination {method!r}")
    return tuple(float(v) for v in w)


# --- fuzzy comprehensive evaluation ---------------------------------------------------------


@dataclass(frozen=True)
class FuzzyResult:
    operator: FuzzyOperator
    raw: tuple[float, ...]
    membership: tuple[float, ...]
    grades: tuple[str, ...]
    max_grade: str
    score: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "operator": self.operator,
            "raw": list(self.raw),
            "membership": dict(zip(self.grades, self.membership, strict=True)),
            "max_grade": self.max_grade,
            "score": self.score,
        }


def membership_from_counts(counts: Any) -> FloatArray:
    """Membership matrix from response counts per criterion (rows) and grade (columns)."""
    c = np.asarray(counts, dtype=np.float64)
    if c.ndim != 2 or (c < 0).any():
        raise StatsError("counts must be a non-negative matrix (criteria × grades)")
    tot = c.sum(axis=1, keepdims=True)
    if (tot == 0).any():
        raise StatsError("a criterion has no responses")
    return np.asarray(c / tot, dtype=np.float64)


def fuzzy_evaluation(
    weights: Sequence[float],
    membership: Any,
    *,
    operator: FuzzyOperator = "weighted_average",
    grades: Sequence[str] | None = None,
    grade_scores: Sequence[float] | None = None,
) -> FuzzyResult:
    """One-level fuzzy comprehensive evaluation ``B = W ∘ R``."""
    w = np.asarray(weights, dtype=np.float64)
    r = np.asarray(membership, dtype=np.float64)
    if r.ndim != 2 or w.shape != (r.shape[0],):
        raise StatsError("membership must be criteria × grades with one weight per criterion")
    if (r < 0).any() or (r > 1).any() or (w < 0).any():
        raise StatsError("weights and memberships must be non-negative, memberships at most 1")
    if w.sum() <= 0:
        raise StatsError("the weights sum to zero")
    w = w / w.sum()
    if operator == "weighted_average":
        b = np.minimum(1.0, w @ r)
    elif operator == "min_max":
        b = np.minimum(w[:, None], r).max(axis=0)
    elif operator == "product_max":
        b = (w[:, None] * r).max(axis=0)
    else:
        raise StatsError(f"unknown operator {operator!r}; use 'weighted_average', 'min_max' or 'product_max'")
    m = r.shape[1]
    grade_names = tuple(grades) if grades is not None else tuple(f"G{j + 1}" for j in range(m))
    if len(grade_names) != m:
        raise StatsError(f"{len(grade_names)} grade names for {m} grades")
    total = float(b.sum())
    bn = b / total if total > 0 else b
    score = None
    if grade_scores is not None:
        s = np.asarray(grade_scores, dtype=np.float64)
        if s.shape != (m,):
            raise StatsError(f"{s.size} grade scores for {m} grades")
        score = float(bn @ s)
    return FuzzyResult(
        operator=operator,
        raw=tuple(float(v) for v in b),
        membership=tuple(float(v) for v in bn),
        grades=grade_names,
        max_grade=grade_names[int(np.argmax(bn))],
        score=score,
    )


# --- TOPSIS ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TopsisResult:
    closeness: tuple[float, ...]
    d_plus: tuple[float, ...]
    d_minus: tuple[float, ...]
    rank: tuple[int, ...]
    ideal: tuple[float, ...]
    anti_ideal: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "closeness": list(self.closeness),
            "d_plus": list(self.d_plus),
            "d_minus": list(self.d_minus),
            "rank": list(self.rank),
            "ideal": list(self.ideal),
            "anti_ideal": list(self.anti_ideal),
        }


def topsis(x: Any, weights: Sequence[float], *, benefit: Sequence[bool] | None = None) -> TopsisResult:
    """TOPSIS ranking (rank 1 = closest to the ideal)."""
    a = _decision_matrix(x, "TOPSIS")
    m, n = a.shape
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (n,) or (w < 0).any() or w.sum() <= 0:
        raise StatsError(f"TOPSIS needs {n} non-negative weights")
    w = w / w.sum()
    ben = _benefit(benefit, n)
    norm = np.sqrt((a * a).sum(axis=0))
    if (norm == 0).any():
        raise StatsError("TOPSIS: a criterion is zero for every alternative")
    v = a / norm * w
    ideal = np.where(ben, v.max(axis=0), v.min(axis=0))
    anti = np.where(ben, v.min(axis=0), v.max(axis=0))
    dp = np.sqrt(((v - ideal) ** 2).sum(axis=1))
    dm = np.sqrt(((v - anti) ** 2).sum(axis=1))
    denom = dp + dm
    c = np.where(denom > 0, dm / np.where(denom > 0, denom, 1.0), 0.5)
    order = np.argsort(-c, kind="stable")
    rank = np.empty(m, dtype=int)
    rank[order] = np.arange(1, m + 1)
    return TopsisResult(
        closeness=tuple(float(t) for t in c),
        d_plus=tuple(float(t) for t in dp),
        d_minus=tuple(float(t) for t in dm),
        rank=tuple(int(t) for t in rank),
        ideal=tuple(float(t) for t in ideal),
        anti_ideal=tuple(float(t) for t in anti),
    )
