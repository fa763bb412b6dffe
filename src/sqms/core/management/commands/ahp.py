from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sqms.core.tabular import InputError, read_judgement_matrix
from sqms.stats._data import StatsError
from sqms.stats.mcda import ahp


class Command(BaseCommand):
    help = "AHP weights and consistency ratio of a pairwise judgement matrix (CSV with a header of criteria)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("matrixfile")
        parser.add_argument(
            "--ri", choices=["saaty1980", "alt"], default="saaty1980", help="random-index table"
        )
        parser.add_argument(
            "--method", choices=["eigenvector", "geometric_mean", "column_normalized"], default="eigenvector"
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, matrixfile: str, ri: str, method: str, json: bool, **options: Any) -> None:
        try:
            matrix, names = read_judgement_matrix(matrixfile)
            result = ahp(matrix, names, method=method, ri=ri)  # type: ignore[arg-type]
        except (InputError, StatsError) as exc:
            raise CommandError(str(exc)) from exc
        doc = result.to_dict()
        if json:
            self.stdout.write(_dumps(doc))
            return
        for name, weight in doc["weights"].items():
            self.stdout.write(f"{name:<20}{weight:>8.4f}")
        verdict = "consistent" if doc["consistent"] else "NOT consistent (CR >= 0.1)"
        self.stdout.write(
            f"lambda_max = {doc['lambda_max']:.4f}  CI = {doc['ci']:.4f}  RI = {doc['ri']:.2f}  "
            f"CR = {doc['cr']:.4f}: {verdict}"
        )
        for r in doc["revisions"][:3]:
            self.stdout.write(f"  revise {r}")


def _dumps(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2, default=str)
