"""``sqms ahp`` through Django's command machinery: a thin wrapper over :mod:`sqms.core.tabular`.

``sqms ahp`` on the command line does not come here: ``sqms.__main__`` runs the same code without
starting Django (see :func:`sqms.core.tabular.ahp_main`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sqms.core.tabular import AHP_HELP, InputError, add_ahp_arguments, ahp_output
from sqms.stats._data import StatsError


class Command(BaseCommand):
    help = AHP_HELP

    def add_arguments(self, parser: Any) -> None:
        add_ahp_arguments(parser)

    def handle(self, *args: Any, matrixfile: str, ri: str, method: str, json: bool, **options: Any) -> None:
        try:
            text = ahp_output(matrixfile, ri, method, json)
        except (InputError, StatsError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(text, ending="")
