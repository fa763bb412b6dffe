"""Survey reads, always scoped to the user: lists, results of a campaign (counts, distributions, reliability
and validity through ``sqms.stats``), the cached analysis report (see ``analysis``) and exports (wide and
long)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import numpy as np
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from sqms.core.errors import NotFound
from sqms.core.scoping import scope_for, scoped
from sqms.org.models import OrgUnit
from sqms.surveys import domain
from sqms.surveys.models import Campaign, Response, Survey, SurveyVersion, Token


def surveys(user: Any) -> QuerySet[Survey]:
    """Surveys of the user's units plus organisation-wide ones (no owner unit)."""
    scope = scope_for(user)
    qs = Survey.objects.active().select_related("owner_unit")
    if scope.all_units:
        return qs
    if not scope.user_id:
        return qs.none()
    return qs.filter(scope.unit_q("owner_unit__path") | Q(owner_unit__isnull=True))


def campaigns(user: Any) -> QuerySet[Campaign]:
    return scoped(user, Campaign.objects.active().select_related("survey", "version", "org_unit"))


def responses(user: Any) -> QuerySet[Response]:
    return scoped(user, Response.objects.select_related("org_unit", "campaign"))


def tokens(user: Any) -> QuerySet[Token]:
    return scoped(user, Token.objects.select_related("campaign", "customer", "org_unit"))


def get_or_404(qs: QuerySet[Any], **lookup: Any) -> Any:
    obj = qs.filter(**lookup).first()
    if obj is None:
        raise NotFound()
    return obj


def localized(obj: Mapping[str, Any], key: str) -> str:
    """``obj[key + "_en"]`` in English when present, else ``obj[key]``."""
    if (get_language() or "").startswith("en") and obj.get(f"{key}_en"):
        return str(obj[f"{key}_en"])
    return str(obj.get(key, ""))


# --- results ----------------------------------------------------------------------------------------------


@dataclass
class Filters:
    unit: OrgUnit | None = None
    start: date | None = None
    end: date | None = None
    channel: str = ""
    status: str = "included"  # included / excluded / all


def filtered(user: Any, campaign: Campaign, f: Filters) -> QuerySet[Response]:
    qs = responses(user).filter(campaign=campaign)
    if f.unit is not None:
        qs = qs.filter(org_unit__path__startswith=f.unit.path)
    tz = timezone.get_current_timezone()
    if f.start:
        qs = qs.filter(submitted_at__gte=datetime.combine(f.start, time.min, tzinfo=tz))
    if f.end:
        qs = qs.filter(submitted_at__lte=datetime.combine(f.end, time.max, tzinfo=tz))
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.status == "included":
        qs = qs.filter(included=True)
    elif f.status == "excluded":
        qs = qs.filter(included=False)
    return qs


def packed_rows(qs: QuerySet[Response]) -> Iterable[bytes | memoryview | None]:
    """The packed numeric items of the responses of ``qs``, in response id order, straight from the
    database cursor: the filter runs as a subquery (served by an index), only the narrow
    ``ResponseValues`` rows are read, and no model or row objects are built."""
    from django.db import connections

    from sqms.surveys.models import ResponseValues

    rows = (
        ResponseValues.objects.using(qs.db)
        .filter(response_id__in=qs.order_by().values("pk"))
        .order_by("response_id")
        .values_list("data", flat=True)
    )
    sql, params = rows.query.sql_with_params()
    with connections[qs.db].cursor() as cur:
        cur.execute(sql, params)
        while batch := cur.fetchmany(10_000):
            for (data,) in batch:
                yield data


def matrix(qs: QuerySet[Response], version: SurveyVersion) -> np.ndarray:
    """Respondents × numeric items of ``version`` (raw codes, NaN = missing), rows in response id order."""
    return domain.unpack(packed_rows(qs.filter(version=version)), len(version.items))


