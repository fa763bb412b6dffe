"""Evaluation writes: the shipped default scheme, weights (by hand, AHP, entropy, combined), runs that
store results; every change permission-checked and audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.errors import ValidationFailed
from sqms.core.models import AuditAction
from sqms.core.services import require_perm
from sqms.evaluation import domain, selectors
from sqms.evaluation.models import Indicator, Result, Scheme

RESPONSE_TABLE = [[1, 100], [3, 90], [5, 80], [10, 60], [30, 40]]  # minutes → score (lower is better)
WAIT_TABLE = [[5, 100], [10, 90], [15, 80], [30, 60], [60, 40]]

# The seed's scheme: 顾客满意度 40 %, 可靠性 30 %, 响应性 20 %, 保证性 10 %.
DEFAULT_TREE: list[dict[str, Any]] = [
    {"code": "satisfaction", "name": "顾客满意度", "name_en": "Customer satisfaction", "weight": 0.4, "children": [
        {"code": "satisfaction_rating", "name": "服务满意度评分（5 分制）", "name_en": "Satisfaction rating (5-point)",
         "weight": 1.0, "source": "rating", "scoring": "likert"}]},
    {"code": "reliability", "name": "可靠性", "name_en": "Reliability", "weight": 0.3, "children": [
        {"code": "on_time", "name": "按时完成率", "name_en": "On-time completion ratio", "weight": 1.0,
         "source": "kpi", "kpi_code": "on_time_rate", "scoring": "ratio", "params": {"divide": 100}}]},
    {"code": "responsiveness", "name": "响应性", "name_en": "Responsiveness", "weight": 0.2, "children": [
        {"code": "response_time", "name": "平均响应时间", "name_en": "Mean response time", "weight": 0.5,
         "source": "kpi", "kpi_code": "response_mean", "scoring": "threshold",
         "params": {"direction": "lower", "table": RESPONSE_TABLE}},
        {"code": "waiting_time", "name": "等待时间（P90）", "name_en": "Waiting time (P90)", "weight": 0.5,
         "source": "kpi", "kpi_code": "response_p90", "scoring": "threshold",
         "params": {"direction": "lower", "table": WAIT_TABLE}}]},
    {"code": "assurance", "name": "保证性", "name_en": "Assurance", "weight": 0.1, "children": [
        {"code": "knowledge", "name": "业务知识", "name_en": "Knowledge", "weight": 1 / 3, "source": "manual",
         "scoring": "likert"},
        {"code": "skills", "name": "服务技能", "name_en": "Skills", "weight": 1 / 3, "source": "manual",
         "scoring": "likert"},
        {"code": "attitude", "name": "服务态度", "name_en": "Attitude", "weight": 1 / 3, "source": "manual",
         "scoring": "likert"}]},
]  # fmt: skip


def _create_tree(scheme: Scheme, specs: list[dict[str, Any]], parent: Indicator | None = None) -> None:
    for order, spec in enumerate(specs):
        data = {k: v for k, v in spec.items() if k != "children"}
        ind = Indicator.objects.create(scheme=scheme, parent=parent, order=order, **data)
        _create_tree(scheme, spec.get("children", []), ind)


def ensure_default_scheme(**_kwargs: Any) -> None:
    """post_migrate: ship the seed's default scheme once (later edits and versions are kept)."""
    if Scheme.objects.filter(code="default").exists():
        return
    scheme = Scheme.objects.create(
        code="default",
        name="服务质量综合评价（默认）",
        name_en="Service quality composite (default)",
        description="顾客满意度 40%，可靠性 30%，响应性 20%，保证性 10%。",
    )
    _create_tree(scheme, DEFAULT_TREE)


def _children(scheme: Scheme, parent_code: str) -> tuple[Indicator | None, list[Indicator]]:
    inds = selectors.indicators(scheme)
    if not parent_code:
        return None, [i for i in inds if i.parent_id is None]
    parent = next((i for i in inds if i.code == parent_code), None)
    if parent is None:
        raise ValidationFailed(
            _("Unknown indicator."), fields={"parent": [_("No indicator with this code.")]}
        )
    return parent, [i for i in inds if i.parent_id == parent.pk]


