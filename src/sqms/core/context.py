"""Per-request context (request id) that services read when they write audit records.

A contextvar rather than a thread-local so it also works under ASGI; outside a request (CLI, tasks)
the request id is a fresh one per command so a batch of changes can still be grouped.
"""

from __future__ import annotations

import contextvars
import uuid

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("sqms_request_id", default="")


def new_request_id() -> str:
    return uuid.uuid4().hex


def set_request_id(value: str) -> contextvars.Token[str]:
    return _request_id.set(value)


def reset_request_id(token: contextvars.Token[str]) -> None:
    _request_id.reset(token)


def current_request_id() -> str:
    value = _request_id.get()
    if not value:
        value = new_request_id()
        _request_id.set(value)
    return value
