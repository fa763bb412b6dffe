"""Plain ``INSERT`` statements for hot write paths that wrap an insert in a larger statement (data-modifying
CTEs on PostgreSQL): the columns and values ``Model.save()`` would write for a new row — every local concrete
field but an auto primary key, each value through ``pre_save(add=True)`` (``auto_now`` stamps included) and
``get_db_prep_save`` — without Django's insert compiler, which on the complaint path cost more CPU than the
database spent on the writes. For models whose fields are plain values (no expressions as values)."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import connection


@cache
def fields(model: Any, *, skip: tuple[str, ...] = ()) -> tuple[Any, ...]:
    """The fields a new row of ``model`` writes, less those named in ``skip`` (once per process)."""
    return tuple(f for f in model._meta.local_concrete_fields if not f.primary_key and f.name not in skip)


def values(instance: Any, columns: tuple[Any, ...]) -> list[Any]:
    """The database values of ``instance`` for ``columns``, as ``save()`` would send them."""
    return [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in columns]


def column_list(columns: tuple[Any, ...]) -> str:
    return _column_list(columns, connection.vendor)


@cache
def _column_list(columns: tuple[Any, ...], vendor: str) -> str:  # the text is built once per process
    return ", ".join(connection.ops.quote_name(f.column) for f in columns)


def statement(model: Any, columns: tuple[Any, ...]) -> str:
    """``INSERT INTO <table> (<columns>) VALUES (%s, …)`` for :func:`values` of those columns."""
    table = connection.ops.quote_name(model._meta.db_table)
    return f"INSERT INTO {table} ({column_list(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"


def mark_saved(instance: Any, pk: Any) -> None:
    """Make ``instance`` what ``save()`` leaves behind once its row is written: its primary key set, no
    longer adding, bound to the current database."""
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = connection.alias
