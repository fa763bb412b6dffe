"""The tamper-evident audit trail: every audit entry carries the SHA-256 of its canonical JSON together
with the previous entry's hash, so changing, inserting or removing an entry breaks the chain at that point.

Appending takes the single :class:`~sqms.core.models.AuditChainHead` row with ``SELECT … FOR UPDATE``
inside the caller's transaction. On PostgreSQL that serialises writers of audit entries until commit; on
SQLite the database-wide write lock (our connections open transactions with ``BEGIN IMMEDIATE``) already
does. A rolled-back change rolls back its entry and the head together, so the chain has no holes.

``sqms audit verify`` (:func:`verify`) walks the chain in sequence order and reports the first problem.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

GENESIS = "0" * 64


def _iso(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return str(value or "")


def canonical(fields: dict[str, Any]) -> str:
    """The canonical JSON of an entry's content (sorted keys, no spaces, UTF-8 text kept)."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def content_of(entry: Any, ct_label: str) -> dict[str, Any]:
    """The hashed content of an audit entry (everything but its id, its own hash and the user's id: the
    user link is cleared if an account is ever deleted, while the recorded user name stays)."""
    return {
        "seq": entry.seq,
        "at": _iso(entry.at),
        "actor_name": entry.actor_name,
        "request_id": entry.request_id,
        "action": entry.action,
        "verb": entry.verb,
        "record_type": ct_label,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "unit_path": entry.unit_path,
        "changes": entry.changes,
    }


def entry_hash(entry: Any, ct_label: str, prev_hash: str) -> str:
    payload = canonical(content_of(entry, ct_label)) + "|" + prev_hash
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _ct_label(content_type: Any) -> str:
    return f"{content_type.app_label}.{content_type.model}" if content_type is not None else ""


def _normalise(entry: Any) -> None:
    """Give the unsaved entry exactly the values the database will give back (JSON round trip)."""
    entry.changes = json.loads(json.dumps(entry.changes, default=str))


def lock_head() -> tuple[int, str]:
    """The head's (last_seq, last_hash), its row locked until the transaction ends (created at first use).
    Plain SQL: every audited write runs this, and the ORM spent more CPU building the query than the
    database spends answering it."""
    from sqms.core.models import AuditChainHead

    qn = connection.ops.quote_name
    sql = (
        f"SELECT {qn('last_seq')}, {qn('last_hash')} FROM {qn(AuditChainHead._meta.db_table)}"
        f" WHERE {qn(AuditChainHead._meta.pk.column)} = 1"
    )
    if connection.features.has_select_for_update:  # SQLite: BEGIN IMMEDIATE holds the database instead
        sql += " FOR UPDATE"
    for _attempt in range(2):
        with connection.cursor() as cur:
            cur.execute(sql)
            row = cur.fetchone()
        if row is not None:
            return int(row[0]), row[1] or GENESIS
        AuditChainHead.objects.get_or_create(pk=1, defaults={"last_seq": 0, "last_hash": GENESIS})
    raise RuntimeError("audit chain head row missing")


def append(entry: Any, bump: tuple[str, ...] = ()) -> Any:
    """Chain and save a new (unsaved) audit entry. Call inside the change's transaction. ``bump``: data
    versions (:mod:`sqms.core.dataversion`) to bump in the same statement, while the head is locked (lock
    order everywhere: audit head, then version rows)."""
    from sqms.core import dataversion
    from sqms.core.models import AuditChainHead

    kinds = sorted(set(bump))
    # no savepoint inside the caller's transaction (two statements fewer): a failed append fails the change
    with transaction.atomic(savepoint=False):
        last_seq, last_hash = lock_head()
        _normalise(entry)
        entry.seq = last_seq + 1
        entry.prev_hash = last_hash
        entry.entry_hash = entry_hash(entry, _ct_label(entry.content_type), entry.prev_hash)
        if connection.vendor == "postgresql":
            _insert_and_advance(entry, kinds)
        else:
            entry.save(force_insert=True)
            AuditChainHead.objects.filter(pk=1).update(last_seq=entry.seq, last_hash=entry.entry_hash)
            if kinds:
                dataversion.bump_now(*kinds)
    return entry


def _insert_and_advance(entry: Any, kinds: list[str]) -> None:
    """PostgreSQL: insert the entry, bump the data versions ``kinds`` and move the (locked) head to the
    entry in one statement (data-modifying CTEs): the same writes as ``save()`` + ``update()`` +
    ``bump_now()``, two round trips fewer while the head is locked."""
    from sqms.core import dataversion
    from sqms.core.db import insert
    from sqms.core.models import AuditChainHead, AuditEntry

    meta = AuditEntry._meta
    columns = insert.fields(AuditEntry)
    params = insert.values(entry, columns)
    qn = connection.ops.quote_name
    pk = qn(meta.pk.column)
    insert_sql = insert.statement(AuditEntry, columns)
    bump_sql, bump_params = dataversion.upsert_sql(kinds) if kinds else ("", [])
    with connection.cursor() as cur:
        cur.execute(
            f"WITH e AS ({insert_sql} RETURNING {pk})"
            + (f", v AS ({bump_sql})" if kinds else "")
            + f" UPDATE {qn(AuditChainHead._meta.db_table)} SET last_seq = %s, last_hash = %s "
            f"WHERE {qn(AuditChainHead._meta.pk.column)} = 1 RETURNING (SELECT {pk} FROM e)",
            [*params, *bump_params, entry.seq, entry.entry_hash],
        )
        row = cur.fetchone()
    if row is None or row[0] is None:  # no head row: impossible after lock_head(), never silently
        raise RuntimeError("audit chain head row missing")
    insert.mark_saved(entry, row[0])


