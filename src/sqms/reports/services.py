"""Writes of the reports app: generate a report snapshot (a new version each time), send it to
subscribers, subscribe, publish and unpublish a transparency period. Permission- and scope-checked,
audited."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.errors import ValidationFailed
from sqms.core.models import AuditAction
from sqms.core.scoping import scope_for
from sqms.core.services import clean_or_raise, notify, require_in_scope, require_perm
from sqms.reports import domain, render, selectors
from sqms.reports.models import Publication, ReportSnapshot, Subscription
from sqms.reports.sections import ReportPeriod


def parse_period(text: str, *, quarter: bool = False, field: str = "period") -> domain.Period:
    try:
        return domain.parse_period(text, quarter=quarter)
    except ValueError as exc:
        raise ValidationFailed(
            _("%(field)s: enter a month like 2026-10 or a quarter like 2026-Q4.") % {"field": field},
            fields={field: [_("Enter a month like 2026-10 or a quarter like 2026-Q4.")]},
        ) from exc


def unit_for(actor: Any, code: str | None) -> Any:
    """The unit of ``code`` inside the actor's scope (``NotFound`` outside); a unit-scoped user without a
    code gets his own top unit when he has exactly one, so his report is never organisation-wide."""
    from sqms.org.models import OrgUnit

    scope = scope_for(actor)
    if code:
        unit = OrgUnit.objects.filter(code=code).first()
        if unit is None:
            raise ValidationFailed(fields={"unit": [_("No org unit with this code.")]})
        if not scope.covers_path(unit.path):
            raise ValidationFailed(fields={"unit": [_("No org unit with this code.")]})
        return unit
    if scope.all_units:
        return None
    if len(scope.unit_paths) == 1:
        return OrgUnit.objects.filter(path=scope.unit_paths[0]).first()
    return None


@transaction.atomic
def generate_report(
    *, actor: Any, period: domain.Period, unit: Any = None, scheduled: bool = False
) -> ReportSnapshot:
    """Build the report of ``period`` (a unit's subtree, or everything the actor sees), write its PDF and
    Excel files and store it as the next version."""
    require_perm(actor, "reports.add_reportsnapshot")
    scope = scope_for(actor)
    if unit is None and not scope.all_units:
        unit = unit_for(actor, None)
        if unit is None:
            raise ValidationFailed(fields={"unit": [_("Choose one of your org units.")]})
    if unit is not None and not scope.covers_path(unit.path):
        raise ValidationFailed(fields={"unit": [_("No org unit with this code.")]})
    data = selectors.report_data(actor, ReportPeriod(period, unit))
    same = ReportSnapshot.objects.select_for_update().filter(kind=period.kind, period_key=period.key)
    same = same.filter(org_unit=unit) if unit is not None else same.filter(org_unit__isnull=True)
    version = (same.aggregate(v=Max("version"))["v"] or 0) + 1
    snap = ReportSnapshot(
        kind=period.kind,
        period_key=period.key,
        period_start=period.start,
        period_end=period.end,
        org_unit=unit,
        version=version,
        title=data["title"][:200],
        data=data,
        scheduled=scheduled,
        created_by=actor if getattr(actor, "pk", None) else None,
        updated_by=actor if getattr(actor, "pk", None) else None,
    )
    clean_or_raise(snap, exclude=["pdf", "xlsx"])
    stem = f"sqms-{period.kind}-{period.key}-{unit.code if unit is not None else 'all'}-v{version}"
    snap.pdf.save(f"{stem}.pdf", ContentFile(render.pdf_bytes(data)), save=False)
    snap.xlsx.save(f"{stem}.xlsx", ContentFile(render.xlsx_bytes(data)), save=False)
    snap.save()
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=snap,
        after=audit.snapshot(snap),
        verb=_("Quality report generated"),
    )
    return snap


def subscribers_for(snap: ReportSnapshot) -> list[Any]:
    subs = Subscription.objects.active().filter(active=True).select_related("user", "org_unit")
    subs = subs.filter(monthly=True) if snap.kind == domain.MONTHLY else subs.filter(quarterly=True)
    subs = subs.filter(org_unit=snap.org_unit) if snap.org_unit_id else subs.filter(org_unit__isnull=True)
    return [s.user for s in subs if s.user.is_active and s.user.has_perm("reports.view_reportsnapshot")]


def send_to_subscribers(snap: ReportSnapshot) -> int:
    """In-app notification and e-mail (after commit) to the report's subscribers; once per snapshot."""
    if snap.emailed_at is not None:
        return 0
    users = subscribers_for(snap)
    url = reverse("reports:download", args=[snap.pk, "pdf"])
    sent = notify(
        users,
        title=_("Quality report: %(title)s") % {"title": snap.title},
        body=_("The %(title)s (version %(v)s) is ready: PDF and Excel workbook.")
        % {"title": snap.title, "v": snap.version},
        url=url,
        kind="report",
        email=True,
    )
    ReportSnapshot.objects.filter(pk=snap.pk).update(emailed_at=timezone.now())
    return len(sent)


def scheduled_reports(today: Any = None) -> list[ReportSnapshot]:
    """What the periodic task runs: for each period due today, the organisation-wide report and one per
    subscribed unit, unless a scheduled version already exists (safe to run twice)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.utils import translation

    today = today or timezone.localdate()
    actor = get_user_model().objects.filter(is_active=True, is_superuser=True).order_by("pk").first()
    if actor is None:
        return []
    made = []
    unit_ids = set(
        Subscription.objects.active()
        .filter(active=True, org_unit__isnull=False)
        .values_list("org_unit", flat=True)
    )
    from sqms.org.models import OrgUnit

    with translation.override(settings.LANGUAGE_CODE):
        for period in domain.due_periods(today):
            for unit in [None, *OrgUnit.objects.filter(pk__in=unit_ids).order_by("path")]:
                exists = ReportSnapshot.objects.filter(
                    kind=period.kind, period_key=period.key, scheduled=True
                ).filter(Q(org_unit=unit) if unit is not None else Q(org_unit__isnull=True))
                if exists.exists():
                    continue
                snap = generate_report(actor=actor, period=period, unit=unit, scheduled=True)
                send_to_subscribers(snap)
                made.append(snap)
    return made


@transaction.atomic
def subscribe(
    *, actor: Any, user: Any, unit: Any = None, monthly: bool = True, quarterly: bool = True
) -> Subscription:
    if actor.pk != user.pk:
        require_perm(actor, "reports.add_subscription")
    require_perm(user, "reports.view_reportsnapshot")
    scope = scope_for(user)
    if unit is None and not scope.all_units:
        raise ValidationFailed(fields={"org_unit": [_("Choose one of the subscriber's org units.")]})
    if unit is not None and not scope.covers_path(unit.path):
        raise ValidationFailed(fields={"org_unit": [_("The unit is outside the subscriber's org units.")]})
    existing = Subscription.objects.active().filter(user=user, org_unit=unit).first()
    if existing is not None:
        return existing
    sub = Subscription(
        user=user, org_unit=unit, monthly=monthly, quarterly=quarterly, created_by=actor, updated_by=actor
    )
    clean_or_raise(sub)
    if unit is not None:
        require_in_scope(actor, sub)
    sub.save()
    audit.record(actor=actor, action=AuditAction.CREATE, instance=sub, after=audit.snapshot(sub))
    return sub


@transaction.atomic
def publish(*, actor: Any, period: domain.Period, min_group_size: int = 30) -> Publication:
    """Publish ``period`` on the transparency page: compute and freeze its figures now."""
    require_perm(actor, "reports.change_publication")
    if not isinstance(min_group_size, int) or min_group_size < 1:
        raise ValidationFailed(fields={"min_group_size": [_("Enter a whole number of at least 1.")]})
    pub = Publication.objects.select_for_update().filter(kind=period.kind, period_key=period.key).first()
    before = audit.snapshot(pub) if pub else None
    if pub is None:
        pub = Publication(
            kind=period.kind,
            period_key=period.key,
            period_start=period.start,
            period_end=period.end,
            created_by=actor,
        )
    pub.min_group_size = min_group_size
    clean_or_raise(pub, exclude=["data"])
    pub.data = selectors.transparency_data(period, min_group_size)
    pub.published = True
    pub.published_at = timezone.now()
    pub.archived_at = None
    pub.updated_by = actor
    pub.save()
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        instance=pub,
        before=before,
        after=audit.snapshot(pub),
        verb=_("Published on the transparency page"),
    )
    return pub


@transaction.atomic
def unpublish(*, actor: Any, publication: Publication) -> Publication:
    require_perm(actor, "reports.change_publication")
    pub = Publication.objects.select_for_update().get(pk=publication.pk)
    if not pub.published:
        return pub
    before = audit.snapshot(pub)
    pub.published = False
    pub.unpublished_at = timezone.now()
    pub.updated_by = actor
    pub.save()
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        instance=pub,
        before=before,
        after=audit.snapshot(pub),
        verb=_("Withdrawn from the transparency page"),
    )
    return pub
