"""Demo evaluation: assurance scores by evaluators for every team (last three months), an external
benchmark, and the default scheme's results for those months. Idempotent."""

from __future__ import annotations

import random
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.utils import timezone

from sqms.evaluation import services
from sqms.evaluation.models import Benchmark, Indicator, ManualScore, Result, Scheme
from sqms.kpi.domain import period_key
from sqms.org.models import OrgUnit


def months(n: int) -> list[str]:
    day = timezone.localdate().replace(day=1)
    out = []
    for _i in range(n):
        day = (day - timezone.timedelta(days=1)).replace(day=1)
        out.append(period_key("month", day))
    return out[::-1]


def seed(size: str, write: Callable[[str], None]) -> None:
    scheme = Scheme.objects.filter(code="default").order_by("-version").first()
    if scheme is None or Result.objects.filter(scheme=scheme).exists():
        write("  evaluation already seeded")
        return
    admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    rng = random.Random(60)
    teams = list(
        OrgUnit.objects.filter(children__isnull=True, active=True, parent__isnull=False).exclude(code="HQ-QM")
    )
    manual = list(Indicator.objects.filter(scheme=scheme, source="manual"))
    periods = months(3)
    scores = []
    for team in teams:
        level = rng.uniform(3.2, 4.8)
        for period in periods:
            for ind in manual:
                scores.append(
                    ManualScore(
                        indicator=ind,
                        org_unit=team,
                        period=period,
                        value=round(min(5.0, max(1.0, rng.gauss(level, 0.4))), 1),
                        evaluator_kind=rng.choice(["internal", "panel", "third_party"]),
                        evidence="神秘顾客暗访记录 / mystery shopping report",
                        created_by=admin,
                    )
                )
    ManualScore.objects.bulk_create(scores)
    Benchmark.objects.get_or_create(
        scheme=scheme, label="行业满意度指数 / industry index", defaults={"value": 82.0, "source": "demo"}
    )
    for period in periods:
        services.run_evaluation(actor=admin, scheme=scheme, period=period)
    write(f"  {len(scores)} manual scores, results for {', '.join(periods)}")
