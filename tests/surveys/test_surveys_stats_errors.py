"""A statistic that cannot be computed is explained in the user's language: sqms.stats raises StatsError
with a code and parameters, the surveys app words it from its catalogue."""

from __future__ import annotations

import numpy as np
import pytest

from sqms import stats
from sqms.stats import StatsError
from sqms.surveys import stats_errors


def _error(fn, *args, **kwargs) -> StatsError:  # type: ignore[no-untyped-def]
    with pytest.raises(StatsError) as info:
        fn(*args, **kwargs)
    return info.value


def test_codes_and_parameters_from_the_library() -> None:
    x = np.array([[1, 3, 4], [2, 3, 5], [4, 3, 1.0], [5, 3, 2], [3, 3, 3]])
    e = _error(stats.kmo, x, ["a", "b", "c"])
    assert e.code == "constant_items" and e.params == {"items": ["b"]}
    en, zh = stats_errors.both(e)
    assert en == "item(s) with the same answer from everyone: b"
    assert zh.startswith("所有人回答相同的题项") and zh.endswith("b")
    e = _error(stats.moments, np.array([[1, np.nan], [np.nan, 2.0], [3, np.nan]]), ["a", "b"])
    assert e.code == "too_few_complete" and e.params == {"n": 0}
    assert "0" in stats_errors.explain(e, "zh-hans") and "至少" in stats_errors.explain(e, "zh-hans")
    rng = np.random.default_rng(1)
    y = rng.normal(size=(4, 6))
    e = _error(stats.kmo, y)
    assert e.code == "fewer_respondents_than_items" and e.params == {"n": 4, "k": 6}


def test_unknown_code_keeps_the_english_message() -> None:
    e = StatsError("something odd.")
    assert e.code == "invalid" and stats_errors.both(e) == ("something odd", "something odd")


def test_report_errors_are_worded_in_both_languages() -> None:
    from sqms.surveys import analysis

    items = [
        {
            "code": f"q{i}",
            "type": "likert",
            "dimension": "D1",
            "min": 1,
            "max": 5,
            "part": "",
            "attention": False,
        }
        for i in range(3)
    ]
    definition = {"dimensions": [{"code": "D1", "name": "维度一", "name_en": "Dim one"}], "sections": []}
    x = np.array([[4, 4, 4], [4, 4, 4], [4, 4, 4], [4, 4, 4.0]])  # everyone gives the same answers
    rep = analysis.compute(x, items, definition)
    err = rep["errors"]["reliability"]
    assert "所有人回答相同的题项" in err["zh"] and "same answer from everyone" in err["en"]
