"""Reads of the reports app, always scoped: report snapshots, subscriptions, publications, the report data
of a period, and the transparency figures of a period (public, aggregated, minimum group size)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from sqms.core.errors import NotFound
from sqms.core.scoping import scoped
from sqms.reports import domain
from sqms.reports.models import Publication, ReportSnapshot, Subscription
from sqms.reports.sections import ReportPeriod, build_sections


def snapshots(user: Any) -> QuerySet[ReportSnapshot]:
    return scoped(user, ReportSnapshot.objects.active().select_related("org_unit", "created_by"))


def snapshot(user: Any, pk: int) -> ReportSnapshot:
    obj = snapshots(user).filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    return obj


def subscriptions(user: Any) -> QuerySet[Subscription]:
    return scoped(user, Subscription.objects.active().select_related("user", "org_unit"))


def publications(user: Any) -> QuerySet[Publication]:
    return scoped(user, Publication.objects.active())


def published() -> QuerySet[Publication]:
    """What the public sees: published periods only (no login, no scope)."""
    return Publication.objects.active().filter(published=True).order_by("-period_start", "kind")


def published_period(kind: str, key: str) -> Publication:
    obj = published().filter(kind=kind, period_key=key).first()
    if obj is None:
        raise NotFound()
    return obj


def period_title(period: domain.Period) -> str:
    if period.kind == domain.QUARTERLY:
        return _("%(year)s Q%(q)s") % {"year": period.year, "q": period.number}
    return _("%(year)s-%(month)02d") % {"year": period.year, "month": period.number}


def report_data(user: Any, period: ReportPeriod) -> dict[str, Any]:
    """The whole report of ``period`` as the user may see it (JSON-safe)."""
    kind = (
        _("Monthly service quality report")
        if period.period.kind == domain.MONTHLY
        else _("Quarterly service quality report")
    )
    unit = period.unit.name if period.unit is not None else _("Whole organisation")
    return {
        "title": f"{kind} · {period_title(period.period)}",
        "subtitle": f"{unit} · {period.start.isoformat()} – {period.end.isoformat()}",
        "kind": period.period.kind,
        "period": period.period.key,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "unit": period.unit_code,
        "generated_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "by": (user.get_full_name() or user.get_username()) if getattr(user, "pk", None) else "SQMS",
        "sections": build_sections(period, user),
    }


# --- transparency -------------------------------------------------------------------------------------------


def _survey_by_unit(lo: Any, hi: Any) -> list[dict[str, Any]]:
    """Included survey responses per unit with the pooled top-two-box share of the satisfaction items."""
    from sqms.surveys import domain as sdomain
    from sqms.surveys.models import Response

    qs = Response.objects.filter(submitted_at__gte=lo, submitted_at__lt=hi, included=True)
    counts: dict[int, int] = defaultdict(int)
    boxes: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])  # unit -> [top-box answers, answers]
    names: dict[int, tuple[str, str, str]] = {}
    versions: dict[int, Any] = {}
    rows = qs.values_list(
        "org_unit_id", "org_unit__code", "org_unit__name", "org_unit__path", "version_id", "numeric__data"
    )
    for unit_id, code, name, path, version_id, values in rows.iterator(chunk_size=5000):
        names[unit_id] = (code, name, path)
        counts[unit_id] += 1
        if version_id not in versions:
            from sqms.surveys.models import SurveyVersion

            versions[version_id] = SurveyVersion.objects.get(pk=version_id).items
        items = versions[version_id]
        x = sdomain.unpack([values], len(items))
        for j, it in enumerate(items):
            if it["type"] == "likert" and not it["dimension"] and not it["attention"] and it["max"]:
                v = x[0, j]
                if not np.isnan(v):
                    boxes[unit_id][1] += 1
                    boxes[unit_id][0] += float(v > it["max"] - 2)
    return [
        {
            "code": names[u][0],
            "name": names[u][1],
            "path": names[u][2],
            "n": counts[u],
            "top": boxes[u][0],
            "answers": boxes[u][1],
        }
        for u in sorted(counts, key=lambda u: names[u][2])
    ]


def _commitments() -> list[dict[str, Any]]:
    """The published service commitments: active ticket SLA policies and their targets."""
    from sqms.feedback.models import SlaPolicy

    names = {
        "first_response": _("First response"),
        "resolution": _("Resolution"),
        "confirmation": _("Confirmation"),
    }
    units = {
        "business_hours": _("business hours"),
        "working_days": _("working days"),
        "natural_days": pgettext("count", "calendar days"),
    }
    out = []
    for p in SlaPolicy.objects.active().filter(active=True, use="ticket").select_related("category"):
        for priority, targets in sorted((p.targets or {}).items()):
            for t in targets or []:
                out.append(
                    {
                        "policy": p.name,
                        "category": p.category.name if p.category_id else "",
                        "priority": "" if priority == "*" else priority,
                        "target": str(names.get(t.get("name"), t.get("name", ""))),
                        "within": f"{t.get('amount')} {units.get(t.get('unit'), t.get('unit', ''))}",
                    }
                )
    return out


PUBLIC_DEPTH = 2  # the public page groups figures by unit at this depth (HQ 0 → region 1 → branch 2)


def roll_up(
    rows: list[dict[str, Any]], sums: tuple[str, ...], depth: int = PUBLIC_DEPTH
) -> list[dict[str, Any]]:
    """Add up per-unit rows into their ancestor at ``depth`` (shallower units stay themselves)."""
    from sqms.org.models import OrgUnit

    groups: dict[str, dict[str, float]] = {}
    for r in rows:
        ids = [x for x in r["path"].split("/") if x]
        key = "/" + "/".join(ids[: depth + 1]) + "/"
        g = groups.setdefault(key, dict.fromkeys(sums, 0.0))
        for k in sums:
            g[k] += float(r.get(k) or 0)
    names = dict(OrgUnit.objects.filter(path__in=list(groups)).values_list("path", "code"))
    labels = dict(OrgUnit.objects.filter(path__in=list(groups)).values_list("path", "name"))
    return [{"code": names.get(p, ""), "name": labels.get(p, ""), **groups[p]} for p in sorted(groups)]


def transparency_data(period: domain.Period, minimum: int) -> dict[str, Any]:
    """The public figures of a period, computed over the whole organisation and frozen on publication.
    Units below ``minimum`` responses are left out here, so they are never stored or shown."""
    from sqms.feedback.models import Rating, Rectification
    from sqms.reports.builtin import rating_rows, rectification_figures

    rp = ReportPeriod(period)
    lo, hi = rp.bounds()
    ratings = Rating.objects.active().filter(rated_at__gte=lo, rated_at__lt=hi, excluded=False)
    rating_all = roll_up(rating_rows(ratings), ("n", "good", "bad", "score_sum"))
    for r in rating_all:
        r.update(
            n=int(r["n"]),
            good_pct=domain.pct(r["good"], r["n"]),
            bad_pct=domain.pct(r["bad"], r["n"]),
            mean=domain.ratio(r["score_sum"], r["n"]),
        )
    rating_units, rating_hidden = domain.with_minimum(rating_all, "n", minimum)
    n = ratings.count()
    survey_all = roll_up(_survey_by_unit(lo, hi), ("n", "top", "answers"))
    for r in survey_all:
        r.update(n=int(r["n"]), csat_pct=domain.pct(r["top"], r["answers"]))
    survey_units, survey_hidden = domain.with_minimum(survey_all, "n", minimum)
    rects = rectification_figures(
        Rectification.objects.active().filter(created_at__gte=lo, created_at__lt=hi)
    )
    return {
        "period": period.key,
        "kind": period.kind,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "minimum": minimum,
        "ratings": {
            "n": n,
            "good_pct": domain.pct(ratings.filter(score__gte=4).count(), n),
            "bad_pct": domain.pct(ratings.filter(score__lte=2).count(), n),
            "units": [
                {k: r[k] for k in ("code", "name", "n", "good_pct", "bad_pct", "mean")} for r in rating_units
            ],
            "hidden": rating_hidden,
        },
        "surveys": {
            "units": [{k: r[k] for k in ("code", "name", "n", "csat_pct")} for r in survey_units],
            "hidden": survey_hidden,
        },
        "rectifications": rects,
        "commitments": _commitments(),
        "frozen_at": timezone.now().isoformat(),
    }
