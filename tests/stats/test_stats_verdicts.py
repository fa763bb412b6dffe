"""Verdicts: codes and numeric parameters (no sentences in sqms.stats), with every threshold tested on
both sides of its boundary. The sentences themselves are tested where they are made
(tests/surveys, through sqms.surveys.analysis.say)."""

from __future__ import annotations

import json

import pytest

from sqms.stats import verdicts


def test_alpha_example_is_a_code_with_parameters() -> None:
    v = verdicts.alpha(0.862)
    assert v == verdicts.Verdict(code="alpha.good", params={"value": 0.862, "scope": "overall"}, level="good")
    assert v.to_dict() == {
        "code": "alpha.good",
        "params": {"value": 0.862, "scope": "overall"},
        "level": "good",
    }
    json.dumps(v.to_dict())  # JSON-able: the report stores it
    d = verdicts.alpha(0.75, dimension="D1")
    assert d.params == {"value": 0.75, "scope": "dimension", "dimension": "D1"}


@pytest.mark.parametrize(
    ("value", "code", "level"),
    [(0.95, "alpha.very_good", "very_good"), (0.9, "alpha.very_good", "very_good"),
     (0.8999999, "alpha.good", "good"), (0.8, "alpha.good", "good"),
     (0.7999999, "alpha.acceptable", "acceptable"), (0.7, "alpha.acceptable", "acceptable"),
     (0.6999999, "alpha.questionable", "poor"), (-0.2, "alpha.questionable", "poor")],
)  # fmt: skip
def test_alpha_thresholds(value: float, code: str, level: str) -> None:
    v = verdicts.alpha(value)
    assert (v.code, v.level, v.params["value"]) == (code, level, value)


@pytest.mark.parametrize(
    ("value", "label", "level"),
    [(0.95, "marvelous", "very_good"), (0.9, "marvelous", "very_good"), (0.8999, "meritorious", "good"),
     (0.8, "meritorious", "good"), (0.7999, "middling", "acceptable"), (0.7, "middling", "acceptable"),
     (0.6999, "mediocre", "acceptable"), (0.6, "mediocre", "acceptable"), (0.5999, "miserable", "poor"),
     (0.5, "miserable", "poor"), (0.4999, "unacceptable", "poor")],
)  # fmt: skip
def test_kmo_kaiser_1974_classes(value: float, label: str, level: str) -> None:
    v = verdicts.kmo(value)
    assert (v.code, v.level, v.params) == (f"kmo.{label}", level, {"value": value})


def test_bartlett_at_the_significance_level() -> None:
    v = verdicts.bartlett(1234.5, 66, 1e-20)
    assert (v.code, v.level) == ("bartlett.significant", "good")
    assert v.params == {"chi2": 1234.5, "df": 66, "p": 1e-20, "significance": 0.05}
    assert verdicts.bartlett(80.0, 66, 0.0499).code == "bartlett.significant"
    assert verdicts.bartlett(80.0, 66, 0.05).code == "bartlett.not_significant"
    assert verdicts.bartlett(80.0, 66, 0.05).level == "poor"


@pytest.mark.parametrize(
    ("value", "code"), [(0.2999, "citc.low"), (0.3, "citc.ok"), (0.65, "citc.ok"), (-0.1, "citc.low")]
)
def test_citc_below_0_3_is_flagged(value: float, code: str) -> None:
    v = verdicts.citc("q1", value)
    assert v.code == code and v.params == {"item": "q1", "value": value, "threshold": 0.3}
    assert v.level == ("poor" if code == "citc.low" else "good")


def test_alpha_if_deleted_only_a_strict_rise_flags_the_item() -> None:
    assert verdicts.alpha_if_deleted("q1", 0.8, 0.85).code == "alpha_if_deleted.raises"
    assert verdicts.alpha_if_deleted("q1", 0.8, 0.8).code == "alpha_if_deleted.keeps"
    assert verdicts.alpha_if_deleted("q1", 0.8, 0.79).params == {
        "item": "q1",
        "alpha": 0.8,
        "alpha_without": 0.79,
    }


