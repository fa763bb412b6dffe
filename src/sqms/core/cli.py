"""Small helpers shared by the ``sqms`` management commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError


def actor_for(username: str | None) -> Any:
    """The active user a command acts as: ``--as USERNAME``, or the first superuser when none is given."""
    users = get_user_model().objects.filter(is_active=True)
    user = (
        users.filter(username=username).first()
        if username
        else users.filter(is_superuser=True).order_by("pk").first()
    )
    if user is None:
        raise CommandError(
            f"No active user {username!r} (use --as USERNAME)." if username else "No superuser."
        )
    return user


def existing_file(name: str) -> Path:
    path = Path(name)
    if not path.is_file():
        raise CommandError(f"No such file: {name}")
    return path


def write_import_report(
    command: Any, report: Any, *, dry_run: bool, skip_invalid: bool = False, can_skip: bool = True
) -> None:
    """Print every bad row (stderr) and the totals; fail when anything was refused and nothing written."""
    for e in report.errors:
        command.stderr.write(f"line {e.line}, column {e.column}: {e.reason}")
    command.stdout.write(
        f"{report.total} rows read, {report.written} written, {len(report.errors)} problems"
        + (" (dry run)" if dry_run else "")
    )
    if report.errors and not skip_invalid:
        hint = " (use --skip-invalid to write the valid rows)" if can_skip else ""
        raise CommandError(f"Nothing was written because of the problems above{hint}.")
