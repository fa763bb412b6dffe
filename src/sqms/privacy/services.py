"""Writes of the privacy app: the access log, data-subject export and erasure, the retention purge."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.context import current_request_id
from sqms.core.errors import Conflict, ValidationFailed
from sqms.core.models import AuditAction, AuditEntry
from sqms.core.security import chain
from sqms.core.services import require_in_scope, require_perm
from sqms.org.models import Customer
from sqms.privacy import domain
from sqms.privacy.models import (
    AccessLog,
    Anonymised,
    PrivacyRequest,
    RequestKind,
    RequestStatus,
    RetentionRule,
)
from sqms.privacy.registry import Register, registers

log = logging.getLogger("sqms.privacy")

HANDLE_PERM = "privacy.add_privacyrequest"
BATCH = 500


# --- access log --------------------------------------------------------------------------------------------
def log_access(
    user: Any,
    model: type[models.Model],
    ids: Iterable[Any],
    fields: Iterable[str],
    *,
    customer_ids: Iterable[Any] = (),
    purpose: str = "",
    path: str = "",
    count: int | None = None,
) -> AccessLog | None:
    """One access-log row: ``user`` was shown unmasked ``fields`` of the ``model`` records ``ids`` (an
    export gives only the ``count`` of rows)."""
    ids = [i for i in ids if i is not None]
    if not ids and not count:
        return None
    if model._meta.label_lower == "org.customer":
        customer_ids = [*customer_ids, *ids]
    user_ok = user is not None and getattr(user, "pk", None)
    return AccessLog.objects.create(
        user=user if user_ok else None,
        user_name=(user.get_username() if user_ok else "")[:150],
        request_id=current_request_id(),
        path=path[:255],
        content_type=ContentType.objects.get_for_model(model),
        object_ids=domain.id_list(ids),
        customer_ids=domain.id_list(customer_ids),
        fields=",".join(dict.fromkeys(fields))[:255],
        count=count if count is not None else len(set(ids)),
        purpose=(purpose or "")[:200],
    )


# --- requests ------------------------------------------------------------------------------------------------
def _check(actor: Any, customer: Customer) -> None:
    require_perm(actor, HANDLE_PERM)
    require_in_scope(actor, customer)


def _value(obj: Any, name: str) -> Any:
    value = getattr(obj, name)
    return audit.plain(value)


def collect(customer: Customer) -> dict[str, Any]:
    """Every personal record of ``customer`` across the registers, as JSON-safe data."""
    data: dict[str, Any] = {}
    for reg in registers():
        rows = [
            {name: _value(obj, name) for name in reg.export_fields}
            for obj in reg.of_customer(customer).order_by("pk")
        ]
        data[reg.key] = rows
    return data


@transaction.atomic
def export_customer(*, actor: Any, customer: Customer, reason: str = "") -> PrivacyRequest:
    """A data-subject export: a JSON file of every personal record, kept on the request."""
    _check(actor, customer)
    req = PrivacyRequest.objects.create(
        kind=RequestKind.EXPORT, customer=customer, requested_by=actor, reason=reason[:300]
    )
    payload = {
        "customer_id": customer.pk,
        "exported_at": timezone.now(),
        "request_id": req.pk,
        "records": collect(customer),
    }
    body = json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    req.result_file.save(
        f"export-customer-{customer.pk}-{req.pk}.json", ContentFile(body.encode()), save=False
    )
    req.status = RequestStatus.COMPLETED
    req.completed_at = timezone.now()
    req.summary = {key: len(rows) for key, rows in payload["records"].items()}
    req.save()
    audit.record(
        actor=actor,
        action=AuditAction.EXPORT,
        instance=customer,
        verb="privacy export",
        extra={"privacy_request": req.pk, "counts": req.summary},
    )
    return req


def export_json(req: PrivacyRequest) -> bytes:
    with req.result_file.open("rb") as fh:
        return bytes(fh.read())


def _apply(obj: Any, rules: dict[str, str], known: dict[str, str]) -> list[str]:
    """Anonymise ``obj`` in memory by ``rules``; the names of the fields that changed."""
    changed = []
    for name, how in rules.items():
        field = obj._meta.get_field(name)
        attr = field.attname
        old = getattr(obj, attr)
        if how == "blank":
            new: Any = ""
        elif how == "null":
            new = None
        elif how == "stub":
            new = domain.stub_name(obj.pk)
        elif how == "redact":
            new = domain.redact(old or "", known)
        elif how == "redact_json":
            new = domain.redact_json(old, known)
        else:  # pragma: no cover - a registry mistake
            raise ValueError(f"unknown anonymisation rule {how!r} for {name}")
        if new != old:
            setattr(obj, attr, new)
            changed.append(attr)
    return changed


def _anonymise_qs(
    reg: Register, qs: Any, rules: dict[str, str], known: dict[str, str], reason: str
) -> tuple[int, list[Any]]:
    """Anonymise every record of ``qs`` in batches; (records changed, ids of all records seen)."""
    changed_count, seen = 0, []
    model = reg.model_class
    pending: list[Any] = []
    fields: set[str] = set()
    for obj in qs.order_by("pk").iterator(chunk_size=BATCH):
        seen.append(obj.pk)
        names = _apply(obj, rules, known)
        if names:
            changed_count += 1
            fields.update(names)
            pending.append(obj)
        if len(pending) >= BATCH:
            model.objects.bulk_update(pending, sorted(fields))
            pending, fields = [], set()
    if pending:
        model.objects.bulk_update(pending, sorted(fields))
    marks = [Anonymised(register=reg.key, object_id=pk, reason=reason) for pk in seen]
    Anonymised.objects.bulk_create(marks, ignore_conflicts=True, batch_size=BATCH)
    return changed_count, seen


def _sweep_text(values: Iterable[str], known: dict[str, str]) -> int:
    """Replace the subject's phone/e-mail/ID number wherever else they occur in a text column (not the
    audit trail, which :func:`_redact_audit` handles). Names are not swept: other people share names."""
    count = 0
    from django.apps import apps

    values = [v for v in values if v and len(v) >= 5]
    if not values:
        return 0
    for model in apps.get_models():
        if model._meta.label_lower in ("core.auditentry", "privacy.accesslog") or not model._meta.managed:
            continue
        for f in model._meta.concrete_fields:
            if not isinstance(f, models.CharField | models.TextField) or f.choices:
                continue
            q = models.Q()
            for v in values:
                q |= models.Q(**{f"{f.name}__icontains": v})
            for obj in model._default_manager.filter(q).only("pk", f.name).iterator():
                old = getattr(obj, f.attname) or ""
                new = domain.redact(old, known)
                if new != old:
                    model._default_manager.filter(pk=obj.pk).update(**{f.attname: new})
                    count += 1
    return count


def _redact_audit(refs: dict[int, list[str]], values: list[str], known: dict[str, str]) -> int:
    """Redact the subject's values in audit entries of the anonymised records (and any entry mentioning the
    phone/e-mail), then re-seal the hash chain from the first changed entry. Returns entries changed."""
    q = models.Q(pk__in=[])
    for ct_id, ids in refs.items():
        for start in range(0, len(ids), BATCH):
            q |= models.Q(content_type_id=ct_id, object_id__in=ids[start : start + BATCH])
    for v in values:
        if v and len(v) >= 5 and v.isascii():
            q |= models.Q(changes__icontains=v) | models.Q(object_repr__icontains=v)
    changed: list[AuditEntry] = []
    for entry in AuditEntry.objects.filter(q).order_by("seq"):
        repr_new = domain.redact(entry.object_repr, known)
        changes_new = domain.redact_json(entry.changes, known)
        if repr_new != entry.object_repr or changes_new != entry.changes:
            entry.object_repr, entry.changes = repr_new, changes_new
            changed.append(entry)
    if not changed:
        return 0
    AuditEntry.objects.bulk_update(changed, ["object_repr", "changes"], batch_size=BATCH)
    _reseal(min(e.seq for e in changed if e.seq is not None) if any(e.seq for e in changed) else 1)
    return len(changed)


def _reseal(from_seq: int) -> None:
    """Recompute the audit hash chain from sequence ``from_seq`` to the head (after a redaction)."""
    from sqms.core.models import AuditChainHead

    last_seq, _last_hash = chain.lock_head()  # no entry is appended meanwhile
    labels = {ct.pk: chain._ct_label(ct) for ct in ContentType.objects.all()}
    prev_entry = AuditEntry.objects.filter(seq=from_seq - 1).first()
    prev = prev_entry.entry_hash if prev_entry else chain.GENESIS
    pending: list[AuditEntry] = []
    for entry in AuditEntry.objects.filter(seq__gte=from_seq).order_by("seq").iterator(chunk_size=2000):
        entry.prev_hash = prev
        entry.entry_hash = chain.entry_hash(entry, labels.get(entry.content_type_id, ""), prev)
        prev = entry.entry_hash
        last_seq = entry.seq
        pending.append(entry)
        if len(pending) >= 2000:
            AuditEntry.objects.bulk_update(pending, ["prev_hash", "entry_hash"])
            pending = []
    if pending:
        AuditEntry.objects.bulk_update(pending, ["prev_hash", "entry_hash"])
    AuditChainHead.objects.filter(pk=1).update(last_seq=last_seq, last_hash=prev)


def known_of(customer: Customer) -> dict[str, str]:
    name = "" if customer.name == domain.stub_name(customer.pk) else customer.name
    return domain.known_values(name, customer.phone, customer.email, customer.id_number)


@transaction.atomic
def erase_customer(*, actor: Any, customer: Customer, reason: str) -> PrivacyRequest:
    """A data-subject erasure: anonymise every personal record of ``customer`` (the rows stay, so counts,
    ratings, SLA figures and survey scores are unchanged) and keep the customer as an anonymous stub."""
    _check(actor, customer)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("A reason is required.", fields={"reason": ["This field is required."]})
    # Erasure re-seals the audit chain after redacting the subject's values; re-sealing a chain that is already
    # broken would hide that tampering, so an erasure is refused until `sqms audit verify` passes.
    checked = chain.verify()
    if not checked.ok:
        problem = checked.problem
        raise Conflict(
            _(
                "The audit trail fails verification (%(problem)s); erasure would re-seal it and hide that. "
                "Run 'sqms audit verify' and resolve the problem first."
            )
            % {"problem": f"{problem.kind} #{problem.entry_id}" if problem else "?"}
        )
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    already = Anonymised.objects.filter(register="org.customer", object_id=customer.pk).exists()
    known = known_of(customer)
    values = [customer.phone, customer.email, customer.id_number]
    req = PrivacyRequest.objects.create(
        kind=RequestKind.ERASE, customer=customer, requested_by=actor, reason=reason[:300]
    )
    counts: dict[str, int] = {}
    refs: dict[int, list[str]] = {}
    # the customer row last: the other registers find their records through its phone/e-mail
    ordered = sorted(registers(), key=lambda r: r.key == "org.customer")
    for reg in ordered:
        changed, seen = _anonymise_qs(reg, reg.of_customer(customer), reg.anonymise, known, "erase")
        counts[reg.key] = changed
        if seen:
            ct = ContentType.objects.get_for_model(reg.model_class)
            refs.setdefault(ct.pk, []).extend(str(pk) for pk in seen)
    counts["other_text"] = _sweep_text(values, known)
    counts["audit_entries"] = _redact_audit(refs, values, known)
    # earlier export files hold the data too
    removed_files = 0
    for old in PrivacyRequest.objects.filter(customer=customer, kind=RequestKind.EXPORT).exclude(
        result_file=""
    ):
        old.result_file.delete(save=False)
        PrivacyRequest.objects.filter(pk=old.pk).update(result_file="")
        removed_files += 1
    counts["export_files_deleted"] = removed_files
    customer.refresh_from_db()
    req.status = RequestStatus.COMPLETED
    req.completed_at = timezone.now()
    req.summary = {**counts, "repeat": already}
    req.save()
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        instance=customer,
        verb="privacy erase",
        extra={"privacy_request": req.pk, "counts": counts},
    )
    log.info("privacy erase: customer %s, request %s, %s", customer.pk, req.pk, counts)
    return req


# --- retention -----------------------------------------------------------------------------------------------
def retention_days() -> dict[str, int | None]:
    """Each register's period: the editable table, else settings ``SQMS_PRIVACY_RETENTION_DAYS``
    ({"feedback.ticket": 1095, …}), else the registry's default. ``None``: never purged."""
    configured = getattr(settings, "SQMS_PRIVACY_RETENTION_DAYS", {}) or {}
    table = {r.register: (r.days if r.active else None) for r in RetentionRule.objects.all()}
    out: dict[str, int | None] = {}
    for reg in registers():
        if reg.retention_field is None:
            continue
        if reg.key in table:
            out[reg.key] = table[reg.key]
        else:
            out[reg.key] = configured.get(reg.key, reg.default_days)
    return out


