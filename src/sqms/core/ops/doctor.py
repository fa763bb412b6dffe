"""``sqms doctor``: every check returns a :class:`Check` (ok, what was found, how to fix it)."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def check_configuration() -> Check:
    from django.core import checks

    problems = []
    if getattr(settings, "PRODUCTION", False):
        if settings.DEBUG:
            problems.append("DEBUG is on")
        if "development-only" in settings.SECRET_KEY or len(settings.SECRET_KEY) < 50:
            problems.append("SQMS_SECRET_KEY is the development key or shorter than 50 characters")
        if not settings.ALLOWED_HOSTS:
            problems.append("SQMS_ALLOWED_HOSTS is empty")
    messages = checks.run_checks(include_deployment_checks=bool(getattr(settings, "PRODUCTION", False)))
    serious = [m for m in messages if m.level >= checks.WARNING and not m.is_silenced()]
    problems += [f"{m.id}: {m.msg.splitlines()[0][:120]}" for m in serious]
    mode = "production" if getattr(settings, "PRODUCTION", False) else "development"
    if problems:
        return Check(
            "configuration",
            False,
            f"{mode} mode: " + "; ".join(problems),
            "set the SQMS_* variables as docs/operations.md says, then `SQMS_PRODUCTION=1 sqms check --deploy`",
        )
    return Check(
        "configuration", True, f"{mode} mode, DEBUG {'on' if settings.DEBUG else 'off'}, system checks clean"
    )


def check_database() -> list[Check]:
    from sqms.core.ops.health import check_database as probe

    out = []
    for alias in settings.DATABASES:
        ok, detail = probe(alias)
        vendor = settings.DATABASES[alias]["ENGINE"].rsplit(".", 1)[-1]
        out.append(
            Check(
                f"database ({alias})",
                ok,
                f"{vendor}: {detail}",
                "check DATABASE_URL / DATABASE_REPLICA_URL, that the server runs and accepts this user",
            )
        )
    return out


def check_migrations() -> Check:
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connections["default"])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        return Check(
            "migrations", False, f"cannot read the migration state: {exc}"[:300], "fix the database first"
        )
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in plan[:5])
        more = f" and {len(plan) - 5} more" if len(plan) > 5 else ""
        return Check("migrations", False, f"{len(plan)} unapplied: {names}{more}", "run `sqms migrate`")
    return Check("migrations", True, "all applied")


def check_queue() -> Check:
    from huey.contrib.djhuey import HUEY

    kind = type(HUEY).__name__
    if HUEY.immediate:
        return Check("queue", True, f"{kind} in immediate mode (tasks run inside the request)")
    try:
        pending = HUEY.pending_count()
        scheduled = HUEY.scheduled_count()
    except Exception as exc:
        return Check(
            "queue",
            False,
            f"{kind}: {type(exc).__name__}: {exc}"[:300],
            "check SQMS_REDIS_URL and that Redis runs (or that SQMS_DATA_DIR is writable for SqliteHuey)",
        )
    return Check("queue", True, f"{kind}: {pending} pending, {scheduled} scheduled")


def check_worker() -> Check:
    from huey.contrib.djhuey import HUEY

    from sqms.core.ops.heartbeat import STALE_AFTER, age_seconds

    if HUEY.immediate:
        return Check("worker heartbeat", True, "not needed: tasks run inline (immediate mode)")
    try:
        age = age_seconds()
    except Exception as exc:
        return Check("worker heartbeat", False, f"cannot read it: {exc}"[:300], "fix the queue first")
    if age is None:
        return Check(
            "worker heartbeat",
            False,
            "no consumer has ever written a heartbeat",
            "start `sqms worker` (systemd unit sqms-worker, docs/operations.md); it beats every minute",
        )
    if age > STALE_AFTER:
        return Check(
            "worker heartbeat",
            False,
            f"last beat {age:.0f} s ago (stale after {STALE_AFTER} s)",
            "is `sqms worker` running? `systemctl status sqms-worker`, `journalctl -u sqms-worker`",
        )
    return Check("worker heartbeat", True, f"last beat {age:.0f} s ago")


def check_mail() -> Check:
    backend = (
        settings.EMAIL_BACKEND.rsplit(".", 2)[-2] if "." in settings.EMAIL_BACKEND else settings.EMAIL_BACKEND
    )
    if "smtp" not in settings.EMAIL_BACKEND:
        if getattr(settings, "PRODUCTION", False) and backend in {"console", "locmem", "dummy"}:
            return Check(
                "mail",
                False,
                f"{backend} backend in production: nobody receives e-mail",
                "set SQMS_EMAIL_* (SMTP)",
            )
        return Check("mail", True, f"{backend} backend")
    try:
        with socket.create_connection((settings.EMAIL_HOST, settings.EMAIL_PORT), timeout=3):
            pass
    except OSError as exc:
        return Check(
            "mail",
            False,
            f"SMTP {settings.EMAIL_HOST}:{settings.EMAIL_PORT} unreachable: {exc}",
            "set SQMS_EMAIL_HOST / SQMS_EMAIL_PORT (and USER/PASSWORD/USE_TLS) to your mail relay",
        )
    return Check("mail", True, f"SMTP {settings.EMAIL_HOST}:{settings.EMAIL_PORT} answers")


def check_font() -> Check:
    path = Path(getattr(settings, "SQMS_PDF_FONT", ""))
    if path.is_file():
        return Check("PDF font", True, str(path))
    return Check(
        "PDF font",
        False,
        f"{path} not found (PDFs fall back to the STSong-Light CID font, which viewers may not show)",
        "apt-get install fonts-wqy-microhei, or set SQMS_PDF_FONT to a TrueType font with CJK glyphs",
    )


def check_disk(min_free_mb: int | None = None) -> list[Check]:
    min_free = (
        min_free_mb if min_free_mb is not None else int(os.environ.get("SQMS_DOCTOR_MIN_FREE_MB", "1024"))
    )
    out = []
    seen: set[str] = set()
    for label, path in (("data dir", Path(settings.DATA_DIR)), ("media", Path(settings.MEDIA_ROOT))):
        key = str(path.resolve())
        if key in seen:
            continue
        seen.add(key)
        probe = path if path.exists() else path.parent
        try:
            usage = shutil.disk_usage(probe)
        except OSError as exc:
            out.append(
                Check(f"disk ({label})", False, f"{path}: {exc}", f"create {path} and make it writable")
            )
            continue
        free_mb = usage.free // (1024 * 1024)
        writable = os.access(probe, os.W_OK)
        ok = free_mb >= min_free and writable
        detail = f"{path}: {free_mb} MB free of {usage.total // (1024 * 1024)} MB" + (
            "" if writable else ", NOT writable"
        )
        out.append(
            Check(
                f"disk ({label})",
                ok,
                detail,
                f"free space (at least {min_free} MB: SQMS_DOCTOR_MIN_FREE_MB) or give the service user write access",
            )
        )
    return out


CHECKS: dict[str, Callable[[], Check | list[Check]]] = {
    "configuration": check_configuration,
    "database": check_database,
    "migrations": check_migrations,
    "queue": check_queue,
    "worker": check_worker,
    "mail": check_mail,
    "font": check_font,
    "disk": check_disk,
}


def run(skip: set[str] | None = None) -> list[Check]:
    results: list[Check] = []
    for key, fn in CHECKS.items():
        if skip and key in skip:
            continue
        try:
            value = fn()
        except Exception as exc:  # a check that crashes is a failed check, not a crashed doctor
            value = Check(key, False, f"{type(exc).__name__}: {exc}"[:300], "see the message")
        results.extend(value if isinstance(value, list) else [value])
    return results
