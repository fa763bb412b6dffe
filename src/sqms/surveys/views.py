"""Public answering page (``/s/<slug>/``), QR codes, and the back-office pages: builder preview, results,
the analysis report (with its Excel workbook), distribution (tokens, sampling, import) and exports."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import random
import time
from datetime import date
from typing import Any

from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core import signing
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from sqms.core.errors import DomainError, NotFound
from sqms.core.io import export_table
from sqms.core.security.ratelimit import rate_limit, too_large
from sqms.surveys import domain, importers, selectors, services
from sqms.surveys.models import Campaign, Channel, Token

START_SALT = "sqms.surveys.start"


def _ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or ""


def _device(request: HttpRequest) -> str:
    ua = request.META.get("HTTP_USER_AGENT", "")
    return hashlib.sha1(ua.encode(), usedforsecurity=False).hexdigest()[:16] if ua else ""


def _rate_limited(request: HttpRequest, campaign: Campaign) -> bool:
    """More than ``SQMS_SURVEY_RATE_LIMIT`` responses stored from this IP for this campaign in the last
    10 minutes? Counted from the responses themselves (one indexed query, shared by every web process,
    no cache write on the submit path)."""
    limit = int(getattr(settings, "SQMS_SURVEY_RATE_LIMIT", 30))
    if limit <= 0:
        return False
    return services.recent_responses(campaign=campaign, ip=_ip(request) or None, seconds=600) >= limit


_VERSIONS: dict[tuple[int, str], tuple[Any, Any]] = {}


def _public_campaign(slug: str) -> Campaign | None:
    """The campaign of a public link with its unit and version; the version's definition and items (the
    big JSON) come from a per-process cache keyed by version id and checksum (a version's wording only
    changes with its checksum), so a submission does not parse them again."""
    from sqms.org.models import OrgUnit
    from sqms.surveys.models import SurveyVersion

    # plain SQL (raw querysets): compiling the ORM query cost more than running it on every submission
    found = list(Campaign.objects.raw(f"SELECT * FROM {Campaign._meta.db_table} WHERE slug = %s", [slug]))
    if not found:
        return None
    campaign = found[0]
    unit = list(
        OrgUnit.objects.raw(f"SELECT * FROM {OrgUnit._meta.db_table} WHERE id = %s", [campaign.org_unit_id])
    )
    columns = "id, survey_id, number, checksum, published_at, published_by_id"
    table = SurveyVersion._meta.db_table
    version_rows = list(
        SurveyVersion.objects.raw(f"SELECT {columns} FROM {table} WHERE id = %s", [campaign.version_id])
    )
    if not unit or not version_rows:
        return None
    campaign.org_unit, campaign.version = unit[0], version_rows[0]
    version = campaign.version
    key = (version.pk, version.checksum)
    cached = _VERSIONS.get(key)
    if cached is None:
        full = SurveyVersion.objects.only("definition", "items").get(pk=version.pk)
        cached = (full.definition, full.items)
        if len(_VERSIONS) > 200:
            _VERSIONS.clear()
        _VERSIONS[key] = cached
    version.definition, version.items = cached
    return campaign


def _platform_limit_ok(request: HttpRequest) -> bool:
    """Count a refused or partial POST against the platform's ``survey-page`` limit."""
    from sqms.core.security.ratelimit import _who, hit

    return hit("survey-page", _who(request))[0]


