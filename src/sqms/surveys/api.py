"""Survey endpoints: /surveys, /surveys/{code}/versions, /survey-campaigns, tokens, responses (submit,
import, export), cleaning decisions and results."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from sqms.core.apibase import Mapped, Page, require
from sqms.core.errors import ValidationFailed
from sqms.core.io import export_table
from sqms.org.selectors import units
from sqms.surveys import importers, selectors, services
from sqms.surveys.models import Campaign, Response, Survey

router = Router(tags=["surveys"])


class SurveyOut(Schema):
    id: int
    code: str
    title: str
    title_en: str
    status: str
    owner_unit: str | None
    template: str
    latest_version: int | None


def _survey_out(s: Survey) -> dict[str, Any]:
    v = s.versions.order_by("-number").first()
    return {
        "id": s.pk,
        "code": s.code,
        "title": s.title,
        "title_en": s.title_en,
        "status": s.status,
        "owner_unit": s.owner_unit.code if s.owner_unit else None,
        "template": s.template,
        "latest_version": v.number if v else None,
    }


class SurveyIn(Schema):
    code: str
    title: str = ""
    title_en: str = ""
    template: str = ""
    owner_unit: str | None = None


class QuestionIn(Schema):
    code: str
    type: str = "likert"
    text: str
    text_en: str = ""
    required: bool = True
    scale_points: int = 5
    options: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    dimension: str | None = None
    reverse_scored: bool = False
    show_if: dict[str, Any] = {}
    randomize_options: bool = False
    attention_check: bool = False
    attention_answer: str = ""
    min_value: float | None = None
    max_value: float | None = None


class VersionOut(Schema):
    number: int
    published_at: datetime
    checksum: str
    items: list[str]
    definition: dict[str, Any]


def _version_out(v: Any) -> dict[str, Any]:
    return {
        "number": v.number,
        "published_at": v.published_at,
        "checksum": v.checksum,
        "items": [i["code"] for i in v.items],
        "definition": v.definition,
    }


def _survey(request: HttpRequest, code: str) -> Survey:
    require(request, "surveys.view_survey")
    return selectors.get_or_404(selectors.surveys(request.user), code=code)


@router.get("/surveys", response=list[SurveyOut])
@paginate(Page)
def list_surveys(request: HttpRequest) -> Any:
    require(request, "surveys.view_survey")
    return Mapped(selectors.surveys(request.user), _survey_out)


@router.post("/surveys", response={201: SurveyOut})
def create_survey(request: HttpRequest, payload: SurveyIn) -> Status:
    owner = selectors.get_or_404(units(request.user), code=payload.owner_unit) if payload.owner_unit else None
    if payload.template:
        s = services.create_from_template(
            actor=request.user,
            template=payload.template,
            code=payload.code,
            owner_unit=owner,
            title=payload.title or None,
        )
    else:
        if not payload.title:
            raise ValidationFailed(fields={"title": ["This field is required."]})
        s = services.create_survey(
            actor=request.user,
            code=payload.code,
            title=payload.title,
            title_en=payload.title_en,
            owner_unit=owner,
        )
    return Status(201, _survey_out(s))


@router.get("/surveys/{code}", response=SurveyOut)
def get_survey(request: HttpRequest, code: str) -> dict[str, Any]:
    return _survey_out(_survey(request, code))


@router.post("/surveys/{code}/questions", response={201: dict})
def add_question(request: HttpRequest, code: str, payload: QuestionIn) -> Status:
    s = _survey(request, code)
    q = services.add_question(actor=request.user, survey=s, **payload.dict())
    return Status(201, {"id": q.pk, "code": q.code})


@router.get("/surveys/{code}/versions", response=list[VersionOut])
def list_versions(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    return [_version_out(v) for v in _survey(request, code).versions.order_by("-number")]


@router.post("/surveys/{code}/versions", response={201: VersionOut})
def publish(request: HttpRequest, code: str) -> Status:
    return Status(
        201, _version_out(services.publish_survey(actor=request.user, survey=_survey(request, code)))
    )


class CampaignOut(Schema):
    id: int
    code: str
    name: str
    survey: str
    version: int
    org_unit: str
    channel: str
    status: str
    starts_at: datetime
    ends_at: datetime | None
    public_url: str


def _campaign_out(c: Campaign) -> dict[str, Any]:
    return {
        "id": c.pk,
        "code": c.code,
        "name": c.name,
        "survey": c.survey.code,
        "version": c.version.number,
        "org_unit": c.org_unit.code,
        "channel": c.channel,
        "status": c.status,
        "starts_at": c.starts_at,
        "ends_at": c.ends_at,
        "public_url": f"/s/{c.slug}/",
    }


class CampaignIn(Schema):
    code: str
    name: str
    survey: str
    org_unit: str
    channel: str = "web"
    version: int | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    public: bool = True
    target: int = 0


def _campaign(request: HttpRequest, code: str) -> Campaign:
    require(request, "surveys.view_campaign")
    return selectors.get_or_404(selectors.campaigns(request.user), code=code)


@router.get("/survey-campaigns", response=list[CampaignOut])
@paginate(Page)
def list_campaigns(request: HttpRequest) -> Any:
    require(request, "surveys.view_campaign")
    return Mapped(selectors.campaigns(request.user), _campaign_out)


@router.post("/survey-campaigns", response={201: CampaignOut})
def create_campaign(request: HttpRequest, payload: CampaignIn) -> Status:
    s = _survey(request, payload.survey)
    unit = selectors.get_or_404(units(request.user), code=payload.org_unit)
    version = selectors.get_or_404(s.versions.all(), number=payload.version) if payload.version else None
    c = services.create_campaign(
        actor=request.user,
        survey=s,
        code=payload.code,
        name=payload.name,
        org_unit=unit,
        channel=payload.channel,
        version=version,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        public=payload.public,
        target=payload.target,
    )
    return Status(201, _campaign_out(c))


@router.get("/survey-campaigns/{code}", response=CampaignOut)
def get_campaign(request: HttpRequest, code: str) -> dict[str, Any]:
    return _campaign_out(_campaign(request, code))


class StatusIn(Schema):
    status: str


@router.post("/survey-campaigns/{code}/status", response=CampaignOut)
def campaign_status(request: HttpRequest, code: str, payload: StatusIn) -> dict[str, Any]:
    c = services.set_campaign_status(
        actor=request.user, campaign=_campaign(request, code), status=payload.status
    )
    return _campaign_out(c)


class TokensIn(Schema):
    count: int = 0
    customers: list[int] = []
    org_unit: str | None = None


class TokenOut(Schema):
    token: str
    url: str
    customer: int | None
    expires_at: datetime | None
    used_at: datetime | None


def _token_out(t: Any) -> dict[str, Any]:
    return {
        "token": t.key,
        "url": f"/s/{t.campaign.slug}/?t={t.key}",
        "customer": t.customer_id,
        "expires_at": t.expires_at,
        "used_at": t.used_at,
    }


@router.post("/survey-campaigns/{code}/tokens", response={201: list[TokenOut]})
def issue_tokens(request: HttpRequest, code: str, payload: TokensIn) -> tuple[int, list[dict[str, Any]]]:
    from sqms.org.selectors import customers

    c = _campaign(request, code)
    unit = selectors.get_or_404(units(request.user), code=payload.org_unit) if payload.org_unit else None
    custs = list(customers(request.user).filter(pk__in=payload.customers))
    if len(custs) != len(set(payload.customers)):
        raise ValidationFailed(fields={"customers": ["Unknown customer."]})
    tokens = services.issue_tokens(
        actor=request.user, campaign=c, count=payload.count, customers=custs, org_unit=unit
    )
    return Status(201, [_token_out(t) for t in tokens])


@router.get("/survey-campaigns/{code}/tokens", response=list[TokenOut])
@paginate(Page)
def list_tokens(request: HttpRequest, code: str) -> Any:
    c = _campaign(request, code)
    require(request, "surveys.view_token")
    return Mapped(selectors.tokens(request.user).filter(campaign=c), _token_out)


class SampleIn(Schema):
    margin: float = 0.05
    confidence: float = 0.95
    p: float = 0.5
    seed: int | None = None
    draw: bool = False


@router.post("/survey-campaigns/{code}/sample", response=dict)
def sample(request: HttpRequest, code: str, payload: SampleIn) -> dict[str, Any]:
    c = _campaign(request, code)
    if not payload.draw:
        plan = services.sampling_plan(
            actor=request.user, campaign=c, margin=payload.margin, confidence=payload.confidence, p=payload.p
        )
        return {k: v for k, v in plan.items() if not k.startswith("_")}
    plan, tokens = services.draw_sample(
        actor=request.user,
        campaign=c,
        margin=payload.margin,
        confidence=payload.confidence,
        p=payload.p,
        seed=payload.seed,
    )
    return {**plan, "tokens": [t.key for t in tokens]}


class ResponseOut(Schema):
    id: int
    campaign: str
    org_unit: str
    channel: str
    source: str
    submitted_at: datetime
    duration_s: float | None
    answers: dict[str, Any]
    flags: list[dict[str, Any]]
    included: bool
    override: str


def _response_out(r: Response) -> dict[str, Any]:
    return {
        "id": r.pk,
        "campaign": r.campaign.code,
        "org_unit": r.org_unit.code,
        "channel": r.channel,
        "source": r.source,
        "submitted_at": r.submitted_at,
        "duration_s": r.duration_s,
        "answers": r.answers,
        "flags": r.flags,
        "included": r.included,
        "override": r.override,
    }


@router.get("/survey-campaigns/{code}/responses", response=list[ResponseOut])
@paginate(Page)
def list_responses(
    request: HttpRequest, code: str, included: bool | None = None, unit: str | None = None
) -> Any:
    c = _campaign(request, code)
    require(request, "surveys.view_response")
    qs = selectors.responses(request.user).filter(campaign=c)
    if included is not None:
        qs = qs.filter(included=included)
    if unit:
        qs = qs.filter(org_unit__path__startswith=selectors.get_or_404(units(request.user), code=unit).path)
    return Mapped(qs, _response_out)


class SubmitIn(Schema):
    answers: dict[str, Any]
    token: str | None = None
    org_unit: str | None = None
    duration_s: float | None = None
    external_id: str = ""


@router.post("/survey-campaigns/{code}/responses", response={201: ResponseOut})
def submit(request: HttpRequest, code: str, payload: SubmitIn) -> Status:
    """Submit one response through the API (answers by question code; lists for multiple choice)."""
    from sqms.surveys.models import ResponseSource, Token

    c = _campaign(request, code)
    require(request, "surveys.add_response")
    token = None
    if payload.token:
        token = Token.objects.filter(campaign=c, key=payload.token).first()
        if token is None:
            raise ValidationFailed(fields={"token": ["Unknown token."]})
    unit = selectors.get_or_404(units(request.user), code=payload.org_unit) if payload.org_unit else None
    raw = {
        k: [str(x) for x in v] if isinstance(v, list) else [str(v)]
        for k, v in payload.answers.items()
        if v is not None
    }
    r = services.submit_response(
        campaign=c,
        raw=raw,
        token=token,
        duration_s=payload.duration_s,
        source=ResponseSource.API,
        org_unit=unit,
        external_id=payload.external_id,
    )
    return Status(201, _response_out(r))


class DecisionIn(Schema):
    decision: str
    reason: str = ""


@router.post("/survey-responses/{pk}/decision", response=ResponseOut)
def decision(request: HttpRequest, pk: int, payload: DecisionIn) -> dict[str, Any]:
    require(request, "surveys.view_response")
    r = selectors.get_or_404(selectors.responses(request.user), pk=pk)
    return _response_out(
        services.decide(actor=request.user, response=r, decision=payload.decision, reason=payload.reason)
    )


@router.post("/survey-campaigns/{code}/clean", response=dict)
def clean(request: HttpRequest, code: str) -> dict[str, int]:
    c = _campaign(request, code)
    require(request, "surveys.change_response")
    return services.clean_campaign(campaign=c, actor=request.user)


@router.post("/survey-campaigns/{code}/import", response=dict)
def import_file(
    request: HttpRequest,
    code: str,
    file: File[UploadedFile],
    mapping: Form[str] = "",
    dry_run: Form[bool] = False,
) -> dict[str, Any]:
    import json

    c = _campaign(request, code)
    try:
        parsed = importers.check_mapping(json.loads(mapping)) if mapping.strip() else None
    except json.JSONDecodeError as exc:
        raise ValidationFailed(fields={"mapping": ["Not valid JSON."]}) from exc
    report = importers.import_responses(
        actor=request.user,
        campaign=c,
        raw=file.read(),
        filename=file.name or "upload.csv",
        mapping=parsed,
        dry_run=dry_run,
    )
    return report.to_dict()


class ResultFilter(Schema):
    unit: str | None = None
    start: date | None = None
    end: date | None = None
    channel: str = ""
    status: str = "included"


def _filters(request: HttpRequest, c: Campaign, f: ResultFilter) -> selectors.Filters:
    unit = selectors.get_or_404(units(request.user), code=f.unit) if f.unit else None
    return selectors.Filters(unit=unit, start=f.start, end=f.end, channel=f.channel, status=f.status)


@router.get("/survey-campaigns/{code}/results", response=dict)
def results(request: HttpRequest, code: str, f: Query[ResultFilter]) -> dict[str, Any]:
    c = _campaign(request, code)
    require(request, "surveys.view_response")
    return selectors.results_json(selectors.results(request.user, c, _filters(request, c, f)))


class ExportFilter(ResultFilter):
    format: str = "csv"  # csv, xlsx or sav (SPSS)
    shape: str = "wide"
    data: str = "cleaned"


@router.get("/survey-campaigns/{code}/export")
def export(request: HttpRequest, code: str, f: Query[ExportFilter]) -> HttpResponse:
    format, shape, data = f.format, f.shape, f.data
    c = _campaign(request, code)
    require(request, "surveys.view_response")
    if format == "sav":  # SPSS: wide, with variable labels, value labels and user-missing codes
        shape = "wide"
        body = selectors.export_sav(request.user, c, cleaned=data == "cleaned", f=_filters(request, c, f))
        content_type = "application/x-spss-sav"
    else:
        headers, rows = selectors.export_rows(
            request.user, c, cleaned=data == "cleaned", shape=shape, f=_filters(request, c, f)
        )
        body, content_type = export_table(headers, rows, format)
    from sqms.core import audit
    from sqms.core.models import AuditAction

    audit.record(
        actor=request.user,
        action=AuditAction.EXPORT,
        instance=c,
        verb=f"export responses {shape} {format}",
        extra={"cleaned": data == "cleaned", "via": "api"},
    )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{c.code}-{data}-{shape}.{format}"'
    return response


class AnalysisFilter(Schema):
    unit: str | None = None
    start: date | None = None
    end: date | None = None
    channel: str = ""


@router.get("/survey-campaigns/{code}/analysis", response={200: dict, 202: dict})
def analysis(request: HttpRequest, code: str, f: Query[AnalysisFilter]) -> Status:
    """The analysis report of the included responses (same filters as the results, without status): data
    quality, descriptives, reliability, validity, correlation, SERVQUAL gap, IPA, key drivers, NPS/CSAT, each
    with its sentence in Chinese and English. While a large report is computed in the background the answer
    is 202 with ``{"status": "running", "progress": {"step", "done"}}``; ask again until it is 200."""
    c = _campaign(request, code)
    require(request, "surveys.view_response")
    flt = _filters(request, c, ResultFilter(unit=f.unit, start=f.start, end=f.end, channel=f.channel))
    state = selectors.analysis(request.user, c, flt)
    if state["status"] == "ready":
        return Status(200, {"status": "ready", **state["report"]})
    return Status(202, {"status": state["status"], "progress": state["progress"], "n": state["n"]})
