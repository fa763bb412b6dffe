"""Improvement endpoints: /nonconformities (with analysis, actions, effectiveness checks, close), /capa,
/effectiveness-checks, /improvement-projects (tasks, gates, check), /suggestions, /good-practices and
/management-reviews (items, minutes PDF). Scoped and audited through the services."""

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from sqms.core.apibase import Mapped, Page, require
from sqms.core.errors import ValidationFailed
from sqms.core.scoping import scoped
from sqms.improvement import selectors, services
from sqms.improvement.models import (
    CorrectiveAction,
    EffectivenessCheck,
    GoodPractice,
    ImprovementProject,
    ManagementReview,
    Nonconformity,
    ReviewItem,
    Suggestion,
)
from sqms.org.models import OrgUnit

router = Router(tags=["improvement"])


def _unit(request: HttpRequest, code: str, field: str = "org_unit") -> OrgUnit:
    unit = scoped(request.user, OrgUnit.objects.active()).filter(code=code).first()
    if unit is None:
        raise ValidationFailed(fields={field: [_("Choose one of your org units.")]})
    return unit


def _user(username: str | None, field: str) -> Any:
    if not username:
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValidationFailed(fields={field: [_("No such user: %(u)s") % {"u": username}]})
    return user


def _uname(u: Any) -> str | None:
    return u.username if u else None


# --- nonconformities --------------------------------------------------------------------------------


class ActionOut(Schema):
    id: int
    nonconformity: str
    kind: str
    description: str
    owner: str
    due_date: dt.date
    status: str
    evidence: str
    completed_on: dt.date | None


class CheckOut(Schema):
    id: int
    nonconformity: str
    kpi_code: str
    before_start: dt.date
    before_end: dt.date
    after_start: dt.date
    after_end: dt.date
    before_value: float | None
    after_value: float | None
    test: str
    statistic: float | None
    p_value: float | None
    improved: bool
    verdict: str
    verified_by: str | None


class NcOut(Schema):
    id: int
    number: str
    source: str
    source_ref: str
    org_unit: str
    title: str
    description: str
    severity: str
    status: str
    containment_action: str
    detected_on: dt.date
    problem: str
    whys: list[str]
    fishbone: dict[str, list[str]]
    root_cause: str
    closed_at: dt.datetime | None


class NcDetailOut(NcOut):
    actions: list[ActionOut]
    checks: list[CheckOut]


def _action_out(a: CorrectiveAction) -> dict[str, Any]:
    return {
        "id": a.pk,
        "nonconformity": a.nonconformity.number,
        "kind": a.kind,
        "description": a.description,
        "owner": a.owner.username,
        "due_date": a.due_date,
        "status": a.status,
        "evidence": a.evidence,
        "completed_on": a.completed_on,
    }


def _check_out(c: EffectivenessCheck) -> dict[str, Any]:
    return {
        **{
            f: getattr(c, f)
            for f in (
                "id",
                "kpi_code",
                "before_start",
                "before_end",
                "after_start",
                "after_end",
                "before_value",
                "after_value",
                "test",
                "statistic",
                "p_value",
                "improved",
                "verdict",
            )
        },
        "nonconformity": c.nonconformity.number,
        "verified_by": _uname(c.verified_by),
    }


def _nc_out(n: Nonconformity) -> dict[str, Any]:
    return {
        **{
            f: getattr(n, f)
            for f in (
                "id",
                "number",
                "source",
                "source_ref",
                "title",
                "description",
                "severity",
                "status",
                "containment_action",
                "detected_on",
                "problem",
                "whys",
                "fishbone",
                "root_cause",
                "closed_at",
            )
        },
        "org_unit": n.org_unit.code,
    }


def _nc_detail(n: Nonconformity) -> dict[str, Any]:
    return {
        **_nc_out(n),
        "actions": [_action_out(a) for a in n.actions.active().select_related("owner", "nonconformity")],
        "checks": [_check_out(c) for c in n.checks.active().select_related("verified_by", "nonconformity")],
    }


def _nc(request: HttpRequest, number: str) -> Nonconformity:
    require(request, "improvement.view_nonconformity")
    return selectors.get_or_404(selectors.nonconformities(request.user), number=number)


