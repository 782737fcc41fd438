"""Signed backups (selfeval/store/signing.py): every data file's sha256 in the manifest, and with the
organisation's key (SELFEVAL_BACKUP_KEY_FILE) a signature. The attack they close: a backup rewritten
(a score, a unit, an approval) with its audit chain recomputed, restored into an EMPTY store, where
there is no history to compare with. Refused stores are left as they were."""

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
from selfeval.store.signing import KEY_ENV, signature
from tests.conftest import ROOT
from tests.forged import redigest

KEY = "5f1c0e3a9b7d4e2f8a6c1b0d3e5f7a9c2b4d6e8f0a1c3e5b7d9f1a3c5e7b9d0f"


@pytest.fixture()
def key(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "backup.key"
    path.write_text(KEY + "\n")
    monkeypatch.setenv(KEY_ENV, str(path))
    return path


def _backup(tmp_path: Path, name: str = "bk") -> Path:
    store = open_seeded_store(tmp_path / f"{name}.duckdb")
    store.export_database(tmp_path / name)
    store.close()
    return tmp_path / name


def _manifest(folder: Path) -> dict:
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))


def _write_manifest(folder: Path, manifest: dict) -> None:
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


def _rewrite_a_score(folder: Path) -> None:
    """What an insider with the folder does: one form's total changed, the file's digest updated."""
    path = folder / "forms.parquet"
    table = pq.read_table(path)
    totals = table.column("total").to_pylist()
    totals[0] = 99.5
    table = table.set_column(
        table.schema.get_field_index("total"), "total", pa.array(totals, table.schema.field("total").type)
    )
    pq.write_table(table, path)
    redigest(folder, "forms")


def _restore(folder: Path, target, **kw) -> str:
    with open_store(target, seed_if_empty=False) as store:
        store.import_database(folder, replace=True, **kw)
    with open_store(target, seed_if_empty=False) as store:
        events = store.table_rows("audit_events", ["action", "comment"])
    return [c for a, c in events if a == "restored"][-1]


def _refused(folder: Path, target, **kw) -> str:
    with open_store(target, seed_if_empty=False) as store:
        before = store.table_counts()
        with pytest.raises(StoreError) as refused:
            store.import_database(folder, replace=True, **kw)
        assert store.table_counts() == before  # nothing restored, nothing lost
    message = str(refused.value)
    assert message.startswith("备份无效（"), message
    return message


def test_a_signed_backup_restores_into_an_empty_store_and_says_so(key, tmp_path, store_location):
    folder = _backup(tmp_path)
    manifest = _manifest(folder)
    assert manifest["format"] == 3 and len(manifest["signature"]) == 64
    assert set(manifest["files"]) == set(manifest["tables"])
    assert "签名已核对" in _restore(folder, store_location)
    with open_store(store_location, seed_if_empty=False) as store:
        assert len(store.current_submission_ids()) == 13


def test_a_rewritten_backup_with_its_digests_recomputed_is_refused_in_an_empty_store(
    key, tmp_path, store_location
):
    folder = _backup(tmp_path)
    _rewrite_a_score(folder)
    assert "签名与本机的备份签名密钥不符" in _refused(folder, store_location)


def test_a_changed_data_file_is_refused_by_its_digest_even_without_a_key(tmp_path, store_location):
    folder = _backup(tmp_path)
    assert _manifest(folder)["signature"] == ""  # no key configured: unsigned, digests still listed
    path = folder / "forms.parquet"
    table = pq.read_table(path)
    pq.write_table(table.slice(0, table.num_rows), path, compression="gzip")  # same rows, other bytes
    assert "forms.parquet 与清单记录的 sha256 不符" in _refused(folder, store_location)


def test_with_a_key_an_unsigned_backup_needs_the_administrators_word(key, tmp_path, store_location):
    folder = _backup(tmp_path)
    manifest = _manifest(folder)
    manifest["signature"] = ""
    _write_manifest(folder, manifest)
    assert "--accept-unsigned" in _refused(folder, store_location)
    # an older format (no digests, no signature) is unsigned too
    old = {k: manifest[k] for k in ("format", "backend", "schema_version", "tables", "audit_head")}
    _write_manifest(folder, {**old, "format": 2})
    _refused(folder, store_location)
    assert "由恢复人确认接受" in _restore(folder, store_location, accept_unsigned=True)


def test_another_key_is_refused_and_no_key_here_is_said(key, tmp_path, store_location, monkeypatch):
    folder = _backup(tmp_path)
    other = tmp_path / "other.key"
    other.write_text("0" * 64)
    monkeypatch.setenv(KEY_ENV, str(other))
    _refused(folder, store_location)
    monkeypatch.delenv(KEY_ENV)
    assert "签名未核对" in _restore(folder, store_location)


def test_a_tampered_manifest_is_refused_even_with_its_signature_recomputed_without_the_key(
    key, tmp_path, store_location
):
    folder = _backup(tmp_path)
    manifest = _manifest(folder)
    manifest["audit_head"] = [manifest["audit_head"][0], manifest["audit_head"][1]]
    manifest["signature"] = signature(b"a guessed key that is long enough 123", manifest)
    _write_manifest(folder, manifest)
    _refused(folder, store_location)


@pytest.mark.parametrize(
    "content, said",
    [(None, "无法读取"), ("short", "太短"), ("x" * 5000, "过大")],
)
def test_a_key_named_but_unusable_stops_the_backup(tmp_path, monkeypatch, content, said):
    path = tmp_path / "k"
    if content is not None:
        path.write_text(content)
    monkeypatch.setenv(KEY_ENV, str(path))
    store = open_seeded_store(tmp_path / "s.duckdb")
    try:
        with pytest.raises(StoreError) as refused:
            store.export_database(tmp_path / "bk")
    finally:
        store.close()
    assert said in str(refused.value)


def test_cli_restore_with_a_key(key, tmp_path):
    folder = _backup(tmp_path)
    manifest = _manifest(folder)
    manifest["signature"] = ""
    _write_manifest(folder, manifest)
    target = tmp_path / "target.duckdb"
    run = [sys.executable, "-m", "selfeval", "restore", str(folder), "--db", str(target)]
    refused = subprocess.run(run, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert refused.returncode != 0 and "--accept-unsigned" in refused.stderr
    assert "Traceback" not in refused.stderr
    ok = subprocess.run([*run, "--accept-unsigned"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stderr
