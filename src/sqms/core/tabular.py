"""``sqms analyze`` and ``sqms ahp`` without Django: reading a numeric matrix from CSV, Excel or Parquet,
running :mod:`sqms.stats` and printing tables or JSON.

``sqms.__main__`` calls :func:`analyze_main` / :func:`ahp_main` directly (no ``django.setup()``, which
costs seconds: every app, jieba, scikit-learn …); the management commands ``analyze`` and ``ahp`` are
thin wrappers over :func:`analyze_output` / :func:`ahp_output`, so both paths print the same text.

Only what a run needs is imported, on first use: a CSV holding nothing but numbers (the usual export
of a response matrix) is parsed by numpy directly; anything else (blanks, text columns, quotes,
Excel, Parquet) by polars. Nothing here imports Django.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import numpy as np


class InputError(ValueError):
    """A file the analysis cannot use; the message says why and what to do."""


def read_frame(path: str | Path) -> Any:
    import polars as pl

    p = Path(path)
    if not p.is_file():
        raise InputError(f"No such file: {p}")
    suffix = p.suffix.lower()
    try:
        if suffix == ".parquet":
            return pl.read_parquet(p)
        if suffix in (".xlsx", ".xlsm"):
            return pl.read_excel(p, engine="openpyxl")
        if suffix in (".csv", ".txt"):
            raw = p.read_bytes()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("gb18030")
            return pl.read_csv(text.encode(), infer_schema_length=10000, null_values=["", "NA", "N/A", "."])
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"Cannot read {p.name}: {exc}") from exc
    raise InputError(f"Unsupported file type {suffix!r}: use CSV, Excel (.xlsx) or Parquet.")


def numeric_matrix(frame: Any, items: list[str] | None) -> tuple[np.ndarray, list[str]]:
    """The chosen columns (default: every numeric column) as a float matrix; blanks become NaN."""
    import polars as pl

    columns = items or [c for c, t in zip(frame.columns, frame.dtypes, strict=True) if t.is_numeric()]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"Columns not in the file: {', '.join(missing)}")
    if len(columns) < 2:
        raise InputError("Need at least two numeric item columns (use --items to name them).")
    try:
        data = frame.select([pl.col(c).cast(pl.Float64, strict=True) for c in columns]).to_numpy()
    except Exception as exc:
        raise InputError(f"Item columns must be numeric: {exc}") from exc
    return np.asarray(data, dtype=float), columns


def read_dimensions(path: str | Path | None) -> dict[str, list[str]]:
    """A JSON object {dimension: [items]} or a CSV with columns item,dimension."""
    if not path:
        return {}
    p = Path(path)
    if not p.is_file():
        raise InputError(f"No such file: {p}")
    if p.suffix.lower() == ".json":
        data = json.loads(p.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise InputError("The dimensions JSON must be an object {dimension: [items]}.")
        return {str(k): [str(i) for i in v] for k, v in data.items()}
    dims: dict[str, list[str]] = {}
    for line in p.read_text(encoding="utf-8-sig").splitlines()[1:]:
        if line.strip():
            item, _, dim = line.partition(",")
            dims.setdefault(dim.strip(), []).append(item.strip())
    return dims


def read_judgement_matrix(path: str | Path) -> tuple[np.ndarray, list[str]]:
    """An AHP judgement matrix from CSV: a header row of criterion names, then n rows of judgements
    (an optional first column repeating the names); fractions like 1/3 are allowed."""
    from fractions import Fraction

    p = Path(path)
    if not p.is_file():
        raise InputError(f"No such file: {p}")
    rows = [r.split(",") for r in p.read_text(encoding="utf-8-sig").splitlines() if r.strip()]
    if not rows:
        raise InputError(f"{p.name} is empty: expected a header of criteria and one row per criterion.")
    header = [h.strip() for h in rows[0]]
    body = rows[1:]
    labelled = bool(body) and not _is_number(body[0][0])  # first column repeats the criterion names
    if labelled:
        body = [r[1:] for r in body]
        if len(header) == len(body[0]) + 1:
            header = header[1:]
    n = len(header)
    if len(body) != n or any(len(r) != n for r in body):
        raise InputError(f"The matrix must be {n} × {n} (one row per criterion in the header).")
    try:
        values = [[float(Fraction(c.strip())) for c in r] for r in body]
    except (ValueError, ZeroDivisionError) as exc:
        raise InputError(f"Judgements must be numbers or fractions like 1/3: {exc}") from exc
    return np.array(values, dtype=float), header


def _is_number(text: str) -> bool:
    from fractions import Fraction

    try:
        Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        return False
    return True


# --- fast path for a purely numeric CSV ------------------------------------------------------------------

_NUMERIC_BYTES = b"0123456789.,-eE\n"


def _numeric_csv(raw: bytes) -> tuple[np.ndarray, list[str]] | None:
    """A CSV whose body is only numbers (no blanks, no quotes, no text) as a float matrix and its
    header; None when the file needs the general reader."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    raw = raw.replace(b"\r\n", b"\n")
    head, sep, body = raw.partition(b"\n")
    if not sep or b'"' in head:
        return None
    try:
        header = [h.strip() for h in head.decode("utf-8").split(",")]
    except UnicodeDecodeError:
        return None
    k = len(header)
    body = body.rstrip(b"\n")
    if not body or body.translate(None, _NUMERIC_BYTES):
        return None
    if body.startswith(b",") or b",," in body or b",\n" in body or b"\n," in body or b"\n\n" in body:
        return None  # blank fields or lines: the general reader turns them into missing values
    rows = body.count(b"\n") + 1
    codes = np.frombuffer(body, dtype=np.uint8)
    starts = np.concatenate(([0], np.flatnonzero(codes == 10) + 1))
    per_line = np.add.reduceat((codes == 44).view(np.uint8), starts, dtype=np.int64)  # commas per line
    if rows != len(per_line) or (per_line != k - 1).any():
        return None
    if len(body) + 1 == rows * 2 * k:  # every field one character: Likert codes 0–9, parsed as bytes
        digits = codes[0::2]
        if ((digits >= 48) & (digits <= 57)).all():
            return (digits - 48).astype(np.float64).reshape(rows, k), header
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = np.fromstring(body.replace(b"\n", b","), dtype=np.float64, sep=",")
    except ValueError:  # a malformed number such as 1.2.3 or a lone "-"
        return None
    if values.size != rows * k:
        return None
    return values.reshape(rows, k), header