class NcFilters(Schema):
    status: str | None = None
    source: str | None = None
    severity: str | None = None
    unit: str | None = None


@router.get("/nonconformities", response=list[NcOut])
@paginate(Page)
def list_nonconformities(request: HttpRequest, filters: Query[NcFilters]) -> Any:
    require(request, "improvement.view_nonconformity")
    qs = selectors.nonconformities(request.user)
    for name in ("status", "source", "severity"):
        if getattr(filters, name):
            qs = qs.filter(**{name: getattr(filters, name)})
    if filters.unit:
        qs = qs.filter(org_unit__path__startswith=_unit(request, filters.unit, "unit").path)
    return Mapped(qs, _nc_out)


class NcIn(Schema):
    title: str = ""
    org_unit: str = ""
    description: str = ""
    severity: str = "minor"
    source: str = "manual"
    source_ref: str = ""
    ticket: str | None = None
    rating: int | None = None


@router.post("/nonconformities", response={201: NcDetailOut, 200: NcDetailOut})
def create_nonconformity(request: HttpRequest, body: NcIn) -> Any:
    """Open a nonconformity by hand, from a feedback ticket (``ticket`` number) or a bad review (``rating``
    id). Idempotent per source and reference: an existing one comes back with status 200."""
    user = request.user
    before = Nonconformity.objects.count()
    if body.ticket:
        nc = services.open_from_ticket(actor=user, number=body.ticket, severity=body.severity)
    elif body.rating:
        nc = services.open_from_rating(actor=user, rating_id=body.rating, severity=body.severity)
    else:
        nc = services.open_nonconformity(
            actor=user,
            source=body.source,
            source_ref=body.source_ref,
            org_unit=_unit(request, body.org_unit),
            title=body.title,
            description=body.description,
            severity=body.severity,
        )
    return Status(201 if Nonconformity.objects.count() > before else 200, _nc_detail(nc))


@router.get("/nonconformities/{number}", response=NcDetailOut)
def get_nonconformity(request: HttpRequest, number: str) -> Any:
    return _nc_detail(_nc(request, number))


class NcPatch(Schema):
    title: str | None = None
    description: str | None = None
    severity: str | None = None
    containment_action: str | None = None


@router.patch("/nonconformities/{number}", response=NcDetailOut)
def patch_nonconformity(request: HttpRequest, number: str, body: NcPatch) -> Any:
    nc = _nc(request, number)
    changes = {k: v for k, v in body.dict().items() if v is not None}
    return _nc_detail(services.update_nonconformity(nc, actor=request.user, changes=changes))


class AnalysisIn(Schema):
    whys: list[str]
    fishbone: dict[str, list[str]] = {}
    problem: str = ""
    root_cause: str = ""


@router.post("/nonconformities/{number}/analysis", response=NcDetailOut)
def post_analysis(request: HttpRequest, number: str, body: AnalysisIn) -> Any:
    nc = services.record_analysis(
        _nc(request, number),
        actor=request.user,
        whys=body.whys,
        fishbone=body.fishbone,
        problem=body.problem,
        root_cause=body.root_cause,
    )
    return _nc_detail(nc)


class ActionIn(Schema):
    description: str
    owner: str
    due_date: dt.date
    kind: str = "corrective"


@router.post("/nonconformities/{number}/actions", response={201: ActionOut})
def post_action(request: HttpRequest, number: str, body: ActionIn) -> Any:
    a = services.add_action(
        _nc(request, number),
        actor=request.user,
        description=body.description,
        owner=_user(body.owner, "owner"),
        due_date=body.due_date,
        kind=body.kind,
    )
    return Status(201, _action_out(a))


class CheckIn(Schema):
    kpi_code: str
    before_start: dt.date
    before_end: dt.date
    after_start: dt.date
    after_end: dt.date


@router.post("/nonconformities/{number}/effectiveness-checks", response={201: CheckOut})
def post_check(request: HttpRequest, number: str, body: CheckIn) -> Any:
    c = services.run_effectiveness_check(_nc(request, number), actor=request.user, **body.dict())
    return Status(201, _check_out(c))


@router.post("/nonconformities/{number}/close", response=NcDetailOut)
def close_nc(request: HttpRequest, number: str) -> Any:
    return _nc_detail(services.close_nonconformity(_nc(request, number), actor=request.user))


