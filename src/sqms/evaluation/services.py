"""Evaluation writes: the shipped default scheme, weights (by hand, AHP, entropy, combined), runs that
store results; every change permission-checked and audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sqms.core import audit, dataversion
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
    """post_migrate: ship the seed's default scheme and the preset schemes once (later edits and versions
    are kept)."""
    if not Scheme.objects.filter(code="default").exists():
        _create_default_scheme()
    ensure_preset_schemes()


def _create_default_scheme() -> None:
    scheme = Scheme.objects.create(
        code="default",
        name="服务质量综合评价（默认）",
        name_en="Service quality composite (default)",
        description="顾客满意度 40%，可靠性 30%，响应性 20%，保证性 10%。",
    )
    _create_tree(scheme, DEFAULT_TREE)


def ensure_preset_schemes() -> list[str]:
    """Install the shipped presets (:mod:`sqms.evaluation.presets`) whose code is not there yet; returns
    the codes installed. Idempotent."""
    from sqms.evaluation.presets import PRESETS

    made = []
    for spec in PRESETS:
        if Scheme.objects.filter(code=spec["code"]).exists():
            continue
        with transaction.atomic():
            scheme = Scheme.objects.create(
                code=spec["code"], name=spec["name"], name_en=spec["name_en"], description=spec["description"]
            )
            _create_tree(scheme, spec["tree"])
        made.append(spec["code"])
    return made


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
    dataversion.bump("evaluation")
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
    dataversion.bump("evaluation")
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
    dataversion.bump("evaluation")
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


# --- manual scores (F3) -------------------------------------------------------------------------------


def value_range(ind: Indicator) -> tuple[float, float]:
    """The accepted raw values of a manual indicator: ``params`` min/max when given, else 1..points for a
    Likert scale, 0..divide for a ratio, and 0–100 otherwise."""
    p = ind.params or {}
    if "min" in p and "max" in p:
        return float(p["min"]), float(p["max"])
    if ind.scoring == "likert":
        return 1.0, float(p.get("points", 5))
    if ind.scoring == "ratio":
        return 0.0, float(p.get("divide", 1))
    return 0.0, 100.0


def _in_scope(actor: Any, unit: Any) -> None:
    from sqms.core.errors import NotFound
    from sqms.core.scoping import scope_for

    if unit is None or not scope_for(actor).covers_path(unit.path):
        raise NotFound()


def plan_units(plan: Any) -> list[Any]:
    """The units a plan scores: its chosen units, else its scope unit."""
    chosen = list(plan.units.order_by("path"))
    return chosen or [plan.org_unit]


@transaction.atomic
def enter_manual_score(
    *,
    actor: Any,
    indicator: Indicator,
    org_unit: Any,
    period: str,
    value: Any,
    evidence: str,
    evaluator_kind: str = "internal",
    attachment: Any = None,
    plan: Any = None,
) -> Any:
    """An evaluator's score for a manual indicator × unit × month, with its evidence (and optionally a
    file). Scoped (an out-of-scope unit is 404), validated against the indicator's scale, audited. The
    same evaluator entering the same indicator × unit × month × evaluator kind again updates the score;
    different evaluators' scores are averaged by the evaluation."""
    import math

    from sqms.core.services import create_record, update_record
    from sqms.evaluation.models import EvaluatorKind, ManualScore, PlanStatus, is_month

    require_perm(actor, "evaluation.add_manualscore")
    _in_scope(actor, org_unit)
    errors: dict[str, list[str]] = {}
    if indicator.source != "manual" or not indicator.scheme.active or indicator.scheme.archived_at:
        errors["indicator"] = [_("Choose a manual indicator of an active scheme.")]
    if not is_month(period):
        errors["period"] = [_("Use YYYY-MM.")]
    lo, hi = value_range(indicator)
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or not lo <= number <= hi:
        errors["value"] = [_("Enter a number from %(lo)g to %(hi)g.") % {"lo": lo, "hi": hi}]
    if not (evidence or "").strip():
        errors["evidence"] = [_("Describe the evidence for this score.")]
    if evaluator_kind not in EvaluatorKind.values:
        errors["evaluator_kind"] = [_("Choose internal, customer panel or third party.")]
    if plan is not None:
        if plan.archived_at or plan.status != PlanStatus.IN_PROGRESS:
            errors["plan"] = [_("Scores can be entered only while the plan is in progress.")]
        elif plan.scheme_id != indicator.scheme_id:
            errors["indicator"] = [_("This indicator is not in the plan's scheme.")]
        elif period not in plan.periods:
            errors["period"] = [_("This month is not in the plan.")]
        elif org_unit.pk not in {u.pk for u in plan_units(plan)}:
            errors["org_unit"] = [_("This unit is not in the plan.")]
        elif not (plan.evaluators.filter(pk=actor.pk).exists() or actor.has_perm("evaluation.change_plan")):
            errors["plan"] = [_("You are not an evaluator of this plan.")]
    if errors:
        raise ValidationFailed(_("Check the score."), fields=errors)
    data = {"value": number, "evidence": evidence.strip(), "plan": plan}
    if attachment:
        data["attachment"] = attachment
    existing = (
        ManualScore.objects.active()
        .filter(
            indicator=indicator,
            org_unit=org_unit,
            period=period,
            evaluator_kind=evaluator_kind,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        .first()
    )
    dataversion.bump("evaluation")
    if existing is not None:
        return update_record(existing, actor=actor, changes=data, verb="manual score")
    return create_record(
        ManualScore,
        actor=actor,
        data={
            "indicator": indicator,
            "org_unit": org_unit,
            "period": period,
            "evaluator_kind": evaluator_kind,
            **data,
        },
        verb="manual score",
    )


@transaction.atomic
def enter_manual_scores(
    *,
    actor: Any,
    rows: list[dict[str, Any]],
    org_unit: Any,
    period: str,
    evaluator_kind: str,
    plan: Any = None,
) -> list[Any]:
    """Several scores of one unit × month at once (the score entry page): all or nothing; the errors of
    every row are reported under ``<indicator code>.<field>``."""
    out, errors = [], {}
    for row in rows:
        try:
            with transaction.atomic():
                out.append(
                    enter_manual_score(
                        actor=actor,
                        indicator=row["indicator"],
                        org_unit=org_unit,
                        period=period,
                        value=row["value"],
                        evidence=row.get("evidence", ""),
                        evaluator_kind=evaluator_kind,
                        attachment=row.get("attachment"),
                        plan=plan,
                    )
                )
        except ValidationFailed as exc:
            for field, reasons in (exc.fields or {}).items():
                errors[f"{row['indicator'].code}.{field}"] = reasons
    if not rows:
        errors["value"] = [_("Enter at least one score.")]
    if errors:
        transaction.set_rollback(True)
        raise ValidationFailed(_("Check the scores."), fields=errors)
    dataversion.bump("evaluation")
    return out


def manual_indicators(scheme: Scheme) -> list[Indicator]:
    """The scheme's manual indicators in tree order (depth first, siblings by their order)."""
    inds = selectors.indicators(scheme)
    kids: dict[int | None, list[Indicator]] = {}
    for i in inds:
        kids.setdefault(i.parent_id, []).append(i)
    out: list[Indicator] = []

    def walk(parent: int | None) -> None:
        for i in kids.get(parent, []):
            if i.source == "manual":
                out.append(i)
            walk(i.pk)

    walk(None)
    return out


# --- evaluation plans (F5) ----------------------------------------------------------------------------

PLAN_NEXT = {"draft": "in_progress", "in_progress": "done"}


def plans(user: Any) -> Any:
    """The plans the user may see: those whose scope unit is in his scope (reads)."""
    from sqms.core.scoping import scope_for
    from sqms.evaluation.models import Plan

    qs = Plan.objects.filter(archived_at__isnull=True).select_related("scheme", "org_unit")
    return scope_for(user).filter(qs, path_field="org_unit__path")


def plan_progress(user: Any, plan: Any) -> dict[str, Any]:
    """The plan's units × manual indicators × months: the score entered (mean of the evaluators') or
    missing; with counts (reads)."""
    from django.db.models import Avg, Count

    inds = manual_indicators(plan.scheme)
    units = plan_units(plan)
    got = {
        (r["indicator_id"], r["org_unit_id"], r["period"]): (r["v"], r["n"])
        for r in selectors.manual_scores(user)
        .filter(indicator__in=inds, org_unit__in=units, period__in=plan.periods)
        .values("indicator_id", "org_unit_id", "period")
        .annotate(v=Avg("value"), n=Count("id"))
        .order_by()
    }
    rows = []
    done = 0
    for period in plan.periods:
        for unit in units:
            cells = []
            for ind in inds:
                value, n = got.get((ind.pk, unit.pk, period), (None, 0))
                cells.append({"indicator": ind, "value": value, "count": n})
                done += value is not None
            rows.append(
                {
                    "period": period,
                    "unit": unit,
                    "cells": cells,
                    "missing": sum(c["value"] is None for c in cells),
                }
            )
    total = len(inds) * len(units) * len(plan.periods)
    return {
        "indicators": inds,
        "rows": rows,
        "done": done,
        "total": total,
        "percent": round(100 * done / total) if total else 100,
    }


def _plan_data(data: dict[str, Any]) -> tuple[dict[str, Any], list[Any] | None, list[Any] | None]:
    data = dict(data)
    return data, data.pop("units", None), data.pop("evaluators", None)


def _check_plan_members(actor: Any, plan: Any, units: list[Any] | None) -> None:
    if units is None:
        return
    bad = [u.code for u in units if not u.path.startswith(plan.org_unit.path)]
    if bad:
        raise ValidationFailed(
            _("Check the units."),
            fields={"units": [_("Not in the scope unit's subtree: %(codes)s") % {"codes": ", ".join(bad)}]},
        )
    for u in units:
        _in_scope(actor, u)


@transaction.atomic
def create_plan(*, actor: Any, data: dict[str, Any]) -> Any:
    """A new evaluation plan (draft); ``data`` may carry ``units`` and ``evaluators`` lists. Audited."""
    from sqms.core.services import create_record
    from sqms.evaluation.models import Plan

    fields, units, evaluators = _plan_data(data)
    fields.pop("status", None)
    if fields.get("org_unit") is not None:
        _in_scope(actor, fields["org_unit"])
    plan = create_record(Plan, actor=actor, data=fields)
    _check_plan_members(actor, plan, units)
    before = {"units": [], "evaluators": []}
    if units:
        plan.units.set(units)
    if evaluators:
        plan.evaluators.set(evaluators)
    if units or evaluators:
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=plan,
            before=before,
            after=_members(plan),
            verb="plan members",
        )
    dataversion.bump("evaluation")
    return plan


