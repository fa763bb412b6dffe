"""Pure redaction of personal data in free text (no Django): phone numbers, e-mail addresses and
resident ID numbers by pattern, plus any literal values known to belong to the data subject."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

PHONE_MARK = "[phone]"
EMAIL_MARK = "[e-mail]"
ID_MARK = "[ID number]"
NAME_MARK = "[name]"

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
# 18-digit resident ID (last may be X) and the old 15-digit form
ID_RE = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
# mainland mobiles (optionally +86, with spaces/dashes), landlines with area code
PHONE_RE = re.compile(
    r"(?<![\d])(?:(?:\+|00)?86[\s\-]?)?1[3-9]\d(?:[\s\-]?\d{4}){2}(?!\d)"
    r"|(?<![\d])0\d{2,3}[\s\-]?\d{7,8}(?!\d)"
)


def stub_name(pk: Any) -> str:
    return f"Anonymised customer #{pk}"


def known_values(name: str, phone: str, email: str, id_number: str) -> dict[str, str]:
    """The data subject's own values and the placeholder each is replaced by."""
    pairs = [(id_number, ID_MARK), (email, EMAIL_MARK), (phone, PHONE_MARK), (name, NAME_MARK)]
    return {v.strip(): mark for v, mark in pairs if v and len(v.strip()) >= 2}


def redact(text: str, known: Mapping[str, str] | None = None) -> str:
    """``text`` with the ``known`` values (value → placeholder), e-mail addresses, ID numbers and phone
    numbers replaced."""
    if not text:
        return text
    out = text
    for value in sorted(known or {}, key=len, reverse=True):
        out = re.sub(re.escape(value), (known or {})[value], out, flags=re.IGNORECASE)
    out = EMAIL_RE.sub(EMAIL_MARK, out)
    out = ID_RE.sub(ID_MARK, out)
    out = PHONE_RE.sub(PHONE_MARK, out)
    return out


def redact_json(value: Any, known: Mapping[str, str] | None = None) -> Any:
    """Every string inside a JSON value redacted (keys kept, numbers and booleans untouched)."""
    if isinstance(value, str):
        return redact(value, known)
    if isinstance(value, list):
        return [redact_json(v, known) for v in value]
    if isinstance(value, dict):
        return {k: redact_json(v, known) for k, v in value.items()}
    return value


def contains_any(text: str, values: Iterable[str]) -> bool:
    low = text.lower()
    return any(v and v.lower() in low for v in values)


def id_list(ids: Iterable[Any]) -> str:
    """ ",1,2,3," — a list of ids searchable for one id with a plain contains lookup."""
    items = [str(i) for i in ids if i is not None and str(i) != ""]
    return f",{','.join(dict.fromkeys(items))}," if items else ""
