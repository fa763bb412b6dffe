"""Scorecard endpoints: /point-rules (CRUD), /scorecard-periods (create, compute, close, scorecards,
leaderboard), /points (ledger list, manual entry, approve, appeal) and /point-appeals (list, decide).
Scoped and audited through the services."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from sqms.core.apibase import Mapped, Page, require
from sqms.core.errors import ValidationFailed
from sqms.core.scoping import scoped
from sqms.org.models import OrgUnit, Staff
from sqms.people import domain, selectors, services
from sqms.people.models import Period, PointAppeal, PointEntry, Rule

router = Router(tags=["people"])


def _unit(request: HttpRequest, code: str | None, field: str, required: bool = False) -> OrgUnit | None:
    if not code:
        if required:
            raise ValidationFailed(fields={field: [_("Choose one of your org units.")]})
        return None
    unit = scoped(request.user, OrgUnit.objects.active()).filter(code=code).first()
    if unit is None:
        raise ValidationFailed(fields={field: [_("Choose one of your org units.")]})
    return unit


# --- rules ---------------------------------------------------------------------------------------


class RuleIn(Schema):
    code: str
    name: str
    subject: str
    metric: str
    comparator: str = ""
    threshold: Decimal | None = None
    mode: str = domain.ONCE
    points: int
    org_unit: str | None = None
    role: str = ""
    valid_from: dt.date
    valid_to: dt.date | None = None
    active: bool = True
    description: str = ""


class RulePatch(Schema):
    name: str | None = None
    comparator: str | None = None
    threshold: Decimal | None = None
    mode: str | None = None
    points: int | None = None
    org_unit: str | None = None
    role: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    active: bool | None = None
    description: str | None = None
    expected_updated_at: dt.datetime | None = None


class RuleOut(Schema):
    id: int
    code: str
    name: str
    subject: str
    metric: str
    comparator: str
    threshold: float | None
    mode: str
    points: int
    org_unit: str | None
    role: str
    valid_from: dt.date
    valid_to: dt.date | None
    active: bool
    description: str
    summary: str
    updated_at: dt.datetime


def _rule_out(r: Rule) -> dict[str, Any]:
    return {
        "id": r.pk,
        "code": r.code,
        "name": r.name,
        "subject": r.subject,
        "metric": r.metric,
        "comparator": r.comparator,
        "threshold": float(r.threshold) if r.threshold is not None else None,
        "mode": r.mode,
        "points": r.points,
        "org_unit": r.org_unit.code if r.org_unit_id else None,
        "role": r.role,
        "valid_from": r.valid_from,
        "valid_to": r.valid_to,
        "active": r.active,
        "description": r.description,
        "summary": r.describe(),
        "updated_at": r.updated_at,
    }


@router.get("/point-rules", response=list[RuleOut])
@paginate(Page)
def list_rules(request: HttpRequest) -> Any:
    require(request, "people.view_rule")
    return Mapped(selectors.rules(request.user), _rule_out)


@router.post("/point-rules", response={201: RuleOut})
def create_rule(request: HttpRequest, payload: RuleIn) -> Any:
    data = payload.dict()
    data["org_unit"] = _unit(request, data.pop("org_unit"), "org_unit")
    rule = services.create_rule(actor=request.user, data=data)
    return Status(201, _rule_out(rule))


@router.get("/point-rules/{rule_id}", response=RuleOut)
def get_rule(request: HttpRequest, rule_id: int) -> Any:
    require(request, "people.view_rule")
    return _rule_out(selectors.get_or_404(selectors.rules(request.user), pk=rule_id))


@router.patch("/point-rules/{rule_id}", response=RuleOut)
def update_rule(request: HttpRequest, rule_id: int, payload: RulePatch) -> Any:
    rule = selectors.get_or_404(selectors.rules(request.user), pk=rule_id)
    changes = payload.dict(exclude_unset=True)
    expected = changes.pop("expected_updated_at", None)
    if "org_unit" in changes:
        changes["org_unit"] = _unit(request, changes["org_unit"], "org_unit")
    for name in ("comparator", "role", "description"):
        if name in changes and changes[name] is None:
            changes[name] = ""
    rule = services.update_rule(actor=request.user, rule=rule, changes=changes, expected_updated_at=expected)
    return _rule_out(rule)


@router.delete("/point-rules/{rule_id}", response={204: None})
def archive_rule(request: HttpRequest, rule_id: int) -> Any:
    rule = selectors.get_or_404(selectors.rules(request.user), pk=rule_id)
    services.archive_rule(actor=request.user, rule=rule)
    return Status(204, None)


# --- periods ---------------------------------------------------------------------------------------


class PeriodIn(Schema):
    kind: str = domain.MONTH
    day: dt.date
    org_unit: str


class PeriodOut(Schema):
    id: int
    label: str
    kind: str
    start: dt.date
    end: dt.date
    org_unit: str
    status: str
    computed_at: dt.datetime | None
    totals: dict[str, int]


def _period_out(request: HttpRequest, p: Period) -> dict[str, Any]:
    return {
        "id": p.pk,
        "label": p.label,
        "kind": p.kind,
        "start": p.start,
        "end": p.end,
        "org_unit": p.org_unit.code,
        "status": p.status,
        "computed_at": p.computed_at,
        "totals": selectors.totals(selectors.entries(request.user).filter(period=p)),
    }


@router.get("/scorecard-periods", response=list[PeriodOut])
@paginate(Page)
def list_periods(request: HttpRequest) -> Any:
    require(request, "people.view_period")
    return Mapped(selectors.periods(request.user), lambda p: _period_out(request, p))


@router.post("/scorecard-periods", response={201: PeriodOut})
def create_period(request: HttpRequest, payload: PeriodIn) -> Any:
    unit = _unit(request, payload.org_unit, "org_unit", required=True)
    assert unit is not None
    p = services.create_period(actor=request.user, kind=payload.kind, day=payload.day, org_unit=unit)
    return Status(201, _period_out(request, p))


@router.get("/scorecard-periods/{period_id}", response=PeriodOut)
def get_period(request: HttpRequest, period_id: int) -> Any:
    return _period_out(request, selectors.period(request.user, period_id))


class ComputeOut(Schema):
    subjects: int
    rules: int
    scorecards_written: int
    created: int
    updated: int
    removed: int
    kept: int


@router.post("/scorecard-periods/{period_id}/compute", response=ComputeOut)
def compute_period(request: HttpRequest, period_id: int) -> Any:
    return services.compute_period(actor=request.user, period=selectors.period(request.user, period_id))


@router.post("/scorecard-periods/{period_id}/close", response=PeriodOut)
def close_period(request: HttpRequest, period_id: int) -> Any:
    p = services.close_period(actor=request.user, period=selectors.period(request.user, period_id))
    return _period_out(request, p)


class ScorecardOut(Schema):
    id: int
    subject: str
    staff: str | None
    staff_name: str | None
    org_unit: str
    metrics: dict[str, float | None]
    points: int


@router.get("/scorecard-periods/{period_id}/scorecards", response=list[ScorecardOut])
@paginate(Page)
def list_scorecards(request: HttpRequest, period_id: int, subject: str | None = None) -> Any:
    require(request, "people.view_scorecard")
    p = selectors.period(request.user, period_id)
    qs = selectors.scorecards(request.user).filter(period=p)
    if subject:
        qs = qs.filter(subject=subject)
    live = selectors.counted(selectors.entries(request.user).filter(period=p))
    by_staff: dict[int, int] = {}
    by_unit: dict[int, int] = {}
    for e in live.values("subject", "staff_id", "org_unit_id", "points"):
        if e["subject"] == domain.STAFF:
            by_staff[e["staff_id"]] = by_staff.get(e["staff_id"], 0) + e["points"]
        else:
            by_unit[e["org_unit_id"]] = by_unit.get(e["org_unit_id"], 0) + e["points"]

    def out(c: Any) -> dict[str, Any]:
        return {
            "id": c.pk,
            "subject": c.subject,
            "staff": c.staff.employee_no if c.staff else None,
            "staff_name": c.staff.name if c.staff else None,
            "org_unit": c.org_unit.code,
            "metrics": c.metrics,
            "points": by_staff.get(c.staff_id, 0) if c.staff_id else by_unit.get(c.org_unit_id, 0),
        }

    return Mapped(qs, out)


class RankOut(Schema):
    rank: int
    tied: bool
    id: int
    name: str
    detail: str
    points: int


@router.get("/scorecard-periods/{period_id}/leaderboard", response=list[RankOut])
def get_leaderboard(
    request: HttpRequest, period_id: int, kind: str = domain.STAFF, approved_only: bool = False
) -> Any:
    require(request, "people.view_pointentry")
    if kind not in domain.SUBJECTS:
        raise ValidationFailed(fields={"kind": [_("Choose staff or unit.")]})
    p = selectors.period(request.user, period_id)
    return selectors.leaderboard(request.user, p, kind, approved_only)


# --- ledger ----------------------------------------------------------------------------------------


class EntryOut(Schema):
    id: int
    period: int
    subject: str
    staff: str | None
    staff_name: str | None
    org_unit: str
    source: str
    rule: str | None
    value: float | None
    occurrences: int
    points: int
    reason: str
    status: str
    approved_by: str | None
    approved_at: dt.datetime | None
    created_by: str | None


def _entry_out(e: PointEntry) -> dict[str, Any]:
    return {
        "id": e.pk,
        "period": e.period_id,
        "subject": e.subject,
        "staff": e.staff.employee_no if e.staff else None,
        "staff_name": e.staff.name if e.staff else None,
        "org_unit": e.org_unit.code,
        "source": e.source,
        "rule": e.rule.code if e.rule else None,
        "value": e.value,
        "occurrences": e.occurrences,
        "points": e.points,
        "reason": e.reason,
        "status": e.status,
        "approved_by": e.approved_by.username if e.approved_by else None,
        "approved_at": e.approved_at,
        "created_by": e.created_by.username if e.created_by else None,
    }


class EntryFilter(Schema):
    period: int | None = None
    staff: str | None = None
    unit: str | None = None
    status: str | None = None
    source: str | None = None


@router.get("/points", response=list[EntryOut])
@paginate(Page)
def list_points(request: HttpRequest, filters: Query[EntryFilter]) -> Any:
    require(request, "people.view_pointentry")
    qs = selectors.entries(request.user).select_related("created_by")
    if filters.period:
        qs = qs.filter(period_id=filters.period)
    if filters.staff:
        qs = qs.filter(staff__employee_no=filters.staff)
    if filters.unit:
        unit = _unit(request, filters.unit, "unit")
        assert unit is not None
        qs = qs.filter(org_unit__path__startswith=unit.path)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.source:
        qs = qs.filter(source=filters.source)
    return Mapped(qs, _entry_out)


class ManualIn(Schema):
    period: int
    points: int
    reason: str = ""
    staff: str | None = None
    unit: str | None = None


@router.post("/points", response={201: EntryOut})
def add_manual_entry(request: HttpRequest, payload: ManualIn) -> Any:
    require(request, "people.add_pointentry")
    p = selectors.period(request.user, payload.period)
    staff = None
    if payload.staff:
        staff = scoped(request.user, Staff.objects.active()).filter(employee_no=payload.staff).first()
        if staff is None:
            raise ValidationFailed(fields={"staff": [_("No such staff member in your units.")]})
    unit = _unit(request, payload.unit, "unit")
    e = services.add_manual_entry(
        actor=request.user, period=p, points=payload.points, reason=payload.reason, staff=staff, unit=unit
    )
    return Status(201, _entry_out(e))


class ApproveIn(Schema):
    period: int
    ids: list[int] | None = None
    unit: str | None = None


class ApproveOut(Schema):
    approved: int
    skipped_own: int


@router.post("/points/approve", response=ApproveOut)
def approve_points(request: HttpRequest, payload: ApproveIn) -> Any:
    require(request, "people.approve_pointentry")
    p = selectors.period(request.user, payload.period)
    unit = _unit(request, payload.unit, "unit")
    return services.approve_entries(actor=request.user, period=p, ids=payload.ids, unit=unit)


class AppealIn(Schema):
    reason: str = ""


class AppealOut(Schema):
    id: int
    entry: int
    points: int
    staff: str | None
    appellant: str
    reason: str
    status: str
    decision: str
    corrected_points: int | None
    decided_by: str | None
    decided_at: dt.datetime | None
    created_at: dt.datetime


def _appeal_out(a: PointAppeal) -> dict[str, Any]:
    return {
        "id": a.pk,
        "entry": a.entry_id,
        "points": a.entry.points,
        "staff": a.entry.staff.employee_no if a.entry.staff else None,
        "appellant": a.appellant.username,
        "reason": a.reason,
        "status": a.status,
        "decision": a.decision,
        "corrected_points": a.corrected_points,
        "decided_by": a.decided_by.username if a.decided_by else None,
        "decided_at": a.decided_at,
        "created_at": a.created_at,
    }


@router.post("/points/{entry_id}/appeal", response={201: AppealOut})
def appeal_points(request: HttpRequest, entry_id: int, payload: AppealIn) -> Any:
    entry = selectors.get_or_404(selectors.entries(request.user), pk=entry_id)
    a = services.file_appeal(actor=request.user, entry=entry, reason=payload.reason)
    return Status(201, _appeal_out(selectors.get_or_404(selectors.appeals(request.user), pk=a.pk)))


@router.get("/point-appeals", response=list[AppealOut])
@paginate(Page)
def list_appeals(request: HttpRequest, period: int | None = None, status: str | None = None) -> Any:
    require(request, "people.view_pointappeal")
    qs = selectors.appeals(request.user)
    if period:
        qs = qs.filter(entry__period_id=period)
    if status:
        qs = qs.filter(status=status)
    return Mapped(qs, _appeal_out)


class DecideIn(Schema):
    accept: bool
    decision: str = ""
    corrected_points: int | None = None


@router.post("/point-appeals/{appeal_id}/decide", response=AppealOut)
def decide_appeal(request: HttpRequest, appeal_id: int, payload: DecideIn) -> Any:
    appeal = selectors.get_or_404(selectors.appeals(request.user), pk=appeal_id)
    services.decide_appeal(
        actor=request.user,
        appeal=appeal,
        accept=payload.accept,
        decision=payload.decision,
        corrected_points=payload.corrected_points,
    )
    return _appeal_out(selectors.get_or_404(selectors.appeals(request.user), pk=appeal_id))
