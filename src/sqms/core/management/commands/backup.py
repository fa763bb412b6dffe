from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sqms.core.ops import backup


class Command(BaseCommand):
    help = (
        "Consistent backup of the database and the uploaded files into one .tar archive with a manifest "
        "(row counts and checksums per table, SHA-256 per file). Safe while the site runs."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--output", default=None, help="directory for the archive (default DATA_DIR/backups)"
        )
        parser.add_argument(
            "--method",
            choices=["auto", "pg_dump", "copy"],
            default="auto",
            help="PostgreSQL only: pg_dump custom format, or one COPY per table (auto: pg_dump when its "
            "version can dump this server)",
        )

    def handle(self, *args: Any, output: str | None, method: str, **options: Any) -> None:
        target = Path(output) if output else Path(settings.DATA_DIR) / "backups"
        try:
            archive = backup.backup(target, method=method)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = backup.read_manifest(archive)
        rows = sum(t["rows"] for t in manifest["tables"].values())
        self.stdout.write(
            f"{archive}\n{manifest['vendor']} ({manifest['method']}): {len(manifest['tables'])} tables, {rows} rows; "
            f"{len(manifest['files'])} files; {archive.stat().st_size // 1024} KiB in {manifest['seconds']} s"
        )
