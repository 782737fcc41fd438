"""Uploads and edits at once, a process killed mid-write, and (PostgreSQL) two processes importing at
once: every submission whole, exactly once — on DuckDB and on a real PostgreSQL server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections import Counter
from dataclasses import replace

from selfeval.ingest import ingest_file
from selfeval.profile import load_profile
from selfeval.readers import read_bytes
from selfeval.rules import score
from selfeval.store import open_store
from tests import variants
from tests.conftest import ROOT, SEED

PROFILE = load_profile()


def _consistent(store) -> None:
    """Every submission has its form row and all its indicator rows; nothing dangles."""
    ids = [sid for (sid,) in store.table_rows("submissions", ["id"])]
    forms = Counter(sid for (sid,) in store.table_rows("forms", ["submission_id"]))
    indicators = Counter(sid for (sid,) in store.table_rows("indicators", ["submission_id"]))
    for sid in ids:
        assert forms[sid] == 1, sid
        assert indicators[sid] == len(store.load_form(sid).indicators), sid
    assert set(forms) | set(indicators) <= set(ids)  # nothing dangles


def test_simultaneous_uploads_and_edits(store_location):
    store = open_store(store_location, seed=None)
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
    history = Counter(origin for (origin,) in store.table_rows("submissions", ["origin"]))
    assert history["editor"] == 13
    assert len(store.current_submission_ids()) == 13
    _consistent(store)
    store.close()


WRITER = textwrap.dedent(
    """
    import sys
    from selfeval.ingest import ingest_file
    from selfeval.profile import load_profile
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
            print("stored", n, flush=True)
    """
)


def test_killed_writer_leaves_only_whole_submissions(store_location):
    db = store_location
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "ready"
        # let it store a few (counted, not timed: a loaded machine may take seconds for one), then
        # kill it while it writes the next
        for expected in (1, 2, 3):
            assert proc.stdout.readline().split() == ["stored", str(expected)]
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    store = open_store(db, seed=None)
    stored = store.table_counts()["submissions"]
    assert stored >= 3
    _consistent(store)
    store.close()


def _import(db: str, *paths) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SELFEVAL_DB": db}
    return subprocess.Popen(
        [sys.executable, "-m", "selfeval", "import", *map(str, paths)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_importing_at_once_into_postgresql(pg_url, tmp_path):
    """Two `selfeval import` processes on one PostgreSQL database at the same time with the same 13
    forms in files of different bytes: each form stored exactly once whichever process gets there
    first, the other sees a duplicate by content; a repeat is all duplicates."""
    texts = variants.split_forms(variants.seed_text())
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        folder.mkdir()
    for i, text in enumerate(texts):
        # different bytes (a trailing line the reader ignores), the same declared content
        (first / f"f{i}.txt").write_text(text + "\n甲\n", encoding="utf-8")
        (second / f"g{i}.txt").write_text(text + "\n乙\n", encoding="utf-8")
    store = open_store(pg_url, seed=None)  # schema created before the race, as the app would
    procs = [_import(pg_url, first), _import(pg_url, second)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    stored = [int(out.split("已保存 ")[1].split(" ")[0]) for out, _ in outs]
    duplicates = [int(out.split("重复 ")[1].split(" ")[0]) for out, _ in outs]
    assert sum(stored) == 13 and sum(duplicates) == 13
    assert sum(stored) == store.table_counts()["submissions"]
    assert len(store.current_submission_ids()) == 13 == len(store.project_scores())
    ids = [sid for (sid,) in store.table_rows("submissions", ["id"])]
    assert ids == list(range(1, len(ids) + 1))
    _consistent(store)
    again = [_import(pg_url, first), _import(pg_url, second)]
    outs = [p.communicate(timeout=300) for p in again]
    assert all("已保存 0 个自评表" in out for out, _ in outs), outs
    assert store.table_counts()["submissions"] == sum(stored)
    store.close()


def test_two_processes_importing_distinct_forms_into_postgresql(pg_url, tmp_path):
    """Each process brings its own projects: every one of them stored, exactly once."""
    texts = variants.split_forms(variants.seed_text())
    folders = []
    for k in range(2):
        folder = tmp_path / f"p{k}"
        folder.mkdir()
        for i, text in enumerate(texts):
            (folder / f"{k}-{i}.txt").write_text(_recode(text, k), encoding="utf-8")
        folders.append(folder)
    store = open_store(pg_url, seed=None)
    procs = [_import(pg_url, f) for f in folders]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert all("已保存 13 个自评表，重复 0 个" in out for out, _ in outs), outs
    assert len(store.current_submission_ids()) == 26
    assert store.portfolio_summary()["forms"].sum() == 26
    _consistent(store)
    repeat = [_import(pg_url, f) for f in folders]
    outs = [p.communicate(timeout=300) for p in repeat]
    assert all("已保存 0 个自评表，重复 13 个" in out for out, _ in outs), outs
    store.close()


def _recode(text: str, k: int) -> str:
    """The form with its 21-digit project code's last digit block changed: another project."""
    import re

    return re.sub(
        r"(\d{17})(\d{4})",
        lambda m: m.group(1) + f"{(int(m.group(2)) + 5000 * (k + 1)) % 10000:04d}",
        text,
        count=1,
    )
