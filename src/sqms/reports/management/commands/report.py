"""``sqms report --period 2026-10 [--quarter] [--unit CODE] [--out FILE.pdf|.xlsx] [--as USER]``:
generate a quality report snapshot (a new version) and optionally copy its PDF or Excel file."""

from __future__ import annotations

import shutil
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sqms.core.cli import actor_for
from sqms.core.errors import DomainError


class Command(BaseCommand):
    help = "Generate a monthly or quarterly quality report (PDF + Excel, archived as a new version)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--period", required=True, help="YYYY-MM (or YYYY-Qn)")
        parser.add_argument("--quarter", action="store_true", help="the quarter containing the month")
        parser.add_argument("--unit", default="", help="org unit code (its subtree)")
        parser.add_argument("--out", default="", help="copy the PDF (.pdf) or workbook (.xlsx) here")
        parser.add_argument("--as", dest="username", default=None, help="act as this user")

    def handle(self, *args: Any, **opts: Any) -> None:
        from sqms.reports import services

        out = opts["out"]
        if out and not out.lower().endswith((".pdf", ".xlsx")):
            raise CommandError("--out must end with .pdf or .xlsx")
        actor = actor_for(opts["username"])
        try:
            period = services.parse_period(opts["period"], quarter=opts["quarter"])
            unit = services.unit_for(actor, opts["unit"] or None)
            snap = services.generate_report(actor=actor, period=period, unit=unit)
        except DomainError as exc:
            detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items())
            raise CommandError(detail or exc.message) from exc
        if out:
            f = snap.pdf if out.lower().endswith(".pdf") else snap.xlsx
            with f.open("rb") as src, open(out, "wb") as dst:
                shutil.copyfileobj(src, dst)
        sections = ", ".join(s["key"] for s in snap.data.get("sections", []))
        self.stdout.write(f"{snap.title} v{snap.version} (id {snap.pk}); sections: {sections or '-'}")
        if out:
            self.stdout.write(f"written {out}")
