"""Batch ingestion: many files per transaction, bad files skipped, all-or-nothing per transaction."""

from __future__ import annotations

import pytest

from selfeval.ingest import ingest_files
from selfeval.profile import load_profile
from selfeval.store import Store, open_store
from tests import variants
from tests.conftest import SEED

PROFILE = load_profile()
TEXTS = variants.split_forms(variants.seed_text())


@pytest.fixture()
def store(tmp_path):
    s = open_store(tmp_path / "ingest.duckdb", seed=None)
    yield s
    s.close()


def test_chunks_store_every_good_file_and_report_the_bad(store):
    files = [(f"f{i}.txt", t.encode()) for i, t in enumerate(TEXTS[:5])]
    files.insert(2, ("broken.xlsx", b"PK\x03\x04broken"))
    files.append(("f0-again.txt", TEXTS[0].encode()))  # same bytes as f0, in a later chunk
    seen: list[int] = []
    outcomes = ingest_files(store, files, PROFILE, chunk=2, progress=lambda n, name: seen.append(n))
    assert seen == list(range(1, 8))
    assert [len(o.stored) for o in outcomes] == [1, 1, 0, 1, 1, 1, 0]
    assert [bool(o.problems) for o in outcomes] == [False, False, True, False, False, False, False]
    assert len(outcomes[-1].duplicates) == 1
    assert len(store.current_submission_ids()) == 5


def test_duplicates_inside_one_transaction(store):
    data = TEXTS[0].encode()
    outcomes = ingest_files(store, [("a.txt", data), ("b.txt", data)], PROFILE)
    assert [len(o.stored) for o in outcomes] == [1, 0]
    assert [len(o.duplicates) for o in outcomes] == [0, 1]


def test_a_failure_in_a_batch_leaves_the_database_as_it_was(store, monkeypatch):
    ingest_files(store, [("first.txt", TEXTS[0].encode())], PROFILE)
    before = store.table_counts()
    real = Store._insert_rows

    def failing(self, cur, table, rows):
        if table == "indicators":
            raise RuntimeError("disk full")
        return real(self, cur, table, rows)

    monkeypatch.setattr(Store, "_insert_rows", failing)
    with pytest.raises(RuntimeError):
        ingest_files(store, [(f"n{i}.txt", t.encode()) for i, t in enumerate(TEXTS[1:6])], PROFILE)
    assert store.table_counts() == before
    monkeypatch.setattr(Store, "_insert_rows", real)
    outcomes = ingest_files(store, [(f"n{i}.txt", t.encode()) for i, t in enumerate(TEXTS[1:6])], PROFILE)
    assert sum(len(o.stored) for o in outcomes) == 5


def test_seed_file_as_one_upload(store):
    (outcome,) = ingest_files(store, [("seed.txt", SEED.read_bytes())], PROFILE)
    assert len(outcome.stored) == 13