def csat_nps_by_unit(
    unit_paths: Iterable[str], start: date, end: date
) -> dict[str, dict[str, float | int | None]]:
    """CSAT (% top-2-box of the overall Likert items) and NPS of the included responses of each unit
    path's subtree over the inclusive local days ``start`` … ``end``, with ``n`` = responses; read from the
    daily rollup (one grouped query, whatever the number of paths and responses). Not scoped: callers
    (dashboard tiles, KPI sources) pass the paths the user may see."""
    from django.db.models import Sum

    from sqms.surveys.models import SurveyDayRollup

    paths = list(dict.fromkeys(unit_paths))
    out: dict[str, dict[str, float | int | None]] = {p: {"csat": None, "nps": None, "n": 0} for p in paths}
    if not paths:
        return out
    fields = ("responses", *domain.ROLLUP_FIELDS)
    rows = (
        SurveyDayRollup.objects.filter(day__gte=start, day__lte=end)
        .filter(_path_q(paths))
        .values("org_unit__path")
        .annotate(**{f: Sum(f) for f in fields})
        .order_by()
    )
    sums: dict[str, dict[str, int]] = {p: dict.fromkeys(fields, 0) for p in paths}
    for row in rows:
        for p in paths:
            if row["org_unit__path"].startswith(p):
                for f in fields:
                    sums[p][f] += int(row[f] or 0)
    for p, c in sums.items():
        out[p] = {**domain.rollup_figures(c), "n": c["responses"]}
    return out


def _path_q(paths: Sequence[str]) -> Q:
    q = Q()
    for p in sorted(paths):
        q |= Q(org_unit__path__startswith=p)
    return q


def _safe(fn: Any, *args: Any, **kwargs: Any) -> Any:
    from sqms.stats import StatsError

    try:
        return fn(*args, **kwargs)
    except (StatsError, ValueError, np.linalg.LinAlgError, ZeroDivisionError):
        return None


def _alpha_row(name: str, data: np.ndarray, codes: list[str]) -> dict[str, Any]:
    from sqms.stats import cronbach_alpha

    res = _safe(cronbach_alpha, data, codes) if len(codes) >= 2 else None
    if res is None or math.isnan(res.alpha):
        return {"name": name, "k": len(codes), "alpha": None, "n": 0, "verdict": _("not computable")}
    level = domain.alpha_level(res.alpha)
    words = {
        "excellent": _("excellent"),
        "good": pgettext("quality level", "good"),
        "acceptable": _("acceptable"),
        "questionable": _("questionable"),
        "poor": _("poor"),
        "unacceptable": _("unacceptable"),
    }
    return {
        "name": name,
        "k": len(codes),
        "alpha": res.alpha,
        "n": res.n,
        "level": level,
        "verdict": _("Cronbach's α = %(a).3f over %(k)s items (n = %(n)s): internal consistency is %(w)s.")
        % {"a": res.alpha, "k": len(codes), "n": res.n, "w": words[level]},
    }


