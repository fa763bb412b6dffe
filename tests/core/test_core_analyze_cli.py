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


# --- the Django-free fast path (sqms.__main__ → sqms.core.tabular) -------------------------------------------


def _fast(*argv: str) -> tuple[int, str, str]:
    from sqms.core import tabular

    out, err = io.StringIO(), io.StringIO()
    code = (
        tabular.analyze_main(list(argv), out, err)
        if argv[0] != "ahp"
        else tabular.ahp_main(argv[1:], out, err)
    )
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("as_json", [True, False])
def test_fast_path_prints_what_the_management_command_prints(responses, as_json):
    path, dims, _frame = responses
    args = [str(path), "--dimensions", str(dims)] + (["--json"] if as_json else [])
    out = io.StringIO()
    call_command("analyze", *args, stdout=out)
    code, text, err = _fast(*args)
    assert (code, err) == (0, "")
    assert text == out.getvalue()


def test_fast_path_ahp_prints_what_the_management_command_prints(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("a,b,c\n1,3,5\n1/3,1,2\n1/5,1/2,1\n", encoding="utf-8")
    for extra in ([], ["--json"], ["--ri", "alt", "--method", "geometric_mean"]):
        out = io.StringIO()
        call_command("ahp", str(path), *extra, stdout=out)
        code, text, err = _fast("ahp", str(path), *extra)
        assert (code, err) == (0, "") and text == out.getvalue()


def test_fast_path_errors_exit_non_zero_with_a_clear_message(responses, tmp_path):
    path, _dims, _frame = responses
    code, text, err = _fast(str(tmp_path / "missing.csv"))
    assert code == 1 and text == "" and "No such file" in err
    code, _text, err = _fast(str(path), "--items", "a1,zz")
    assert code == 1 and "Columns not in the file: zz" in err
    code, _text, err = _fast(str(path), "--items", "a1,comment")
    assert code == 1 and "numeric" in err
    code, _text, err = _fast(str(path), "--items", " , ")
    assert code == 1 and "--items is empty" in err
    only_text = tmp_path / "t.csv"
    only_text.write_text("name,comment\nx,y\nz,w\n", encoding="utf-8")
    code, _text, err = _fast(str(only_text))
    assert code == 1 and "at least two numeric item columns" in err
    bad_judgement = tmp_path / "j.csv"
    bad_judgement.write_text("a,b\n1,x\n1,1\n", encoding="utf-8")
    code, _text, err = _fast("ahp", str(bad_judgement))
    assert code == 1 and "numbers or fractions" in err
    empty = tmp_path / "e.csv"
    empty.write_text("", encoding="utf-8")
    code, _text, err = _fast("ahp", str(empty))
    assert code == 1 and "is empty" in err


def _read_both(tmp_path, content: bytes, items=None):
    from sqms.core.tabular import _numeric_csv, numeric_matrix, read_frame, read_matrix

    path = tmp_path / "x.csv"
    path.write_bytes(content)
    fast = read_matrix(path, items)
    general = numeric_matrix(read_frame(path), items)
    assert fast[1] == general[1]
    np.testing.assert_array_equal(fast[0], general[0])
    return _numeric_csv(content) is not None, fast


@pytest.mark.parametrize(
    ("content", "numeric"),
    [
        (b"q1,q2,q3\n1,2,3\n4,5,6\n", True),  # one digit per field: parsed as bytes
        (b"q1,q2,q3\n1,2,3\n4,5,-\n", False),  # one character per field, not all digits
        (b"q1,q2,q3\n1,2,3\n4,5,.\n", False),
        (b"q1,q2,q3\n10,2,3\n4,5,6\n", True),
        (b"\xef\xbb\xbfq1,q2,q3\r\n1,2,3\r\n4,5,6", True),  # BOM, CRLF, no final newline
        (b"q1,q2,q3\n1.5,-2,3e1\n4,5,6\n", True),
        (b"q1,q2,q3\n1,+5,3\n4,5,6\n", False),  # polars reads +5 as text
        (b"q1,q2,q3\n1,,3\n4,5,6\n", False),  # a blank answer: missing value
        (b"q1,q2,q3\n1,2,\n4,5,6\n", False),
        (b"q1,q2,q3\n1,2,NA\n4,5,6\n", False),
        (b'"q1","q2","q3"\n1,2,3\n4,5,6\n', False),
        (b"q1,q2,q3\n1,2,3\n\n4,5,6\n", False),
    ],
)
def test_fast_csv_reader_agrees_with_polars(tmp_path, content, numeric):
    used_fast, _ = _read_both(tmp_path, content)
    assert used_fast is numeric


def test_fast_csv_reader_rejects_ragged_rows_and_selects_items(tmp_path):
    from sqms.core.tabular import _numeric_csv

    assert _numeric_csv(b"q1,q2,q3\n1,2,3,4\n5,6\n") is None  # same count overall, wrong per line
    assert _numeric_csv(b"q1,q2,q3\n1,2,3\n4,5.6.7,8\n") is None
    _, (x, names) = _read_both(tmp_path, b"q1,q2,q3\n1,2,3\n4,5,6\n", ["q3", "q1"])
    assert names == ["q3", "q1"] and x.tolist() == [[3.0, 1.0], [6.0, 4.0]]


def test_sqms_analyze_runs_without_django_or_scipy(responses):
    """The real entry point in a fresh interpreter: same output, no Django, no scipy imported."""
    import subprocess
    import sys

    path, dims, _frame = responses
    probe = (
        "import sys\n"
        "from sqms.__main__ import main\n"
        f"sys.argv = ['sqms', 'analyze', {str(path)!r}, '--dimensions', {str(dims)!r}, '--json']\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'django', 'scipy', 'polars', 'sklearn', 'jieba'})\n"
        "print('EXIT', code, heavy, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert "EXIT 0 ['polars']" in done.stderr  # blanks in the file: the general (polars) reader
    out = io.StringIO()
    call_command("analyze", str(path), "--dimensions", str(dims), "--json", stdout=out)
    assert done.stdout == out.getvalue()
    bad = subprocess.run(
        [sys.executable, "-m", "sqms", "analyze", str(path), "--items", "a1,zz"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 1 and "Columns not in the file: zz" in bad.stderr and bad.stdout == ""