def read_matrix(path: str | Path, items: Sequence[str] | None) -> tuple[np.ndarray, list[str]]:
    """The item columns of a response file as a float matrix (NaN = missing) and their names."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"No such file: {p}")
    if p.suffix.lower() in (".csv", ".txt"):
        fast = _numeric_csv(p.read_bytes())
        if fast is not None:
            data, header = fast
            columns = list(items) if items else header
            missing = [c for c in columns if c not in header]
            if missing:
                raise InputError(f"Columns not in the file: {', '.join(missing)}")
            if len(columns) < 2:
                raise InputError("Need at least two numeric item columns (use --items to name them).")
            if columns != header:
                data = data[:, [header.index(c) for c in columns]]
            return np.ascontiguousarray(data), columns
    return numeric_matrix(read_frame(p), list(items) if items else None)


# --- the two commands --------------------------------------------------------------------------------------


def _dumps(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False, default=str)


def _f(v: Any) -> str:
    return "-" if v is None else f"{v:.3f}"


def analyze_output(
    file: str, items: str | None = None, dimensions: str | None = None, as_json: bool = False
) -> str:
    """What ``sqms analyze`` prints. Raises :class:`InputError` or ``sqms.stats.StatsError``."""
    from sqms.stats.battery import battery

    names = [i.strip() for i in items.split(",") if i.strip()] if items else None
    if items is not None and not names:
        raise InputError("--items is empty: give comma-separated column names.")
    matrix, columns = read_matrix(file, names)
    dims = read_dimensions(dimensions)
    doc = battery(matrix, columns, dims)
    if as_json:
        return _dumps(doc) + "\n"
    lines: list[str] = []
    w = lines.append
    lo, hi = doc["alpha_ci"]
    w(f"n = {doc['n']} (listwise)")
    w(
        f"Cronbach's alpha = {doc['alpha']:.3f}  standardised = {doc['alpha_std']:.3f}  95% CI [{lo:.3f}, {hi:.3f}]"
    )
    w(
        f"KMO = {doc['kmo']:.3f}   Bartlett chi2 = {doc['bartlett']['chi2']:.2f}, df = {doc['bartlett']['df']}, "
        f"p = {doc['bartlett']['p']:.3g}"
    )
    w("")
    w(f"{'item':<16}{'CITC':>8}{'alpha if deleted':>18}{'MSA':>8}{'communality':>13}")
    for name in doc["citc"]:
        w(
            f"{name:<16}{_f(doc['citc'][name]):>8}{_f(doc['alpha_if_deleted'][name]):>18}{_f(doc['msa'][name]):>8}"
            f"{_f(doc['communalities'][name]):>13}"
        )
    if doc.get("dimensions"):
        w("")
        w(f"{'dimension':<16}{'alpha':>8}{'AVE':>8}{'CR':>8}")
        for dim, v in doc["dimensions"].items():
            w(f"{dim:<16}{_f(v.get('alpha')):>8}{_f(v.get('ave')):>8}{_f(v.get('cr')):>8}")
    w("")
    w("eigenvalues: " + ", ".join(f"{e:.3f}" for e in doc["eigenvalues"][:10]))
    return "\n".join(lines) + "\n"


def ahp_output(
    matrixfile: str, ri: str = "saaty1980", method: str = "eigenvector", as_json: bool = False
) -> str:
    """What ``sqms ahp`` prints. Raises :class:`InputError` or ``sqms.stats.StatsError``."""
    from sqms.stats.mcda import ahp

    matrix, names = read_judgement_matrix(matrixfile)
    doc = ahp(matrix, names, method=method, ri=ri).to_dict()  # type: ignore[arg-type]
    if as_json:
        return json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n"
    lines = [f"{name:<20}{weight:>8.4f}" for name, weight in doc["weights"].items()]
    verdict = "consistent" if doc["consistent"] else "NOT consistent (CR >= 0.1)"
    lines.append(
        f"lambda_max = {doc['lambda_max']:.4f}  CI = {doc['ci']:.4f}  RI = {doc['ri']:.2f}  "
        f"CR = {doc['cr']:.4f}: {verdict}"
    )
    lines += [f"  revise {r}" for r in doc["revisions"][:3]]
    return "\n".join(lines) + "\n"


ANALYZE_HELP = (
    "Reliability and validity battery for a response matrix (CSV, Excel or Parquet): α, CITC, KMO, EFA …"
)
AHP_HELP = "AHP weights and consistency ratio of a pairwise judgement matrix (CSV with a header of criteria)."


def add_analyze_arguments(parser: Any) -> None:
    parser.add_argument("file")
    parser.add_argument("--items", help="comma-separated item columns (default: every numeric column)")
    parser.add_argument("--dimensions", help="JSON {dimension: [items]} or CSV item,dimension")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")


def add_ahp_arguments(parser: Any) -> None:
    parser.add_argument("matrixfile")
    parser.add_argument("--ri", choices=["saaty1980", "alt"], default="saaty1980", help="random-index table")
    parser.add_argument(
        "--method", choices=["eigenvector", "geometric_mean", "column_normalized"], default="eigenvector"
    )
    parser.add_argument("--json", action="store_true")


def _run(make: Any, out: TextIO, err: TextIO) -> int:
    from sqms.stats._data import StatsError

    try:
        text = make()
    except (InputError, StatsError) as exc:
        err.write(f"Error: {exc}\n")
        return 1
    out.write(text)
    return 0


def analyze_main(argv: Sequence[str], out: TextIO | None = None, err: TextIO | None = None) -> int:
    """``sqms analyze …`` (``argv`` without the program and command names); returns the exit code."""
    parser = argparse.ArgumentParser(prog="sqms analyze", description=ANALYZE_HELP)
    add_analyze_arguments(parser)
    a = parser.parse_args(list(argv))
    return _run(
        lambda: analyze_output(a.file, a.items, a.dimensions, a.json), out or sys.stdout, err or sys.stderr
    )


def ahp_main(argv: Sequence[str], out: TextIO | None = None, err: TextIO | None = None) -> int:
    """``sqms ahp …`` (``argv`` without the program and command names); returns the exit code."""
    parser = argparse.ArgumentParser(prog="sqms ahp", description=AHP_HELP)
    add_ahp_arguments(parser)
    a = parser.parse_args(list(argv))
    return _run(
        lambda: ahp_output(a.matrixfile, a.ri, a.method, a.json), out or sys.stdout, err or sys.stderr
    )
