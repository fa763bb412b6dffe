"""Data versions: bumps are applied on commit (merged, dropped with a rolled-back savepoint), versions are
never reissued, and :func:`cached` recomputes exactly when a bumped kind is read."""

from __future__ import annotations

from typing import Any, cast

import pytest
from django.db import connection, transaction

from sqms.core import dataversion
from sqms.core.models import DataVersion

pytestmark = pytest.mark.django_db


def versions(*kinds: str) -> dict[str, int]:
    return dict(cast(Any, dataversion.current(*kinds)))


def version(kind: str) -> int:
    return versions(kind)[kind]


def test_bump_outside_a_transaction_is_visible_at_once_and_only_for_its_kind() -> None:
    DataVersion.objects.filter(kind="kpi").delete()
    feedback = version("feedback")
    assert dataversion.current("kpi", "feedback") == (("feedback", feedback), ("kpi", 0))  # sorted by kind
    dataversion.bump("kpi")
    first = version("kpi")
    assert first > 0 and version("feedback") == feedback
    dataversion.bump("kpi")
    assert version("kpi") > first
    assert DataVersion.objects.get(kind="kpi").version == version("kpi")


@pytest.fixture
def deferred(monkeypatch: pytest.MonkeyPatch) -> None:
    """The PostgreSQL way (bumps wait for the commit, outside the writer's transaction) on any database."""
    monkeypatch.setattr(dataversion, "_deferred", lambda: True)
    monkeypatch.setattr(  # a block opened by the test commits (the test case's own block never does)
        dataversion,
        "_in_real_transaction",
        lambda: any(not getattr(b, "_from_testcase", False) for b in connection.atomic_blocks),
    )


def test_on_sqlite_a_bump_is_part_of_the_writers_transaction() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    dataversion.bump("kpi")
    before = version("kpi")
    with pytest.raises(RuntimeError), transaction.atomic():
        dataversion.bump("kpi")
        assert version("kpi") > before  # this connection sees its own transaction
        raise RuntimeError
    assert version("kpi") == before  # rolled back with the write
    with transaction.atomic():
        dataversion.bump("kpi")
    assert version("kpi") > before


@pytest.mark.usefixtures("deferred")
def test_bump_in_a_transaction_waits_for_the_commit_and_is_merged(
    django_capture_on_commit_callbacks: Any,
) -> None:
    dataversion.bump("kpi", "org")
    before = dataversion.current("kpi", "org", "surveys")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        dataversion.bump("kpi")
        dataversion.bump("surveys")
        dataversion.bump("kpi")
        assert dataversion.current("kpi", "org", "surveys") == before  # not before the commit
    assert len(callbacks) == 1  # one update for the whole transaction
    after = versions("kpi", "org", "surveys")
    old = dict(cast(Any, before))
    assert after["kpi"] > old["kpi"] and after["surveys"] > old["surveys"]
    assert after["org"] == old["org"]


@pytest.mark.usefixtures("deferred")
def test_a_rolled_back_write_does_not_bump(django_capture_on_commit_callbacks: Any) -> None:
    dataversion.bump("evaluation")
    before, audits, org = version("evaluation"), version("audits"), version("org")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            dataversion.bump("evaluation")
            raise RuntimeError
        with transaction.atomic():
            with pytest.raises(RuntimeError), transaction.atomic():  # a savepoint rolled back
                dataversion.bump("audits")
                raise RuntimeError
            dataversion.bump("org")
    assert [type(c) for c in callbacks] == [dataversion._Bump]
    assert version("evaluation") == before
    assert version("audits") == audits
    assert version("org") > org


@pytest.mark.usefixtures("deferred")
def test_bump_now_is_applied_inside_the_transaction_and_rolls_back_with_it(
    django_capture_on_commit_callbacks: Any,
) -> None:
    dataversion.bump("feedback")
    before = version("feedback")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            dataversion.bump_now("feedback")
            assert version("feedback") > before  # at once, no on-commit update
            raise RuntimeError
        assert version("feedback") == before  # undone with the write
        with transaction.atomic():
            dataversion.bump_now("feedback")
    assert callbacks == [] and version("feedback") > before


def test_versions_are_never_reissued_after_a_rollback() -> None:
    """A version is at least the time of the bump: numbers issued before a restore are not issued again."""
    DataVersion.objects.update_or_create(kind="kpi", defaults={"version": 5})
    dataversion.bump("kpi")
    assert version("kpi") > 1_700_000_000 * 10**6  # microseconds since the epoch, not 6
    high = version("kpi")
    DataVersion.objects.filter(kind="kpi").update(version=high + 10**15)  # a clock behind the data
    dataversion.bump("kpi")
    assert version("kpi") == high + 10**15 + 1


def test_cached_recomputes_exactly_when_a_read_kind_is_bumped() -> None:
    calls: list[int] = []

    def compute() -> dict[str, int]:
        calls.append(1)
        return {"n": len(calls)}

    first = dataversion.cached("t", ["kpi", "org"], ("u", 1), compute)
    assert dataversion.cached("t", ["kpi", "org"], ("u", 1), compute) == first == {"n": 1}
    assert dataversion.cached("t", ["kpi", "org"], ("u", 2), compute) == {"n": 2}  # other parts
    dataversion.bump("surveys")  # not read
    assert dataversion.cached("t", ["kpi", "org"], ("u", 1), compute) == {"n": 1}
    dataversion.bump("org")
    assert dataversion.cached("t", ["kpi", "org"], ("u", 1), compute) == {"n": 3}
    assert len(calls) == 3


@pytest.mark.django_db(transaction=True)
def test_postgresql_bumps_after_the_commit_outside_the_writers_transaction() -> None:
    """A real commit (no test-case block): on PostgreSQL the version row is not touched (not locked) while
    the writer's transaction runs, and is bumped once it has committed."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    dataversion.bump("kpi")
    before = version("kpi")
    with transaction.atomic():
        dataversion.bump("kpi")
        with connection.cursor() as cur:  # no row lock of ours on core_dataversion yet
            cur.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE c.relname = 'core_dataversion' AND l.mode = 'RowExclusiveLock' AND l.pid = pg_backend_pid()"
            )
            assert cur.fetchone()[0] == 0
        assert version("kpi") == before
    assert version("kpi") > before
