"""Structured logs: one JSON object per line when ``SQMS_LOG_FORMAT=json``.

Every record carries ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message`` and, inside a web request
or a task, ``request_id`` (the web request's id is carried to the tasks it enqueued), ``user_id`` and
``path``; the per-request line written by :class:`sqms.core.ops.middleware.OpsMiddleware` (logger
``sqms.request``) adds ``status``, ``method``, ``route`` and ``duration_ms``.  Exceptions go to ``exc``.
"""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime
from typing import Any

_user_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("sqms_user_id", default=None)
_path: contextvars.ContextVar[str] = contextvars.ContextVar("sqms_path", default="")

_EXTRA = ("status", "method", "route", "duration_ms", "remote_addr", "task")
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def set_request(user_id: int | None, path: str) -> tuple[contextvars.Token[Any], contextvars.Token[str]]:
    return _user_id.set(user_id), _path.set(path)


def reset_request(tokens: tuple[contextvars.Token[Any], contextvars.Token[str]]) -> None:
    _user_id.reset(tokens[0])
    _path.reset(tokens[1])


def set_user(user_id: int | None) -> None:
    _user_id.set(user_id)


class RequestContextFilter(logging.Filter):
    """Adds request_id, user_id and path to every record (empty outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        from sqms.core.context import _request_id

        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get() or None
        if not hasattr(record, "user_id"):
            record.user_id = _user_id.get()
        if not hasattr(record, "path"):
            record.path = _path.get() or None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "user_id": getattr(record, "user_id", None),
            "path": getattr(record, "path", None),
        }
        for key in _EXTRA:
            if hasattr(record, key):
                data[key] = getattr(record, key)
        for key, value in vars(record).items():  # any other extra= the caller passed
            if key not in _STANDARD and key not in data and not key.startswith("_"):
                data[key] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The human format (default): time level logger [request id] message."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
