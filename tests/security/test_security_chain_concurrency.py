"""Concurrent writers of audit entries: the chain head lock serialises them, so sequence numbers stay
contiguous, no two entries share a predecessor and `verify` finds the chain intact. Real threads with
their own database connections; on PostgreSQL this exercises SELECT … FOR UPDATE on the head row."""

from __future__ import annotations

import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections, transaction

from sqms.core import audit
from sqms.core.models import AuditAction, AuditEntry
from sqms.core.security import chain

WRITERS = 4
EACH = 15


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain() -> None:
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:memorydb"):
        pytest.skip("the in-memory test database uses shared-cache table locks, not SQLite's file write lock")
    actor = get_user_model().objects.create_user("writer", password="x-Test@2026pw")
    before = AuditEntry.objects.count()
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            start.wait()
            for i in range(EACH):
                with transaction.atomic():
                    audit.record(
                        actor=actor, action=AuditAction.ACTION, verb=f"w{n}-{i}", extra={"n": n, "i": i}
                    )
                    time.sleep(0.002)  # hold the head a moment so writers really overlap
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert AuditEntry.objects.count() == before + WRITERS * EACH
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    prevs = list(AuditEntry.objects.values_list("prev_hash", flat=True))
    assert len(set(prevs)) == len(prevs), "two entries chained to the same predecessor"
    result = chain.verify()
    assert result.ok, result.problem
