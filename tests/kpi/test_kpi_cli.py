import polars as pl
import pytest
from django.core.management import CommandError, call_command
from test_kpi_ingest import assert_rollups_match_raw, row

from sqms.kpi.models import ServiceRecord


def write(tmp_path, rows, suffix):
    frame = pl.DataFrame(rows)
    path = tmp_path / f"records{suffix}"
    if suffix == ".csv":
        frame.write_csv(path)
    else:
        frame.write_parquet(path)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_import_file(org, tmp_path, capsys, suffix):
    path = write(tmp_path, [row("A1"), row("A2", rating=None)], suffix)
    call_command("import_service_records", str(path), "--as", "manager_a")
    assert ServiceRecord.objects.count() == 2
    assert "2 created" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("import_service_records", str(path), "--as", "manager_a")
    call_command("import_service_records", str(path), "--on-duplicate", "update")
    assert ServiceRecord.objects.count() == 2
    assert_rollups_match_raw()


def test_invalid_rows_reported_by_line_and_nothing_written(org, tmp_path, capsys):
    path = write(tmp_path, [row("A1"), row("A2", rating="9"), row("B1", unit="BB")], ".csv")
    with pytest.raises(CommandError, match="2 errors"):
        call_command("import_service_records", str(path), "--as", "manager_a")
    out = capsys.readouterr().out
    assert "line 3: rating" in out and "line 4: unit" in out
    assert ServiceRecord.objects.count() == 0
