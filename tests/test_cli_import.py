"""`selfeval import` at scale, the parts a small import shows: the file list (sorted as before, a few
bytes a file), the progress line, unreadable files past twenty written to a report file the summary
names, files stored before skipped unread, and DuckDB's memory limit."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from selfeval.bulk import ACCEPTED, list_files
from selfeval.store import StoreError, open_store
from selfeval.store.duckdb import memory_limit
from tests.conftest import ROOT
from tests.test_import_scale import form_text


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "selfeval", "import", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_file_list_is_sorted_as_rglob_sorts_and_compact(tmp_path):
    for rel in (
        "b/x.txt",
        "a.txt",
        "b/c/y.xlsx",
        "b.txt",
        "c.csv",
        "b/z.doc",
        "B.TXT",
        "d/e/f.xls",
        "b/a.md",
    ):
        path = tmp_path / "in" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    (tmp_path / "in" / "loop").symlink_to(tmp_path / "in", target_is_directory=True)  # never followed
    expected = [  # what the import listed before: sorted Paths (by parts: b/a.md before b.txt)
        str(p)
        for p in sorted(
            p for p in (tmp_path / "in").rglob("*") if p.is_file() and p.suffix.lower() in ACCEPTED
        )
    ]
    listed = list_files([tmp_path / "in"])
    assert [os.fspath(p) for p in listed] == [p for p in expected if "/loop/" not in p]
    assert len(listed) == len(expected) - sum("/loop/" in p for p in expected)
    assert all(isinstance(names, str) for _, names in listed.runs)  # names joined, not a Path each
    # a path that is not a folder is kept as given (reading it says what is wrong)
    assert list(list_files([str(tmp_path / "missing.xlsx")])) == [str(tmp_path / "missing.xlsx")]


def test_unreadable_files_past_twenty_go_to_a_report_the_summary_names(tmp_path):
    folder = tmp_path / "files"
    folder.mkdir()
    for i in range(3):
        (folder / f"good{i}.txt").write_bytes(form_text(i))
    for i in range(25):
        (folder / f"bad{i:02d}.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    proc = _run(str(folder), "--db", str(tmp_path / "s.duckdb"), cwd=tmp_path)
    assert proc.returncode == 1
    assert "已保存 3 个自评表，重复 0 个，无法读取的文件 25 个。" in proc.stdout
    assert "表/秒" in proc.stdout and "读取 28 个文件" in proc.stdout
    assert "28/28 个文件" in proc.stderr and "剩余" in proc.stderr  # the progress line
    shown = [line for line in proc.stderr.splitlines() if line.startswith("无法读取 ")]
    assert len(shown) == 20 and "bad00.xlsx" in shown[0]
    assert "另有 5 个文件无法读取，未在此列出。" in proc.stderr
    named = [line for line in proc.stderr.splitlines() if line.startswith("全部无法读取的文件及原因已写入 ")]
    reports = [Path(named[0].split("已写入 ", 1)[1])] if named else []
    assert len(reports) == 1 and reports[0].parent == Path(tempfile.gettempdir()), proc.stderr[-500:]
    assert not list(tmp_path.glob("*导入问题*"))  # nothing left in the folder the command ran from
    lines = reports[0].read_text(encoding="utf-8").splitlines()
    assert sum(line.startswith("无法读取 ") for line in lines) == 25  # every one, the first twenty too
    assert all(f"bad{i:02d}.xlsx" in "\n".join(lines) for i in range(25))
    reports[0].unlink()

    # a report asked for by name is written however few the problems
    report = tmp_path / "out" / "problems.txt"
    again = _run(
        str(folder / "bad00.xlsx"), "--db", str(tmp_path / "s.duckdb"), "--report", str(report), cwd=tmp_path
    )
    assert again.returncode == 1 and report.read_text(encoding="utf-8").count("无法读取 ") == 1


def test_a_second_run_skips_stored_files_unread_and_reads_the_new_ones(tmp_path):
    folder = tmp_path / "files"
    folder.mkdir()
    for i in range(6):
        (folder / f"f{i}.txt").write_bytes(form_text(i))
    db = str(tmp_path / "s.duckdb")
    assert _run(str(folder), "--db", db, cwd=tmp_path).returncode == 0
    for i in range(6, 9):
        (folder / f"g{i}.txt").write_bytes(form_text(i))
    proc = _run(str(folder), "--db", db, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "已导入 6 个自评表（6 个文件此前已保存），跳过这些文件，继续导入其余 3 个文件。" in proc.stderr
    assert "已保存 3 个自评表，重复 6 个" in proc.stdout
    assert "其中 6 个自评表所在的 6 个文件此前已导入，已跳过，未重新读取。" in proc.stdout
    assert "读取 3 个文件" in proc.stdout


def test_stored_files_answers_only_for_what_the_principal_sees(tmp_path):
    from selfeval.access import Principal
    from selfeval.ingest import ingest_files
    from selfeval.profile import load_profile

    store = open_store(tmp_path / "s.duckdb", seed=None)
    try:
        data = form_text(1)
        ingest_files(store, [("a.txt", data)], load_profile(), origin="import")
        import hashlib

        sha = hashlib.sha256(data).hexdigest()
        assert store.stored_files([sha, "0" * 64]) == {sha: 1}
        stranger = store.scoped(Principal("x@y.cn", "editor", ("别的单位",), True))
        assert stranger.stored_files([sha]) == {}  # another unit's file: not theirs to know about
    finally:
        store.close()


def test_duckdb_memory_limit_is_set_and_checked(tmp_path, monkeypatch):
    store = open_store(tmp_path / "s.duckdb", seed=None)
    try:
        assert store._rows("SELECT current_setting('memory_limit')")[0][0] == "244.1 MiB"  # 256 MB
        store.limit_memory("64MB")
        assert store._rows("SELECT current_setting('memory_limit')")[0][0] == "61.0 MiB"
        store.limit_threads(1)
        assert store._rows("SELECT current_setting('threads')")[0][0] == 1
        with pytest.raises(StoreError):
            store.limit_memory("64MB'; DROP TABLE submissions; --")
    finally:
        store.close()
    monkeypatch.setenv("SELFEVAL_DUCKDB_MEMORY", "1GB")
    assert memory_limit() == "1GB"
    monkeypatch.setenv("SELFEVAL_DUCKDB_MEMORY", "lots")
    with pytest.raises(StoreError, match="SELFEVAL_DUCKDB_MEMORY"):
        memory_limit()
