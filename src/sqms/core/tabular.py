"""Reading a numeric matrix from CSV, Excel or Parquet for the analysis commands (polars does the parsing)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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
