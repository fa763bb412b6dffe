"""The report sections built from the stable apps (feedback, surveys, kpi service-record rollups), and
the optional sections other apps provide through ``quality_report_section`` in their selectors."""

from __future__ import annotations

from typing import Any

from django.db.models import Avg, Count, F, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sqms.reports.domain import pct, ratio
from sqms.reports.sections import ReportPeriod, optional_app_section, register_section


def complaints_section(period: ReportPeriod, user: Any) -> dict[str, Any] | None:
    if not user.has_perm("feedback.view_ticket"):
        return None
    from sqms.feedback import analysis

    r = analysis.build(user, analysis.Filters(start=period.start, end=period.end, unit=period.unit_code))
    return {
        "figures": [
            {"label": _("Tickets"), "value": r["total"]},
            {"label": _("Complaints"), "value": r["complaints"]},
            {"label": _("SLA attainment"), "value": r["sla_attainment"], "suffix": "%"},
            {"label": _("Mean handling time (h)"), "value": r["mean_hours"]},
            {"label": _("P90 handling time (h)"), "value": r["p90_hours"]},
            {"label": _("Repeat complaint rate"), "value": r["repeat_rate"], "suffix": "%"},
        ],
        "tables": [
            {
                "title": _("Complaint categories (Pareto)"),
                "columns": [_("Category"), _("Complaints"), _("Cumulative %")],
                "rows": [[p["category"], p["count"], p["cum_pct"]] for p in r["pareto"]],
            }
        ],
        "chart": {
            "title": _("Complaints by category"),
            "labels": [p["category"] for p in r["pareto"][:8]],
            "values": [p["count"] for p in r["pareto"][:8]],
            "series": _("Complaints"),
        }
        if r["pareto"]
        else None,
        "note": "",
    }


def rating_rows(qs: Any) -> list[dict[str, Any]]:
    """好差评 per unit (direct unit, not subtree): count, good (4–5), bad (1–2), mean score."""
    rows = (
        qs.values("org_unit__code", "org_unit__name", "org_unit__path")
        .annotate(
            n=Count("id"),
            good=Count("id", filter=Q(score__gte=4)),
            bad=Count("id", filter=Q(score__lte=2)),
            mean=Avg("score"),
            score_sum=Sum("score"),
        )
        .order_by("org_unit__path")
    )
    return [
        {
            "code": r["org_unit__code"],
            "name": r["org_unit__name"],
            "n": r["n"],
            "good": r["good"],
            "bad": r["bad"],
            "good_pct": pct(r["good"], r["n"]),
            "bad_pct": pct(r["bad"], r["n"]),
            "mean": round(float(r["mean"]), 2) if r["mean"] is not None else None,
            "score_sum": r["score_sum"] or 0,
            "path": r["org_unit__path"],
        }
        for r in rows
    ]


def rectification_figures(qs: Any) -> dict[str, Any]:
    qs = qs.exclude(status="excluded")
    total = qs.count()
    done = qs.filter(status="done").count()
    on_time = qs.filter(
        completed_at__isnull=False, due_at__isnull=False, completed_at__lte=F("due_at")
    ).count()
    return {
        "total": total,
        "done": done,
        "open": total - done,
        "on_time": on_time,
        "done_pct": pct(done, total),
        "on_time_pct": pct(on_time, done),
    }


def ratings_section(period: ReportPeriod, user: Any) -> dict[str, Any] | None:
    if not user.has_perm("feedback.view_rating"):
        return None
    from sqms.feedback import selectors

    lo, hi = period.bounds()
    qs = period.in_unit(selectors.ratings(user).filter(rated_at__gte=lo, rated_at__lt=hi, excluded=False))
    n = qs.count()
    good = qs.filter(score__gte=4).count()
    bad = qs.filter(score__lte=2).count()
    by_score = dict(qs.values_list("score").annotate(c=Count("id")))
    rects = rectification_figures(
        period.in_unit(selectors.rectifications(user).filter(created_at__gte=lo, created_at__lt=hi))
    )
    rows = rating_rows(qs)
    return {
        "figures": [
            {"label": _("Ratings"), "value": n},
            {"label": _("Good-review rate"), "value": pct(good, n), "suffix": "%"},
            {"label": _("Bad-review rate"), "value": pct(bad, n), "suffix": "%"},
            {"label": _("Rectification orders"), "value": rects["total"]},
            {"label": _("Rectified"), "value": rects["done"]},
            {"label": _("Rectified on time"), "value": rects["on_time_pct"], "suffix": "%"},
        ],
        "tables": [
            {
                "title": _("Good and bad reviews by unit"),
                "columns": [_("Unit"), _("Ratings"), _("Good"), _("Bad"), _("Good %"), _("Mean score")],
                "rows": [[r["name"], r["n"], r["good"], r["bad"], r["good_pct"], r["mean"]] for r in rows],
            }
        ],
        "chart": {
            "title": _("Ratings by score"),
            "labels": [str(s) for s in range(5, 0, -1)],
            "values": [int(by_score.get(s, 0)) for s in range(5, 0, -1)],
            "series": _("Ratings"),
        }
        if n
        else None,
        "note": _("Ratings excluded after upheld appeals are not counted."),
    }


