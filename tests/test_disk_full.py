"""A full disk said as a full disk (issue 20 item 7), never as a damaged database, and the store
intact: a real write refused by the operating system (RLIMIT_FSIZE in a child process, SIGXFSZ
ignored, so the write fails with EFBIG as on a full disk), through the CLI on DuckDB; PostgreSQL's
disk_full (53100) raised inside a real transaction on the test server."""

from __future__ import annotations

import subprocess
import sys

import psycopg
import pytest

from selfeval.store import StoreError, open_store
from selfeval.store.errors import is_disk_full
from tests.app_support import rescored, seed_cards
from tests.conftest import ROOT

LIMITED = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead of killing us
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), resource.RLIM_INFINITY))
from selfeval.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _limited(limit: int, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", LIMITED, str(limit), *args], cwd=ROOT, capture_output=True, text=True
    )


def _files(directory, n: int = 40) -> list[str]:
    from selfeval.template import write_template

    directory.mkdir()
    out = []
    for i in range(n):
        card = rescored(seed_cards()[i % 13], project_code=f"4403042260119{i:08d}", project_name="项目" * 200)
        path = directory / f"f{i:02d}.xlsx"
        path.write_bytes(write_template([card]))
        out.append(str(path))
    return out


def test_a_full_disk_during_an_import_is_said_and_the_store_is_intact(tmp_path):
    db = tmp_path / "s.duckdb"
    assert (
        subprocess.run([sys.executable, "-m", "selfeval", "init", "--db", str(db)], cwd=ROOT).returncode == 0
    )
    files = _files(tmp_path / "in")
    done = _limited(300_000, "import", *files, "--db", str(db))
    assert done.returncode == 1, done.stderr[-500:]
    assert (
        "磁盘空间不足" in done.stderr and "可能已损坏" not in done.stderr and "Traceback" not in done.stderr
    )
    with open_store(db) as store:  # no limit now: the file opens, holds the sample, takes new forms
        assert store.table_counts()["submissions"] == 13
        assert store.verify_trail().ok
        card = rescored(seed_cards()[0], project_code="440304226011590000001")
        assert store.save([card], source_name="after.xlsx", data=None, kind="xlsx", origin="upload").stored


def test_a_full_disk_during_an_export_is_said(tmp_path):
    db = tmp_path / "s.duckdb"
    subprocess.run([sys.executable, "-m", "selfeval", "init", "--db", str(db)], cwd=ROOT, check=True)
    done = _limited(2_000, "export", "--out", str(tmp_path / "out"), "--db", str(db))
    assert (
        done.returncode == 1
        and "磁盘空间不足，输出文件未能写完" in done.stderr
        and "Traceback" not in done.stderr
    )


def test_postgresql_disk_full_is_said_and_rolled_back(pg_url):
    with open_store(pg_url) as store:
        with pytest.raises(StoreError, match="磁盘空间不足") as caught, store._writing() as db:
            db.execute(
                "INSERT INTO review_deadlines (year, deadline, set_by, set_at) VALUES ('2023', DATE '2024-03-31', 'x', NOW())"
            )
            raise psycopg.errors.DiskFull('could not extend file "base/16384/16385": No space left on device')
        assert "可能已损坏" not in str(caught.value)
        assert store.table_rows("review_deadlines") == []


@pytest.mark.parametrize(
    "exc",
    [
        OSError(28, "No space left on device"),
        OSError(27, "File too large"),
        RuntimeError('IO Error: Could not write file "x.wal": No space left on device'),
        psycopg.errors.DiskFull("could not extend file"),
        __import__("lxml.etree").etree.SerialisationError("IO_EFBIG"),  # openpyxl writing a workbook
    ],
)
def test_what_counts_as_a_full_disk(exc):
    assert is_disk_full(exc)
    assert not is_disk_full(RuntimeError("Corrupt database file"))
