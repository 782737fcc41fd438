"""Restoring crafted backups, on DuckDB and on PostgreSQL: a manifest that lies about the schema
version, a deeply nested or oddly typed manifest, rows with duplicate ids or a wrong type. Each is
refused as 备份无效（…） (never "database damaged") and the existing store keeps its contents and opens."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from selfeval.sample import open_seeded_store
from selfeval.store import StoreError, open_store
from selfeval.store.backup import MANIFEST
from tests.conftest import ROOT
from tests.forged import redigest


@pytest.fixture(scope="module")
def backup(tmp_path_factory) -> Path:
    """A good backup of the seeded sample (13 projects), written once."""
    where = tmp_path_factory.mktemp("bk")
    store = open_seeded_store(where / "src.duckdb")
    store.export_database(where / "good")
    store.close()
    return where / "good"


def _copy(backup: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "crafted"
    folder.mkdir()
    for f in backup.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    return folder


def _manifest(folder: Path) -> dict:
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))


def _write_manifest(folder: Path, manifest) -> None:
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


@pytest.fixture()
def target(store_location):
    """A store with a project of its own (the seed), which a refused restore must leave as it was."""
    store = open_seeded_store(store_location)
    store.close()
    return store_location


def _refused(target, folder: Path) -> str:
    with open_store(target, seed_if_empty=False) as store:
        before = store.table_counts()
        with pytest.raises(StoreError) as refused:
            store.import_database(folder, replace=True)
    with open_store(target, seed_if_empty=False) as store:  # reopened: intact and usable
        assert store.table_counts() == before and before["submissions"] == 13
        store.data_version()
        assert len(store.current_submission_ids()) == 13
    message = str(refused.value)
    assert message.startswith("备份无效（") and "损坏" not in message, message
    return message


def test_a_manifest_version_that_disagrees_with_the_backup_rows_is_refused(backup, tmp_path, target):
    folder = _copy(backup, tmp_path)
    manifest = _manifest(folder)
    manifest["schema_version"] = 1  # schema_version.parquet says 1..LATEST
    _write_manifest(folder, manifest)
    assert "结构版本为 1" in _refused(target, folder)


def test_rows_that_claim_versions_the_manifest_does_not_are_refused(backup, tmp_path, target):
    folder = _copy(backup, tmp_path)
    rows = pq.read_table(folder / "schema_version.parquet")
    pq.write_table(rows.slice(0, 2), folder / "schema_version.parquet")  # rows say 1, 2
    redigest(folder, "schema_version")
    manifest = _manifest(folder)
    manifest["tables"]["schema_version"] = 2
    _write_manifest(folder, manifest)
    assert "迁移版本为 1、2" in _refused(target, folder)


@pytest.mark.parametrize(
    "change",
    [
        lambda m: [m],
        lambda m: {**m, "schema_version": "5"},
        lambda m: {**m, "schema_version": True},
        lambda m: {**m, "schema_version": 0},
        lambda m: {**m, "format": 3},
        lambda m: {**m, "format": 1},  # format 1 had no audit head
        lambda m: {k: v for k, v in m.items() if k != "audit_head"},
        lambda m: {**m, "audit_head": [1, "x"]},
        lambda m: {**m, "audit_head": ["1", m["audit_head"][1]]},
        lambda m: {**m, "extra": 1},
        lambda m: {**m, "tables": list(m["tables"])},
        lambda m: {**m, "tables": {**m["tables"], "submissions": "13"}},
        lambda m: {**m, "tables": {**m["tables"], "submissions": -1}},
        lambda m: {**m, "tables": {**m["tables"], "submissions": 10**30}},
    ],
    ids=[
        "list",
        "version-str",
        "version-bool",
        "version-0",
        "format",
        "format-1-with-head",
        "format-2-without-head",
        "head-not-a-hash",
        "head-id-str",
        "extra-key",
        "tables-list",
        "count-str",
        "count-negative",
        "count-huge",
    ],
)
def test_a_manifest_of_the_wrong_shape_is_refused(backup, tmp_path, change):
    folder = _copy(backup, tmp_path)
    _write_manifest(folder, change(_manifest(folder)))
    target = tmp_path / "t.duckdb"
    open_seeded_store(target).close()
    _refused(target, folder)


@pytest.mark.parametrize("depth", [5_000, 100_000])
def test_a_deeply_nested_manifest_is_refused_without_a_traceback(backup, tmp_path, depth):
    """5,000 levels fit the size bound and make json recurse too deep; 100,000 exceed the bound."""
    folder = _copy(backup, tmp_path)
    (folder / MANIFEST).write_text("[" * depth + "]" * depth, encoding="utf-8")
    target = tmp_path / "t.duckdb"
    open_seeded_store(target).close()
    _refused(target, folder)
    proc = subprocess.run(
        [sys.executable, "-m", "selfeval", "restore", str(folder), "--db", str(target)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "备份无效" in proc.stderr and "损坏" not in proc.stderr


def _rewrite(folder: Path, table: str, fix) -> None:
    pq.write_table(fix(pq.read_table(folder / f"{table}.parquet")), folder / f"{table}.parquet")
    redigest(folder, table)


def test_duplicate_ids_are_an_invalid_backup_not_a_damaged_database(backup, tmp_path, target):
    folder = _copy(backup, tmp_path)
    _rewrite(
        folder,
        "submissions",
        lambda t: t.set_column(0, "id", pa.array([1] * t.num_rows, t.schema.field("id").type)),
    )
    assert "数据无法载入" in _refused(target, folder)


def test_a_column_of_the_wrong_type_is_an_invalid_backup(backup, tmp_path, target):
    folder = _copy(backup, tmp_path)
    _rewrite(
        folder,
        "submissions",
        lambda t: t.set_column(0, "id", pa.array([f"x{i}" for i in range(t.num_rows)])),
    )
    assert "数据无法载入" in _refused(target, folder)


def test_the_good_backup_still_restores(backup, target):
    # the target is another store (seeded on its own): replacing its history is said explicitly
    assert "与要被替换的数据库中同一编号的记录不同" in _refused(target, backup)
    with open_store(target, seed_if_empty=False) as store:
        store.import_database(backup, replace=True, discard_history=True)
        assert len(store.current_submission_ids()) == 13
        store.data_version()
