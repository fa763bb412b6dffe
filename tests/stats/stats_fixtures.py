"""Fixed datasets and oracle shims shared by the tests/stats modules (imported, not collected).

Every dataset is generated with ``numpy.random.default_rng`` and a fixed seed, so the oracle
comparisons run on the same numbers every time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TOL = 1e-6


def likert(
    n: int = 400, per_dim: int = 4, n_dims: int = 3, seed: int = 12345, missing_frac: float = 0.0
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """A 1–5 Likert matrix with a clear simple structure (n_dims factors × per_dim items)."""
    rng = np.random.default_rng(seed)
    k = per_dim * n_dims
    factors = rng.normal(size=(n, n_dims))
    load = np.zeros((k, n_dims))
    for d in range(n_dims):
        load[d * per_dim : (d + 1) * per_dim, d] = rng.uniform(0.55, 0.9, size=per_dim)
    latent = factors @ load.T + rng.normal(scale=0.7, size=(n, k)) + 0.25 * factors[:, [0]]
    x = np.clip(np.rint(3 + 1.1 * latent), 1, 5)
    if missing_frac:
        holes = rng.random(size=x.shape) < missing_frac
        holes[:, 0] &= rng.random(n) < 0.5  # uneven missingness across items
        x[holes] = np.nan
        # nobody skips every item (pingouin counts such rows; a respondent with no answer is no respondent)
        empty = np.isnan(x).all(axis=1)
        x[empty, 0] = 3
    names = [f"q{i + 1}" for i in range(k)]
    dims = {f"D{d + 1}": names[d * per_dim : (d + 1) * per_dim] for d in range(n_dims)}
    return pd.DataFrame(x, columns=names), dims


def continuous(n: int = 300, k: int = 6, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(n, 1))
    x = 50 + 10 * (0.7 * base + rng.normal(size=(n, k)))
    return pd.DataFrame(x, columns=[f"x{i + 1}" for i in range(k)])


def patch_factor_analyzer() -> None:
    """factor_analyzer 0.5.1 calls sklearn's check_array(force_all_finite=...), removed in
    scikit-learn 1.8 (renamed ensure_all_finite). Test-only shim so the oracle runs unchanged."""
    import factor_analyzer.factor_analyzer as fa_mod
    from sklearn.utils import check_array

    if getattr(fa_mod, "_sqms_patched", False):
        return

    def _check_array(*args, force_all_finite=True, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.pop("estimator", None)
        return check_array(*args, ensure_all_finite=force_all_finite, **kwargs)

    fa_mod.check_array = _check_array
    fa_mod._sqms_patched = True


def align_columns(ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    """Reorder and re-sign ``theirs`` columns to match ``ours`` (factor order/sign are conventions)."""
    m = ours.shape[1]
    out = np.empty_like(theirs)
    used: set[int] = set()
    for j in range(m):
        scores = [
            (abs(float(np.corrcoef(ours[:, j], theirs[:, c])[0, 1])), c) for c in range(m) if c not in used
        ]
        _, c = max(scores)
        used.add(c)
        sign = 1.0 if float(ours[:, j] @ theirs[:, c]) >= 0 else -1.0
        out[:, j] = sign * theirs[:, c]
    return out
