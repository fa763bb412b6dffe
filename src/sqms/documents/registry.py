"""What the documents app plugs into the platform: sidebar links, the dashboard card, Excel/CSV exports
and the demo seeder (called from ``DocumentsConfig.ready``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy


def documents_card(request: HttpRequest) -> dict[str, Any] | None:
    from sqms.documents import selectors

    user = request.user
    if not user.has_perm("documents.view_document"):
        return None
    figures = selectors.dashboard_figures(user)
    return {
        "title": _("Documents and training"),
        "figures": [
            {
                "label": _("Documents due for review"),
                "value": figures["due_review"],
                "url": reverse("admin:documents_document_changelist") + "?review=due",
            },
            {
                "label": _("Unacknowledged readings"),
                "value": figures["unacknowledged"],
                "url": reverse("admin:documents_document_changelist"),
            },
            {
                "label": _("Overdue training"),
                "value": figures["overdue_training"],
                "url": reverse("documents:matrix"),
            },
        ],
        "link": {"label": _("Training matrix"), "url": reverse("documents:matrix")},
    }


def export_documents(user: Any) -> tuple[list[str], Iterable[Sequence[Any]]]:
    from sqms.documents import selectors

    headers = [
        _("number"),
        _("title"),
        _("type"),
        _("org unit"),
        _("owner"),
        _("effective version"),
        _("effective date"),
        _("next review date"),
        _("processes"),
    ]
    rows = (
        [
            d.number,
            d.title,
            d.get_doc_type_display(),
            d.org_unit.code,
            d.owner.get_username(),
            d.current_version.label if d.current_version else "",
            d.current_version.effective_date if d.current_version else "",
            d.next_review_date,
            ", ".join(p.code for p in d.processes.all()),
        ]
        for d in selectors.documents(user).prefetch_related("processes")
    )
    return headers, rows


def export_training(user: Any) -> tuple[list[str], Iterable[Sequence[Any]]]:
    from sqms.documents import selectors

    headers = [
        _("employee number"),
        _("name"),
        _("org unit"),
        _("course"),
        _("reason"),
        _("due date"),
        _("completed at"),
    ]
    rows = (
        [
            a.staff.employee_no,
            a.staff.name,
            a.staff.org_unit.code,
            a.course.code,
            a.get_reason_display(),
            a.due_date,
            a.completed_at,
        ]
        for a in selectors.assignments(user).select_related("staff__org_unit")
    )
    return headers, rows


def export_certificates(user: Any) -> tuple[list[str], Iterable[Sequence[Any]]]:
    from sqms.documents import selectors

    headers = [_("number"), _("employee number"), _("name"), _("course"), _("issued on"), _("expires on")]
    rows = (
        [c.number, c.staff.employee_no, c.staff.name, c.course.code, c.issued_on, c.expires_on]
        for c in selectors.certificates(user)
    )
    return headers, rows


def register_all() -> None:
    from sqms.core.dashboard import Card, register_card
    from sqms.core.demo import Seeder, register_seeder
    from sqms.core.io import register_export
    from sqms.core.navigation import NavItem, admin_model_url, register_nav
    from sqms.documents import demo

    nav = [
        (
            gettext_lazy("Controlled documents"),
            "description",
            admin_model_url("documents", "document"),
            "documents.view_document",
            10,
        ),
        (gettext_lazy("My reading and training"), "menu_book", "documents:mine", None, 15),
        (
            gettext_lazy("Courses"),
            "school",
            admin_model_url("documents", "course"),
            "documents.view_course",
            20,
        ),
        (
            gettext_lazy("Training sessions"),
            "event",
            admin_model_url("documents", "trainingsession"),
            "documents.view_trainingsession",
            25,
        ),
        (
            gettext_lazy("Training assignments"),
            "assignment",
            admin_model_url("documents", "trainingassignment"),
            "documents.view_trainingassignment",
            30,
        ),
        (
            gettext_lazy("Training matrix"),
            "grid_on",
            "documents:matrix",
            "documents.view_trainingassignment",
            35,
        ),
        (
            pgettext_lazy("training", "Certificates"),
            "workspace_premium",
            admin_model_url("documents", "certificate"),
            "documents.view_certificate",
            40,
        ),
        (
            gettext_lazy("Competencies"),
            "psychology",
            admin_model_url("documents", "competency"),
            "documents.view_competency",
            45,
        ),
        (
            gettext_lazy("Competency records"),
            "badge",
            admin_model_url("documents", "competencyrecord"),
            "documents.view_competencyrecord",
            50,
        ),
    ]
    for title, icon, url, perm, order in nav:
        register_nav("documents", NavItem(title, icon, url, perm, order))
    register_card(Card("documents", 80, documents_card))
    register_export("documents", export_documents, "documents.view_document")
    register_export("training", export_training, "documents.view_trainingassignment")
    register_export("certificates", export_certificates, "documents.view_certificate")
    register_seeder(Seeder("documents", 90, demo.seed))
