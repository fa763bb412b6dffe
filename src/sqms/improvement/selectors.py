"""Reads of the improvement app, always scoped to the user; the management review's inputs."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
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


def capa_figures(
    user: Any, since: dt.date | None = None, until: dt.date | None = None, unit_path: str = ""
) -> dict[str, Any]:
    """NC counts by source and severity, CAPA on-time rate and effectiveness rate in the user's scope
    (``unit_path`` limits to that subtree)."""
    ncs = nonconformities(user)
    acts = actions(user)
    chks = checks(user).exclude(verdict="pending")
    if unit_path:
        ncs = ncs.filter(org_unit__path__startswith=unit_path)
        acts = acts.filter(nonconformity__org_unit__path__startswith=unit_path)
        chks = chks.filter(nonconformity__org_unit__path__startswith=unit_path)
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


# --- management review inputs ------------------------------------------------------------------------------
#
# The review pack reads the apps below improvement through their public selectors (kpi, evaluation,
# feedback, surveys). Apps above improvement (audits) add their input with ``register_review_input`` in
# their AppConfig.ready(): ``fn(user, unit, start, end) -> dict`` (JSON-safe), stored under its key.

ReviewInputFn = Callable[[Any, Any, dt.date, dt.date], "dict[str, Any] | None"]
REVIEW_INPUTS: dict[str, ReviewInputFn] = {}


def register_review_input(key: str, fn: ReviewInputFn) -> None:
    """Add (or replace) a management-review input provided by an app above improvement."""
    if not key or not callable(fn):
        raise ValueError("register_review_input needs a key and a callable")
    REVIEW_INPUTS[key] = fn


def _section(name: str, fn: Any) -> Any:
    try:
        return fn()
    except Exception:  # an input whose app has no data or is not installed must not stop the review
        log.exception("management review input %s failed", name)
        return None


def _month_key(day: dt.date) -> str:
    return f"{day.year}-{day.month:02d}"


def review_inputs(user: Any, unit: Any, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Compile the inputs of a management review of ``unit`` (and its subtree) for ``start``–``end`` from
    what the other apps hold, read in the user's scope. Codes (statuses, grades) are stored, labels are
    translated when shown, so the pack reads right in either language."""
    from django.utils import timezone

    today = min(end, timezone.localdate())

    def kpis() -> dict[str, Any]:
        from sqms.kpi import selectors as kpi

        s = kpi.rollup_summary(user, unit=unit.code, since=start, until=end)
        return {
            k: s.get(k) for k in ("total", "on_time_rate", "fcr_rate", "mean_rating", "mean_response_seconds")
        }

    def kpi_status() -> list[dict[str, Any]]:
        from sqms.kpi import domain as kpi_domain
        from sqms.kpi import selectors as kpi

        rows = []
        for d in kpi.kpis():
            value = kpi.latest_value(user, d, unit, start, end)
            t = kpi.thresholds(d, unit)
            rows.append(
                {
                    "code": d.code,
                    "name": d.name,
                    "name_en": d.name_en or d.name,
                    "unit": d.unit,
                    "value": None if value is None else round(float(value), 4),
                    "target": t.target,
                    "status": kpi_domain.rag(value, t),
                }
            )
        return rows

    def objectives() -> list[dict[str, Any]]:
        from sqms.kpi import selectors as kpi

        qs = kpi.objectives(user).filter(
            org_unit__path__startswith=unit.path, start__lte=end, deadline__gte=start
        )
        out = []
        for o in qs.order_by("deadline", "id")[:50]:
            f = kpi.objective_figures(user, o, today)
            out.append(
                {
                    "statement": o.statement,
                    "kpi": o.kpi.code,
                    "unit": o.org_unit.name,
                    "baseline": o.baseline,
                    "target": o.target,
                    "deadline": o.deadline.isoformat(),
                    "current": None if f["current"] is None else round(float(f["current"]), 4),
                    "progress": f["progress"],
                    "status": f["status"],
                }
            )
        return out

    def evaluation() -> dict[str, Any]:
        from sqms.evaluation import selectors as ev

        qs = ev.results(user).filter(
            org_unit__path__startswith=unit.path,
            period__gte=_month_key(start),
            period__lte=_month_key(end),
            score__isnull=False,
        )
        periods = sorted(set(qs.values_list("period", flat=True)))
        if not periods:
            return {"periods": [], "latest": None, "units": [], "mean_by_period": {}}
        latest = periods[-1]
        mean_by_period = {
            p: round(float(m), 2)
            for p, m in qs.values_list("period").annotate(m=Avg("score")).order_by("period")
        }
        rows = qs.filter(period=latest).order_by("scheme_id", "rank", "-score")[:30]
        return {
            "periods": periods,
            "latest": latest,
            "mean_by_period": mean_by_period,
            "units": [
                {
                    "unit": r.org_unit.name,
                    "scheme": r.scheme.name,
                    "score": round(float(r.score), 2),
                    "grade": r.grade,
                    "rank": r.rank,
                    "peers": r.peers,
                }
                for r in rows
            ],
        }

    def feedback() -> dict[str, Any]:
        from sqms.feedback import selectors as fb

        t = fb.tickets(user).filter(
            org_unit__path__startswith=unit.path, received_at__date__gte=start, received_at__date__lte=end
        )
        r = fb.ratings(user).filter(
            org_unit__path__startswith=unit.path, rated_at__date__gte=start, rated_at__date__lte=end
        )
        n = r.count()
        good = r.filter(score__gte=4).count()
        return {
            "tickets": t.count(),
            "by_kind": dict(t.values_list("kind").annotate(n=Count("id")).order_by()),
            "breached": t.filter(breached=True).count(),
            "ratings": n,
            "mean_score": r.aggregate(m=Avg("score"))["m"],
            "good_rate": good / n if n else None,
            "bad_reviews": r.filter(score__lte=2).count(),
        }

    def surveys() -> dict[str, Any]:
        from sqms.surveys import selectors as sv

        resp = sv.responses(user).filter(
            org_unit__path__startswith=unit.path, submitted_at__date__gte=start, submitted_at__date__lte=end
        )
        ids = list(resp.values_list("campaign_id", flat=True).distinct())
        campaigns = []
        for c in sv.campaigns(user).filter(pk__in=ids).order_by("code")[:20]:
            res = sv.results(user, c, sv.Filters(unit=unit, start=start, end=end, status="included"))
            campaigns.append(
                {
                    "name": c.name,
                    "responses": res["filtered"],
                    "csat": res["csat"][0]["share"] if res["csat"] else None,
                    "nps": res["nps"][0]["nps"] if res["nps"] else None,
                }
            )
        return {
            "responses": resp.count(),
            "included": resp.filter(included=True).count(),
            "campaigns": campaigns,
        }

    def capa() -> dict[str, Any]:
        f = capa_figures(user, start, end, unit.path)
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

    out: dict[str, Any] = {
        "period": [start.isoformat(), end.isoformat()],
        "unit": unit.code,
        "objectives": _section("objectives", objectives),
        "kpi_status": _section("kpi_status", kpi_status),
        "kpi": _section("kpi", kpis),
        "evaluation": _section("evaluation", evaluation),
        "feedback": _section("feedback", feedback),
        "surveys": _section("surveys", surveys),
        "nonconformities": _section("capa", capa),
        "projects": _section("projects", improvement_projects),
        "suggestions": _section("suggestions", suggestion_figures),
    }
    for key, fn in sorted(REVIEW_INPUTS.items()):
        out[key] = _section(key, lambda fn=fn: fn(user, unit, start, end))
    return out


