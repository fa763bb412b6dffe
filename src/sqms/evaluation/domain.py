"""Pure evaluation arithmetic (no Django): scoring functions to 0–100, the weighted composite over an
indicator tree, grades, ranking, fuzzy comprehensive evaluation and benchmarks. Weights come from
:mod:`sqms.stats.mcda` (AHP, entropy, combined); nothing statistical is reimplemented here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from sqms.stats import StatsError, mcda

HIGHER = "higher"
LOWER = "lower"
MAX_DEPTH = 3
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _clip(x: float) -> float:
    return min(max(x, 0.0), 100.0)


def score_linear(value: float, lo: float, hi: float, direction: str = HIGHER) -> float:
    """100 at the good bound, 0 at the bad one, linear between; ``lo``/``hi`` are the value range and the
    direction says which end is good."""
    if hi == lo:
        raise ValueError("the bounds must differ")
    share = (value - lo) / (hi - lo)
    return _clip(100.0 * (share if direction == HIGHER else 1.0 - share))


def score_threshold(value: float, table: Sequence[Sequence[float]], direction: str = HIGHER) -> float:
    """``table`` = [[bound, score], …]. Higher is better: the score of the highest bound the value reaches;
    lower is better: the score of the lowest bound the value stays within. Else the last row's score
    when it has no bound reached (0 when the table gives none)."""
    rows = sorted(((float(b), float(s)) for b, s in table), reverse=direction == HIGHER)
    for bound, score in rows:
        if (value >= bound) if direction == HIGHER else (value <= bound):
            return _clip(score)
    return 0.0


def score_likert(x: float, points: int = 5) -> float:
    """(x − 1) / (points − 1) × 100: 1 → 0, 3 → 50, 5 → 100 on a 5-point scale."""
    return _clip((x - 1.0) / (points - 1) * 100.0)


def score_ratio(x: float) -> float:
    return _clip(x * 100.0)


def score(value: float | None, scoring: str, params: Mapping[str, Any]) -> float | None:
    """Apply an indicator's scoring function to its raw value (``None`` stays ``None``)."""
    if value is None:
        return None
    direction = str(params.get("direction", HIGHER))
    if scoring == "linear":
        return score_linear(value, float(params["lo"]), float(params["hi"]), direction)
    if scoring == "threshold":
        return score_threshold(value, params["table"], direction)
    if scoring == "likert":
        return score_likert(value, int(params.get("points", 5)))
    if scoring == "ratio":
        return score_ratio(value)
    if scoring == "direct":
        return _clip(value)
    raise ValueError(f"unknown scoring {scoring!r}")


# --- vectorised scoring (numpy arrays of raw values; NaN = no value) ----------------------------------------
#
# The same arithmetic as the scalar functions above, element by element and in the same order of
# operations, so an array result equals the scalar one bit for bit (the tests compare both).


def score_array(values: FloatArray, scoring: str, params: Mapping[str, Any]) -> FloatArray:
    """:func:`score` of every element of ``values`` (NaN stays NaN)."""
    x = np.asarray(values, dtype=np.float64)
    direction = str(params.get("direction", HIGHER))
    with np.errstate(invalid="ignore"):
        if scoring == "linear":
            lo, hi = float(params["lo"]), float(params["hi"])
            if hi == lo:
                raise ValueError("the bounds must differ")
            share = (x - lo) / (hi - lo)
            out = 100.0 * (share if direction == HIGHER else 1.0 - share)
        elif scoring == "threshold":
            rows = sorted(((float(b), float(s)) for b, s in params["table"]), reverse=direction == HIGHER)
            out = np.zeros_like(x)
            for bound, row_score in reversed(rows):  # the first row reached wins: assign it last
                hit = (x >= bound) if direction == HIGHER else (x <= bound)
                out = np.where(hit, min(max(row_score, 0.0), 100.0), out)
            out = np.where(np.isnan(x), np.nan, out)
        elif scoring == "likert":
            out = (x - 1.0) / (int(params.get("points", 5)) - 1) * 100.0
        elif scoring == "ratio":
            out = x * 100.0
        elif scoring == "direct":
            out = x
        else:
            raise ValueError(f"unknown scoring {scoring!r}")
        result: FloatArray = np.minimum(np.maximum(out, 0.0), 100.0)
    return result


