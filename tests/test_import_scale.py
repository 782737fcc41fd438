"""Import at scale: the transaction size changes nothing stored, and memory does not grow with the count.

Files are text exports of the 13 published forms with their project codes rewritten (distinct
projects), some corrected versions (same code, another project name), exact repeats and a broken
file: cheap to make in the thousands, read by the same pipeline as workbooks.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import duckdb

from selfeval.ingest import ingest_files
from selfeval.profile import load_profile
from selfeval.store import open_store
from tests import variants
from tests.conftest import ROOT

PROFILE = load_profile()
TEXTS = variants.split_forms(variants.seed_text())
CODE = re.compile(r"\d{21}")
NAME = re.compile(r"(项目名称:\t)([^\t]+)")


def form_text(i: int, corrected: bool = False) -> bytes:
    """Seed form i % 13 as project number i (a distinct 21-digit code); `corrected`: another name."""
    text = CODE.sub(f"44030422601159{i:07d}", TEXTS[i % len(TEXTS)], count=1)
    if corrected:
        text = NAME.sub(lambda m: m.group(1) + m.group(2) + "（更正）", text, count=1)
    return text.encode("utf-8")


def batch(n: int) -> list[tuple[str, bytes]]:
    """n distinct forms, then corrected versions of some, exact repeats and a broken file, each ten
    files after its original, so that versions and repeats fall in other transactions than it."""
    keyed = [(i, f"f{i:05d}.txt", form_text(i)) for i in range(n)]
    keyed += [(i + 10.1, f"v{i:05d}.txt", form_text(i, corrected=True)) for i in range(0, n, 7)]
    keyed += [(i + 10.2, f"r{i:05d}.txt", form_text(i)) for i in range(3, n, 11)]
    keyed += [(i + 20.3, f"rv{i:05d}.txt", form_text(i, corrected=True)) for i in range(0, n, 21)]
    keyed.append((n / 2, "broken.xlsx", b"PK\x03\x04 not a workbook"))
    return [(name, data) for _, name, data in sorted(keyed)]


def _contents(path: Path) -> dict[str, list[tuple[str, ...]]]:
    """Every table's rows without ids and timestamps: child rows keyed by their submission's file
    name and sheet instead of its id; plus which files hold the current forms."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
                "AND table_name <> 'schema_version' ORDER BY 1"
            ).fetchall()
        ]
        out = {}
        for table in tables:
            described = con.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
                "ORDER BY ordinal_position",
                [table],
            ).fetchall()
            names = {name for name, _ in described}
            cols = [
                name
                for name, kind in described
                # the audit chain's hashes cover each event's time: compared as the events themselves
                if name not in ("id", "submission_id", "prev_hash", "hash")
                and not kind.startswith("TIMESTAMP")
            ]
            select = ", ".join(f"t.{c}" for c in cols)
            if "submission_id" in names:
                sql = f"SELECT s.source_name, s.sheet, {select} FROM {table} t JOIN submissions s ON s.id = t.submission_id"
            else:
                sql = f"SELECT {select} FROM {table} t"
            out[table] = sorted(tuple(map(repr, row)) for row in con.execute(sql).fetchall())
        out["current"] = sorted(
            con.execute(
                "SELECT s.source_name, s.sheet FROM current_forms c JOIN submissions s ON s.id = c.submission_id"
            ).fetchall()
        )
        return out
    finally:
        con.close()


def _import(path: Path, files, chunk: int) -> list:
    store = open_store(path)
    try:
        return ingest_files(store, files, PROFILE, origin="import", chunk=chunk)
    finally:
        store.close()


def test_chunks_and_one_transaction_store_the_same(tmp_path):
    files = batch(60)
    outcomes = {}
    for chunk in (7, 1000):
        outcomes[chunk] = _import(tmp_path / f"chunk{chunk}.duckdb", files, chunk)
    small, whole = (_contents(tmp_path / f"chunk{c}.duckdb") for c in (7, 1000))
    assert small.keys() == whole.keys() and {"submissions", "forms", "indicators", "current"} <= small.keys()
    for table in small:
        assert small[table] == whole[table], table
    # what each file came to is the same too, and it is what the batch was made of
    summary = {
        c: [(o.source, o.forms, len(o.stored), len(o.duplicates), bool(o.problems)) for o in outs]
        for c, outs in outcomes.items()
    }
    assert summary[7] == summary[1000]
    by_name = {s[0]: s for s in summary[7]}
    assert sum(s[2] for s in summary[7]) == 60 + len(range(0, 60, 7))  # each distinct form and version once
    assert all(by_name[n][3] == 1 for n in by_name if n.startswith(("r", "rv")))  # repeats: duplicates
    assert by_name["broken.xlsx"][4] and by_name["broken.xlsx"][2] == 0
    current = {name for name, _ in small["current"]}
    assert len(current) == 60 and {f"v{i:05d}.txt" for i in range(0, 60, 7)} <= current  # versions won


# ------------------------------------------------------------------------------------------ memory


def _import_tree(tmp_path: Path, n: int) -> dict:
    """`selfeval import` of n one-form workbooks (generated ones cloned with distinct project codes),
    its whole process tree's memory sampled from /proc: the command, the fork server, the workers."""
    from bench.tree import run_measured
    from bench.workbooks import write_batch

    folder = tmp_path / f"files{n}"
    write_batch(folder, n, distinct=60)
    m = run_measured(
        [sys.executable, "-m", "selfeval", "import", "--db", str(tmp_path / f"s{n}.duckdb"), str(folder)],
        cwd=ROOT,
        interval=0.1,
        timeout=1800,
    )
    assert m.returncode == 0, m.stderr[-3000:]
    assert f"已保存 {n} 个自评表" in m.stdout, m.stdout
    assert m.memory["processes"] >= 4  # the command, the fork server, two workers (the resource tracker)
    return m.memory


def test_import_memory_is_bounded_by_the_chunk_not_the_count(tmp_path):
    """Peak memory of the whole process tree of `selfeval import` for 300 and for 3,000 workbooks.

    Measured on the development machine (2 cores, DuckDB, two workers): 3,000 files peak near 400 MB
    PSS (the command ~330 MB RSS: Python, pyarrow, DuckDB's code and its 64 MB cache; each worker
    ~30 MB), as 300 do and as 10,000 do (bench: the batch-size curve). Before issue 23 the command
    alone grew ~17 KB a file (DuckDB kept every block it wrote: 978 MB at 48,000 files).

    What the larger run may add is what DuckDB caches of a file ten times the size (up to its 64 MB
    limit) and its indexes: 236 -> 302 MB PSS on a fresh CI machine. The retention issue 23 removed
    would add 46 MB more over the 2,700 extra files, past the 100 MB allowed."""
    small, large = _import_tree(tmp_path, 300), _import_tree(tmp_path, 3000)
    assert large["tree_peak_pss_mb"] < 500 and large["main_peak_rss_mb"] < 450, large
    assert large["tree_peak_pss_mb"] - small["tree_peak_pss_mb"] < 100, (small, large)
