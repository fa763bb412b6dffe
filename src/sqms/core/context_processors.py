from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def sqms(request: HttpRequest) -> dict[str, Any]:
    return {"SQMS_DEMO_MODE": settings.DEMO_MODE}