def weighted_mean_arrays(parts: Sequence[tuple[float, FloatArray]]) -> FloatArray:
    """:func:`composite`'s weighted mean of one level, element-wise: missing (NaN) scores drop out and the
    remaining weights are renormalised; NaN where no score is available."""
    acc: Any = 0.0
    used: Any = 0.0
    for w, s in parts:
        present = ~np.isnan(s)
        acc = acc + np.where(present, w * np.nan_to_num(s), 0.0)
        used = used + np.where(present, w, 0.0)
    acc, used = np.asarray(acc, dtype=np.float64), np.asarray(used, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = np.where(used > 0, acc / np.where(used > 0, used, 1.0), np.nan)
    return out


def grade_index(values: FloatArray, grades: Sequence[Mapping[str, Any]]) -> tuple[list[str], IntArray]:
    """:func:`grade` element-wise: (grade names highest first, index of each element's grade or -1)."""
    order = sorted(grades, key=lambda g: -float(g["min"]))
    x = np.asarray(values, dtype=np.float64)
    idx = np.full(x.shape, -1, dtype=np.int64)
    with np.errstate(invalid="ignore"):
        for j in range(len(order) - 1, -1, -1):
            idx = np.where(x >= float(order[j]["min"]), j, idx)
    return [str(g["name"]) for g in order], idx


def rank_array(scores: FloatArray) -> IntArray:
    """:func:`rank` element-wise: competition ranking best first (1, 2, 2, 4); 0 where NaN."""
    x = np.asarray(scores, dtype=np.float64)
    present = np.sort(x[~np.isnan(x)])
    greater = len(present) - np.searchsorted(present, np.nan_to_num(x), side="right")
    out: IntArray = np.where(np.isnan(x), 0, 1 + greater).astype(np.int64)
    return out


def check_params(scoring: str, params: Mapping[str, Any]) -> dict[str, str]:
    """Problems with an indicator's scoring parameters, by parameter name (empty when fine)."""
    errors: dict[str, str] = {}
    if params.get("direction", HIGHER) not in (HIGHER, LOWER):
        errors["direction"] = "Use higher or lower."
    if scoring == "linear":
        try:
            if float(params["lo"]) == float(params["hi"]):
                errors["hi"] = "The bounds must differ."
        except (KeyError, TypeError, ValueError):
            errors["lo"] = "Give numeric bounds lo and hi."
    elif scoring == "threshold":
        table = params.get("table")
        ok = isinstance(table, list) and table and all(isinstance(r, list) and len(r) == 2 for r in table)
        if not ok:
            errors["table"] = "Give a list of [bound, score] pairs."
    return errors


# --- the tree ---------------------------------------------------------------------------------------------


@dataclass
class Node:
    code: str
    name: str
    weight: float
    children: list[Node] = field(default_factory=list)
    score: float | None = None  # leaves: the scored value; inner nodes: computed
    global_weight: float = 0.0


def depth(node: Node) -> int:
    return 1 + max((depth(c) for c in node.children), default=0)


def composite(nodes: Sequence[Node], parent_weight: float = 1.0) -> float | None:
    """Weighted mean of the nodes' scores (recursively from the leaves up), filling ``score`` and
    ``global_weight`` of every inner node. Missing scores drop out and the remaining weights are
    renormalised; ``None`` when no score is available."""
    total_w = sum(n.weight for n in nodes)
    acc = 0.0
    used = 0.0
    for n in nodes:
        n.global_weight = parent_weight * (n.weight / total_w if total_w else 0.0)
        if n.children:
            n.score = composite(n.children, n.global_weight)
        if n.score is not None:
            acc += n.weight * n.score
            used += n.weight
    return acc / used if used > 0 else None


def flatten(nodes: Sequence[Node], level: int = 1) -> list[tuple[int, Node]]:
    out: list[tuple[int, Node]] = []
    for n in nodes:
        out.append((level, n))
        out.extend(flatten(n.children, level + 1))
    return out


def grade(value: float | None, grades: Sequence[Mapping[str, Any]]) -> str:
    """The first grade (highest ``min`` first) the score reaches."""
    if value is None:
        return ""
    for g in sorted(grades, key=lambda g: -float(g["min"])):
        if value >= float(g["min"]):
            return str(g["name"])
    return ""


def rank(scores: Mapping[Any, float | None]) -> dict[Any, int | None]:
    """Competition ranking (1, 2, 2, 4), best first; units without a score have none."""
    ordered = sorted((s for s in scores.values() if s is not None), reverse=True)
    return {k: (None if s is None else 1 + sum(1 for o in ordered if o > s)) for k, s in scores.items()}


def benchmarks(scores: Sequence[float | None], target: float | None = None) -> dict[str, float | None]:
    present = [s for s in scores if s is not None]
    return {
        "best": max(present) if present else None,
        "peer_mean": sum(present) / len(present) if present else None,
        "target": target,
    }


# --- weights ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AhpOutcome:
    ok: bool
    weights: dict[str, float]
    cr: float
    revisions: list[dict[str, Any]]


def ahp_weights(
    names: Sequence[str], matrix: Sequence[Sequence[float]], threshold: float = 0.1
) -> AhpOutcome:
    """AHP weights from a pairwise judgement matrix; refused (``ok`` False) when CR >= threshold, with the
    judgements to revise first (sqms.stats.mcda's revision advice, best improvement first). Raises
    ValueError on a malformed matrix."""
    if len(names) < 2:
        raise ValueError("AHP needs at least two elements")
    try:
        res = mcda.ahp(matrix, list(names), threshold=threshold)
    except StatsError as exc:
        raise ValueError(str(exc)) from exc
    return AhpOutcome(
        ok=res.cr < threshold,
        weights=dict(zip(res.names, res.weights, strict=True)),
        cr=res.cr,
        revisions=[r.to_dict() for r in res.revisions],
    )


def entropy_weights(names: Sequence[str], matrix: Sequence[Sequence[float]]) -> dict[str, float]:
    """Entropy weights from the data (units × indicators, higher is better after scoring)."""
    try:
        res = mcda.entropy_weights(matrix)
    except StatsError as exc:
        raise ValueError(str(exc)) from exc
    return dict(zip(names, res.weights, strict=True))


def combined_weights(
    names: Sequence[str], subjective: Sequence[float], objective: Sequence[float]
) -> dict[str, float]:
    try:
        w = mcda.combine_weights(subjective, objective)
    except StatsError as exc:
        raise ValueError(str(exc)) from exc
    return dict(zip(names, (float(x) for x in w), strict=True))


# --- fuzzy comprehensive evaluation -----------------------------------------------------------------------


def membership_row(scores: Sequence[tuple[float, float]], grades: Sequence[Mapping[str, Any]]) -> list[float]:
    """Membership of one top-level indicator in each grade: the weight share of its scored leaves falling in
    each grade band (the distribution of its ratings)."""
    order = sorted(grades, key=lambda g: -float(g["min"]))
    row = [0.0] * len(order)
    total = sum(w for w, _s in scores)
    for w, s in scores:
        for j, g in enumerate(order):
            if s >= float(g["min"]):
                row[j] += w / total if total else 0.0
                break
    return row


def fuzzy(
    weights: Sequence[float], membership: Sequence[Sequence[float]], grades: Sequence[Mapping[str, Any]]
) -> dict[str, Any] | None:
    """B = W ∘ R by sqms.stats.mcda.fuzzy_evaluation (weighted average operator); the score uses each grade's
    band midpoint."""
    order = sorted(grades, key=lambda g: -float(g["min"]))
    if not membership or not any(any(r) for r in membership):
        return None
    bands = [float(g["min"]) for g in order]
    mids = [(lo + (100.0 if i == 0 else bands[i - 1])) / 2 for i, lo in enumerate(bands)]
    keep = [i for i, r in enumerate(membership) if any(r)]
    try:
        res = mcda.fuzzy_evaluation(
            [weights[i] for i in keep],
            [membership[i] for i in keep],
            grades=[str(g["name"]) for g in order],
            grade_scores=mids,
        )
    except StatsError:
        return None
    return {
        "membership": list(res.membership),
        "grades": list(res.grades),
        "grade": res.max_grade,
        "score": res.score,
    }
