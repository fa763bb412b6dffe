"""Backup → damage → restore round trip on the test database (SQLite in CI's first leg, PostgreSQL when
DATABASE_URL points at it): every table's rows and checksum and every uploaded file come back."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from sqms.core.ops import backup


@pytest.fixture
def media(tmp_path: Path) -> Any:
    root = tmp_path / "media"
    (root / "documents" / "2026").mkdir(parents=True)
    (root / "documents" / "2026" / "质量手册.pdf").write_bytes(b"%PDF-1.4 " + bytes(range(256)) * 40)
    (root / "avatar.png").write_bytes(b"\x89PNG\r\n" + b"\x00" * 999)
    with override_settings(MEDIA_ROOT=root):
        yield root


def _damage(org: Any, media: Path) -> None:
    from sqms.core.models import Notification
    from sqms.org.models import OrgUnit

    OrgUnit.objects.filter(pk=org.team_b.pk).update(name="changed after the backup")
    Notification.objects.create(recipient=org.admin, title="written after the backup")
    org.agent_b.__class__.objects.filter(pk=org.agent_b.pk).update(email="x@example.com")
    (media / "avatar.png").write_bytes(b"overwritten")
    (media / "documents" / "2026" / "质量手册.pdf").unlink()


@pytest.mark.django_db(transaction=True)
def test_backup_restore_round_trip(org: Any, media: Path, tmp_path: Path) -> None:
    from sqms.core.services import notify

    notify([org.manager_a], title="交办：回访", body="请在 24 小时内回访")
    before = backup.current_stats()
    archive = backup.backup(tmp_path / "out")
    manifest = backup.read_manifest(archive)
    assert manifest["vendor"] == connection.vendor
    assert manifest["tables"] == before
    assert manifest["tables"]["org_orgunit"]["rows"] == 6
    assert set(manifest["files"]) == {"avatar.png", "documents/2026/质量手册.pdf"}

    _damage(org, media)
    changed = backup.current_stats()
    assert backup.compare_tables(before, changed)  # the damage is visible to the comparison

    backup.restore(archive)
    assert backup.current_stats() == before
    assert backup.media_manifest(media) == manifest["files"]
    from sqms.org.models import OrgUnit

    assert OrgUnit.objects.get(pk=org.team_b.pk).name == org.team_b.name


@pytest.mark.django_db(transaction=True)
def test_commands_and_a_tampered_archive(org: Any, media: Path, tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("backup", "--output", str(tmp_path / "b"), stdout=out)
    archive = Path(out.getvalue().splitlines()[0])
    assert archive.is_file() and "tables" in out.getvalue()

    out = io.StringIO()
    call_command("restore", str(archive), "--verify-only", stdout=out)
    assert "intact" in out.getvalue()

    # Re-pack the archive with one file altered: verification names it and restore changes nothing.
    bad = tmp_path / "bad.tar"
    with tarfile.open(archive) as src, tarfile.open(bad, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else None  # type: ignore[union-attr]
            if member.name == "media/avatar.png":
                data = b"tampered" + (data or b"")[8:]
            dst.addfile(member, io.BytesIO(data) if data is not None else None)
    before = backup.current_stats()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=r"avatar\.png"):
        call_command("restore", str(bad), "--yes")
    assert backup.current_stats() == before

    out = io.StringIO()
    call_command("restore", str(archive), "--yes", stdout=out)
    assert "restored and verified" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_postgresql_copy_method_round_trip(org: Any, media: Path, tmp_path: Path) -> None:
    """The fallback when pg_dump cannot dump the server: one COPY per table in one snapshot."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (CI's PostgreSQL leg)")
    before = backup.current_stats()
    archive = backup.backup(tmp_path / "out", method="copy")
    assert backup.read_manifest(archive)["method"] == "copy"
    _damage(org, media)
    backup.restore(archive)
    assert backup.current_stats() == before


def test_pg_dump_version_check() -> None:
    usable, why = backup.pg_dump_usable(99_0000)
    assert not usable and ("older" in why or "not found" in why)
