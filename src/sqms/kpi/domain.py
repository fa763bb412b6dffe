"""Pure domain code of service records and rollups (no Django): row validation, time buckets,
percentiles from histograms and rollup deltas.

Definitions used everywhere:

* response time = ``first_response_at − requested_at``; handling time = ``completed_at − requested_at``;
  both in whole seconds (floor), only when the later timestamp is present;
* on time = completed and ``completed_at <= promised_at`` (counted only for rows with a promise);
* the rollup day is the local date of ``requested_at`` in the site's time zone.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

# Lower edges (seconds) of the fixed histogram buckets: roughly log-spaced, at human-meaningful times.
# Bucket i holds values in [BUCKET_EDGES[i], BUCKET_EDGES[i + 1]); the last bucket is open-ended.
BUCKET_EDGES: tuple[int, ...] = (
    0, 5, 10, 15, 30, 60, 120, 180, 300, 600, 900, 1200, 1800, 2700,
    3600, 7200, 14400, 28800, 43200, 86400, 172800, 259200, 604800, 1209600,
)  # fmt: skip
N_BUCKETS = len(BUCKET_EDGES)
# The rollup table's histogram columns, bucket by bucket.
RESPONSE_COLUMNS = tuple(f"resp_{i:02d}" for i in range(N_BUCKETS))
HANDLING_COLUMNS = tuple(f"hand_{i:02d}" for i in range(N_BUCKETS))

TIMESTAMP_FIELDS = ("requested_at", "first_response_at", "completed_at", "promised_at")
TRUE_WORDS = {"1", "true", "t", "yes", "y", "是", "x"}
FALSE_WORDS = {"0", "false", "f", "no", "n", "否", ""}


def bucket_index(seconds: float) -> int:
    """The histogram bucket of a duration; negative durations go to bucket 0."""
    if seconds <= 0:
        return 0
    return bisect.bisect_right(BUCKET_EDGES, seconds) - 1


def percentile(hist: list[int], q: float) -> float | None:
    """The ``q``-quantile (0 <= q <= 1) estimated from a histogram over :data:`BUCKET_EDGES`.

    Like Prometheus' ``histogram_quantile``: the target rank is ``q × N``; we find the bucket where the
    cumulative count reaches it and interpolate linearly between the bucket's edges, i.e. we assume the
    values are spread uniformly inside a bucket. The error is therefore at most the width of that
    bucket. The open last bucket has no upper edge: its lower edge is returned. ``None`` when empty.
    """
    total = sum(hist)
    if total <= 0:
        return None
    q = min(max(q, 0.0), 1.0)
    rank = q * total
    cum = 0
    for i, count in enumerate(hist):
        if count <= 0:
            continue
        if cum + count >= rank:
            lo = float(BUCKET_EDGES[i])
            if i + 1 >= N_BUCKETS:
                return lo
            hi = float(BUCKET_EDGES[i + 1])
            return lo + (hi - lo) * max(rank - cum, 0.0) / count
        cum += count
    return float(BUCKET_EDGES[-1])  # pragma: no cover - unreachable when counts are non-negative


# --- row validation ---------------------------------------------------------------------------------------


@dataclass
class ParsedRow:
    source: str
    external_id: str
    unit: str
    staff: str | None
    customer: int | None
    service_type: str
    channel: str
    requested_at: dt.datetime
    first_response_at: dt.datetime | None
    completed_at: dt.datetime | None
    promised_at: dt.datetime | None
    outcome: str
    first_contact_resolution: bool
    rating: int | None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN from spreadsheets
        return ""
    return str(value).strip()


def parse_timestamp(value: Any, tz: dt.tzinfo) -> dt.datetime | None:
    """An aware datetime from a datetime or ISO 8601 text; naive values are read in ``tz``.
    Raises ValueError on bad text; returns None for empty values."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        result = value
    elif isinstance(value, dt.date):
        result = dt.datetime(value.year, value.month, value.day)
    else:
        text = _text(value)
        if not text:
            return None
        result = dt.datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    if result.tzinfo is None:
        result = result.replace(tzinfo=tz)
    return result


