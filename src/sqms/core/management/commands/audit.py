"""``sqms audit verify``: check the audit trail's hash chain and name the first changed, inserted or
removed entry. Exits non-zero when the chain is broken."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sqms.core.security import chain


class Command(BaseCommand):
    help = "Audit trail tools: `verify` checks the tamper-evident hash chain."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        result = chain.verify()
        if result.ok:
            self.stdout.write(f"OK: {result.checked} audit entries, chain intact.")
            return
        raise CommandError(f"Audit chain broken after {result.checked} intact entries — {result.problem}")
