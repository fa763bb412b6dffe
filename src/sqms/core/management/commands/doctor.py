from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

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
        parser.add_argument(
            "--language", default="", help="zh-hans or en (default: the active language, else LANGUAGE_CODE)"
        )

    def handle(self, *args: Any, skip: list[str], language: str = "", **options: Any) -> None:
        with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
            results = doctor.run(set(skip))
            lines, summary = doctor.report_lines(results)
        for ok, line in lines:
            self.stdout.write(line, self.style.SUCCESS if ok else self.style.ERROR)
        if any(not c.ok for c in results):
            raise CommandError(summary, returncode=1)
        self.stdout.write(self.style.SUCCESS(summary))
