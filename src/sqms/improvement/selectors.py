"""Reads of the improvement app, always scoped to the user; the management review's inputs."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.utils.translation import gettext as _

from sqms.core.errors import NotFound
from sqms.core.scoping import scoped
from sqms.improvement import domain
from sqms.improvement.models import (
    CorrectiveAction,
    EffectivenessCheck,
    GoodPractice,
    ImprovementProject,
    ManagementReview,
    Nonconformity,
    ProjectTask,
    ReviewItem,
    StageGate,
    Suggestion,
)

log = logging.getLogger(__name__)


def nonconformities(user: Any) -> QuerySet[Nonconformity]:
    return scoped(user, Nonconformity.objects.active().select_related("org_unit"))


def actions(user: Any) -> QuerySet[CorrectiveAction]:
    return scoped(user, CorrectiveAction.objects.active().select_related("nonconformity", "owner"))


def checks(user: Any) -> QuerySet[EffectivenessCheck]:
    return scoped(user, EffectivenessCheck.objects.active().select_related("nonconformity", "verified_by"))


def projects(user: Any) -> QuerySet[ImprovementProject]:
    return scoped(user, ImprovementProject.objects.active().select_related("org_unit", "leader"))


def tasks(user: Any) -> QuerySet[ProjectTask]:
    return scoped(user, ProjectTask.objects.active().select_related("project", "owner"))


def gates(user: Any) -> QuerySet[StageGate]:
    return scoped(user, StageGate.objects.select_related("project", "approver"))


def suggestions(user: Any) -> QuerySet[Suggestion]:
    return scoped(user, Suggestion.objects.active().select_related("org_unit", "submitter", "pilot"))


def practices(user: Any, q: str = "", tag: str = "") -> QuerySet[GoodPractice]:
    qs = scoped(user, GoodPractice.objects.active().select_related("org_unit", "project", "nonconformity"))
    for word in (q or "").split():
        qs = qs.filter(Q(title__icontains=word) | Q(body__icontains=word) | Q(tags__icontains=word))
    if tag:
        qs = qs.filter(tags__icontains=tag)
    return qs


def reviews(user: Any) -> QuerySet[ManagementReview]:
    return scoped(user, ManagementReview.objects.active().select_related("org_unit", "chair"))


def review_items(user: Any) -> QuerySet[ReviewItem]:
    return scoped(user, ReviewItem.objects.active().select_related("review", "owner"))


def get_or_404(qs: QuerySet[Any], **lookup: Any) -> Any:
    obj = qs.filter(**lookup).first()
    if obj is None:
        raise NotFound()
    return obj


def capa_figures(user: Any, since: dt.date | None = None, until: dt.date | None = None) -> dict[str, Any]:
    """NC counts by source and severity, CAPA on-time rate and effectiveness rate in the user's scope."""
    ncs = nonconformities(user)
    acts = actions(user)
    chks = checks(user).exclude(verdict="pending")
    if since:
        ncs = ncs.filter(detected_on__gte=since)
        acts = acts.filter(due_date__gte=since)
        chks = chks.filter(after_end__gte=since)
    if until:
        ncs = ncs.filter(detected_on__lte=until)
        acts = acts.filter(due_date__lte=until)
        chks = chks.filter(after_end__lte=until)
    by_source = dict(ncs.values_list("source").annotate(n=Count("id")).order_by())
    by_severity = dict(ncs.values_list("severity").annotate(n=Count("id")).order_by())
    by_status = dict(ncs.values_list("status").annotate(n=Count("id")).order_by())
    on_time = domain.on_time_rate(list(acts.filter(status="done").values_list("due_date", "completed_on")))
    verdicts = list(chks.values_list("verdict", flat=True))
    effective = sum(1 for v in verdicts if v == "effective") / len(verdicts) if verdicts else None
    return {
        "total": sum(by_source.values()),
        "by_source": by_source,
        "by_severity": by_severity,
        "by_status": by_status,
        "open": sum(n for s, n in by_status.items() if s not in ("closed", "cancelled")),
        "actions": acts.count(),
        "actions_overdue": acts.filter(
            status__in=["planned", "in_progress"], due_date__lt=dt.date.today()
        ).count(),
        "capa_on_time_rate": on_time,
        "effectiveness_rate": effective,
        "checks": len(verdicts),
    }


def _section(name: str, fn: Any) -> Any:
    try:
        return fn()
    except Exception:  # an input whose app has no data or is not installed must not stop the review
        log.exception("management review input %s failed", name)
        return None


