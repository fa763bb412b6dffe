"""Organisation writes: units (with subtree moves), staff with their login and roles, customers, RACI."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from sqms.core import audit, dataversion
from sqms.core.errors import ValidationFailed
from sqms.core.models import AuditAction
from sqms.core.scoping import forget_scope
from sqms.core.services import create_record, require_in_scope, require_perm, update_record
from sqms.org.models import Customer, OrgUnit, Process, Raci, Responsibility, Role, RoleAssignment, Staff
from sqms.org.roles import group_name

User = get_user_model()


@transaction.atomic
def create_unit(
    *, actor: Any, code: str, name: str, kind: str, parent: OrgUnit | None, **extra: Any
) -> OrgUnit:
    if parent is None and OrgUnit.objects.filter(parent__isnull=True).exists() and not actor.is_superuser:
        raise ValidationFailed(fields={"parent": [_("Only one root unit is allowed; choose a parent.")]})
    data = {"code": code, "name": name, "kind": kind, "parent": parent, **extra}
    # Scope check against the parent: a manager may add units only inside his own subtree.
    if parent is not None:
        require_in_scope(actor, parent)
    dataversion.bump("org")
    return _create_unit_record(actor, data)


def _create_unit_record(actor: Any, data: dict[str, Any]) -> OrgUnit:
    require_perm(actor, "org.add_orgunit")
    unit = OrgUnit(**data, created_by=actor if actor.pk else None)
    from sqms.core.services import clean_or_raise

    clean_or_raise(unit, exclude=["path"])
    unit.save()
    parent = unit.parent
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.depth = (parent.depth + 1) if parent else 0
    unit.save(update_fields=["path", "depth"])
    audit.record(actor=actor, action=AuditAction.CREATE, instance=unit, after=audit.snapshot(unit))
    return unit


def update_unit(
    unit: OrgUnit, *, actor: Any, changes: dict[str, Any], expected_updated_at: Any = None
) -> OrgUnit:
    if "parent" in changes or "parent_id" in changes:
        raise ValidationFailed(fields={"parent": [_("Use “move” to change a unit's parent.")]})
    return update_record(unit, actor=actor, changes=changes, expected_updated_at=expected_updated_at)


@transaction.atomic
def move_unit(unit: OrgUnit, *, actor: Any, new_parent: OrgUnit) -> OrgUnit:
    """Move a unit and its whole subtree under ``new_parent`` (one UPDATE rewriting path prefixes)."""
    require_perm(actor, "org.change_orgunit")
    require_in_scope(actor, unit)
    require_in_scope(actor, new_parent)
    unit = OrgUnit.objects.select_for_update(of=("self",)).get(pk=unit.pk)
    if new_parent.pk == unit.pk or new_parent.path.startswith(unit.path):
        raise ValidationFailed(
            fields={"parent": [_("A unit cannot move under itself or its own descendants.")]}
        )
    old_path, old_parent_id = unit.path, unit.parent_id
    new_path = f"{new_parent.path}{unit.pk}/"
    depth_shift = new_parent.depth + 1 - unit.depth
    OrgUnit.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)), depth=F("depth") + depth_shift
    )
    OrgUnit.objects.filter(pk=unit.pk).update(parent=new_parent)
    unit.refresh_from_db()
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=unit,
        before={"parent": old_parent_id, "path": old_path},
        after={"parent": new_parent.pk, "path": unit.path},
        verb=_("Moved with its subtree"),
    )
    dataversion.bump("org")
    return unit


@transaction.atomic
def create_staff(
    *,
    actor: Any,
    username: str,
    name: str,
    employee_no: str,
    org_unit: OrgUnit,
    position: str = "",
    phone: str = "",
    email: str = "",
    password: str | None = None,
    roles: list[str] | None = None,
) -> Staff:
    require_perm(actor, "org.add_staff")
    require_in_scope(actor, org_unit)
    if User.objects.filter(username=username).exists():
        raise ValidationFailed(fields={"username": [_("This user name is taken.")]})
    user = User(username=username, email=email, first_name=name, is_staff=True)  # may use the back office
    if password:
        from django.contrib.auth.password_validation import validate_password
        from django.core.exceptions import ValidationError as DjangoValidationError

        try:
            validate_password(password, user)
        except DjangoValidationError as exc:
            raise ValidationFailed(fields={"password": [str(m) for m in exc.messages]}) from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    staff = create_record(
        Staff,
        actor=actor,
        data={
            "user": user,
            "name": name,
            "employee_no": employee_no,
            "org_unit": org_unit,
            "position": position,
            "phone": phone,
        },
    )
    for role in [Role.FRONTLINE] if roles is None else roles:
        assign_role(actor=actor, user=user, role=role, org_unit=org_unit)
    dataversion.bump("org")
    return staff


@transaction.atomic
def assign_role(*, actor: Any, user: Any, role: str, org_unit: OrgUnit | None) -> RoleAssignment:
    # Unit managers add front-line staff to their units; any other role is granted by the role admins.
    require_perm(actor, "org.add_staff" if role == Role.FRONTLINE else "org.add_roleassignment")
    if role not in Role.values:
        raise ValidationFailed(fields={"role": [_("Unknown role.")]})
    if role in (Role.UNIT_MANAGER, Role.AUDITOR, Role.FRONTLINE) and org_unit is None:
        raise ValidationFailed(fields={"org_unit": [_("This role needs an org unit.")]})
    if org_unit is not None:
        require_in_scope(actor, org_unit)
    ra, created = RoleAssignment.objects.get_or_create(user=user, role=role, org_unit=org_unit)
    user.groups.add(Group.objects.get_or_create(name=group_name(role))[0])
    forget_scope(user)
    if created:
        audit.record(actor=actor, action=AuditAction.CREATE, instance=ra, after=audit.snapshot(ra))
    return ra


@transaction.atomic
def revoke_role(assignment: RoleAssignment, *, actor: Any) -> None:
    require_perm(actor, "org.delete_roleassignment")
    user, role = assignment.user, assignment.role
    audit.record(
        actor=actor, action=AuditAction.DELETE, instance=assignment, before=audit.snapshot(assignment)
    )
    assignment.delete()
    if not RoleAssignment.objects.filter(user=user, role=role).exists():
        user.groups.remove(*Group.objects.filter(name=group_name(role)))
    forget_scope(user)


def create_customer(*, actor: Any, **data: Any) -> Customer:
    return create_record(Customer, actor=actor, data=data)


def update_customer(
    customer: Customer, *, actor: Any, changes: dict[str, Any], expected_updated_at: Any = None
) -> Customer:
    return update_record(customer, actor=actor, changes=changes, expected_updated_at=expected_updated_at)


@transaction.atomic
def set_responsibility(*, actor: Any, process: Process, role: str, raci: str | None) -> Responsibility | None:
    """Set one cell of the matrix; an empty value clears it."""
    require_perm(actor, "org.change_responsibility")
    if process.owner_unit_id:
        require_in_scope(actor, process)
    if role not in Role.values:
        raise ValidationFailed(fields={"role": [_("Unknown role.")]})
    if raci and raci not in Raci.values:
        raise ValidationFailed(fields={"raci": [_("Use R, A, C or I.")]})
    cell = Responsibility.objects.filter(process=process, role=role).first()
    before = {"raci": cell.raci} if cell else {}
    if not raci:
        if cell:
            cell.delete()
            audit.record(
                actor=actor,
                action=AuditAction.UPDATE,
                instance=process,
                before={f"raci:{role}": before["raci"]},
                after={f"raci:{role}": None},
            )
        return None
    if cell is None:
        cell = Responsibility.objects.create(process=process, role=role, raci=raci)
    else:
        cell.raci = raci
        cell.save(update_fields=["raci"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=process,
        before={f"raci:{role}": before.get("raci")},
        after={f"raci:{role}": raci},
    )
    return cell
