"""Demo evaluation: assurance scores by evaluators for every team (last three months), an external
benchmark, and the default scheme's results for those months. Idempotent."""

from __future__ import annotations

import random
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.utils import timezone

from sqms.evaluation import services
from sqms.evaluation.models import Benchmark, Indicator, ManualScore, Plan, Result, Scheme
from sqms.kpi.domain import period_key
from sqms.org.models import OrgUnit


def months(n: int) -> list[str]:
    day = timezone.localdate().replace(day=1)
    out = []
    for _i in range(n):
        day = (day - timezone.timedelta(days=1)).replace(day=1)
        out.append(period_key("month", day))
    return out[::-1]


DEMO_PLAN = "EFQM 自评（演示） / EFQM self-assessment (demo)"


def seed_plan(write: Callable[[str], None]) -> None:
    """An EFQM-style plan in progress over the first branch's teams for last month, half of them scored
    (so the plan page shows what is still missing). Idempotent."""
    scheme = Scheme.objects.filter(code="efqm").order_by("-version").first()
    admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    if scheme is None or admin is None or Plan.objects.filter(title=DEMO_PLAN).exists():
        return
    first = (
        OrgUnit.objects.filter(children__isnull=True, active=True, parent__isnull=False)
        .exclude(code="HQ-QM")
        .order_by("path")
        .first()
    )
    branch = first.parent if first else None
    teams = list(
        OrgUnit.objects.filter(parent=branch, children__isnull=True, active=True).order_by("path")[:4]
    )
    if not teams:
        return
    period = months(1)[0]
    plan = Plan.objects.create(
        title=DEMO_PLAN,
        goal="找出最弱的准则，转入改进 / find the weakest criteria and send them to improvement",
        scheme=scheme,
        org_unit=branch,
        periods=[period],
        status="in_progress",
        created_by=admin,
    )
    plan.units.set(teams)
    plan.evaluators.set([admin])
    rng = random.Random(61)
    scores = [
        ManualScore(indicator=ind, org_unit=team, period=period, value=round(rng.uniform(45, 95)),
                    evaluator_kind="internal", evidence="自评研讨会纪要 / self-assessment workshop minutes",
                    plan=plan, created_by=admin)
        for team in teams[: max(1, len(teams) // 2)]
        for ind in Indicator.objects.filter(scheme=scheme, source="manual")
    ]  # fmt: skip
    ManualScore.objects.bulk_create(scores)
    write(f"  evaluation plan {plan.pk}: {len(teams)} teams, {len(scores)} EFQM scores")


def seed(size: str, write: Callable[[str], None]) -> None:
    seed_plan(write)
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