def review_inputs(user: Any, unit: Any, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Compile the inputs of a management review from whatever the other apps have for the period."""

    def kpis() -> dict[str, Any]:
        from sqms.kpi import selectors as kpi

        s = kpi.rollup_summary(user, unit=unit.code, since=start, until=end)
        return {
            k: s.get(k) for k in ("total", "on_time_rate", "fcr_rate", "mean_rating", "mean_response_seconds")
        }

    def feedback() -> dict[str, Any]:
        from sqms.feedback import selectors as fb

        t = fb.tickets(user).filter(
            org_unit__path__startswith=unit.path, received_at__date__gte=start, received_at__date__lte=end
        )
        r = fb.ratings(user).filter(
            org_unit__path__startswith=unit.path, rated_at__date__gte=start, rated_at__date__lte=end
        )
        return {
            "tickets": t.count(),
            "by_kind": dict(t.values_list("kind").annotate(n=Count("id")).order_by()),
            "breached": t.filter(breached=True).count(),
            "ratings": r.count(),
            "mean_score": r.aggregate(m=Avg("score"))["m"],
            "bad_reviews": r.filter(score__lte=2).count(),
        }

    def surveys() -> dict[str, Any]:
        from sqms.surveys import selectors as sv

        resp = sv.responses(user).filter(
            org_unit__path__startswith=unit.path, submitted_at__date__gte=start, submitted_at__date__lte=end
        )
        return {
            "responses": resp.count(),
            "campaigns": sorted(set(resp.values_list("campaign__name", flat=True))),
        }

    def capa() -> dict[str, Any]:
        f = capa_figures(user, start, end)
        ncs = nonconformities(user).filter(org_unit__path__startswith=unit.path)
        f["open_total"] = ncs.exclude(status__in=["closed", "cancelled"]).count()
        return f

    def improvement_projects() -> list[dict[str, Any]]:
        qs = projects(user).filter(org_unit__path__startswith=unit.path)
        return [
            {"number": p.number, "title": p.title, "stage": p.stage, "result": p.check_result}
            for p in qs[:50]
        ]

    def suggestion_figures() -> dict[str, Any]:
        qs = suggestions(user).filter(org_unit__path__startswith=unit.path, created_at__date__lte=end)
        return dict(qs.values_list("status").annotate(n=Count("id")).order_by())

    return {
        "period": [start.isoformat(), end.isoformat()],
        "unit": unit.code,
        "kpi": _section("kpi", kpis),
        "feedback": _section("feedback", feedback),
        "surveys": _section("surveys", surveys),
        "nonconformities": _section("capa", capa),
        "projects": _section("projects", improvement_projects),
        "suggestions": _section("suggestions", suggestion_figures),
    }


def review_sections(inputs: dict[str, Any]) -> list[tuple[str, list[tuple[str, Any]]]]:
    """The compiled inputs as titled (label, value) rows, for the page and the PDF minutes."""

    def pct(v: Any) -> str:
        return "—" if v is None else f"{v:.1%}"

    def num(v: Any) -> str:
        return "—" if v is None else (f"{v:.2f}" if isinstance(v, float) else str(v))

    out: list[tuple[str, list[tuple[str, Any]]]] = []
    k = inputs.get("kpi")
    if k:
        out.append(
            (
                _("Objectives and KPI summary"),
                [
                    (_("Services"), num(k.get("total"))),
                    (_("On-time rate"), pct(k.get("on_time_rate"))),
                    (_("First-contact resolution"), pct(k.get("fcr_rate"))),
                    (_("Mean rating"), num(k.get("mean_rating"))),
                ],
            )
        )
    f = inputs.get("feedback")
    if f:
        out.append(
            (
                _("Complaints and customer feedback"),
                [
                    (_("Tickets"), num(f.get("tickets"))),
                    (_("SLA breached"), num(f.get("breached"))),
                    (_("Ratings"), num(f.get("ratings"))),
                    (_("Mean score"), num(f.get("mean_score"))),
                    (_("Bad reviews"), num(f.get("bad_reviews"))),
                ],
            )
        )
    s = inputs.get("surveys")
    if s:
        out.append(
            (
                _("Customer satisfaction surveys"),
                [
                    (_("Responses"), num(s.get("responses"))),
                    (_("Campaigns"), ", ".join(s.get("campaigns") or [])),
                ],
            )
        )
    c = inputs.get("nonconformities")
    if c:
        out.append(
            (
                _("Nonconformities and CAPA"),
                [
                    (_("Nonconformities in the period"), num(c.get("total"))),
                    (_("Still open"), num(c.get("open_total"))),
                    (_("Overdue actions"), num(c.get("actions_overdue"))),
                    (_("CAPA on-time rate"), pct(c.get("capa_on_time_rate"))),
                    (_("Effectiveness rate"), pct(c.get("effectiveness_rate"))),
                ],
            )
        )
    p = inputs.get("projects")
    if p is not None:
        out.append(
            (
                _("Improvement projects"),
                [(f"{x['number']} {x['title']}", x["stage"]) for x in p] or [("—", "")],
            )
        )
    return out