@router.get("/capa", response=list[ActionOut])
@paginate(Page)
def list_actions(request: HttpRequest, status: str | None = None, overdue: bool = False) -> Any:
    require(request, "improvement.view_correctiveaction")
    qs = selectors.actions(request.user)
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status__in=["planned", "in_progress"], due_date__lt=dt.date.today())
    return Mapped(qs, _action_out)


class ActionStatusIn(Schema):
    status: str
    evidence: str | None = None


@router.post("/capa/{action_id}/status", response=ActionOut)
def action_status(request: HttpRequest, action_id: int, body: ActionStatusIn) -> Any:
    a = selectors.get_or_404(selectors.actions(request.user), pk=action_id)
    return _action_out(
        services.update_action(a, actor=request.user, status=body.status, evidence=body.evidence)
    )


class SignOffIn(Schema):
    effective: bool
    note: str = ""


@router.post("/effectiveness-checks/{check_id}/sign-off", response=CheckOut)
def sign_off(request: HttpRequest, check_id: int, body: SignOffIn) -> Any:
    c = selectors.get_or_404(selectors.checks(request.user), pk=check_id)
    return _check_out(
        services.sign_off_check(c, actor=request.user, effective=body.effective, note=body.note)
    )


# --- PDCA projects -------------------------------------------------------------------------------------


class TaskOut(Schema):
    id: int
    title: str
    owner: str | None
    due_date: dt.date | None
    done_on: dt.date | None


class GateOut(Schema):
    from_stage: str
    to_stage: str
    approved: bool
    approver: str
    note: str
    at: dt.datetime


class ProjectOut(Schema):
    id: int
    number: str
    title: str
    org_unit: str
    leader: str | None
    stage: str
    is_pilot: bool
    nonconformity: str | None
    problem: str
    kpi_code: str
    kpi_target: float | None
    root_causes: str
    action_plan: str
    expected_effect: str
    check_result: dict[str, Any]
    standard_reference: str
    lessons_learned: str
    tasks: list[TaskOut]
    gates: list[GateOut]


def _project_out(p: ImprovementProject) -> dict[str, Any]:
    return {
        **{
            f: getattr(p, f)
            for f in (
                "id",
                "number",
                "title",
                "stage",
                "is_pilot",
                "problem",
                "kpi_code",
                "kpi_target",
                "root_causes",
                "action_plan",
                "expected_effect",
                "check_result",
                "standard_reference",
                "lessons_learned",
            )
        },
        "org_unit": p.org_unit.code,
        "leader": _uname(p.leader),
        "nonconformity": p.nonconformity.number if p.nonconformity_id else None,
        "tasks": [
            {
                "id": t.pk,
                "title": t.title,
                "owner": _uname(t.owner),
                "due_date": t.due_date,
                "done_on": t.done_on,
            }
            for t in p.tasks.active().select_related("owner")
        ],
        "gates": [
            {
                "from_stage": g.from_stage,
                "to_stage": g.to_stage,
                "approved": g.approved,
                "approver": g.approver.username,
                "note": g.note,
                "at": g.at,
            }
            for g in p.gates.select_related("approver")
        ],
    }


def _project(request: HttpRequest, number: str) -> ImprovementProject:
    require(request, "improvement.view_improvementproject")
    return selectors.get_or_404(selectors.projects(request.user), number=number)


@router.get("/improvement-projects", response=list[ProjectOut])
@paginate(Page)
def list_projects(request: HttpRequest, stage: str | None = None) -> Any:
    require(request, "improvement.view_improvementproject")
    qs = selectors.projects(request.user).select_related("nonconformity")
    if stage:
        qs = qs.filter(stage=stage)
    return Mapped(qs, _project_out)


class ProjectIn(Schema):
    title: str
    org_unit: str
    leader: str | None = None
    nonconformity: str | None = None
    problem: str = ""
    kpi_code: str = ""
    kpi_target: float | None = None
    root_causes: str = ""
    action_plan: str = ""
    expected_effect: str = ""


