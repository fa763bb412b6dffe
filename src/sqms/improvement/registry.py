"""What the improvement app plugs into the platform: sidebar links, the dashboard card, export kinds and
the demo seeder (called from ``ImprovementConfig.ready``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:.0%}"


def improvement_card(request: HttpRequest) -> dict[str, Any] | None:
    """NCs by source and severity, CAPA on-time rate and effectiveness rate in the user's scope."""
    from sqms.improvement.models import Severity, Source
    from sqms.improvement.selectors import capa_figures

    user = request.user
    if not user.has_perm("improvement.view_nonconformity"):
        return None
    f = capa_figures(user)
    base = reverse("improvement:nc_list")
    src = dict(Source.choices)
    sev = dict(Severity.choices)
    return {
        "title": _("Nonconformities and CAPA"),
        "figures": [
            {"label": _("Open nonconformities"), "value": f["open"], "url": base},
            {"label": _("CAPA on-time rate"), "value": _pct(f["capa_on_time_rate"]), "url": base},
            {"label": _("Effectiveness rate"), "value": _pct(f["effectiveness_rate"]), "url": base},
            *[
                {"label": str(sev[k]), "value": f["by_severity"].get(k, 0), "url": f"{base}?severity={k}"}
                for k in sev
            ],
        ],
        "note": " · ".join(f"{src[k]} {n}" for k, n in sorted(f["by_source"].items(), key=lambda kv: -kv[1])),
        "link": {"label": _("Nonconformity register"), "url": base},
    }


def register_all() -> None:
    from sqms.core.dashboard import Card, register_card
    from sqms.core.demo import Seeder, register_seeder
    from sqms.core.io import register_export
    from sqms.core.navigation import NavItem, register_nav
    from sqms.improvement import demo, io

    nav = [
        (
            gettext_lazy("Nonconformities and CAPA"),
            "report",
            "improvement:nc_list",
            "improvement.view_nonconformity",
            10,
        ),
        (
            gettext_lazy("PDCA projects"),
            "autorenew",
            "improvement:project_list",
            "improvement.view_improvementproject",
            20,
        ),
        (
            gettext_lazy("Staff suggestions"),
            "lightbulb",
            "improvement:suggestion_list",
            "improvement.view_suggestion",
            30,
        ),
        (
            gettext_lazy("Good practice library"),
            "menu_book",
            "improvement:practice_list",
            "improvement.view_goodpractice",
            40,
        ),
        (
            gettext_lazy("Management reviews"),
            "groups",
            "improvement:review_list",
            "improvement.view_managementreview",
            50,
        ),
    ]
    for title, icon, url, perm, order in nav:
        register_nav("improvement", NavItem(title, icon, url, perm, order))
    register_card(Card("improvement", 60, improvement_card))
    register_export("nonconformities", io.export_nonconformities, "improvement.view_nonconformity")
    register_export("capa", io.export_actions, "improvement.view_correctiveaction")
    register_export("improvement-projects", io.export_projects, "improvement.view_improvementproject")
    register_export("suggestions", io.export_suggestions, "improvement.view_suggestion")
    register_seeder(Seeder("improvement", 70, demo.seed))
