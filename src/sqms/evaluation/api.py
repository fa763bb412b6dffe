"""Evaluation endpoints: schemes with their indicator tree, AHP and manual weights, runs and results."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from sqms.core.apibase import Mapped, Page, require
from sqms.evaluation import selectors, services
from sqms.org.selectors import unit_by_code

router = Router(tags=["evaluation"])


class IndicatorOut(Schema):
    code: str
    name: str
    parent: str | None
    weight: float
    weight_method: str
    source: str
    kpi_code: str
    scoring: str
    params: dict[str, Any]


class SchemeOut(Schema):
    code: str
    version: int
    name: str
    method: str
    grades: list[dict[str, Any]]
    indicators: list[IndicatorOut]


def _scheme_out(s: Any) -> dict[str, Any]:
    inds = selectors.indicators(s)
    codes = {i.pk: i.code for i in inds}
    return {
        "code": s.code,
        "version": s.version,
        "name": s.name,
        "method": s.method,
        "grades": s.grades,
        "indicators": [
            {
                "code": i.code,
                "name": i.name,
                "parent": codes.get(i.parent_id),
                "weight": i.weight,
                "weight_method": i.weight_method,
                "source": i.source,
                "kpi_code": i.kpi_code,
                "scoring": i.scoring,
                "params": i.params,
            }
            for i in inds
        ],
    }


@router.get("/evaluation-schemes", response=list[SchemeOut])
def list_schemes(request: HttpRequest) -> Any:
    require(request, "evaluation.view_scheme")
    return [_scheme_out(s) for s in selectors.schemes()]


@router.get("/evaluation-schemes/{code}", response=SchemeOut)
def get_scheme(request: HttpRequest, code: str) -> Any:
    require(request, "evaluation.view_scheme")
    return _scheme_out(selectors.scheme_by_code(code))


class AhpIn(Schema):
    parent: str = ""
    matrix: list[list[float]]


class WeightsIn(Schema):
    parent: str = ""
    method: str = "manual"  # manual / entropy / combined
    weights: dict[str, float] = {}
    period: str = ""


@router.post("/evaluation-schemes/{code}/ahp")
def set_ahp(request: HttpRequest, code: str, payload: AhpIn) -> Any:
    """AHP weights for the children of ``parent`` from a pairwise matrix (children in scheme order).
    CR >= 0.1 answers 422 with the judgements to revise in ``fields.matrix``."""
    scheme = selectors.scheme_by_code(code)
    return services.set_ahp_weights(
        actor=request.user, scheme=scheme, parent=payload.parent, matrix=payload.matrix
    )


@router.post("/evaluation-schemes/{code}/weights")
def set_weights(request: HttpRequest, code: str, payload: WeightsIn) -> Any:
    """Weights by hand (``weights``), from the data by entropy, or combined AHP × entropy (``period``)."""
    scheme = selectors.scheme_by_code(code)
    if payload.method == "manual":
        return services.set_weights(
            actor=request.user, scheme=scheme, parent=payload.parent, weights=payload.weights
        )
    from sqms.core.errors import ValidationFailed

    if payload.method not in ("entropy", "combined"):
        raise ValidationFailed(fields={"method": [_("Use manual, entropy or combined.")]})
    return services.set_entropy_weights(
        actor=request.user,
        scheme=scheme,
        parent=payload.parent,
        period=payload.period,
        combine=payload.method == "combined",
    )


class RunIn(Schema):
    scheme: str
    period: str
    unit: str | None = None


@router.post("/evaluations", response={201: dict[str, Any]})
def run(request: HttpRequest, payload: RunIn) -> Any:
    """Run an evaluation and store its results; answers the ``sqms evaluate`` JSON shape."""
    scheme = selectors.scheme_by_code(payload.scheme)
    unit = unit_by_code(request.user, payload.unit) if payload.unit else None
    data = services.run_evaluation(actor=request.user, scheme=scheme, period=payload.period, unit=unit)
    return Status(201, selectors.public_json(data))


@router.get("/evaluations", response=dict[str, Any])
def evaluate(request: HttpRequest, scheme: str, period: str, unit: str | None = None) -> Any:
    """Evaluate without storing (same JSON shape), scoped to your units."""
    require(request, "evaluation.view_result")
    from sqms.core.errors import ValidationFailed

    obj = selectors.scheme_by_code(scheme)
    org_unit = unit_by_code(request.user, unit) if unit else None
    try:
        return selectors.public_json(selectors.evaluate_cached(request.user, obj, period, org_unit))
    except ValueError as exc:
        raise ValidationFailed(fields={"period": [_("Use YYYY-MM.")]}) from exc


# --- manual scores (F3) -------------------------------------------------------------------------------


class ManualScoreOut(Schema):
    id: int
    scheme: str
    indicator: str
    unit: str
    period: str
    value: float
    evaluator_kind: str
    evidence: str
    attachment: str | None
    plan: int | None
    entered_by: str | None
    updated_at: Any


def _score_out(s: Any) -> dict[str, Any]:
    return {
        "id": s.pk,
        "scheme": s.indicator.scheme.code,
        "indicator": s.indicator.code,
        "unit": s.org_unit.code,
        "period": s.period,
        "value": s.value,
        "evaluator_kind": s.evaluator_kind,
        "evidence": s.evidence,
        "attachment": s.attachment.name or None,
        "plan": s.plan_id,
        "entered_by": s.created_by.get_username() if s.created_by_id else None,
        "updated_at": s.updated_at,
    }


@router.get("/evaluation-manual-scores", response=list[ManualScoreOut])
@paginate(Page)
def list_manual_scores(
    request: HttpRequest,
    scheme: str | None = None,
    period: str | None = None,
    unit: str | None = None,
    plan: int | None = None,
) -> Any:
    """Manual scores in your scope, newest month first; filter by scheme code, month, unit code, plan."""
    require(request, "evaluation.view_manualscore")
    qs = selectors.manual_scores(request.user).select_related("indicator__scheme", "created_by")
    if scheme:
        qs = qs.filter(indicator__scheme__code=scheme)
    if period:
        qs = qs.filter(period=period)
    if unit:
        qs = qs.filter(org_unit=unit_by_code(request.user, unit))
    if plan is not None:
        qs = qs.filter(plan_id=plan)
    return Mapped(qs.order_by("-period", "indicator__order", "id"), _score_out)


class ManualScoreIn(Schema):
    scheme: str
    indicator: str
    unit: str
    period: str
    value: float
    evidence: str
    evaluator_kind: str = "internal"
    plan: int | None = None


def _indicator(scheme_code: str, code: str) -> Any:
    from sqms.core.errors import NotFound, ValidationFailed

    try:
        scheme = selectors.scheme_by_code(scheme_code)
    except NotFound as exc:
        raise ValidationFailed(fields={"scheme": [_("Unknown evaluation scheme.")]}) from exc
    ind = next((i for i in selectors.indicators(scheme) if i.code == code), None)
    if ind is None:
        raise ValidationFailed(fields={"indicator": [_("No indicator with this code in the scheme.")]})
    return ind


def _plan(request: HttpRequest, plan_id: int) -> Any:
    from sqms.core.errors import NotFound

    plan = services.plans(request.user).filter(pk=plan_id).first()
    if plan is None:
        raise NotFound()
    return plan


@router.post("/evaluation-manual-scores", response={201: ManualScoreOut})
def enter_manual_score(request: HttpRequest, payload: ManualScoreIn) -> Any:
    """An evaluator's score for a manual indicator × unit × month with its evidence (validated against
    the indicator's scale: 1–5 for a 5-point Likert item, 0–100 for a direct score). Entering the same
    indicator × unit × month × evaluator kind again replaces your earlier score."""
    require(request, "evaluation.add_manualscore")
    ind = _indicator(payload.scheme, payload.indicator)
    unit = unit_by_code(request.user, payload.unit)
    plan = _plan(request, payload.plan) if payload.plan is not None else None
    score = services.enter_manual_score(
        actor=request.user,
        indicator=ind,
        org_unit=unit,
        period=payload.period,
        value=payload.value,
        evidence=payload.evidence,
        evaluator_kind=payload.evaluator_kind,
        plan=plan,
    )
    return Status(201, _score_out(score))


# --- evaluation plans (F5) ----------------------------------------------------------------------------


class PlanOut(Schema):
    id: int
    title: str
    goal: str
    scheme: str
    scope: str
    units: list[str]
    periods: list[str]
    evaluators: list[str]
    evaluator_kind: str
    status: str
    progress: dict[str, int]
    updated_at: Any


def _plan_out(request: HttpRequest, p: Any) -> dict[str, Any]:
    prog = services.plan_progress(request.user, p)
    return {
        "id": p.pk,
        "title": p.title,
        "goal": p.goal,
        "scheme": p.scheme.code,
        "scope": p.org_unit.code,
        "units": [u.code for u in services.plan_units(p)],
        "periods": p.periods,
        "evaluators": sorted(p.evaluators.values_list("username", flat=True)),
        "evaluator_kind": p.evaluator_kind,
        "status": p.status,
        "progress": {"done": prog["done"], "total": prog["total"], "percent": prog["percent"]},
        "updated_at": p.updated_at,
    }


@router.get("/evaluation-plans", response=list[PlanOut])
@paginate(Page)
def list_plans(request: HttpRequest, status: str | None = None) -> Any:
    """Evaluation plans whose scope unit is in your scope, newest first, with their scoring progress."""
    require(request, "evaluation.view_plan")
    qs = services.plans(request.user)
    if status:
        qs = qs.filter(status=status)
    return Mapped(qs, lambda p: _plan_out(request, p))


class PlanIn(Schema):
    title: str
    goal: str = ""
    scheme: str
    scope: str
    units: list[str] = []
    periods: list[str]
    evaluators: list[str] = []
    evaluator_kind: str = "internal"


class PlanPatch(Schema):
    title: str | None = None
    goal: str | None = None
    units: list[str] | None = None
    periods: list[str] | None = None
    evaluators: list[str] | None = None
    evaluator_kind: str | None = None
    status: str | None = None
    expected_updated_at: Any = None


def _users(usernames: list[str]) -> list[Any]:
    from django.contrib.auth import get_user_model

    from sqms.core.errors import ValidationFailed

    found = list(get_user_model().objects.filter(username__in=usernames, is_active=True))
    missing = sorted(set(usernames) - {u.get_username() for u in found})
    if missing:
        raise ValidationFailed(
            fields={"evaluators": [_("Unknown user: %(names)s") % {"names": ", ".join(missing)}]}
        )
    return found


def _units(request: HttpRequest, codes: list[str]) -> list[Any]:
    from sqms.core.errors import NotFound, ValidationFailed

    out = []
    for code in codes:
        try:
            out.append(unit_by_code(request.user, code))
        except NotFound as exc:
            raise ValidationFailed(
                fields={"units": [_("Unknown org unit: %(code)s") % {"code": code}]}
            ) from exc
    return out


@router.post("/evaluation-plans", response={201: PlanOut})
def create_plan(request: HttpRequest, payload: PlanIn) -> Any:
    """A new plan (draft): goal, scheme code, scope unit code, units to score (in the scope's subtree;
    empty = the scope unit), months, evaluators' usernames."""
    require(request, "evaluation.add_plan")
    from sqms.core.errors import NotFound, ValidationFailed

    try:
        scheme = selectors.scheme_by_code(payload.scheme)
    except NotFound as exc:
        raise ValidationFailed(fields={"scheme": [_("Unknown evaluation scheme.")]}) from exc
    plan = services.create_plan(
        actor=request.user,
        data={
            "title": payload.title,
            "goal": payload.goal,
            "scheme": scheme,
            "org_unit": unit_by_code(request.user, payload.scope),
            "periods": payload.periods,
            "evaluator_kind": payload.evaluator_kind,
            "units": _units(request, payload.units),
            "evaluators": _users(payload.evaluators),
        },
    )
    return Status(201, _plan_out(request, plan))


