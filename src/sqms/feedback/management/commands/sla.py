"""``sqms sla deadline --calendar CODE --start ISO8601 (--business-hours H | --working-days N | --natural-days N)``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "SLA tools. `sla deadline` prints the due time (ISO 8601) from a start on a business calendar."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        d = sub.add_parser("deadline", help="Print the due time as ISO 8601.")
        d.add_argument("--calendar", default="CN", help="calendar code (default CN)")
        d.add_argument("--start", required=True, help="ISO 8601 start, e.g. 2026-09-30T16:00:00+08:00")
        g = d.add_mutually_exclusive_group(required=True)
        g.add_argument("--business-hours", type=float)
        g.add_argument("--working-days", type=int)
        g.add_argument("--natural-days", type=int)
        d.add_argument("--utc", action="store_true", help="print in UTC instead of the calendar's time zone")

    def handle(self, *args: Any, **o: Any) -> None:
        from zoneinfo import ZoneInfo

        from sqms.feedback.calendars import due_after, engine_for
        from sqms.feedback.models import Calendar
        from sqms.feedback.presets import ensure_presets

        ensure_presets()
        cal = Calendar.objects.filter(code=o["calendar"]).first()
        if cal is None:
            codes = ", ".join(Calendar.objects.values_list("code", flat=True))
            raise CommandError(f"unknown calendar {o['calendar']!r}; known: {codes}")
        try:
            start = datetime.fromisoformat(o["start"])
        except ValueError as exc:
            raise CommandError(f"--start is not ISO 8601: {o['start']!r}") from exc
        if start.tzinfo is None:
            start = start.replace(tzinfo=ZoneInfo(cal.tz))
        for key in ("business_hours", "working_days", "natural_days"):
            if o.get(key) is not None and o[key] < 0:
                raise CommandError(f"--{key.replace('_', '-')} must not be negative")
        due = due_after(
            cal,
            start,
            business_hours=o.get("business_hours"),
            working_days=o.get("working_days"),
            natural_days=o.get("natural_days"),
        )
        missing = engine_for(cal).uncovered_years(start, due)
        if missing:
            self.stderr.write(
                f"warning: holidays unknown for {', '.join(map(str, missing))}: weekly pattern used"
            )
        out = due if o["utc"] else due.astimezone(ZoneInfo(cal.tz))
        self.stdout.write(out.isoformat())
