"""The report is a registry of sections. Each section is ``build(period, user) -> data | None``; ``None``
(or an exception from an app that is not there yet) leaves the section out, with nothing shown.

Section data (JSON-safe, rendered the same way to the page, the PDF and the Excel workbook)::

    {"figures": [{"label": str, "value": number|str|None, "suffix": "%"?}],
     "tables": [{"title": str, "columns": [str], "rows": [[cell, ...]]}],
     "chart": {"title": str, "labels": [str], "values": [number], "series": str} | None,
     "note": str}
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from sqms.reports.domain import Period

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportPeriod:
    """What a section is built for: a month or quarter, optionally one unit's subtree."""

    period: Period
    unit: Any = None  # OrgUnit or None (the whole organisation, within the user's scope)

    @property
    def start(self) -> dt.date:
        return self.period.start

    @property
    def end(self) -> dt.date:
        return self.period.end

    @property
    def unit_path(self) -> str:
        return self.unit.path if self.unit is not None else ""

    @property
    def unit_code(self) -> str:
        return self.unit.code if self.unit is not None else ""

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        tz = timezone.get_current_timezone()
        return (
            dt.datetime.combine(self.start, dt.time.min, tz),
            dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tz),
        )

    def in_unit(self, qs: Any, path_field: str = "org_unit__path") -> Any:
        return qs.filter(**{f"{path_field}__startswith": self.unit_path}) if self.unit_path else qs


@dataclass
class Section:
    key: str
    order: int
    title: Any
    build: Callable[[ReportPeriod, Any], dict[str, Any] | None]


SECTIONS: dict[str, Section] = {}


def register_section(key: str, order: int, title: Any, build: Callable[[ReportPeriod, Any], Any]) -> None:
    SECTIONS[key] = Section(key, order, title, build)


def build_sections(period: ReportPeriod, user: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for section in sorted(SECTIONS.values(), key=lambda s: (s.order, s.key)):
        try:
            data = section.build(period, user)
        except (ImportError, LookupError, AttributeError) as exc:  # an app not (yet) installed
            log.info("report section %s skipped: %s", section.key, exc)
            data = None
        if not data:
            continue
        out.append(
            {
                "key": section.key,
                "title": str(section.title),
                "figures": data.get("figures", []),
                "tables": data.get("tables", []),
                "chart": data.get("chart"),
                "note": str(data.get("note", "")),
            }
        )
    return out


def optional_app_section(app: str, module: str = "selectors", attr: str = "quality_report_section") -> Any:
    """A section provided by another app's ``<app>.<module>.<attr>(user, start, end, unit_path)`` when the
    app and the function exist; otherwise the section is skipped (returns ``None``)."""

    def build(period: ReportPeriod, user: Any) -> dict[str, Any] | None:
        import importlib

        from django.apps import apps

        if not apps.is_installed(f"sqms.{app}"):
            return None
        try:
            mod = importlib.import_module(f"sqms.{app}.{module}")
        except ImportError:
            return None
        fn = getattr(mod, attr, None)
        if fn is None:
            return None
        return fn(user, period.start, period.end, period.unit_path)

    return build
