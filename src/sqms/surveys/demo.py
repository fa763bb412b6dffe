"""Demo survey data: SERVQUAL, seven-indicator and post-service CSAT + NPS campaigns over the last 12
months across the demo organisation's units, with answers generated from latent factors (a general
satisfaction factor plus one factor per dimension), so reliability and KMO come out realistic. A few
straight-liners, speeders and duplicates are mixed in for the cleaning rules to find. Idempotent."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import numpy as np
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from sqms.org.models import OrgUnit
from sqms.surveys import domain, services
from sqms.surveys.models import Campaign, Channel, Response, ResponseSource, Survey, SurveyVersion

PLAN = [  # (template, code, share of responses, channel)
    ("servqual", "DEMO-SERVQUAL", 0.2, Channel.ONSITE),
    ("seven", "DEMO-SQ7", 0.3, Channel.WEB),
    ("csat", "DEMO-CSAT", 0.5, Channel.SMS),
]


def _answers(
    version: SurveyVersion, n: int, rng: np.random.Generator
) -> tuple[list[dict[str, Any]], np.ndarray]:
    """``n`` answer dicts for ``version`` and the general satisfaction factor of each respondent."""
    items = version.items
    qs = domain.questions(version.definition)
    dims = sorted({it["dimension"] for it in items if it["dimension"]})
    g = rng.normal(0, 1, n)
    factors = {d: 0.65 * g + 0.76 * rng.normal(0, 1, n) for d in dims}
    out: list[dict[str, Any]] = [{} for _ in range(n)]
    for it in items:
        lo, hi = it["min"] or 0, it["max"] or 10
        if it["attention"]:
            q = next(q for q in qs if q["code"] == it["question"])
            ok = rng.random(n) < 0.97
            wrong = rng.integers(int(lo), int(hi) + 1, n)
            col = np.where(ok, int(q["attention_answer"]), wrong)
        elif it["type"] == "nps":
            col = np.clip(np.rint(7.6 + 1.9 * g + rng.normal(0, 1.1, n)), 0, 10)
        elif it["type"] == "single":
            values = [
                o["value"] for o in domain.options_of(next(q for q in qs if q["code"] == it["question"]))
            ]
            if set(values) == {0, 1}:
                col = (rng.random(n) < 0.55 + 0.15 * np.tanh(g) + 0.2).astype(int)
            else:
                col = rng.choice(values, n)
        else:
            f = factors.get(it["dimension"], g)
            latent = 0.78 * f + 0.63 * rng.normal(0, 1, n) + (0.7 if it["part"] == "E" else 0.0)
            span = hi - lo + 1
            # cut points so that the scale centre sits a bit above neutral (typical satisfaction data)
            pos = (latent + 0.55) / 2.6 * (span / 2) + (lo + hi) / 2
            col = np.clip(np.rint(pos), lo, hi)
        for i in range(n):
            out[i][it["code"]] = int(col[i])
    return out, g


UNIT_PLAN = [  # campaigns run by a branch on its own subtree: (template, code prefix, name, share, channel)
    ("csat", "DEMO-CSAT", "服务回访满意度调查", 0.04, Channel.SMS),
]
SZ_EXTRA = ("seven", "DEMO-SQ7", "营业厅服务质量季度调查", 0.05, Channel.ONSITE)


def _fill(
    campaign: Campaign,
    version: SurveyVersion,
    n: int,
    teams: list[OrgUnit],
    rng: np.random.Generator,
    start: Any,
    days: int,
    quality: dict[int, float],
) -> int:
    """``n`` responses for ``campaign`` from ``teams`` over ``days`` days; returns how many cleaning excluded."""
    channel = campaign.channel
    answers, _g = _answers(version, n, rng)
    weights = rng.gamma(2.0, 1.0, len(teams))
    weights /= weights.sum()
    unit_idx = rng.choice(len(teams), n, p=weights)
    offsets = np.sort(rng.uniform(0, days * 86400, n))
    base_duration = 25 + 9 * len(version.items)
    durations = rng.lognormal(np.log(base_duration), 0.35, n)
    by_code = {it["code"]: it for it in version.items}
    scale_codes = [
        it["code"] for it in version.items if it["type"] in domain.SCALE_TYPES and not it["attention"]
    ]
    kind = rng.random(n)
    rows = []
    packed: list[bytes] = []
    prev_ip = prev_dev = ""
    tag = campaign.code
    for i in range(n):
        a = answers[i]
        team = teams[int(unit_idx[i])]
        shift = quality.setdefault(team.pk, float(rng.normal(0, 0.35)))  # some units serve better
        for c in scale_codes:  # unit effect
            it = by_code[c]
            a[c] = int(np.clip(round(a[c] + shift), it["min"], it["max"]))
        h = hashlib.sha1(f"{tag}:{i}".encode(), usedforsecurity=False).digest()
        ip = f"10.{h[0]}.{h[1]}.{h[2]}"
        dev = hashlib.sha1(f"ua{i % 997}".encode(), usedforsecurity=False).hexdigest()[:16]
        dur = float(durations[i])
        if kind[i] < 0.03 and len(scale_codes) >= 8:  # straight-liner
            v = int(rng.choice([3, 4, 5]))
            for c in scale_codes:
                a[c] = v
            dur *= 0.5
        elif kind[i] < 0.07:  # speeder
            dur = float(rng.uniform(5, base_duration / 4))
        elif kind[i] < 0.08 and prev_ip:  # duplicate submission from the same device
            ip, dev = prev_ip, prev_dev
            offsets[i] = offsets[i - 1] + rng.uniform(30, 600)
        prev_ip, prev_dev = ip, dev
        rows.append(
            Response(
                campaign=campaign,
                version=version,
                org_unit=team,
                channel=channel,
                source=ResponseSource.DEMO,
                submitted_at=start + timedelta(seconds=float(offsets[i])),
                duration_s=round(dur, 1),
                ip=ip,
                device=dev,
                answers=a,
            )
        )
        packed.append(domain.pack(version.items, a))
    Response.objects.bulk_create(rows, batch_size=2000)
    services.write_values(rows, packed)
    return int(services.clean_campaign(campaign=campaign)["excluded"])


def _survey(actor: Any, template: str, code: str) -> tuple[Survey, SurveyVersion]:
    survey = Survey.objects.filter(code=code).first()
    if survey is None:
        survey = services.create_from_template(actor=actor, template=template, code=code)
    version = survey.versions.order_by("-number").first() or services.publish_survey(
        actor=actor, survey=survey
    )
    return survey, version


def _campaign(
    code: str,
    name: str,
    survey: Survey,
    version: SurveyVersion,
    unit: OrgUnit,
    channel: str,
    start: Any,
    target: int,
    actor: Any,
) -> Campaign:
    return Campaign.objects.create(
        code=code,
        name=name,
        survey=survey,
        version=version,
        org_unit=unit,
        channel=channel,
        starts_at=start,
        ends_at=None,
        target=target,
        created_by=actor,
    )


@transaction.atomic
def seed(size: str, write: Callable[[str], None]) -> None:
    """Company-wide campaigns on HQ, plus each branch's own post-service campaign (and a quarterly
    seven-indicator survey at 苏州 SZ), so a branch's unit manager sees campaigns of his own. Every
    campaign is created only when its code is absent: running the seeder again adds nothing."""
    hq = OrgUnit.objects.filter(code="HQ").first()
    if hq is None:
        write("  surveys: no demo organisation, skipped")
        return
    actor = get_user_model().objects.filter(username="admin").first()
    total = 30_000 if size == "large" else 5_000
    rng = np.random.default_rng(2026)
    teams = list(OrgUnit.objects.filter(path__startswith=hq.path, depth__gte=3).order_by("code"))
    quality: dict[int, float] = {}
    now = timezone.now()
    start = now - timedelta(days=365)
    added = 0
    for template, code, share, channel in PLAN:
        survey, version = _survey(actor, template, code)
        if Campaign.objects.filter(code=code).exists():
            continue
        campaign = _campaign(
            code,
            f"{survey.title}（演示）",
            survey,
            version,
            hq,
            channel,
            start,
            int(total * share * 1.4),
            actor,
        )
        n = int(total * share)
        excluded = _fill(campaign, version, n, teams, rng, start, 365, quality)
        added += 1
        write(f"  {code}: {n} responses, {excluded} flagged by cleaning")
    branches = list(OrgUnit.objects.filter(path__startswith=hq.path, depth=2).order_by("code"))
    plan = [(b, *p) for b in branches for p in UNIT_PLAN]
    plan += [(b, *SZ_EXTRA) for b in branches if b.code == "SZ"]
    half_year = now - timedelta(days=182)
    for branch, template, prefix, title, share, channel in plan:
        code = f"{prefix}-{branch.code}"
        if Campaign.objects.filter(code=code).exists():
            continue
        sub = [t for t in teams if t.path.startswith(branch.path)] or [branch]
        survey, version = _survey(actor, template, prefix)
        n = max(60, int(total * share))
        campaign = _campaign(
            code, f"{branch.name}{title}", survey, version, branch, channel, half_year, int(n * 1.3), actor
        )
        excluded = _fill(campaign, version, n, sub, rng, half_year, 182, quality)
        added += 1
        write(f"  {code} ({branch.name}): {n} responses, {excluded} flagged by cleaning")
    if not added:
        write("  surveys already seeded")