def rechain_all(batch: int = 2000, apps: Any = None) -> int:
    """(Re)compute the chain over every entry in id order: the migration's backfill of entries written
    before the chain existed (``apps`` is the migration's app registry). Returns the count."""
    from django.apps import apps as global_apps

    registry = apps or global_apps
    ContentType = registry.get_model("contenttypes", "ContentType")
    AuditEntry = registry.get_model("core", "AuditEntry")
    AuditChainHead = registry.get_model("core", "AuditChainHead")
    labels = {ct.pk: _ct_label(ct) for ct in ContentType.objects.all()}
    prev, seq = GENESIS, 0
    with transaction.atomic():
        pending: list[Any] = []
        for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=batch):
            seq += 1
            entry.seq = seq
            entry.prev_hash = prev
            entry.entry_hash = entry_hash(entry, labels.get(entry.content_type_id, ""), prev)
            prev = entry.entry_hash
            pending.append(entry)
            if len(pending) >= batch:
                AuditEntry.objects.bulk_update(pending, ["seq", "prev_hash", "entry_hash"])
                pending = []
        if pending:
            AuditEntry.objects.bulk_update(pending, ["seq", "prev_hash", "entry_hash"])
        AuditChainHead.objects.update_or_create(pk=1, defaults={"last_seq": seq, "last_hash": prev})
    return seq


@dataclass
class Problem:
    kind: str  # "changed", "inserted", "removed", "reordered"
    entry_id: int | None
    seq: int | None
    detail: str

    def __str__(self) -> str:
        where = f"entry #{self.entry_id}" if self.entry_id is not None else f"sequence {self.seq}"
        return f"{self.kind}: {where} — {self.detail}"


@dataclass
class VerifyResult:
    checked: int
    problem: Problem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _walk(batch: int) -> Iterator[Any]:
    from sqms.core.models import AuditEntry

    yield from (
        AuditEntry.objects.filter(seq__isnull=False)
        .order_by("seq")
        .only(
            "id",
            "seq",
            "prev_hash",
            "entry_hash",
            "at",
            "actor_id",
            "actor_name",
            "request_id",
            "action",
            "verb",
            "content_type_id",
            "object_id",
            "object_repr",
            "unit_path",
            "changes",
        )
        .iterator(chunk_size=batch)
    )


def verify(batch: int = 5000) -> VerifyResult:
    """Walk the chain and return the first changed, inserted or removed entry (by id), if any."""
    from django.contrib.contenttypes.models import ContentType

    from sqms.core.models import AuditChainHead, AuditEntry

    labels = {ct.pk: _ct_label(ct) for ct in ContentType.objects.all()}
    unchained = AuditEntry.objects.filter(seq__isnull=True).order_by("id").first()
    if unchained is not None:
        return VerifyResult(
            0, Problem("inserted", unchained.pk, None, "an entry outside the chain (no sequence number)")
        )
    prev_hash, expected_seq, checked, last_id = GENESIS, 1, 0, None
    for entry in _walk(batch):
        if entry.seq != expected_seq:
            return VerifyResult(
                checked,
                Problem(
                    "removed",
                    None,
                    expected_seq,
                    f"entries {expected_seq}–{entry.seq - 1} are missing (between entry #{last_id} "
                    f"and entry #{entry.pk})",
                ),
            )
        if entry.prev_hash != prev_hash:
            return VerifyResult(
                checked,
                Problem(
                    "inserted",
                    entry.pk,
                    entry.seq,
                    f"its link to the previous entry #{last_id} does not match",
                ),
            )
        actual = entry_hash(entry, labels.get(entry.content_type_id, ""), entry.prev_hash)
        if actual != entry.entry_hash:
            return VerifyResult(
                checked, Problem("changed", entry.pk, entry.seq, "its content no longer matches its hash")
            )
        prev_hash, expected_seq, last_id = entry.entry_hash, expected_seq + 1, entry.pk
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    last_seq = head.last_seq if head else 0
    if last_seq != expected_seq - 1 or (head and last_seq and head.last_hash != prev_hash):
        return VerifyResult(
            checked,
            Problem(
                "removed",
                None,
                expected_seq,
                f"the chain should end at sequence {last_seq} but ends at {expected_seq - 1} "
                f"(after entry #{last_id})",
            ),
        )
    return VerifyResult(checked, None)
