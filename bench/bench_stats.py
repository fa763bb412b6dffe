"""Benchmark: the reliability/validity battery vs the same outputs from the oracle libraries, and
``sqms analyze FILE`` end to end on a 100,000-row CSV.

    BENCH_SIZE=small|full  .venv/bin/python bench/bench_stats.py      (small = 20,000 × 30, full = 100,000 × 30)

Builds an in-memory Likert matrix (1–5, 30 items in 5 dimensions of 6, fixed seed) and times
:func:`sqms.stats.run_battery` — descriptives, Cronbach's α (raw, standardised, Feldt CI), CITC,
α if item deleted (overall and per dimension), KMO/MSA, Bartlett, a 5-factor principal-component
EFA with varimax, AVE/CR, Fornell–Larcker, HTMT and the Pearson correlation matrix with p-values —
against computing the same outputs with the oracle libraries in the same run: pandas/scipy
(descriptives, correlation), pingouin (α with CI, α if deleted), factor_analyzer (KMO, Bartlett,
principal-component loadings, varimax), pandas (CITC, HTMT), semopy (CFA loadings for AVE/CR).
Requirement: <= 150 ms for 100,000 × 30 and >= 5× faster than the oracles.  Peak memory of the
battery is measured with tracemalloc in a separate run.

The command line: the same matrix at 100,000 rows (both sizes) written as a CSV, then
``sqms analyze FILE --dimensions DIMS --json`` run as a subprocess (the fast path: no Django, numpy
parses the all-numeric CSV, no scipy), wall and CPU time including interpreter start-up and JSON
output, and the child's peak RSS (GNU ``/usr/bin/time``); requirement <= 1 s.  Its baseline is the same command through
Django (``--traceback`` sends it there: ``django.setup()`` with every app, then the management
command), run once, which must print the same JSON.  Timings are reported, never asserted.

Note: on a shared 2-core machine OpenBLAS' threads can slow a single matrix product by 10×;
``OPENBLAS_NUM_THREADS=1`` gives stable figures there.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from common import Row, emit, size  # noqa: E402

from sqms.stats import run_battery  # noqa: E402

SIZES = {"small": 20_000, "full": 100_000}
CLI_ROWS = 100_000


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
    out["ave_cr"] = semopy_ave_cr(df, dimensions)
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


def semopy_ave_cr(df: Any, dimensions: dict[str, list[str]]) -> dict[str, tuple[float, float]]:
    """AVE and CR from semopy's standardised CFA loadings (maximum likelihood)."""
    import semopy

    model = semopy.Model("\n".join(f"{d} =~ {' + '.join(items)}" for d, items in dimensions.items()))
    model.fit(df)
    est = model.inspect(std_est=True)
    lam = est[est["op"] == "~"].set_index("lval")["Est. Std"].astype(float)
    out = {}
    for d, items in dimensions.items():
        lo = lam[items].to_numpy()
        out[d] = (float(np.mean(lo**2)), float(lo.sum() ** 2 / (lo.sum() ** 2 + (1 - lo**2).sum())))
    return out