def _save_weights(
    actor: Any,
    scheme: Scheme,
    children: list[Indicator],
    weights: dict[str, float],
    method: str,
    extra: dict[str, Any],
) -> dict[str, float]:
    before = {c.code: c.weight for c in children}
    for c in children:
        c.weight = float(weights[c.code])
        c.weight_method = method
        c.save(update_fields=["weight", "weight_method"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=scheme,
        before={"weights": before},
        after={"weights": {c.code: c.weight for c in children}},
        verb=f"weights {method}",
        extra=extra,
    )
    return {c.code: c.weight for c in children}


@transaction.atomic
def set_weights(
    *, actor: Any, scheme: Scheme, parent: str = "", weights: dict[str, float]
) -> dict[str, float]:
    """Weights by hand: one non-negative number per child, normalised to sum to 1."""
    require_perm(actor, "evaluation.change_scheme")
    _parent, children = _children(scheme, parent)
    codes = {c.code for c in children}
    bad = {k: [_("Not a sub-indicator here.")] for k in weights if k not in codes}
    bad.update({c: [_("A weight is required.")] for c in codes if c not in weights})
    bad.update({k: [_("Must be zero or more.")] for k, v in weights.items() if k in codes and v < 0})
    if bad or sum(weights.values()) <= 0:
        raise ValidationFailed(
            _("Check the weights."), fields=bad or {"weights": [_("The weights sum to zero.")]}
        )
    total = sum(weights.values())
    return _save_weights(actor, scheme, children, {k: v / total for k, v in weights.items()}, "manual", {})


def revision_text(r: dict[str, Any], names: dict[str, str] | None = None) -> str:
    names = names or {}
    return _("%(i)s vs %(j)s: now %(current)s, revise to %(suggested)s (CR would be %(cr).3f)") % {
        "i": names.get(r["i"], r["i"]),
        "j": names.get(r["j"], r["j"]),
        "current": _judgement(r["current"]),
        "suggested": _judgement(r["suggested"]),
        "cr": r["cr_after"],
    }


def _judgement(v: float) -> str:
    return f"{v:g}" if v >= 1 else f"1/{1 / v:.0f}"


@transaction.atomic
def set_ahp_weights(
    *, actor: Any, scheme: Scheme, parent: str = "", matrix: list[list[float]]
) -> dict[str, Any]:
    """AHP weights for the children of ``parent`` (top level when empty) from a pairwise matrix in the
    children's order. CR >= 0.1 is refused with the judgements to revise; nothing is changed then."""
    require_perm(actor, "evaluation.change_scheme")
    _parent, children = _children(scheme, parent)
    names = [c.code for c in children]
    if len(matrix) != len(names) or any(len(row) != len(names) for row in matrix):
        raise ValidationFailed(
            _("Check the judgements."),
            fields={"matrix": [_("Give a %(n)s × %(n)s matrix.") % {"n": len(names)}]},
        )
    try:
        outcome = domain.ahp_weights(names, matrix)
    except ValueError as exc:
        raise ValidationFailed(_("Check the judgements."), fields={"matrix": [str(exc)]}) from exc
    if not outcome.ok:
        raise ValidationFailed(
            _("The judgements are inconsistent (CR = %(cr).3f ≥ 0.1): revise them.") % {"cr": outcome.cr},
            fields={
                "matrix": [
                    revision_text(r, {c.code: str(c) for c in children}) for r in outcome.revisions[:3]
                ]
            },
        )
    scheme.ahp = {**scheme.ahp, parent or "_": {"names": names, "matrix": matrix, "cr": outcome.cr}}
    scheme.save(update_fields=["ahp", "updated_at"])
    weights = _save_weights(actor, scheme, children, outcome.weights, "ahp", {"cr": outcome.cr})
    return {"weights": weights, "cr": outcome.cr}


@transaction.atomic
def set_entropy_weights(
    *, actor: Any, scheme: Scheme, parent: str = "", period: str, combine: bool = False
) -> dict[str, float]:
    """Entropy weights of the children of ``parent`` from their scores across all units for ``period``;
    with ``combine`` multiplied with the stored AHP weights (combined weighting)."""
    require_perm(actor, "evaluation.change_scheme")
    _parent, children = _children(scheme, parent)
    data = selectors.evaluate(actor, scheme, period)
    codes = [c.code for c in children]
    matrix = []
    for r in data["results"]:
        scores = {i["code"]: i["score"] for i in r["indicators"]}
        if all(scores.get(c) is not None for c in codes):
            matrix.append([scores[c] for c in codes])
    try:
        weights = domain.entropy_weights(codes, matrix)
        method = "entropy"
        if combine:
            stored = scheme.ahp.get(parent or "_")
            if not stored:
                raise ValidationFailed(
                    _("Set AHP weights first."),
                    fields={"method": [_("Combined weights need AHP judgements.")]},
                )
            subjective = domain.ahp_weights(stored["names"], stored["matrix"]).weights
            weights = domain.combined_weights(
                codes, [subjective[c] for c in codes], [weights[c] for c in codes]
            )
            method = "combined"
    except ValueError as exc:
        raise ValidationFailed(
            _("Not enough data for entropy weights."), fields={"period": [str(exc)]}
        ) from exc
    return _save_weights(actor, scheme, children, weights, method, {"period": period})


@transaction.atomic
def run_evaluation(*, actor: Any, scheme: Scheme, period: str, unit: Any = None) -> dict[str, Any]:
    """Evaluate and store the results (one row per unit, replaced when run again); audited."""
    require_perm(actor, "evaluation.add_result")
    try:
        data = selectors.evaluate(actor, scheme, period, unit)
    except ValueError as exc:
        raise ValidationFailed(_("Bad period."), fields={"period": [_("Use YYYY-MM.")]}) from exc
    from sqms.org.models import OrgUnit

    ids = dict(
        OrgUnit.objects.filter(code__in=[r["unit"] for r in data["results"]]).values_list("code", "pk")
    )
    for r in data["results"]:
        Result.objects.update_or_create(
            scheme=scheme,
            org_unit_id=ids[r["unit"]],
            period=period,
            defaults={
                "score": r["score"],
                "grade": r["grade"],
                "rank": r["rank"],
                "peers": r["peers"],
                "indicators": r["indicators"],
                "fuzzy": r["fuzzy"] or {},
                "evaluated_by": actor if getattr(actor, "pk", None) else None,
            },
        )
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        instance=scheme,
        verb="evaluate",
        extra={"period": period, "unit": getattr(unit, "code", None), "units": len(data["results"])},
    )
    return data
