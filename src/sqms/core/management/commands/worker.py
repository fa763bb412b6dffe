from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the task consumer (huey): notifications, SLA sweeps, imports, reports."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--workers", type=int, default=None)

    def handle(self, *args: Any, workers: int | None, **options: Any) -> None:
        extra = ["--workers", str(workers)] if workers else []
        call_command("run_huey", *extra)