@pytest.mark.parametrize(
    ("ave", "cr", "code"),
    [(0.5, 0.7, "ave_cr.good"), (0.62, 0.88, "ave_cr.good"), (0.4999, 0.8, "ave_cr.low_ave"),
     (0.55, 0.6999, "ave_cr.low_cr"), (0.3, 0.5, "ave_cr.low_both")],
)  # fmt: skip
def test_ave_0_5_and_cr_0_7(ave: float, cr: float, code: str) -> None:
    v = verdicts.ave_cr("D1", ave, cr)
    assert v.code == code and v.level == ("good" if code == "ave_cr.good" else "poor")
    assert v.params == {"dimension": "D1", "ave": ave, "cr": cr, "ave_min": 0.5, "cr_min": 0.7}


@pytest.mark.parametrize(
    ("value", "code", "level"),
    [(0.6, "htmt.good", "good"), (0.8499, "htmt.good", "good"), (0.85, "htmt.liberal", "acceptable"),
     (0.8999, "htmt.liberal", "acceptable"), (0.9, "htmt.weak", "poor"), (1.02, "htmt.weak", "poor")],
)  # fmt: skip
def test_htmt_0_85_strict_and_0_90_liberal(value: float, code: str, level: str) -> None:
    v = verdicts.htmt("A", "B", value)
    assert (v.code, v.level) == (code, level)
    assert v.params == {"a": "A", "b": "B", "value": value, "threshold": 0.85, "liberal": 0.9}


@pytest.mark.parametrize(("percent", "code"), [(60.0, "variance.adequate"), (59.99, "variance.insufficient")])
def test_variance_explained_60_percent(percent: float, code: str) -> None:
    v = verdicts.variance_explained(percent, 3)
    assert v.code == code and v.params == {"percent": percent, "n_factors": 3, "threshold": 60.0}


def test_ahp_consistency_ratio_0_1() -> None:
    assert verdicts.ahp_consistency(0.0999).code == "ahp.consistent"
    assert verdicts.ahp_consistency(0.1).code == "ahp.inconsistent"
    assert verdicts.ahp_consistency(0.12).level == "poor"
    assert verdicts.ahp_consistency(0.05).params == {"cr": 0.05, "threshold": 0.1}


def test_fornell_larcker_nps_and_spc() -> None:
    assert verdicts.fornell_larcker("A", True).to_dict() == {
        "code": "fornell_larcker.met",
        "params": {"dimension": "A"},
        "level": "good",
    }
    assert verdicts.fornell_larcker("A", False).code == "fornell_larcker.not_met"
    assert verdicts.nps(12.5, 3.1, 21.9).to_dict() == {
        "code": "nps.value",
        "params": {"value": 12.5, "low": 3.1, "high": 21.9},
        "level": "info",
    }
    v = verdicts.spc_signal("WE1", [2, 3], "I")
    assert v.params == {"rule": "WE1", "chart": "I", "points": [3, 4]}  # 1-based for people


def test_no_sentences_in_sqms_stats() -> None:
    """Parameters are numbers and the caller's codes only: nothing to translate left in the library."""
    every = [
        verdicts.alpha(0.91),
        verdicts.kmo(0.3),
        verdicts.bartlett(10.0, 3, 0.2),
        verdicts.variance_explained(50.0, 2),
        verdicts.citc("q1", 0.1),
        verdicts.alpha_if_deleted("q1", 0.7, 0.8),
        verdicts.ave_cr("D", 0.4, 0.6),
        verdicts.htmt("A", "B", 0.95),
        verdicts.fornell_larcker("D", False),
        verdicts.ahp_consistency(0.2),
        verdicts.nps(10.0, 1.0, 19.0),
        verdicts.spc_signal("N5", [1, 2, 3]),
    ]
    for v in every:
        assert set(v.to_dict()) == {"code", "params", "level"}
        for key, value in v.params.items():
            assert isinstance(value, (int, float, list)) or key in {
                "scope",
                "dimension",
                "item",
                "a",
                "b",
                "rule",
                "chart",
            }
