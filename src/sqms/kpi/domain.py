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
