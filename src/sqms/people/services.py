"""Writes of the people app: rules, periods, computing a period's scorecards and points, approval,
manual entries and appeals. Keyword-only, atomic, permission- and scope-checked, audited.

The rules that matter:

* computing is idempotent: it reconciles the period's *computed* entries with what the rules give now
  (unchanged entries are kept, so a second run writes nothing); manual entries, approved or voided
  entries and entries under appeal are never touched; a closed period cannot be recomputed;
* nobody approves his own points: not his own staff entries, not the entries of a unit he manages, not
  a manual entry he wrote; a unit manager approves only within his units;
* a staff member appeals only his own entries, once at a time; the decision is taken by someone else
  with the right in scope; accepting voids the entry and, with corrected points, adds an approved
  correction entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core import services as core
from sqms.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from sqms.core.models import AuditAction
from sqms.core.scoping import scope_for
from sqms.org.models import OrgUnit, Role, RoleAssignment, Staff
from sqms.people import domain, selectors
from sqms.people.models import (
    AppealStatus,
    EntryStatus,
    Period,
    PeriodStatus,
    PointAppeal,
    PointEntry,
    Rule,
    Scorecard,
    Source,
    Subject,
)

# --- rules ------------------------------------------------------------------------------------------


def create_rule(*, actor: Any, data: dict[str, Any]) -> Rule:
    return core.create_record(Rule, actor=actor, data=data)


def update_rule(*, actor: Any, rule: Rule, changes: dict[str, Any], expected_updated_at: Any = None) -> Rule:
    return core.update_record(rule, actor=actor, changes=changes, expected_updated_at=expected_updated_at)


def archive_rule(*, actor: Any, rule: Rule) -> Rule:
    return core.archive_record(rule, actor=actor)


# --- periods ----------------------------------------------------------------------------------------


def _require_unit_in_scope(actor: Any, unit: OrgUnit) -> None:
    if not scope_for(actor).covers_path(unit.path):
        raise NotFound()


@transaction.atomic
def create_period(*, actor: Any, kind: str, day: dt.date, org_unit: OrgUnit) -> Period:
    """The month or quarter holding ``day`` for ``org_unit``'s subtree."""
    core.require_perm(actor, "people.add_period")
    _require_unit_in_scope(actor, org_unit)
    if kind not in domain.PERIOD_KINDS:
        raise ValidationFailed(fields={"kind": [_("Choose month or quarter.")]})
    start, end = domain.period_bounds(kind, day)
    if Period.objects.filter(org_unit=org_unit, kind=kind, start=start).exists():
        raise ValidationFailed(
            _("This period exists already."), fields={"start": [_("This period exists already.")]}
        )
    period = Period(kind=kind, start=start, end=end, org_unit=org_unit, created_by=actor, updated_by=actor)
    core.clean_or_raise(period)
    period.save()
    audit.record(actor=actor, action=AuditAction.CREATE, instance=period, after=audit.snapshot(period))
    return period


def _lock_period(period: Period) -> Period:
    return Period.objects.select_for_update(of=("self",)).select_related("org_unit").get(pk=period.pk)


def _require_open(period: Period) -> None:
    if period.status != PeriodStatus.OPEN:
        raise Conflict(_("The period is closed."), code="period_closed")


