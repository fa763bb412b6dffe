from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sqms.core.ops import doctor


class Command(BaseCommand):
    help = (
        "Check the installation: configuration, database, migrations, queue, worker heartbeat, mail, PDF font, "
        "disk space. Prints OK/FAIL with how to fix; exits 1 when anything fails."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--skip", action="append", default=[], choices=sorted(doctor.CHECKS), help="leave a check out"
        )

    def handle(self, *args: Any, skip: list[str], **options: Any) -> None:
        results = doctor.run(set(skip))
        for c in results:
            mark = self.style.SUCCESS("OK  ") if c.ok else self.style.ERROR("FAIL")
            self.stdout.write(f"{mark} {c.name}: {c.detail}")
            if not c.ok and c.fix:
                self.stdout.write(f"     fix: {c.fix}")
        failed = [c for c in results if not c.ok]
        if failed:
            raise CommandError(f"{len(failed)} of {len(results)} checks failed", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"all {len(results)} checks passed"))
