"""Reads of the people app, always scoped to the user: rules, periods, scorecards, the ledger, appeals,
the leaderboard, and the scorecard figures of a period gathered through the owning apps' selectors.

Where the figures come from (all through the owning app's scoped selectors, none read their models):

* CSAT — ``feedback.selectors.ratings`` (好差评 scores 1–5, excluded ratings left out); a staff member's
  are the ratings of his tickets (a ticket is his when it names him as the staff concerned, or else when
  he is its assignee);
* survey CSAT — ``surveys.selectors.responses`` + ``surveys.selectors.matrix`` (top-2-box % of the
  overall satisfaction items, as the KPI app counts it); units only;
* valid complaints — ``feedback.selectors.tickets``: complaints received in the period that were not
  merged into another ticket (duplicates) nor archived; a staff member's are his tickets (as for CSAT);
* inspection score — ``audits.selectors.inspections``: mean score (%) of completed inspections;
* SLA attainment — ``feedback.selectors.tickets`` with a resolution target: % not breached; a staff
  member's are the tickets assigned to him;
* training completion — ``documents.selectors.assignments`` due in the period: % completed by the end
  of the period;
* suggestions adopted — ``improvement.selectors.suggestions`` submitted in the period and adopted
  (pilot or rolled out).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from sqms.core.errors import NotFound
from sqms.core.scoping import scope_for, scoped
from sqms.org.models import OrgUnit, RoleAssignment, Staff
from sqms.people import domain
from sqms.people.models import (
    AppealStatus,
    EntryStatus,
    Metric,
    Period,
    PointAppeal,
    PointEntry,
    Rule,
    Scorecard,
)


def _ancestors(paths: Iterable[str]) -> list[str]:
    """Every ancestor path of the given unit paths ("/1/5/23/" → "/1/", "/1/5/")."""
    out: set[str] = set()
    for p in paths:
        parts = [x for x in p.split("/") if x]
        for i in range(1, len(parts)):
            out.add("/" + "/".join(parts[:i]) + "/")
    return sorted(out)


def _related_q(user: Any, path_field: str) -> Q:
    """Records whose unit is in the user's scope, or above it (a rule or period for a parent unit
    covers the user's units too)."""
    scope = scope_for(user)
    if scope.all_units:
        return Q()
    return scope.unit_q(path_field) | Q(**{f"{path_field}__in": _ancestors(scope.unit_paths)})


def rules(user: Any) -> QuerySet[Rule]:
    if not user.has_perm("people.view_rule"):
        return Rule.objects.none()
    qs = Rule.objects.active().select_related("org_unit")
    if scope_for(user).all_units:
        return qs
    return qs.filter(Q(org_unit__isnull=True) | _related_q(user, "org_unit__path"))


def periods(user: Any) -> QuerySet[Period]:
    if not user.has_perm("people.view_period"):
        return Period.objects.none()
    return Period.objects.active().filter(_related_q(user, "org_unit__path")).select_related("org_unit")


def period(user: Any, pk: int) -> Period:
    obj = periods(user).filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    return obj


def entries(user: Any) -> QuerySet[PointEntry]:
    return scoped(user, PointEntry.objects.active()).select_related(
        "period", "staff", "org_unit", "rule", "approved_by"
    )


def appeals(user: Any) -> QuerySet[PointAppeal]:
    return scoped(user, PointAppeal.objects.active()).select_related(
        "entry__period", "entry__staff", "entry__org_unit", "entry__rule", "appellant", "decided_by"
    )


def scorecards(user: Any) -> QuerySet[Scorecard]:
    return scoped(user, Scorecard.objects.all()).select_related("period", "staff", "org_unit")


def get_or_404(qs: QuerySet[Any], **lookup: Any) -> Any:
    obj = qs.filter(**lookup).first()
    if obj is None:
        raise NotFound()
    return obj


def staff_of(user: Any) -> Staff | None:
    return Staff.objects.filter(user=user, archived_at__isnull=True).select_related("org_unit").first()


# --- gathering the figures of a period ------------------------------------------------------------


