"""Writes of the improvement app: keyword-only, atomic, permission- and scope-checked, audited.

Other apps open nonconformities through :func:`open_nonconformity` (idempotent per source and
reference)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.errors import ValidationFailed
from sqms.core.models import AuditAction
from sqms.core.services import (
    clean_or_raise,
    create_record,
    notify,
    perm_name,
    require_in_scope,
    require_perm,
    update_record,
)
from sqms.improvement import domain
from sqms.improvement.models import (
    ActionStatus,
    CorrectiveAction,
    EffectivenessCheck,
    NcStatus,
    Nonconformity,
    Severity,
    Source,
    Verdict,
)

REASONS = {
    "already_closed": lambda: _("The nonconformity is already closed."),
    "no_actions": lambda: _("Add at least one corrective or preventive action before closing."),
    "actions_open": lambda: _("All corrective and preventive actions must be done before closing."),
    "not_verified": lambda: _("Cannot close before effectiveness is verified."),
}


def _fail(exc: domain.RuleError) -> ValidationFailed:
    return ValidationFailed(_(str(exc)), fields={exc.field: [_(str(exc))]})


def _temp_number() -> str:
    return "tmp-" + uuid.uuid4().hex[:14]


def _number(prefix: str, pk: int) -> str:
    return f"{prefix}-{pk:06d}"


def create_numbered(model: Any, prefix: str, *, actor: Any, data: dict[str, Any], verb: str = "") -> Any:
    """Like core ``create_record`` for registers with a readable number (PREFIX-000123 from the id)."""
    require_perm(actor, perm_name(model, "add"))
    instance = model(**data, number=_temp_number())
    if getattr(actor, "pk", None):
        instance.created_by = actor
        instance.updated_by = actor
    clean_or_raise(instance)
    require_in_scope(actor, instance)
    instance.save()
    instance.number = _number(prefix, instance.pk)
    instance.save(update_fields=["number"])
    audit.record(
        actor=actor, action=AuditAction.CREATE, instance=instance, after=audit.snapshot(instance), verb=verb
    )
    return instance


def _action(actor: Any, instance: Any, verb: str, before: dict[str, Any], **extra: Any) -> None:
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        instance=instance,
        before=before,
        after=audit.snapshot(instance),
        verb=verb,
        extra=extra or None,
    )


def _locked(model: Any, pk: int) -> Any:
    return model._default_manager.select_for_update(of=("self",)).get(pk=pk)


# --- nonconformities ---------------------------------------------------------------------------------


@transaction.atomic
def open_nonconformity(
    *,
    actor: Any,
    source: str,
    source_ref: str,
    org_unit: Any,
    title: str,
    description: str = "",
    severity: str = "minor",
) -> Nonconformity:
    """Open a nonconformity, or return the one already opened for ``(source, source_ref)``."""
    source_ref = (source_ref or "").strip()
    if source not in Source.values:
        raise ValidationFailed(fields={"source": [_("Unknown source.")]})
    if severity not in Severity.values:
        raise ValidationFailed(fields={"severity": [_("Unknown severity.")]})
    if source_ref:
        existing = Nonconformity.objects.filter(source=source, source_ref=source_ref).first()
        if existing is not None:
            return existing
    data = {
        "source": source,
        "source_ref": source_ref,
        "org_unit": org_unit,
        "title": (title or "").strip(),
        "description": description or "",
        "severity": severity,
        "detected_on": timezone.localdate(),
    }
    try:
        with transaction.atomic():
            return create_numbered(
                Nonconformity, "NC", actor=actor, data=data, verb=_("Nonconformity opened")
            )
    except IntegrityError:
        existing = Nonconformity.objects.filter(source=source, source_ref=source_ref).first()
        if existing is None:
            raise
        return existing


def open_from_ticket(*, actor: Any, number: str, severity: str = "minor") -> Nonconformity:
    """Open (or find) the nonconformity of a feedback ticket the actor can see, by ticket number."""
    from sqms.core.errors import NotFound
    from sqms.feedback import selectors as feedback

    number = (number or "").strip()
    if not number:
        raise ValidationFailed(fields={"ticket": [_("This field is required.")]})
    try:
        ticket = feedback.ticket(actor, number)
    except NotFound:
        raise ValidationFailed(
            _("No ticket %(number)s in your org units.") % {"number": number},
            fields={"ticket": [_("No ticket %(number)s in your org units.") % {"number": number}]},
        ) from None
    source = Source.COMPLAINT if ticket.kind == "complaint" else Source.MANUAL
    return open_nonconformity(
        actor=actor,
        source=source,
        source_ref=f"ticket:{ticket.number}",
        org_unit=ticket.org_unit,
        title=ticket.title,
        description=ticket.description,
        severity=severity,
    )


def open_from_rating(*, actor: Any, rating_id: int, severity: str = "minor") -> Nonconformity:
    """Open (or find) the nonconformity of a bad review (a feedback rating) the actor can see."""
    from sqms.feedback import selectors as feedback

    rating = feedback.ratings(actor).filter(pk=rating_id).first()
    if rating is None:
        raise ValidationFailed(fields={"rating": [_("No such rating in your org units.")]})
    return open_nonconformity(
        actor=actor,
        source=Source.BAD_REVIEW,
        source_ref=f"rating:{rating.pk}",
        org_unit=rating.org_unit,
        title=_("Bad review: %(text)s") % {"text": (rating.reasons or str(rating))[:150]},
        description=rating.reasons or "",
        severity=severity,
    )


def _editable(nc: Nonconformity) -> None:
    if nc.status in (NcStatus.CLOSED, NcStatus.CANCELLED):
        raise ValidationFailed(
            _("A closed nonconformity cannot be changed."),
            fields={"status": [_("A closed nonconformity cannot be changed.")]},
        )


def update_nonconformity(nc: Nonconformity, *, actor: Any, changes: dict[str, Any]) -> Nonconformity:
    allowed = {"title", "description", "severity", "containment_action", "org_unit"}
    bad = set(changes) - allowed
    if bad:
        raise ValidationFailed(fields={name: [_("This field cannot be changed here.")] for name in bad})
    _editable(nc)
    return update_record(nc, actor=actor, changes=changes)


@transaction.atomic
def record_analysis(
    nc: Nonconformity,
    *,
    actor: Any,
    whys: list[str],
    fishbone: dict[str, Any] | None = None,
    problem: str = "",
    root_cause: str = "",
) -> Nonconformity:
    """Save the 5 Whys chain and the fishbone; the last why is the root cause unless one is given."""
    require_perm(actor, perm_name(Nonconformity, "change"))
    require_in_scope(actor, nc)
    nc = _locked(Nonconformity, nc.pk)
    _editable(nc)
    try:
        chain = domain.clean_whys(whys)
        bones = domain.clean_fishbone(fishbone or {})
        status = domain.status_after_analysis(nc.status)
    except domain.RuleError as exc:
        raise _fail(exc) from exc
    before = audit.snapshot(nc)
    nc.whys = chain
    nc.fishbone = bones
    nc.problem = (problem or nc.problem or nc.title)[:300]
    nc.root_cause = (root_cause or "").strip() or chain[-1]
    nc.status = status
    nc.updated_by = actor
    nc.save()
    _action(actor, nc, _("Root cause analysis recorded"), before)
    return nc


@transaction.atomic
def add_action(
    nc: Nonconformity,
    *,
    actor: Any,
    description: str,
    owner: Any,
    due_date: dt.date | None,
    kind: str = "corrective",
) -> CorrectiveAction:
    require_perm(actor, perm_name(Nonconformity, "change"))
    require_in_scope(actor, nc)
    nc = _locked(Nonconformity, nc.pk)
    _editable(nc)
    if not nc.whys and not nc.root_cause:
        raise ValidationFailed(
            _("Record the root cause analysis before planning actions."),
            fields={"whys": [_("Record the root cause analysis before planning actions.")]},
        )
    if owner is None:
        raise ValidationFailed(fields={"owner": [_("This field is required.")]})
    if due_date is None:
        raise ValidationFailed(fields={"due_date": [_("This field is required.")]})
    action = create_record(
        CorrectiveAction,
        actor=actor,
        data={
            "nonconformity": nc,
            "kind": kind,
            "description": (description or "").strip(),
            "owner": owner,
            "due_date": due_date,
        },
        verb=_("Action planned"),
    )
    if nc.status in (NcStatus.OPEN, NcStatus.ANALYSING):
        before = audit.snapshot(nc)
        nc.status = NcStatus.ACTING
        nc.save(update_fields=["status", "updated_at"])
        _action(actor, nc, _("Actions in progress"), before)
    notify(
        [owner],
        title=_("Action assigned: %(nc)s") % {"nc": nc.number},
        body=action.description,
        url=f"/improvement/nc/{nc.pk}/",
        kind="capa",
    )
    return action


@transaction.atomic
def update_action(
    action: CorrectiveAction, *, actor: Any, status: str, evidence: str | None = None
) -> CorrectiveAction:
    """Move an action; ``done`` needs evidence and records the completion day."""
    require_in_scope(actor, action)
    is_owner = action.owner_id == getattr(actor, "pk", None)
    if not is_owner:
        require_perm(actor, perm_name(CorrectiveAction, "change"))
    _editable(action.nonconformity)
    if status not in ActionStatus.values:
        raise ValidationFailed(fields={"status": [_("Unknown status.")]})
    action = _locked(CorrectiveAction, action.pk)
    evidence = action.evidence if evidence is None else evidence.strip()
    if status == ActionStatus.DONE and not evidence:
        raise ValidationFailed(
            _("Give the evidence that the action is done."),
            fields={"evidence": [_("Give the evidence that the action is done.")]},
        )
    before = audit.snapshot(action)
    action.status = status
    action.evidence = evidence
    action.completed_on = timezone.localdate() if status == ActionStatus.DONE else None
    action.updated_by = actor
    clean_or_raise(action)
    action.save()
    _action(actor, action, _("Action status changed"), before)
    return action


def kpi_days(actor: Any, unit: Any, start: dt.date, end: dt.date, names: list[str]) -> list[dict[str, float]]:
    """Per-day counters of ``unit``'s subtree from the kpi app's rollups (scoped to the actor)."""
    from sqms.kpi import selectors as kpi

    qs = (
        kpi.rollups(actor, since=start, until=end)
        .filter(org_unit__path__startswith=unit.path)
        .values("day")
        .annotate(**{n: Sum(n) for n in names})
        .order_by("day")
    )
    return [{n: float(row[n] or 0) for n in names} for row in qs]


def testable_kpis() -> list[Any]:
    """KPI definitions of the kpi library an effectiveness check can compare."""
    from sqms.kpi import selectors as kpi
    from sqms.kpi.domain import RATIOS

    return [k for k in kpi.kpis() if k.code in RATIOS]


def compare_kpi(
    actor: Any, unit: Any, kpi_code: str, before: tuple[dt.date, dt.date], after: tuple[dt.date, dt.date]
) -> domain.Comparison:
    """The KPI (a code of the kpi app's library) before vs after over ``unit``'s subtree, with its test."""
    from sqms.core.errors import NotFound
    from sqms.kpi import selectors as kpi
    from sqms.kpi.domain import HIGHER, RATIOS

    try:
        definition = kpi.kpi_by_code(kpi_code or "")
    except NotFound:
        raise ValidationFailed(fields={"kpi_code": [_("Unknown KPI.")]}) from None
    if kpi_code not in RATIOS:
        raise ValidationFailed(
            fields={"kpi_code": [_("This KPI cannot be compared with a significance test.")]}
        )
    higher = definition.direction == HIGHER
    try:
        domain.check_windows(before, after)
        if kpi_code in domain.DAILY_MEANS:
            mean = domain.DAILY_MEANS[kpi_code]
            names = [mean.numerator, mean.denominator]
            return domain.compare_daily_means(
                mean,
                kpi_days(actor, unit, *before, names),
                kpi_days(actor, unit, *after, names),
                higher_is_better=higher,
            )
        num, den, scale = RATIOS[kpi_code]
        sums_b = kpi.kpi_sums(actor, unit, before[0], before[1], sources=(definition.source,))
        sums_a = kpi.kpi_sums(actor, unit, after[0], after[1], sources=(definition.source,))
        return domain.compare_proportions(
            kpi_code,
            (float(sums_b.get(num) or 0), float(sums_b.get(den) or 0)),
            (float(sums_a.get(num) or 0), float(sums_a.get(den) or 0)),
            higher_is_better=higher,
            scale=scale,
        )
    except domain.RuleError as exc:
        raise _fail(exc) from exc


@transaction.atomic
def run_effectiveness_check(
    nc: Nonconformity,
    *,
    actor: Any,
    kpi_code: str,
    before_start: dt.date,
    before_end: dt.date,
    after_start: dt.date,
    after_end: dt.date,
) -> EffectivenessCheck:
    """Compute the KPI before vs after and store the test's result, awaiting a verifier's sign-off."""
    require_perm(actor, perm_name(EffectivenessCheck, "add"))
    require_in_scope(actor, nc)
    _editable(nc)
    result = compare_kpi(actor, nc.org_unit, kpi_code, (before_start, before_end), (after_start, after_end))
    check = create_record(
        EffectivenessCheck,
        actor=actor,
        data={
            "nonconformity": nc,
            "kpi_code": kpi_code,
            "before_start": before_start,
            "before_end": before_end,
            "after_start": after_start,
            "after_end": after_end,
            "before_value": result.before_value,
            "after_value": result.after_value,
            "test": result.test,
            "statistic": result.statistic,
            "p_value": result.p_value,
            "improved": result.improved,
            "detail": result.detail,
        },
        verb=_("Effectiveness computed"),
    )
    if nc.status != NcStatus.VERIFYING:
        nc = _locked(Nonconformity, nc.pk)
        before = audit.snapshot(nc)
        nc.status = NcStatus.VERIFYING
        nc.save(update_fields=["status", "updated_at"])
        _action(actor, nc, _("Effectiveness verification"), before)
    return check


@transaction.atomic
def sign_off_check(
    check: EffectivenessCheck, *, actor: Any, effective: bool, note: str = ""
) -> EffectivenessCheck:
    """A verifier who owns none of the nonconformity's actions signs the check off."""
    require_perm(actor, "improvement.verify_effectiveness")
    require_in_scope(actor, check)
    check = _locked(EffectivenessCheck, check.pk)
    _editable(check.nonconformity)
    if check.verdict != Verdict.PENDING:
        raise ValidationFailed(
            _("This check is already signed off."),
            fields={"verdict": [_("This check is already signed off.")]},
        )
    if check.nonconformity.actions.filter(owner_id=actor.pk).exists():
        msg = _("The verifier must not be an owner of the actions.")
        raise ValidationFailed(msg, fields={"verified_by": [msg]})
    before = audit.snapshot(check)
    check.verdict = Verdict.EFFECTIVE if effective else Verdict.NOT_EFFECTIVE
    check.verified_by = actor
    check.verified_at = timezone.now()
    check.note = note or ""
    check.save()
    _action(actor, check, _("Effectiveness signed off"), before)
    return check


@transaction.atomic
def close_nonconformity(nc: Nonconformity, *, actor: Any) -> Nonconformity:
    require_perm(actor, perm_name(Nonconformity, "change"))
    require_in_scope(actor, nc)
    nc = _locked(Nonconformity, nc.pk)
    blockers = domain.close_blockers(
        status=nc.status,
        action_statuses=list(nc.actions.active().values_list("status", flat=True)),
        verdicts=list(nc.checks.active().values_list("verdict", flat=True)),
    )
    if blockers:
        fields: dict[str, list[str]] = {}
        for name, code in blockers:
            fields.setdefault(name, []).append(str(REASONS[code]()))
        raise ValidationFailed(str(REASONS[blockers[-1][1]]()), fields=fields)
    before = audit.snapshot(nc)
    nc.status = NcStatus.CLOSED
    nc.closed_at = timezone.now()
    nc.updated_by = actor
    nc.save()
    _action(actor, nc, _("Nonconformity closed"), before)
    return nc


def send_overdue_reminders(today: dt.date | None = None) -> int:
    """Notify owners of overdue open actions, once a day per action (safe to run twice)."""
    today = today or timezone.localdate()
    sent = 0
    overdue = (
        CorrectiveAction.objects.active()
        .filter(due_date__lt=today, status__in=[ActionStatus.PLANNED, ActionStatus.IN_PROGRESS])
        .exclude(reminded_on=today)
        .select_related("nonconformity", "owner")
    )
    for action in overdue:
        with transaction.atomic():
            n = (
                CorrectiveAction.objects.filter(pk=action.pk)
                .exclude(reminded_on=today)
                .update(reminded_on=today)
            )
            if not n:
                continue
            notify(
                [action.owner],
                title=_("Overdue action: %(nc)s") % {"nc": action.nonconformity.number},
                body=_("Due %(due)s: %(text)s") % {"due": action.due_date, "text": action.description},
                url=f"/improvement/nc/{action.nonconformity_id}/",
                kind="capa_overdue",
                email=True,
            )
            sent += 1
    return sent


# --- PDCA projects -----------------------------------------------------------------------------------

PLAN_FIELDS = ("problem", "kpi_code", "kpi_target", "root_causes", "action_plan", "expected_effect")


def _check_kpi_code(code: str | None) -> None:
    if code and code not in {k.code for k in testable_kpis()}:
        raise ValidationFailed(fields={"kpi_code": [_("Unknown KPI.")]})


def create_project(*, actor: Any, data: dict[str, Any]) -> Any:
    from sqms.improvement.models import ImprovementProject

    _check_kpi_code(data.get("kpi_code"))
    return create_numbered(ImprovementProject, "PDCA", actor=actor, data=data, verb=_("Project created"))


def update_project(project: Any, *, actor: Any, changes: dict[str, Any]) -> Any:
    if project.stage == "closed":
        raise ValidationFailed(fields={"stage": [_("The project is closed.")]})
    _check_kpi_code(changes.get("kpi_code"))
    return update_record(project, actor=actor, changes=changes)


def add_task(
    project: Any, *, actor: Any, title: str, owner: Any = None, due_date: dt.date | None = None
) -> Any:
    from sqms.improvement.models import ProjectTask

    require_in_scope(actor, project)
    if project.stage not in ("plan", "do"):
        raise ValidationFailed(fields={"stage": [_("Tasks are planned and done in the Plan and Do stages.")]})
    return create_record(
        ProjectTask,
        actor=actor,
        data={"project": project, "title": (title or "").strip(), "owner": owner, "due_date": due_date},
        verb=_("Task added"),
    )


def complete_task(task: Any, *, actor: Any) -> Any:
    return update_record(task, actor=actor, changes={"done_on": timezone.localdate()}, verb=_("Task done"))


def _gate_blockers(project: Any) -> dict[str, list[str]]:
    """What the current stage needs before its gate may approve moving on."""
    missing: dict[str, list[str]] = {}
    required = _("This field is required.")
    if project.stage == "plan":
        for name in ("problem", "kpi_code", "kpi_target", "root_causes", "action_plan", "expected_effect"):
            if getattr(project, name) in (None, ""):
                missing[name] = [required]
    elif project.stage == "do":
        tasks = project.tasks.active()
        if not tasks.exists():
            missing["tasks"] = [_("Plan at least one task.")]
        elif tasks.filter(done_on__isnull=True).exists():
            missing["tasks"] = [_("All tasks must be done before the check.")]
    elif project.stage == "check":
        if not project.check_result:
            missing["check_result"] = [_("Compute the KPI before vs after first.")]
    elif project.stage == "act":
        for name in ("standard_reference", "lessons_learned"):
            if not getattr(project, name):
                missing[name] = [required]
    return missing


@transaction.atomic
def pass_gate(project: Any, *, actor: Any, approved: bool = True, note: str = "") -> Any:
    """A stage-gate decision by an approver (the project's leader may not approve his own gate)."""
    from sqms.improvement.models import ImprovementProject, StageGate

    require_perm(actor, "improvement.approve_gate")
    require_in_scope(actor, project)
    project = _locked(ImprovementProject, project.pk)
    try:
        target = domain.next_stage(project.stage)
    except domain.RuleError as exc:
        raise _fail(exc) from exc
    if project.leader_id and project.leader_id == actor.pk:
        msg = _("The project leader cannot approve his own stage gate.")
        raise ValidationFailed(msg, fields={"approver": [msg]})
    if approved:
        missing = _gate_blockers(project)
        if missing:
            raise ValidationFailed(
                _("The %(stage)s stage is not complete.") % {"stage": project.get_stage_display()},
                fields=missing,
            )
    before = audit.snapshot(project)
    StageGate.objects.create(
        project=project,
        from_stage=project.stage,
        to_stage=target if approved else project.stage,
        approved=approved,
        approver=actor,
        note=note,
        at=timezone.now(),
    )
    if approved:
        project.stage = target
        if target == "closed":
            project.closed_at = timezone.now()
        project.updated_by = actor
        project.save()
    _action(
        actor,
        project,
        _("Stage gate approved") if approved else _("Stage gate rejected"),
        before,
        note=note,
    )
    return project


@transaction.atomic
def check_project(
    project: Any,
    *,
    actor: Any,
    baseline: tuple[dt.date, dt.date],
    after: tuple[dt.date, dt.date],
) -> Any:
    """Check stage: compute the goal KPI before vs after and whether the target is met."""
    require_perm(actor, "improvement.change_improvementproject")
    require_in_scope(actor, project)
    if project.stage != "check":
        raise ValidationFailed(fields={"stage": [_("The KPI is checked in the Check stage.")]})
    result = compare_kpi(actor, project.org_unit, project.kpi_code, baseline, after)
    from sqms.kpi import selectors as kpi
    from sqms.kpi.domain import better

    target_met = None
    if project.kpi_target is not None and result.after_value is not None:
        target_met = better(
            result.after_value, project.kpi_target, kpi.kpi_by_code(project.kpi_code).direction
        )
    check = {
        "before": result.before_value,
        "after": result.after_value,
        "test": result.test,
        "statistic": result.statistic,
        "p_value": result.p_value,
        "improved": result.improved,
        "target_met": target_met,
    }
    return update_record(
        project,
        actor=actor,
        changes={
            "baseline_start": baseline[0],
            "baseline_end": baseline[1],
            "after_start": after[0],
            "after_end": after[1],
            "check_result": check,
        },
        verb=_("KPI checked"),
    )


# --- staff suggestions ---------------------------------------------------------------------------------


def submit_suggestion(*, actor: Any, title: str, description: str, org_unit: Any) -> Any:
    from sqms.improvement.models import Suggestion

    return create_numbered(
        Suggestion,
        "SUG",
        actor=actor,
        data={
            "title": (title or "").strip(),
            "description": (description or "").strip(),
            "org_unit": org_unit,
            "submitter": actor,
        },
        verb=_("Suggestion submitted"),
    )


def _score(name: str, value: Any) -> int:
    try:
        v = int(value)
    except (TypeError, ValueError):
        v = 0
    if not 1 <= v <= 5:
        raise ValidationFailed(fields={name: [_("Give a score from 1 to 5.")]})
    return v


@transaction.atomic
def evaluate_suggestion(
    suggestion: Any, *, actor: Any, feasibility: Any, benefit: Any, note: str = "", adopt: bool
) -> Any:
    """Score feasibility and benefit; an adopted suggestion becomes a pilot project (PDCA, Plan stage)."""
    from sqms.improvement.models import Suggestion, SuggestionStatus

    require_perm(actor, "improvement.evaluate_suggestion")
    require_in_scope(actor, suggestion)
    suggestion = _locked(Suggestion, suggestion.pk)
    if suggestion.status not in (SuggestionStatus.SUBMITTED, SuggestionStatus.EVALUATED):
        raise ValidationFailed(fields={"status": [_("This suggestion has already been decided.")]})
    f, b = _score("feasibility", feasibility), _score("benefit", benefit)
    before = audit.snapshot(suggestion)
    suggestion.feasibility, suggestion.benefit, suggestion.evaluation_note = f, b, note or ""
    if adopt:
        suggestion.pilot = create_project(
            actor=actor,
            data={
                "title": suggestion.title,
                "org_unit": suggestion.org_unit,
                "problem": suggestion.description,
                "is_pilot": True,
            },
        )
        suggestion.status = SuggestionStatus.PILOT
    else:
        suggestion.status = SuggestionStatus.REJECTED
    suggestion.updated_by = actor
    suggestion.save()
    _action(actor, suggestion, _("Suggestion evaluated"), before)
    return suggestion


@transaction.atomic
def grant_reward(suggestion: Any, *, actor: Any, points: int, reason: str) -> Any:
    from sqms.improvement.models import RewardEntry, Suggestion

    require_perm(actor, "improvement.evaluate_suggestion")
    require_in_scope(actor, suggestion)
    try:
        points = int(points)
    except (TypeError, ValueError):
        points = 0
    if points <= 0:
        raise ValidationFailed(fields={"points": [_("Give a positive number of points.")]})
    if not (reason or "").strip():
        raise ValidationFailed(fields={"reason": [_("This field is required.")]})
    suggestion = _locked(Suggestion, suggestion.pk)
    entry = RewardEntry.objects.create(
        suggestion=suggestion,
        user=suggestion.submitter,
        points=points,
        reason=reason.strip()[:200],
        granted_by=actor,
        at=timezone.now(),
    )
    before = audit.snapshot(suggestion)
    suggestion.reward_points += points
    suggestion.save(update_fields=["reward_points", "updated_at"])
    _action(actor, suggestion, _("Reward points granted"), before, points=points, reason=entry.reason)
    return suggestion


@transaction.atomic
def roll_out_suggestion(suggestion: Any, *, actor: Any, pilot_result: str) -> Any:
    from sqms.improvement.models import Suggestion, SuggestionStatus

    require_perm(actor, "improvement.evaluate_suggestion")
    require_in_scope(actor, suggestion)
    suggestion = _locked(Suggestion, suggestion.pk)
    if suggestion.status != SuggestionStatus.PILOT:
        raise ValidationFailed(fields={"status": [_("Only a suggestion in pilot can be rolled out.")]})
    if not (pilot_result or "").strip():
        raise ValidationFailed(fields={"pilot_result": [_("This field is required.")]})
    before = audit.snapshot(suggestion)
    suggestion.pilot_result = pilot_result.strip()
    suggestion.status = SuggestionStatus.ROLLED_OUT
    suggestion.save()
    _action(actor, suggestion, _("Suggestion rolled out"), before)
    return suggestion


# --- management review -----------------------------------------------------------------------------------


@transaction.atomic
def compile_review_inputs(review: Any, *, actor: Any) -> Any:
    from sqms.improvement import selectors

    require_perm(actor, "improvement.change_managementreview")
    require_in_scope(actor, review)
    if review.status == "closed":
        raise ValidationFailed(fields={"status": [_("The review is closed.")]})
    inputs = selectors.review_inputs(actor, review.org_unit, review.period_start, review.period_end)
    return update_record(review, actor=actor, changes={"inputs": inputs}, verb=_("Inputs compiled"))


def create_review(*, actor: Any, data: dict[str, Any]) -> Any:
    from sqms.improvement.models import ManagementReview

    if data.get("period_start") and data.get("period_end") and data["period_end"] < data["period_start"]:
        raise ValidationFailed(fields={"period_end": [_("The period ends before it starts.")]})
    review = create_record(ManagementReview, actor=actor, data=data, verb=_("Management review planned"))
    return compile_review_inputs(review, actor=actor)


def add_review_item(
    review: Any, *, actor: Any, kind: str, text: str, owner: Any = None, due_date: dt.date | None = None
) -> Any:
    from sqms.improvement.models import ReviewItem

    require_in_scope(actor, review)
    if kind == "action" and (owner is None or due_date is None):
        raise ValidationFailed(
            fields={
                name: [_("An action item needs an owner and a due date.")]
                for name, v in (("owner", owner), ("due_date", due_date))
                if v is None
            }
        )
    return create_record(
        ReviewItem,
        actor=actor,
        data={
            "review": review,
            "kind": kind,
            "text": (text or "").strip(),
            "owner": owner,
            "due_date": due_date,
        },
        verb=_("Review item added"),
    )


def close_review_item(item: Any, *, actor: Any, outcome: str) -> Any:
    if not (outcome or "").strip():
        raise ValidationFailed(fields={"outcome": [_("This field is required.")]})
    return update_record(
        item,
        actor=actor,
        changes={"closed_on": timezone.localdate(), "outcome": outcome.strip()},
        verb=_("Closed"),
    )


def close_review(review: Any, *, actor: Any) -> Any:
    open_items = review.items.active().filter(kind="action", closed_on__isnull=True).count()
    if open_items:
        msg = _("%(n)d action items are still open.") % {"n": open_items}
        raise ValidationFailed(msg, fields={"items": [msg]})
    return update_record(review, actor=actor, changes={"status": "closed"}, verb=_("Review closed"))
