from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sqms.core.ops import backup


class Command(BaseCommand):
    help = (
        "Replace the database and the uploaded files with a backup archive's, then verify every table "
        "(rows, checksum) and file (SHA-256) against its manifest. Stop the web and worker services first."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive")
        parser.add_argument("--verify-only", action="store_true", help="check the archive, change nothing")
        parser.add_argument("--no-media", action="store_true", help="restore the database only")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(
        self, *args: Any, archive: str, verify_only: bool, no_media: bool, yes: bool, **options: Any
    ) -> None:
        path = Path(archive)
        if not path.is_file():
            raise CommandError(f"{archive}: no such file")
        try:
            if verify_only:
                manifest = backup.verify_archive(path)
                self.stdout.write(
                    f"{path}: archive intact ({len(manifest['tables'])} tables, {len(manifest['files'])} files)"
                )
                return
            if not yes and options.get("interactive", True):
                answer = input(
                    "This replaces the whole database and the uploaded files. Type 'yes' to go on: "
                )
                if answer.strip().lower() != "yes":
                    raise CommandError("nothing changed")
            manifest = backup.restore(path, media=not no_media)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(t["rows"] for t in manifest["tables"].values())
        self.stdout.write(
            f"restored and verified: {len(manifest['tables'])} tables, {rows} rows, {len(manifest['files'])} files"
        )
