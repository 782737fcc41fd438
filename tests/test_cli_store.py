"""CLI against the store, on DuckDB and on PostgreSQL: init, import (folders, duplicates, unreadable,
one form in three file kinds), export, backup and restore, and a damaged database."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from selfeval.readers import read_path
from tests.conftest import ROOT, SEED


def run(*args: str, db) -> subprocess.CompletedProcess:
    env = {**os.environ, "SELFEVAL_DB": str(db)}
    return subprocess.run(
        [sys.executable, "-m", "selfeval", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=180,
    )


@pytest.fixture()
def db(store_location):
    """A DuckDB file, and a fresh database on a real PostgreSQL server (SELFEVAL_DB=postgresql://…)."""
    return store_location


def test_init_creates_and_fills_the_database_once(db):
    first = run("init", db=db)
    assert first.returncode == 0 and "13 个项目" in first.stdout
    again = run("init", db=db)
    assert again.returncode == 0 and "13 个项目" in again.stdout


def test_import_reports_stored_duplicates_and_unreadable(db, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "seed.txt").write_bytes(SEED.read_bytes())
    (folder / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    proc = run("import", str(folder), "--db", str(db), db=db)
    assert proc.returncode == 1
    assert "已保存 13 个自评表，重复 0 个，无法读取的文件 1 个" in proc.stdout
    assert "broken.xlsx" in proc.stderr
    again = run("import", str(folder / "seed.txt"), "--db", str(db), db=db)
    assert again.returncode == 0 and "已保存 0 个自评表，重复 13 个" in again.stdout


def test_import_refuses_a_huge_file_by_its_size_and_stores_the_others(db, tmp_path):
    """A 3 GB (sparse) file is refused in Chinese from its size, never read: the child's address space
    is 2.5 GB, so reading it whole would be a MemoryError; the good file in the same folder is stored."""
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2_500_000_000, 2_500_000_000))

    folder = tmp_path / "in"
    folder.mkdir()
    with (folder / "huge.txt").open("wb") as f:
        f.truncate(3 * 1024**3)
    (folder / "ok.txt").write_bytes(SEED.read_bytes())
    proc = subprocess.run(
        [sys.executable, "-m", "selfeval", "import", str(folder), "--db", str(db)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "SELFEVAL_DB": str(db)},
        timeout=180,
        preexec_fn=limit,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "MemoryError" not in proc.stderr
    assert "huge.txt" in proc.stderr and "文件过大" in proc.stderr
    assert "已保存 13 个自评表，重复 0 个，无法读取的文件 1 个" in proc.stdout


def test_export_from_the_store_and_backup_restore(db, tmp_path):
    assert run("import", str(SEED), db=db).returncode == 0
    out = tmp_path / "out"
    proc = run("export", "--out", str(out), db=db)
    assert proc.returncode == 0
    files = sorted(out.glob("*.xlsx"))
    assert len(files) == 13
    totals = sorted(read_path(f).forms[0].declared_total for f in files)
    assert totals == sorted(
        [99.86, 100.0, 98.75, 98.0, 99.32, 94.63, 99.83, 97.85, 93.7, 96.3, 98.94, 90.19, 99.96]
    )
    backup = tmp_path / "backup"
    assert run("backup", str(backup), db=db).returncode == 0
    restored = tmp_path / "restored.duckdb"
    assert run("restore", str(backup), "--db", str(restored), db=restored).returncode == 0
    check = run("export", "--out", str(tmp_path / "again"), "--db", str(restored), db=restored)
    assert check.returncode == 0 and len(list((tmp_path / "again").glob("*.xlsx"))) == 13


def test_one_workbook_export(tmp_path, db):
    proc = run("export", str(SEED), "--out", str(tmp_path), "--one-workbook", db=db)
    assert proc.returncode == 0
    result = read_path(tmp_path / "自评表汇总.xlsx")
    assert len(result.forms) == 13


def test_one_form_in_three_file_kinds_in_one_command_is_stored_once(db):
    samples = ROOT / "data" / "samples"
    files = [
        samples / "futian-2023.xlsx",
        samples / "futian-2023.xls",
        ROOT / "data" / "seed" / "futian-2023.txt",
    ]
    proc = run("import", *map(str, files), db=db)
    assert proc.returncode == 0, proc.stderr
    assert "已保存 13 个自评表，重复 26 个" in proc.stdout
    again = run("import", *map(str, files), db=db)
    assert "已保存 0 个自评表，重复 39 个" in again.stdout


def test_a_crafted_backup_runs_nothing_through_the_cli(db, tmp_path):
    assert run("import", str(SEED), db=db).returncode == 0
    backup = tmp_path / "backup"
    assert run("backup", str(backup), db=db).returncode == 0
    marker = tmp_path / "written-by-backup-sql.txt"
    (backup / "load.sql").write_text(f"COPY (SELECT 42) TO '{marker}';", encoding="utf-8")
    restored = tmp_path / "r.duckdb"
    proc = run("restore", str(backup), "--db", str(restored), db=restored)
    assert proc.returncode == 0 and not marker.exists()
    (backup / "submissions.parquet").write_bytes(b"garbage")
    broken = run("restore", str(backup), "--db", str(restored), db=restored)
    assert (
        broken.returncode == 1 and "submissions.parquet" in broken.stderr and "Traceback" not in broken.stderr
    )


def test_an_administrator_transfers_a_project_from_the_cli(db):
    assert run("import", str(SEED), db=db).returncode == 0
    moved = run("transfer", "440304226011500000008", "2023", "甲单位", db=db)
    assert moved.returncode == 0 and "已转到“甲单位”" in moved.stdout
    again = run("transfer", "440304226011500000008", "2023", "甲单位", db=db)
    assert again.returncode == 1 and "已属于“甲单位”" in again.stderr and "Traceback" not in again.stderr