def validate_row(raw: Mapping[str, Any], tz: dt.tzinfo) -> tuple[ParsedRow | None, dict[str, list[str]]]:
    """Check one input row; returns (row, {}) or (None, {field: [reasons]}). Reasons are English
    message ids the caller translates (``gettext``) when it shows them."""
    errors: dict[str, list[str]] = {}

    def err(name: str, reason: str) -> None:
        errors.setdefault(name, []).append(reason)

    def text(name: str, max_len: int, required: bool = False) -> str:
        value = _text(raw.get(name))
        if required and not value:
            err(name, "This field is required.")
        elif len(value) > max_len:
            err(name, "This value is too long.")
        return value

    source = text("source", 40)
    external_id = text("external_id", 100, required=True)
    unit = text("unit", 40, required=True)
    staff = text("staff", 30) or None
    service_type = text("service_type", 40, required=True)
    channel = text("channel", 20)
    outcome = text("outcome", 40)

    customer: int | None = None
    raw_customer = _text(raw.get("customer"))
    if raw_customer:
        try:
            customer = int(float(raw_customer)) if "." in raw_customer else int(raw_customer)
        except ValueError:
            err("customer", "Enter a whole number.")

    stamps: dict[str, dt.datetime | None] = {}
    for name in TIMESTAMP_FIELDS:
        try:
            stamps[name] = parse_timestamp(raw.get(name), tz)
        except (ValueError, TypeError):
            err(name, "Enter a valid date and time (ISO 8601).")
            stamps[name] = None
    requested = stamps["requested_at"]
    if requested is None and "requested_at" not in errors:
        err("requested_at", "This field is required.")
    if requested is not None:
        for name in ("first_response_at", "completed_at", "promised_at"):
            value = stamps[name]
            if value is not None and value < requested:
                err(name, "Must not be earlier than requested_at.")
    first, done = stamps["first_response_at"], stamps["completed_at"]
    if first is not None and done is not None and done < first and "completed_at" not in errors:
        err("completed_at", "Must not be earlier than first_response_at.")

    fcr = False
    raw_fcr = raw.get("first_contact_resolution")
    if isinstance(raw_fcr, bool):
        fcr = raw_fcr
    else:
        word = _text(raw_fcr).lower()
        if word in TRUE_WORDS:
            fcr = True
        elif word not in FALSE_WORDS:
            err("first_contact_resolution", "Enter true or false.")

    rating: int | None = None
    raw_rating = raw.get("rating")
    if not isinstance(raw_rating, bool) and _text(raw_rating):
        try:
            number = float(_text(raw_rating))
            if number != int(number) or not 1 <= number <= 5:
                raise ValueError
            rating = int(number)
        except ValueError:
            err("rating", "Enter a whole number from 1 to 5.")
    elif isinstance(raw_rating, bool):
        err("rating", "Enter a whole number from 1 to 5.")

    if errors:
        return None, errors
    assert requested is not None
    return (
        ParsedRow(
            source=source,
            external_id=external_id,
            unit=unit,
            staff=staff,
            customer=customer,
            service_type=service_type,
            channel=channel,
            requested_at=requested,
            first_response_at=first,
            completed_at=done,
            promised_at=stamps["promised_at"],
            outcome=outcome,
            first_contact_resolution=fcr,
            rating=rating,
        ),
        {},
    )


# --- rollups ----------------------------------------------------------------------------------------------


class Fact(NamedTuple):
    """What a rollup needs from one service record (timestamps aware)."""

    unit_id: int
    service_type: str
    channel: str
    requested_at: dt.datetime
    first_response_at: dt.datetime | None
    completed_at: dt.datetime | None
    promised_at: dt.datetime | None
    fcr: bool
    rating: int | None


