"""`selfeval import` of a fixed batch of workbook files into a store that already holds N forms.

Run as a `bench.worker` task: the CLI is run twice as `python -m selfeval import` in its own process
group (bench/tree.py), timed from start to exit (interpreter and worker start-up included):

- *new*: the batch's forms are new projects — read, score, duplicate and version checks, store;
- *repeat*: the same files again — every file is skipped unread as stored (by the hash of its bytes).

The rate at each store size against the rate at the smallest is the "import is linear" curve: the
checks against what is stored must not grow with it. Memory is the peak of the whole process tree
(the command, the fork server and the reading workers) during the new import: PSS (what the tree
holds) and RSS summed (pages shared between processes counted once per process).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bench.tree import run_measured

ROOT = Path(__file__).resolve().parent.parent


def _import(db: str, directory: str, jobs: int | None) -> dict:
    argv = [sys.executable, "-m", "selfeval", "import", "--db", db, directory]
    argv += ["--jobs", str(jobs)] if jobs else []
    m = run_measured(argv, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, interval=0.1)
    return {"s": m.seconds, "exit": m.returncode, "summary": m.stdout.strip().splitlines()[-3:], **m.memory}


def _forms(db: str) -> int:
    from bench.stores import count_forms

    return count_forms(db)


def run(db: str, directory: str, files: int, jobs: int | None = None) -> dict:
    """Import `directory` (holding `files` one-form workbooks) into `db`, then again."""
    before = _forms(db)
    new = _import(db, directory, jobs)
    after = _forms(db)
    repeat = _import(db, directory, jobs)
    again = _forms(db)
    stored = after - before
    return {
        "stored_before": before,
        "new": {**new, "forms": stored, "forms_per_s": stored / new["s"] if new["s"] else None},
        "repeat": {
            **repeat,
            "stored": again - after,
            "files_per_s": files / repeat["s"] if repeat["s"] else None,
        },
        "files": files,
        "peak_rss_mb": new["tree_peak_pss_mb"],  # the whole tree (PSS)
        "tree_rss_mb": new["tree_peak_rss_mb"],
    }
