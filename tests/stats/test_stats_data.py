"""Input validation, missing-data policies and the one-pass moments against pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from stats_fixtures import TOL, continuous, likert

from sqms.stats import StatsError, moments


def test_listwise_moments_against_pandas() -> None:
    df, _ = likert(missing_frac=0.05, seed=3)
    m = moments(df)
    complete = df.dropna()
    assert m.missing == "listwise" and m.n == len(complete) and m.n_excluded == len(df) - len(complete)
    np.testing.assert_allclose(m.mean, complete.mean().to_numpy(), atol=TOL)
    np.testing.assert_allclose(m.cov, complete.cov().to_numpy(), atol=TOL)
    np.testing.assert_allclose(m.corr, complete.corr().to_numpy(), atol=TOL)


def test_pairwise_moments_against_pandas() -> None:
    df, _ = likert(missing_frac=0.1, seed=4)
    m = moments(df, missing="pairwise")
    assert m.missing == "pairwise"
    np.testing.assert_allclose(m.cov, df.cov().to_numpy(), atol=TOL)
    np.testing.assert_allclose(m.corr, df.corr().to_numpy(), atol=TOL)
    np.testing.assert_allclose(m.mean, df.mean().to_numpy(), atol=TOL)
    notna = df.notna().astype(int).to_numpy()
    np.testing.assert_array_equal(m.n_pair, notna.T @ notna)


def test_large_offset_stays_accurate() -> None:
    df = continuous() + 1e7  # one-pass formula would lose digits; the shifted path must not
    m = moments(df)
    np.testing.assert_allclose(m.cov, df.cov().to_numpy(), rtol=1e-9)


def test_subset_and_names() -> None:
    df, _ = likert(n=60)
    m = moments(df)
    sub = m.subset(m.index(["q3", "q1"]))
    assert sub.names == ("q3", "q1")
    np.testing.assert_allclose(sub.cov, df[["q3", "q1"]].cov().to_numpy(), atol=TOL)
    arr = moments(df.to_numpy())
    assert arr.names[0] == "item1"


@pytest.mark.parametrize(
    ("data", "names", "message"),
    [
        (np.ones((3, 2, 2)), None, "2-dimensional"),
        (np.empty((0, 3)), None, "no respondents"),
        (np.array([[1.0, np.inf], [2, 3]]), None, "infinite"),
        (np.array([[1.0, np.nan], [2, np.nan]]), ["a", "b"], "every value missing: b"),
        (np.ones((3, 2)), ["a"], "1 item names given for 2 columns"),
        (np.ones((3, 2)), ["a", "a"], "duplicate item names: a"),
        ([["x", "y"]], None, "numeric"),
        (np.array([[1.0, np.nan], [np.nan, 2], [3, 4]]), None, "only 1 respondent"),
    ],
)
def test_validation_errors(data: object, names: list[str] | None, message: str) -> None:
    with pytest.raises(StatsError, match=message):
        moments(data, names)


def test_bad_policy_and_constant_item() -> None:
    with pytest.raises(StatsError, match="listwise"):
        moments(np.ones((3, 2)), missing="everything")
    m = moments(pd.DataFrame({"a": [1.0, 2, 3], "b": [4.0, 4, 4]}))
    with pytest.raises(StatsError, match=r"constant item.*b"):
        _ = m.corr


@settings(max_examples=60, deadline=None)
@given(
    arrays(
        np.float64, st.tuples(st.integers(3, 40), st.integers(1, 5)), elements=st.integers(0, 10).map(float)
    )
)
def test_discrete_fast_path_matches_pandas(x: np.ndarray) -> None:
    df = pd.DataFrame(x)
    m = moments(df)
    np.testing.assert_allclose(m.mean, df.mean().to_numpy(), atol=1e-9)
    np.testing.assert_allclose(m.cov, df.cov().to_numpy(), atol=1e-9)
    for j, d in enumerate(m.distributions):
        vc = df[j].value_counts().sort_index()
        assert list(d.values) == list(vc.index) and list(d.freq) == list(vc.to_numpy())
