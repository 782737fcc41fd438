"""`selfeval import` killed (SIGKILL to its whole process group: the command, the fork server and the
reading workers) at random moments, then run again until it finishes: every chunk is whole or absent
after each kill, the next run says how much it skips, and in the end every form is stored exactly once
(DuckDB and PostgreSQL)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from selfeval.store import open_store
from tests.conftest import ROOT
from tests.test_import_scale import form_text

FILES = 240
CHUNK = 20


def _start(db: str, folder) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "selfeval", "import", str(folder), "--db", db]
        + ["--jobs", "2", "--chunk", str(CHUNK)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the kill takes the workers too
    )


def _state(db: str) -> tuple[int, int, int, int]:
    """(submissions, distinct projects, forms rows, import events) in the store."""
    store = open_store(db, seed=None)
    try:
        row = store._rows(
            """SELECT (SELECT COUNT(*) FROM submissions), (SELECT COUNT(DISTINCT project_code) FROM submissions),
                      (SELECT COUNT(*) FROM forms), (SELECT COUNT(*) FROM audit_events WHERE action = 'import')"""
        )[0]
        return tuple(int(x) for x in row)
    finally:
        store.close()


@pytest.mark.parametrize("backend", ["duckdb", "postgres"])
def test_import_killed_at_random_points_resumes_and_stores_each_form_once(backend, tmp_path, request):
    folder = tmp_path / "files"
    folder.mkdir()
    for i in range(FILES):
        (folder / f"f{i:05d}.txt").write_bytes(form_text(i))
    db = str(tmp_path / "s.duckdb") if backend == "duckdb" else request.getfixturevalue("pg_url")
    _state(db)  # the schema exists before the first kill (as after `selfeval init`)
    rnd = random.Random(23)
    kills, said_resumed, before, partial = 0, False, 0, False
    for attempt in range(12):
        proc = _start(db, folder)
        # a random moment; later each time, so that a slow machine still gets to the end
        delay = rnd.uniform(0.5, 2.5) + attempt * 1.5
        try:
            out, err = proc.communicate(timeout=delay)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            time.sleep(0.2)  # the workers leave with the group; the file lock with the process
            kills += 1
            stored, projects, forms, events = _state(db)
            # whole chunks only: each file holds one distinct form, so a chunk stores CHUNK of them
            assert stored % CHUNK == 0 and stored == projects == forms == events, (
                stored,
                projects,
                forms,
                events,
            )
            assert stored >= before
            before = stored
            partial |= 0 < stored < FILES  # the next run has files left to read after skipping some
            print(f"killed after {delay:.1f} s: {stored} stored")
            said_resumed |= "已导入" in err and "继续导入" in err
            continue
        assert proc.returncode == 0, err[-2000:]
        said_resumed |= "已导入" in err and "继续导入" in err
        break
    else:
        pytest.fail("the import never finished")
    assert _state(db) == (FILES, FILES, FILES, FILES)
    if partial:  # a run after a kill that left part of the files stored says what it skips
        assert said_resumed, err[-2000:]
    # the summary counts what was there as duplicates and names the files skipped unread
    again = subprocess.run(
        [sys.executable, "-m", "selfeval", "import", str(folder), "--db", db],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0, again.stderr[-2000:]
    assert f"已保存 0 个自评表，重复 {FILES} 个" in again.stdout
    assert f"其中 {FILES} 个自评表所在的 {FILES} 个文件此前已导入" in again.stdout
    assert _state(db) == (FILES, FILES, FILES, FILES)