def purge(
    *, dry_run: bool = False, now: dt.datetime | None = None, limit: int | None = None, actor: Any = None
) -> dict[str, int]:
    """Anonymise every record past its register's retention period (idempotent: anonymised records are
    marked and skipped). Returns the count per register (what would be done, with ``dry_run``)."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    for reg in registers():
        days = retention_days().get(reg.key)
        if days is None or reg.retention_field is None:
            continue
        cutoff = now - dt.timedelta(days=days)
        model = reg.model_class
        qs = model._default_manager.filter(**{f"{reg.retention_field}__lt": cutoff})
        if reg.retention_filter is not None:
            qs = qs.filter(reg.retention_filter)
        qs = qs.exclude(Exists(Anonymised.objects.filter(register=reg.key, object_id=OuterRef("pk"))))
        if dry_run:
            counts[reg.key] = qs.count()
            continue
        done = 0
        while True:
            ids = list(qs.order_by("pk").values_list("pk", flat=True)[:BATCH])
            if not ids:
                break
            with transaction.atomic():
                _anonymise_qs(
                    reg, model._default_manager.filter(pk__in=ids), reg.purge_rules(), {}, "retention"
                )
            done += len(ids)
            if limit is not None and done >= limit:
                break
        counts[reg.key] = done
    if not dry_run and any(counts.values()):
        audit.record(
            actor=actor or "system", action=AuditAction.ACTION, verb="privacy purge", extra={"counts": counts}
        )
    log.info("privacy purge%s: %s", " (dry run)" if dry_run else "", counts)
    return counts


@transaction.atomic
def set_retention(
    *, actor: Any, register: str, days: int, active: bool = True, note: str = ""
) -> RetentionRule:
    from sqms.privacy.registry import REGISTERS

    require_perm(actor, "privacy.change_retentionrule")
    reg = REGISTERS.get(register)
    if reg is None or reg.retention_field is None:
        raise ValidationFailed("Unknown register.", fields={"register": ["Unknown register."]})
    if days < 1 or days > 36500:
        raise ValidationFailed("Retention must be 1 to 36500 days.", fields={"days": ["1 to 36500 days."]})
    rule = RetentionRule.objects.filter(register=register).first()
    before = audit.snapshot(rule) if rule else None
    if rule is None:
        rule = RetentionRule(register=register)
    rule.days, rule.active, rule.note = days, active, note[:200]
    rule.save()
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE if before else AuditAction.CREATE,
        instance=rule,
        before=before,
        after=audit.snapshot(rule),
    )
    return rule
