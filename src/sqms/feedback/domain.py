"""Pure rules of the feedback workflow (no Django): the state machine, keyword suggestions, escalation
steps, bot signatures and message rate limiting."""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: action -> (statuses it may start from, status it leads to). ``None`` target = status unchanged.
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "accept": (frozenset({"new"}), "accepted"),
    "start": (frozenset({"accepted"}), "in_progress"),
    "wait": (frozenset({"accepted", "in_progress"}), "waiting_customer"),
    "resume": (frozenset({"waiting_customer"}), "in_progress"),
    "resolve": (frozenset({"accepted", "in_progress", "waiting_customer"}), "resolved"),
    "confirm": (frozenset({"resolved"}), "confirmed"),
    "close": (frozenset({"resolved", "confirmed"}), "closed"),
    "reopen": (frozenset({"resolved", "confirmed", "closed"}), "in_progress"),
    "transfer": (frozenset({"new", "accepted", "in_progress", "waiting_customer"}), "new"),
    "merge": (frozenset({"new", "accepted", "in_progress", "waiting_customer"}), "closed"),
}

OPEN = frozenset({"new", "accepted", "in_progress", "waiting_customer"})


def allowed_actions(status: str) -> list[str]:
    """Actions allowed from ``status``, in the order the UI shows them."""
    return [a for a, (sources, _t) in TRANSITIONS.items() if status in sources]


def next_status(action: str, status: str) -> str | None:
    """The status after ``action`` from ``status``, or None when the transition is illegal."""
    spec = TRANSITIONS.get(action)
    if spec is None or status not in spec[0]:
        return None
    return spec[1]


@dataclass(frozen=True)
class Rule:
    words: tuple[str, ...]
    category_id: int | None
    priority: str


def suggest(text: str, rules: Iterable[Rule]) -> tuple[int | None, str]:
    """First matching rule's category and first matching rule's priority (each may come from another rule)."""
    low = (text or "").lower()
    category: int | None = None
    priority = ""
    for rule in rules:
        if any(w.lower() in low for w in rule.words if w):
            if category is None and rule.category_id:
                category = rule.category_id
            if not priority and rule.priority:
                priority = rule.priority
        if category is not None and priority:
            break
    return category, priority


#: Escalation ladder: (percent of the budget used, who is told).
LADDER: tuple[tuple[int, str], ...] = ((50, "assignee"), (75, "unit_manager"), (100, "quality_manager"))


def steps_reached(
    elapsed: int, budget: int, ladder: Sequence[tuple[int, str]] = LADDER
) -> list[tuple[int, str]]:
    """Ladder steps whose threshold the used time has reached."""
    if budget <= 0:
        return list(ladder)
    return [(pct, who) for pct, who in ladder if elapsed * 100 >= pct * budget]


# --- bot signatures ------------------------------------------------------------------------------------


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk: base64(HMAC-SHA256(key=secret, msg="timestamp\\nsecret")), URL-encoded."""
    msg = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), msg, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode())


def dingtalk_url(url: str, secret: str, timestamp_ms: int) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu: base64(HMAC-SHA256(key="timestamp\\nsecret", msg=b""))."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def bot_payload(kind: str, title: str, text: str) -> dict[str, object]:
    """The JSON body of a markdown (or text, for Feishu) message."""
    if kind == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": f"**{title}**\n{text}"}}
    if kind == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": title, "text": f"### {title}\n{text}"}}
    return {"msg_type": "text", "content": {"text": f"{title}\n{text}"}}


def digest_text(items: Sequence[tuple[str, str]], limit: int = 50) -> str:
    """Merge several messages into one markdown list."""
    lines = [f"- **{t}** {x.splitlines()[0] if x else ''}" for t, x in items[:limit]]
    if len(items) > limit:
        lines.append(f"- … (+{len(items) - limit})")
    return "\n".join(lines)


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default), without numpy."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)
