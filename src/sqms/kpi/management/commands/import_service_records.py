"""``sqms import service-records FILE [--on-duplicate reject|update] [--as USER]``

Streams a CSV, Excel or Parquet file with polars in chunks of 100,000 rows through the fast ingest path
(:mod:`sqms.kpi.ingest_fast`): vectorised validation, PostgreSQL binary ``COPY`` / SQLite
``executemany``, rollups by group-by and upserts, all in one transaction with one audit entry. At the
first problem the transaction is rolled back and the file is read again to list every error by line
(the header is line 1); nothing is written unless every row is valid."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
from django.core.management.base import BaseCommand, CommandError

from sqms.core.cli import actor_for, existing_file
from sqms.core.errors import DomainError
from sqms.kpi import ingest_fast, services

CHUNK = 100_000


def frames(path: Path, chunk: int = CHUNK) -> Iterator[pl.DataFrame]:
    """The file's rows as all-text frames of at most ``chunk`` rows."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xls"):
        frame = pl.read_excel(path, infer_schema_length=0)
        for start in range(0, frame.height, chunk):
            yield ingest_fast.as_text_frame(frame.slice(start, chunk))
        return
    if suffix in (".csv", ".txt"):  # in blocks: the streaming reader would read ahead without bound
        for block in ingest_fast.csv_frames(path):
            for start in range(0, block.height, chunk):
                yield ingest_fast.as_text_frame(block.slice(start, chunk))
        return
    if suffix == ".parquet":
        lazy = pl.scan_parquet(path)
    else:
        raise CommandError(f"Unsupported file type: {suffix} (use .csv, .xlsx or .parquet)")
    for batch in lazy.collect_batches(chunk_size=chunk):
        yield ingest_fast.as_text_frame(batch)


def file_chunks(path: Path, chunk: int = CHUNK) -> Iterator[ingest_fast.Chunk]:
    line = 2
    for frame in frames(path, chunk):
        yield frame, line, None
        line += frame.height


def chunks(path: Path) -> Iterator[list[dict[str, Any]]]:
    """The file's rows as dicts (the reference path's input)."""
    for frame in frames(path):
        yield frame.to_dicts()


def import_file(
    path: Path, *, actor: Any, on_duplicate: str, progress: Any = None
) -> tuple[dict[str, int] | None, Any]:
    """Import a file through the fast path: ``(counts, None)`` or ``(None, errors context)``."""
    services.check_ingest_permission(actor, on_duplicate)
    return ingest_fast.run_ingest(
        actor=actor,
        chunks=lambda: file_chunks(path),
        on_duplicate=on_duplicate,
        context_factory=lambda: services.Context(actor=actor, on_duplicate=on_duplicate),
        progress=progress,
        after=lambda c: services.audit_batch(actor, c, origin=f"file:{path.name}", on_duplicate=on_duplicate),
    )


class Command(BaseCommand):
    help = "Import service records from CSV, Excel or Parquet (validated; all or nothing)."

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
        started = time.monotonic()
        self._done = 0

        def progress(what: str, n: int) -> None:
            self._done = n
            rate = n / max(time.monotonic() - started, 1e-9)
            sys.stderr.write(f"\r{what} {n:,} rows ({rate:,.0f} rows/s)")
            sys.stderr.flush()

        try:
            counts, ctx = import_file(path, actor=actor, on_duplicate=on_duplicate, progress=progress)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        sys.stderr.write("\n")
        if ctx is not None:
            for e in ctx.errors:
                self.stdout.write(f"line {e['row']}: {e['field']}: {e['reason']}")
            if ctx.error_count > len(ctx.errors):
                self.stdout.write(f"… and {ctx.error_count - len(ctx.errors)} more errors")
            raise CommandError(f"{ctx.error_count} errors in {self._done} rows; nothing was written.")
        assert counts is not None
        total = counts["created"] + counts["updated"]
        seconds = time.monotonic() - started
        self.stdout.write(
            f"{total} rows: {counts['created']} created, {counts['updated']} updated "
            f"in {seconds:.1f} s ({total / max(seconds, 1e-9):,.0f} rows/s)"
        )
