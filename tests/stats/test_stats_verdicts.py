"""Plain-language verdicts: thresholds and the exact wording of the specification example."""

from __future__ import annotations

import pytest

from sqms.stats import verdicts


def test_alpha_example_sentence() -> None:
    v = verdicts.alpha(0.862)
    assert v.zh == "总量表 Cronbach's α = 0.862，信度良好。"
    assert v.en == "Overall Cronbach's α = 0.862: good reliability."
    assert v.text("zh-hans") == v.zh and v.text("en") == v.en


@pytest.mark.parametrize(
    ("value", "level", "word"),
    [(0.95, "very_good", "very good"), (0.9, "very_good", "very good"), (0.85, "good", "good"),
     (0.7, "acceptable", "acceptable"), (0.69, "poor", "questionable")],
)  # fmt: skip
def test_alpha_thresholds(value: float, level: str, word: str) -> None:
    v = verdicts.alpha(value, dimension="服务态度")
    assert v.level == level and word in v.en and "服务态度" in v.zh


@pytest.mark.parametrize(
    ("value", "label"),
    [(0.91, "marvelous"), (0.85, "meritorious"), (0.75, "middling"), (0.65, "mediocre"),
     (0.55, "miserable"), (0.4, "unacceptable")],
)  # fmt: skip
def test_kmo_kaiser_1974_labels(value: float, label: str) -> None:
    assert label in verdicts.kmo(value).en


def test_other_verdicts() -> None:
    assert verdicts.bartlett(1234.5, 66, 1e-20).level == "good"
    assert "p < 0.001" in verdicts.bartlett(1234.5, 66, 1e-20).en
    assert verdicts.bartlett(50, 66, 0.9).level == "poor"
    assert verdicts.citc("q1", 0.2).level == "poor"
    assert verdicts.alpha_if_deleted("q1", 0.8, 0.85).level == "poor"
    assert verdicts.ave_cr("D1", 0.55, 0.8).level == "good"
    assert "AVE below 0.5" in verdicts.ave_cr("D1", 0.45, 0.8).en
    assert verdicts.htmt("A", "B", 0.9).level == "poor"
    assert verdicts.fornell_larcker("A", True).level == "good"
    assert verdicts.variance_explained(65.2, 3).level == "good"
    assert verdicts.ahp_consistency(0.12).level == "poor"
    assert "第 3、4 点" in verdicts.spc_signal("WE1", "超出控制限", "beyond limits", [2, 3]).zh
    assert verdicts.nps(12.5, 3.1, 21.9).to_dict()["level"] == "info"
