"""Evaluation endpoints: schemes with their indicator tree, AHP and manual weights, runs and results."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from sqms.core.apibase import require
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
        return selectors.public_json(selectors.evaluate(request.user, obj, period, org_unit))
    except ValueError as exc:
        raise ValidationFailed(fields={"period": [_("Use YYYY-MM.")]}) from exc
