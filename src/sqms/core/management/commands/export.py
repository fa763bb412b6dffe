from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sqms.core.cli import actor_for
from sqms.core.errors import DomainError
from sqms.core.io import EXPORT_KINDS, export_kind


class Command(BaseCommand):
    help = "Export a register to Excel (.xlsx) or CSV, scoped and masked as for the given user."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("kind")
        parser.add_argument("out", help="output file; .csv or .xlsx decides the format")
        parser.add_argument("--as", dest="as_user", default="admin")

    def handle(self, *args: Any, kind: str, out: str, as_user: str, **options: Any) -> None:
        if kind not in EXPORT_KINDS:
            raise CommandError(
                f"Unknown export type {kind!r}; choose one of: {', '.join(sorted(EXPORT_KINDS))}"
            )
        actor = actor_for(as_user)
        fmt = "csv" if out.lower().endswith(".csv") else "xlsx"
        try:
            data, _ctype = export_kind(kind, actor=actor, fmt=fmt)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        Path(out).write_bytes(data)
        self.stdout.write(f"wrote {out} ({len(data)} bytes)")
