"""``sqms analyze`` through Django's command machinery: a thin wrapper over :mod:`sqms.core.tabular`.

``sqms analyze`` on the command line does not come here: ``sqms.__main__`` runs the same code without
starting Django (see :func:`sqms.core.tabular.analyze_main`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sqms.core.tabular import ANALYZE_HELP, InputError, add_analyze_arguments, analyze_output
from sqms.stats._data import StatsError


class Command(BaseCommand):
    help = ANALYZE_HELP

    def add_arguments(self, parser: Any) -> None:
        add_analyze_arguments(parser)

    def handle(
        self, *args: Any, file: str, items: str | None, dimensions: str | None, json: bool, **options: Any
    ) -> None:
        try:
            text = analyze_output(file, items, dimensions, json)
        except (InputError, StatsError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(text, ending="")
