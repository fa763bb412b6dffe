from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sqms.core.demo import DEMO_PASSWORD, run_all


class Command(BaseCommand):
    help = "Seed the demo organisation (idempotent: running it again adds nothing)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--size",
            choices=["small", "large"],
            default="large",
            help="large (default): 12 months of ~3.2 million service records, about 2 minutes; "
            "small: ~50,000 records, a few seconds",
        )

    def handle(self, *args: Any, size: str, **options: Any) -> None:
        from django.conf import settings

        if settings.PRODUCTION and not settings.DEMO_MODE:
            raise CommandError("Refusing to seed demo data in production mode (set SQMS_DEMO=1 to allow).")
        self.stdout.write(f"Seeding the demo organisation ({size}) …")
        run_all(size, self.stdout.write)
        self.stdout.write(self.style.SUCCESS("Demo ready."))
        self.stdout.write("Logins (password %s):" % DEMO_PASSWORD)
        for login, role in [
            ("admin", "系统管理员 system admin"),
            ("quality", "质量经理 quality manager"),
            ("manager", "单位负责人 unit manager (苏州供电公司)"),
            ("agent", "一线员工 front-line staff"),
            ("auditor", "审核员 auditor (西部区域)"),
            ("exec", "管理层 executive (read-only)"),
        ]:
            self.stdout.write(f"  {login:<8} {role}")
