"""The control-chart run rules in words, in the user's language (``sqms.stats.spc`` names the rules by
code; the English of its ``RULE_DESCRIPTIONS`` is for library users)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sqms.stats.spc import rule_key

RULE_TEXT: dict[str, Promise] = {
    "1": _("1 point beyond 3σ"),
    "WE2": _("2 of 3 consecutive points beyond 2σ on one side"),
    "WE3": _("4 of 5 consecutive points beyond 1σ on one side"),
    "WE4": _("8 consecutive points on one side of the centre line"),
    "N2": _("9 consecutive points on one side of the centre line"),
    "N3": _("6 consecutive points steadily increasing or decreasing"),
    "N4": _("14 consecutive points alternating up and down"),
    "N7": _("15 consecutive points within 1σ"),
    "N8": _("8 consecutive points beyond 1σ on either side"),
}


def rule_text(rule: str) -> str:
    """What run rule ``rule`` (WE1…WE4, N1…N8) detected, in the active language."""
    return str(RULE_TEXT[rule_key(rule)])
