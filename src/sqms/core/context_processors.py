from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def sqms(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        unread = user.notifications.filter(read_at__isnull=True).count()
    return {"SQMS_DEMO_MODE": settings.DEMO_MODE, "sqms_unread_notifications": unread}
