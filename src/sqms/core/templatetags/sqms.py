from __future__ import annotations

from typing import Any

from django import template
from django.contrib.contenttypes.models import ContentType

from sqms.core.services import comments_for

register = template.Library()


@register.inclusion_tag("sqms/comments.html", takes_context=True)
def comments_panel(context: dict[str, Any], obj: Any) -> dict[str, Any]:
    return {
        "object": obj,
        "comments": list(comments_for(obj).prefetch_related("mentions")),
        "ct_id": ContentType.objects.get_for_model(obj, for_concrete_model=False).pk,
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
    }