def results(user: Any, campaign: Campaign, f: Filters | None = None) -> dict[str, Any]:
    f = f or Filters()
    base = responses(user).filter(campaign=campaign)
    qs = filtered(user, campaign, f)
    version = campaign.version
    items = version.items
    total = base.count()
    included = base.filter(included=True).count()
    issued = Token.objects.filter(campaign=campaign).count()
    used = Token.objects.filter(campaign=campaign, used_at__isnull=False).count()
    reasons: Counter[str] = Counter()
    for flags in base.filter(included=False).values_list("flags", flat=True):
        for rule in {x["rule"] for x in flags or []}:
            reasons[rule] += 1
    from sqms.surveys.services import rule_name

    by_unit = list(qs.values("org_unit__code", "org_unit__name").annotate(n=Count("id")).order_by("-n")[:50])
    by_channel = list(qs.values("channel").annotate(n=Count("id")).order_by("-n"))
    from django.db.models.functions import TruncDate

    by_day = list(
        qs.annotate(day=TruncDate("submitted_at")).values("day").annotate(n=Count("id")).order_by("day")
    )
    x = matrix(qs, version)
    n = x.shape[0]
    qmap = {q["code"]: q for q in domain.questions(version.definition)}
    per_item = []
    for j, it in enumerate(items):
        col = x[:, j] if n else np.array([])
        valid = col[~np.isnan(col)]
        q = qmap[it["question"]]
        dist = []
        if it["type"] != "number":
            counts = Counter(valid.tolist())
            dist = [
                {
                    "value": o["value"],
                    "label": localized(o, "label"),
                    "n": counts.get(float(o["value"]), 0),
                    "share": counts.get(float(o["value"]), 0) / len(valid) if len(valid) else 0,
                }
                for o in domain.options_of(q)
            ]
        per_item.append(
            {
                "code": it["code"],
                "text": localized(it, "text"),
                "dimension": it["dimension"],
                "n": len(valid),
                "mean": float(valid.mean()) if len(valid) else None,
                "sd": float(valid.std(ddof=1)) if len(valid) > 1 else None,
                "distribution": dist,
                "reverse": it["reverse"],
            }
        )
    scored = domain.score(x, items) if n else x
    dims = {d["code"]: localized(d, "name") for d in version.definition.get("dimensions", [])}
    scale_idx = [
        j
        for j, it in enumerate(items)
        if it["type"] in domain.SCALE_TYPES and it["dimension"] and not it["attention"]
    ]
    groups: dict[tuple[str, str], list[int]] = {}
    for j in scale_idx:
        groups.setdefault((items[j]["dimension"], items[j]["part"]), []).append(j)
    part_names = {"E": _("expectation"), "P": _("perception"), "": ""}
    alphas = []
    overall = None
    if n >= 3:
        for (dim, part), idx in groups.items():
            name = dims.get(dim, dim) + (f" ({part_names[part]})" if part else "")
            alphas.append(_alpha_row(name, scored[:, idx], [items[j]["code"] for j in idx]))
        main = [j for j in scale_idx if items[j]["part"] != "E"]
        if main:
            overall = _alpha_row(_("All dimension items"), scored[:, main], [items[j]["code"] for j in main])
    kmo = bartlett = None
    main = [j for j in scale_idx if items[j]["part"] != "E"]
    if n > len(main) + 2 and len(main) >= 3:
        from sqms.stats import bartlett as bartlett_fn
        from sqms.stats import kmo as kmo_fn

        codes = [items[j]["code"] for j in main]
        k = _safe(kmo_fn, scored[:, main], codes)
        b = _safe(bartlett_fn, scored[:, main], codes)
        kmo = None if k is None else {"kmo": k.kmo, "n": k.n}
        bartlett = None if b is None else {"chi2": b.chi2, "df": b.df, "p": b.p}
    nps = []
    csat = []
    for j, it in enumerate(items):
        if it["type"] == "nps" and n:
            res = domain.nps(x[:, j])
            if res:
                nps.append({"code": it["code"], "text": localized(it, "text"), **res})
        elif it["type"] == "likert" and not it["dimension"] and not it["attention"] and n and it["max"]:
            res = domain.top_box(x[:, j], it["max"])
            if res:
                csat.append({"code": it["code"], "text": localized(it, "text"), **res})
    return {
        "campaign": campaign,
        "version": version,
        "total": total,
        "included": included,
        "excluded": total - included,
        "filtered": qs.count(),
        "issued": issued,
        "used": used,
        "response_rate": (used / issued) if issued else None,
        "target_rate": (total / campaign.target) if campaign.target else None,
        "reasons": [{"rule": r, "name": rule_name(r), "n": c} for r, c in reasons.most_common()],
        "by_unit": by_unit,
        "by_channel": by_channel,
        "by_day": [{"day": d["day"].isoformat() if d["day"] else "", "n": d["n"]} for d in by_day],
        "items": per_item,
        "alphas": alphas,
        "alpha_overall": overall,
        "kmo": kmo,
        "bartlett": bartlett,
        "nps": nps,
        "csat": csat,
        "n_matrix": n,
    }


