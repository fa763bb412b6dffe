"""``sqms doctor``: every check returns a :class:`Check` (ok, what was found, how to fix it).

Names, findings and fixes are translated into the active language (the command activates
``settings.LANGUAGE_CODE``, or ``--language``): the catalogue is ``sqms/core/ops/locale``. Names of
settings, commands and files stay as they are."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import pgettext


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
            problems.append(_("DEBUG is on"))
        if "development-only" in settings.SECRET_KEY or len(settings.SECRET_KEY) < 50:
            problems.append(_("SQMS_SECRET_KEY is the development key or shorter than 50 characters"))
        if not settings.ALLOWED_HOSTS:
            problems.append(_("SQMS_ALLOWED_HOSTS is empty"))
    messages = checks.run_checks(include_deployment_checks=bool(getattr(settings, "PRODUCTION", False)))
    serious = [m for m in messages if m.level >= checks.WARNING and not m.is_silenced()]
    problems += [f"{m.id}: {m.msg.splitlines()[0][:120]}" for m in serious]
    mode = _("production mode") if getattr(settings, "PRODUCTION", False) else _("development mode")
    name = pgettext("doctor check", "configuration")
    if problems:
        return Check(
            name,
            False,
            _("%(mode)s: %(problems)s") % {"mode": mode, "problems": _("; ").join(problems)},
            _("set the SQMS_* variables as docs/operations.md says, then `%(cmd)s`")
            % {"cmd": "SQMS_PRODUCTION=1 sqms check --deploy"},
        )
    debug = _("DEBUG on") if settings.DEBUG else _("DEBUG off")
    return Check(name, True, _("%(mode)s, %(debug)s, system checks clean") % {"mode": mode, "debug": debug})


def check_database() -> list[Check]:
    from sqms.core.ops.health import check_database as probe

    out = []
    for alias in settings.DATABASES:
        ok, detail = probe(alias)
        vendor = settings.DATABASES[alias]["ENGINE"].rsplit(".", 1)[-1]
        out.append(
            Check(
                pgettext("doctor check", "database (%(alias)s)") % {"alias": alias},
                ok,
                f"{vendor}: {detail}",
                _("check DATABASE_URL / DATABASE_REPLICA_URL, that the server runs and accepts this user"),
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
            pgettext("doctor check", "migrations"),
            False,
            (_("cannot read the migration state: %(error)s") % {"error": exc})[:300],
            _("fix the database first"),
        )
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in plan[:5])
        more = _(" and %(n)s more") % {"n": len(plan) - 5} if len(plan) > 5 else ""
        return Check(
            pgettext("doctor check", "migrations"),
            False,
            _("%(n)s unapplied: %(names)s%(more)s") % {"n": len(plan), "names": names, "more": more},
            _("run `%(cmd)s`") % {"cmd": "sqms migrate"},
        )
    return Check(pgettext("doctor check", "migrations"), True, _("all applied"))


def check_queue() -> Check:
    from huey.contrib.djhuey import HUEY

    kind = type(HUEY).__name__
    name = pgettext("doctor check", "queue")
    if HUEY.immediate:
        return Check(
            name, True, _("%(kind)s in immediate mode (tasks run inside the request)") % {"kind": kind}
        )
    try:
        pending = HUEY.pending_count()
        scheduled = HUEY.scheduled_count()
    except Exception as exc:
        return Check(
            name,
            False,
            f"{kind}: {type(exc).__name__}: {exc}"[:300],
            _("check SQMS_REDIS_URL and that Redis runs (or that SQMS_DATA_DIR is writable for SqliteHuey)"),
        )
    return Check(
        name,
        True,
        _("%(kind)s: %(pending)s pending, %(scheduled)s scheduled")
        % {"kind": kind, "pending": pending, "scheduled": scheduled},
    )


def check_worker() -> Check:
    from huey.contrib.djhuey import HUEY

    from sqms.core.ops.heartbeat import STALE_AFTER, age_seconds

    name = pgettext("doctor check", "worker heartbeat")
    if HUEY.immediate:
        return Check(name, True, _("not needed: tasks run inline (immediate mode)"))
    try:
        age = age_seconds()
    except Exception as exc:
        return Check(
            name, False, (_("cannot read it: %(error)s") % {"error": exc})[:300], _("fix the queue first")
        )
    if age is None:
        return Check(
            name,
            False,
            _("no consumer has ever written a heartbeat"),
            _("start `sqms worker` (systemd unit sqms-worker, docs/operations.md); it beats every minute"),
        )
    if age > STALE_AFTER:
        return Check(
            name,
            False,
            _("last beat %(age)s s ago (stale after %(limit)s s)")
            % {"age": f"{age:.0f}", "limit": STALE_AFTER},
            _("is `sqms worker` running? `systemctl status sqms-worker`, `journalctl -u sqms-worker`"),
        )
    return Check(name, True, _("last beat %(age)s s ago") % {"age": f"{age:.0f}"})


def check_mail() -> Check:
    backend = (
        settings.EMAIL_BACKEND.rsplit(".", 2)[-2] if "." in settings.EMAIL_BACKEND else settings.EMAIL_BACKEND
    )
    name = pgettext("doctor check", "mail")
    if "smtp" not in settings.EMAIL_BACKEND:
        if getattr(settings, "PRODUCTION", False) and backend in {"console", "locmem", "dummy"}:
            return Check(
                name,
                False,
                _("%(backend)s backend in production: nobody receives e-mail") % {"backend": backend},
                _("set SQMS_EMAIL_* (SMTP)"),
            )
        return Check(name, True, _("%(backend)s backend") % {"backend": backend})
    try:
        with socket.create_connection((settings.EMAIL_HOST, settings.EMAIL_PORT), timeout=3):
            pass
    except OSError as exc:
        return Check(
            name,
            False,
            _("SMTP %(server)s unreachable: %(error)s")
            % {"server": f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}", "error": exc},
            _("set SQMS_EMAIL_HOST / SQMS_EMAIL_PORT (and USER/PASSWORD/USE_TLS) to your mail relay"),
        )
    return Check(
        name, True, _("SMTP %(server)s answers") % {"server": f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"}
    )


def check_font() -> Check:
    path = Path(getattr(settings, "SQMS_PDF_FONT", ""))
    name = pgettext("doctor check", "PDF font")
    if path.is_file():
        return Check(name, True, str(path))
    return Check(
        name,
        False,
        _("%(path)s not found (PDFs fall back to the STSong-Light CID font, which viewers may not show)")
        % {"path": path},
        _("apt-get install fonts-wqy-microhei, or set SQMS_PDF_FONT to a TrueType font with CJK glyphs"),
    )


def check_disk(min_free_mb: int | None = None) -> list[Check]:
    min_free = (
        min_free_mb if min_free_mb is not None else int(os.environ.get("SQMS_DOCTOR_MIN_FREE_MB", "1024"))
    )
    out = []
    seen: set[str] = set()
    for label, path in (
        (pgettext("doctor check", "data dir"), Path(settings.DATA_DIR)),
        (pgettext("doctor check", "media"), Path(settings.MEDIA_ROOT)),
    ):
        name = pgettext("doctor check", "disk (%(label)s)") % {"label": label}
        key = str(path.resolve())
        if key in seen:
            continue
        seen.add(key)
        probe = path if path.exists() else path.parent
        try:
            usage = shutil.disk_usage(probe)
        except OSError as exc:
            out.append(
                Check(
                    name, False, f"{path}: {exc}", _("create %(path)s and make it writable") % {"path": path}
                )
            )
            continue
        free_mb = usage.free // (1024 * 1024)
        writable = os.access(probe, os.W_OK)
        ok = free_mb >= min_free and writable
        detail = _("%(path)s: %(free)s MB free of %(total)s MB") % {
            "path": path,
            "free": free_mb,
            "total": usage.total // (1024 * 1024),
        } + ("" if writable else _(", NOT writable"))
        out.append(
            Check(
                name,
                ok,
                detail,
                _(
                    "free space (at least %(min)s MB: SQMS_DOCTOR_MIN_FREE_MB) or give the service user write access"
                )
                % {"min": min_free},
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
            value = Check(key, False, f"{type(exc).__name__}: {exc}"[:300], _("see the message"))
        results.extend(value if isinstance(value, list) else [value])
    return results


def _pad(text: str, columns: int) -> str:
    """``text`` padded with spaces to ``columns`` terminal columns (a CJK character takes two)."""
    import unicodedata

    width = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, columns - width)


def report_lines(results: list[Check]) -> tuple[list[tuple[bool, str]], str]:
    """The command's output in the active language: (ok, line) per check and its fix, and the summary."""
    lines: list[tuple[bool, str]] = []
    for c in results:
        mark = pgettext("doctor result", "OK") if c.ok else pgettext("doctor result", "FAIL")
        lines.append((c.ok, f"{_pad(mark, 4)} {c.name}: {c.detail}"))
        if not c.ok and c.fix:
            lines.append((False, "     " + _("fix: %(fix)s") % {"fix": c.fix}))
    failed = sum(1 for c in results if not c.ok)
    if failed:
        summary = _("%(failed)s of %(n)s checks failed") % {"failed": failed, "n": len(results)}
    else:
        summary = _("all %(n)s checks passed") % {"n": len(results)}
    return lines, summary
