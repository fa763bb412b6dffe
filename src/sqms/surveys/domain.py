"""Pure survey logic (no Django): questionnaire definitions, answer validation, conditional display,
packing answers into numeric rows, the cleaning rules, and sample sizes for random sampling.

A *definition* is the frozen JSON of a survey version::

    {"code", "title", "title_en", "intro", "intro_en",
     "dimensions": [{"code", "name", "name_en"}],
     "sections": [{"title", "title_en", "questions": [question, ...]}]}

where a question is ``{"code", "type", "text", "text_en", "help", "required", "scale_points", "options",
"rows", "min", "max", "dimension", "reverse", "part", "pair", "show_if", "randomize", "attention",
"attention_answer"}``. Numeric *items* are the columns of the analysis matrix: one per Likert, NPS,
star, numeric-coded single choice and number question, and one per matrix row (``<question>_<row>``).
"""

from __future__ import annotations

import math
import random
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

NUMERIC_TYPES = {"likert", "nps", "stars", "single", "number", "matrix"}
SCALE_TYPES = {"likert", "stars", "matrix"}  # items that count for straight-lining

LIKERT5_ZH = ["非常不满意", "不满意", "一般", "满意", "非常满意"]
LIKERT5_EN = ["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"]
LIKERT7_ZH = ["非常不满意", "不满意", "比较不满意", "一般", "比较满意", "满意", "非常满意"]
LIKERT7_EN = [
    "Very dissatisfied",
    "Dissatisfied",
    "Somewhat dissatisfied",
    "Neutral",
    "Somewhat satisfied",
    "Satisfied",
    "Very satisfied",
]


def likert_options(points: int = 5) -> list[dict[str, Any]]:
    """Default labelled options of a Likert scale (5 or 7 points; other sizes get numbers only)."""
    zh, en = {5: (LIKERT5_ZH, LIKERT5_EN), 7: (LIKERT7_ZH, LIKERT7_EN)}.get(points, ([], []))
    return [
        {"value": i + 1, "label": zh[i] if zh else str(i + 1), "label_en": en[i] if en else str(i + 1)}
        for i in range(points)
    ]


