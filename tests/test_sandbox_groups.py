"""Several files to a worker in one pooled task (`sandbox.map_ordered(group=…)`, what `selfeval import`
does to pay the round trip once for them): each file keeps every promise it had as a task of its own -
a file that kills, hangs or exhausts its worker is named and refused, read once; every other file of
its task is still read; each file has its own CPU budget and wall clock; what one file raises is its
own. tests/test_sandbox.py holds the sandbox's promises for one file a task.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from selfeval import ingest
from selfeval.ingest import ingest_files
from selfeval.profile import load_profile
from selfeval.readers import sandbox
from selfeval.store import open_store
from tests import badfiles
from tests.conftest import ROOT, SEED

SMALL = sandbox.SandboxLimits(memory_bytes=64 * 1024 * 1024, cpu_seconds=2, wall_seconds=3)
ONE = sandbox.SandboxLimits(workers=1)


def counted(log: str, action: str, value=None):
    """Append one line to `log` (every read leaves its trace), then die, hang, spin or nap `value`
    seconds, raise, or answer."""
    with open(log, "a") as f:
        f.write(f"{action} {value}\n")
    if action == "die":
        os.abort()
    if action == "hang":
        time.sleep(60)
    if action == "nap":
        time.sleep(value)
    if action == "spin":
        end = time.process_time() + value
        while time.process_time() < end:
            pass
    if action == "raise":
        raise ValueError(value)
    if action == "odd":
        raise Odd(why=value)
    return value


class Odd(Exception):
    """An exception that pickles but does not unpickle (a keyword-only argument): sent back as it is,
    it would break the pool when the parent unpickles the task's results."""

    def __init__(self, *, why):
        super().__init__(why)


def _reads(log: str) -> list[str]:
    return Path(log).read_text().splitlines()


def test_a_killer_in_a_group_is_refused_once_and_the_rest_of_its_group_is_read(tmp_path):
    log = str(tmp_path / "runs.log")
    tasks = [(log, "ok", 1), (log, "ok", 2), (log, "die", 3), (log, "ok", 4), (log, "ok", 5)]
    sandbox.shutdown()
    results = [r for _a, r in sandbox.map_ordered(counted, tasks, group=5, limits=ONE)]
    assert isinstance(results[2], sandbox.WorkerFailed), results
    assert results[2].code in ("READ_MEMORY", "READ_CRASHED")
    assert [results[i] for i in (0, 1, 3, 4)] == [1, 2, 4, 5]
    reads = _reads(log)
    assert reads.count("die 3") == 1  # told from the slot: never read again
    assert all(reads.count(f"ok {n}") in (1, 2) for n in (1, 2, 4, 5))  # read again alone at most once


def test_two_killers_in_one_group_are_both_refused(tmp_path):
    """The first is named by its worker's death; the second, never begun in the pool, is read alone
    and refused on its own death."""
    log = str(tmp_path / "runs.log")
    tasks = [(log, "die", 1), (log, "ok", 2), (log, "die", 3)]
    results = [r for _a, r in sandbox.map_ordered(counted, tasks, group=3, limits=ONE)]
    assert [isinstance(r, sandbox.WorkerFailed) for r in results] == [True, False, True]
    assert results[1] == 2
    assert _reads(log).count("die 1") == 1 and _reads(log).count("die 3") == 1


def test_a_hung_file_in_a_group_is_refused_once_and_its_neighbours_are_read(tmp_path):
    log = str(tmp_path / "runs.log")
    tasks = [(log, "ok", 1), (log, "hang"), (log, "ok", 3)]
    results = [r for _a, r in sandbox.map_ordered(counted, tasks, group=3, limits=SMALL)]
    assert isinstance(results[1], sandbox.WorkerFailed) and results[1].code == "READ_TIMEOUT"
    assert [results[0], results[2]] == [1, 3]
    assert _reads(log).count("hang None") == 1