def results_json(data: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in data.items() if k not in ("campaign", "version")}
    out["campaign"] = data["campaign"].code
    out["version"] = data["version"].number
    return out


# --- exports ---------------------------------------------------------------------------------------------


def _label(q: Mapping[str, Any], value: Any) -> str:
    for o in domain.options_of(q):
        if str(o["value"]) == str(value):
            return localized(o, "label")
    return ""


def wide(version: SurveyVersion, rows: Iterable[Response]) -> tuple[list[str], Iterable[list[Any]]]:
    """One row per response, one column per item (codes) plus a label column for choice items."""
    cols: list[tuple[str, dict[str, Any], bool]] = []  # (answer key, question, with label)
    for q in domain.questions(version.definition):
        if q["type"] == "matrix":
            cols += [(f"{q['code']}_{r['code']}", q, True) for r in q.get("rows", [])]
        else:
            cols.append((q["code"], q, q["type"] in ("likert", "single", "multiple", "stars")))
    header = [
        "response_id",
        "submitted_at",
        "org_unit",
        "channel",
        "source",
        "duration_s",
        "included",
        "flags",
        "override",
    ]
    for key, _q, with_label in cols:
        header.append(key)
        if with_label:
            header.append(f"{key}_label")

    def gen() -> Iterable[list[Any]]:
        for r in rows:
            row: list[Any] = [
                r.pk,
                timezone.localtime(r.submitted_at),
                r.org_unit.code,
                r.channel,
                r.source,
                r.duration_s,
                int(r.included),
                ";".join(sorted({x["rule"] for x in r.flags or []})),
                r.override,
            ]
            for key, q, with_label in cols:
                v = r.answers.get(key)
                if isinstance(v, list):
                    row.append("|".join(str(i) for i in v))
                    if with_label:
                        row.append("|".join(_label(q, i) for i in v))
                else:
                    row.append(v)
                    if with_label:
                        row.append(_label(q, v) if v is not None else "")
            yield row

    return header, gen()


def long(version: SurveyVersion, rows: Iterable[Response]) -> tuple[list[str], Iterable[list[Any]]]:
    qmap = {q["code"]: q for q in domain.questions(version.definition)}

    def gen() -> Iterable[list[Any]]:
        for r in rows:
            for key, v in r.answers.items():
                if key.startswith("_"):
                    continue
                q = qmap.get(key) or qmap.get(key.rsplit("_", 1)[0]) or {"type": "", "options": []}
                for one in v if isinstance(v, list) else [v]:
                    yield [
                        r.pk,
                        r.org_unit.code,
                        timezone.localtime(r.submitted_at),
                        int(r.included),
                        key,
                        one,
                        _label(q, one) if q.get("type") not in ("short_text", "long_text", "number") else "",
                    ]

    return ["response_id", "org_unit", "submitted_at", "included", "item", "value", "label"], gen()


def export_rows(
    user: Any, campaign: Campaign, *, cleaned: bool, shape: str, f: Filters | None = None
) -> tuple[list[str], Iterable[Sequence[Any]]]:
    f = f or Filters(status="included" if cleaned else "all")
    if not cleaned:
        f.status = "all"
    qs = (
        filtered(user, campaign, f).filter(version=campaign.version).select_related("org_unit").order_by("pk")
    )
    rows = qs.iterator(chunk_size=2000)
    return (long if shape == "long" else wide)(campaign.version, rows)