def question_blocks(
    definition: dict[str, Any],
    values: dict[str, list[str]],
    errors: dict[str, list[str]],
    shuffle_seed: str = "",
) -> list[dict[str, Any]]:
    """Sections with display-ready questions (localised texts, options, kept input, errors)."""
    rng = random.Random(shuffle_seed or None)
    out = []
    number = 0
    for sec in definition.get("sections", []):
        qs = []
        for q in sec.get("questions", []):
            number += 1
            opts = [
                {"value": str(o["value"]), "label": selectors.localized(o, "label")}
                for o in domain.options_of(q)
            ]
            if q.get("randomize") and q["type"] in ("single", "multiple"):
                rng.shuffle(opts)
            rows = [
                {
                    "name": f"{q['code']}_{r['code']}",
                    "text": selectors.localized(r, "text"),
                    "value": (values.get(f"{q['code']}_{r['code']}") or [""])[0],
                    "error": (errors.get(f"{q['code']}_{r['code']}") or [""])[0],
                }
                for r in q.get("rows", [])
            ]
            qs.append(
                {
                    "code": q["code"],
                    "type": q["type"],
                    "number": number,
                    "text": selectors.localized(q, "text"),
                    "help": q.get("help", ""),
                    "required": q.get("required"),
                    "options": opts,
                    "rows": rows,
                    "value": (values.get(q["code"]) or [""])[0],
                    "values": values.get(q["code"]) or [],
                    "error": (errors.get(q["code"]) or [""])[0],
                    "min": q.get("min"),
                    "max": q.get("max"),
                    "show_if": json.dumps(q["show_if"]) if q.get("show_if") else "",
                }
            )
        out.append({"title": selectors.localized(sec, "title"), "questions": qs})
    return out


def _page(
    request: HttpRequest, template: str, campaign: Campaign | None, status: int = 200, **context: Any
) -> HttpResponse:
    title = selectors.localized(campaign.version.definition, "title") if campaign else ""
    return render(
        request,
        f"surveys/{template}",
        {"campaign": campaign, "survey_title": title, **context},
        status=status,
    )


@rate_limit("survey-page", methods=("GET",))
def answer(request: HttpRequest, slug: str) -> HttpResponse:
    """The public answering page. GETs go through the platform's per-address limiter; a POST that stores a
    response is limited by :func:`_rate_limited` (no cache writes), one that is refused (bad answers,
    saved for later) through the platform limiter too, so invalid posts cannot be flooded either."""
    if request.method == "POST" and too_large(request):
        return HttpResponse(
            _("The request is too large."), status=413, content_type="text/plain; charset=utf-8"
        )
    campaign = _public_campaign(slug)
    if campaign is None or campaign.archived_at is not None:
        raise Http404
    key = request.POST.get("_t") or request.GET.get("t") or ""
    token = Token.objects.filter(campaign=campaign, key=key).first() if key else None
    if key and token is None:
        return _page(request, "unavailable.html", campaign, 404, reason="invalid")
    if not campaign.is_open():
        return _page(request, "unavailable.html", campaign, 410, reason="closed")
    state = services.token_state(token)
    if state != "ok":
        return _page(request, "unavailable.html", campaign, 410, reason=state)
    if token is None and not campaign.public:
        return _page(request, "unavailable.html", campaign, 403, reason="private")
    definition = campaign.version.definition
    errors: dict[str, list[str]] = {}
    values: dict[str, list[str]] = dict(token.partial) if token and token.partial else {}
    start = signing.dumps({"c": campaign.pk, "t": time.time()}, salt=START_SALT)
    notice = ""
    if request.method == "POST":
        values = {k: request.POST.getlist(k) for k in request.POST if not k.startswith(("csrf", "_"))}
        start = request.POST.get("_start") or start
        if request.POST.get("_website"):  # honeypot: a bot filled the hidden field; pretend success
            return HttpResponseRedirect(reverse("surveys:thanks", args=[slug]))
        if _rate_limited(request, campaign):
            return _page(request, "unavailable.html", campaign, 429, reason="rate")
        if request.POST.get("_save") and token is not None:
            if not _platform_limit_ok(request):
                return _page(request, "unavailable.html", campaign, 429, reason="rate")
            services.save_partial(token=token, raw=values)
            notice = _("Your answers are saved. Open the same link later to continue.")
        else:
            duration = None
            try:
                started = signing.loads(start, salt=START_SALT, max_age=7 * 86400)
                if started.get("c") == campaign.pk:
                    duration = max(0.0, time.time() - float(started["t"]))
            except (signing.BadSignature, KeyError, TypeError, ValueError):
                duration = None
            try:
                services.submit_response(
                    campaign=campaign,
                    raw=values,
                    token=token,
                    duration_s=duration,
                    ip=_ip(request) or None,
                    device=_device(request),
                )
            except DomainError as exc:
                if exc.code in ("used", "expired", "closed"):
                    return _page(request, "unavailable.html", campaign, 410, reason=exc.code)
                if exc.status == 404:
                    raise Http404 from exc
                if not _platform_limit_ok(request):
                    return _page(request, "unavailable.html", campaign, 429, reason="rate")
                errors = exc.fields or {}
            else:
                return HttpResponseRedirect(reverse("surveys:thanks", args=[slug]))
    blocks = question_blocks(definition, values, errors, shuffle_seed=token.key if token else "")
    total = sum(len(b["questions"]) for b in blocks)
    return _page(
        request,
        "answer.html",
        campaign,
        400 if errors else 200,
        blocks=blocks,
        errors=errors,
        token=token,
        start=start,
        total=total,
        notice=notice,
        intro=selectors.localized(definition, "intro"),
    )


