"""Why a statistic could not be computed, in the user's language.

:class:`sqms.stats.StatsError` carries a ``code`` and ``params`` (``sqms.stats`` stays free of Django and
of translations); this module turns them into a sentence through this app's catalogue. An error without
a known code keeps the library's English message (in both languages).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from sqms.stats import StatsError


def _names(items: Any) -> str:
    return ", ".join(str(i) for i in items or [])


MESSAGES: dict[str, Callable[[dict[str, Any]], str]] = {
    "constant_items": lambda p: (
        _("item(s) with the same answer from everyone: %(items)s") % {"items": _names(p.get("items"))}
    ),
    "all_missing": lambda p: _("item(s) nobody answered: %(items)s") % {"items": _names(p.get("items"))},
    "too_few_complete": lambda p: (
        _("only %(n)s response(s) answered every item; at least 2 are needed") % {"n": p.get("n")}
    ),
    "too_few_in_common": lambda p: (
        _("items %(a)s and %(b)s have fewer than 2 respondents in common")
        % {"a": p.get("a"), "b": p.get("b")}
    ),
    "too_few_items": lambda p: _("at least 2 items are needed, there are %(k)s") % {"k": p.get("k")},
    "fewer_respondents_than_items": lambda p: (
        _("fewer responses (%(n)s) than items + 1 (%(k)s): the correlation matrix cannot be inverted")
        % {"n": p.get("n"), "k": p.get("k")}
    ),
    "singular": lambda p: _(
        "the correlation matrix is singular: some item repeats others (a duplicated item or a total score)"
    ),
    "not_positive_definite": lambda p: _("the correlation matrix is not positive definite"),
    "zero_total_variance": lambda p: _("the total score is the same for every response"),
    "too_few_respondents": lambda p: (
        _("%(n)s responses are too few for %(p)s predictors") % {"n": p.get("n"), "p": p.get("p")}
    ),
}


def explain(exc: StatsError | str, language: str | None = None) -> str:
    """The reason in ``language`` (default: the active language), without a final full stop."""
    if isinstance(exc, str):
        return exc.rstrip(".")
    make = MESSAGES.get(getattr(exc, "code", "invalid"))
    if make is None:
        return str(exc).rstrip(".")
    if language is None:
        return make(getattr(exc, "params", {}))
    with translation.override(language):
        return make(getattr(exc, "params", {}))


def both(exc: StatsError | str) -> tuple[str, str]:
    """(English, Chinese) reasons, for the report that stores both sentences."""
    return explain(exc, "en"), explain(exc, "zh-hans")
