"""The ``sqms`` command: Django's manage.py plus SQMS's own commands (demo, import, export, worker, sla …).

``sqms analyze`` and ``sqms ahp`` take a fast path: they need only numpy and :mod:`sqms.stats`, so they
run without starting Django (:mod:`sqms.core.tabular`; the management commands of the same names wrap
the same code and print the same output). Django's global options (``--settings``, ``--traceback`` …)
send them through Django instead.
"""

import os
import sys

_FAST = {"analyze": "analyze_main", "ahp": "ahp_main"}
_DJANGO_OPTIONS = (
    "--settings",
    "--pythonpath",
    "--traceback",
    "--verbosity",
    "-v",
    "--no-color",
    "--force-color",
    "--skip-checks",
)


def main() -> None:
    argv = sys.argv
    if len(argv) > 1 and argv[1] in _FAST and not any(a.split("=")[0] in _DJANGO_OPTIONS for a in argv[2:]):
        from sqms.core import tabular

        sys.exit(getattr(tabular, _FAST[argv[1]])(argv[2:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sqms.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
