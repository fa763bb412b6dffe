from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sqms.core.tabular import InputError, numeric_matrix, read_dimensions, read_frame
from sqms.stats._data import StatsError
from sqms.stats.battery import run_battery


class Command(BaseCommand):
    help = (
        "Reliability and validity battery for a response matrix (CSV, Excel or Parquet): α, CITC, KMO, EFA …"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--items", help="comma-separated item columns (default: every numeric column)")
        parser.add_argument("--dimensions", help="JSON {dimension: [items]} or CSV item,dimension")
        parser.add_argument("--json", action="store_true", help="print JSON instead of tables")

    def handle(
        self, *args: Any, file: str, items: str | None, dimensions: str | None, json: bool, **options: Any
    ) -> None:
        try:
            frame = read_frame(file)
            matrix, names = numeric_matrix(frame, [i.strip() for i in items.split(",")] if items else None)
            dims = read_dimensions(dimensions)
            result = run_battery(matrix, names, dims)
        except (InputError, StatsError) as exc:
            raise CommandError(str(exc)) from exc
        doc = result.to_json()
        if json:
            self.stdout.write(_dumps(doc))
            return
        self._tables(doc)

    def _tables(self, doc: dict[str, Any]) -> None:
        w = self.stdout.write
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
                f"{name:<16}{doc['citc'][name]:>8.3f}{doc['alpha_if_deleted'][name]:>18.3f}{doc['msa'][name]:>8.3f}"
                f"{doc['communalities'][name]:>13.3f}"
            )
        if doc.get("dimensions"):
            w("")
            w(f"{'dimension':<16}{'alpha':>8}{'AVE':>8}{'CR':>8}")
            for dim, v in doc["dimensions"].items():
                w(f"{dim:<16}{_f(v.get('alpha')):>8}{_f(v.get('ave')):>8}{_f(v.get('cr')):>8}")
        w("")
        w("eigenvalues: " + ", ".join(f"{e:.3f}" for e in doc["eigenvalues"][:10]))


def _f(v: Any) -> str:
    return "-" if v is None else f"{v:.3f}"


def _dumps(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False, default=str)