def review_sections(inputs: dict[str, Any]) -> list[tuple[str, list[tuple[str, Any]]]]:
    """The compiled inputs as titled (label, value) rows, for the page and the PDF minutes, in the active
    language (labels of stored codes are translated here)."""
    from django.utils.translation import get_language, pgettext

    from sqms.improvement.models import Stage, SuggestionStatus

    en = (get_language() or "").startswith("en")

    def pct(v: Any) -> str:
        return "—" if v is None else f"{v:.1%}"

    def num(v: Any) -> str:
        if v is None:
            return "—"
        if isinstance(v, float):
            return f"{v:.4g}" if abs(v) < 1 else f"{v:.2f}"
        return str(v)

    def with_unit(v: Any, unit: Any) -> str:
        return "—" if v is None else num(v) + (unit or "")

    rag = {
        "green": pgettext("KPI status", "On target"),
        "amber": pgettext("KPI status", "Warning"),
        "red": pgettext("KPI status", "Critical"),
        "none": pgettext("KPI status", "No data"),
    }
    objective_status = {
        "achieved": pgettext("objective", "Achieved"),
        "on_track": pgettext("objective", "On track"),
        "at_risk": pgettext("objective", "At risk"),
        "missed": pgettext("objective", "Missed"),
        "no_data": pgettext("objective", "No data"),
    }
    ticket_kinds = {
        "complaint": pgettext("ticket kind", "Complaints"),
        "suggestion": pgettext("ticket kind", "Suggestions"),
        "compliment": pgettext("ticket kind", "Compliments"),
        "inquiry": pgettext("ticket kind", "Inquiries"),
        "review": pgettext("ticket kind", "Reviews"),
    }
    out: list[tuple[str, list[tuple[str, Any]]]] = []
    o = inputs.get("objectives")
    if o is not None:
        out.append(
            (
                _("Quality objectives"),
                [
                    (
                        x["statement"],
                        _("%(current)s (target %(target)s, by %(deadline)s) · %(status)s")
                        % {
                            "current": num(x.get("current")),
                            "target": num(x.get("target")),
                            "deadline": x.get("deadline", ""),
                            "status": objective_status.get(x.get("status", ""), x.get("status", "")),
                        },
                    )
                    for x in o
                ]
                or [(_("No quality objectives for the period."), "")],
            )
        )
    ks = inputs.get("kpi_status")
    if ks:
        out.append(
            (
                _("KPI status"),
                [
                    (
                        x["name_en"] if en else x["name"],
                        _("%(value)s (target %(target)s) · %(status)s")
                        % {
                            "value": with_unit(x.get("value"), x.get("unit")),
                            "target": with_unit(x.get("target"), x.get("unit")),
                            "status": rag.get(x.get("status", ""), x.get("status", "")),
                        },
                    )
                    for x in ks
                ],
            )
        )
    k = inputs.get("kpi")
    if k:
        out.append(
            (
                _("Service performance"),
                [
                    (_("Services"), num(k.get("total"))),
                    (_("On-time rate"), pct(k.get("on_time_rate"))),
                    (_("First-contact resolution"), pct(k.get("fcr_rate"))),
                    (_("Mean rating"), num(k.get("mean_rating"))),
                ],
            )
        )
    e = inputs.get("evaluation")
    if e is not None:
        rows: list[tuple[str, Any]] = [
            (_("Mean composite score %(period)s") % {"period": p}, num(m))
            for p, m in (e.get("mean_by_period") or {}).items()
        ]
        rows += [
            (
                f"{x['unit']} ({x['scheme']})",
                _("%(score)s · grade %(grade)s · rank %(rank)s of %(peers)s")
                % {
                    "score": num(x.get("score")),
                    "grade": x.get("grade") or "—",
                    "rank": x.get("rank") or "—",
                    "peers": x.get("peers") or "—",
                },
            )
            for x in e.get("units") or []
        ]
        out.append(
            (
                _("Evaluation results") + (f" ({e['latest']})" if e.get("latest") else ""),
                rows or [(_("No evaluation results for the period."), "")],
            )
        )
    a = inputs.get("audits")
    if a:
        out.append(
            (
                _("Audits and inspections"),
                [
                    (_("Audits in the period"), num(a.get("audits"))),
                    (_("Audit findings"), num(a.get("findings"))),
                    (_("Nonconformities found"), num(a.get("nonconformity_findings"))),
                    (_("Major nonconformities"), num(a.get("major_findings"))),
                    (_("Open nonconformity findings"), num(a.get("open_findings"))),
                    (_("Inspections completed"), num(a.get("inspections"))),
                    (
                        _("Mean inspection score"),
                        "—" if a.get("mean_score") is None else f"{a['mean_score']:.1f}%",
                    ),
                    (
                        _("Inspection pass rate"),
                        "—" if a.get("pass_rate") is None else f"{a['pass_rate']:.1f}%",
                    ),
                    *[
                        (_("Clause %(clause)s findings") % {"clause": c["number"]}, num(c.get("total")))
                        for c in (a.get("by_clause") or [])[:5]
                    ],
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
                    *[
                        (str(ticket_kinds.get(kind, kind)), num(n))
                        for kind, n in sorted((f.get("by_kind") or {}).items())
                    ],
                    (_("SLA breached"), num(f.get("breached"))),
                    (_("Ratings"), num(f.get("ratings"))),
                    (_("Mean score"), num(f.get("mean_score"))),
                    (_("Good-review rate"), pct(f.get("good_rate"))),
                    (_("Bad reviews"), num(f.get("bad_reviews"))),
                ],
            )
        )
    s = inputs.get("surveys")
    if s:
        camps = s.get("campaigns") or []
        out.append(
            (
                _("Customer satisfaction surveys"),
                [
                    (_("Responses"), num(s.get("responses"))),
                    (_("Responses included after cleaning"), num(s.get("included"))),
                    *[
                        (
                            c["name"] if isinstance(c, dict) else str(c),
                            _("%(n)s responses · CSAT %(csat)s · NPS %(nps)s")
                            % {
                                "n": c.get("responses"),
                                "csat": pct(c.get("csat")),
                                "nps": num(c.get("nps")),
                            }
                            if isinstance(c, dict)
                            else "",
                        )
                        for c in camps
                    ],
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
        stages = dict(Stage.choices)
        out.append(
            (
                _("Improvement projects"),
                [(f"{x['number']} {x['title']}", str(stages.get(x["stage"], x["stage"]))) for x in p]
                or [("—", "")],
            )
        )
    sg = inputs.get("suggestions")
    if sg:
        statuses = dict(SuggestionStatus.choices)
        out.append(
            (
                _("Staff suggestions"),
                [(str(statuses.get(k, k)), num(n)) for k, n in sg.items()],
            )
        )
    return out


def improvement_summary(user: Any, start: dt.date, end: dt.date, unit_path: str = "") -> dict[str, Any]:
    """CAPA and improvement figures of the period in the user's scope (``unit_path``: that subtree only)."""
    from django.utils import timezone

    f = capa_figures(user, start, end, unit_path)
    ncs = nonconformities(user)
    prj = projects(user)
    sug = suggestions(user)
    if unit_path:
        ncs = ncs.filter(org_unit__path__startswith=unit_path)
        prj = prj.filter(org_unit__path__startswith=unit_path)
        sug = sug.filter(org_unit__path__startswith=unit_path)
    period_ncs = ncs.filter(detected_on__gte=start, detected_on__lte=end)
    matrix: dict[str, dict[str, int]] = {}
    for source, severity, n in (
        period_ncs.values_list("source", "severity").annotate(n=Count("id")).order_by()
    ):
        matrix.setdefault(source, {})[severity] = n
    tz = timezone.get_current_timezone()
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tz)
    lo = dt.datetime.combine(start, dt.time.min, tz)
    # Projects that were running at some time in the period: created before its end, not closed before it.
    running = prj.filter(created_at__lt=hi).exclude(closed_at__lt=lo)
    period_sug = sug.filter(created_at__gte=lo, created_at__lt=hi)
    return {
        **f,
        "open_now": ncs.exclude(status__in=["closed", "cancelled"]).count(),
        "closed_in_period": ncs.filter(closed_at__gte=lo, closed_at__lt=hi).count(),
        "by_source_severity": matrix,
        "projects": [
            {"number": p.number, "title": p.title, "stage": p.stage, "result": p.check_result}
            for p in running.order_by("number")[:50]
        ],
        "projects_running": running.count(),
        "projects_closed": prj.filter(closed_at__gte=lo, closed_at__lt=hi).count(),
        "suggestions": period_sug.count(),
        "suggestions_adopted": period_sug.filter(status__in=["pilot", "rolled_out"]).count(),
        "suggestions_by_status": dict(period_sug.values_list("status").annotate(n=Count("id")).order_by()),
    }


def quality_report_section(
    user: Any, start: dt.date, end: dt.date, unit_path: str = ""
) -> dict[str, Any] | None:
    """The "CAPA and improvement" section of the quality report (picked up by sqms.reports)."""
    from django.utils.translation import pgettext

    from sqms.improvement.models import Severity, Source, Stage

    if not user.has_perm("improvement.view_nonconformity"):
        return None
    s = improvement_summary(user, start, end, unit_path)
    if not (s["total"] or s["open_now"] or s["actions"] or s["projects_running"] or s["suggestions"]):
        return None

    def pct(v: float | None) -> float | None:
        return None if v is None else round(100 * v, 1)

    sources = dict(Source.choices)
    severities = dict(Severity.choices)
    stages = dict(Stage.choices)
    matrix = s["by_source_severity"]
    tables = [
        {
            "title": _("Nonconformities by source and severity"),
            "columns": [
                pgettext("report column", "Source"),
                *[str(v) for v in severities.values()],
                pgettext("report column", "Total"),
            ],
            "rows": [
                [
                    str(sources[k]),
                    *[matrix.get(k, {}).get(sev, 0) for sev in severities],
                    sum(matrix.get(k, {}).values()),
                ]
                for k in sources
                if k in matrix
            ],
        },
        {
            "title": _("Improvement projects in the period"),
            "columns": [_("Project"), pgettext("PDCA", "Stage")],
            "rows": [
                [f"{p['number']} {p['title']}", str(stages.get(p["stage"], p["stage"]))]
                for p in s["projects"]
            ],
        },
    ]
    return {
        "figures": [
            {"label": _("Nonconformities in the period"), "value": s["total"]},
            {"label": _("Nonconformities closed in the period"), "value": s["closed_in_period"]},
            {"label": _("Open nonconformities now"), "value": s["open_now"]},
            {"label": _("Actions due in the period"), "value": s["actions"]},
            {"label": _("CAPA on-time rate"), "value": pct(s["capa_on_time_rate"]), "suffix": "%"},
            {"label": _("Overdue actions"), "value": s["actions_overdue"]},
            {"label": _("Effectiveness rate"), "value": pct(s["effectiveness_rate"]), "suffix": "%"},
            {"label": _("Improvement projects running"), "value": s["projects_running"]},
            {"label": _("Improvement projects closed"), "value": s["projects_closed"]},
            {"label": _("Staff suggestions"), "value": s["suggestions"]},
            {"label": _("Suggestions adopted"), "value": s["suggestions_adopted"]},
        ],
        "tables": [t for t in tables if t["rows"]],
        "chart": {
            "title": _("Nonconformities by source"),
            "labels": [str(sources.get(k, k)) for k in s["by_source"]],
            "values": list(s["by_source"].values()),
            "series": _("Nonconformities"),
        }
        if s["by_source"]
        else None,
        "note": _(
            "Actions count when due in the period; the on-time rate is over the actions done; the "
            "effectiveness rate is over the checks signed off."
        ),
    }