@router.post("/improvement-projects", response={201: ProjectOut})
def create_project(request: HttpRequest, body: ProjectIn) -> Any:
    data = body.dict()
    data["org_unit"] = _unit(request, body.org_unit)
    data["leader"] = _user(body.leader, "leader")
    data["nonconformity"] = (
        selectors.get_or_404(selectors.nonconformities(request.user), number=body.nonconformity)
        if body.nonconformity
        else None
    )
    return Status(201, _project_out(services.create_project(actor=request.user, data=data)))


class FromEvaluationIn(Schema):
    scheme: str
    period: str
    unit: str
    indicator: str


@router.post("/improvement-projects/from-evaluation", response={201: ProjectOut})
def create_project_from_evaluation(request: HttpRequest, body: FromEvaluationIn) -> Any:
    """Send a (weak) indicator of an evaluation to improvement: a new PDCA project for the unit, prefilled
    with the indicator's score in the evaluation of ``scheme`` for the month ``period`` (as the "Send to
    improvement" button of the evaluation result page)."""
    from sqms.improvement.from_evaluation import project_from_evaluation

    require(request, "improvement.add_improvementproject")
    project = project_from_evaluation(
        actor=request.user, scheme=body.scheme, period=body.period, unit=body.unit, indicator=body.indicator
    )
    return Status(201, _project_out(project))


@router.get("/improvement-projects/{number}", response=ProjectOut)
def get_project(request: HttpRequest, number: str) -> Any:
    return _project_out(_project(request, number))


class ProjectPatch(Schema):
    problem: str | None = None
    kpi_code: str | None = None
    kpi_target: float | None = None
    root_causes: str | None = None
    action_plan: str | None = None
    expected_effect: str | None = None
    standard_reference: str | None = None
    lessons_learned: str | None = None


@router.patch("/improvement-projects/{number}", response=ProjectOut)
def patch_project(request: HttpRequest, number: str, body: ProjectPatch) -> Any:
    changes = {k: v for k, v in body.dict().items() if v is not None}
    return _project_out(
        services.update_project(_project(request, number), actor=request.user, changes=changes)
    )


class TaskIn(Schema):
    title: str
    owner: str | None = None
    due_date: dt.date | None = None


@router.post("/improvement-projects/{number}/tasks", response={201: ProjectOut})
def add_task(request: HttpRequest, number: str, body: TaskIn) -> Any:
    p = _project(request, number)
    services.add_task(
        p, actor=request.user, title=body.title, owner=_user(body.owner, "owner"), due_date=body.due_date
    )
    return Status(201, _project_out(p))


@router.post("/improvement-projects/{number}/tasks/{task_id}/done", response=ProjectOut)
def task_done(request: HttpRequest, number: str, task_id: int) -> Any:
    p = _project(request, number)
    services.complete_task(
        selectors.get_or_404(selectors.tasks(request.user).filter(project=p), pk=task_id), actor=request.user
    )
    return _project_out(p)


class GateIn(Schema):
    approved: bool = True
    note: str = ""


@router.post("/improvement-projects/{number}/gate", response=ProjectOut)
def gate(request: HttpRequest, number: str, body: GateIn) -> Any:
    p = services.pass_gate(
        _project(request, number), actor=request.user, approved=body.approved, note=body.note
    )
    return _project_out(p)


class ProjectCheckIn(Schema):
    baseline_start: dt.date
    baseline_end: dt.date
    after_start: dt.date
    after_end: dt.date


@router.post("/improvement-projects/{number}/check", response=ProjectOut)
def project_check(request: HttpRequest, number: str, body: ProjectCheckIn) -> Any:
    p = services.check_project(
        _project(request, number),
        actor=request.user,
        baseline=(body.baseline_start, body.baseline_end),
        after=(body.after_start, body.after_end),
    )
    return _project_out(p)


# --- suggestions -------------------------------------------------------------------------------------


class SuggestionOut(Schema):
    id: int
    number: str
    title: str
    description: str
    org_unit: str
    submitter: str
    status: str
    feasibility: int | None
    benefit: int | None
    evaluation_note: str
    pilot: str | None
    pilot_result: str
    reward_points: int


