"""The WSGI application. The gunicorn master loads it once and runs
:func:`sqms.core.ops.warmup.warm_up` before it forks its workers (``preload_app``; see
:mod:`sqms.core.ops.gunicorn_conf`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sqms.settings")
application = get_wsgi_application()