def test_each_file_of_a_group_has_its_own_wall_clock_and_cpu_budget(tmp_path, monkeypatch):
    """Three files of 1.5 s each in one task of a 3 s wall clock (no slack in the parent), and three of
    0.7 s of CPU under a CPU budget of 1–2 s (a wall clock generous enough for a loaded machine): a
    clock or a budget per task would refuse the last of them."""
    monkeypatch.setattr(sandbox, "SLACK", 0.0)
    log = str(tmp_path / "runs.log")
    naps = [(log, "nap", 1.5) for _ in range(3)]
    spins = [(log, "spin", 0.7) for _ in range(3)]
    sandbox.shutdown()
    wall = sandbox.SandboxLimits(wall_seconds=3, workers=1)
    assert [r for _a, r in sandbox.map_ordered(counted, naps, group=3, limits=wall)] == [1.5] * 3
    cpu = sandbox.SandboxLimits(cpu_seconds=1, wall_seconds=60, workers=1)
    assert [r for _a, r in sandbox.map_ordered(counted, spins, group=3, limits=cpu)] == [0.7] * 3
    assert len(_reads(log)) == 6  # none read again


def test_what_a_file_raises_is_its_own_and_comes_at_its_turn(tmp_path):
    log = str(tmp_path / "runs.log")
    results = sandbox.map_ordered(counted, [(log, "ok", 1), (log, "raise", "坏"), (log, "ok", 3)], group=3)
    assert next(results)[1] == 1
    with pytest.raises(ValueError, match="坏"):
        next(results)
    assert _reads(log) == ["ok 1", "raise 坏", "ok 3"]  # the group was read once, whole


def test_an_exception_that_cannot_come_back_is_named_and_the_pool_lives(tmp_path):
    log = str(tmp_path / "runs.log")
    results = sandbox.map_ordered(counted, [(log, "odd", "怪"), (log, "ok", 2)], group=2)
    with pytest.raises(RuntimeError, match="Odd: 怪"):
        next(results)
    with pytest.raises(RuntimeError, match="Odd: 怪"):
        sandbox.call(counted, log, "odd", "怪")
    assert sandbox.call(counted, log, "ok", 3) == 3
    assert _reads(log) == ["odd 怪", "ok 2", "odd 怪", "ok 3"]  # the same pool, nothing read again


def test_groups_keep_order_and_the_byte_bound():
    """A group closes at `group` files or `group_bytes` (at least one file): 6-byte files, 10 bytes a
    group, so one file a task; and the results come in the order given."""
    tasks = [(b"x" * 6, i) for i in range(7)] + [(b"", i) for i in range(7, 30)]
    results = [v for _a, v in sandbox.map_ordered(_second, tasks, group=4, group_bytes=10, in_flight=9)]
    assert results == list(range(30))


def _second(_data: bytes, value):
    return value


def _outcomes(tmp_path, name: str, files) -> list[tuple]:
    store = open_store(tmp_path / f"{name}.duckdb", seed=None)
    try:
        outcomes = ingest_files(store, files, load_profile(), jobs=2)
        stored = len(store.current_submission_ids())
    finally:
        store.close()
    return [
        (o.source, o.forms, len(o.stored), len(o.duplicates), [p.code for p in o.problems]) for o in outcomes
    ] + [stored]


def test_import_in_groups_stores_what_one_file_a_task_stores_around_a_killer(tmp_path, monkeypatch):
    """A whole import's window in groups: the sample forms with a workbook that exhausts its worker
    (inside preflight's bounds, over a 64 MB budget) and one preflight refuses, among them in one
    group; the outcome of every file is the one it gets when each file is a task of its own."""
    monkeypatch.setenv("SELFEVAL_READ_MEMORY_MB", "64")
    rows = '<row r="1"><c r="A1"><v>1</v></c></row><row r="20000"><c r="GR20000"><v>1</v></c></row>'
    corner = ("角.xlsx", badfiles._one_sheet(badfiles._sheet_xml(rows, "A1:GR20000")))
    samples = sorted((ROOT / "data" / "samples" / "forms").glob("*.xlsx"))[:6]
    files = [(p.name, p.read_bytes()) for p in samples]
    files[2:2] = [corner, badfiles.dot_segment_sheet()]
    files.append(("seed.txt", SEED.read_bytes()))
    grouped = _outcomes(tmp_path, "grouped", files)
    monkeypatch.setattr(ingest, "GROUP_FILES", 1)
    alone = _outcomes(tmp_path, "alone", files)
    assert grouped == alone
    assert grouped[2][4] == ["READ_MEMORY"] and grouped[3][4] == ["SHEET_TOO_LARGE"]
    assert grouped[-1] == sum(row[2] for row in grouped[:-1]) == 13, grouped  # the samples are seed forms
