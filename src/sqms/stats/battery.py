"""The reliability and validity battery: everything from one pass over the response matrix.

``run_battery`` computes the moments once (:func:`sqms.stats._data.moments`: item frequency
distributions, means and the covariance matrix) and derives from the k × k matrices: descriptives,
Cronbach's α (raw, standardised, Feldt CI), CITC, α if item deleted (overall and per dimension),
KMO/MSA, Bartlett's test, a principal-component EFA with Kaiser-normalised varimax, AVE/CR (from a
one-factor measurement model per dimension, see :mod:`sqms.stats.validity`), Fornell–Larcker, HTMT and the Pearson correlation matrix with p-values.

``battery`` returns the JSON document of ``sqms analyze --json`` with exactly the keys
``n, alpha, alpha_std, alpha_ci, citc, alpha_if_deleted, kmo, msa, bartlett{chi2,df,p},
eigenvalues, variance_explained, loadings, communalities, dimensions{name:{alpha,ave,cr}}, htmt``.
The number of factors is the number of dimensions when dimensions are given, otherwise the Kaiser
criterion. Formulas and references are in the modules that compute each statistic.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._data import Moments, StatsError, moments
from .correlation import CorrelationResult, p_values
from .descriptive import Descriptives, describe
from .reliability import AlphaResult, ReliabilityReport, reliability
from .validity import (
    BartlettResult,
    ConstructValidity,
    EFAResult,
    KMOResult,
    bartlett,
    construct_validity,
    efa,
    kmo,
)


@dataclass(frozen=True)
class BatteryResult:
    moments: Moments
    descriptives: Descriptives
    reliability: ReliabilityReport
    kmo: KMOResult
    bartlett: BartlettResult
    efa: EFAResult
    validity: ConstructValidity | None
    correlation: CorrelationResult

    def to_json(self) -> dict[str, Any]:
        """The ``sqms analyze --json`` document (exact key set; NaN becomes None)."""
        return _battery_json(self)


def _num(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def _battery_json(b: BatteryResult) -> dict[str, Any]:
    return _document(b.moments, b.reliability, b.kmo, b.bartlett, b.efa, b.validity)


def _document(
    m: Moments,
    rel: ReliabilityReport,
    km: KMOResult,
    ba: BartlettResult,
    e: EFAResult,
    validity: ConstructValidity | None,
) -> dict[str, Any]:
    names = m.names
    overall: AlphaResult = rel.overall
    variance = {
        "initial": e.variance_initial.to_dict(),
        "extraction": e.variance_extraction.to_dict(),
        "rotation": None if e.variance_rotation is None else e.variance_rotation.to_dict(),
    }
    dims: dict[str, Any] = {}
    htmt: dict[str, dict[str, float | None]] = {}
    if validity is not None:
        v = validity
        for i, d in enumerate(v.dimensions):
            dim_rel = rel.dimensions.get(d)
            dims[d] = {
                "alpha": None if dim_rel is None else _num(dim_rel.alpha),
                "ave": _num(v.ave[i]),
                "cr": _num(v.cr[i]),
            }
            htmt[d] = {d2: _num(float(v.htmt[i, j])) for j, d2 in enumerate(v.dimensions) if j != i}
    return {
        "n": m.n,
        "alpha": _num(overall.alpha),
        "alpha_std": _num(overall.alpha_std),
        "alpha_ci": [_num(overall.ci[0]), _num(overall.ci[1])],
        "citc": {n: _num(c) for n, c in zip(names, overall.citc, strict=True)},
        "alpha_if_deleted": {n: _num(a) for n, a in zip(names, overall.alpha_if_deleted, strict=True)},
        "kmo": _num(km.kmo),
        "msa": {n: _num(a) for n, a in zip(names, km.msa, strict=True)},
        "bartlett": {"chi2": _num(ba.chi2), "df": ba.df, "p": _num(ba.p)},
        "eigenvalues": [_num(x) for x in e.eigenvalues],
        "variance_explained": variance,
        "loadings": {n: [_num(float(x)) for x in e.loadings[i]] for i, n in enumerate(names)},
        "communalities": {n: _num(c) for n, c in zip(names, e.communalities, strict=True)},
        "dimensions": dims,
        "htmt": htmt,
    }


def run_battery(
    matrix: Any,
    item_names: Sequence[str] | None = None,
    dimensions: Mapping[str, Sequence[str]] | None = None,
    *,
    n_factors: int | None = None,
    missing: str = "listwise",
    scale_max: float | None = None,
) -> BatteryResult:
    """Compute the whole battery from one pass over ``matrix`` (respondents × items)."""
    m = moments(matrix, item_names, missing)
    if m.k < 2:
        raise StatsError(f"the battery needs at least 2 items, got {m.k}")
    dims = dict(dimensions or {})
    rel = reliability(m, dimensions={d: items for d, items in dims.items() if len(items) >= 2})
    nf = n_factors if n_factors is not None else (len(dims) if dims else None)
    fa = efa(m, n_factors=nf)
    validity = construct_validity(m, dims) if dims else None
    r = m.corr
    return BatteryResult(
        moments=m,
        descriptives=describe(m, scale_max=scale_max),
        reliability=rel,
        kmo=kmo(m),
        bartlett=bartlett(m),
        efa=fa,
        validity=validity,
        correlation=CorrelationResult(m.names, "pearson", m.missing, r, p_values(r, m.n_pair), m.n_pair),
    )


def battery(
    matrix: Any,
    item_names: Sequence[str] | None = None,
    dimensions: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """The JSON document of ``sqms analyze --json`` (listwise deletion, SPSS default).

    The same document as ``run_battery(...).to_json()``, without computing the parts it does not
    contain (descriptives, correlation p-values), so that it never imports scipy."""
    m = moments(matrix, item_names, "listwise")
    if m.k < 2:
        raise StatsError(f"the battery needs at least 2 items, got {m.k}")
    dims = dict(dimensions or {})
    rel = reliability(m, dimensions={d: items for d, items in dims.items() if len(items) >= 2})
    fa = efa(m, n_factors=len(dims) if dims else None)
    validity = construct_validity(m, dims) if dims else None
    return _document(m, rel, kmo(m), bartlett(m), fa, validity)
