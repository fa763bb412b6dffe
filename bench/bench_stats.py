"""Benchmark: the reliability/validity battery vs the same outputs from the oracle libraries.

    BENCH_SIZE=small|full  .venv/bin/python bench/bench_stats.py      (small = 20,000 × 30, full = 100,000 × 30)

Builds an in-memory Likert matrix (1–5, 30 items in 5 dimensions of 6, fixed seed) and times
:func:`sqms.stats.run_battery` — descriptives, Cronbach's α (raw, standardised, Feldt CI), CITC,
α if item deleted (overall and per dimension), KMO/MSA, Bartlett, a 5-factor principal-component
EFA with varimax, AVE/CR, Fornell–Larcker, HTMT and the Pearson correlation matrix with p-values —
against computing the same outputs with the oracle libraries in the same run: pandas/scipy
(descriptives, correlation), pingouin (α with CI, α if deleted), factor_analyzer (KMO, Bartlett,
principal-component loadings, varimax), pandas (CITC, HTMT).  Requirement: <= 150 ms for
100,000 × 30 and >= 5× faster than the oracles.  Peak memory of the battery is measured with
tracemalloc in a separate run.  Timings are reported, never asserted.

Note: on a shared 2-core machine OpenBLAS' threads can slow a single matrix product by 10×;
``OPENBLAS_NUM_THREADS=1`` gives stable figures there.
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from sqms.stats import run_battery  # noqa: E402

SIZES = {"small": 20_000, "full": 100_000}


def make_data(n: int, seed: int = 20240601) -> tuple[np.ndarray, list[str], dict[str, list[str]]]:
    rng = np.random.default_rng(seed)
    k, dims = 30, 5
    factors = rng.normal(size=(n, dims))
    load = np.repeat(np.eye(dims), k // dims, axis=0) * rng.uniform(0.6, 0.9, size=(k, 1))
    x = np.clip(np.rint(3 + factors @ load.T + 0.7 * rng.normal(size=(n, k)) + 0.3 * factors[:, [0]]), 1, 5)
    names = [f"q{i + 1}" for i in range(k)]
    dimensions = {f"D{d + 1}": names[d * 6 : (d + 1) * 6] for d in range(dims)}
    return x, names, dimensions


def oracle_battery(x: np.ndarray, names: list[str], dimensions: dict[str, list[str]]) -> dict[str, Any]:
    """The same outputs computed with the oracle libraries (the tests' references)."""
    import factor_analyzer.factor_analyzer as fa_mod
    import pandas as pd
    import pingouin as pg
    from factor_analyzer import FactorAnalyzer, Rotator
    from scipy import stats as sps
    from sklearn.utils import check_array

    if not getattr(fa_mod, "_sqms_patched", False):  # factor_analyzer 0.5.1 vs scikit-learn >= 1.8

        def _check_array(*args: Any, force_all_finite: Any = True, **kwargs: Any) -> Any:
            kwargs.pop("estimator", None)
            return check_array(*args, ensure_all_finite=force_all_finite, **kwargs)

        fa_mod.check_array = _check_array
        fa_mod._sqms_patched = True

    df = pd.DataFrame(x, columns=names)
    out: dict[str, Any] = {}
    desc = df.describe()
    out["skew"] = df.apply(lambda c: sps.skew(c, bias=False))
    out["kurt"] = df.apply(lambda c: sps.kurtosis(c, bias=False))
    out["freq"] = {c: df[c].value_counts().sort_index() for c in names}
    out["desc"] = desc
    out["alpha"] = pg.cronbach_alpha(df)
    out["alpha_if_deleted"] = [pg.cronbach_alpha(df.drop(columns=c))[0] for c in names]
    total = df.sum(axis=1)
    out["citc"] = [df[c].corr(total - df[c]) for c in names]
    out["dims"] = {d: pg.cronbach_alpha(df[items]) for d, items in dimensions.items()}
    out["kmo"] = fa_mod.calculate_kmo(x)
    out["bartlett"] = fa_mod.calculate_bartlett_sphericity(x)
    fa = FactorAnalyzer(n_factors=5, method="principal", rotation=None, svd_method="lapack").fit(x)
    loadings = Rotator(method="varimax").fit_transform(fa.loadings_[:, :5])
    out["loadings"] = loadings
    r = df.corr()
    out["corr"] = r
    nn = len(df)
    t = r.to_numpy() * np.sqrt((nn - 2) / np.maximum(1 - r.to_numpy() ** 2, 1e-300))
    out["corr_p"] = 2 * sps.t.sf(np.abs(t), nn - 2)
    ave_cr = {}
    for d, items in dimensions.items():
        idx = [names.index(i) for i in items]
        block = loadings[idx]
        lam = block[:, int(np.argmax((block**2).sum(axis=0)))]
        ave_cr[d] = (float(np.mean(lam**2)), lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum()))
    out["ave_cr"] = ave_cr
    keys = list(dimensions)
    htmt = {}
    for a in range(len(keys)):
        for b in range(a + 1, len(keys)):
            ia, ib = dimensions[keys[a]], dimensions[keys[b]]
            hetero = r.loc[ia, ib].to_numpy().mean()
            mono = [r.loc[i, i].to_numpy()[np.triu_indices(len(i), 1)].mean() for i in (ia, ib)]
            htmt[(keys[a], keys[b])] = hetero / np.sqrt(mono[0] * mono[1])
    out["htmt"] = htmt
    return out


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    times = []
    result = None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times), result