def cli_run(csv: Path, dims: Path, *extra: str) -> tuple[float, float, float, dict[str, Any]]:
    """Wall time, CPU time (user + sys of the child: less sensitive to a busy machine), the child's
    peak resident memory (MiB) and the JSON.  ``extra`` options: ``--traceback`` sends the command
    through Django (the old path, ``django.setup()`` and the management command).

    Measured by GNU time: the child is forked from the small ``time`` process, not from this one,
    whose resident memory a forked child would inherit in its ru_maxrss."""
    env = {**os.environ, "SQMS_DATA_DIR": tempfile.mkdtemp(prefix="sqms-bench-")}
    exe = ROOT / ".venv" / "bin" / "sqms"
    command = [str(exe), "analyze", str(csv), "--dimensions", str(dims), "--json", *extra]
    with tempfile.NamedTemporaryFile(suffix=".txt") as usage:
        out = subprocess.run(
            ["/usr/bin/time", "-o", usage.name, "-f", "%e %U %S %M", *command],
            check=True,
            capture_output=True,
            env=env,
        )
        wall, user, system, max_kb = Path(usage.name).read_text().split()[-4:]
    return float(wall), float(user) + float(system), int(max_kb) / 1024, json.loads(out.stdout)


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
    bench_size = size()
    n = SIZES[bench_size]
    x, names, dims = make_data(max(n, CLI_ROWS))
    xb = x[:n]
    run_battery(xb[:1000], names, dims)  # warm imports and caches
    ours_best, ours_med, res = best_of(lambda: run_battery(xb, names, dims), 7)
    oracle_best, _oracle_med, ref = best_of(lambda: oracle_battery(xb, names, dims), 2)

    tracemalloc.start()
    run_battery(xb, names, dims)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    checks = {
        "alpha": abs(res.reliability.overall.alpha - ref["alpha"][0]),
        "kmo": abs(res.kmo.kmo - ref["kmo"][1]),
        "bartlett_rel": abs(res.bartlett.chi2 - ref["bartlett"][0]) / ref["bartlett"][0],
        "corr": float(np.abs(res.correlation.r - ref["corr"].to_numpy()).max()),
        "ave_vs_semopy": max(
            abs(res.validity.ave[i] - ref["ave_cr"][d][0])
            for i, d in enumerate(dims)  # type: ignore[union-attr]
        ),
    }

    # sqms analyze FILE end to end on a 100,000-row CSV
    with tempfile.TemporaryDirectory() as tmp:
        csv, dims_file = Path(tmp) / "responses.csv", Path(tmp) / "dims.json"
        xc = x[:CLI_ROWS]
        header = ",".join(names)
        np.savetxt(csv, xc, fmt="%d", delimiter=",", header=header, comments="")
        dims_file.write_text(json.dumps(dims), encoding="utf-8")
        cli_times, cli_cpu, cli_rss = [], [], []
        doc: dict[str, Any] = {}
        for _ in range(3):
            t, cpu, rss, doc = cli_run(csv, dims_file)
            cli_times.append(t)
            cli_cpu.append(cpu)
            cli_rss.append(rss)
        # baseline: the old path, through Django (django.setup() with every app, then the command)
        old_t, old_cpu, old_rss, old_doc = cli_run(csv, dims_file, "--traceback")
        assert old_doc == doc
        assert doc["n"] == CLI_ROWS, doc["n"]
        csv_mib = csv.stat().st_size / 2**20

    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    target_ms = 150.0 if bench_size == "full" else None
    rows = [
        Row(
            f"battery {n:,}×{x.shape[1]} (best of 7)",
            round(ours_best * 1e3, 1),
            "ms",
            target=target_ms,
            baseline=round(oracle_best * 1e3, 1),
            note=f"median {ours_med * 1e3:.1f} ms; baseline = pandas/pingouin/factor_analyzer/semopy; "
            f"target applies to 100,000 rows; OPENBLAS_NUM_THREADS={threads}",
        ),
        Row(
            "battery speed-up vs oracles",
            round(oracle_best / ours_best, 1),
            "×",
            target=5.0,
            lower_is_better=False,
        ),
        Row(
            "battery peak memory (tracemalloc)",
            round(peak / 2**20, 1),
            "MiB",
            note=f"input matrix {xb.nbytes / 2**20:.1f} MiB",
        ),
        Row(
            f"sqms analyze CLI {CLI_ROWS // 1000}k×{x.shape[1]} CSV, wall (best of 3)",
            round(min(cli_times), 3),
            "s",
            target=1.0,
            baseline=round(old_t, 3),
            note=f"subprocess incl. interpreter start-up; CSV {csv_mib:.1f} MiB; baseline = the same command "
            f"through Django (sqms analyze --traceback: django.setup() + management command), run once; "
            f"load average {os.getloadavg()[0]:.1f}",
        ),
        Row(
            f"sqms analyze CLI {CLI_ROWS // 1000}k×{x.shape[1]} CSV, CPU user + sys (best of 3)",
            round(min(cli_cpu), 3),
            "s",
            target=1.0,
            baseline=round(old_cpu, 3),
            note="CPU seconds of the child; on a shared machine wall time includes waiting for a core; "
            "baseline = the Django path",
        ),
        Row(
            f"sqms analyze CLI {CLI_ROWS // 1000}k×{x.shape[1]} CSV, peak RSS",
            round(max(cli_rss), 1),
            "MiB",
            baseline=round(old_rss, 1),
            note="maximum resident set size of the child (GNU time); baseline = the Django path",
        ),
        Row(
            "max |ours − oracle| (α, KMO, Bartlett rel., r)",
            float(f"{max(v for k, v in checks.items() if k != 'ave_vs_semopy'):.2e}"),
            "",
            note=", ".join(f"{k} {v:.1e}" for k, v in checks.items()),
        ),
    ]
    emit("stats", rows)


if __name__ == "__main__":
    main()