def _suggestion_out(s: Suggestion) -> dict[str, Any]:
    return {
        **{
            f: getattr(s, f)
            for f in (
                "id",
                "number",
                "title",
                "description",
                "status",
                "feasibility",
                "benefit",
                "evaluation_note",
                "pilot_result",
                "reward_points",
            )
        },
        "org_unit": s.org_unit.code,
        "submitter": s.submitter.username,
        "pilot": s.pilot.number if s.pilot_id else None,
    }


def _suggestion(request: HttpRequest, number: str) -> Suggestion:
    require(request, "improvement.view_suggestion")
    return selectors.get_or_404(selectors.suggestions(request.user), number=number)


@router.get("/suggestions", response=list[SuggestionOut])
@paginate(Page)
def list_suggestions(request: HttpRequest, status: str | None = None) -> Any:
    require(request, "improvement.view_suggestion")
    qs = selectors.suggestions(request.user)
    if status:
        qs = qs.filter(status=status)
    return Mapped(qs, _suggestion_out)


class SuggestionIn(Schema):
    title: str
    description: str
    org_unit: str


@router.post("/suggestions", response={201: SuggestionOut})
def submit_suggestion(request: HttpRequest, body: SuggestionIn) -> Any:
    s = services.submit_suggestion(
        actor=request.user,
        title=body.title,
        description=body.description,
        org_unit=_unit(request, body.org_unit),
    )
    return Status(201, _suggestion_out(s))


class EvaluateIn(Schema):
    feasibility: int
    benefit: int
    note: str = ""
    adopt: bool


@router.post("/suggestions/{number}/evaluate", response=SuggestionOut)
def evaluate(request: HttpRequest, number: str, body: EvaluateIn) -> Any:
    s = services.evaluate_suggestion(_suggestion(request, number), actor=request.user, **body.dict())
    return _suggestion_out(s)


class RewardIn(Schema):
    points: int
    reason: str


@router.post("/suggestions/{number}/reward", response=SuggestionOut)
def reward(request: HttpRequest, number: str, body: RewardIn) -> Any:
    s = services.grant_reward(
        _suggestion(request, number), actor=request.user, points=body.points, reason=body.reason
    )
    return _suggestion_out(s)


class RollOutIn(Schema):
    pilot_result: str


@router.post("/suggestions/{number}/roll-out", response=SuggestionOut)
def roll_out(request: HttpRequest, number: str, body: RollOutIn) -> Any:
    s = services.roll_out_suggestion(
        _suggestion(request, number), actor=request.user, pilot_result=body.pilot_result
    )
    return _suggestion_out(s)


# --- good practice ------------------------------------------------------------------------------------


class PracticeOut(Schema):
    id: int
    title: str
    kind: str
    body: str
    tags: list[str]
    org_unit: str
    project: str | None
    nonconformity: str | None


def _practice_out(g: GoodPractice) -> dict[str, Any]:
    return {
        "id": g.pk,
        "title": g.title,
        "kind": g.kind,
        "body": g.body,
        "tags": g.tag_list,
        "org_unit": g.org_unit.code,
        "project": g.project.number if g.project_id else None,
        "nonconformity": g.nonconformity.number if g.nonconformity_id else None,
    }


@router.get("/good-practices", response=list[PracticeOut])
@paginate(Page)
def list_practices(request: HttpRequest, q: str = "", tag: str = "") -> Any:
    require(request, "improvement.view_goodpractice")
    return Mapped(selectors.practices(request.user, q=q, tag=tag), _practice_out)


class PracticeIn(Schema):
    title: str
    body: str
    org_unit: str
    kind: str = "good_practice"
    tags: list[str] = []
    project: str | None = None
    nonconformity: str | None = None


@router.post("/good-practices", response={201: PracticeOut})
def create_practice(request: HttpRequest, body: PracticeIn) -> Any:
    from sqms.core.services import create_record

    user = request.user
    g = create_record(
        GoodPractice,
        actor=user,
        data={
            "title": body.title.strip(),
            "body": body.body.strip(),
            "kind": body.kind,
            "tags": ",".join(t.strip() for t in body.tags if t.strip()),
            "org_unit": _unit(request, body.org_unit),
            "project": selectors.get_or_404(selectors.projects(user), number=body.project)
            if body.project
            else None,
            "nonconformity": selectors.get_or_404(selectors.nonconformities(user), number=body.nonconformity)
            if body.nonconformity
            else None,
        },
    )
    return Status(201, _practice_out(g))