@transaction.atomic
def compute_period(*, actor: Any, period: Period, now: dt.datetime | None = None) -> dict[str, int]:
    """(Re)compute the scorecards and the computed points of ``period``; see the module docstring."""
    core.require_perm(actor, "people.compute_period")
    _require_unit_in_scope(actor, period.org_unit)
    period = _lock_period(period)
    _require_open(period)
    now = now or timezone.now()
    gathered = selectors.gather(actor, period)
    rule_objs = {r.pk: r for r in selectors.rules_for(period)}
    awards = domain.evaluate(
        [r.spec() for r in rule_objs.values()], gathered.subjects, period.start, period.end
    )

    # Scorecards: upsert one per subject, drop those of subjects no longer in the subtree.
    existing_cards = {
        (f"s:{c.staff_id}" if c.subject == domain.STAFF else f"u:{c.org_unit_id}"): c
        for c in Scorecard.objects.filter(period=period)
    }
    keys = set()
    cards_written = 0
    for subject in gathered.subjects:
        keys.add(subject.key)
        metrics = dict(subject.metrics)
        card = existing_cards.get(subject.key)
        if card is None:
            staff = gathered.staff.get(subject.key)
            unit = staff.org_unit if staff is not None else gathered.units[subject.key]
            Scorecard.objects.create(
                period=period,
                subject=subject.kind,
                staff=staff,
                org_unit=unit,
                metrics=metrics,
                computed_at=now,
            )
            cards_written += 1
        elif card.metrics != metrics:
            card.metrics = metrics
            card.computed_at = now
            card.save(update_fields=["metrics", "computed_at"])
            cards_written += 1
    Scorecard.objects.filter(pk__in=[c.pk for k, c in existing_cards.items() if k not in keys]).delete()

    # Ledger: reconcile the computed entries.
    computed = list(
        PointEntry.objects.filter(
            period=period, source=Source.COMPUTED, archived_at__isnull=True
        ).prefetch_related("appeals")
    )
    stored = [
        domain.Stored(
            entry_id=e.pk,
            rule_id=e.rule_id or 0,
            subject_key=e.subject_key,
            value=e.value if e.value is not None else float("nan"),
            occurrences=e.occurrences,
            points=e.points,
            locked=e.status != EntryStatus.PENDING or any(a.archived_at is None for a in e.appeals.all()),
        )
        for e in computed
    ]
    plan = domain.reconcile(stored, awards)
    for a in plan.create:
        staff = gathered.staff.get(a.subject_key)
        unit = staff.org_unit if staff is not None else gathered.units[a.subject_key]
        PointEntry.objects.create(
            period=period,
            subject=Subject.STAFF if staff is not None else Subject.UNIT,
            staff=staff,
            org_unit=unit,
            source=Source.COMPUTED,
            rule=rule_objs[a.rule_id],
            value=a.value,
            occurrences=a.occurrences,
            points=a.points,
            reason=rule_objs[a.rule_id].describe()[:300],
            created_by=actor,
            updated_by=actor,
        )
    by_id = {e.pk: e for e in computed}
    for entry_id, a in plan.update:
        e = by_id[entry_id]
        e.value, e.occurrences, e.points = a.value, a.occurrences, a.points
        e.reason = rule_objs[a.rule_id].describe()[:300]
        e.updated_by = actor
        e.save(update_fields=["value", "occurrences", "points", "reason", "updated_by", "updated_at"])
    # Computed entries that no longer hold are derived data of an open period: removed, and the
    # removal is in the period's audit entry below.
    removed = [
        {"subject": by_id[i].subject_key, "rule": by_id[i].rule_id, "points": by_id[i].points}
        for i in plan.delete
    ]
    PointEntry.objects.filter(pk__in=plan.delete).delete()
    before = audit.snapshot(period)
    period.computed_at = now
    period.computed_by = actor
    period.updated_by = actor
    period.save(update_fields=["computed_at", "computed_by", "updated_by", "updated_at"])
    summary = {
        "subjects": len(gathered.subjects),
        "rules": len(rule_objs),
        "scorecards_written": cards_written,
        "created": len(plan.create),
        "updated": len(plan.update),
        "removed": len(plan.delete),
        "kept": len(plan.keep),
    }
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        instance=period,
        before=before,
        after=audit.snapshot(period),
        verb=_("Scorecards computed"),
        extra={**summary, "removed_entries": removed[:200]},
    )
    return summary


