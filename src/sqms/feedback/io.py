"""Import and export of feedback tickets and ratings (see :mod:`sqms.core.io` for the rules)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core.io import Column, Importer, parse_choice, parse_phone, parse_when
from sqms.core.masking import masked_value
from sqms.core.scoping import scope_for
from sqms.feedback import selectors, services
from sqms.feedback.models import Channel, Kind, Priority, ServiceCategory
from sqms.org.models import OrgUnit


class TicketImporter(Importer):
    columns = [
        Column("org_unit", ["org unit", "单位", "org_unit"], required=True),
        Column("title", ["title", "标题"], required=True),
        Column("description", ["description", "内容", "描述"]),
        Column("kind", ["kind", "类型"], parse=parse_choice(Kind)),
        Column("channel", ["channel", "渠道"], parse=parse_choice(Channel)),
        Column("priority", ["priority", "优先级"], parse=parse_choice(Priority)),
        Column("category", ["category", "分类"]),
        Column("contact_name", ["contact name", "联系人"]),
        Column("contact_phone", ["contact phone", "联系电话"], parse=parse_phone),
        Column("received_at", ["received at", "受理时间"], parse=parse_when),
    ]

    def check(self, data: dict[str, Any], line: int) -> dict[str, str]:
        errors: dict[str, str] = {}
        unit = OrgUnit.objects.filter(code=data.get("org_unit", "")).first()
        if unit is None or not scope_for(self.actor).covers_path(unit.path):
            errors["org_unit"] = _("Unknown org unit or outside your units.")
        else:
            data["org_unit"] = unit
        if data.get("category"):
            cat = ServiceCategory.objects.filter(code=data["category"]).first()
            if cat is None:
                errors["category"] = _("Unknown catalogue code.")
            else:
                data["category"] = cat
        if data.get("received_at") and data["received_at"] > timezone.now():
            errors["received_at"] = _("Lies in the future.")
        return errors

    def write(self, data: dict[str, Any]) -> None:
        data.setdefault("channel", Channel.IMPORT)
        services.create_ticket(actor=self.actor, data=data)


def export_tickets(user: Any) -> tuple[list[str], Iterable[Sequence[Any]]]:
    headers = [
        _("number"),
        _("kind"),
        _("channel"),
        _("status"),
        _("priority"),
        _("title"),
        _("org unit"),
        _("category"),
        _("assignee"),
        _("contact phone"),
        _("received at"),
        _("first response due"),
        _("resolution due"),
        _("resolved at"),
        _("SLA breached"),
        _("repeat of"),
    ]
    rows = (
        [
            t.number,
            t.get_kind_display(),
            t.get_channel_display(),
            t.get_status_display(),
            t.priority,
            t.title,
            t.org_unit.code,
            t.category.name if t.category_id else "",
            t.assignee.username if t.assignee_id else "",
            masked_value(user, t.contact_phone),
            t.received_at,
            t.first_response_due,
            t.resolution_due,
            t.resolved_at,
            t.breached,
            t.repeat_of.number if t.repeat_of_id else "",
        ]
        for t in selectors.tickets(user).iterator(chunk_size=2000)
    )
    return headers, rows


def export_ratings(user: Any) -> tuple[list[str], Iterable[Sequence[Any]]]:
    headers = [
        _("rated at"),
        _("score"),
        _("org unit"),
        _("ticket"),
        _("channel"),
        _("default rating"),
        _("excluded from statistics"),
        _("reasons"),
    ]
    rows = (
        [
            r.rated_at,
            r.score,
            r.org_unit.code,
            r.ticket.number if r.ticket_id else "",
            r.channel,
            r.by_default,
            r.excluded,
            r.reasons,
        ]
        for r in selectors.ratings(user).iterator(chunk_size=2000)
    )
    return headers, rows