def _aware_range(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    return (
        dt.datetime.combine(since, dt.time.min, tzinfo=tz),
        dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def _aggs(qs: QuerySet[Any], key: str, total: Any) -> dict[Any, domain.Agg]:
    """``{key value: Agg(n, total)}`` from one grouped query."""
    rows = qs.order_by().values(key).annotate(n=Count("id"), t=total)
    return {r[key]: domain.Agg(float(r["n"]), float(r["t"] or 0)) for r in rows if r[key] is not None}


def _survey_aggs(user: Any, root: str, start: dt.datetime, end: dt.datetime) -> dict[str, domain.Agg]:
    from sqms.surveys import selectors as sv
    from sqms.surveys.models import SurveyVersion

    qs = sv.responses(user).filter(
        included=True, submitted_at__gte=start, submitted_at__lt=end, org_unit__path__startswith=root
    )
    out: dict[str, domain.Agg] = {}
    pairs = set(qs.order_by().values_list("version_id", "org_unit__path").distinct())
    versions = SurveyVersion.objects.in_bulk({v for v, _p in pairs})
    for version_id, path in sorted(pairs):
        version = versions[version_id]
        x = sv.matrix(qs.filter(org_unit__path=path), version)
        for j, it in enumerate(version.items):
            if it.get("type") != "likert" or it.get("dimension") or it.get("attention") or not it.get("max"):
                continue
            col = x[:, j]
            col = col[~np.isnan(col)]
            agg = domain.Agg(float(col.size), float((col > it["max"] - 2).sum()))
            out[path] = out.get(path, domain.Agg()) + agg
    return out


@dataclass
class Gathered:
    subjects: list[domain.Subject]
    staff: dict[str, Staff] = field(default_factory=dict)
    units: dict[str, OrgUnit] = field(default_factory=dict)


def gather(user: Any, period: Period) -> Gathered:
    """The staff and unit subjects of ``period`` (its unit subtree) with their figures."""
    from sqms.audits import selectors as au
    from sqms.documents import selectors as docs
    from sqms.feedback import selectors as fb
    from sqms.improvement import selectors as imp

    root = period.org_unit.path
    start, end = _aware_range(period.start, period.end)
    units = list(OrgUnit.objects.active().filter(path__startswith=root).order_by("path"))
    staff = list(
        Staff.objects.active()
        .filter(active=True, org_unit__path__startswith=root)
        .select_related("org_unit", "user")
        .order_by("employee_no")
    )
    roles: dict[int, set[str]] = {}
    for uid, role in RoleAssignment.objects.filter(user_id__in=[s.user_id for s in staff]).values_list(
        "user_id", "role"
    ):
        roles.setdefault(uid, set()).add(role)

    ratings = fb.ratings(user).filter(
        excluded=False, rated_at__gte=start, rated_at__lt=end, org_unit__path__startswith=root
    )
    tickets = fb.tickets(user).filter(
        received_at__gte=start, received_at__lt=end, org_unit__path__startswith=root
    )
    complaints = tickets.filter(kind="complaint", merged_into__isnull=True)
    with_sla = tickets.filter(fb.sla_judged(timezone.now()))
    met = Count("id", filter=Q(breached=False))
    inspections = au.inspections(user).filter(
        status="completed",
        score__isnull=False,
        performed_at__gte=start,
        performed_at__lt=end,
        org_unit__path__startswith=root,
    )
    training = docs.assignments(user).filter(
        due_date__gte=period.start, due_date__lte=period.end, staff__org_unit__path__startswith=root
    )
    done = Count("id", filter=Q(completed_at__isnull=False, completed_at__lt=end))
    adopted = imp.suggestions(user).filter(
        status__in=["pilot", "rolled_out"],
        created_at__gte=start,
        created_at__lt=end,
        org_unit__path__startswith=root,
    )

    # Per staff member: a ticket is a person's when it names him as the staff concerned, or else when
    # he is its assignee.
    staff_by_user = {s.user_id: s.pk for s in staff}

    def person_aggs(qs: QuerySet[Any], prefix: str, total: Any) -> dict[Any, domain.Agg]:
        out: dict[Any, domain.Agg] = {}
        rows = (
            qs.order_by().values(f"{prefix}staff_id", f"{prefix}assignee_id").annotate(n=Count("id"), t=total)
        )
        for r in rows:
            sid = r[f"{prefix}staff_id"] or staff_by_user.get(r[f"{prefix}assignee_id"])
            if sid is not None:
                out[sid] = out.get(sid, domain.Agg()) + domain.Agg(float(r["n"]), float(r["t"] or 0))
        return out

    s_csat = person_aggs(ratings, "ticket__", Sum("score"))
    s_complaints = person_aggs(complaints, "", Count("id"))
    s_sla = _aggs(with_sla, "assignee_id", met)
    s_insp = _aggs(inspections, "staff_id", Sum("score"))
    s_train = _aggs(training, "staff_id", done)
    s_sugg = _aggs(adopted, "submitter_id", Count("id"))
    # Per unit (direct), rolled up over the subtree below.
    u_csat = _aggs(ratings, "org_unit__path", Sum("score"))
    u_complaints = _aggs(complaints, "org_unit__path", Count("id"))
    u_sla = _aggs(with_sla, "org_unit__path", met)
    u_insp = _aggs(inspections, "org_unit__path", Sum("score"))
    u_train = _aggs(training, "staff__org_unit__path", done)
    u_sugg = _aggs(adopted, "org_unit__path", Count("id"))
    u_survey = _survey_aggs(user, root, start, end)

    def count(a: domain.Agg | None) -> float:
        return a.n if a is not None else 0.0

    def rnd(x: float | None, digits: int = 6) -> float | None:
        return None if x is None else round(x, digits)

    out = Gathered(subjects=[])
    for s in staff:
        key = f"s:{s.pk}"
        metrics: dict[str, float | None] = {
            domain.CSAT: rnd(s_csat.get(s.pk, domain.Agg()).mean()),
            domain.SURVEY_CSAT: None,
            domain.VALID_COMPLAINTS: count(s_complaints.get(s.pk)),
            domain.INSPECTION_SCORE: rnd(s_insp.get(s.pk, domain.Agg()).mean()),
            domain.SLA_ATTAINMENT: rnd(s_sla.get(s.user_id, domain.Agg()).pct()),
            domain.TRAINING_COMPLETION: rnd(s_train.get(s.pk, domain.Agg()).pct()),
            domain.SUGGESTIONS_ADOPTED: count(s_sugg.get(s.user_id)),
        }
        out.subjects.append(
            domain.Subject(domain.STAFF, key, s.org_unit.path, metrics, frozenset(roles.get(s.user_id, ())))
        )
        out.staff[key] = s
    for u in units:
        key = f"u:{u.pk}"
        metrics = {
            domain.CSAT: rnd(domain.subtree_sum(u_csat, u.path).mean()),
            domain.SURVEY_CSAT: rnd(domain.subtree_sum(u_survey, u.path).pct()),
            domain.VALID_COMPLAINTS: domain.subtree_sum(u_complaints, u.path).n,
            domain.INSPECTION_SCORE: rnd(domain.subtree_sum(u_insp, u.path).mean()),
            domain.SLA_ATTAINMENT: rnd(domain.subtree_sum(u_sla, u.path).pct()),
            domain.TRAINING_COMPLETION: rnd(domain.subtree_sum(u_train, u.path).pct()),
            domain.SUGGESTIONS_ADOPTED: domain.subtree_sum(u_sugg, u.path).n,
        }
        out.subjects.append(domain.Subject(domain.UNIT, key, u.path, metrics))
        out.units[key] = u
    return out


def rules_for(period: Period) -> list[Rule]:
    """Active rules whose validity overlaps the period (scope and role are checked per subject)."""
    return list(
        Rule.objects.active()
        .filter(active=True, valid_from__lte=period.end)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=period.start))
        .select_related("org_unit")
    )


