"""Exports of the organisation registers, scoped and with personal data masked for the user."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext as _

from sqms.core.masking import masked_value
from sqms.org import selectors
from sqms.org.models import Role


def units(user: Any) -> tuple[list[str], Iterable[Sequence[Any]]]:
    headers = [_("code"), _("name"), _("type"), _("parent"), _("manager"), _("active")]
    rows = (
        [
            u.code,
            u.name,
            u.get_kind_display(),
            u.parent.code if u.parent else "",
            u.manager.get_full_name() if u.manager else "",
            u.active,
        ]
        for u in selectors.units(user)
    )
    return headers, rows


def staff(user: Any) -> tuple[list[str], Iterable[Sequence[Any]]]:
    headers = [_("employee number"), _("name"), _("user name"), _("org unit"), _("position"), _("phone")]
    rows = (
        [s.employee_no, s.name, s.user.username, s.org_unit.code, s.position, masked_value(user, s.phone)]
        for s in selectors.staff(user)
    )
    return headers, rows


def customers(user: Any) -> tuple[list[str], Iterable[Sequence[Any]]]:
    headers = [
        _("name"),
        _("type"),
        _("phone"),
        _("e-mail"),
        _("ID number"),
        _("home unit"),
        _("consents to surveys"),
        _("consents to follow-up contact"),
    ]
    rows = (
        [
            c.name,
            c.get_kind_display(),
            masked_value(user, c.phone),
            masked_value(user, c.email),
            masked_value(user, c.id_number),
            c.org_unit.code if c.org_unit else "",
            c.consent_survey,
            c.consent_contact,
        ]
        for c in selectors.customers(user).iterator(chunk_size=2000)
    )
    return headers, rows


def raci(user: Any) -> tuple[list[str], Iterable[Sequence[Any]]]:
    procs, roles, cells = selectors.raci_matrix(user)
    headers = [_("process"), *[str(label) for _code, label in roles]]
    rows = ([p.name, *[cells.get((p.pk, code), "") for code, _label in roles]] for p in procs)
    return headers, rows


__all__ = ["Role", "customers", "raci", "staff", "units"]
