"""Home dashboard: apps register cards (a title and a callable returning figures for the user's scope)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass
class Card:
    key: str
    order: int
    # build(request) → {"title", "figures": [{"label", "value", "url"}], "note"?, "link"?: {"label", "url"}}
    build: Callable[[HttpRequest], dict[str, Any] | None]


CARDS: dict[str, Card] = {}


def register_card(card: Card) -> None:
    CARDS[card.key] = card


def dashboard_callback(request: HttpRequest, context: dict[str, Any]) -> dict[str, Any]:
    cards = []
    for card in sorted(CARDS.values(), key=lambda c: c.order):
        data = card.build(request)
        if data:
            cards.append(data)
    context["sqms_cards"] = cards
    from sqms.core.selectors import recent_activity

    context["sqms_recent"] = recent_activity(request.user, limit=12)
    return context
