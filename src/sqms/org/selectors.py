"""Organisation reads, scoped to the user."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from sqms.core.errors import NotFound
from sqms.core.scoping import scoped
from sqms.org.models import Customer, OrgUnit, Process, Responsibility, Staff


def units(user: Any) -> QuerySet[OrgUnit]:
    return scoped(user, OrgUnit.objects.active().select_related("parent", "manager"))


def staff(user: Any) -> QuerySet[Staff]:
    return scoped(user, Staff.objects.active().select_related("org_unit", "user"))


def customers(user: Any) -> QuerySet[Customer]:
    return scoped(user, Customer.objects.active().select_related("org_unit"))


def processes(user: Any) -> QuerySet[Process]:
    from django.db.models import Q

    from sqms.core.scoping import scope_for

    scope = scope_for(user)
    qs = Process.objects.active().select_related("owner_unit")
    # Processes without an owner unit are organisation-wide: everyone with the permission reads them.
    return qs if scope.all_units else qs.filter(scope.unit_q("owner_unit__path") | Q(owner_unit__isnull=True))


def unit_by_code(user: Any, code: str) -> OrgUnit:
    """An org unit the user can see, by code; anything else is "not found"."""
    return get_or_404(units(user), code=code)


def get_or_404(qs: QuerySet[Any], **lookup: Any) -> Any:
    obj = qs.filter(**lookup).first()
    if obj is None:
        raise NotFound()
    return obj


def headline_figures(user: Any) -> dict[str, int]:
    return {"units": units(user).count(), "staff": staff(user).count(), "customers": customers(user).count()}


def raci_matrix(user: Any) -> tuple[list[Process], list[tuple[str, str]], dict[tuple[int, str], str]]:
    from sqms.org.models import Role

    procs = list(processes(user))
    cells = {(r.process_id, r.role): r.raci for r in Responsibility.objects.filter(process__in=procs)}
    return procs, list(Role.choices), cells


def subtree(unit: OrgUnit) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(path__startswith=unit.path)
