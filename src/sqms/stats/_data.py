"""Input validation, missing-data handling and the one-pass sufficient statistics.

Every analysis in :mod:`sqms.stats` starts from a respondents × items matrix ``X`` (rows are
respondents, columns are items; ``NaN`` marks a missing answer) and reduces it, in a single pass
over the data, to

* the per-item distributions (distinct values and their frequencies), from which every
  univariate statistic (n, mean, SD, quantiles, skewness, kurtosis, frequencies) follows, and
* the item means and the covariance matrix ``S``, from which reliability, validity, correlation and
  regression statistics follow without touching the data again.

Missing data
    ``missing="listwise"`` (the default, as in SPSS) drops every respondent with at least one
    missing answer among the analysed items. ``missing="pairwise"`` uses, for each pair of items, the
    respondents who answered both (pandas ``DataFrame.cov``/``corr`` semantics; SPSS "exclude cases
    pairwise"). Every result states which policy was used.

Covariance (listwise)
    ``S = (XᵀX − n·x̄x̄ᵀ) / (n − 1)``. For Likert data the relative rounding error is about
    ``ε·(x̄²/s² + 1) ≈ 1e-15``; when the data have a mean large relative to their spread the
    columns are first shifted by a rounded location so the one-pass formula stays accurate.

Covariance (pairwise)
    With ``M`` the 0/1 "answered" matrix and ``Z`` the data with missing set to 0:
    ``N = MᵀM`` (pair counts), ``Sᵢⱼ = ZᵀZ``, ``Tᵢⱼ = Σ_{rows with j} xᵢ = (ZᵀM)ᵢⱼ`` and
    ``covᵢⱼ = (Sᵢⱼ − TᵢⱼTⱼᵢ/Nᵢⱼ) / (Nᵢⱼ − 1)``; the pairwise correlation uses the variances of each
    item over the same pair of complete rows, ``(Z²)ᵀM``.

Reference: IBM SPSS Statistics Algorithms, "Missing values" (listwise vs pairwise);
Chan, Golub & LeVeque (1983), "Algorithms for computing the sample variance".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Missing = Literal["listwise", "pairwise"]

_MISSING_POLICIES = ("listwise", "pairwise")


class StatsError(ValueError):
    """A statistic cannot be computed from the given input; the message names the reason (in English).

    ``code`` says which problem it is and ``params`` carries its figures and item names, so an
    application can say the same thing in the user's language (``code="invalid"`` when no specific code
    applies; then only the message is available). Codes: ``constant_items`` (items), ``all_missing``
    (items), ``too_few_complete`` (n), ``too_few_in_common`` (a, b), ``too_few_items`` (k),
    ``fewer_respondents_than_items`` (n, k), ``singular`` (), ``not_positive_definite`` (),
    ``zero_total_variance`` (), ``too_few_respondents`` (n, p).
    """

    def __init__(self, message: str, code: str = "invalid", **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params: dict[str, Any] = params


def check_missing(missing: str) -> Missing:
    if missing not in _MISSING_POLICIES:
        raise StatsError(f"missing must be 'listwise' or 'pairwise', not {missing!r}")
    return "listwise" if missing == "listwise" else "pairwise"


def as_matrix(data: Any, names: Sequence[str] | None = None) -> tuple[FloatArray, tuple[str, ...]]:
    """Validate a respondents × items matrix and return it as float64 with item names.

    Accepts anything ``numpy.asarray`` understands (lists, arrays, pandas DataFrames — whose column
    names are used when ``names`` is not given). ``None`` and ``NaN`` mean "missing".
    """
    if names is None and hasattr(data, "columns"):
        names = [str(c) for c in data.columns]
    try:
        arr = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise StatsError(f"the response matrix must be numeric ({exc})") from exc
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise StatsError(f"the response matrix must be 2-dimensional, got {arr.ndim} dimensions")
    n_rows, k = arr.shape
    if k == 0:
        raise StatsError("the response matrix has no items (columns)")
    if n_rows == 0:
        raise StatsError("the response matrix has no respondents (rows)")
    if names is None:
        names = [f"item{j + 1}" for j in range(k)]
    names_t = tuple(str(n) for n in names)
    if len(names_t) != k:
        raise StatsError(f"{len(names_t)} item names given for {k} columns")
    if len(set(names_t)) != k:
        dupes = sorted({n for n in names_t if names_t.count(n) > 1})
        raise StatsError(f"duplicate item names: {', '.join(dupes)}")
    if np.isfinite(arr).all():  # the common case: one cheap pass
        return arr, names_t
    if np.isinf(arr).any():
        bad = [names_t[j] for j in np.flatnonzero(np.isinf(arr).any(axis=0))]
        raise StatsError(f"infinite values in item(s): {', '.join(bad)}")
    answered = (~np.isnan(arr)).sum(axis=0)
    empty = [names_t[j] for j in np.flatnonzero(answered == 0)]
    if empty:
        raise StatsError(f"item(s) with every value missing: {', '.join(empty)}", "all_missing", items=empty)
    return arr, names_t


@dataclass(frozen=True)
class ItemDistribution:
    """Distinct observed values of one item (sorted) with their frequencies."""

    values: FloatArray
    freq: IntArray

    @property
    def n(self) -> int:
        return int(self.freq.sum())


@dataclass(frozen=True, eq=False)
class Moments:
    """Sufficient statistics of a response matrix; everything downstream is computed from these.

    ``n`` is the number of respondents used: complete cases for listwise deletion, respondents
    with at least one answer for pairwise deletion (``n_pair`` then holds the count per pair).
    """

    names: tuple[str, ...]
    missing: Missing
    n_rows: int
    n: int
    n_pair: IntArray
    mean: FloatArray
    cov: FloatArray
    distributions: tuple[ItemDistribution, ...]
    # Pairwise-only: variances of item i over the rows where item j is also answered.
    pair_var: FloatArray | None = field(default=None, repr=False)

    @property
    def k(self) -> int:
        return len(self.names)

    @property
    def n_excluded(self) -> int:
        return self.n_rows - self.n

    @property
    def var(self) -> FloatArray:
        return np.asarray(np.diag(self.cov), dtype=np.float64)

    @property
    def sd(self) -> FloatArray:
        return np.asarray(np.sqrt(np.maximum(self.var, 0.0)), dtype=np.float64)

    def require_variance(self, what: str) -> None:
        const = [self.names[j] for j in np.flatnonzero(~(self.var > 0))]
        if const:
            raise StatsError(
                f"{what}: constant item(s) with zero variance: {', '.join(const)}",
                "constant_items",
                items=const,
            )

    @cached_property
    def corr(self) -> FloatArray:
        """Pearson correlation matrix (pairwise: each pair over its own complete rows, as pandas)."""
        self.require_variance("correlation")
        if self.pair_var is None:
            d = 1.0 / self.sd
            r = self.cov * d[:, None] * d[None, :]
        else:
            denom = np.sqrt(self.pair_var * self.pair_var.T)
            with np.errstate(invalid="ignore", divide="ignore"):
                r = self.cov / denom
            if not np.isfinite(r).all():
                raise StatsError(
                    "correlation: some pair of items has no variance over its common respondents"
                )
        r = np.clip((r + r.T) / 2.0, -1.0, 1.0)
        np.fill_diagonal(r, 1.0)
        return np.asarray(r, dtype=np.float64)

    def subset(self, idx: Sequence[int]) -> Moments:
        """The moments of a subset of items (no pass over the data)."""
        ix = np.asarray(idx, dtype=np.intp)
        sub = Moments(
            names=tuple(self.names[i] for i in ix),
            missing=self.missing,
            n_rows=self.n_rows,
            n=self.n,
            n_pair=self.n_pair[np.ix_(ix, ix)],
            mean=self.mean[ix],
            cov=self.cov[np.ix_(ix, ix)],
            distributions=tuple(self.distributions[i] for i in ix),
            pair_var=None if self.pair_var is None else self.pair_var[np.ix_(ix, ix)],
        )
        if "corr" in self.__dict__:
            sub.__dict__["corr"] = self.corr[np.ix_(ix, ix)]
        return sub

    def index(self, names: Sequence[str]) -> list[int]:
        pos = {n: i for i, n in enumerate(self.names)}
        missing = [n for n in names if n not in pos]
        if missing:
            raise StatsError(f"unknown item(s): {', '.join(missing)}")
        return [pos[n] for n in names]


def _distributions_discrete(x: FloatArray) -> tuple[ItemDistribution, ...] | None:
    """Frequencies per column for small integer data (−128…127) without missing values, else None.

    One cast to int8 (values that are not such integers do not survive the round trip), then each
    column is counted value by value on a contiguous copy — a few ms for 100,000 × 30.
    """
    if x.shape[0] == 0:
        return None
    with np.errstate(invalid="ignore", over="ignore"):
        x8 = x.astype(np.int8)
    if not np.array_equal(x8, x):
        return None
    cols = np.ascontiguousarray(x8.T)
    out = []
    for j in range(cols.shape[0]):
        c = cols[j]
        lo, hi = int(c.min()), int(c.max())
        width = hi - lo + 1
        if width <= 12:
            freq = np.array([np.count_nonzero(c == v) for v in range(lo, hi + 1)], dtype=np.int64)
        else:
            freq = np.bincount((c.astype(np.intp) - lo), minlength=width).astype(np.int64)
        keep = freq > 0
        values = (float(lo) + np.arange(width, dtype=np.float64))[keep]
        out.append(ItemDistribution(values=values, freq=freq[keep]))
    return tuple(out)


def _distribution_generic(col: FloatArray) -> ItemDistribution:
    v = col[~np.isnan(col)]
    values, freq = np.unique(v, return_counts=True)
    return ItemDistribution(values=values.astype(np.float64), freq=freq.astype(np.int64))


def _listwise(arr: FloatArray, names: tuple[str, ...]) -> Moments:
    n_rows, k = arr.shape
    x = arr
    nan_rows = np.isnan(arr).any(axis=1) if not np.isfinite(arr.sum()) else None
    if nan_rows is not None:
        x = arr[~nan_rows]
    n = x.shape[0]
    if n < 2:
        raise StatsError(
            f"only {n} respondent(s) answered every item (listwise deletion); at least 2 are needed",
            "too_few_complete",
            n=n,
        )
    dists = _distributions_discrete(x)
    if dists is not None:
        sums = np.array([float(d.values @ d.freq) for d in dists])
        mean = sums / n
    else:
        dists = tuple(_distribution_generic(x[:, j]) for j in range(k))
        mean = x.mean(axis=0)
    # Shift by a rounded location when the mean is large relative to the spread (keeps the one-pass
    # formula accurate); Likert data never need it.
    spread = np.array([float(d.values[-1] - d.values[0]) for d in dists])
    if bool((np.abs(mean) > 1e3 * np.maximum(spread, 1e-300)).any()):
        xc = x - mean
        cov = (xc.T @ xc) / (n - 1)
    else:
        cov = (x.T @ x - n * np.outer(mean, mean)) / (n - 1)
    cov = (cov + cov.T) / 2.0
    return Moments(
        names=names,
        missing="listwise",
        n_rows=n_rows,
        n=n,
        n_pair=np.full((k, k), n, dtype=np.int64),
        mean=np.asarray(mean, dtype=np.float64),
        cov=np.asarray(cov, dtype=np.float64),
        distributions=dists,
    )


def _pairwise(arr: FloatArray, names: tuple[str, ...]) -> Moments:
    n_rows, k = arr.shape
    nan = np.isnan(arr)
    if not nan.any():
        m = _listwise(arr, names)
        return Moments(
            names=m.names,
            missing="pairwise",
            n_rows=m.n_rows,
            n=m.n,
            n_pair=m.n_pair,
            mean=m.mean,
            cov=m.cov,
            distributions=m.distributions,
        )
    answered = ~nan
    rows = answered.any(axis=1)
    n = int(rows.sum())
    mask = answered.astype(np.float64)
    z = np.where(nan, 0.0, arr)
    n_pair = np.rint(mask.T @ mask).astype(np.int64)
    if int(n_pair.min()) < 2:
        i, j = np.unravel_index(int(np.argmin(n_pair)), n_pair.shape)
        raise StatsError(
            f"items {names[i]} and {names[j]} have fewer than 2 respondents in common (pairwise deletion)",
            "too_few_in_common",
            a=names[i],
            b=names[j],
        )
    dists = tuple(_distribution_generic(arr[:, j]) for j in range(k))
    mean = np.array([float(d.values @ d.freq) / d.n for d in dists])
    # Centre by the item means first (accuracy), then use the pairwise formulas.
    zc = np.where(nan, 0.0, arr - mean)
    s = zc.T @ zc
    t = zc.T @ mask  # t[i, j] = sum of centred x_i over rows where j is answered
    nf = n_pair.astype(np.float64)
    cov = (s - t * t.T / nf) / (nf - 1.0)
    s2 = (zc * zc).T @ mask  # sum of squares of x_i over rows where j is answered
    pair_var = (s2 - t * t / nf) / (nf - 1.0)
    del z
    return Moments(
        names=names,
        missing="pairwise",
        n_rows=n_rows,
        n=n,
        n_pair=n_pair,
        mean=mean,
        cov=np.asarray((cov + cov.T) / 2.0, dtype=np.float64),
        distributions=dists,
        pair_var=np.asarray(pair_var, dtype=np.float64),
    )


def moments(data: Any, names: Sequence[str] | None = None, missing: str = "listwise") -> Moments:
    """Validate ``data`` and compute its sufficient statistics in one pass.

    Passing an existing :class:`Moments` returns it unchanged (so every public function accepts
    either raw data or precomputed moments).
    """
    if isinstance(data, Moments):
        return data
    policy = check_missing(missing)
    arr, names_t = as_matrix(data, names)
    if policy == "listwise":
        return _listwise(arr, names_t)
    return _pairwise(arr, names_t)


def dimension_index(m: Moments, dimensions: Mapping[str, Sequence[str]]) -> dict[str, list[int]]:
    """Resolve ``{dimension: [item names]}`` to column indices, validating every name."""
    out: dict[str, list[int]] = {}
    for dim, items in dimensions.items():
        if len(items) == 0:
            raise StatsError(f"dimension {dim!r} has no items")
        out[str(dim)] = m.index(list(items))
    return out


def as_vector(x: Any, what: str) -> FloatArray:
    """A 1-D float64 vector without missing values (missing values are dropped)."""
    try:
        arr = np.asarray(x, dtype=np.float64).ravel()
    except (TypeError, ValueError) as exc:
        raise StatsError(f"{what} must be numeric ({exc})") from exc
    if np.isinf(arr).any():
        raise StatsError(f"{what} contains infinite values")
    return np.asarray(arr[~np.isnan(arr)], dtype=np.float64)


def r(x: float) -> float:
    """Plain float for ``to_dict`` output (NaN stays NaN)."""
    return float(x)


def tolist(a: Any) -> Any:
    return np.asarray(a, dtype=np.float64).tolist()