@transaction.atomic
def close_period(*, actor: Any, period: Period) -> Period:
    """Close a period once every entry is decided and no appeal is open; nothing changes after that."""
    core.require_perm(actor, "people.change_period")
    _require_unit_in_scope(actor, period.org_unit)
    period = _lock_period(period)
    _require_open(period)
    pending = PointEntry.objects.active().filter(period=period, status=EntryStatus.PENDING).count()
    open_appeals = PointAppeal.objects.active().filter(entry__period=period, status=AppealStatus.OPEN).count()
    if pending or open_appeals:
        raise Conflict(
            _("%(pending)d entries await approval and %(appeals)d appeals are open.")
            % {"pending": pending, "appeals": open_appeals},
            code="period_not_settled",
        )
    before = audit.snapshot(period)
    period.status = PeriodStatus.CLOSED
    period.updated_by = actor
    period.save(update_fields=["status", "updated_by", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        instance=period,
        before=before,
        after=audit.snapshot(period),
        verb=_("Period closed"),
    )
    return period


# --- approval -------------------------------------------------------------------------------------


def managed_paths(user: Any) -> set[str]:
    """Paths of the units the user manages (named manager or unit-manager role on the unit)."""
    paths = set(OrgUnit.objects.filter(manager=user).values_list("path", flat=True))
    paths |= set(
        RoleAssignment.objects.filter(user=user, role=Role.UNIT_MANAGER, org_unit__isnull=False).values_list(
            "org_unit__path", flat=True
        )
    )
    return paths


def is_own(user: Any, entry: PointEntry, managed: set[str] | None = None) -> bool:
    """Whether ``entry`` is ``user``'s own points: his staff entry, a unit he manages, or a manual
    entry he wrote."""
    if entry.subject == domain.STAFF and entry.staff is not None and entry.staff.user_id == user.pk:
        return True
    if entry.source == Source.MANUAL and entry.created_by_id == user.pk:
        return True
    if entry.subject == domain.UNIT:
        managed = managed_paths(user) if managed is None else managed
        return entry.org_unit.path in managed
    return False


@transaction.atomic
def approve_entries(
    *, actor: Any, period: Period, ids: Iterable[int] | None = None, unit: OrgUnit | None = None
) -> dict[str, int]:
    """Approve pending entries of ``period`` in the actor's scope: the given ``ids`` (each must be
    approvable, else nothing is approved), or every pending entry (optionally under ``unit``) except the
    actor's own, which are counted as skipped."""
    core.require_perm(actor, "people.approve_pointentry")
    period = _lock_period(period)
    _require_open(period)
    qs = selectors.entries(actor).filter(period=period).select_for_update(of=("self",))
    managed = managed_paths(actor)
    if ids is not None:
        wanted = sorted(set(ids))
        found = {e.pk: e for e in qs.filter(pk__in=wanted)}
        missing = [i for i in wanted if i not in found]
        if missing:
            raise ValidationFailed(
                fields={
                    "ids": [_("Not found in this period: %(ids)s") % {"ids": ", ".join(map(str, missing))}]
                }
            )
        chosen = [found[i] for i in wanted]
        not_pending = [e.pk for e in chosen if e.status != EntryStatus.PENDING]
        if not_pending:
            raise Conflict(
                _("Already decided: %(ids)s") % {"ids": ", ".join(map(str, not_pending))}, code="not_pending"
            )
        own = [e.pk for e in chosen if is_own(actor, e, managed)]
        if own:
            raise Forbidden(
                _("Nobody approves his own points (entries %(ids)s).") % {"ids": ", ".join(map(str, own))}
            )
        skipped = 0
    else:
        pending = qs.filter(status=EntryStatus.PENDING)
        if unit is not None:
            pending = pending.filter(org_unit__path__startswith=unit.path)
        chosen, skipped = [], 0
        for e in pending:
            if is_own(actor, e, managed):
                skipped += 1
            else:
                chosen.append(e)
    now = timezone.now()
    for e in chosen:
        before = audit.snapshot(e)
        e.status = EntryStatus.APPROVED
        e.approved_by = actor
        e.approved_at = now
        e.updated_by = actor
        e.save(update_fields=["status", "approved_by", "approved_at", "updated_by", "updated_at"])
        audit.record(
            actor=actor,
            action=AuditAction.ACTION,
            instance=e,
            before=before,
            after=audit.snapshot(e),
            verb=_("Points approved"),
        )
    return {"approved": len(chosen), "skipped_own": skipped}


# --- manual entries -------------------------------------------------------------------------------


@transaction.atomic
def add_manual_entry(
    *,
    actor: Any,
    period: Period,
    points: Any,
    reason: str,
    staff: Staff | None = None,
    unit: OrgUnit | None = None,
) -> PointEntry:
    """A manual reward or penalty with its mandatory reason, awaiting approval by someone else."""
    core.require_perm(actor, "people.add_pointentry")
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("A manual entry needs a reason.")]
    try:
        pts = int(points)
        if pts == 0 or abs(pts) > 10000:
            errors["points"] = [_("Points must be a non-zero whole number between −10000 and 10000.")]
    except (TypeError, ValueError):
        pts = 0
        errors["points"] = [_("Points must be a non-zero whole number between −10000 and 10000.")]
    if (staff is None) == (unit is None):
        errors["staff"] = [_("Choose either a staff member or an org unit.")]
    if errors:
        raise ValidationFailed(fields=errors)
    period = _lock_period(period)
    _require_open(period)
    target_unit = staff.org_unit if staff is not None else unit
    assert target_unit is not None
    if not target_unit.path.startswith(period.org_unit.path):
        raise ValidationFailed(fields={"staff" if staff else "unit": [_("Not in this period's org unit.")]})
    entry = core.create_record(
        PointEntry,
        actor=actor,
        data={
            "period": period,
            "subject": Subject.STAFF if staff is not None else Subject.UNIT,
            "staff": staff,
            "org_unit": target_unit,
            "source": Source.MANUAL,
            "points": pts,
            "reason": reason[:300],
            "occurrences": 1,
        },
        verb=_("Manual points entry"),
    )
    return entry


