"""PostgreSQL only: ``kpi_servicerecord`` becomes a table range-partitioned by ``requested_at`` month.

* one partition per UTC calendar month holding data, plus the current month and the next three, plus a
  DEFAULT partition; the existing rows are moved;
* primary key ``(id, requested_at)`` (a unique key of a partitioned table must contain the partition key);
  ``id`` keeps its values and takes new ones from the sequence ``kpi_servicerecord_id_seq``;
* the uniqueness of ``(source, external_id)`` is kept by the unpartitioned table ``kpi_servicerecord_key``
  (written by every writer, see :mod:`sqms.kpi.partitions`); a statement trigger deletes the key rows of
  deleted records and follows a changed key; ``(source, external_id)`` keeps a plain index for look-ups;
* foreign keys *to* ``kpi_servicerecord(id)`` (``audits_inspection.service_record_id``) cannot exist any
  more (``id`` alone is not unique at the database level); Django's ``on_delete`` still applies.

The model state does not change (the table is still ``ServiceRecord`` to Django). SQLite: nothing happens.
The reverse migration turns the table back into a plain one with its original keys.
"""

import datetime as dt

from django.db import migrations

T = "kpi_servicerecord"
KEY = "kpi_servicerecord_key"
DEFAULT = "kpi_servicerecord_default"
AHEAD = 3


def _months_after(month, n):
    out = []
    for _i in range(n):
        out.append(month)
        month = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return out


def _bound(month):
    return f"'{month.isoformat()} 00:00:00+00'"


def _forget():
    try:
        from sqms.kpi import partitions
    except ImportError:  # pragma: no cover - the module is gone in some later version
        return
    partitions.forget()


