"""Send a weak indicator of an evaluation result to improvement: one click on the evaluation result page
opens a PDCA project for the unit, prefilled with the indicator, its score and the period (evaluation
sits below improvement, so the evaluation page only links to this view by its URL name)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sqms.core.errors import DomainError, NotFound, ValidationFailed
from sqms.improvement import services


def project_from_evaluation(*, actor: Any, scheme: str, period: str, unit: str, indicator: str) -> Any:
    """A new improvement project for ``unit``'s indicator ``indicator`` in the evaluation of ``scheme``
    for ``period`` (evaluated again now, in the actor's scope); created through the improvement services
    (permission, audit, numbering)."""
    from sqms.evaluation import selectors as ev
    from sqms.kpi.domain import period_bounds
    from sqms.org.selectors import unit_by_code

    try:
        scheme_obj = ev.scheme_by_code(scheme)
    except NotFound as exc:
        raise ValidationFailed(fields={"scheme": [_("Unknown evaluation scheme.")]}) from exc
    try:
        start, end = period_bounds("month", period)
    except ValueError as exc:
        raise ValidationFailed(fields={"period": [_("Use YYYY-MM.")]}) from exc
    org_unit = unit_by_code(actor, unit)
    inds = ev.indicators(scheme_obj)
    ind = next((i for i in inds if i.code == indicator), None)
    if ind is None:
        raise ValidationFailed(fields={"indicator": [_("No indicator with this code in the scheme.")]})
    (result,) = ev.evaluate_units(actor, scheme_obj, inds, [org_unit], period, fuzzy=False)
    row = next(r for r in result["indicators"] if r["code"] == indicator)
    kpi_code = (
        ind.kpi_code
        if ind.source == "kpi" and ind.kpi_code in {k.code for k in services.testable_kpis()}
        else ""
    )
    score = "—" if row["score"] is None else f"{row['score']:.1f}"
    data = {
        "title": (_("Improve %(indicator)s at %(unit)s") % {"indicator": row["name"], "unit": org_unit.name})[
            :200
        ],
        "org_unit": org_unit,
        # whoever sends the indicator leads the project until it is reassigned (never leaderless)
        "leader": actor if getattr(actor, "pk", None) else None,
        "problem": _(
            "Evaluation %(scheme)s, %(period)s: indicator %(indicator)s scored %(score)s of 100 "
            "(unit composite %(total)s, grade %(grade)s)."
        )
        % {
            "scheme": scheme_obj.code,
            "period": period,
            "indicator": row["name"],
            "score": score,
            "total": "—" if result["score"] is None else f"{result['score']:.1f}",
            "grade": result["grade"] or "—",
        },
        "kpi_code": kpi_code,
        "baseline_start": start,
        "baseline_end": end,
    }
    return services.create_project(actor=actor, data=data)


@staff_member_required
@require_POST
def from_evaluation(request: HttpRequest) -> HttpResponse:
    post = request.POST
    back = post.get("next") or reverse("evaluation:index")
    if not back.startswith("/"):
        back = reverse("evaluation:index")
    try:
        project = project_from_evaluation(
            actor=request.user,
            scheme=post.get("scheme", ""),
            period=post.get("period", ""),
            unit=post.get("unit", ""),
            indicator=post.get("indicator", ""),
        )
    except NotFound:
        messages.error(request, _("Unknown org unit."))
        return HttpResponseRedirect(back)
    except DomainError as exc:
        reasons = [f"{k}: {r}" for k, rs in (exc.fields or {}).items() for r in rs]
        messages.error(request, " ".join([exc.message, *reasons]))
        return HttpResponseRedirect(back)
    messages.success(request, _("Improvement project %(number)s created.") % {"number": project.number})
    return HttpResponseRedirect(reverse("improvement:project_detail", args=[project.pk]))
