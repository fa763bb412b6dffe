"""PostgreSQL: a new ticket and its "created" event written in one statement, with its number checked and
the ticket it repeats looked up in the same statement.

Through the ORM these were four round trips (number and repeat look-up, ticket insert, event insert), and
Django's insert compiler spent more CPU per complaint than the database spent on the writes. Here the
columns and values are the same ones ``Model.save()`` would write (:mod:`sqms.core.db.insert`) — in one
data-modifying statement:

* the ticket: ``INSERT … ON CONFLICT (number) DO NOTHING`` — a taken number inserts nothing (and so no
  event), and the caller draws another (:func:`sqms.feedback.services._draw_number`);
* its ``repeat_of`` column: the repeat look-up as a scalar subquery (the latest earlier ticket of the same
  customer or phone and category, :func:`sqms.feedback.services._repeat_sql`);
* the event: ``INSERT … SELECT`` from the ticket's ``RETURNING`` row (each value cast to its column's type:
  a bare ``NULL`` in a select list would be text);
* one result row: the ticket's id, the repeated ticket's id and number, the event's id.

Neither model has save signals or ``save()`` logic that applies to a new row (``TicketEvent.save`` only
invalidates the SLA cache of an existing ticket, which the caller skips for a new one); the other databases
keep ``save()``. Tests run the same creation scenarios on both databases.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import connection

from sqms.core.db import insert as plain
from sqms.feedback.models import Ticket, TicketEvent


@cache
def _casts(columns: tuple[Any, ...], vendor: str) -> str:
    """``CAST(%s AS <type>)`` for each column, once per process."""
    return ", ".join(f"CAST(%s AS {f.db_type(connection)})" for f in columns)


def insert(ticket: Ticket, event: TicketEvent, repeat: tuple[str, list[Any]] | None) -> bool:
    """Insert ``ticket`` (its ``number`` set) and ``event``; False, writing nothing, if the number is
    taken. On success both instances are saved ones (pk set) and ``ticket.repeat_of`` is set."""
    qn = connection.ops.quote_name
    t_meta, e_meta = Ticket._meta, TicketEvent._meta
    t_fields = plain.fields(Ticket)
    e_fields = plain.fields(TicketEvent, skip=("ticket",))
    ticket.repeat_of_id = None  # set by the statement from the look-up
    t_values = plain.values(ticket, t_fields)
    marks = []
    params: list[Any] = []
    for f, value in zip(t_fields, t_values, strict=True):
        if f.name == "repeat_of" and repeat is not None:
            marks.append(f"(SELECT rr.{qn('id')} FROM ({repeat[0]}) rr)")
            params.extend(repeat[1])
        else:
            marks.append("%s")
            params.append(value)
    e_values = plain.values(event, e_fields)
    params.extend(e_values)
    t_pk, e_pk = qn(t_meta.pk.column), qn(e_meta.pk.column)
    repeat_col = qn(t_meta.get_field("repeat_of").column)
    sql = (
        f"WITH t AS (INSERT INTO {qn(t_meta.db_table)} ({plain.column_list(t_fields)})"
        f" VALUES ({', '.join(marks)}) ON CONFLICT ({qn('number')}) DO NOTHING"
        f" RETURNING {t_pk}, {repeat_col}),"
        f" e AS (INSERT INTO {qn(e_meta.db_table)}"
        f" ({qn(e_meta.get_field('ticket').column)}, {plain.column_list(e_fields)})"
        f" SELECT t.{t_pk}, {_casts(e_fields, connection.vendor)} FROM t"
        f" RETURNING {e_pk})"
        f" SELECT t.{t_pk}, t.{repeat_col},"
        f" (SELECT r.{qn('number')} FROM {qn(t_meta.db_table)} r WHERE r.{t_pk} = t.{repeat_col}),"
        f" (SELECT e.{e_pk} FROM e) FROM t"
    )
    with connection.cursor() as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
    if row is None:
        return False
    ticket_id, repeat_id, repeat_number, event_id = row
    plain.mark_saved(ticket, ticket_id)
    ticket.repeat_of = (
        None
        if repeat_id is None
        else Ticket.from_db(connection.alias, ["id", "number"], [repeat_id, repeat_number])
    )
    event.ticket = ticket
    plain.mark_saved(event, event_id)
    return True
