"""Uploads and edits at once, and a process killed mid-write: every submission whole, exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import replace

from selfeval.ingest import ingest_file
from selfeval.readers import read_bytes
from selfeval.rules import load_profile, score
from selfeval.store import open_store
from tests import variants
from tests.conftest import ROOT, SEED

PROFILE = load_profile()


def _consistent(store) -> None:
    """Every submission has its form row and all its indicator rows; nothing dangles."""
    rows = store._rows(
        """
        SELECT s.id, COUNT(DISTINCT f.submission_id), COUNT(i.submission_id)
        FROM submissions s
        LEFT JOIN forms f ON f.submission_id = s.id
        LEFT JOIN indicators i ON i.submission_id = s.id
        GROUP BY s.id
        """
    )
    for sid, forms, indicators in rows:
        assert forms == 1, sid
        assert indicators == len(store.load_form(sid).indicators), sid
    orphans = store._rows(
        "SELECT COUNT(*) FROM indicators WHERE submission_id NOT IN (SELECT id FROM submissions)"
    )
    assert orphans[0][0] == 0


def test_simultaneous_uploads_and_edits(tmp_path):
    store = open_store(tmp_path / "c.duckdb", seed=None)
    forms = read_bytes(SEED.read_bytes(), "seed.txt").forms
    texts = variants.split_forms(variants.seed_text())
    errors: list[BaseException] = []

    def upload(i: int) -> None:
        try:
            ingest_file(store, f"form{i}.txt", texts[i].encode("utf-8"), PROFILE)
            ingest_file(
                store, f"form{i}-again.txt", texts[i].encode("utf-8"), PROFILE
            )  # same bytes: not again
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    def edit(i: int) -> None:
        try:
            form = forms[i]
            first = replace(form.indicators[0], reason=f"编辑 {i}")
            card = score(replace(form, indicators=(first, *form.indicators[1:])), PROFILE)
            store.save(
                [card],
                source_name="在线编辑",
                data=None,
                kind="editor",
                origin="editor",
                submitted_by=f"u{i}",
            )
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(13)]
    threads += [threading.Thread(target=edit, args=(i,)) for i in range(13)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    # 13 uploads (the "-again" files carry identical bytes under another name) + 13 edits
    history = store._rows("SELECT origin, COUNT(*) FROM submissions GROUP BY origin ORDER BY origin")
    assert dict(history)["editor"] == 13
    assert len(store.current_submission_ids()) == 13
    _consistent(store)
    store.close()


WRITER = textwrap.dedent(
    """
    import sys
    from selfeval.ingest import ingest_file
    from selfeval.rules import load_profile
    from selfeval.store import open_store
    from tests import variants
    store = open_store(sys.argv[1], seed=None)
    texts = variants.split_forms(variants.seed_text())
    profile = load_profile()
    print("ready", flush=True)
    n = 0
    while True:
        for i, t in enumerate(texts):
            n += 1
            ingest_file(store, f"f{n}.txt", (t + f"\\n{n}\\n").encode("utf-8"), profile)
    """
)


def test_killed_writer_leaves_only_whole_submissions(tmp_path):
    db = tmp_path / "killed.duckdb"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(2.5)  # let it write for a while, then kill it mid-stream
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    store = open_store(db, seed=None)
    stored = store._rows("SELECT COUNT(*) FROM submissions")[0][0]
    assert stored > 0
    _consistent(store)
    store.close()
