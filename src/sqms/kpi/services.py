"""Ingest of service records: validate every row first (all-or-nothing), insert in large batches and
maintain the daily rollups incrementally in the same transaction; one audit entry per batch.

:func:`ingest` (the bulk API) runs the fast path of :mod:`sqms.kpi.ingest_fast` (vectorised validation,
PostgreSQL binary ``COPY`` / SQLite ``executemany``, rollup deltas by group-by and upserts).
:func:`prepare` / :func:`write` / :func:`ingest_reference` are the row-by-row reference implementation
(``bulk_create``) the tests and the benchmark compare the fast path with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sqms.core import audit, dataversion
from sqms.core.errors import ValidationFailed
from sqms.core.models import AuditAction
from sqms.core.scoping import scope_for, scoped
from sqms.core.services import require_perm
from sqms.kpi import domain, partitions
from sqms.kpi.models import DailyRollup, MonthlyRollup, ServiceRecord
from sqms.kpi.spc_text import rule_text
from sqms.org.models import Customer, OrgUnit, Staff

BATCH = 5000
MAX_REPORTED_ERRORS = 1000
ON_DUPLICATE = ("reject", "update")
UPDATED_FIELDS = [
    "org_unit",
    "staff",
    "customer",
    "service_type",
    "channel",
    "requested_at",
    "first_response_at",
    "completed_at",
    "promised_at",
    "outcome",
    "first_contact_resolution",
    "rating",
    "ingested_at",
]

# Reasons produced by sqms.kpi.domain (pure, no Django), marked here for the translation catalogue.
DOMAIN_REASONS = (
    gettext_noop("This field is required."),
    gettext_noop("This value is too long."),
    gettext_noop("Enter a whole number."),
    gettext_noop("Enter a valid date and time (ISO 8601)."),
    gettext_noop("Must not be earlier than requested_at."),
    gettext_noop("Must not be earlier than first_response_at."),
    gettext_noop("Enter true or false."),
    gettext_noop("Enter a whole number from 1 to 5."),
)


@dataclass
class Context:
    """Look-ups shared by the chunks of one ingest (units, staff and customers by key; ids seen)."""

    actor: Any
    on_duplicate: str
    units: dict[str, int | None] = field(default_factory=dict)
    staff: dict[str, int | None] = field(default_factory=dict)
    customers: dict[int, bool] = field(default_factory=dict)
    seen: set[tuple[str, str]] = field(default_factory=set)
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0

    def error(self, row: int, name: str, reason: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append({"row": row, "field": name, "reason": _(reason)})


@dataclass
class Prepared:
    rows: list[tuple[domain.ParsedRow, int, int | None]]  # row, unit id, staff id
    existing: dict[tuple[str, str], ServiceRecord]


def _resolve(ctx: Context, parsed: list[domain.ParsedRow]) -> None:
    actor = ctx.actor
    codes = {p.unit for p in parsed} - ctx.units.keys()
    if codes:
        found = dict(scoped(actor, OrgUnit.objects.filter(code__in=codes)).values_list("code", "id"))
        ctx.units.update({c: found.get(c) for c in codes})
    numbers = {p.staff for p in parsed if p.staff} - ctx.staff.keys()
    if numbers:
        found = dict(
            scoped(actor, Staff.objects.filter(employee_no__in=numbers)).values_list("employee_no", "id")
        )
        ctx.staff.update({n: found.get(n) for n in numbers})
    ids = {p.customer for p in parsed if p.customer is not None} - ctx.customers.keys()
    if ids:
        found_ids = set(scoped(actor, Customer.objects.filter(pk__in=ids)).values_list("id", flat=True))
        ctx.customers.update({i: i in found_ids for i in ids})


def _existing(keys: list[tuple[str, str]]) -> dict[tuple[str, str], ServiceRecord]:
    by_source: dict[str, list[str]] = {}
    for source, ext in keys:
        by_source.setdefault(source, []).append(ext)
    out: dict[tuple[str, str], ServiceRecord] = {}
    for source, exts in by_source.items():
        for i in range(0, len(exts), BATCH):
            qs = ServiceRecord.objects.select_related("org_unit").filter(
                source=source, external_id__in=exts[i : i + BATCH]
            )
            out.update({(r.source, r.external_id): r for r in qs})
    return out


def prepare(ctx: Context, raw_rows: Iterable[Mapping[str, Any]], first_row: int = 1) -> Prepared:
    """Validate a chunk (row numbers start at ``first_row``); errors go to ``ctx``."""
    tz = timezone.get_default_timezone()
    parsed: list[tuple[int, domain.ParsedRow]] = []
    for n, raw in enumerate(raw_rows, start=first_row):
        row, errors = domain.validate_row(raw, tz)
        if row is None:
            for name, reasons in errors.items():
                for reason in reasons:
                    ctx.error(n, name, reason)
            continue
        key = (row.source, row.external_id)
        if key in ctx.seen:
            ctx.error(n, "external_id", gettext_noop("This external id appears twice in the input."))
            continue
        ctx.seen.add(key)
        parsed.append((n, row))
    _resolve(ctx, [p for _n, p in parsed])
    existing = _existing([(p.source, p.external_id) for _n, p in parsed])
    scope = scope_for(ctx.actor)
    ok: list[tuple[domain.ParsedRow, int, int | None]] = []
    for n, row in parsed:
        bad = False
        unit_id = ctx.units.get(row.unit)
        if unit_id is None:  # unknown and out-of-scope units read the same: nothing leaks
            ctx.error(n, "unit", gettext_noop("Unknown org unit."))
            bad = True
        staff_id = ctx.staff.get(row.staff) if row.staff else None
        if row.staff and staff_id is None:
            ctx.error(n, "staff", gettext_noop("Unknown staff member."))
            bad = True
        if row.customer is not None and not ctx.customers.get(row.customer):
            ctx.error(n, "customer", gettext_noop("Unknown customer."))
            bad = True
        old = existing.get((row.source, row.external_id))
        if old is not None:
            if ctx.on_duplicate != "update":
                ctx.error(
                    n, "external_id", gettext_noop("A service record with this external id already exists.")
                )
                bad = True
            elif not scope.covers_path(old.org_unit.path):
                ctx.error(n, "external_id", gettext_noop("This external id cannot be used."))
                bad = True
        if not bad:
            assert unit_id is not None
            ok.append((row, unit_id, staff_id))
    return Prepared(ok, existing)


def _fact(rec: ServiceRecord) -> domain.Fact:
    return domain.Fact(
        rec.org_unit_id,
        rec.service_type,
        rec.channel,
        rec.requested_at,
        rec.first_response_at,
        rec.completed_at,
        rec.promised_at,
        rec.first_contact_resolution,
        rec.rating,
    )


def write(prepared: Prepared) -> dict[str, int]:
    """Insert/update the prepared rows and apply their rollup delta. Call inside a transaction."""
    now = timezone.now()
    new: list[ServiceRecord] = []
    changed: list[ServiceRecord] = []
    removed: list[domain.Fact] = []
    for row, unit_id, staff_id in prepared.rows:
        values = {
            "org_unit_id": unit_id,
            "staff_id": staff_id,
            "customer_id": row.customer,
            "service_type": row.service_type,
            "channel": row.channel,
            "requested_at": row.requested_at,
            "first_response_at": row.first_response_at,
            "completed_at": row.completed_at,
            "promised_at": row.promised_at,
            "outcome": row.outcome,
            "first_contact_resolution": row.first_contact_resolution,
            "rating": row.rating,
            "ingested_at": now,
        }
        old = prepared.existing.get((row.source, row.external_id))
        if old is None:
            new.append(ServiceRecord(source=row.source, external_id=row.external_id, **values))
        else:
            removed.append(_fact(old))
            for name, value in values.items():
                setattr(old, name, value)
            changed.append(old)
    # PostgreSQL: the months the records need, then the key table
    partitions.ensure_data_months(r.requested_at.astimezone(dt.UTC).date() for r in new + changed)
    partitions.register_keys([(r.source, r.external_id) for r in new])
    ServiceRecord.objects.bulk_create(new, batch_size=BATCH)
    if changed:
        ServiceRecord.objects.bulk_update(changed, UPDATED_FIELDS, batch_size=1000)
    delta = domain.rollup_delta([_fact(r) for r in new + changed], timezone.get_default_timezone(), removed)
    apply_rollup_delta(delta)
    return {"created": len(new), "updated": len(changed), "rollups": len(delta)}


def apply_rollup_delta(delta: dict[domain.RollupKey, domain.Delta]) -> None:
    """Add ``delta`` to the stored daily rollups and to the monthly rollups of the same months (rows
    locked on PostgreSQL); rows that drop to zero go away."""
    if not delta:
        return
    _apply(DailyRollup, "day", delta)
    _apply(MonthlyRollup, "month", domain.monthly_delta(delta))


def _apply(model: Any, key_field: str, delta: dict[domain.RollupKey, domain.Delta]) -> None:
    unit_ids = {k[0] for k in delta}
    days = [k[1] for k in delta]
    qs = model.objects.select_for_update(of=("self",)).filter(
        org_unit_id__in=unit_ids, **{f"{key_field}__gte": min(days), f"{key_field}__lte": max(days)}
    )
    stored = {(r.org_unit_id, getattr(r, key_field), r.service_type, r.channel): r for r in qs}
    create: list[Any] = []
    update: list[Any] = []
    delete: list[int] = []
    for key, d in delta.items():
        row = stored.get(key)
        if row is None:
            row = model(org_unit_id=key[0], service_type=key[2], channel=key[3], **{key_field: key[1]})
            is_new = True
        else:
            is_new = False
        for name in domain.COUNTERS:
            setattr(row, name, getattr(row, name) + getattr(d, name))
        row.response_hist = [a + b for a, b in zip(row.response_hist, d.response_hist, strict=True)]
        row.handling_hist = [a + b for a, b in zip(row.handling_hist, d.handling_hist, strict=True)]
        if row.total == 0:
            if not is_new:
                delete.append(row.pk)
        elif is_new:
            create.append(row)
        else:
            update.append(row)
    model.objects.bulk_create(create, batch_size=BATCH)
    model.objects.bulk_update(update, [*domain.COUNTERS, *domain.HIST_FIELDS], batch_size=500)
    if delete:
        model.objects.filter(pk__in=delete).delete()


def check_ingest_permission(actor: Any, on_duplicate: str) -> None:
    if on_duplicate not in ON_DUPLICATE:
        raise ValidationFailed(fields={"on_duplicate": [_("Choose reject or update.")]})
    require_perm(actor, "kpi.add_servicerecord")
    if on_duplicate == "update":
        require_perm(actor, "kpi.change_servicerecord")


def raise_errors(ctx: Context) -> None:
    if not ctx.error_count:
        return
    fields: dict[str, list[str]] = {}
    for e in ctx.errors:
        fields.setdefault(f"rows.{e['row']}.{e['field']}", []).append(e["reason"])
    raise ValidationFailed(
        _("%(n)s errors in the input; nothing was written.") % {"n": ctx.error_count}, fields=fields
    )


def audit_batch(actor: Any, counts: dict[str, int], *, origin: str, on_duplicate: str) -> None:
    dataversion.bump("kpi")
    audit.record(
        actor=actor,
        action=AuditAction.IMPORT,
        verb=_("Service records ingested"),
        extra={**counts, "origin": origin, "on_duplicate": on_duplicate},
    )


def ingest(
    *, actor: Any, rows: Iterable[Mapping[str, Any]], on_duplicate: str = "reject", origin: str = "api"
) -> dict[str, int]:
    """Validate every row, then write all or nothing (the fast path). Raises ValidationFailed listing the
    bad rows (``rows.<n>.<field>``, rows numbered from 1)."""
    from sqms.kpi import ingest_fast

    check_ingest_permission(actor, on_duplicate)
    counts, ctx = ingest_fast.run_ingest(
        actor=actor,
        chunks=ingest_fast.row_chunks(list(rows)),
        on_duplicate=on_duplicate,
        context_factory=lambda: Context(actor=actor, on_duplicate=on_duplicate),
        after=lambda c: audit_batch(actor, c, origin=origin, on_duplicate=on_duplicate),
    )
    if ctx is not None:
        raise_errors(ctx)
    assert counts is not None
    return counts


@transaction.atomic
def ingest_reference(
    *, actor: Any, rows: Iterable[Mapping[str, Any]], on_duplicate: str = "reject", origin: str = "api"
) -> dict[str, int]:
    """The row-by-row reference path (``bulk_create``): same contract as :func:`ingest`."""
    check_ingest_permission(actor, on_duplicate)
    ctx = Context(actor=actor, on_duplicate=on_duplicate)
    prepared = prepare(ctx, rows)
    raise_errors(ctx)
    counts = write(prepared)
    audit_batch(actor, counts, origin=origin, on_duplicate=on_duplicate)
    return counts


def rebuild_rollups(*, unit_ids: Iterable[int] | None = None, since: Any = None) -> int:
    """Recompute the daily and monthly rollups from the raw records (the reference the incremental path
    must equal). With ``since`` (a date) only from the first day of its month on — whole months, so the
    monthly rollups stay exact. Returns the number of daily rollup rows written."""

    tz = timezone.get_default_timezone()
    qs = ServiceRecord.objects.all()
    start = None
    if since is not None:
        start = since.replace(day=1)
        qs = qs.filter(requested_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz))
    if unit_ids is not None:
        qs = qs.filter(org_unit_id__in=list(unit_ids))
    fields = ("org_unit_id", "service_type", "channel", "requested_at", "first_response_at", "completed_at",
              "promised_at", "first_contact_resolution", "rating")  # fmt: skip
    with transaction.atomic():
        for model, key in ((DailyRollup, "day"), (MonthlyRollup, "month")):
            rollups = model.objects.all()
            if start is not None:
                rollups = rollups.filter(**{f"{key}__gte": start})
            if unit_ids is not None:
                rollups = rollups.filter(org_unit_id__in=list(unit_ids))
            rollups.delete()
        facts = (domain.Fact(*values) for values in qs.values_list(*fields).iterator(chunk_size=BATCH))
        delta = domain.rollup_delta(facts, tz)
        apply_rollup_delta(delta)
    dataversion.bump("kpi")
    return len(delta)


# --- KPI library, alerts, objectives ----------------------------------------------------------------------


def ensure_library(**_kwargs: Any) -> int:
    """Create the shipped KPI definitions that are missing (existing ones, maybe edited, are kept)."""
    from sqms.kpi.models import KpiDefinition

    created = 0
    for order, spec in enumerate(domain.LIBRARY):
        _obj, was_created = KpiDefinition.objects.get_or_create(
            code=spec["code"], defaults={**spec, "order": order}
        )
        created += was_created
    return created


def evaluate_alerts(*, period: str = "month", today: Any = None, units: Any = None, codes: Any = None) -> int:
    """Evaluate every active KPI for every active unit over its recent history: a latest value missing the
    warning threshold raises a ``target`` alert, an SPC signal on the latest point an ``spc`` alert. One
    row per KPI × unit × period × kind; running it again changes nothing. Returns the alerts created."""
    from sqms.core.services import notify
    from sqms.kpi import selectors
    from sqms.kpi.models import AlertKind, AlertLevel, KpiAlert

    today = today or timezone.localdate()
    since, until = selectors.default_range(period, today)
    created = 0
    if units is None:
        units = OrgUnit.objects.filter(active=True, archived_at__isnull=True)
    units = list(units.select_related("manager"))
    kpis = selectors.kpis()
    if codes is not None:
        kpis = kpis.filter(code__in=list(codes))
    kpis = list(kpis)
    table = selectors.series_table(selectors.SYSTEM, kpis, units, period, since, until)
    for kpi in kpis:
        for ui, unit in enumerate(units):
            series = table[(kpi.code, ui)]
            last = series["points"][-1] if series["points"] else None
            if last is None or last["value"] is None:
                continue
            t = series["thresholds"]
            found: list[tuple[str, str, float | None, str]] = []
            status = last["status"]
            if status in ("amber", "red"):
                bound = t.warning if status == "amber" else t.critical
                found.append((AlertKind.TARGET, status, bound, _("%(kpi)s is %(value).2f %(unit)s (threshold %(bound)s)")
                              % {"kpi": kpi, "value": last["value"], "unit": kpi.unit, "bound": bound}))  # fmt: skip
            if series["charted"] and series["charted"][-1] == last["period"]:
                signals = domain.last_point_signals(series["chart"])
                if signals:
                    found.append((AlertKind.SPC, AlertLevel.SIGNAL, None, rule_text(signals[0]["rule"])))
            for kind, level, bound, message in found:
                alert, was_created = KpiAlert.objects.get_or_create(
                    kpi=kpi,
                    org_unit=unit,
                    period_kind=period,
                    period=last["period"],
                    kind=kind,
                    defaults={
                        "level": level,
                        "value": last["value"],
                        "threshold": bound,
                        "message": message[:300],
                    },
                )
                if was_created:
                    created += 1
                    audit.record(
                        actor=None, action=AuditAction.CREATE, instance=alert, after=audit.snapshot(alert)
                    )
                    if unit.manager_id:
                        notify(
                            [unit.manager],
                            title=_("KPI alert: %(kpi)s at %(unit)s") % {"kpi": kpi, "unit": unit},
                            body=message,
                            url=f"/kpi/{kpi.code}/?unit={unit.code}",
                            kind="warning",
                        )
    return created


@transaction.atomic
def acknowledge_alert(alert: Any, *, actor: Any) -> Any:
    from sqms.core.services import require_in_scope

    require_perm(actor, "kpi.change_kpialert")
    require_in_scope(actor, alert)
    if alert.acknowledged_at is not None:
        return alert
    before = audit.snapshot(alert)
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = actor
    alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
    audit.record(
        actor=actor, action=AuditAction.ACTION, instance=alert, before=before, after=audit.snapshot(alert),
        verb="acknowledge",
    )  # fmt: skip
    return alert
