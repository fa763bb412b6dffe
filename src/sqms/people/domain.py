"""Pure rules of scorecards, rewards and penalties (no Django): period bounds, the declarative rule
engine, the reconciliation of a recomputed ledger with the stored one, and leaderboard ranking.

A rule reads one metric of a subject (a staff member or an org unit) for a period and awards points:

* ``once`` — ``points`` once when ``value <comparator> threshold`` holds ("CSAT >= 4.8 in the month → +10");
* ``each`` — ``points × value`` for a count metric ("each valid complaint → −5"); an optional condition
  must hold too ("each adopted suggestion, when at least 2 → +3 each").

A metric without data (``None``) never fires a rule. A rule applies to a subject when the subject kind
matches, the subject's unit lies in the rule's unit subtree (no unit: the whole organisation), the subject
holds the rule's role (no role: everybody) and the rule's validity dates overlap the period.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

STAFF = "staff"
UNIT = "unit"
SUBJECTS = (STAFF, UNIT)

ONCE = "once"
EACH = "each"
MODES = (ONCE, EACH)

COMPARATORS = (">=", ">", "<=", "<", "==", "!=")

MONTH = "month"
QUARTER = "quarter"
PERIOD_KINDS = (MONTH, QUARTER)

# The metrics of a scorecard; the "count" ones can drive an ``each`` rule.
CSAT = "csat"
SURVEY_CSAT = "survey_csat"
VALID_COMPLAINTS = "valid_complaints"
INSPECTION_SCORE = "inspection_score"
SLA_ATTAINMENT = "sla_attainment"
TRAINING_COMPLETION = "training_completion"
SUGGESTIONS_ADOPTED = "suggestions_adopted"
METRICS = (
    CSAT,
    SURVEY_CSAT,
    VALID_COMPLAINTS,
    INSPECTION_SCORE,
    SLA_ATTAINMENT,
    TRAINING_COMPLETION,
    SUGGESTIONS_ADOPTED,
)
COUNT_METRICS = frozenset({VALID_COMPLAINTS, SUGGESTIONS_ADOPTED})

EPS = 1e-9


def period_bounds(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the month or quarter holding ``day``."""
    if kind == MONTH:
        first_month = day.month
        months = 1
    elif kind == QUARTER:
        first_month = 3 * ((day.month - 1) // 3) + 1
        months = 3
    else:
        raise ValueError(f"unknown period kind: {kind}")
    start = dt.date(day.year, first_month, 1)
    after_month = first_month + months
    after = dt.date(day.year + (after_month - 1) // 12, (after_month - 1) % 12 + 1, 1)
    return start, after - dt.timedelta(days=1)


def period_label(kind: str, start: dt.date) -> str:
    if kind == QUARTER:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}-{start.month:02d}"


def compare(value: float, comparator: str, threshold: float) -> bool:
    """``value <comparator> threshold`` with a small tolerance for equality (4.8 == 4.8000000001)."""
    if comparator == ">=":
        return value >= threshold - EPS
    if comparator == ">":
        return value > threshold + EPS
    if comparator == "<=":
        return value <= threshold + EPS
    if comparator == "<":
        return value < threshold - EPS
    if comparator == "==":
        return abs(value - threshold) <= EPS
    if comparator == "!=":
        return abs(value - threshold) > EPS
    raise ValueError(f"unknown comparator: {comparator}")


@dataclass(frozen=True)
class Rule:
    id: int
    subject: str
    metric: str
    mode: str
    points: int
    comparator: str = ""  # "" = no condition (only for ``each``)
    threshold: float | None = None
    unit_path: str = ""  # "" = the whole organisation
    role: str = ""  # "" = every role
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


@dataclass(frozen=True)
class Subject:
    kind: str
    key: str  # "s:<staff id>" or "u:<unit id>"
    unit_path: str
    metrics: Mapping[str, float | None]
    roles: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Award:
    rule_id: int
    subject_key: str
    value: float
    occurrences: int
    points: int


def check_rule(rule: Rule) -> dict[str, str]:
    """Problems of a rule definition, by field (empty when the rule is sound)."""
    errors: dict[str, str] = {}
    if rule.subject not in SUBJECTS:
        errors["subject"] = "unknown subject"
    if rule.metric not in METRICS:
        errors["metric"] = "unknown metric"
    if rule.mode not in MODES:
        errors["mode"] = "unknown mode"
    if rule.comparator and rule.comparator not in COMPARATORS:
        errors["comparator"] = "unknown comparator"
    if rule.mode == ONCE and not rule.comparator:
        errors["comparator"] = "a once rule needs a condition"
    if rule.comparator and rule.threshold is None:
        errors["threshold"] = "a condition needs a threshold"
    if rule.mode == EACH and rule.metric not in COUNT_METRICS:
        errors["mode"] = "per occurrence works only with a count metric"
    if rule.points == 0:
        errors["points"] = "points must not be zero"
    if rule.valid_from and rule.valid_to and rule.valid_to < rule.valid_from:
        errors["valid_to"] = "ends before it starts"
    return errors


def applies(rule: Rule, subject: Subject, start: dt.date, end: dt.date) -> bool:
    if rule.subject != subject.kind:
        return False
    if rule.unit_path and not subject.unit_path.startswith(rule.unit_path):
        return False
    if rule.role and rule.role not in subject.roles:
        return False
    if rule.valid_from is not None and rule.valid_from > end:
        return False
    return not (rule.valid_to is not None and rule.valid_to < start)


def award(rule: Rule, subject: Subject) -> Award | None:
    """The points ``rule`` gives ``subject`` (``None`` when it does not fire)."""
    value = subject.metrics.get(rule.metric)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if rule.comparator:
        assert rule.threshold is not None
        if not compare(float(value), rule.comparator, float(rule.threshold)):
            return None
    if rule.mode == ONCE:
        occurrences = 1
    else:
        occurrences = math.floor(float(value) + EPS)
        if occurrences <= 0:
            return None
    return Award(rule.id, subject.key, float(value), occurrences, rule.points * occurrences)


def evaluate(rules: Iterable[Rule], subjects: Iterable[Subject], start: dt.date, end: dt.date) -> list[Award]:
    """Every award of the period, ordered by subject then rule (deterministic)."""
    rule_list = sorted(rules, key=lambda r: r.id)
    out: list[Award] = []
    for subject in sorted(subjects, key=lambda s: s.key):
        for rule in rule_list:
            if applies(rule, subject, start, end):
                a = award(rule, subject)
                if a is not None:
                    out.append(a)
    return out


# --- reconciling a recomputed period with the stored ledger ------------------------------------------


@dataclass(frozen=True)
class Stored:
    """A computed ledger entry already stored: ``locked`` when approved, voided or under appeal."""

    entry_id: int
    rule_id: int
    subject_key: str
    value: float
    occurrences: int
    points: int
    locked: bool = False


@dataclass(frozen=True)
class Plan:
    create: tuple[Award, ...]
    update: tuple[tuple[int, Award], ...]
    delete: tuple[int, ...]
    keep: tuple[int, ...]

    @property
    def changes(self) -> int:
        return len(self.create) + len(self.update) + len(self.delete)


def _same(s: Stored, a: Award) -> bool:
    return (s.points, s.occurrences) == (a.points, a.occurrences) and abs(s.value - a.value) <= 1e-6


def reconcile(stored: Sequence[Stored], awards: Sequence[Award]) -> Plan:
    """What to write so the unlocked computed entries equal ``awards``: unchanged entries are kept (so a
    second run changes nothing), changed ones updated, vanished ones deleted, new ones created. A locked
    entry is never touched, and no award is created for a (rule, subject) that has a locked entry."""
    by_key: dict[tuple[int, str], Stored] = {}
    duplicates: list[int] = []
    for s in sorted(stored, key=lambda s: (s.locked is False, s.entry_id)):
        key = (s.rule_id, s.subject_key)
        if key in by_key:
            if not s.locked:
                duplicates.append(s.entry_id)
            continue
        by_key[key] = s
    create: list[Award] = []
    update: list[tuple[int, Award]] = []
    keep: list[int] = []
    seen: set[tuple[int, str]] = set()
    for a in awards:
        key = (a.rule_id, a.subject_key)
        if key in seen:
            continue
        seen.add(key)
        old = by_key.get(key)
        if old is None:
            create.append(a)
        elif old.locked or _same(old, a):
            keep.append(old.entry_id)
        else:
            update.append((old.entry_id, a))
    delete = [v.entry_id for k, v in by_key.items() if k not in seen and not v.locked]
    kept_locked = [v.entry_id for k, v in by_key.items() if k not in seen and v.locked]
    return Plan(
        tuple(create),
        tuple(update),
        tuple(sorted(delete + duplicates)),
        tuple(sorted(keep + kept_locked)),
    )


# --- leaderboard ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ranked:
    key: str
    label: str
    points: int
    rank: int
    tied: bool


def rank(rows: Iterable[tuple[str, str, int]]) -> list[Ranked]:
    """Standard competition ranking ("1, 2, 2, 4"): equal points share a rank, the next rank skips; rows
    with equal points are listed by label, then key, so the order is stable."""
    ordered = sorted(rows, key=lambda r: (-r[2], r[1], r[0]))
    counts: dict[int, int] = {}
    for _key, _label, pts in ordered:
        counts[pts] = counts.get(pts, 0) + 1
    out: list[Ranked] = []
    current_rank = 0
    previous: int | None = None
    for i, (key, label, pts) in enumerate(ordered, start=1):
        if pts != previous:
            current_rank = i
            previous = pts
        out.append(Ranked(key, label, pts, current_rank, counts[pts] > 1))
    return out


# --- metric aggregation over the unit tree ---------------------------------------------------------


@dataclass(frozen=True)
class Agg:
    """A sum and a count, for means and percentages that roll up a unit subtree exactly."""

    n: float = 0.0
    total: float = 0.0

    def __add__(self, other: Agg) -> Agg:
        return Agg(self.n + other.n, self.total + other.total)

    def mean(self) -> float | None:
        return self.total / self.n if self.n else None

    def pct(self) -> float | None:
        return 100.0 * self.total / self.n if self.n else None


def subtree_sum(by_path: Mapping[str, Agg], path: str) -> Agg:
    """The sum over every unit path under ``path`` (itself included)."""
    acc = Agg()
    for p, a in by_path.items():
        if p.startswith(path):
            acc = acc + a
    return acc
