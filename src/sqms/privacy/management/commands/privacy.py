"""``sqms privacy export CUSTOMER [--out FILE]``, ``sqms privacy erase CUSTOMER --reason …``,
``sqms privacy purge [--dry-run]``. CUSTOMER is the customer's id (or exact phone number)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sqms.core.cli import actor_for
from sqms.core.errors import DomainError


def _customer(actor: Any, ref: str) -> Any:
    from sqms.core.scoping import scoped
    from sqms.org.models import Customer

    qs = scoped(actor, Customer.objects.all())
    found = list(qs.filter(pk=int(ref))) if ref.isdigit() else []
    if not found:
        found = list(qs.filter(phone=ref)[:2])
    if len(found) != 1:
        raise CommandError(f"No single customer {ref!r} (give the customer id).")
    return found[0]


class Command(BaseCommand):
    help = "Data-subject requests (export, erase) and the retention purge of personal data."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        exp = sub.add_parser("export", help="Export a customer's personal data as JSON.")
        exp.add_argument("customer")
        exp.add_argument("--out", help="File to write (default: standard output).")
        exp.add_argument("--reason", default="")
        exp.add_argument("--as", dest="username")
        era = sub.add_parser("erase", help="Anonymise a customer's personal data.")
        era.add_argument("customer")
        era.add_argument("--reason", required=True)
        era.add_argument("--as", dest="username")
        pur = sub.add_parser("purge", help="Anonymise records past their retention period.")
        pur.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        from sqms.privacy import services

        try:
            if opts["action"] == "purge":
                counts = services.purge(dry_run=opts["dry_run"])
                verb = "would be anonymised" if opts["dry_run"] else "anonymised"
                for key, n in counts.items():
                    self.stdout.write(f"{key}: {n} {verb}")
                self.stdout.write(f"total: {sum(counts.values())} {verb}")
                return
            actor = actor_for(opts.get("username"))
            customer = _customer(actor, opts["customer"])
            if opts["action"] == "export":
                req = services.export_customer(actor=actor, customer=customer, reason=opts["reason"])
                body = services.export_json(req)
                if opts.get("out"):
                    Path(opts["out"]).write_bytes(body)
                    self.stderr.write(
                        f"Exported to {opts['out']} (request #{req.pk}): {json.dumps(req.summary)}"
                    )
                else:
                    self.stdout.write(body.decode())
                return
            req = services.erase_customer(actor=actor, customer=customer, reason=opts["reason"])
            self.stdout.write(
                f"Customer {customer.pk} anonymised (request #{req.pk}): {json.dumps(req.summary)}"
            )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
