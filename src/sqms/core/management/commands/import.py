from __future__ import annotations

from typing import Any

from django.core.management import get_commands, load_command_class
from django.core.management.base import BaseCommand, CommandError

from sqms.core.cli import actor_for, existing_file, write_import_report
from sqms.core.errors import DomainError
from sqms.core.io import IMPORT_COMMANDS, IMPORT_KINDS, import_file


class Command(BaseCommand):
    help = (
        "Import a register from CSV or Excel. Every row is checked first; on any error nothing is written. "
        "Kinds with options of their own (e.g. responses --survey CODE) are handed to their app's command."
    )

    def run_from_argv(self, argv: list[str]) -> None:
        # `sqms import responses FILE --survey X` → the surveys app's own command with its own options.
        if len(argv) > 2 and argv[2] in IMPORT_COMMANDS:
            name = IMPORT_COMMANDS[argv[2]]
            command = load_command_class(get_commands()[name], name)
            command.run_from_argv([argv[0], name, *argv[3:]])
            return
        super().run_from_argv(argv)

    def add_arguments(self, parser: Any) -> None:
        kinds = ", ".join(sorted({*IMPORT_KINDS, *IMPORT_COMMANDS}))
        parser.add_argument("kind", help=f"what to import: {kinds}")
        parser.add_argument("file")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="write the valid rows, report the rest"
        )
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument("--as", dest="as_user", default="admin", help="the user the import is made as")

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
        actor = actor_for(as_user)
        path = existing_file(file)
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
        write_import_report(self, report, dry_run=dry_run, skip_invalid=skip_invalid)
