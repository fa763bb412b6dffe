"""Every run rule the SPC engine can report has words in both languages."""

from __future__ import annotations

from django.utils import translation

from sqms.kpi.spc_text import rule_text
from sqms.stats.spc import RULE_DESCRIPTIONS, rule_key

RULES = ["WE1", "WE2", "WE3", "WE4", *[f"N{i}" for i in range(1, 9)]]


def test_every_rule_is_worded_in_both_languages():
    for rule in RULES:
        with translation.override("en"):
            en = rule_text(rule)
        with translation.override("zh-hans"):
            zh = rule_text(rule)
        assert en == RULE_DESCRIPTIONS[rule_key(rule)]
        assert zh != en and "点" in zh, rule


def test_nelson_rules_that_repeat_western_electric_share_their_words():
    with translation.override("zh-hans"):
        assert rule_text("N5") == rule_text("WE2") == "连续 3 点中有 2 点在同侧 2σ 以外"
        assert rule_text("N1") == rule_text("WE1") == "1 点超出 3σ 控制限"
