"""Masking of personal data (phone, e-mail, ID number) for roles without "view personal data"."""

from __future__ import annotations

from typing import Any

PERSONAL_DATA_PERM = "org.view_personal_data"


def can_see_personal(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_perm(PERSONAL_DATA_PERM))


def mask(value: Any) -> str:
    """138****5678 for phones, z***@example.com for e-mail, 3301**********1234 for ID numbers."""
    if value in (None, ""):
        return ""
    text = str(value)
    if "@" in text:
        name, _, domain = text.partition("@")
        return f"{name[:1]}***@{domain}"
    if len(text) >= 15:  # resident ID numbers
        return text[:4] + "*" * (len(text) - 8) + text[-4:]
    if len(text) >= 7:
        return text[:3] + "*" * (len(text) - 7) + text[-4:] if len(text) > 7 else text[:3] + "****"
    return text[:1] + "*" * (len(text) - 1)


def masked_value(user: Any, value: Any) -> Any:
    return value if can_see_personal(user) else mask(value)
