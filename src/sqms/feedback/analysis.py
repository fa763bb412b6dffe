"""D6 analysis: category Pareto, monthly trend, SLA attainment, handling time (mean, p90), repeat rate,
bad-review rate and rectification on-time rate, for a unit subtree, period, channel and category."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from sqms.core.scoping import scoped
from sqms.feedback.domain import percentile
from sqms.feedback.models import Rating, Rectification, ServiceCategory, Ticket
from sqms.feedback.selectors import sla_judged
from sqms.org.models import OrgUnit


@dataclass
class Filters:
    start: date
    end: date
    unit: str = ""
    channel: str = ""
    category: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest) -> Filters:
        g = request.GET
        today = timezone.localdate()
        end = parse_date(g.get("end", "") or "") or today
        start = parse_date(g.get("start", "") or "") or (end - timedelta(days=365))
        return cls(
            start=start,
            end=end,
            unit=g.get("unit", ""),
            channel=g.get("channel", ""),
            category=g.get("category", ""),
        )

    def bounds(self) -> tuple[datetime, datetime]:
        tz = timezone.get_current_timezone()
        return (
            datetime.combine(self.start, time.min, tz),
            datetime.combine(self.end + timedelta(days=1), time.min, tz),
        )


def _unit_path(user: Any, code: str) -> str:
    if not code:
        return ""
    unit = scoped(user, OrgUnit.objects.filter(code=code)).first()
    return unit.path if unit else "/none/"


def tickets(user: Any, f: Filters) -> QuerySet[Ticket]:
    lo, hi = f.bounds()
    qs = scoped(user, Ticket.objects.active()).filter(
        received_at__gte=lo, received_at__lt=hi, merged_into__isnull=True
    )
    path = _unit_path(user, f.unit)
    if path:
        qs = qs.filter(org_unit__path__startswith=path)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.category:
        qs = qs.filter(category__code=f.category)
    return qs


def ratings(user: Any, f: Filters) -> QuerySet[Rating]:
    lo, hi = f.bounds()
    qs = scoped(user, Rating.objects.active()).filter(rated_at__gte=lo, rated_at__lt=hi)
    path = _unit_path(user, f.unit)
    if path:
        qs = qs.filter(org_unit__path__startswith=path)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    return qs


def _pct(num: int, den: int) -> float | None:
    return round(100.0 * num / den, 1) if den else None


def build(user: Any, f: Filters, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    qs = tickets(user, f)
    total = qs.count()
    complaints = qs.filter(kind="complaint")
    n_complaints = complaints.count()
    names = {c.pk: c.name for c in ServiceCategory.objects.all()}
    pareto_rows = list(complaints.values("category_id").annotate(n=Count("id")).order_by("-n"))
    pareto, cum = [], 0
    for row in pareto_rows:
        cum += row["n"]
        pareto.append(
            {
                "category": names.get(row["category_id"], _("Uncategorised")),
                "count": row["n"],
                "cum_pct": _pct(cum, n_complaints),
            }
        )
    trend = [
        {"month": r["m"].strftime("%Y-%m"), "count": r["n"], "breached": r["b"]}
        for r in qs.annotate(m=TruncMonth("received_at"))
        .values("m")
        .annotate(n=Count("id"), b=Count("id", filter=Q(breached=True)))
        .order_by("m")
    ]
    judged = qs.filter(sla_judged(now))
    n_judged = judged.count()
    n_breached = judged.filter(breached=True).count()
    hours = [
        (r - c).total_seconds() / 3600
        for c, r in qs.filter(resolved_at__isnull=False).values_list("received_at", "resolved_at")
    ]
    rq = ratings(user, f).filter(excluded=False)
    n_ratings = rq.count()
    n_bad = rq.filter(score__lte=2).count()
    lo, hi = f.bounds()
    rects = (
        scoped(user, Rectification.objects.active())
        .filter(created_at__gte=lo, created_at__lt=hi)
        .exclude(status="excluded")
    )
    path = _unit_path(user, f.unit)
    if path:
        rects = rects.filter(org_unit__path__startswith=path)
    rect_due = rects.filter(Q(completed_at__isnull=False) | Q(due_at__lt=now))
    n_rect = rect_due.count()
    n_rect_ok = rect_due.filter(completed_at__isnull=False, completed_at__lte=F("due_at")).count()
    return {
        "total": total,
        "complaints": n_complaints,
        "pareto": pareto,
        "trend": trend,
        "trend_max": max([t["count"] for t in trend] or [1]),
        "sla_attainment": _pct(n_judged - n_breached, n_judged),
        "sla_judged": n_judged,
        "mean_hours": round(sum(hours) / len(hours), 1) if hours else None,
        "p90_hours": round(percentile(hours, 0.9) or 0, 1) if hours else None,
        "repeat_rate": _pct(complaints.filter(repeat_of__isnull=False).count(), n_complaints),
        "ratings": n_ratings,
        "bad_review_rate": _pct(n_bad, n_ratings),
        "excluded_ratings": ratings(user, f).filter(excluded=True).count(),
        "rect_on_time": _pct(n_rect_ok, n_rect),
        "rectifications": n_rect,
        "by_channel": list(qs.values("channel").annotate(n=Count("id")).order_by("-n")),
    }


def export_rows(user: Any, f: Filters) -> tuple[list[str], Iterable[Sequence[Any]]]:
    r = build(user, f)
    rows: list[list[Any]] = [
        [_("Tickets"), r["total"]],
        [_("Complaints"), r["complaints"]],
        [_("SLA attainment %"), r["sla_attainment"]],
        [_("Mean handling time (h)"), r["mean_hours"]],
        [_("P90 handling time (h)"), r["p90_hours"]],
        [_("Repeat complaint rate %"), r["repeat_rate"]],
        [_("Bad-review rate %"), r["bad_review_rate"]],
        [_("Rectification on-time rate %"), r["rect_on_time"]],
        [],
        [_("Category"), _("Complaints"), _("Cumulative %")],
        *[[p["category"], p["count"], p["cum_pct"]] for p in r["pareto"]],
        [],
        [_("Month"), _("Tickets"), _("SLA breached")],
        *[[t["month"], t["count"], t["breached"]] for t in r["trend"]],
    ]
    return [_("Figure"), _("Value"), ""], rows
