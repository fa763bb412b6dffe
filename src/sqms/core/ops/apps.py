from __future__ import annotations

from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "sqms.core.ops"
    label = "sqms_ops"
    verbose_name = "SQMS operations"

    def ready(self) -> None:
        from huey.contrib.djhuey import HUEY

        from sqms.core.ops import queue

        queue.install(HUEY)