# --- ledger views -------------------------------------------------------------------------------------


def counted(qs: QuerySet[PointEntry], approved_only: bool = False) -> QuerySet[PointEntry]:
    """Entries that count towards totals: not voided (and approved, when asked)."""
    qs = qs.exclude(status=EntryStatus.VOIDED)
    return qs.filter(status=EntryStatus.APPROVED) if approved_only else qs


def leaderboard(
    user: Any, period: Period, kind: str = domain.STAFF, approved_only: bool = False, unit_path: str = ""
) -> list[dict[str, Any]]:
    """Staff or units of the period in the user's scope ranked by points (ties share a rank)."""
    qs = counted(entries(user).filter(period=period, subject=kind), approved_only)
    cards = scorecards(user).filter(period=period, subject=kind)
    if unit_path:
        qs = qs.filter(org_unit__path__startswith=unit_path)
        cards = cards.filter(org_unit__path__startswith=unit_path)
    field_name = "staff_id" if kind == domain.STAFF else "org_unit_id"
    totals = {
        r[field_name]: int(r["p"] or 0) for r in qs.order_by().values(field_name).annotate(p=Sum("points"))
    }
    labels: dict[int, tuple[str, str]] = {}
    for c in cards:
        if kind == domain.STAFF and c.staff is not None:
            labels[c.staff_id] = (f"{c.staff.name} ({c.staff.employee_no})", c.org_unit.name)
        elif kind == domain.UNIT:
            labels[c.org_unit_id] = (c.org_unit.name, c.org_unit.code)
    missing = [k for k in totals if k not in labels]
    if missing and kind == domain.STAFF:
        for s in Staff.objects.filter(pk__in=missing).select_related("org_unit"):
            labels[s.pk] = (f"{s.name} ({s.employee_no})", s.org_unit.name)
    elif missing:
        for u in OrgUnit.objects.filter(pk__in=missing):
            labels[u.pk] = (u.name, u.code)
    ranked = domain.rank((str(k), labels[k][0], totals.get(k, 0)) for k in labels)
    return [
        {
            "id": int(r.key),
            "name": r.label,
            "detail": labels[int(r.key)][1],
            "points": r.points,
            "rank": r.rank,
            "tied": r.tied,
        }
        for r in ranked
    ]


