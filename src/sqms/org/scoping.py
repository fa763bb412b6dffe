"""The org app's scope provider for :mod:`sqms.core.scoping`."""

from __future__ import annotations

from typing import Any

from sqms.core.scoping import Scope, paths_in
from sqms.org.models import ALL_UNIT_ROLES, Role, RoleAssignment, Staff


def provide_scope(user: Any) -> Scope:
    assignments = list(RoleAssignment.objects.filter(user=user).select_related("org_unit"))
    roles = frozenset(a.role for a in assignments)
    if roles & ALL_UNIT_ROLES:
        return Scope(user_id=user.pk, all_units=True, roles=roles)
    paths = [
        a.org_unit.path for a in assignments if a.role in (Role.UNIT_MANAGER, Role.AUDITOR) and a.org_unit
    ]
    if paths:
        return Scope(user_id=user.pk, unit_paths=paths_in(paths), roles=roles)
    staff = Staff.objects.filter(user=user, archived_at__isnull=True).select_related("org_unit").first()
    if staff is not None and Role.FRONTLINE in roles:
        return Scope(user_id=user.pk, unit_paths=(staff.org_unit.path,), own_only=True, roles=roles)
    return Scope(user_id=user.pk, roles=roles)