def main() -> None:
    size = os.environ.get("BENCH_SIZE", "small")
    if size not in SIZES:
        raise SystemExit(f"BENCH_SIZE must be one of {', '.join(SIZES)}")
    n = SIZES[size]
    x, names, dims = make_data(n)
    run_battery(x[:1000], names, dims)  # warm imports and caches
    ours_best, ours_med, res = best_of(lambda: run_battery(x, names, dims), 7)
    oracle_best, oracle_med, ref = best_of(lambda: oracle_battery(x, names, dims), 2)

    tracemalloc.start()
    run_battery(x, names, dims)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    # cross-check a few outputs (the oracle tests do this thoroughly)
    checks = {
        "alpha": abs(res.reliability.overall.alpha - ref["alpha"][0]),
        "kmo": abs(res.kmo.kmo - ref["kmo"][1]),
        "bartlett": abs(res.bartlett.chi2 - ref["bartlett"][0]) / ref["bartlett"][0],
        "corr": float(np.abs(res.correlation.r - ref["corr"].to_numpy()).max()),
    }
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(f"sqms.stats battery benchmark — {n:,} × {x.shape[1]} Likert matrix (BENCH_SIZE={size}, "
          f"OPENBLAS_NUM_THREADS={threads})")  # fmt: skip
    print(f"{'':34}{'best':>10}{'median':>10}")
    print(f"{'sqms.stats.run_battery':34}{ours_best * 1e3:>8.1f}ms{ours_med * 1e3:>8.1f}ms")
    print(f"{'oracles (pandas/pingouin/FA/scipy)':34}{oracle_best * 1e3:>8.1f}ms{oracle_med * 1e3:>8.1f}ms")
    print(f"{'ratio (oracles / ours, best)':34}{oracle_best / ours_best:>9.1f}×")
    print(
        f"{'peak memory of the battery':34}{peak / 2**20:>8.1f}MiB  (input matrix {x.nbytes / 2**20:.1f} MiB)"
    )
    print("cross-check |ours − oracle|: " + ", ".join(f"{k} {v:.1e}" for k, v in checks.items()))
    if size == "full":
        ok = ours_best <= 0.150 and oracle_best / ours_best >= 5
        print(f"requirement (<= 150 ms and >= 5× at 100,000 × 30): {'met' if ok else 'NOT met'}")
    else:
        print("requirement (<= 150 ms and >= 5×) applies to BENCH_SIZE=full")


if __name__ == "__main__":
    main()