RollupKey = tuple[int, dt.date, str, str]  # (unit id, local day, service type, channel)
COUNTERS = (
    "total",
    "completed",
    "with_promise",
    "on_time",
    "fcr",
    "responded",
    "response_seconds",
    "handling_seconds",
    "rating_count",
    "rating_sum",
)


@dataclass
class Delta:
    total: int = 0
    completed: int = 0
    with_promise: int = 0
    on_time: int = 0
    fcr: int = 0
    responded: int = 0
    response_seconds: int = 0
    handling_seconds: int = 0
    rating_count: int = 0
    rating_sum: int = 0
    response_hist: list[int] = field(default_factory=lambda: [0] * N_BUCKETS)
    handling_hist: list[int] = field(default_factory=lambda: [0] * N_BUCKETS)

    def add(self, other: Delta) -> None:
        for name in COUNTERS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.response_hist = [a + b for a, b in zip(self.response_hist, other.response_hist, strict=True)]
        self.handling_hist = [a + b for a, b in zip(self.handling_hist, other.handling_hist, strict=True)]

    def is_zero(self) -> bool:
        return all(getattr(self, n) == 0 for n in COUNTERS) and not any(
            self.response_hist + self.handling_hist
        )


def seconds_between(start: dt.datetime, end: dt.datetime) -> int:
    return int((end - start).total_seconds() // 1)


def rollup_key(fact: Fact, tz: dt.tzinfo) -> RollupKey:
    return (fact.unit_id, fact.requested_at.astimezone(tz).date(), fact.service_type, fact.channel)


def apply_fact(delta: Delta, f: Fact, sign: int = 1) -> None:
    delta.total += sign
    if f.completed_at is not None:
        handling = seconds_between(f.requested_at, f.completed_at)
        delta.completed += sign
        delta.handling_seconds += sign * handling
        delta.handling_hist[bucket_index(handling)] += sign
    if f.promised_at is not None:
        delta.with_promise += sign
        if f.completed_at is not None and f.completed_at <= f.promised_at:
            delta.on_time += sign
    if f.fcr:
        delta.fcr += sign
    if f.first_response_at is not None:
        response = seconds_between(f.requested_at, f.first_response_at)
        delta.responded += sign
        delta.response_seconds += sign * response
        delta.response_hist[bucket_index(response)] += sign
    if f.rating is not None:
        delta.rating_count += sign
        delta.rating_sum += sign * f.rating


def rollup_delta(
    added: Iterable[Fact], tz: dt.tzinfo, removed: Iterable[Fact] = ()
) -> dict[RollupKey, Delta]:
    """The change to the daily rollups when ``added`` facts are inserted and ``removed`` ones (the old
    versions of updated records) are taken out. Keys whose delta is zero are dropped."""
    out: dict[RollupKey, Delta] = {}
    for sign, facts in ((-1, removed), (1, added)):
        for f in facts:
            key = rollup_key(f, tz)
            delta = out.get(key)
            if delta is None:
                delta = out[key] = Delta()
            apply_fact(delta, f, sign)
    return {k: v for k, v in out.items() if not v.is_zero()}


def monthly_delta(delta: Mapping[RollupKey, Delta]) -> dict[RollupKey, Delta]:
    """The daily delta summed by month: keys (unit, first day of the month, service type, channel)."""
    out: dict[RollupKey, Delta] = {}
    for (unit, day, stype, channel), d in delta.items():
        key = (unit, day.replace(day=1), stype, channel)
        acc = out.get(key)
        if acc is None:
            acc = out[key] = Delta()
        acc.add(d)
    return out


def rates(d: Mapping[str, Any]) -> dict[str, float | None]:
    """Derived figures from summed counters (ratios of sums, never averages of averages)."""

    def ratio(a: str, b: str) -> float | None:
        return d[a] / d[b] if d.get(b) else None

    return {
        "on_time_rate": ratio("on_time", "with_promise"),
        "fcr_rate": ratio("fcr", "total"),
        "mean_rating": ratio("rating_sum", "rating_count"),
        "mean_response_seconds": ratio("response_seconds", "responded"),
        "mean_handling_seconds": ratio("handling_seconds", "completed"),
        "p90_response_seconds": percentile(d["response_hist"], 0.9),
        "p90_handling_seconds": percentile(d["handling_hist"], 0.9),
    }


# --- KPIs -------------------------------------------------------------------------------------------------
#
# A KPI value is always computed from *summed* numerators and denominators of the unit's whole subtree
# over the period (a parent's on-time rate is Σ on time / Σ with a promise, never the mean of its
# children's rates). :func:`add_sums` adds the sums of two units or periods; :func:`kpi_value` derives the
# figure. Rates are in percent, times in minutes, the complaint rate per 10,000 services, NPS −100…100.

HIGHER = "higher"
LOWER = "lower"

# Sums read from the other apps, beside the rollup COUNTERS and histograms.
EXTRA_SUMS = (
    "complaints",
    "sla_total",
    "sla_met",
    "ratings",
    "bad_ratings",
    "rect_due",
    "rect_on_time",
    "csat_n",
    "csat_top",
    "nps_n",
    "nps_promoters",
    "nps_detractors",
)

# code: (numerator, denominator, scale) — value = Σ numerator / Σ denominator × scale.
RATIOS: dict[str, tuple[str, str, float]] = {
    "on_time_rate": ("on_time", "with_promise", 100.0),
    "response_mean": ("response_seconds", "responded", 1 / 60),
    "handling_mean": ("handling_seconds", "completed", 1 / 60),
    "fcr_rate": ("fcr", "total", 100.0),
    "complaint_rate": ("complaints", "total", 10_000.0),
    "sla_attainment": ("sla_met", "sla_total", 100.0),
    "bad_review_rate": ("bad_ratings", "ratings", 100.0),
    "rectification_on_time": ("rect_on_time", "rect_due", 100.0),
    "csat": ("csat_top", "csat_n", 100.0),
}

# The library shipped ready (created by a post_migrate preset; thresholds editable afterwards).
LIBRARY: tuple[dict[str, Any], ...] = (
    {"code": "on_time_rate", "name": "按时完成率", "name_en": "On-time completion rate", "unit": "%",
     "direction": HIGHER, "target": 95.0, "warning": 90.0, "critical": 85.0, "source": "records"},
    {"code": "response_mean", "name": "平均响应时间", "name_en": "Mean response time", "unit": "min",
     "direction": LOWER, "target": 5.0, "warning": 10.0, "critical": 20.0, "source": "records"},
    {"code": "response_p90", "name": "P90 响应时间", "name_en": "P90 response time", "unit": "min",
     "direction": LOWER, "target": 15.0, "warning": 30.0, "critical": 60.0, "source": "records"},
    {"code": "handling_mean", "name": "平均处理时长", "name_en": "Mean handling time", "unit": "min",
     "direction": LOWER, "target": 60.0, "warning": 120.0, "critical": 240.0, "source": "records"},
    {"code": "fcr_rate", "name": "首次解决率", "name_en": "First-contact resolution", "unit": "%",
     "direction": HIGHER, "target": 80.0, "warning": 70.0, "critical": 60.0, "source": "records"},
    {"code": "complaint_rate", "name": "万次服务投诉率", "name_en": "Complaints per 10,000 services",
     "unit": "‱", "direction": LOWER, "target": 5.0, "warning": 10.0, "critical": 20.0, "source": "feedback"},
    {"code": "sla_attainment", "name": "SLA 达成率", "name_en": "SLA attainment", "unit": "%",
     "direction": HIGHER, "target": 95.0, "warning": 90.0, "critical": 80.0, "source": "feedback"},
    {"code": "bad_review_rate", "name": "差评率", "name_en": "Bad-review rate", "unit": "%",
     "direction": LOWER, "target": 2.0, "warning": 5.0, "critical": 10.0, "source": "feedback"},
    {"code": "rectification_on_time", "name": "差评整改按时率", "name_en": "Rectification on-time rate",
     "unit": "%", "direction": HIGHER, "target": 95.0, "warning": 85.0, "critical": 70.0,
     "source": "feedback"},
    {"code": "csat", "name": "顾客满意度 (CSAT)", "name_en": "Customer satisfaction (CSAT)", "unit": "%",
     "direction": HIGHER, "target": 90.0, "warning": 85.0, "critical": 75.0, "source": "surveys"},
    {"code": "nps", "name": "净推荐值 (NPS)", "name_en": "Net promoter score (NPS)", "unit": "",
     "direction": HIGHER, "target": 50.0, "warning": 30.0, "critical": 0.0, "source": "surveys"},
    # computed by a function another app registers (sqms.kpi.sources): the audits app's inspections
    {"code": "inspection_score", "name": "检查得分", "name_en": "Inspection score", "unit": "",
     "direction": HIGHER, "target": 90.0, "warning": 80.0, "critical": 60.0, "source": "registered"},
)  # fmt: skip
KPI_CODES = tuple(d["code"] for d in LIBRARY)
REGISTERED_CODES = frozenset(d["code"] for d in LIBRARY if d["source"] == "registered")


def empty_sums() -> dict[str, Any]:
    out: dict[str, Any] = dict.fromkeys((*COUNTERS, *EXTRA_SUMS), 0)
    out["response_hist"] = [0] * N_BUCKETS
    out["handling_hist"] = [0] * N_BUCKETS
    return out


def add_sums(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """Element-wise sum of two sum dictionaries (numbers added, histograms added bucket by bucket)."""
    out = dict(a)
    for key, value in b.items():
        if isinstance(value, list):
            base = out.get(key) or [0] * len(value)
            out[key] = [x + y for x, y in zip(base, value, strict=True)]
        else:
            out[key] = out.get(key, 0) + value
    return out


def kpi_value(code: str, sums: Mapping[str, Any]) -> float | None:
    """The KPI's value from summed counters; ``None`` when its denominator is zero."""
    if code in RATIOS:
        num, den, scale = RATIOS[code]
        d = sums.get(den) or 0
        return float(sums.get(num) or 0) / d * scale if d else None
    if code == "response_p90":
        p = percentile(list(sums.get("response_hist") or []), 0.9)
        return None if p is None else p / 60
    if code == "nps":
        n = sums.get("nps_n") or 0
        return 100.0 * (sums["nps_promoters"] - sums["nps_detractors"]) / n if n else None
    if registered_key(code) in sums:  # a registered source's figure (sqms.kpi.sources)
        value = sums[registered_key(code)]
        return None if value is None else float(value)
    if code in REGISTERED_CODES:
        return None
    raise KeyError(code)


def registered_key(code: str) -> str:
    """Where :func:`kpi_value` finds the figure of a KPI computed by a registered source."""
    return f"value:{code}"


def kpi_fraction(code: str, sums: Mapping[str, Any]) -> tuple[int, int] | None:
    """(numerator, denominator) counts when the KPI is a proportion (for a p chart), else ``None``."""
    if code in RATIOS and RATIOS[code][2] == 100.0:
        num, den, _scale = RATIOS[code]
        return int(sums.get(num) or 0), int(sums.get(den) or 0)
    return None


@dataclass(frozen=True)
class Thresholds:
    direction: str
    target: float
    warning: float
    critical: float


def better(value: float, bound: float, direction: str) -> bool:
    """Whether ``value`` meets ``bound`` in the KPI's direction (ties count as met)."""
    return value >= bound if direction == HIGHER else value <= bound


def rag(value: float | None, t: Thresholds) -> str:
    """Red/amber/green: green when the value meets the warning threshold, amber when it meets only the
    critical one, red otherwise; ``none`` without a value."""
    if value is None:
        return "none"
    if better(value, t.warning, t.direction):
        return "green"
    if better(value, t.critical, t.direction):
        return "amber"
    return "red"


# --- periods ----------------------------------------------------------------------------------------------

PERIOD_KINDS = ("day", "week", "month", "quarter", "year")


def period_key(kind: str, day: dt.date) -> str:
    if kind == "day":
        return day.isoformat()
    if kind == "week":
        year, week, _wd = day.isocalendar()
        return f"{year}-W{week:02d}"
    if kind == "month":
        return f"{day.year}-{day.month:02d}"
    if kind == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if kind == "year":
        return str(day.year)
    raise ValueError(f"unknown period kind {kind!r}")


def period_bounds(kind: str, key: str) -> tuple[dt.date, dt.date]:
    """First and last day of a period given by its key (2026-10-05, 2026-W41, 2026-10, 2026-Q4, 2026).
    Raises ValueError on a malformed key."""
    try:
        if kind == "day":
            d = dt.date.fromisoformat(key)
            return d, d
        if kind == "week":
            year, week = key.split("-W")
            start = dt.date.fromisocalendar(int(year), int(week), 1)
            return start, start + dt.timedelta(days=6)
        if kind == "month":
            y_text, m_text = key.split("-")
            y, m = int(y_text), int(m_text)
            start = dt.date(y, m, 1)
            nxt = dt.date(y + m // 12, m % 12 + 1, 1)
            return start, nxt - dt.timedelta(days=1)
        if kind == "quarter":
            year, q = key.split("-Q")
            qn = int(q)
            if not 1 <= qn <= 4:
                raise ValueError(key)
            start = dt.date(int(year), 3 * qn - 2, 1)
            end_month = 3 * qn
            nxt = dt.date(int(year) + end_month // 12, end_month % 12 + 1, 1)
            return start, nxt - dt.timedelta(days=1)
        if kind == "year":
            return dt.date(int(key), 1, 1), dt.date(int(key), 12, 31)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"bad {kind} period {key!r}") from exc
    raise ValueError(f"unknown period kind {kind!r}")


def periods_between(kind: str, since: dt.date, until: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """The periods of ``kind`` overlapping [since, until], oldest first, clipped to the range."""
    out: list[tuple[str, dt.date, dt.date]] = []
    day = since
    while day <= until:
        key = period_key(kind, day)
        start, end = period_bounds(kind, key)
        out.append((key, max(start, since), min(end, until)))
        day = end + dt.timedelta(days=1)
    return out


# --- control charts and alerts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartOut:
    kind: str
    values: list[float]
    center: float
    lcl: list[float]
    ucl: list[float]
    signals: list[dict[str, Any]]


def control_chart(values: list[float], fractions: list[tuple[int, int]] | None = None) -> ChartOut | None:
    """A p chart when every point is a proportion with counts, else an I-MR chart (its I chart), from
    :mod:`sqms.stats.spc`; ``None`` with fewer than 3 points or when the chart cannot be drawn."""
    from sqms.stats import StatsError, spc

    if len(values) < 3:
        return None
    try:
        if fractions is not None and all(d > 0 for _n, d in fractions):
            res = spc.p_chart([n for n, _d in fractions], [d for _n, d in fractions])
            scale = 100.0
        else:
            res = spc.imr(values)
            scale = 1.0
    except StatsError:
        return None
    chart = res.charts[0]
    return ChartOut(
        kind=res.kind,
        values=[float(v) * scale for v in chart.values],
        center=float(chart.center) * scale,
        lcl=[float(v) * scale for v in chart.lcl],
        ucl=[float(v) * scale for v in chart.ucl],
        signals=[s.to_dict() for s in chart.signals],
    )


def last_point_signals(chart: ChartOut | None) -> list[dict[str, Any]]:
    """The signals that involve the latest point (what an alert is raised for)."""
    if chart is None:
        return []
    last = len(chart.values) - 1
    return [s for s in chart.signals if last in s["points"]]


# --- quality objectives -----------------------------------------------------------------------------------

ON_TRACK = "on_track"
AT_RISK = "at_risk"
ACHIEVED = "achieved"
MISSED = "missed"
NO_DATA = "no_data"


def objective_progress(current: float | None, baseline: float, target: float) -> float | None:
    """Share (0–1) of the way from baseline to target reached by the current value."""
    if current is None:
        return None
    if target == baseline:
        return 1.0
    return min(max((current - baseline) / (target - baseline), 0.0), 1.0)


def objective_status(
    *,
    current: float | None,
    baseline: float,
    target: float,
    direction: str,
    start: dt.date,
    deadline: dt.date,
    today: dt.date,
) -> str:
    """achieved (target met), missed (deadline passed without it), on track (progress at least the share of
    time elapsed), at risk (behind schedule)."""
    if current is None:
        return MISSED if today > deadline else NO_DATA
    if better(current, target, direction):
        return ACHIEVED
    if today > deadline:
        return MISSED
    progress = objective_progress(current, baseline, target) or 0.0
    span = (deadline - start).days
    elapsed = 1.0 if span <= 0 else min(max((today - start).days / span, 0.0), 1.0)
    return ON_TRACK if progress >= elapsed else AT_RISK


# --- grouped sums (one query per source, folded here) -----------------------------------------------------
#
# Every KPI and evaluation read goes through a *grid*: the sums of every target unit's subtree × every
# period, built from rows already grouped in SQL by (source unit, grain) where grain is a day or a month.
# Folding units into their ancestors and grains into periods is two matrix products (numpy): exact integer
# sums, so a parent is always the ratio of summed numerators and denominators.

HIST_FIELDS = RESPONSE_COLUMNS + HANDLING_COLUMNS
GRID_FIELDS: tuple[str, ...] = (*COUNTERS, *HIST_FIELDS, *EXTRA_SUMS)
FIELD_INDEX = {name: i for i, name in enumerate(GRID_FIELDS)}
_RESP = slice(len(COUNTERS), len(COUNTERS) + N_BUCKETS)
_HAND = slice(len(COUNTERS) + N_BUCKETS, len(COUNTERS) + 2 * N_BUCKETS)

Period = tuple[str, dt.date, dt.date]  # key, first day, last day (inclusive)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def grain_for(periods: list[Period]) -> str:
    """``month`` when every period is made of whole months (cheaper to group), else ``day``."""
    for _key, start, end in periods:
        if start.day != 1 or (end + dt.timedelta(days=1)).day != 1:
            return "day"
    return "month"


def period_index(periods: list[Period], grains: list[dt.date]) -> list[int]:
    """The index of the period holding each grain (its first day), ``-1`` when outside every period."""
    starts = [p[1] for p in periods]
    out = []
    for g in grains:
        i = bisect.bisect_right(starts, g) - 1
        out.append(i if i >= 0 and g <= periods[i][2] else -1)
    return out


def subtree_matrix(targets: list[str], sources: list[str]) -> Any:
    """0/1 matrix (targets × source units): 1 when the source unit's path lies in the target's subtree
    (the empty target path ``""`` covers every unit)."""
    import numpy as np

    m = np.zeros((len(targets), len(sources)), dtype=np.float64)
    for i, t in enumerate(targets):
        for j, s in enumerate(sources):
            if s.startswith(t):
                m[i, j] = 1.0
    return m


def fold(
    row_paths: list[str],
    row_grains: list[dt.date],
    values: Any,
    targets: list[str],
    periods: list[Period],
) -> Any:
    """Fold rows (source unit path, grain day, vector) into an array targets × periods × width: each
    target gets the sum over the units of its subtree, each period the sum over its grains.

    A subtree is a contiguous run of the sorted source paths (every path starting with the target's), so
    each target is one slice sum — no matrix product (BLAS threads stall on a busy machine)."""
    import numpy as np

    values = np.asarray(values, dtype=np.float64)
    width = values.shape[1] if values.ndim == 2 else len(GRID_FIELDS)
    out = np.zeros((len(targets), len(periods), width), dtype=np.float64)
    if not row_paths or not targets or not periods:
        return out
    paths = sorted(set(row_paths))
    p_ix = {p: i for i, p in enumerate(paths)}
    grains = sorted(set(row_grains))
    g_ix = {g: i for i, g in enumerate(grains)}
    g_to_p = period_index(periods, grains)
    rows_p = np.fromiter((p_ix[p] for p in row_paths), dtype=np.int64, count=len(row_paths))
    rows_g = np.fromiter((g_to_p[g_ix[g]] for g in row_grains), dtype=np.int64, count=len(row_grains))
    keep = rows_g >= 0
    data = np.zeros((len(paths), len(periods), width), dtype=np.float64)
    np.add.at(data, (rows_p[keep], rows_g[keep]), values[keep])
    for ti, target in enumerate(targets):
        lo = bisect.bisect_left(paths, target)
        hi = bisect.bisect_left(paths, target + "\uffff") if target else len(paths)
        if hi - lo == 1:
            out[ti] = data[lo]
        elif hi > lo:
            out[ti] = data[lo:hi].sum(axis=0)
    return out


def sums_of(vec: Any) -> dict[str, Any]:
    """The sums dictionary (as :func:`empty_sums`) of one grid cell (float64 holds these integer sums
    exactly)."""
    values = vec.tolist()
    out: dict[str, Any] = {name: int(values[i]) for i, name in _SCALAR_FIELDS}
    out["response_hist"] = [int(x) for x in values[_RESP]]
    out["handling_hist"] = [int(x) for x in values[_HAND]]
    return out


_SCALAR_FIELDS = tuple((FIELD_INDEX[name], name) for name in (*COUNTERS, *EXTRA_SUMS))


# --- vectorised KPI values (arrays of grid cells) ---------------------------------------------------------


def percentile_array(hists: Any, q: float) -> Any:
    """:func:`percentile` of every histogram in ``hists`` (… × N_BUCKETS, integer counts), NaN when empty:
    the same interpolation with the same floating-point operations."""
    import numpy as np

    h = np.asarray(hists, dtype=np.float64)
    total = h.sum(axis=-1)
    q = min(max(q, 0.0), 1.0)
    rank = q * total
    cum_after = np.cumsum(h, axis=-1)
    # the first bucket with a positive count whose cumulative count reaches the rank
    reach = (h > 0) & (cum_after >= rank[..., None])
    i = np.argmax(reach, axis=-1)
    count = np.take_along_axis(h, i[..., None], axis=-1)[..., 0]
    cum = np.take_along_axis(cum_after, i[..., None], axis=-1)[..., 0] - count
    edges = np.asarray(BUCKET_EDGES, dtype=np.float64)
    lo = edges[i]
    hi = edges[np.minimum(i + 1, N_BUCKETS - 1)]
    with np.errstate(invalid="ignore", divide="ignore"):
        inner = lo + (hi - lo) * np.maximum(rank - cum, 0.0) / count
    out = np.where(i + 1 >= N_BUCKETS, lo, inner)
    return np.where(total > 0, out, np.nan)


def kpi_values(code: str, data: Any) -> Any | None:
    """:func:`kpi_value` of every grid cell of ``data`` (… × len(GRID_FIELDS)), NaN where it has none;
    ``None`` for KPIs a registered source computes (read them from the grid's registered figures)."""
    import numpy as np

    x = np.asarray(data, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        if code in RATIOS:
            num, den, scale = RATIOS[code]
            d = x[..., FIELD_INDEX[den]]
            return np.where(d != 0, x[..., FIELD_INDEX[num]] / np.where(d != 0, d, 1.0) * scale, np.nan)
        if code == "response_p90":
            return percentile_array(x[..., _RESP], 0.9) / 60
        if code == "nps":
            n = x[..., FIELD_INDEX["nps_n"]]
            diff = x[..., FIELD_INDEX["nps_promoters"]] - x[..., FIELD_INDEX["nps_detractors"]]
            return np.where(n != 0, 100.0 * diff / np.where(n != 0, n, 1.0), np.nan)
    if code in REGISTERED_CODES:
        return None
    raise KeyError(code)
