"""`selfeval import` before and after a change, in one run: the same generated workbooks imported by
the CLI of an earlier commit (`git archive`, no change to the work tree) and of the work tree, into a
fresh DuckDB file and into a copy of one already holding `--stored` forms. Prints wall seconds
(interpreter start-up included), forms a second and the main process's peak resident set.

    .venv/bin/python -m bench.import_compare --before 13a5778 --files 1000 --stored 0 100000
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _tree(rev: str, into: Path) -> Path:
    into.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def _import(tree: Path, db: Path, directory: Path) -> dict:
    """One CLI import, under /usr/bin/time for the peak resident set (a child's ru_maxrss as wait4
    reports it starts from this process's own high-water mark)."""
    peak = db.with_suffix(".rss")
    t = time.perf_counter()
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "%M", "-o", str(peak)]
        + [sys.executable, "-m", "selfeval", "import", "--db", str(db), str(directory)],
        cwd=tree,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(tree)},
    )
    seconds = time.perf_counter() - t
    rss_kb = int(peak.read_text().split()[-1])
    return {"s": round(seconds, 2), "exit": proc.returncode, "maxrss_mb": round(rss_kb / 1024)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", required=True, help="commit to compare against")
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--stored", type=int, nargs="+", default=[0, 100000])
    args = ap.parse_args()
    from bench.workbooks import generate

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        before = _tree(args.before, tmp_path / "before")
        books = tmp_path / "books"
        books.mkdir()
        for w in generate(args.files, seed=99):
            (books / w.name).write_bytes(w.data)
        for stored in args.stored:
            base = tmp_path / f"base{stored}.duckdb"
            fill = f"from bench.import_compare import _fill_file; _fill_file({str(base)!r}, {stored})"
            subprocess.run([sys.executable, "-c", fill], cwd=ROOT, check=True)  # this process stays small
            for label, tree in (("before", before), ("after", ROOT)):
                db = tmp_path / "run.duckdb"
                shutil.copy(base, db)
                r = _import(tree, db, books)
                forms = store_count(db) - stored
                print(
                    f"stored {stored:>8,}  {label:<6}  {r['s']:6.2f} s  {forms / r['s']:6.0f} forms/s  "
                    f"main peak RSS {r['maxrss_mb']} MB  exit {r['exit']}",
                    flush=True,
                )
                db.unlink()


def _fill_file(path: str, n: int) -> None:
    from bench.store_path import _fill
    from selfeval.store import open_store

    store = open_store(path)
    _fill(store, n)
    store.close()


def store_count(db: Path) -> int:
    from bench.stores import count_forms

    return count_forms(str(db))


if __name__ == "__main__":
    main()
