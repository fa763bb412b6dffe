"""``sqms evaluate --scheme CODE --period 2026-10 [--unit CODE] [--format table|json|xlsx] [--output FILE]``."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from sqms.core.errors import NotFound
from sqms.core.io import export_table
from sqms.evaluation import selectors
from sqms.kpi.selectors import SYSTEM
from sqms.org.models import OrgUnit


class Command(BaseCommand):
    help = "Evaluate units with a scheme for a month and print a table, JSON or write an Excel file."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--scheme", required=True)
        parser.add_argument("--period", required=True, help="YYYY-MM")
        parser.add_argument("--unit", default="")
        parser.add_argument("--format", choices=["table", "json", "xlsx"], default="table")
        parser.add_argument(
            "--output", default="", help="file for xlsx (default evaluation-SCHEME-PERIOD.xlsx)"
        )
        parser.add_argument("--user", default="", help="evaluate with this user's scope (default: all units)")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            scheme = selectors.scheme_by_code(opts["scheme"])
        except NotFound as exc:
            raise CommandError(f"--scheme: no active scheme {opts['scheme']!r}") from exc
        user: Any = SYSTEM
        if opts["user"]:
            user = get_user_model().objects.filter(username=opts["user"]).first()
            if user is None:
                raise CommandError(f"--user: no user {opts['user']!r}")
        unit = None
        if opts["unit"]:
            unit = OrgUnit.objects.filter(code=opts["unit"]).first()
            if unit is None:
                raise CommandError(f"--unit: no unit {opts['unit']!r}")
        try:
            data = selectors.evaluate(user, scheme, opts["period"], unit)
        except ValueError as exc:
            raise CommandError(f"--period: use YYYY-MM ({exc})") from exc
        fmt = opts["format"]
        if fmt == "json":
            self.stdout.write(json.dumps(selectors.public_json(data), ensure_ascii=False, indent=2))
            return
        headers, rows = selectors.table_rows(data)
        if fmt == "xlsx":
            out = opts["output"] or f"evaluation-{scheme.code}-{opts['period']}.xlsx"
            body, _ctype = export_table(headers, rows, "xlsx")
            with open(out, "wb") as fh:
                fh.write(body)
            self.stdout.write(f"{out}: {len(rows)} units")
            return
        widths = [max(len(str(h)), *(len(self._cell(r[i])) for r in rows)) for i, h in enumerate(headers[:5])]
        self.stdout.write("  ".join(str(h).ljust(w) for h, w in zip(headers[:5], widths, strict=True)))
        for r in rows:
            self.stdout.write("  ".join(self._cell(v).ljust(w) for v, w in zip(r[:5], widths, strict=True)))

    @staticmethod
    def _cell(v: Any) -> str:
        if v is None:
            return "—"
        return f"{v:.2f}" if isinstance(v, float) else str(v)
