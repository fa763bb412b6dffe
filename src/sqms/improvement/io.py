"""Excel/CSV exports of the improvement registers (registered in :mod:`sqms.core.io`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext as _

from sqms.improvement import selectors


def _name(u: Any) -> str:
    return (u.get_full_name() or u.username) if u else ""


def export_nonconformities(user: Any) -> tuple[list[str], Iterable[Sequence[Any]]]:
    headers = [
        _("number"),
        _("source"),
        _("source reference"),
        _("severity"),
        _("status"),
        _("title"),
        _("org unit"),
        _("detected on"),
        _("containment action"),
        _("root cause"),
        _("closed at"),
    ]
    rows = (
        [
            n.number,
            n.get_source_display(),
            n.source_ref,
            n.get_severity_display(),
            n.get_status_display(),
            n.title,
            n.org_unit.code,
            n.detected_on,
            n.containment_action,
            n.root_cause,
            n.closed_at,
        ]
        for n in selectors.nonconformities(user).iterator(chunk_size=2000)
    )
    return headers, rows


def export_actions(user: Any) -> tuple[list[str], Iterable[Sequence[Any]]]:
    headers = [
        _("nonconformity"),
        _("kind"),
        _("action"),
        _("owner"),
        _("due date"),
        _("status"),
        _("completed on"),
        _("evidence"),
    ]
    rows = (
        [
            a.nonconformity.number,
            a.get_kind_display(),
            a.description,
            _name(a.owner),
            a.due_date,
            a.get_status_display(),
            a.completed_on,
            a.evidence,
        ]
        for a in selectors.actions(user).iterator(chunk_size=2000)
    )
    return headers, rows


def export_projects(user: Any) -> tuple[list[str], Iterable[Sequence[Any]]]:
    headers = [
        _("number"),
        _("title"),
        _("org unit"),
        _("leader"),
        _("stage"),
        _("goal KPI"),
        _("KPI target"),
    ]
    rows = (
        [p.number, p.title, p.org_unit.code, _name(p.leader), p.get_stage_display(), p.kpi_code, p.kpi_target]
        for p in selectors.projects(user)
    )
    return headers, rows


def export_suggestions(user: Any) -> tuple[list[str], Iterable[Sequence[Any]]]:
    headers = [
        _("number"),
        _("title"),
        _("org unit"),
        _("submitted by"),
        _("status"),
        _("feasibility (1–5)"),
        _("benefit (1–5)"),
        _("reward points"),
    ]
    rows = (
        [
            s.number,
            s.title,
            s.org_unit.code,
            _name(s.submitter),
            s.get_status_display(),
            s.feasibility,
            s.benefit,
            s.reward_points,
        ]
        for s in selectors.suggestions(user)
    )
    return headers, rows