def export_sav(user: Any, campaign: Campaign, *, cleaned: bool, f: Filters | None = None) -> bytes:
    """The responses as an SPSS ``.sav`` file (labels in the current language, see ``surveys.spss``)."""
    from sqms.surveys.spss import write_sav

    f = f or Filters(status="included" if cleaned else "all")
    if not cleaned:
        f.status = "all"
    qs = (
        filtered(user, campaign, f).filter(version=campaign.version).select_related("org_unit").order_by("pk")
    )
    return write_sav(
        campaign.version,
        qs.iterator(chunk_size=2000),
        lang=get_language() or "zh-hans",
        file_label=f"{campaign.code} v{campaign.version.number}",
    )


def export_all_responses(user: Any) -> tuple[list[str], Iterable[Sequence[Any]]]:
    """The generic export (``sqms export survey-responses``): one line per response, every campaign."""
    qs = responses(user).select_related("org_unit", "campaign").order_by("pk")
    header = [
        "response_id",
        "campaign",
        "submitted_at",
        "org_unit",
        "channel",
        "source",
        "duration_s",
        "included",
        "flags",
    ]
    return header, (
        [
            r.pk,
            r.campaign.code,
            timezone.localtime(r.submitted_at),
            r.org_unit.code,
            r.channel,
            r.source,
            r.duration_s,
            int(r.included),
            ";".join(sorted({x["rule"] for x in r.flags or []})),
        ]
        for r in qs.iterator(chunk_size=2000)
    )


def dashboard_card(request: HttpRequest) -> dict[str, Any] | None:
    user = request.user
    if not user.has_perm("surveys.view_campaign"):
        return None
    open_campaigns = campaigns(user).filter(status="open")
    now = timezone.now()
    recent = responses(user).filter(submitted_at__gte=now - timezone.timedelta(days=30))
    return {
        "title": _("Satisfaction surveys"),
        "figures": [
            {
                "label": _("Open campaigns"),
                "value": open_campaigns.count(),
                "url": reverse("admin:surveys_campaign_changelist"),
            },
            {
                "label": _("Responses (30 days)"),
                "value": recent.count(),
                "url": reverse("admin:surveys_response_changelist"),
            },
            {
                "label": _("Excluded by cleaning (30 days)"),
                "value": recent.filter(included=False).count(),
                "url": reverse("admin:surveys_response_changelist") + "?included__exact=0",
            },
        ],
        "note": "",
    }


# --- the analysis report ------------------------------------------------------------------------------------
#
# Built on the results' filters and matrix: only included responses of the campaign's version, filtered by
# unit subtree, period and channel. Cached in the Django cache under a key made of the campaign, the
# filters, the user's scope and a data version (see ``analysis_version``), so a new response, a re-cleaning
# or an analyst's decision gives a new key and the report is recomputed. Above
# ``SQMS_SURVEY_ANALYSIS_ASYNC_ABOVE`` included responses (default 50,000) the report is computed by a huey
# task (``tasks.analyse_campaign``); its progress and result travel through huey's key/value storage (shared
# by the web and worker processes whatever the cache backend), the page polls until it is ready.

ANALYSIS_FORMAT = 1  # bump when the report's JSON changes, so cached reports of the old shape are ignored


def analysis_async_above() -> int:
    """Above this many included responses the report is computed by a task (``SQMS_SURVEY_ANALYSIS_ASYNC_ABOVE``)."""
    from django.conf import settings

    return int(settings.SQMS_SURVEY_ANALYSIS_ASYNC_ABOVE)


def analysis_cache_seconds() -> int:
    """How long a report stays in the Django cache (``SQMS_SURVEY_ANALYSIS_CACHE_SECONDS``, default a week);
    a change of the data makes a new key long before."""
    from django.conf import settings

    return int(settings.SQMS_SURVEY_ANALYSIS_CACHE_SECONDS)


def included_only(f: Filters) -> Filters:
    """The analysis filters: the same unit, period and channel, included responses only."""
    return Filters(unit=f.unit, start=f.start, end=f.end, channel=f.channel, status="included")


