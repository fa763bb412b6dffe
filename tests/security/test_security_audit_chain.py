"""The tamper-evident audit trail: every change, insertion and removal is found and named."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from sqms.core import audit
from sqms.core.models import AuditAction, AuditChainHead, AuditEntry
from sqms.core.security import chain


def _entries(n: int, actor) -> list[AuditEntry]:
    return [
        audit.record(actor=actor, action=AuditAction.ACTION, verb=f"step {i}", extra={"i": i, "名": "张三"})
        for i in range(n)
    ]


def _verify_output() -> str:
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_intact_chain_verifies(org) -> None:
    _entries(5, org.admin)
    assert "chain intact" in _verify_output()
    result = chain.verify()
    assert result.ok and result.checked == AuditEntry.objects.count()
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    head = AuditChainHead.objects.get(pk=1)
    assert head.last_hash == AuditEntry.objects.get(seq=head.last_seq).entry_hash


@pytest.mark.django_db
def test_raw_sql_update_is_reported_by_id(org) -> None:
    entries = _entries(4, org.admin)
    victim = entries[1]
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {AuditEntry._meta.db_table} SET verb = %s WHERE id = %s", ["nothing", victim.pk])
    with pytest.raises(CommandError) as err:
        _verify_output()
    assert f"changed: entry #{victim.pk}" in str(err.value)


@pytest.mark.django_db
def test_changed_json_is_reported(org) -> None:
    entries = _entries(3, org.admin)
    victim = entries[0]
    AuditEntry.objects.filter(pk=victim.pk).update(changes={"_i": 99})
    result = chain.verify()
    assert result.problem and result.problem.kind == "changed" and result.problem.entry_id == victim.pk


@pytest.mark.django_db
def test_delete_in_the_middle_and_at_the_end(org) -> None:
    entries = _entries(4, org.admin)
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {AuditEntry._meta.db_table} WHERE id = %s", [entries[2].pk])
    result = chain.verify()
    assert result.problem and result.problem.kind == "removed"
    assert result.problem.seq == entries[2].seq
    assert f"#{entries[1].pk}" in result.problem.detail and f"#{entries[3].pk}" in result.problem.detail


@pytest.mark.django_db
def test_delete_of_the_last_entry(org) -> None:
    entries = _entries(3, org.admin)
    AuditEntry.objects.filter(pk=entries[-1].pk).delete()
    result = chain.verify()
    assert result.problem and result.problem.kind == "removed" and result.problem.seq == entries[-1].seq


@pytest.mark.django_db
def test_inserted_entries_are_reported(org) -> None:
    entries = _entries(2, org.admin)
    forged = AuditEntry.objects.create(actor_name="mallory", action=AuditAction.ACTION, verb="forged")
    result = chain.verify()
    assert result.problem and result.problem.kind == "inserted" and result.problem.entry_id == forged.pk
    # A forger who also gives it a sequence number and a plausible hash is still caught by the link.
    forged.seq = entries[-1].seq + 1
    forged.prev_hash = "f" * 64
    forged.entry_hash = chain.entry_hash(forged, "", forged.prev_hash)
    forged.save()
    AuditChainHead.objects.filter(pk=1).update(last_seq=forged.seq, last_hash=forged.entry_hash)
    result = chain.verify()
    assert result.problem and result.problem.kind == "inserted" and result.problem.entry_id == forged.pk


@pytest.mark.django_db
def test_rolled_back_change_leaves_no_hole(org) -> None:
    from django.db import transaction

    _entries(2, org.admin)
    with pytest.raises(RuntimeError), transaction.atomic():
        _entries(2, org.admin)
        raise RuntimeError
    _entries(1, org.admin)
    assert chain.verify().ok


@pytest.mark.django_db
def test_backfill_rechains_old_entries(org) -> None:
    _entries(3, org.admin)
    AuditEntry.objects.update(seq=None, prev_hash="", entry_hash="")
    AuditChainHead.objects.all().delete()
    assert not chain.verify().ok
    count = chain.rechain_all()
    assert count == AuditEntry.objects.count()
    assert chain.verify().ok
    _entries(1, org.admin)  # appending continues the backfilled chain
    assert chain.verify().ok
