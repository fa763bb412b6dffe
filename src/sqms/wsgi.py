"""The WSGI application, and :func:`warm_up`, which the gunicorn master runs once before it forks its
workers (``preload_app``; see :mod:`sqms.core.ops.gunicorn_conf`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sqms.settings")
application = get_wsgi_application()


def warm_up() -> None:
    """Load, once in the master, what each worker would otherwise load on its first requests: every URL
    pattern (and with them the views, the API schema and what they import), the translation catalogues,
    the Chinese segmenter's dictionary and the active complaint classifier. Workers forked afterwards share
    these pages copy-on-write instead of each building its own copy (~1–2 s and tens of MiB per worker).
    Database connections opened here are closed before the fork. Nothing here is required: a failure only
    means the first request of each worker pays for it."""
    import gc
    import logging

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
        from sqms.text.services import warm_up as warm_text

        warm_text()
    except Exception:
        log.warning("warm-up before fork failed; workers load on first use", exc_info=True)
    finally:
        connections.close_all()
    gc.collect()
    gc.freeze()  # keep the collector from touching (and so copying) the master's objects in every worker
