"""Demo: two published transparency periods (the last two months) and one monthly report snapshot
(last month, whole organisation). Idempotent: nothing is added when run twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

DEMO_MIN_GROUP = 10  # the demo organisation is small; production default is 30


def seed(size: str, write: Callable[[str], None]) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.utils import timezone, translation

    from sqms.reports import domain, services
    from sqms.reports.models import Publication, ReportSnapshot

    actor = get_user_model().objects.filter(is_active=True, is_superuser=True).order_by("pk").first()
    if actor is None:
        write("  reports: no superuser, skipped")
        return
    last = domain.period_of(domain.MONTHLY, timezone.localdate().replace(day=1) - timedelta(days=1))
    with translation.override(settings.LANGUAGE_CODE):
        for period in (last.previous(), last):
            if not Publication.objects.filter(kind=period.kind, period_key=period.key).exists():
                services.publish(actor=actor, period=period, min_group_size=DEMO_MIN_GROUP)
        if not ReportSnapshot.objects.filter(kind=last.kind, period_key=last.key).exists():
            services.generate_report(actor=actor, period=last)
    write(
        f"  reports: publications {Publication.objects.count()}, snapshots {ReportSnapshot.objects.count()}"
    )