def questions(definition: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [q for s in definition.get("sections", []) for q in s.get("questions", [])]


def options_of(q: Mapping[str, Any]) -> list[dict[str, Any]]:
    if q.get("options"):
        return list(q["options"])
    if q["type"] in ("likert", "matrix"):
        return likert_options(int(q.get("scale_points") or 5))
    if q["type"] == "nps":
        return [{"value": i, "label": str(i), "label_en": str(i)} for i in range(11)]
    if q["type"] == "stars":
        return [
            {"value": i, "label": "★" * i, "label_en": "★" * i}
            for i in range(1, int(q.get("scale_points") or 5) + 1)
        ]
    return []


def _numeric_options(q: Mapping[str, Any]) -> bool:
    return all(
        isinstance(o.get("value"), int | float) and not isinstance(o.get("value"), bool)
        for o in options_of(q)
    )


def bounds(q: Mapping[str, Any]) -> tuple[float, float]:
    if q["type"] == "number":
        lo = q.get("min")
        hi = q.get("max")
        return (-math.inf if lo is None else float(lo), math.inf if hi is None else float(hi))
    values = [float(o["value"]) for o in options_of(q)]
    return (min(values), max(values)) if values else (-math.inf, math.inf)


def items(definition: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The numeric items (analysis columns) of a definition, in questionnaire order."""
    out: list[dict[str, Any]] = []
    for q in questions(definition):
        if q["type"] not in NUMERIC_TYPES or (q["type"] == "single" and not _numeric_options(q)):
            continue
        lo, hi = bounds(q)
        base = {
            "question": q["code"],
            "type": q["type"],
            "dimension": q.get("dimension") or "",
            "reverse": bool(q.get("reverse")),
            "part": q.get("part") or "",
            "pair": q.get("pair") or "",
            "min": None if math.isinf(lo) else lo,
            "max": None if math.isinf(hi) else hi,
            "core": bool(q.get("required")) and not q.get("show_if"),
            "attention": bool(q.get("attention")),
        }
        if q["type"] == "matrix":
            for row in q.get("rows", []):
                out.append(
                    {
                        **base,
                        "code": f"{q['code']}_{row['code']}",
                        "text": row.get("text", ""),
                        "text_en": row.get("text_en", ""),
                        "dimension": row.get("dimension") or base["dimension"],
                    }
                )
        else:
            out.append(
                {**base, "code": q["code"], "text": q.get("text", ""), "text_en": q.get("text_en", "")}
            )
    return out


def is_visible(q: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    cond = q.get("show_if") or {}
    if not cond or not cond.get("question"):
        return True
    given = answers.get(cond["question"])
    wanted = {str(v) for v in cond.get("in", [])}
    if isinstance(given, list):
        return any(str(v) in wanted for v in given)
    return given is not None and str(given) in wanted


@dataclass
class Checked:
    answers: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _coerce_option(q: Mapping[str, Any], text: str, *, labels: bool) -> Any:
    """Turn a submitted value (a code, or with ``labels`` also an option's text) into the option value."""
    opts = options_of(q)
    for o in opts:
        if str(o["value"]) == text:
            return o["value"]
    if labels:
        for o in opts:
            if text in (str(o.get("label", "")), str(o.get("label_en", ""))):
                return o["value"]
        try:
            number = float(text)
        except ValueError:
            number = None
        if number is not None:
            for o in opts:
                if isinstance(o["value"], int | float) and float(o["value"]) == number:
                    return o["value"]
    raise ValueError(text)


def check_answers(
    definition: Mapping[str, Any],
    raw: Mapping[str, Sequence[str]],
    *,
    messages: Mapping[str, str],
    labels: bool = False,
    partial: bool = False,
) -> Checked:
    """Validate submitted values (``{field: [values]}``; a matrix row's field is ``<question>_<row>``).

    Hidden questions (conditional display) are ignored; with ``partial`` missing required answers are no
    error (save and resume). ``messages`` supplies the translated texts: required, choice, number, range,
    too_long. ``labels`` also accepts option texts (imports).
    """
    out = Checked()

    def first(name: str) -> str:
        values = raw.get(name) or []
        return str(values[0]).strip() if values else ""

    for q in questions(definition):
        code = q["code"]
        if not is_visible(q, out.answers):
            continue
        t = q["type"]
        required = bool(q.get("required")) and not partial
        if t == "matrix":
            missing = False
            for row in q.get("rows", []):
                name = f"{code}_{row['code']}"
                text = first(name)
                if not text:
                    missing = True
                    continue
                try:
                    out.answers[name] = _coerce_option(q, text, labels=labels)
                except ValueError:
                    out.errors[name] = messages["choice"]
            if missing and required and code not in out.errors:
                out.errors[code] = messages["required"]
            continue
        if t == "multiple":
            values = [str(v).strip() for v in (raw.get(code) or []) if str(v).strip()]
            if labels and len(values) == 1 and ("┋" in values[0] or "|" in values[0]):
                values = [v.strip() for v in values[0].replace("┋", "|").split("|") if v.strip()]
            if not values:
                if required:
                    out.errors[code] = messages["required"]
                continue
            try:
                out.answers[code] = [_coerce_option(q, v, labels=labels) for v in values]
            except ValueError:
                out.errors[code] = messages["choice"]
            continue
        text = first(code)
        if not text:
            if required:
                out.errors[code] = messages["required"]
            continue
        if t in ("short_text", "long_text"):
            limit = 200 if t == "short_text" else 5000
            if len(text) > limit:
                out.errors[code] = messages["too_long"]
            else:
                out.answers[code] = text
            continue
        if t == "number":
            try:
                number = float(text)
                if not math.isfinite(number):
                    raise ValueError(text)
            except ValueError:
                out.errors[code] = messages["number"]
                continue
            lo, hi = bounds(q)
            if not lo <= number <= hi:
                out.errors[code] = messages["range"]
                continue
            out.answers[code] = int(number) if number.is_integer() else number
            continue
        try:
            out.answers[code] = _coerce_option(q, text, labels=labels)
        except ValueError:
            out.errors[code] = messages["choice"]
    return out


PACK_INT8, PACK_F4, PACK_F8 = 1, 2, 3  # the format byte that starts a packed row
INT8_MISSING = -128


def pack_row(row: np.ndarray) -> bytes:
    """One row of floats (NaN = missing) as the most compact exact layout: the format byte, then int8
    codes (-128 = missing) when every value is an integer in [-127, 127], else float32 when every value
    survives the round trip, else float64; all little-endian."""
    row = np.asarray(row, dtype=np.float64)
    ok = ~np.isnan(row)
    vals = row[ok]
    if not len(vals) or (np.all(vals == np.rint(vals)) and np.all(np.abs(vals) <= 127)):
        codes = np.full(len(row), INT8_MISSING, dtype=np.int8)
        codes[ok] = vals.astype(np.int8)
        return bytes((PACK_INT8,)) + codes.tobytes()
    as32 = row.astype("<f4")
    if np.array_equal(as32.astype(np.float64), row, equal_nan=True):
        return bytes((PACK_F4,)) + as32.tobytes()
    return bytes((PACK_F8,)) + row.astype("<f8").tobytes()


def pack(item_list: Sequence[Mapping[str, Any]], answers: Mapping[str, Any]) -> bytes:
    """The numeric items of ``answers`` in the order of ``item_list``, packed by :func:`pack_row`."""
    row = np.full(len(item_list), np.nan, dtype=np.float64)
    for i, it in enumerate(item_list):
        v = answers.get(it["code"])
        if isinstance(v, int | float) and not isinstance(v, bool):
            row[i] = float(v)
    return pack_row(row)


def unpack_row(data: bytes | memoryview | None, k: int) -> np.ndarray:
    """One packed row back to k floats (NaN = missing). Reads every layout: int8 / float32 / float64
    with their format byte, and the legacy headerless float64 rows; empty or missing data = all NaN."""
    raw = bytes(data) if data is not None else b""
    if raw and len(raw) == k + 1 and raw[0] == PACK_INT8:
        codes = np.frombuffer(raw, dtype=np.int8, offset=1)
        out = codes.astype(np.float64)
        out[codes == INT8_MISSING] = np.nan
        return out
    if raw and len(raw) == 4 * k + 1 and raw[0] == PACK_F4:
        return np.frombuffer(raw, dtype="<f4", offset=1).astype(np.float64)
    if raw and len(raw) == 8 * k + 1 and raw[0] == PACK_F8:
        return np.frombuffer(raw, dtype="<f8", offset=1).astype(np.float64)
    if len(raw) == 8 * k:  # before the compact layout: headerless float64
        return np.frombuffer(raw, dtype="<f8").astype(np.float64)
    if not raw:
        return np.full(k, np.nan)
    raise ValueError(f"a packed row of {len(raw)} bytes does not fit {k} items")


def unpack(rows: Iterable[bytes | memoryview | None], k: int) -> np.ndarray:
    """Stack packed rows into an n × k float64 matrix (NaN = missing). When every row is int8 (the usual
    case: scale answers), this is one ``frombuffer`` over the joined bytes and one conversion."""
    parts = [b"" if r is None else r if isinstance(r, bytes) else bytes(r) for r in rows]
    n = len(parts)
    if k == 0:
        return np.zeros((n, 0))
    buf = b"".join(parts)
    if n and len(buf) == n * (k + 1) and all(len(p) == k + 1 for p in parts):
        block = np.frombuffer(buf, dtype=np.int8).reshape(n, k + 1)
        if np.all(block[:, 0] == PACK_INT8):
            codes = block[:, 1:]
            out = codes.astype(np.float64)
            out[codes == INT8_MISSING] = np.nan
            return out
    if len(buf) == n * 8 * k and all(len(p) == 8 * k for p in parts):  # legacy float64 rows
        return np.frombuffer(buf, dtype="<f8").reshape(n, k).astype(np.float64)
    out = np.empty((n, k), dtype=np.float64)
    for i, p in enumerate(parts):
        out[i] = unpack_row(p, k)
    return out


def score(matrix: np.ndarray, item_list: Sequence[Mapping[str, Any]]) -> np.ndarray:
    """Reverse-scored items flipped (x → min + max − x) for analysis."""
    out = np.array(matrix, dtype=float, copy=True)
    for j, it in enumerate(item_list):
        if it.get("reverse") and it.get("min") is not None and it.get("max") is not None:
            out[:, j] = it["min"] + it["max"] - out[:, j]
    return out


# --- cleaning --------------------------------------------------------------------------------------------

DEFAULT_CLEANING: dict[str, Any] = {
    "incomplete_max_missing": 0.2,  # share of core items left empty
    "straightline_min_items": 8,  # identical answers across at least this many scale items
    "speed_fraction": 1 / 3,  # faster than this share of the median duration
    "speed_floor_s": 0,  # or faster than this many seconds
    "duplicate_window_min": 30,  # same IP + device within this many minutes
    "attention": True,
    "out_of_range": True,
}


@dataclass
class CleaningInput:
    matrix: np.ndarray  # raw values, n × k
    items: Sequence[Mapping[str, Any]]
    durations: Sequence[float | None]
    submitted: Sequence[float]  # POSIX seconds
    ip_device: Sequence[str]  # "" when unknown
    respondent: Sequence[str]  # token key or imported respondent id, "" when unknown
    attention: Sequence[bool | None]  # passed the attention check? None when there is none


def clean(data: CleaningInput, config: Mapping[str, Any] | None = None) -> list[list[dict[str, str]]]:
    """Flags per response: ``[{"rule", "detail"}]``. Pure; the caller translates the rule names."""
    cfg = {**DEFAULT_CLEANING, **(config or {})}
    n = data.matrix.shape[0]
    flags: list[list[dict[str, str]]] = [[] for _ in range(n)]
    x = data.matrix
    core = [j for j, it in enumerate(data.items) if it.get("core")]
    if core and n:
        missing = np.isnan(x[:, core]).mean(axis=1)
        for i in np.nonzero(missing > cfg["incomplete_max_missing"])[0]:
            flags[i].append({"rule": "incomplete", "detail": f"{missing[i]:.0%}"})
    scale = [j for j, it in enumerate(data.items) if it["type"] in SCALE_TYPES and not it.get("attention")]
    min_items = int(cfg["straightline_min_items"])
    if len(scale) >= min_items and n:
        sub = x[:, scale]
        answered = (~np.isnan(sub)).sum(axis=1)
        lo = np.nanmin(np.where(np.isnan(sub), np.inf, sub), axis=1)
        hi = np.nanmax(np.where(np.isnan(sub), -np.inf, sub), axis=1)
        for i in np.nonzero((answered >= min_items) & (lo == hi))[0]:
            flags[i].append({"rule": "straightlining", "detail": f"{int(answered[i])} × {lo[i]:g}"})
    known = [d for d in data.durations if d is not None and d > 0]
    if known:
        limit = max(statistics.median(known) * float(cfg["speed_fraction"]), float(cfg["speed_floor_s"]))
        for i, d in enumerate(data.durations):
            if d is not None and d < limit:
                flags[i].append({"rule": "too_fast", "detail": f"{d:.0f} s < {limit:.0f} s"})
    if cfg["out_of_range"] and n:
        for j, it in enumerate(data.items):
            col = x[:, j]
            bad = np.zeros(n, dtype=bool)
            if it.get("min") is not None:
                bad |= col < it["min"]
            if it.get("max") is not None:
                bad |= col > it["max"]
            for i in np.nonzero(bad)[0]:
                flags[i].append({"rule": "out_of_range", "detail": f"{it['code']}={col[i]:g}"})
    seen: dict[str, int] = {}
    for i in sorted(range(n), key=lambda i: data.submitted[i]):
        key = data.respondent[i]
        if key:
            if key in seen:
                flags[i].append({"rule": "duplicate", "detail": f"token {key[:8]}"})
            else:
                seen[key] = i
    window = float(cfg["duplicate_window_min"]) * 60
    last: dict[str, float] = {}
    for i in sorted(range(n), key=lambda i: data.submitted[i]):
        key = data.ip_device[i]
        if not key:
            continue
        t = data.submitted[i]
        if key in last and t - last[key] <= window and not any(f["rule"] == "duplicate" for f in flags[i]):
            flags[i].append({"rule": "duplicate", "detail": "ip+device"})
        last[key] = t
    if cfg["attention"]:
        for i, ok in enumerate(data.attention):
            if ok is False:
                flags[i].append({"rule": "attention", "detail": ""})
    return flags


def included(flags: Sequence[Mapping[str, str]], override: str) -> bool:
    if override == "include":
        return True
    if override == "exclude":
        return False
    return not flags


# --- sampling ----------------------------------------------------------------------------------------------

Z = {0.90: 1.6448536269514722, 0.95: 1.959963984540054, 0.99: 2.5758293035489004}


def z_value(confidence: float) -> float:
    if confidence in Z:
        return Z[confidence]
    from statistics import NormalDist

    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def sample_size(population: int, *, margin: float = 0.05, confidence: float = 0.95, p: float = 0.5) -> int:
    """Cochran's n₀ = z²·p(1−p)/e² with the finite-population correction n = n₀ / (1 + (n₀ − 1)/N)."""
    if population <= 0:
        return 0
    if not 0 < margin < 1 or not 0 < confidence < 1 or not 0 < p < 1:
        raise ValueError("margin, confidence and p must be between 0 and 1")
    z = z_value(confidence)
    n0 = z * z * p * (1 - p) / (margin * margin)
    n = n0 / (1 + (n0 - 1) / population)
    return min(population, math.ceil(n - 1e-9))


def allocate(total: int, strata: Mapping[str, int]) -> dict[str, int]:
    """Proportional allocation by largest remainders, never above a stratum's size."""
    pop = sum(strata.values())
    if pop == 0 or total <= 0:
        return dict.fromkeys(strata, 0)
    total = min(total, pop)
    exact = {k: total * v / pop for k, v in strata.items()}
    alloc = {k: min(strata[k], math.floor(e)) for k, e in exact.items()}
    order = sorted(strata, key=lambda k: (-(exact[k] - math.floor(exact[k])), k))
    left = total - sum(alloc.values())
    while left > 0:
        progressed = False
        for k in order:
            if left and alloc[k] < strata[k]:
                alloc[k] += 1
                left -= 1
                progressed = True
        if not progressed:
            break
    return alloc


def draw(strata: Mapping[str, Sequence[int]], alloc: Mapping[str, int], seed: int) -> dict[str, list[int]]:
    """A reproducible simple random sample of ids within each stratum (ids sorted first)."""
    rng = random.Random(seed)
    return {k: sorted(rng.sample(sorted(strata[k]), alloc.get(k, 0))) for k in sorted(strata)}


# --- summaries --------------------------------------------------------------------------------------------


def nps(values: np.ndarray) -> dict[str, float] | None:
    v = values[~np.isnan(values)]
    if not len(v):
        return None
    promoters = float((v >= 9).mean())
    detractors = float((v <= 6).mean())
    return {
        "n": len(v),
        "promoters": promoters,
        "passives": 1 - promoters - detractors,
        "detractors": detractors,
        "nps": 100 * (promoters - detractors),
    }


def top_box(values: np.ndarray, hi: float, boxes: int = 2) -> dict[str, float] | None:
    v = values[~np.isnan(values)]
    if not len(v):
        return None
    return {"n": len(v), "share": float((v > hi - boxes).mean())}


ROLLUP_FIELDS = ("csat_n", "csat_top", "nps_n", "nps_promoters", "nps_detractors")


def csat_nps_items(item_list: Sequence[Mapping[str, Any]]) -> tuple[list[int], list[int]]:
    """Columns counted for CSAT (Likert items without a dimension — the overall satisfaction questions —
    that are not attention checks) and for NPS (the 0-10 items)."""
    csat = [
        j
        for j, it in enumerate(item_list)
        if it.get("type") == "likert"
        and not it.get("dimension")
        and not it.get("attention")
        and it.get("max")
    ]
    nps_cols = [j for j, it in enumerate(item_list) if it.get("type") == "nps"]
    return csat, nps_cols


def rollup_counts(matrix: np.ndarray, item_list: Sequence[Mapping[str, Any]]) -> np.ndarray:
    """n × 5 integer counts per response, in the order of ``ROLLUP_FIELDS``: CSAT answers, of which in
    the top two boxes (> max − 2), NPS answers, promoters (>= 9), detractors (<= 6)."""
    csat, nps_cols = csat_nps_items(item_list)
    out = np.zeros((matrix.shape[0], len(ROLLUP_FIELDS)), dtype=np.int64)
    for j in csat:
        col = matrix[:, j]
        ok = ~np.isnan(col)
        out[:, 0] += ok
        out[:, 1] += ok & (np.nan_to_num(col, nan=-1e9) > float(item_list[j]["max"]) - 2)
    for j in nps_cols:
        col = matrix[:, j]
        ok = ~np.isnan(col)
        out[:, 2] += ok
        out[:, 3] += ok & (np.nan_to_num(col, nan=-1e9) >= 9)
        out[:, 4] += ok & (np.nan_to_num(col, nan=1e9) <= 6)
    return out


def rollup_figures(counts: Mapping[str, int]) -> dict[str, float | None]:
    """CSAT (% of CSAT answers in the top two boxes) and NPS (% promoters − % detractors) from summed
    counts; ``None`` without answers."""
    csat_n, nps_n = counts.get("csat_n", 0), counts.get("nps_n", 0)
    return {
        "csat": 100.0 * counts.get("csat_top", 0) / csat_n if csat_n else None,
        "nps": 100.0 * (counts.get("nps_promoters", 0) - counts.get("nps_detractors", 0)) / nps_n
        if nps_n
        else None,
    }


def alpha_level(alpha: float) -> str:
    """George & Mallery's rule of thumb: excellent / good / acceptable / questionable / poor / unacceptable."""
    for limit, word in (
        (0.9, "excellent"),
        (0.8, "good"),
        (0.7, "acceptable"),
        (0.6, "questionable"),
        (0.5, "poor"),
    ):
        if alpha >= limit:
            return word
    return "unacceptable"


def group_counts(keys: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for k in keys:
        out[k] += 1
    return dict(sorted(out.items()))


# --- data push from an external survey tool ----------------------------------------------------------------

PUSH_MAX_SKEW_S = 300


def hmac_signature(secret: str, timestamp: str, body: bytes) -> str:
    """``hex(HMAC-SHA256(secret, timestamp + "." + body))`` (the ``X-SQMS-Signature`` scheme)."""
    import hashlib
    import hmac

    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def sha1_fields_signature(secret: str, payload: Mapping[str, Any], fields: Sequence[str]) -> str:
    """``hex(SHA1(str(payload[f1]) + str(payload[f2]) + … + secret))``: the scheme of survey platforms that
    sign a push by concatenating configured fields and the shared secret."""
    import hashlib

    text = "".join("" if payload.get(f) is None else str(payload.get(f)) for f in fields) + secret
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def push_signature_ok(
    *,
    scheme: str,
    secret: str,
    body: bytes,
    payload: Mapping[str, Any],
    header_signature: str,
    header_timestamp: str,
    fields: Sequence[str],
    now: float,
) -> str:
    """ "" when the signature is valid, else the reason ("missing", "stale", "mismatch").

    Comparisons are constant-time. The HMAC scheme signs a timestamp too and rejects one more than
    ``PUSH_MAX_SKEW_S`` seconds away from ``now`` (a replayed request); the SHA-1 scheme has no timestamp,
    so replays are stopped by the response id (duplicates are ignored)."""
    import hmac

    if not secret:
        return "missing"
    if scheme == "sha1-fields":
        given = str(payload.get("sign", "")).lower()
        if not given or not fields:
            return "missing"
        expected = sha1_fields_signature(secret, payload, fields)
    else:
        given = header_signature.removeprefix("sha256=").lower()
        if not given or not header_timestamp:
            return "missing"
        try:
            ts = float(header_timestamp)
        except ValueError:
            return "stale"
        if abs(now - ts) > PUSH_MAX_SKEW_S:
            return "stale"
        expected = hmac_signature(secret, header_timestamp, body)
    return "" if hmac.compare_digest(given, expected) else "mismatch"


def push_raw_answers(answers: Mapping[str, Any]) -> dict[str, list[str]]:
    """JSON answers ``{code: value | [values]}`` as the form-like mapping ``check_answers`` takes."""
    raw: dict[str, list[str]] = {}
    for key, value in answers.items():
        if value is None:
            continue
        values = value if isinstance(value, list) else [value]
        raw[str(key)] = [str(v) for v in values if v is not None and v != ""]
    return raw
