"""The audit trail: before/after snapshots of business records and the append-only entries.

Services call :func:`record` in the same transaction as the change, so a change without its audit line
cannot exist. Values are stored JSON-safe (foreign keys as ids with their text, dates as ISO strings).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import uuid
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.fields.files import FieldFile

from sqms.core.context import current_request_id
from sqms.core.masking import can_see_personal, mask
from sqms.core.models import AuditAction, AuditEntry
from sqms.core.scoping import unit_path_of
from sqms.core.security import chain


def plain(value: Any) -> Any:
    """A JSON-safe form of a model field value."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, FieldFile):  # an empty file field has no url: record the stored name only
        return value.name or ""
    return value


def snapshot(instance: models.Model) -> dict[str, Any]:
    """Every concrete, non-excluded field of ``instance`` by its name (foreign keys by id)."""
    exclude = set(getattr(instance, "AUDIT_EXCLUDE", ()))
    data: dict[str, Any] = {}
    for f in instance._meta.concrete_fields:
        if f.name in exclude or f.primary_key:
            continue
        data[f.name] = plain(getattr(instance, f.attname))
    return data


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, list[Any]]:
    before = before or {}
    after = after or {}
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def record(
    *,
    actor: Any,
    action: str,
    instance: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    verb: str = "",
    extra: dict[str, Any] | None = None,
    bump: tuple[str, ...] = (),
) -> AuditEntry:
    """Append the audit entry of a change (call inside the change's transaction). ``bump``: data versions
    to bump together with the append (:func:`sqms.core.security.chain.append`): for short, hot write
    transactions, instead of :func:`sqms.core.dataversion.bump` after the commit."""
    changes: dict[str, Any] = diff(before, after)
    if extra:
        changes.update({f"_{k}": plain(v) for k, v in extra.items()})
    user = actor if getattr(actor, "pk", None) else None
    entry = AuditEntry(
        actor=user,
        actor_name=((user.get_full_name() or user.get_username()) if user else str(actor or "system"))[:150],
        request_id=current_request_id(),
        action=action,
        verb=str(verb)[:200],
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False)
        if instance
        else None,
        object_id=str(instance.pk) if instance is not None else "",
        object_repr=str(instance)[:255] if instance is not None else "",
        unit_path=unit_path_of(instance) if instance is not None else "",
        changes=changes,
    )
    return chain.append(entry, bump=bump)


def history_for(instance: models.Model) -> models.QuerySet[AuditEntry]:
    ct = ContentType.objects.get_for_model(instance, for_concrete_model=False)
    return AuditEntry.objects.filter(content_type=ct, object_id=str(instance.pk)).select_related("actor")


def readable_changes(entry: AuditEntry, user: Any) -> list[tuple[str, Any, Any]]:
    """(field label, before, after) rows for display, with personal data masked for ``user``."""
    model = entry.content_type.model_class() if entry.content_type_id else None
    personal = set(getattr(model, "PERSONAL_FIELDS", ())) if model else set()
    show_personal = can_see_personal(user)
    rows = []
    for name, pair in (entry.changes or {}).items():
        before, after = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        label: Any = name.lstrip("_")
        if model is not None:
            with contextlib.suppress(FieldDoesNotExist):  # extras such as "_reason" have no field
                label = model._meta.get_field(name).verbose_name
        if name in personal and not show_personal:
            before, after = mask(before), mask(after)
        rows.append((str(label), before, after))
    return rows


__all__ = ["AuditAction", "diff", "history_for", "plain", "readable_changes", "record", "snapshot"]
