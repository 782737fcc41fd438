"""Who owns a project code, decided in the open (issue 20 item 7): one batch in which two units claim
one code stores neither claim (within a transaction) and names both units, and an administrator's
import naming another unit than the project's owner is refused for that form unless the move is
asked for (`--allow-transfer`), when it is printed. On DuckDB and PostgreSQL, library and CLI."""

from __future__ import annotations

import subprocess
import sys

import pytest

from selfeval.ingest import ingest_files
from selfeval.profile import load_profile
from selfeval.store import BatchClaims, Upload, open_store
from tests.conftest import ROOT, SEED
from tests.factories import make_scorecard

A, B = "甲单位", "乙单位"
CODE, OTHER = "440304226011500009901", "440304226011500009902"


def upload(code: str, unit: str, name: str, executed: float = 50000.0) -> Upload:
    card = make_scorecard(3, project_code=code, unit=unit, executed=executed)
    return Upload((card,), name, name.encode(), "xlsx", "import")


def test_two_units_claiming_one_code_in_one_batch_store_neither(store_location):
    with open_store(store_location) as store:
        results = store.save_many(
            [upload(CODE, A, "a.xlsx"), upload(OTHER, A, "mine.xlsx"), upload(CODE, B, "b.xlsx", 1.0)]
        )
        assert results[1].stored and not results[0].stored and not results[2].stored
        for refused in (results[0].refused, results[2].refused):
            assert f"项目 {CODE}（2023 年度）出现在 “{A}”、“{B}” 名下" in refused[0]
        assert CODE not in {c for (c,) in store.table_rows("submissions", ["project_code"])}
        # one unit sending two versions in one batch is no conflict
        again = store.save_many([upload(CODE, A, "a1.xlsx"), upload(CODE, A, "a2.xlsx", 60000.0)])
        assert [len(r.stored) for r in again] == [1, 1]


def test_a_later_chunk_of_the_same_batch_is_refused_naming_both(store_location, tmp_path):
    text = SEED.read_text(encoding="utf-8")
    first = text.split("\n\n\n")[0] if "\n\n\n" in text else text
    files = [("a.txt", first.encode()), ("b.txt", first.replace("深圳市福田区总工会（本级）", B).encode())]
    with open_store(store_location) as store:
        outcomes = ingest_files(store, files, load_profile(), origin="import", chunk=1)
        assert outcomes[0].stored and not outcomes[1].stored
        said = " ".join(p.message for p in outcomes[1].problems)
        assert "深圳市福田区总工会（本级）" in said and B in said and "无法确定属于哪个单位" in said


@pytest.mark.parametrize("chunk", [1, 2])
@pytest.mark.parametrize("allow_transfer", [False, True])
def test_a_claim_split_over_chunks_is_refused_even_when_moves_are_allowed(
    store_location, chunk, allow_transfer
):
    """An import's batch keeps nothing per stored file (BatchClaims): the first claim, once stored, is
    the project's current version stored by this batch, so a second unit's claim chunks later is
    refused naming both — and never moves the project, --allow-transfer or not."""
    text = SEED.read_text(encoding="utf-8")
    first = text.split("\n\n\n")[0] if "\n\n\n" in text else text
    own = "深圳市福田区总工会（本级）"
    seeded = "440304226011500000008"  # the first seed form's project code
    filler = [(f"f{i}.txt", first.replace(seeded, f"4403042260115000090{i:02d}").encode()) for i in range(3)]
    files = [("a.txt", first.encode()), *filler, ("b.txt", first.replace(own, B).encode())]
    with open_store(store_location) as store:
        outcomes = ingest_files(
            store, files, load_profile(), origin="import", chunk=chunk, allow_transfer=allow_transfer
        )
        assert outcomes[0].stored and all(o.stored for o in outcomes[1:4]) and not outcomes[4].stored
        said = " ".join(p.message for p in outcomes[4].problems)
        assert own in said and B in said and "无法确定属于哪个单位" in said
        assert not outcomes[4].transfers and store.table_rows("transfers") == []
        assert {u for (u,) in store.table_rows("current_forms", ["unit"])} == {own}


def test_a_batch_keeps_only_the_claims_it_did_not_store(store_location):
    claims = BatchClaims()
    with open_store(store_location) as store:
        first = store.save_many([upload(CODE, A, "a.xlsx"), upload(OTHER, A, "o.xlsx")], claims=claims)
        assert all(r.stored for r in first)
        assert claims.units == {} and claims.first_id == first[0].stored[0]  # the store tells the rest
        again = store.save_many([upload(CODE, A, "a.xlsx")], claims=claims)  # the same file: not stored
        assert not again[0].stored and list(claims.units) == [(CODE, "2023")]
        later = store.save_many([upload(OTHER, B, "b.xlsx")], claims=claims, allow_transfer=True)
        assert not later[0].stored and f"“{A}”、“{B}”" in later[0].refused[0]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "selfeval", *args], cwd=ROOT, capture_output=True, text=True)


def _form_file(tmp_path, name: str, unit: str) -> str:
    from selfeval.template import write_template
    from tests.app_support import rescored, seed_card

    path = tmp_path / name
    path.write_bytes(write_template([rescored(seed_card("劳模管理"), unit=unit)]))
    return str(path)


def test_the_cli_refuses_a_move_unless_asked_and_prints_it(tmp_path, store_location):
    db = str(store_location)
    assert _cli("import", _form_file(tmp_path, "own.xlsx", A), "--db", db).returncode == 0
    moved = _form_file(tmp_path, "moved.xlsx", B)
    done = _cli("import", moved, "--db", db)
    assert (
        done.returncode == 1
        and f"属于“{A}”，表中的实施单位是“{B}”" in done.stderr
        and "--allow-transfer" in done.stderr
    )
    with open_store(db) as store:
        assert set(store.table_rows("current_forms", ["unit"])) == {(A,)}
    done = _cli("import", moved, "--db", db, "--allow-transfer")
    assert done.returncode == 0, done.stderr
    assert (
        f"转移：moved.xlsx：项目 440304226011500000008（2023 年度）由“{A}”转到“{B}”（已记录）。"
        in done.stdout
    )
    with open_store(db) as store:
        assert store.table_rows("transfers", ["from_unit", "to_unit"]) == [(A, B)]


def test_the_cli_refuses_two_units_in_one_batch(tmp_path, store_location):
    files = [_form_file(tmp_path, "a.xlsx", A), _form_file(tmp_path, "b.xlsx", B)]
    done = _cli("import", *files, "--db", str(store_location))
    assert done.returncode == 1 and f"“{A}”、“{B}”" in done.stderr
    with open_store(store_location) as store:
        assert store.table_counts()["submissions"] == 0
