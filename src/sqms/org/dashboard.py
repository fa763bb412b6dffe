from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from sqms.org import selectors


def org_card(request: HttpRequest) -> dict[str, Any] | None:
    user = request.user
    if not user.has_perm("org.view_orgunit"):
        return None
    figures = selectors.headline_figures(user)
    return {
        "title": _("Organisation"),
        "figures": [
            {
                "label": _("Org units"),
                "value": figures["units"],
                "url": reverse("admin:org_orgunit_changelist"),
            },
            {"label": _("Staff"), "value": figures["staff"], "url": reverse("admin:org_staff_changelist")},
            {
                "label": _("Customers"),
                "value": figures["customers"],
                "url": reverse("admin:org_customer_changelist"),
            },
        ],
    }