def thanks(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    return _page(request, "thanks.html", campaign)


def qr(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The public link as a QR code, generated offline (segno); PNG or SVG."""
    import segno

    campaign = get_object_or_404(Campaign, slug=slug, archived_at__isnull=True)
    url = request.build_absolute_uri(reverse("surveys:answer", args=[campaign.slug]))
    code = segno.make(url, error="m")
    buf = io.BytesIO()
    if fmt == "svg":
        code.save(buf, kind="svg", scale=8, border=2)
        content_type = "image/svg+xml"
    else:
        code.save(buf, kind="png", scale=8, border=2)
        content_type = "image/png"
    response = HttpResponse(buf.getvalue(), content_type=content_type)
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="survey-{campaign.code}.{fmt}"'
    return response


@csrf_exempt
@rate_limit("webhook", methods=("POST",))
@require_POST
def push(request: HttpRequest, slug: str) -> HttpResponse:
    """The data-push receiver for external survey tools (``POST /surveys/push/<slug>/``, JSON): signed with
    the campaign's shared secret, duplicates by response id ignored, rate-limited per campaign and IP
    (``SQMS_SURVEY_PUSH_RATE_LIMIT`` per minute); see ``services.receive_push``."""
    campaign = Campaign.objects.filter(slug=slug).select_related("version", "org_unit").first()
    if campaign is None or not campaign.push_secret:
        return JsonResponse(
            {"error": {"code": "not_found", "message": _("Not found."), "fields": {}}}, status=404
        )
    limit = int(getattr(settings, "SQMS_SURVEY_PUSH_RATE_LIMIT", 600))
    if limit > 0:
        key = f"sqms:surveys:push:{campaign.pk}:{_ip(request)}:{int(time.time() // 60)}"
        cache.add(key, 0, timeout=120)
        try:
            count = cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=120)
            count = 1
        if count > limit:
            response = JsonResponse(
                {
                    "error": {
                        "code": "rate_limited",
                        "message": _("Too many requests; try again in a minute."),
                        "fields": {},
                    }
                },
                status=429,
            )
            response["Retry-After"] = "60"
            return response
    status, body = services.receive_push(
        campaign=campaign,
        body=request.body,
        signature=request.headers.get("X-SQMS-Signature", ""),
        timestamp=request.headers.get("X-SQMS-Timestamp", ""),
        ip=_ip(request) or None,
    )
    return JsonResponse(body, status=status)


# --- back office -----------------------------------------------------------------------------------------


def _admin_context(request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
    return {**admin.site.each_context(request), "title": title, **extra}


def _campaign(request: HttpRequest, pk: int) -> Campaign:
    if not request.user.has_perm("surveys.view_campaign"):
        raise Http404
    try:
        return selectors.get_or_404(selectors.campaigns(request.user), pk=pk)
    except NotFound as exc:
        raise Http404 from exc


def _template_choices() -> list[dict[str, str]]:
    from sqms.surveys.templates_data import TEMPLATES

    out = []
    for key, make in TEMPLATES.items():
        data = make()
        out.append({"key": key, "title": selectors.localized(data, "title"), "code": data["code"]})
    return out


@staff_member_required
def new_from_template(request: HttpRequest) -> HttpResponse:
    """The builder's starting point: a new draft survey from one of the shipped templates."""
    if not request.user.has_perm("surveys.add_survey"):
        raise Http404
    from sqms.org.selectors import units

    errors: dict[str, list[str]] = {}
    values = {"template": "", "code": "", "title": "", "owner_unit": ""}
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in values}
        unit = None
        if values["owner_unit"]:
            unit = units(request.user).filter(code=values["owner_unit"]).first()
            if unit is None:
                errors["owner_unit"] = [_("No such unit in your scope.")]
        if not values["code"]:
            errors["code"] = [_("Give the new survey a code.")]
        if not errors:
            try:
                survey = services.create_from_template(
                    actor=request.user,
                    template=values["template"],
                    code=values["code"],
                    title=values["title"] or None,
                    owner_unit=unit,
                )
            except DomainError as exc:
                errors = exc.fields or {"template": [exc.message]}
            else:
                messages.success(request, _("Survey %(s)s created from the template.") % {"s": survey.code})
                return HttpResponseRedirect(reverse("surveys:preview", args=[survey.pk]))
    return render(
        request,
        "surveys/new_from_template.html",
        _admin_context(
            request,
            _("New survey from a template"),
            templates=_template_choices(),
            units=units(request.user).order_by("path"),
            values=values,
            errors=errors,
        ),
        status=400 if errors else 200,
    )


@staff_member_required
@require_POST
def launch(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish the draft (a new version only if it changed) and open a campaign on it."""
    survey = selectors.surveys(request.user).filter(pk=pk).first()
    if survey is None or not request.user.has_perm("surveys.add_campaign"):
        raise Http404
    from sqms.org.selectors import units

    code = request.POST.get("code", "").strip()
    name = request.POST.get("name", "").strip()
    unit = units(request.user).filter(code=request.POST.get("org_unit", "")).first()
    problems = []
    if not code:
        problems.append(_("code: give the campaign a code."))
    if not name:
        problems.append(_("name: give the campaign a name."))
    if unit is None:
        problems.append(_("org unit: choose a unit in your scope."))
    if not problems:
        try:
            version = services.publish_survey(actor=request.user, survey=survey)
            campaign = services.create_campaign(
                actor=request.user, survey=survey, code=code, name=name, org_unit=unit, version=version
            )
        except DomainError as exc:
            problems.append(
                exc.message + " " + "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.fields.items())
            )
        else:
            messages.success(
                request,
                _("Version %(n)s published; campaign %(c)s is open.")
                % {"n": version.number, "c": campaign.code},
            )
            return HttpResponseRedirect(reverse("surveys:distribute", args=[campaign.pk]))
    for p in problems:
        messages.error(request, p)
    return HttpResponseRedirect(reverse("surveys:preview", args=[survey.pk]))


@staff_member_required
@xframe_options_sameorigin  # the builder page shows the draft in a phone-sized iframe of the same origin
@csp_replace({"frame-ancestors": ["'self'"]})
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.surveys(request.user).filter(pk=pk).first()
    if survey is None or not request.user.has_perm("surveys.view_survey"):
        raise Http404
    if request.GET.get("frame"):
        definition = services.definition_of(survey)
        blocks = question_blocks(definition, {}, {})
        return render(
            request,
            "surveys/answer.html",
            {
                "campaign": None,
                "survey_title": selectors.localized(definition, "title"),
                "blocks": blocks,
                "errors": {},
                "total": sum(len(b["questions"]) for b in blocks),
                "preview": True,
                "intro": selectors.localized(definition, "intro"),
            },
        )
    from sqms.org.selectors import units

    return render(
        request,
        "surveys/preview.html",
        _admin_context(
            request,
            _("Phone preview: %(s)s") % {"s": survey},
            survey=survey,
            can_launch=request.user.has_perm("surveys.add_campaign"),
            units=units(request.user).order_by("path"),
        ),
    )


def _filters(request: HttpRequest, campaign: Campaign) -> selectors.Filters:
    f = selectors.Filters(
        status=request.GET.get("status") or "included", channel=request.GET.get("channel") or ""
    )
    unit_code = request.GET.get("unit")
    if unit_code:
        from sqms.org.selectors import units

        f.unit = units(request.user).filter(code=unit_code, path__startswith=campaign.org_unit.path).first()
    for name in ("start", "end"):
        with contextlib.suppress(ValueError):
            setattr(f, name, date.fromisoformat(request.GET.get(name, "")))
    return f


def _filter_units(campaign: Campaign) -> Any:
    """The units offered by the filter form: the campaign's unit and two levels below it."""
    from sqms.org.models import OrgUnit

    return OrgUnit.objects.filter(
        path__startswith=campaign.org_unit.path, depth__lte=campaign.org_unit.depth + 2
    )


@staff_member_required
def results(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    f = _filters(request, campaign)
    data = selectors.results(request.user, campaign, f)
    units = _filter_units(campaign)
    chart = {
        "labels": [str(d["day"]) for d in data["by_day"]],
        "values": [d["n"] for d in data["by_day"]],
        "label": _("Responses"),
    }
    return render(
        request,
        "surveys/results.html",
        _admin_context(
            request,
            _("Results: %(c)s") % {"c": campaign},
            r=data,
            f=f,
            units=units,
            channels=Channel.choices,
            chart=chart,
            query=request.GET.urlencode(),
            can_clean=request.user.has_perm("surveys.change_response"),
        ),
    )


def _analysis_filters(request: HttpRequest, campaign: Campaign) -> selectors.Filters:
    """The results page's filters (unit subtree, period, channel); the analysis uses included responses."""
    return selectors.included_only(_filters(request, campaign))


def _analysis_query(request: HttpRequest) -> str:
    q = request.GET.copy()
    q.pop("status", None)
    return q.urlencode()


@staff_member_required
def analysis(request: HttpRequest, pk: int) -> HttpResponse:
    """The analysis report: data quality, descriptives, reliability, validity, correlation, SERVQUAL gap,
    IPA and key drivers, each with its sentence; computed inline or, for large data, by a task."""
    from sqms.surveys import analysis_tables

    campaign = _campaign(request, pk)
    f = _analysis_filters(request, campaign)
    state = selectors.analysis(request.user, campaign, f)
    context: dict[str, Any] = {
        "campaign": campaign,
        "state": state,
        "f": f,
        "units": _filter_units(campaign),
        "channels": Channel.choices,
        "query": _analysis_query(request),
    }
    if state["status"] == "ready":
        report = state["report"]
        context["sections"] = analysis_tables.sections(report)
        context["charts"] = analysis_tables.charts(report)
        context["report"] = report
    else:
        context["step"] = analysis_tables.step_name(state["progress"].get("step", ""))
        context["percent"] = round(100 * float(state["progress"].get("done") or 0))
    return render(
        request,
        "surveys/analysis.html",
        _admin_context(request, _("Analysis: %(c)s") % {"c": campaign}, **context),
    )


@staff_member_required
def analysis_status(request: HttpRequest, pk: int) -> JsonResponse:
    """Progress of a report computed in the background (polled by the analysis page)."""
    from sqms.surveys import analysis_tables

    campaign = _campaign(request, pk)
    state = selectors.analysis(request.user, campaign, _analysis_filters(request, campaign))
    progress = state.get("progress", {"step": "done", "done": 1.0})
    return JsonResponse(
        {
            "status": state["status"],
            "step": progress.get("step", ""),
            "label": analysis_tables.step_name(progress.get("step", "")),
            "done": progress.get("done", 0.0),
            "error": progress.get("error", ""),
        }
    )


@staff_member_required
def analysis_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Every table of the report in one Excel workbook (a sheet per table, conclusions first)."""
    from sqms.core import audit
    from sqms.core.models import AuditAction
    from sqms.surveys import analysis_tables

    campaign = _campaign(request, pk)
    f = _analysis_filters(request, campaign)
    state = selectors.analysis(request.user, campaign, f)
    back = reverse("surveys:analysis", args=[pk]) + (f"?{_analysis_query(request)}" if request.GET else "")
    if state["status"] != "ready":
        messages.info(request, _("The report is still being computed; export it when it is ready."))
        return HttpResponseRedirect(back)
    report = state["report"]
    flt = report["filters"]
    heading = [
        (_("Campaign"), f"{campaign.code} {campaign.name}"),
        (_("Questionnaire version"), report["campaign"]["version"]),
        (_("Unit"), f.unit.name if f.unit else _("All units")),
        (_("From"), flt["start"] or ""),
        (_("To"), flt["end"] or ""),
        (_("Channel"), flt["channel"] or _("All channels")),
        (_("Computed at"), report["computed_at"]),
    ]
    data = analysis_tables.workbook(analysis_tables.sections(report), heading)
    audit.record(
        actor=request.user,
        action=AuditAction.EXPORT,
        instance=campaign,
        verb="export analysis xlsx",
        extra=selectors.filters_json(f),
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{campaign.code}-analysis.xlsx"'
    return response


@staff_member_required
@require_POST
def clean(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    if not request.user.has_perm("surveys.change_response"):
        raise Http404
    counts = services.clean_campaign(campaign=campaign, actor=request.user)
    messages.success(
        request,
        _("%(n)s responses checked, %(x)s excluded.") % {"n": counts["responses"], "x": counts["excluded"]},
    )
    return HttpResponseRedirect(reverse("surveys:results", args=[pk]))


@staff_member_required
def export(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    if not request.user.has_perm("surveys.view_response"):
        raise Http404
    fmt = request.GET.get("format", "xlsx")
    shape = request.GET.get("shape", "wide")
    cleaned = request.GET.get("data", "cleaned") == "cleaned"
    f = _filters(request, campaign)
    try:
        if fmt == "sav":
            shape = "wide"
            data, content_type = (
                selectors.export_sav(request.user, campaign, cleaned=cleaned, f=f),
                "application/x-spss-sav",
            )
        else:
            headers, rows = selectors.export_rows(request.user, campaign, cleaned=cleaned, shape=shape, f=f)
            data, content_type = export_table(headers, rows, fmt)
    except DomainError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("surveys:results", args=[pk]))
    from sqms.core import audit
    from sqms.core.models import AuditAction

    audit.record(
        actor=request.user,
        action=AuditAction.EXPORT,
        instance=campaign,
        verb=f"export responses {shape} {fmt}",
        extra={"cleaned": cleaned},
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{campaign.code}-{"cleaned" if cleaned else "raw"}-{shape}.{fmt}"'
    )
    return response


def token_links(request: HttpRequest, campaign: Campaign, tokens: Any) -> tuple[list[str], list[list[Any]]]:
    base = request.build_absolute_uri(reverse("surveys:answer", args=[campaign.slug]))
    rows = [
        [
            t.key,
            f"{base}?t={t.key}",
            t.customer.name if t.customer else "",
            t.org_unit.code if t.org_unit else "",
            t.expires_at,
            t.used_at,
        ]
        for t in tokens
    ]
    return ["token", "link", "customer", "org_unit", "expires_at", "used_at"], rows


@staff_member_required
def distribute(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    user = request.user
    plan = None
    report = None
    if request.method == "POST":
        what = request.POST.get("what")
        try:
            if what == "tokens":
                count = int(request.POST.get("count") or 0)
                tokens = services.issue_tokens(actor=user, campaign=campaign, count=count)
                messages.success(request, _("%(n)s tokens issued.") % {"n": len(tokens)})
                return HttpResponseRedirect(request.path)
            if what == "sample":
                plan, tokens = services.draw_sample(
                    actor=user,
                    campaign=campaign,
                    margin=float(request.POST.get("margin") or 0.05),
                    confidence=float(request.POST.get("confidence") or 0.95),
                    p=float(request.POST.get("p") or 0.5),
                    seed=int(request.POST["seed"]) if request.POST.get("seed") else None,
                )
                messages.success(
                    request, _("%(n)s customers drawn (seed %(s)s).") % {"n": len(tokens), "s": plan["seed"]}
                )
            if what == "import":
                upload = request.FILES.get("file")
                if upload is None:
                    raise DomainError(_("Choose a file to import."))
                mapping = (
                    json.loads(request.POST["mapping"]) if request.POST.get("mapping", "").strip() else None
                )
                report = importers.import_responses(
                    actor=user,
                    campaign=campaign,
                    raw=upload.read(),
                    filename=upload.name or "upload.csv",
                    mapping=mapping,
                    dry_run=bool(request.POST.get("dry_run")),
                )
                if report.written:
                    messages.success(request, _("%(n)s responses imported.") % {"n": report.written})
        except DomainError as exc:
            messages.error(
                request, exc.message + " " + "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.fields.items())
            )
        except (ValueError, KeyError) as exc:
            messages.error(request, _("Invalid input: %(e)s") % {"e": exc})
    if plan is None and request.GET.get("margin"):
        try:
            plan = services.sampling_plan(
                actor=user,
                campaign=campaign,
                margin=float(request.GET["margin"]),
                confidence=float(request.GET.get("confidence") or 0.95),
                p=float(request.GET.get("p") or 0.5),
            )
        except (DomainError, ValueError):
            messages.error(request, _("Margin, confidence and p must be between 0 and 1."))
    public_url = request.build_absolute_uri(reverse("surveys:answer", args=[campaign.slug]))
    return render(
        request,
        "surveys/distribute.html",
        _admin_context(
            request,
            _("Distribute: %(c)s") % {"c": campaign},
            campaign=campaign,
            public_url=public_url,
            plan=plan,
            report=report,
            issued=campaign.tokens.count(),
            used=campaign.tokens.filter(used_at__isnull=False).count(),
            items=[q["code"] for q in domain.questions(campaign.version.definition)],
        ),
    )


@staff_member_required
def tokens_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    qs = campaign.tokens.select_related("customer", "org_unit").order_by("pk")
    if request.GET.get("unused"):
        qs = qs.filter(used_at__isnull=True)
    headers, rows = token_links(request, campaign, qs)
    data, content_type = export_table(headers, rows, request.GET.get("format", "xlsx"))
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{campaign.code}-links.{request.GET.get("format", "xlsx")}"'
    )
    return response


@staff_member_required
def sample_size(request: HttpRequest) -> HttpResponse:
    """The sample-size calculator: Cochran with finite-population correction."""
    result = None
    error = ""
    values = {
        "population": request.GET.get("population", "10000"),
        "margin": request.GET.get("margin", "0.05"),
        "confidence": request.GET.get("confidence", "0.95"),
        "p": request.GET.get("p", "0.5"),
    }
    try:
        result = domain.sample_size(
            int(values["population"]),
            margin=float(values["margin"]),
            confidence=float(values["confidence"]),
            p=float(values["p"]),
        )
    except ValueError:
        error = _("Population must be a whole number; margin, confidence and p between 0 and 1.")
    return render(
        request,
        "surveys/sample_size.html",
        _admin_context(request, _("Sample size calculator"), result=result, error=error, values=values),
    )