# --- appeals --------------------------------------------------------------------------------------


@transaction.atomic
def file_appeal(*, actor: Any, entry: PointEntry, reason: str) -> PointAppeal:
    core.require_perm(actor, "people.add_pointappeal")
    core.require_in_scope(actor, entry)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("Say why you appeal.")]})
    if entry.staff is None or entry.staff.user_id != actor.pk:
        raise Forbidden(_("You can appeal only your own points."))
    entry = PointEntry.objects.select_for_update(of=("self",)).select_related("period").get(pk=entry.pk)
    _require_open(entry.period)
    if entry.status == EntryStatus.VOIDED:
        raise Conflict(_("This entry is voided."), code="voided")
    if PointAppeal.objects.active().filter(entry=entry, status=AppealStatus.OPEN).exists():
        raise Conflict(_("An appeal against this entry is open already."), code="appeal_open")
    return core.create_record(
        PointAppeal,
        actor=actor,
        data={"entry": entry, "appellant": actor, "reason": reason},
        verb=_("Points appeal filed"),
    )


@transaction.atomic
def decide_appeal(
    *, actor: Any, appeal: PointAppeal, accept: bool, decision: str, corrected_points: Any = None
) -> PointAppeal:
    """Accept (the entry is voided; ``corrected_points``, when given, become an approved correction
    entry) or reject an open appeal, with the reasons."""
    core.require_perm(actor, "people.decide_pointappeal")
    core.require_in_scope(actor, appeal)
    appeal = (
        PointAppeal.objects.select_for_update(of=("self",))
        .select_related("entry__period", "entry__staff")
        .get(pk=appeal.pk)
    )
    if appeal.status != AppealStatus.OPEN:
        raise Conflict(_("This appeal is decided already."), code="decided")
    decision = (decision or "").strip()
    errors: dict[str, list[str]] = {}
    if not decision:
        errors["decision"] = [_("Give the reasons of the decision.")]
    corrected: int | None = None
    if corrected_points not in (None, ""):
        try:
            corrected = int(corrected_points)
        except (TypeError, ValueError):
            errors["corrected_points"] = [_("Enter a whole number.")]
        if not accept:
            errors["corrected_points"] = [_("Only an accepted appeal corrects the points.")]
    if errors:
        raise ValidationFailed(fields=errors)
    if appeal.appellant_id == actor.pk or is_own(actor, appeal.entry):
        raise Forbidden(_("Nobody decides an appeal about his own points."))
    entry = appeal.entry
    _require_open(entry.period)
    now = timezone.now()
    before = audit.snapshot(appeal)
    appeal.status = AppealStatus.ACCEPTED if accept else AppealStatus.REJECTED
    appeal.decision = decision
    appeal.corrected_points = corrected
    appeal.decided_by = actor
    appeal.decided_at = now
    appeal.updated_by = actor
    appeal.save()
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        instance=appeal,
        before=before,
        after=audit.snapshot(appeal),
        verb=_("Appeal accepted") if accept else _("Appeal rejected"),
    )
    if accept:
        e_before = audit.snapshot(entry)
        entry.status = EntryStatus.VOIDED
        entry.updated_by = actor
        entry.save(update_fields=["status", "updated_by", "updated_at"])
        audit.record(
            actor=actor,
            action=AuditAction.ACTION,
            instance=entry,
            before=e_before,
            after=audit.snapshot(entry),
            verb=_("Points voided on appeal"),
        )
        if corrected:
            fix = PointEntry.objects.create(
                period=entry.period,
                subject=entry.subject,
                staff=entry.staff,
                org_unit=entry.org_unit,
                source=Source.APPEAL,
                rule=entry.rule,
                value=entry.value,
                occurrences=1,
                points=corrected,
                reason=(_("Correction on appeal: %(decision)s") % {"decision": decision})[:300],
                status=EntryStatus.APPROVED,
                approved_by=actor,
                approved_at=now,
                created_by=actor,
                updated_by=actor,
            )
            audit.record(actor=actor, action=AuditAction.CREATE, instance=fix, after=audit.snapshot(fix))
    core.notify(
        [appeal.appellant],
        title=_("Your points appeal was decided: %(status)s") % {"status": appeal.get_status_display()},
        body=decision,
        url="/people/?period=%d" % entry.period_id,
        kind="people",
    )
    return appeal
