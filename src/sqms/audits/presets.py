"""The shipped clause library (data/clauses.json), loaded after every migrate (idempotent, by
standard and clause number)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data" / "clauses.json"


def load_clauses() -> int:
    from sqms.audits.models import Clause

    rows = json.loads(DATA.read_text(encoding="utf-8"))["clauses"]
    have = {(c.standard, c.number): c for c in Clause.objects.all()}
    created = 0
    for r in rows:
        c = have.get((r["standard"], r["number"]))
        if c is None:
            Clause.objects.create(**r)
            created += 1
        elif (c.title_zh, c.title_en, c.order) != (r["title_zh"], r["title_en"], r["order"]):
            Clause.objects.filter(pk=c.pk).update(
                title_zh=r["title_zh"], title_en=r["title_en"], order=r["order"]
            )
    return created


def ensure_presets_signal(sender: Any, **kwargs: Any) -> None:
    load_clauses()
