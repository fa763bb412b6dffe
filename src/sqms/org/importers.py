"""Importers for org units, staff and customers (CSV/Excel; see sqms.core.io for the rules)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from sqms.core.io import Column, Importer, parse_bool, parse_choice, parse_email, parse_phone
from sqms.core.scoping import scope_for
from sqms.org import services
from sqms.org.models import CustomerKind, OrgUnit, Role, Staff, UnitKind


class _UnitLookup(Importer):
    """Resolves unit codes, also to units created earlier in the same file."""

    def __init__(self, actor: Any):
        super().__init__(actor)
        self._pending: set[str] = set()

    def unit_in_scope(self, code: str) -> OrgUnit | None:
        unit = OrgUnit.objects.filter(code=code, archived_at__isnull=True).first()
        if unit is None:
            return None
        return unit if scope_for(self.actor).covers_path(unit.path) else None


class OrgUnitImporter(_UnitLookup):
    columns = (
        Column("code", ("code", "编码", "单位编码"), required=True),
        Column("name", ("name", "名称", "单位名称"), required=True),
        Column("kind", ("type", "kind", "类型"), parse=parse_choice(UnitKind)),
        Column("parent", ("parent", "parent code", "上级", "上级编码"), required=True),
        Column("name_en", ("english name", "name_en", "英文名称")),
    )

    def check(self, data: dict[str, Any], line: int) -> dict[str, str]:
        errors = {}
        if OrgUnit.objects.filter(code=data["code"]).exists() or data["code"] in self._pending:
            errors["code"] = _("A unit with this code already exists.")
        parent = data["parent"]
        if parent not in self._pending and self.unit_in_scope(parent) is None:
            errors["parent"] = _("Unknown parent unit code (or outside your units).")
        if not errors:
            self._pending.add(data["code"])
        return errors

    def write(self, data: dict[str, Any]) -> None:
        parent = OrgUnit.objects.get(code=data.pop("parent"))
        services.create_unit(actor=self.actor, kind=data.pop("kind", UnitKind.TEAM), parent=parent, **data)


class StaffImporter(_UnitLookup):
    columns = (
        Column("employee_no", ("employee number", "employee_no", "工号"), required=True),
        Column("name", ("name", "姓名"), required=True),
        Column("username", ("username", "user name", "登录名", "账号"), required=True),
        Column("unit", ("unit", "unit code", "单位", "单位编码"), required=True),
        Column("position", ("position", "岗位", "职位")),
        Column("phone", ("phone", "手机", "电话"), parse=parse_phone),
        Column("email", ("email", "e-mail", "邮箱"), parse=parse_email),
    )

    def check(self, data: dict[str, Any], line: int) -> dict[str, str]:
        from django.contrib.auth import get_user_model

        errors = {}
        if (
            Staff.objects.filter(employee_no=data["employee_no"]).exists()
            or data["employee_no"] in self._pending
        ):
            errors["employee_no"] = _("This employee number already exists.")
        if (
            get_user_model().objects.filter(username=data["username"]).exists()
            or f"u:{data['username']}" in self._pending
        ):
            errors["username"] = _("This user name is taken.")
        if self.unit_in_scope(data["unit"]) is None:
            errors["unit"] = _("Unknown unit code (or outside your units).")
        if not errors:
            self._pending.update({data["employee_no"], f"u:{data['username']}"})
        return errors

    def write(self, data: dict[str, Any]) -> None:
        unit = OrgUnit.objects.get(code=data.pop("unit"))
        services.create_staff(actor=self.actor, org_unit=unit, roles=[Role.FRONTLINE], **data)


class CustomerImporter(_UnitLookup):
    columns = (
        Column("name", ("name", "姓名", "客户名称"), required=True),
        Column("kind", ("type", "kind", "类型"), parse=parse_choice(CustomerKind)),
        Column("phone", ("phone", "手机", "电话"), parse=parse_phone),
        Column("email", ("email", "e-mail", "邮箱"), parse=parse_email),
        Column("id_number", ("id number", "id_number", "证件号码", "身份证号")),
        Column("unit", ("unit", "unit code", "单位", "单位编码")),
        Column("consent_survey", ("consent survey", "consent_survey", "同意调查"), parse=parse_bool),
        Column("consent_contact", ("consent contact", "consent_contact", "同意回访"), parse=parse_bool),
    )

    def check(self, data: dict[str, Any], line: int) -> dict[str, str]:
        if "unit" in data and self.unit_in_scope(data["unit"]) is None:
            return {"unit": _("Unknown unit code (or outside your units).")}
        return {}

    def write(self, data: dict[str, Any]) -> None:
        code = data.pop("unit", None)
        if code:
            data["org_unit"] = OrgUnit.objects.get(code=code)
        services.create_customer(actor=self.actor, **data)


IMPORTERS: dict[str, type[Importer]] = {
    "org-units": OrgUnitImporter,
    "staff": StaffImporter,
    "customers": CustomerImporter,
}
