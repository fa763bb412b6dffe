"""What the gunicorn master loads once before it forks its workers (``preload_app``): every URL pattern
(and with them the views, the API schema and what they import), the translation catalogues, and whatever
apps register here (the text app: the Chinese segmenter's dictionary and the active complaint classifier).
Workers forked afterwards share these pages copy-on-write instead of each building its own copy (~1–2 s and
tens of MiB per worker). Nothing here is required: a failure only means each worker's first request pays."""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable

_HOOKS: list[Callable[[], None]] = []


def register_warm_up(fn: Callable[[], None]) -> None:
    """An app's loader to run in the master before the fork (call from ``AppConfig.ready``)."""
    if fn not in _HOOKS:
        _HOOKS.append(fn)


def warm_up() -> None:
    from django.db import connections
    from django.urls import get_resolver
    from django.utils import translation

    log = logging.getLogger("sqms.wsgi")
    try:
        get_resolver().url_patterns  # noqa: B018 - imports every urls/views/api module
        get_resolver()._populate()
        for lang in ("zh-hans", "en"):
            with translation.override(lang):
                translation.gettext("Dashboard")
        for hook in _HOOKS:
            hook()
    except Exception:
        log.warning("warm-up before fork failed; workers load on first use", exc_info=True)
    finally:
        connections.close_all()  # never share a database connection across the fork
    gc.collect()
    gc.freeze()  # keep the collector from touching (and so copying) the master's objects in every worker
