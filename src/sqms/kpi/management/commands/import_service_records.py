"""``sqms import service-records FILE [--on-duplicate reject|update] [--as USER]``

Streams a CSV, Excel or Parquet file with polars in chunks of 50,000 rows. Pass 1 validates the whole
file (rows are numbered as file lines: the header is line 1); only if every row is valid does pass 2
write everything in one transaction, maintaining the rollups, with one audit entry."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from sqms.core.cli import actor_for, existing_file
from sqms.core.errors import DomainError
from sqms.kpi import services

CHUNK = 50_000


def chunks(path: Path) -> Iterator[list[dict[str, Any]]]:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xls"):
        frame = pl.read_excel(path, infer_schema_length=0)
        for start in range(0, frame.height, CHUNK):
            yield frame.slice(start, CHUNK).to_dicts()
        return
    if suffix == ".parquet":
        lazy = pl.scan_parquet(path)
    elif suffix in (".csv", ".txt"):
        lazy = pl.scan_csv(path, infer_schema=False, encoding="utf8-lossy")
    else:
        raise CommandError(f"Unsupported file type: {suffix} (use .csv, .xlsx or .parquet)")
    for batch in lazy.collect_batches(chunk_size=CHUNK):
        yield batch.to_dicts()


class Command(BaseCommand):
    help = "Import service records from CSV, Excel or Parquet (validated first; all or nothing)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--on-duplicate", choices=services.ON_DUPLICATE, default="reject")
        parser.add_argument(
            "--as", dest="username", default=None, help="act as this user (default: a superuser)"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        path = existing_file(opts["file"])
        actor = actor_for(opts["username"])
        on_duplicate = opts["on_duplicate"]
        try:
            services.check_ingest_permission(actor, on_duplicate)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        started = time.monotonic()

        # pass 1: validate everything
        ctx = services.Context(actor=actor, on_duplicate=on_duplicate)
        line = 2
        for rows in chunks(path):
            services.prepare(ctx, rows, first_row=line)
            line += len(rows)
            self._progress("validated", line - 2, started)
        total = line - 2
        self.stderr.write("")
        if ctx.error_count:
            for e in ctx.errors:
                self.stdout.write(f"line {e['row']}: {e['field']}: {e['reason']}")
            if ctx.error_count > len(ctx.errors):
                self.stdout.write(f"… and {ctx.error_count - len(ctx.errors)} more errors")
            raise CommandError(f"{ctx.error_count} errors in {total} rows; nothing was written.")

        # pass 2: write all in one transaction
        counts = {"created": 0, "updated": 0, "rollups": 0}
        try:
            with transaction.atomic():
                ctx = services.Context(actor=actor, on_duplicate=on_duplicate)
                line = 2
                for rows in chunks(path):
                    prepared = services.prepare(ctx, rows, first_row=line)
                    services.raise_errors(ctx)  # the data changed between the passes
                    for key, value in services.write(prepared).items():
                        counts[key] += value
                    line += len(rows)
                    self._progress("written", line - 2, started)
                services.audit_batch(actor, counts, origin=f"file:{path.name}", on_duplicate=on_duplicate)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stderr.write("")
        seconds = time.monotonic() - started
        self.stdout.write(
            f"{total} rows: {counts['created']} created, {counts['updated']} updated "
            f"in {seconds:.1f} s ({total / max(seconds, 1e-9):,.0f} rows/s)"
        )

    def _progress(self, what: str, n: int, started: float) -> None:
        rate = n / max(time.monotonic() - started, 1e-9)
        sys.stderr.write(f"\r{what} {n:,} rows ({rate:,.0f} rows/s)")
        sys.stderr.flush()
