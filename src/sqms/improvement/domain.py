"""Pure rules of the improvement app (no Django): nonconformity transitions, the KPIs an effectiveness
check can use, and the before/after comparison with a significance test from :mod:`sqms.stats`.

Tests used for a before/after comparison (α = 0.05 by default):

* rates (on-time rate, first-contact resolution) — the two-proportion test, computed as Pearson's χ² on
  the 2 × 2 table (successes/failures × before/after) without continuity correction; χ² = z² of the
  pooled two-proportion z test, so the p values are identical;
* means of daily values (mean rating, mean response/handling time) — Welch's t test on the per-day
  values of the two windows (the rollups keep sums per day, not individual values).

An improvement is significant when the difference points the KPI's good way and p < α.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqms import stats

OPEN = "open"
ANALYSING = "analysing"
ACTING = "acting"
VERIFYING = "verifying"
CLOSED = "closed"
CANCELLED = "cancelled"

SOURCES = ("complaint", "bad_review", "audit_finding", "inspection", "kpi_alert", "manual")
SEVERITIES = ("minor", "major", "critical")
FISHBONE_CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("man", "人", "Man"),
    ("machine", "机", "Machine"),
    ("material", "料", "Material"),
    ("method", "法", "Method"),
    ("environment", "环", "Environment"),
    ("measurement", "测", "Measurement"),
)
FISHBONE_KEYS = tuple(k for k, _zh, _en in FISHBONE_CATEGORIES)

STAGES = ("plan", "do", "check", "act", "closed")


class RuleError(ValueError):
    """A business rule refused the step; ``field`` names the input to blame."""

    def __init__(self, message: str, field: str = "status"):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class DailyMean:
    """A KPI that is a mean of per-day values from the rollups (``numerator/denominator × scale``)."""

    code: str
    numerator: str
    denominator: str
    scale: float


# KPIs (codes of the kpi app's library) compared as means of daily values; every other ratio KPI of the
# library is a proportion of counts and compared with the two-proportion test.
DAILY_MEANS: dict[str, DailyMean] = {
    "response_mean": DailyMean("response_mean", "response_seconds", "responded", 1 / 60),
    "handling_mean": DailyMean("handling_mean", "handling_seconds", "completed", 1 / 60),
}


@dataclass
class Comparison:
    kpi: str
    test: str
    before_value: float | None
    after_value: float | None
    statistic: float | None
    p_value: float | None
    improved: bool
    detail: dict[str, Any] = field(default_factory=dict)


def clean_whys(whys: Sequence[Any]) -> list[str]:
    """The 5 Whys chain: 1–5 non-empty answers (blank lines dropped, order kept)."""
    out = [str(w).strip() for w in whys if str(w or "").strip()]
    if not out:
        raise RuleError("Give at least one answer to “why?”.", "whys")
    if len(out) > 5:
        raise RuleError("At most five whys.", "whys")
    return out


def clean_fishbone(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """Fishbone causes per 6M category; unknown categories are refused."""
    out: dict[str, list[str]] = {}
    for key, value in data.items():
        if key not in FISHBONE_KEYS:
            raise RuleError(f"Unknown fishbone category: {key}", "fishbone")
        items = value.splitlines() if isinstance(value, str) else list(value or [])
        causes = [str(c).strip() for c in items if str(c or "").strip()]
        if causes:
            out[key] = causes
    return out


def check_window(start: dt.date, end: dt.date, name: str) -> None:
    if end < start:
        raise RuleError("The window ends before it starts.", name)


def check_windows(before: tuple[dt.date, dt.date], after: tuple[dt.date, dt.date]) -> None:
    check_window(*before, "before_end")
    check_window(*after, "after_end")
    if after[0] <= before[1]:
        raise RuleError("The after window must start after the before window ends.", "after_start")


def close_blockers(
    *, status: str, action_statuses: Sequence[str], verdicts: Sequence[str]
) -> list[tuple[str, str]]:
    """Why a nonconformity cannot close yet: (field, reason) pairs; empty when it may close."""
    out: list[tuple[str, str]] = []
    if status in (CLOSED, CANCELLED):
        out.append(("status", "already_closed"))
        return out
    live = [s for s in action_statuses if s != "cancelled"]
    if not live:
        out.append(("actions", "no_actions"))
    elif any(s != "done" for s in live):
        out.append(("actions", "actions_open"))
    if "effective" not in verdicts:
        out.append(("effectiveness", "not_verified"))
    return out


def status_after_analysis(status: str) -> str:
    if status in (CLOSED, CANCELLED):
        raise RuleError("A closed nonconformity cannot be changed.")
    return ANALYSING if status == OPEN else status


def next_stage(stage: str) -> str:
    if stage not in STAGES or stage == "closed":
        raise RuleError("The project is closed.", "stage")
    return STAGES[STAGES.index(stage) + 1]


def compare_proportions(
    code: str,
    before: tuple[float, float],
    after: tuple[float, float],
    *,
    higher_is_better: bool,
    scale: float = 1.0,
    alpha: float = 0.05,
) -> Comparison:
    """Two-proportion test of ``(successes, trials)`` before vs after (as Pearson's χ² on the 2 × 2
    table, z = ±√χ²); values are reported × ``scale`` (100 for percentages)."""
    (s1, n1), (s2, n2) = before, after
    if n1 <= 0 or n2 <= 0:
        raise RuleError("There is no data for this KPI in one of the windows.", "kpi_code")
    vb, va = s1 / n1 * scale, s2 / n2 * scale
    better = (va - vb) * (1.0 if higher_is_better else -1.0) > 0
    detail: dict[str, Any] = {"before": [s1, n1], "after": [s2, n2]}
    if s1 + s2 == 0 or s1 + s2 == n1 + n2:
        return Comparison(code, "two_proportion", vb, va, 0.0, 1.0, False, detail)
    res = stats.chi_square([[s1, n1 - s1], [s2, n2 - s2]])
    z = math.copysign(math.sqrt(res.chi2), va - vb)
    detail["chi2"] = res.chi2
    return Comparison(code, "two_proportion", vb, va, z, res.p, better and res.p < alpha, detail)


def compare_daily_means(
    kpi: DailyMean,
    before_days: Sequence[Mapping[str, float]],
    after_days: Sequence[Mapping[str, float]],
    *,
    higher_is_better: bool,
    alpha: float = 0.05,
) -> Comparison:
    """Welch's t test on the per-day values of the two windows; the reported values are the ratios of
    the windows' sums (as the KPI is defined), the test uses the day-to-day spread."""

    def value(days: Sequence[Mapping[str, float]]) -> float | None:
        den = sum(d.get(kpi.denominator, 0) or 0 for d in days)
        return sum(d.get(kpi.numerator, 0) or 0 for d in days) / den * kpi.scale if den else None

    xb = [d[kpi.numerator] / d[kpi.denominator] * kpi.scale for d in before_days if d.get(kpi.denominator)]
    xa = [d[kpi.numerator] / d[kpi.denominator] * kpi.scale for d in after_days if d.get(kpi.denominator)]
    if len(xb) < 2 or len(xa) < 2:
        raise RuleError("Each window needs at least two days with data.", "kpi_code")
    vb, va = value(before_days), value(after_days)
    assert vb is not None and va is not None
    t = stats.t_test(xa, xb, equal_var=False)
    p = t.p if math.isfinite(t.p) else 1.0
    better = (va - vb) * (1.0 if higher_is_better else -1.0) > 0
    return Comparison(
        kpi.code,
        "welch_t",
        vb,
        va,
        t.t if math.isfinite(t.t) else 0.0,
        p,
        better and p < alpha,
        {"days": [len(xb), len(xa)], "df": t.df},
    )


def on_time_rate(done_on: Sequence[tuple[dt.date, dt.date | None]]) -> float | None:
    """Share of completed actions done by their due date; ``(due, completed)`` pairs."""
    finished = [(due, c) for due, c in done_on if c is not None]
    if not finished:
        return None
    return sum(1 for due, c in finished if c <= due) / len(finished)
