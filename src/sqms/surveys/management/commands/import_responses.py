"""``sqms import_responses FILE --campaign CODE [--mapping MAP.json] [--dry-run]``: import survey responses
(CSV/Excel, 问卷星 layout included). Every row is checked first; on any problem nothing is written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sqms.core.cli import actor_for, existing_file, write_import_report
from sqms.core.errors import DomainError
from sqms.surveys import importers
from sqms.surveys.models import Campaign


class Command(BaseCommand):
    help = "Import survey responses from CSV or Excel into a campaign."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--campaign", help="campaign code")
        group.add_argument("--survey", help="survey code: its most recent open campaign")
        parser.add_argument("--mapping", help='JSON file {"column header": "question code"}')
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--as", dest="as_user", default="admin")

    def handle(
        self,
        *args: Any,
        file: str,
        campaign: str | None,
        survey: str | None,
        mapping: str | None,
        dry_run: bool,
        as_user: str,
        **options: Any,
    ) -> None:
        actor = actor_for(as_user)
        qs = Campaign.objects.active()
        target = (
            qs.filter(code=campaign) if campaign else qs.filter(survey__code=survey).order_by("-starts_at")
        ).first()
        if target is None:
            raise CommandError(f"No campaign {campaign or 'for survey ' + str(survey)!r}.")
        path = existing_file(file)
        cols = None
        if mapping:
            try:
                cols = importers.check_mapping(json.loads(Path(mapping).read_text(encoding="utf-8")))
            except (OSError, json.JSONDecodeError, DomainError) as exc:
                raise CommandError(f"Bad mapping file: {exc}") from exc
        try:
            report = importers.import_responses(
                actor=actor,
                campaign=target,
                raw=path.read_bytes(),
                filename=path.name,
                mapping=cols,
                dry_run=dry_run,
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        write_import_report(self, report, dry_run=dry_run, can_skip=False)