def totals(qs: QuerySet[PointEntry]) -> dict[str, int]:
    live = counted(qs)
    agg = live.aggregate(
        rewards=Sum("points", filter=Q(points__gt=0)),
        penalties=Sum("points", filter=Q(points__lt=0)),
        net=Sum("points"),
    )
    return {
        "rewards": int(agg["rewards"] or 0),
        "penalties": int(agg["penalties"] or 0),
        "net": int(agg["net"] or 0),
        "pending": qs.filter(status=EntryStatus.PENDING).count(),
        "approved": qs.filter(status=EntryStatus.APPROVED).count(),
        "voided": qs.filter(status=EntryStatus.VOIDED).count(),
    }


METRIC_ORDER = [m.value for m in Metric]


def metric_labels() -> list[tuple[str, str]]:
    return [(m.value, str(m.label)) for m in Metric]


# --- report section and dashboard card -----------------------------------------------------------


def quality_report_section(user: Any, start: dt.date, end: dt.date, unit_path: str) -> dict[str, Any] | None:
    """Rewards and penalties of the scorecard periods that start within [start, end] (for the quality
    report): totals, the staff leaderboard (top 10) and the points per rule."""
    if not user.has_perm("people.view_pointentry"):
        return None
    ps = periods(user).filter(start__gte=start, start__lte=end)
    qs = entries(user).filter(period__in=ps)
    if unit_path:
        qs = qs.filter(org_unit__path__startswith=unit_path)
    t = totals(qs)
    open_appeals = appeals(user).filter(entry__in=qs, status=AppealStatus.OPEN).count()
    staff_rows = (
        counted(qs.filter(subject=domain.STAFF))
        .order_by()
        .values("staff_id", "staff__name", "staff__employee_no", "org_unit__name")
        .annotate(p=Sum("points"))
    )
    ranked = domain.rank(
        (str(r["staff_id"]), f"{r['staff__name']} ({r['staff__employee_no']})", int(r["p"] or 0))
        for r in staff_rows
    )
    unit_of = {str(r["staff_id"]): r["org_unit__name"] for r in staff_rows}
    by_rule = (
        counted(qs)
        .order_by()
        .values("rule__code", "rule__name", "source")
        .annotate(n=Count("id"), p=Sum("points"))
        .order_by("rule__code", "source")
    )
    rule_rows = [
        [
            r["rule__code"] or "—",
            r["rule__name"] or _("Manual entries and corrections"),
            r["n"],
            int(r["p"] or 0),
        ]
        for r in by_rule
    ]
    return {
        "figures": [
            {"label": _("Scorecard periods"), "value": ps.count()},
            {"label": _("Rewards (points)"), "value": t["rewards"]},
            {"label": _("Penalties (points)"), "value": t["penalties"]},
            {"label": _("Net points"), "value": t["net"]},
            {"label": _("Entries awaiting approval"), "value": t["pending"]},
            {"label": _("Open appeals"), "value": open_appeals},
        ],
        "tables": [
            {
                "title": _("Staff leaderboard (top 10)"),
                "columns": [_("Rank"), _("Staff member"), _("Org unit"), pgettext("scorecard", "Points")],
                "rows": [[r.rank, r.label, unit_of[r.key], r.points] for r in ranked[:10]],
            },
            {
                "title": _("Points by rule"),
                "columns": [_("Code"), _("Rule"), _("Entries"), pgettext("scorecard", "Points")],
                "rows": rule_rows,
            },
        ],
        "chart": None,
        "note": _("Voided entries are left out; entries awaiting approval are included."),
    }


def latest_period(user: Any) -> Period | None:
    return periods(user).order_by("-start", "-id").first()


def dashboard_card(request: HttpRequest) -> dict[str, Any] | None:
    user = request.user
    if not user.has_perm("people.view_pointentry"):
        return None
    p = latest_period(user)
    if p is None:
        return None
    url = reverse("people:scorecards") + f"?period={p.pk}"
    qs = entries(user).filter(period=p)
    figures = []
    me = staff_of(user)
    if me is not None:
        mine = counted(qs.filter(staff=me)).aggregate(p=Sum("points"))["p"] or 0
        figures.append({"label": _("My points"), "value": f"{mine:+d}", "url": url})
    if user.has_perm("people.approve_pointentry"):
        figures.append(
            {
                "label": _("Awaiting approval"),
                "value": qs.filter(status=EntryStatus.PENDING).count(),
                "url": url,
            }
        )
    figures.append(
        {
            "label": _("Open appeals"),
            "value": appeals(user).filter(entry__period=p, status=AppealStatus.OPEN).count(),
            "url": url,
        }
    )
    return {
        "title": _("Scorecard %(period)s") % {"period": p.label},
        "figures": figures,
        "note": "",
        "link": {"label": _("Leaderboard"), "url": reverse("people:leaderboard") + f"?period={p.pk}"},
    }