TRIGGERS = f"""
CREATE FUNCTION {T}_key_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {KEY} k USING gone g WHERE k.source = g.source AND k.external_id = g.external_id;
    RETURN NULL;
END $$;
CREATE TRIGGER {T}_key_deleted AFTER DELETE ON {T}
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION {T}_key_deleted();
CREATE FUNCTION {T}_key_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {KEY} k USING before_rows o JOIN after_rows n ON n.id = o.id
        WHERE (o.source <> n.source OR o.external_id <> n.external_id)
        AND k.source = o.source AND k.external_id = o.external_id;
    IF FOUND THEN
        INSERT INTO {KEY} (source, external_id) SELECT n.source, n.external_id
            FROM before_rows o JOIN after_rows n ON n.id = o.id
            WHERE o.source <> n.source OR o.external_id <> n.external_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER {T}_key_updated AFTER UPDATE ON {T}
    REFERENCING OLD TABLE AS before_rows NEW TABLE AS after_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {T}_key_updated();
CREATE FUNCTION {T}_key_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {KEY};  -- not TRUNCATE: the key table may be in the same TRUNCATE statement
    RETURN NULL;
END $$;
CREATE TRIGGER {T}_key_truncated AFTER TRUNCATE ON {T}
    FOR EACH STATEMENT EXECUTE FUNCTION {T}_key_truncated();
"""


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _forget()
    with schema_editor.connection.cursor() as c:
        c.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [T])
        if c.fetchone()[0] == "p":
            return
        # foreign keys pointing at the records (audits_inspection.service_record_id)
        c.execute(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE confrelid = %s::regclass "
            "AND contype = 'f'",
            [T],
        )
        for table, name in c.fetchall():
            c.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        # what to recreate on the new table: outgoing foreign keys and plain indexes
        c.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
            "AND contype = 'f'",
            [T],
        )
        fks = c.fetchall()
        c.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = %s::regclass AND NOT i.indisunique",
            [T],
        )
        indexes = c.fetchall()
        c.execute(
            f"SELECT COALESCE(max(id), 0), pg_sequence_last_value(pg_get_serial_sequence('{T}', 'id')) FROM {T}"
        )
        max_id, last = c.fetchone()
        c.execute(f"SELECT DISTINCT date_trunc('month', requested_at AT TIME ZONE 'UTC')::date FROM {T}")
        months = {m for (m,) in c.fetchall()}
        c.execute("SELECT (now() AT TIME ZONE 'UTC')::date")
        today = c.fetchone()[0]
        months.update(_months_after(today.replace(day=1), AHEAD + 1))

        c.execute(f"ALTER TABLE {T} RENAME TO {T}_unpartitioned")
        c.execute(
            f"CREATE TABLE {T} (LIKE {T}_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS) "
            "PARTITION BY RANGE (requested_at)"
        )
        c.execute(f"CREATE TABLE {DEFAULT} PARTITION OF {T} DEFAULT")
        for m in sorted(months):
            hi = _months_after(m, 2)[1]
            c.execute(
                f"CREATE TABLE {T}_y{m.year:04d}m{m.month:02d} PARTITION OF {T} "
                f"FOR VALUES FROM ({_bound(m)}) TO ({_bound(hi)})"
            )
        c.execute(f"INSERT INTO {T} SELECT * FROM {T}_unpartitioned")
        c.execute(
            f"CREATE TABLE {KEY} (source varchar(40) NOT NULL, external_id varchar(100) NOT NULL, "
            f"CONSTRAINT {KEY}_pkey PRIMARY KEY (source, external_id))"
        )
        c.execute(f"INSERT INTO {KEY} SELECT source, external_id FROM {T}_unpartitioned")
        c.execute(f"DROP TABLE {T}_unpartitioned")  # and its identity sequence
        c.execute(f"CREATE SEQUENCE {T}_id_seq OWNED BY {T}.id")
        c.execute(f"SELECT setval('{T}_id_seq', %s, %s)", [max(max_id, last or 0, 1), bool(max_id or last)])
        c.execute(f"ALTER TABLE {T} ALTER COLUMN id SET DEFAULT nextval('{T}_id_seq')")
        c.execute(f"ALTER TABLE {T} ADD CONSTRAINT {T}_pkey PRIMARY KEY (id, requested_at)")
        for name, definition in fks:
            c.execute(f'ALTER TABLE {T} ADD CONSTRAINT "{name}" {definition}')
        for _name, definition in indexes:
            c.execute(definition.replace(f"{T}_unpartitioned", T))
        c.execute(f"CREATE INDEX {T}_ext ON {T} (source, external_id)")
        c.execute(TRIGGERS)
    _forget()


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _forget()
    with schema_editor.connection.cursor() as c:
        c.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [T])
        if c.fetchone()[0] != "p":
            return
        c.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
            "AND contype = 'f'",
            [T],
        )
        fks = c.fetchall()
        c.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = %s::regclass AND NOT i.indisunique",
            [T],
        )
        indexes = [(n, d) for n, d in c.fetchall() if n != f"{T}_ext"]
        c.execute(f"SELECT COALESCE(max(id), 0), pg_sequence_last_value('{T}_id_seq') FROM {T}")
        max_id, last = c.fetchone()
        c.execute(f"ALTER TABLE {T} RENAME TO {T}_partitioned")
        c.execute(f"CREATE TABLE {T} (LIKE {T}_partitioned INCLUDING CONSTRAINTS)")
        c.execute(f"INSERT INTO {T} SELECT * FROM {T}_partitioned ORDER BY id")
        c.execute(f"DROP TABLE {T}_partitioned CASCADE")  # partitions, triggers, sequence
        c.execute(f"DROP TABLE {KEY}")
        c.execute(f"DROP FUNCTION {T}_key_deleted()")
        c.execute(f"DROP FUNCTION {T}_key_updated()")
        c.execute(f"DROP FUNCTION {T}_key_truncated()")
        start = max(max_id, last or 0) + 1
        c.execute(
            f"ALTER TABLE {T} ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (START WITH {start})"
        )
        c.execute(f"ALTER TABLE {T} ADD CONSTRAINT {T}_pkey PRIMARY KEY (id)")
        c.execute(f"ALTER TABLE {T} ADD CONSTRAINT {T}_unique_ext UNIQUE (source, external_id)")
        for name, definition in fks:
            c.execute(f'ALTER TABLE {T} ADD CONSTRAINT "{name}" {definition}')
        for _name, definition in indexes:
            c.execute(definition.replace(f"{T}_partitioned", T))
    # the foreign keys pointing at the records, as Django names them
    for model in apps.get_models():
        for field in model._meta.local_fields:
            target = field.remote_field.model if field.many_to_one else None
            if target is not None and target._meta.label_lower == "kpi.servicerecord" and field.db_constraint:
                sql = schema_editor._create_fk_sql(model, field, "_fk_%(to_table)s_%(to_column)s")
                schema_editor.execute(sql)
    _forget()


class Migration(migrations.Migration):
    atomic = True

    dependencies = [
        ("kpi", "0005_monthly_rollups"),
        ("audits", "0001_initial"),  # its foreign key to the records must exist before it is dropped here
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(partition, unpartition)],
            state_operations=[],
        )
    ]