# --- management reviews --------------------------------------------------------------------------------


class ItemOut(Schema):
    id: int
    kind: str
    text: str
    owner: str | None
    due_date: dt.date | None
    closed_on: dt.date | None
    outcome: str


class ReviewOut(Schema):
    id: int
    title: str
    org_unit: str
    period_start: dt.date
    period_end: dt.date
    meeting_date: dt.date
    chair: str | None
    attendees: str
    status: str
    inputs: dict[str, Any]
    minutes: str
    items: list[ItemOut]


def _item_out(i: ReviewItem) -> dict[str, Any]:
    return {
        "id": i.pk,
        "kind": i.kind,
        "text": i.text,
        "owner": _uname(i.owner),
        "due_date": i.due_date,
        "closed_on": i.closed_on,
        "outcome": i.outcome,
    }


def _review_out(r: ManagementReview) -> dict[str, Any]:
    return {
        **{
            f: getattr(r, f)
            for f in (
                "id",
                "title",
                "period_start",
                "period_end",
                "meeting_date",
                "attendees",
                "status",
                "inputs",
                "minutes",
            )
        },
        "org_unit": r.org_unit.code,
        "chair": _uname(r.chair),
        "items": [_item_out(i) for i in r.items.active().select_related("owner")],
    }


def _review(request: HttpRequest, review_id: int) -> ManagementReview:
    require(request, "improvement.view_managementreview")
    return selectors.get_or_404(selectors.reviews(request.user), pk=review_id)


@router.get("/management-reviews", response=list[ReviewOut])
@paginate(Page)
def list_reviews(request: HttpRequest) -> Any:
    require(request, "improvement.view_managementreview")
    return Mapped(selectors.reviews(request.user), _review_out)


class ReviewIn(Schema):
    title: str
    org_unit: str
    period_start: dt.date
    period_end: dt.date
    meeting_date: dt.date
    chair: str | None = None
    attendees: str = ""


@router.post("/management-reviews", response={201: ReviewOut})
def create_review(request: HttpRequest, body: ReviewIn) -> Any:
    data = body.dict()
    data["org_unit"] = _unit(request, body.org_unit)
    data["chair"] = _user(body.chair, "chair")
    return Status(201, _review_out(services.create_review(actor=request.user, data=data)))


@router.get("/management-reviews/{review_id}", response=ReviewOut)
def get_review(request: HttpRequest, review_id: int) -> Any:
    return _review_out(_review(request, review_id))


@router.post("/management-reviews/{review_id}/compile", response=ReviewOut)
def compile_inputs(request: HttpRequest, review_id: int) -> Any:
    return _review_out(services.compile_review_inputs(_review(request, review_id), actor=request.user))


class ItemIn(Schema):
    kind: str = "action"
    text: str
    owner: str | None = None
    due_date: dt.date | None = None


@router.post("/management-reviews/{review_id}/items", response={201: ItemOut})
def add_item(request: HttpRequest, review_id: int, body: ItemIn) -> Any:
    i = services.add_review_item(
        _review(request, review_id),
        actor=request.user,
        kind=body.kind,
        text=body.text,
        owner=_user(body.owner, "owner"),
        due_date=body.due_date,
    )
    return Status(201, _item_out(i))


class CloseItemIn(Schema):
    outcome: str


@router.post("/management-reviews/{review_id}/items/{item_id}/close", response=ItemOut)
def close_item(request: HttpRequest, review_id: int, item_id: int, body: CloseItemIn) -> Any:
    r = _review(request, review_id)
    item = selectors.get_or_404(selectors.review_items(request.user).filter(review=r), pk=item_id)
    return _item_out(services.close_review_item(item, actor=request.user, outcome=body.outcome))


@router.get("/management-reviews/{review_id}/minutes.pdf")
def minutes_pdf(request: HttpRequest, review_id: int) -> HttpResponse:
    from sqms.improvement.pdf import review_minutes_pdf

    data = review_minutes_pdf(_review(request, review_id))
    resp = HttpResponse(data, content_type="application/pdf")
    resp["Content-Disposition"] = f'attachment; filename="management-review-{review_id}.pdf"'
    return resp
