"""Consistent backups of the database and the uploaded files, and their verified restore.

An archive ``sqms-backup-<UTC time>.tar`` holds:

* ``manifest.json`` — when, which database vendor and method, the applied migrations, and for every table
  its row count and checksum, for every uploaded file its size and SHA-256;
* the database: ``db.sqlite3`` (SQLite online backup API: a consistent copy while the site runs), or
  ``db.dump`` (PostgreSQL ``pg_dump --format=custom`` run on the snapshot exported by our own REPEATABLE READ
  transaction, so the checksums and the dump see exactly the same data), or ``tables/<table>.csv`` (one
  ``COPY`` per table in that same transaction) when ``pg_dump`` is missing or older than the server;
* ``media/…`` — every file under MEDIA_ROOT.

Table checksum: the sum modulo 2**64 of a 64-bit hash of every row's text (order-independent, so it needs
no sort); PostgreSQL computes it in the server (``md5(row::text)``), SQLite in Python over ``quote()`` of each
column.  A restore is
verified against the manifest table by table and file by file; any difference is an error.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections

FORMAT = 1
MASK = (1 << 64) - 1


class BackupError(Exception):
    pass


# --- helpers -------------------------------------------------------------------------------------------


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def media_manifest(root: Path) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    if not root.exists():
        return out
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        rel = path.relative_to(root).as_posix()
        out[rel] = {"size": path.stat().st_size, "sha256": _sha256_file(path)}
    return out


def _row_hash(row: tuple[Any, ...]) -> int:
    return int.from_bytes(hashlib.blake2b(str(row[0]).encode(), digest_size=8).digest(), "big")


def sqlite_table_stats(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    out = {}
    for table in tables:
        count = 0
        total = 0
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info({_quote(table)})")]
        # quote() renders every value as SQLite's own literal, whatever converters the connection has
        select = " || ',' || ".join(f"quote({_quote(c)})" for c in cols) or "''"
        for row in conn.execute(f"SELECT {select} FROM {_quote(table)}"):
            count += 1
            total = (total + _row_hash(row)) & MASK
        out[table] = {"rows": count, "checksum": f"{total:016x}"}
    return out


def pg_tables(cursor: Any) -> list[str]:
    """The tables of the current schema; a partitioned table counts once (its partitions are read and
    written through it), so partitions are left out."""
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
        "ORDER BY c.relname"
    )
    return [r[0] for r in cursor.fetchall()]


def pg_table_stats(cursor: Any) -> dict[str, dict[str, Any]]:
    out = {}
    for table in pg_tables(cursor):
        q = _quote(table)
        cursor.execute(
            f"SELECT count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 16))::bit(64)::bigint::numeric), 0) "
            f"FROM {q} AS t"
        )
        count, total = cursor.fetchone()
        out[table] = {"rows": int(count), "checksum": f"{int(total) % (1 << 64):016x}"}
    return out


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _applied_migrations(conn: Any) -> list[str]:
    from django.db.migrations.recorder import MigrationRecorder

    return sorted(f"{a}.{n}" for a, n in MigrationRecorder(conn).applied_migrations())


def _pg_env(alias: str = "default") -> tuple[list[str], dict[str, str]]:
    s = connections[alias].settings_dict
    env = dict(os.environ)
    args = []
    if s.get("HOST"):
        args += ["-h", str(s["HOST"])]
    if s.get("PORT"):
        args += ["-p", str(s["PORT"])]
    if s.get("USER"):
        args += ["-U", str(s["USER"])]
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    return args, env


def pg_dump_usable(server_version: int) -> tuple[bool, str]:
    """pg_dump refuses servers newer than itself; report whether ours can dump this server."""
    exe = shutil.which("pg_dump")
    if not exe:
        return False, "pg_dump not found"
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False).stdout
    m = re.search(r"(\d+)(?:\.(\d+))?", out)
    if not m:
        return False, f"cannot read pg_dump version from {out!r}"
    client_major = int(m.group(1))
    server_major = server_version // 10000
    if client_major < server_major:
        return False, f"pg_dump {client_major} is older than the server ({server_major})"
    return True, f"pg_dump {client_major}, server {server_major}"


@contextmanager
def _pg_snapshot(alias: str = "default") -> Iterator[tuple[Any, str]]:
    """A REPEATABLE READ, read-only transaction on its own connection and its exported snapshot id."""
    import psycopg

    s = connections[alias].settings_dict
    conn = psycopg.connect(
        dbname=s["NAME"],
        user=s.get("USER") or None,
        password=s.get("PASSWORD") or None,
        host=s.get("HOST") or None,
        port=s.get("PORT") or None,
        autocommit=False,
    )
    try:
        with conn.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cur.execute("SELECT pg_export_snapshot()")
            snap = cur.fetchone()[0]
            yield cur, snap
        conn.rollback()
    finally:
        conn.close()


# --- backup --------------------------------------------------------------------------------------------


def backup(output_dir: Path | str, *, method: str = "auto", alias: str = "default") -> Path:
    """Write one archive into ``output_dir`` and return its path."""
    output = Path(output_dir)
    output.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    vendor = connections[alias].vendor
    media_root = Path(settings.MEDIA_ROOT)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(dir=output, prefix=".sqms-backup-") as tmp_name:
        tmp = Path(tmp_name)
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "created": datetime.now(UTC).isoformat(),
            "vendor": vendor,
            "migrations": _applied_migrations(connections[alias]),
        }
        if vendor == "sqlite":
            manifest.update(_backup_sqlite(tmp, alias))
        elif vendor == "postgresql":
            manifest.update(_backup_postgres(tmp, method, alias))
        else:
            raise BackupError(f"backups of {vendor} databases are not supported")
        manifest["files"] = media_manifest(media_root)
        manifest["seconds"] = round(time.monotonic() - start, 3)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
        archive = output / f"sqms-backup-{stamp}.tar"
        partial = archive.with_suffix(".tar.partial")
        with tarfile.open(partial, "w") as tar:
            tar.add(tmp / "manifest.json", arcname="manifest.json")
            for item in sorted(tmp.iterdir()):
                if item.name != "manifest.json":
                    tar.add(item, arcname=item.name)
            for rel in manifest["files"]:
                tar.add(media_root / rel, arcname=f"media/{rel}")
        partial.rename(archive)
    # A file changed while it was being archived would not match its manifest entry: check now.
    verify_archive(archive)
    return archive


def _backup_sqlite(tmp: Path, alias: str) -> dict[str, Any]:
    conn = connections[alias]
    conn.ensure_connection()
    if conn.in_atomic_block:
        raise BackupError("run the backup outside a transaction")
    target = tmp / "db.sqlite3"
    dst = sqlite3.connect(target)
    try:
        conn.connection.backup(dst)  # online backup API: a consistent copy while others read and write
        tables = sqlite_table_stats(dst)
    finally:
        dst.close()
    return {"method": "sqlite-backup-api", "database": "db.sqlite3", "tables": tables}


def _backup_postgres(tmp: Path, method: str, alias: str) -> dict[str, Any]:
    connections[alias].ensure_connection()
    server_version = connections[alias].connection.info.server_version
    usable, why = pg_dump_usable(server_version)
    if method == "auto":
        method = "pg_dump" if usable else "copy"
    if method == "pg_dump" and not usable:
        raise BackupError(f"cannot use pg_dump: {why}; use --method copy")
    with _pg_snapshot(alias) as (cur, snapshot):
        tables = pg_table_stats(cur)
        if method == "pg_dump":
            args, env = _pg_env(alias)
            cmd = [
                "pg_dump",
                *args,
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                "-f",
                str(tmp / "db.dump"),
                str(connections[alias].settings_dict["NAME"]),
            ]
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
            if done.returncode:
                raise BackupError(f"pg_dump failed: {done.stderr.strip()[:500]}")
            return {"method": "pg_dump", "database": "db.dump", "tables": tables, "pg_dump": why}
        (tmp / "tables").mkdir()
        for table in tables:
            # the SELECT form: a partitioned table cannot be copied from directly
            sql = f"COPY (SELECT * FROM {_quote(table)}) TO STDOUT WITH (FORMAT csv, HEADER)"
            with open(tmp / "tables" / f"{table}.csv", "wb") as fh, cur.copy(sql) as copy:
                for data in copy:
                    fh.write(data)
        return {"method": "copy", "database": "tables", "tables": tables, "pg_dump": why}


# --- verify and restore --------------------------------------------------------------------------------


def read_manifest(archive: Path | str) -> dict[str, Any]:
    with tarfile.open(archive) as tar:
        member = tar.extractfile("manifest.json")
        if member is None:
            raise BackupError(f"{archive}: no manifest.json")
        data: dict[str, Any] = json.loads(member.read().decode())
    if data.get("format") != FORMAT:
        raise BackupError(f"{archive}: unknown archive format {data.get('format')!r}")
    return data


def verify_archive(archive: Path | str) -> dict[str, Any]:
    """Check every file in the archive against the manifest (and the SQLite copy's tables)."""
    manifest = read_manifest(archive)
    problems = []
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        for rel, meta in manifest["files"].items():
            name = f"media/{rel}"
            if name not in names:
                problems.append(f"file {rel} missing from the archive")
                continue
            fh = tar.extractfile(name)
            digest = hashlib.sha256(fh.read() if fh else b"").hexdigest()
            if digest != meta["sha256"]:
                problems.append(f"file {rel} changed while the backup ran (checksum differs)")
        if manifest["vendor"] == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                tar.extract("db.sqlite3", tmp, filter="data")
                conn = sqlite3.connect(Path(tmp) / "db.sqlite3")
                try:
                    problems += compare_tables(manifest["tables"], sqlite_table_stats(conn))
                finally:
                    conn.close()
    if problems:
        raise BackupError("; ".join(problems[:20]))
    return manifest


def compare_tables(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    problems = []
    for table, meta in expected.items():
        got = actual.get(table)
        if got is None:
            problems.append(f"table {table} missing")
        elif got["rows"] != meta["rows"]:
            problems.append(f"table {table}: {got['rows']} rows, the backup has {meta['rows']}")
        elif got["checksum"] != meta["checksum"]:
            problems.append(f"table {table}: checksum differs")
    for table in actual:
        if table not in expected:
            problems.append(f"table {table} is not in the backup")
    return problems


def current_stats(alias: str = "default") -> dict[str, Any]:
    conn = connections[alias]
    if conn.vendor == "sqlite":
        conn.ensure_connection()
        raw = conn.connection
        return sqlite_table_stats(raw)
    with conn.cursor() as cursor:
        return pg_table_stats(cursor)


def restore(archive: Path | str, *, alias: str = "default", media: bool = True) -> dict[str, Any]:
    """Replace the database (and uploaded files) with the archive's, then verify against the manifest.

    Stop the web and worker processes first: the database is replaced as a whole.
    """
    manifest = verify_archive(archive)
    vendor = connections[alias].vendor
    if vendor != manifest["vendor"]:
        raise BackupError(f"the archive holds a {manifest['vendor']} database; this site uses {vendor}")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        if vendor == "sqlite":
            _restore_sqlite(tmp / "db.sqlite3", alias)
        elif manifest["method"] == "pg_dump":
            _restore_pg_dump(tmp / "db.dump", alias)
        else:
            _restore_copy(tmp / "tables", manifest, alias)
        problems = compare_tables(manifest["tables"], current_stats(alias))
        if media:
            root = Path(settings.MEDIA_ROOT)
            for rel in manifest["files"]:
                target = root / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(tmp / "media" / rel, target)
            have = media_manifest(root)
            for rel, meta in manifest["files"].items():
                if have.get(rel, {}).get("sha256") != meta["sha256"]:
                    problems.append(f"file {rel} differs after restore")
    if problems:
        raise BackupError("restore does not match the backup: " + "; ".join(problems[:20]))
    return manifest


def _restore_sqlite(path: Path, alias: str) -> None:
    conn = connections[alias]
    conn.ensure_connection()
    src = sqlite3.connect(path)
    try:
        # page-by-page copy under the database lock; readers see the old or the new database, never a mix
        src.backup(conn.connection)
    finally:
        src.close()


def _restore_pg_dump(dump: Path, alias: str) -> None:
    """The schema is emptied and the dump replayed in ONE transaction (psql --single-transaction): a
    failure leaves the database as it was. (``pg_restore --clean`` cannot drop the constraints that
    partitions inherit, e.g. of the month-partitioned service records.)"""
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]
    connections[alias].close()
    args, env = _pg_env(alias)
    script = subprocess.run(
        ["pg_restore", "--no-owner", "--no-privileges", "-f", "-", str(dump)],
        env=env,
        capture_output=True,
        check=False,
    )
    if script.returncode:
        raise BackupError(f"pg_restore failed: {script.stderr.decode(errors='replace').strip()[:500]}")
    q = _quote(schema)
    sql = f"DROP SCHEMA IF EXISTS {q} CASCADE;\nCREATE SCHEMA {q};\n".encode() + script.stdout
    cmd = ["psql", *args, "--no-psqlrc", "--quiet", "--single-transaction", "-v", "ON_ERROR_STOP=1",
           "-d", str(connections[alias].settings_dict["NAME"])]  # fmt: skip
    done = subprocess.run(cmd, env=env, input=sql, capture_output=True, check=False)
    if done.returncode:
        raise BackupError(f"restore failed: {done.stderr.decode(errors='replace').strip()[:500]}")


def _restore_copy(folder: Path, manifest: dict[str, Any], alias: str) -> None:
    """COPY archives hold data only: bring the schema to the archive's migrations, then load every table
    in one transaction (Django's foreign keys are DEFERRABLE, checked at commit)."""
    from django.core.management import call_command
    from django.db.migrations.loader import MigrationLoader

    code = {f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).graph.nodes}
    if code != set(manifest["migrations"]):
        raise BackupError(
            "this release's migrations differ from the archive's: restore with the release that made it, "
            "then upgrade (sqms migrate)"
        )
    call_command("migrate", database=alias, interactive=False, verbosity=0)
    conn = connections[alias]
    with conn.cursor() as cursor:
        cursor.execute("BEGIN")
        try:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            tables = list(manifest["tables"])
            cursor.execute("TRUNCATE " + ", ".join(_quote(t) for t in tables) + " RESTART IDENTITY CASCADE")
            raw = cursor.cursor
            for table in tables:
                path = folder / f"{table}.csv"
                with open(path, encoding="utf-8", newline="") as fh:
                    header = next(csv.reader(io.StringIO(fh.readline())))
                    cols = ", ".join(_quote(c) for c in header)
                    with raw.copy(f"COPY {_quote(table)} ({cols}) FROM STDIN WITH (FORMAT csv)") as copy:
                        for chunk in iter(lambda: fh.read(1 << 20), ""):
                            copy.write(chunk)
                if "id" in header:
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence(%s, 'id'), coalesce(max(id), 1), max(id) IS NOT NULL) "
                        f"FROM {_quote(table)}",
                        [_quote(table)],
                    )
            cursor.execute("COMMIT")
        except Exception:
            cursor.execute("ROLLBACK")
            raise
