from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from sqms.core.errors import DomainError
from sqms.core.io import IMPORT_KINDS, import_file


class Command(BaseCommand):
    help = "Import a register from CSV or Excel. Every row is checked first; on any error nothing is written."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "kind", help="what to import: " + ", ".join(sorted(IMPORT_KINDS)) if IMPORT_KINDS else ""
        )
        parser.add_argument("file")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="write the valid rows, report the rest"
        )
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument(
            "--as", dest="as_user", default="admin", help="the user the import is made as (default admin)"
        )

    def handle(
        self,
        *args: Any,
        kind: str,
        file: str,
        skip_invalid: bool,
        dry_run: bool,
        as_user: str,
        **options: Any,
    ) -> None:
        if kind not in IMPORT_KINDS:
            raise CommandError(
                f"Unknown import type {kind!r}; choose one of: {', '.join(sorted(IMPORT_KINDS))}"
            )
        actor = get_user_model().objects.filter(username=as_user).first()
        if actor is None:
            raise CommandError(f"No user {as_user!r} (use --as USERNAME).")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            report = import_file(
                kind,
                actor=actor,
                raw=path.read_bytes(),
                filename=path.name,
                skip_invalid=skip_invalid,
                dry_run=dry_run,
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        for e in report.errors:
            self.stderr.write(f"line {e.line}, column {e.column}: {e.reason}")
        self.stdout.write(
            f"{report.total} rows read, {report.written} written, {len(report.errors)} problems"
            + (" (dry run)" if dry_run else "")
        )
        if report.errors and not skip_invalid:
            raise CommandError(
                "Nothing was written because of the problems above (use --skip-invalid to write the valid rows)."
            )