def surveys_section(period: ReportPeriod, user: Any) -> dict[str, Any] | None:
    if not user.has_perm("surveys.view_campaign"):
        return None
    from sqms.surveys import selectors

    lo, hi = period.bounds()
    responses = period.in_unit(selectors.responses(user).filter(submitted_at__gte=lo, submitted_at__lt=hi))
    ids = list(responses.values_list("campaign_id", flat=True).distinct())
    if not ids:
        return None
    rows = []
    total_included = 0
    for campaign in selectors.campaigns(user).filter(pk__in=ids).order_by("code"):
        res = selectors.results(
            user,
            campaign,
            selectors.Filters(unit=period.unit, start=period.start, end=period.end, status="included"),
        )
        n = res["filtered"]
        total_included += n
        csat = res["csat"][0]["share"] * 100 if res["csat"] else None
        nps = res["nps"][0]["nps"] if res["nps"] else None
        alpha = (res["alpha_overall"] or {}).get("alpha")
        rows.append(
            [
                campaign.name,
                n,
                None if csat is None else round(csat, 1),
                None if nps is None else round(nps, 1),
                None if alpha is None else round(alpha, 3),
            ]
        )
    excluded = responses.filter(included=False).count()
    return {
        "figures": [
            {"label": _("Responses (included)"), "value": total_included},
            {"label": _("Excluded by cleaning"), "value": excluded},
            {"label": _("Campaigns"), "value": len(rows)},
        ],
        "tables": [
            {
                "title": _("Survey campaigns"),
                "columns": [_("Campaign"), _("Responses"), _("CSAT %"), _("NPS"), _("Cronbach's α")],
                "rows": rows,
            }
        ],
        "chart": {
            "title": _("CSAT by campaign (%)"),
            "labels": [r[0] for r in rows if r[2] is not None][:8],
            "values": [r[2] for r in rows if r[2] is not None][:8],
            "series": _("CSAT %"),
        }
        if any(r[2] is not None for r in rows)
        else None,
        "note": _(
            "CSAT is the top-two-box share of the first satisfaction item; α over all dimension items."
        ),
    }


def performance_section(period: ReportPeriod, user: Any) -> dict[str, Any] | None:
    if not user.has_perm("kpi.view_dailyrollup"):
        return None
    from sqms.kpi import selectors

    s = selectors.rollup_summary(user, unit=period.unit_code or None, since=period.start, until=period.end)
    if not s["total"]:
        return None
    qs = selectors.rollups(user, unit=period.unit_code or None, since=period.start, until=period.end)
    by_unit = (
        qs.values("org_unit__name", "org_unit__path")
        .annotate(
            total=Sum("total"),
            on_time=Sum("on_time"),
            with_promise=Sum("with_promise"),
            fcr=Sum("fcr"),
            rating_sum=Sum("rating_sum"),
            rating_count=Sum("rating_count"),
        )
        .order_by("org_unit__path")
    )

    def hours(seconds: float | None) -> float | None:
        return None if seconds is None else round(seconds / 3600, 1)

    rows = [
        [
            r["org_unit__name"],
            r["total"],
            pct(r["on_time"], r["with_promise"]),
            pct(r["fcr"], r["total"]),
            ratio(r["rating_sum"], r["rating_count"]),
        ]
        for r in by_unit
    ]
    return {
        "figures": [
            {"label": _("Services"), "value": s["total"]},
            {"label": _("On-time rate"), "value": pct(s["on_time"], s["with_promise"]), "suffix": "%"},
            {"label": _("First-contact resolution"), "value": pct(s["fcr"], s["total"]), "suffix": "%"},
            {"label": _("Mean rating"), "value": ratio(s["rating_sum"], s["rating_count"])},
            {"label": _("Mean handling time (h)"), "value": hours(s["mean_handling_seconds"])},
            {"label": _("P90 handling time (h)"), "value": hours(s["p90_handling_seconds"])},
        ],
        "tables": [
            {
                "title": _("Service performance by unit"),
                "columns": [_("Unit"), _("Services"), _("On-time %"), _("FCR %"), _("Mean rating")],
                "rows": rows,
            }
        ],
        "chart": {
            "title": _("Services by unit"),
            "labels": [r[0] for r in rows][:10],
            "values": [r[1] for r in rows][:10],
            "series": _("Services"),
        },
        "note": _("From the daily rollups of the service records."),
    }


def register_all() -> None:
    register_section("evaluation", 10, gettext_lazy("Evaluation results"), optional_app_section("evaluation"))
    register_section("kpis", 20, gettext_lazy("KPIs and quality objectives"), optional_app_section("kpi"))
    register_section("performance", 30, gettext_lazy("Service performance"), performance_section)
    register_section("complaints", 40, gettext_lazy("Complaints"), complaints_section)
    register_section("ratings", 50, gettext_lazy("Good/bad reviews and rectification"), ratings_section)
    register_section("surveys", 60, gettext_lazy("Satisfaction surveys"), surveys_section)
    register_section("audits", 70, gettext_lazy("Audits and inspections"), optional_app_section("audits"))
    register_section(
        "improvement", 80, gettext_lazy("CAPA and improvement"), optional_app_section("improvement")
    )
    register_section(
        "documents", 90, gettext_lazy("Documents and training"), optional_app_section("documents")
    )
    register_section(
        "people", 95, gettext_lazy("Scorecards, rewards and penalties"), optional_app_section("people")
    )
