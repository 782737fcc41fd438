"""`selfeval import` of a fixed batch of workbook files into a store that already holds N forms.

Run as a `bench.worker` task (a fresh process): the CLI's own `main(["import", …])` is called twice,
timed from the call to its return (worker processes' start-up included, interpreter start-up not):

- *new*: the batch's forms are new projects — read, score, duplicate and version checks, store;
- *repeat*: the same files again — every form is a duplicate, so this is reading plus the checks.

The rate at each store size against the rate at the smallest is the "import is linear" curve: the
checks against what is stored must not grow with it. Memory is the process's whole peak resident
set (ru_maxrss: Python, the modules, DuckDB's buffers) and, apart, the largest worker process's.
"""

from __future__ import annotations

import contextlib
import io
import resource
import time

from bench.measure import rss_peak


def _import(db: str, directory: str, jobs: int | None) -> dict:
    from selfeval.cli import main

    argv = ["import", "--db", db, directory] + (["--jobs", str(jobs)] if jobs else [])
    out, err = io.StringIO(), io.StringIO()
    t = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    seconds = time.perf_counter() - t
    return {"s": seconds, "exit": code, "summary": out.getvalue().strip().splitlines()[-1:]}


def _forms(db: str) -> int:
    from bench.stores import count_forms

    return count_forms(db)


def run(db: str, directory: str, files: int, jobs: int | None = None) -> dict:
    """Import `directory` (holding `files` one-form workbooks) into `db`, then again."""
    import selfeval.cli  # noqa: F401  (imports before the clock, as a running CLI has them)

    before = _forms(db)
    rss, new = rss_peak(lambda: _import(db, directory, jobs))
    after = _forms(db)
    repeat = _import(db, directory, jobs)
    again = _forms(db)
    stored = after - before
    return {
        "stored_before": before,
        "new": {
            **new,
            "forms": stored,
            "forms_per_s": stored / new["s"] if new["s"] else None,
            "rss_peak_delta_mb": rss["rss_peak_mb"],
        },
        "repeat": {
            **repeat,
            "stored": again - after,
            "files_per_s": files / repeat["s"] if repeat["s"] else None,
        },
        "files": files,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "children_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }
