"""``sqms rollups rebuild [--from DATE] [--unit CODE]``

Recomputes the daily and monthly rollups of the service records from the raw table, in one transaction
(the incremental maintenance done by every ingest must give the same rows). ``--from`` starts at the
first day of that date's month so the monthly rollups stay whole."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sqms.kpi import services
from sqms.org.models import OrgUnit


class Command(BaseCommand):
    help = "Rebuild the daily and monthly rollups of the service records from the raw records."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["rebuild"])
        parser.add_argument(
            "--from", dest="since", default=None, help="YYYY-MM-DD (rounded down to its month)"
        )
        parser.add_argument("--unit", default=None, help="only this org unit's subtree (unit code)")

    def handle(self, *args: Any, **opts: Any) -> None:
        since = None
        if opts["since"]:
            try:
                since = dt.date.fromisoformat(opts["since"])
            except ValueError as exc:
                raise CommandError(f"--from: not a date (YYYY-MM-DD): {opts['since']!r}") from exc
        unit_ids = None
        if opts["unit"]:
            unit = OrgUnit.objects.filter(code=opts["unit"]).first()
            if unit is None:
                raise CommandError(f"--unit: unknown org unit {opts['unit']!r}")
            unit_ids = list(OrgUnit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))
        started = time.monotonic()
        n = services.rebuild_rollups(unit_ids=unit_ids, since=since)
        where = f" from {since.replace(day=1)}" if since else ""
        self.stdout.write(f"{n:,} daily rollups rebuilt{where} in {time.monotonic() - started:.1f} s")
