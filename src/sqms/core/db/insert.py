"""Plain ``INSERT`` statements for hot write paths that wrap an insert in a larger statement (data-modifying
CTEs on PostgreSQL): the columns and values ``Model.save()`` would write for a new row — every local concrete
field but an auto primary key, each value through ``pre_save(add=True)`` (``auto_now`` stamps included) and
``get_db_prep_save`` — without Django's insert compiler, which on the complaint path cost more CPU than the
database spent on the writes. For models whose fields are plain values (no expressions as values)."""

from __future__ import annotations

from typing import Any

from django.db import connection


def fields(model: Any, *, skip: tuple[str, ...] = ()) -> list[Any]:
    """The fields a new row of ``model`` writes, less those named in ``skip``."""
    return [f for f in model._meta.local_concrete_fields if not f.primary_key and f.name not in skip]


def values(instance: Any, columns: list[Any]) -> list[Any]:
    """The database values of ``instance`` for ``columns``, as ``save()`` would send them."""
    return [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in columns]


def column_list(columns: list[Any]) -> str:
    return ", ".join(connection.ops.quote_name(f.column) for f in columns)


def statement(model: Any, columns: list[Any]) -> str:
    """``INSERT INTO <table> (<columns>) VALUES (%s, …)`` for :func:`values` of those columns."""
    table = connection.ops.quote_name(model._meta.db_table)
    return f"INSERT INTO {table} ({column_list(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