def _members(plan: Any) -> dict[str, list[str]]:
    return {
        "units": sorted(plan.units.values_list("code", flat=True)),
        "evaluators": sorted(plan.evaluators.values_list("username", flat=True)),
    }


@transaction.atomic
def update_plan(*, actor: Any, plan: Any, changes: dict[str, Any], expected_updated_at: Any = None) -> Any:
    """Change a plan's fields, units, evaluators or status (draft → in progress → done only). Audited."""
    from sqms.core.services import update_record

    fields, units, evaluators = _plan_data(changes)
    status = fields.pop("status", None)
    if status is not None and status != plan.status:
        if PLAN_NEXT.get(plan.status) != status:
            raise ValidationFailed(
                _("Check the status."),
                fields={"status": [_("A plan goes from draft to in progress to done.")]},
            )
        fields["status"] = status
    if plan.status == "done" and (fields or units is not None or evaluators is not None):
        raise ValidationFailed(_("This plan is done."), fields={"status": [_("A done plan cannot change.")]})
    if fields.get("org_unit") is not None:
        _in_scope(actor, fields["org_unit"])
    plan = update_record(
        plan,
        actor=actor,
        changes=fields,
        expected_updated_at=expected_updated_at,
        verb=f"plan {status}" if status else "",
    )
    if units is not None or evaluators is not None:
        before = _members(plan)
        if units is not None:
            _check_plan_members(actor, plan, units)
            plan.units.set(units)
        if evaluators is not None:
            plan.evaluators.set(evaluators)
        after = _members(plan)
        if before != after:
            audit.record(
                actor=actor,
                action=AuditAction.UPDATE,
                instance=plan,
                before=before,
                after=after,
                verb="plan members",
            )
    dataversion.bump("evaluation")
    return plan


@transaction.atomic
def run_plan(*, actor: Any, plan: Any) -> list[dict[str, Any]]:
    """Run the plan's evaluation for each of its months over its scope unit's subtree (stored results)."""
    if plan.status == "draft":
        raise ValidationFailed(_("Start the plan first."), fields={"status": [_("The plan is a draft.")]})
    return [
        run_evaluation(actor=actor, scheme=plan.scheme, period=p, unit=plan.org_unit) for p in plan.periods
    ]