@router.get("/evaluation-plans/{plan_id}", response=PlanOut)
def get_plan(request: HttpRequest, plan_id: int) -> Any:
    require(request, "evaluation.view_plan")
    return _plan_out(request, _plan(request, plan_id))


@router.patch("/evaluation-plans/{plan_id}", response=PlanOut)
def patch_plan(request: HttpRequest, plan_id: int, payload: PlanPatch) -> Any:
    """Change a plan; ``status`` moves it draft → in_progress → done."""
    require(request, "evaluation.change_plan")
    plan = _plan(request, plan_id)
    data = payload.dict(exclude_unset=True)
    expected = data.pop("expected_updated_at", None)
    if data.get("units") is not None:
        data["units"] = _units(request, data["units"])
    if data.get("evaluators") is not None:
        data["evaluators"] = _users(data["evaluators"])
    plan = services.update_plan(actor=request.user, plan=plan, changes=data, expected_updated_at=expected)
    return _plan_out(request, plan)


@router.delete("/evaluation-plans/{plan_id}", response={204: None})
def archive_plan(request: HttpRequest, plan_id: int) -> Any:
    """Archive a plan (never deleted; its scores stay)."""
    require(request, "evaluation.delete_plan")
    from sqms.core.services import archive_record

    archive_record(_plan(request, plan_id), actor=request.user)
    return Status(204, None)


@router.post("/evaluation-plans/{plan_id}/run", response=list[dict[str, Any]])
def run_plan(request: HttpRequest, plan_id: int) -> Any:
    """Run the plan's evaluation for each of its months over its scope (stored results)."""
    require(request, "evaluation.add_result")
    return [
        selectors.public_json(d) for d in services.run_plan(actor=request.user, plan=_plan(request, plan_id))
    ]
