"""Platform reads, always scoped to the user."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from sqms.core.models import AuditEntry, Notification
from sqms.core.scoping import scope_for


def audit_entries(user: Any) -> QuerySet[AuditEntry]:
    """Audit lines the user may read: everything for all-units roles, else lines about records in his
    units plus his own actions."""
    qs = AuditEntry.objects.select_related("content_type", "actor")
    if not user.has_perm("core.view_auditentry"):
        return qs.filter(actor=user)
    scope = scope_for(user)
    if scope.all_units:
        return qs
    return qs.filter(scope.unit_q("unit_path") & ~Q(unit_path="") | Q(actor=user))


def recent_activity(user: Any, limit: int = 10) -> list[AuditEntry]:
    return list(audit_entries(user)[:limit])


def inbox(user: Any, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=user)
    return qs.filter(read_at__isnull=True) if unread_only else qs


def visible_record(user: Any, content_type: Any, object_id: str) -> Any:
    """Any registered record by content type and id, if the user may see it; else ``NotFound``."""
    from sqms.core.errors import NotFound
    from sqms.core.scoping import is_visible

    model = content_type.model_class() if content_type is not None else None
    obj = model._default_manager.filter(pk=object_id).first() if model is not None else None
    if obj is None or not is_visible(user, obj):
        raise NotFound()
    return obj
