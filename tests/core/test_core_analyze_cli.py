"""`sqms analyze` and `sqms ahp`: the command line over sqms.stats, checked against independent oracles."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command


@pytest.fixture
def responses(tmp_path):
    rng = np.random.default_rng(7)
    f = rng.normal(size=(600, 2))
    x = np.clip(np.round(3 + 0.9 * f.repeat(3, axis=1) + 0.7 * rng.normal(size=(600, 6))), 1, 5)
    x[3, 2] = np.nan  # a blank answer: listwise deletion drops respondent 4
    names = ["a1", "a2", "a3", "b1", "b2", "b3"]
    frame = pd.DataFrame(x, columns=names)
    frame["comment"] = "ok"
    path = tmp_path / "r.csv"
    frame.to_csv(path, index=False)
    dims = tmp_path / "d.json"
    dims.write_text(json.dumps({"A": names[:3], "B": names[3:]}))
    return path, dims, frame[names]


def test_analyze_json_matches_oracles(responses):
    import pingouin
    from factor_analyzer.factor_analyzer import calculate_bartlett_sphericity, calculate_kmo

    path, dims, frame = responses
    out = io.StringIO()
    call_command("analyze", str(path), "--dimensions", str(dims), "--json", stdout=out)
    doc = json.loads(out.getvalue())
    complete = frame.dropna()
    assert doc["n"] == len(complete) == 599
    alpha, _ci = pingouin.cronbach_alpha(complete)
    assert doc["alpha"] == pytest.approx(alpha, abs=1e-6)
    assert doc["dimensions"]["A"]["alpha"] == pytest.approx(
        pingouin.cronbach_alpha(complete[["a1", "a2", "a3"]])[0], abs=1e-6
    )
    _msa, kmo = calculate_kmo(complete)
    assert doc["kmo"] == pytest.approx(kmo, abs=1e-6)
    chi2, p = calculate_bartlett_sphericity(complete)
    assert doc["bartlett"]["chi2"] == pytest.approx(chi2, rel=1e-6)
    assert set(doc) >= {
        "citc",
        "alpha_if_deleted",
        "msa",
        "eigenvalues",
        "variance_explained",
        "loadings",
        "communalities",
        "htmt",
        "alpha_std",
        "alpha_ci",
    }


def test_analyze_items_option_and_tables(responses):
    path, _dims, _frame = responses
    out = io.StringIO()
    call_command("analyze", str(path), "--items", "a1,a2,a3", stdout=out)
    text = out.getvalue()
    assert "Cronbach's alpha" in text and "a2" in text and "b1" not in text


def test_analyze_bad_input_is_a_clear_error(responses, tmp_path):
    path, _dims, _frame = responses
    with pytest.raises(CommandError, match="No such file"):
        call_command("analyze", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="not in the file"):
        call_command("analyze", str(path), "--items", "a1,zz")
    with pytest.raises(CommandError, match="numeric"):
        call_command("analyze", str(path), "--items", "a1,comment")


def test_ahp_weights_and_cr_against_the_principal_eigenvector(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text(
        ",满意度,可靠性,响应性,保证性\n满意度,1,2,3,4\n可靠性,1/2,1,2,3\n响应性,1/3,1/2,1,2\n保证性,1/4,1/3,1/2,1\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("ahp", str(path), "--json", stdout=out)
    doc = json.loads(out.getvalue())
    a = np.array([[1, 2, 3, 4], [1 / 2, 1, 2, 3], [1 / 3, 1 / 2, 1, 2], [1 / 4, 1 / 3, 1 / 2, 1]])
    vals, vecs = np.linalg.eig(a)
    k = int(np.argmax(vals.real))
    w = np.abs(vecs[:, k].real)
    w /= w.sum()
    assert list(doc["weights"].values()) == pytest.approx(list(w), abs=1e-6)
    lam = vals.real[k]
    assert doc["cr"] == pytest.approx(((lam - 4) / 3) / 0.90, abs=1e-6)  # Saaty (1980) RI for n = 4
    assert doc["consistent"] is True


def test_ahp_rejects_a_ragged_matrix(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="2 × 2"):
        call_command("ahp", str(path))