def analysis_version(campaign: Campaign) -> str:
    """Changes whenever the analysed data may have changed: a response added, re-cleaned or decided by an
    analyst (decisions are read from the audit trail, where every one of them is recorded)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Max, Sum

    from sqms.core.models import AuditEntry

    agg = Response.objects.filter(campaign=campaign).aggregate(
        n=Count("id"),
        n_included=Count("id", filter=Q(included=True)),
        sum_included=Sum("id", filter=Q(included=True)),
        last=Max("id"),
        submitted=Max("submitted_at"),
        cleaned=Max("cleaned_at"),
    )
    decided = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Response), unit_path=campaign.org_unit.path
    ).aggregate(last=Max("id"), at=Max("at"))
    return "|".join(
        str(v)
        for v in (
            *agg.values(),
            *decided.values(),
            campaign.updated_at.isoformat() if campaign.updated_at else "",
            campaign.version_id,
            campaign.version.checksum,
        )
    )


def _filters_key(f: Filters) -> list[Any]:
    return [
        f.unit.pk if f.unit else "",
        f.start.isoformat() if f.start else "",
        f.end.isoformat() if f.end else "",
        f.channel,
    ]


def analysis_keys(user: Any, campaign: Campaign, f: Filters) -> tuple[str, str]:
    """(slot, key): the slot names the campaign + filters + scope, the key adds the data version."""
    import hashlib
    import json

    scope = scope_for(user)
    slot_parts = [
        ANALYSIS_FORMAT,
        campaign.pk,
        *_filters_key(f),
        scope.all_units,
        list(scope.unit_paths),
        scope.own_only,
    ]
    slot = hashlib.sha256(json.dumps(slot_parts, default=str).encode()).hexdigest()[:32]
    version = hashlib.sha256(analysis_version(campaign).encode()).hexdigest()[:32]
    return f"sqms:survey-analysis:{slot}", f"sqms:survey-analysis:{slot}:{version}"


def filters_json(f: Filters) -> dict[str, Any]:
    return {
        "unit": f.unit.code if f.unit else None,
        "start": f.start.isoformat() if f.start else None,
        "end": f.end.isoformat() if f.end else None,
        "channel": f.channel,
    }


def filters_from_json(user: Any, campaign: Campaign, data: Mapping[str, Any]) -> Filters:
    from sqms.org.selectors import units

    unit = None
    if data.get("unit"):
        unit = units(user).filter(code=data["unit"], path__startswith=campaign.org_unit.path).first()
    return Filters(
        unit=unit,
        start=date.fromisoformat(data["start"]) if data.get("start") else None,
        end=date.fromisoformat(data["end"]) if data.get("end") else None,
        channel=data.get("channel") or "",
        status="included",
    )


def data_quality(user: Any, campaign: Campaign, f: Filters, analysed: int) -> dict[str, Any]:
    """How many responses the filters cover, how many cleaning excluded and why, how many are analysed."""
    from django.utils import translation

    from sqms.surveys.analysis import data_quality_sentence, say
    from sqms.surveys.services import RULE_NAMES

    base = filtered(user, campaign, Filters(f.unit, f.start, f.end, f.channel, status="all"))
    agg = base.aggregate(
        total=Count("id"),
        n_included=Count("id", filter=Q(included=True)),
        analyst_excluded=Count("id", filter=Q(included=False, override="exclude")),
        analyst_included=Count("id", filter=Q(included=True, override="include")),
        other_version=Count("id", filter=Q(included=True) & ~Q(version=campaign.version)),
    )
    reasons: Counter[str] = Counter()
    for flags in base.filter(included=False).values_list("flags", flat=True).iterator(chunk_size=5000):
        for rule in {x["rule"] for x in flags or []}:
            reasons[rule] += 1

    def names(rule: str) -> tuple[str, str]:
        fn = RULE_NAMES.get(rule)
        if fn is None:
            return rule, rule
        with translation.override("zh-hans"):
            zh = str(fn())
        with translation.override("en"):
            en = str(fn())
        return zh, en

    named = [(rule, *names(rule), count) for rule, count in reasons.most_common()]
    rows = [{"rule": r, "name": zh, "name_en": en, "n": c} for r, zh, en, c in named]
    agg["included"] = agg.pop("n_included")
    sentence = data_quality_sentence(
        agg["total"], agg["included"], analysed, [(zh, en, c) for _r, zh, en, c in named]
    )
    return {
        **agg,
        "excluded": agg["total"] - agg["included"],
        "analysed": analysed,
        "reasons": rows,
        "sentence": say(sentence),
    }


def compute_analysis(user: Any, campaign: Campaign, f: Filters, progress: Any = None) -> dict[str, Any]:
    """The analysis report (JSON-able, both languages) of the included responses under ``f``."""
    from sqms.surveys import analysis

    if progress is not None:
        progress("loading", 0.0)
    version = campaign.version
    x = matrix(filtered(user, campaign, included_only(f)), version)
    report = analysis.compute(x, version.items, version.definition, progress=progress)
    report["data_quality"] = data_quality(user, campaign, f, int(x.shape[0]))
    report["campaign"] = {"code": campaign.code, "name": campaign.name, "version": version.number}
    report["filters"] = filters_json(f)
    report["computed_at"] = timezone.now().isoformat()
    return report


def _huey() -> Any:
    from huey.contrib.djhuey import HUEY

    return HUEY


def store_analysis(slot: str, key: str, report: dict[str, Any]) -> None:
    """Keep a finished report: in the Django cache, and in huey's storage for the other processes; the
    slot's previous report (older data) is dropped from huey's storage."""
    from django.core.cache import cache

    cache.set(key, report, analysis_cache_seconds())
    store = _huey()
    previous = store.get(slot, peek=True)
    if previous and previous != key:
        for suffix in (":result", ":progress", ":pending"):
            store.delete(previous + suffix)
    store.put(key + ":result", report)
    store.put(slot, key)
    store.delete(key + ":pending")


def analysis(user: Any, campaign: Campaign, f: Filters, *, start_task: bool = True) -> dict[str, Any]:
    """``{"status": "ready", "report": {...}}`` or, while a background task computes it,
    ``{"status": "running" | "failed", "progress": {"step", "done", "error"?}, "n": included responses}``."""
    import time

    from django.core.cache import cache

    f = included_only(f)
    slot, key = analysis_keys(user, campaign, f)
    report = cache.get(key)
    if report is not None:
        return {"status": "ready", "report": report}
    store = _huey()
    report = store.get(key + ":result", peek=True)
    if report is not None:
        cache.set(key, report, analysis_cache_seconds())
        return {"status": "ready", "report": report}
    n = filtered(user, campaign, f).filter(version=campaign.version).count()
    if n <= analysis_async_above():
        report = compute_analysis(user, campaign, f)
        store_analysis(slot, key, report)
        return {"status": "ready", "report": report}
    started = store.get(key + ":pending", peek=True)
    stale = started is not None and time.time() - float(started) > 3600
    if start_task and (started is None or stale):
        if stale:
            store.delete(key + ":pending")
        if store.put_if_empty(key + ":pending", time.time()):
            from sqms.surveys.tasks import analyse_campaign

            store.put(key + ":progress", {"step": "queued", "done": 0.0})
            analyse_campaign(campaign.pk, user.pk, filters_json(f), slot, key)
            report = cache.get(key) or store.get(key + ":result", peek=True)  # immediate mode: done already
            if report is not None:
                cache.set(key, report, analysis_cache_seconds())
                return {"status": "ready", "report": report}
    progress = store.get(key + ":progress", peek=True) or {"step": "queued", "done": 0.0}
    return {"status": "failed" if progress.get("error") else "running", "progress": progress, "n": n}
