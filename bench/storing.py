"""Read + recognise + score + store, for batches of forms, each batch into a fresh DuckDB file.

Three ways through, each timed from the workbook bytes to committed rows:

- per file: `score_bytes` then one `Store.save` per file (one transaction per file), exactly what
  `ingest_file` does for the CLI's import and what the upload page does for each file of a batch;
- ingest_files: what `python -m selfeval import` does — read and score each file (in one worker
  process per core from 100 files on, start-up timed), one `Store.save_many` transaction per 200
  files (each file keeps its own hash and duplicates);
- per batch: every file read and scored, then one `Store.save` of all the batch's scorecards (one
  transaction; `data=None`, so duplicates are recognised by the form's content, not the file's hash);

Opening the fresh file (creating the schema) is timed apart.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from bench.measure import py_peak, rss_peak
from bench.reading import load_workbooks


def _per_file(store, workbooks, profile) -> dict:
    from selfeval.ingest import score_bytes

    read = save = 0.0
    stored = 0
    for name, _, data in workbooks:
        t0 = time.perf_counter()
        cards, _problems, kind = score_bytes(data, name, profile)
        t1 = time.perf_counter()
        if cards:  # as ingest_file: all the file's forms in one transaction
            saved = store.save(list(cards), source_name=name, data=data, kind=kind, origin="import")
            stored += len(saved.stored)
        save += time.perf_counter() - t1
        read += t1 - t0
    return {"read_score_s": read, "store_s": save, "stored": stored}


def _ingest(store, workbooks, profile) -> dict:
    from selfeval.ingest import ingest_files

    jobs = (os.cpu_count() or 1) if len(workbooks) >= 100 else 1  # what `selfeval import` picks
    t0 = time.perf_counter()  # worker start-up included
    outcomes = ingest_files(
        store, ((name, data) for name, _, data in workbooks), profile, origin="import", jobs=jobs
    )
    total = time.perf_counter() - t0
    # ingest_files interleaves reading and storing; the reading share is measured apart by the other ways
    return {
        "read_score_s": 0.0,
        "store_s": total,
        "stored": sum(len(o.stored) for o in outcomes),
        "combined": True,
    }


def _per_batch(store, workbooks, profile) -> dict:
    from selfeval.ingest import score_bytes

    t0 = time.perf_counter()
    cards = [c for name, _, data in workbooks for c in score_bytes(data, name, profile)[0]]
    t1 = time.perf_counter()
    saved = store.save(
        cards, source_name=f"batch of {len(workbooks)}", data=None, kind="xlsx", origin="import"
    )
    t2 = time.perf_counter()
    return {"read_score_s": t1 - t0, "store_s": t2 - t1, "stored": len(saved.stored)}


def run(directory: str, batches: list[int], trace_below: int = 200) -> dict:
    """Each batch size, each way, into its own fresh file; py_peak only for batches < trace_below."""
    from selfeval.profile import load_profile
    from selfeval.store import Store

    profile = load_profile()
    workbooks = load_workbooks(directory)
    out: dict = {"workbooks_available": len(workbooks), "runs": []}
    # warm-up: imports and first-call costs, into a throwaway file
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "warm.duckdb")
        _per_file(store, workbooks[:2], profile)
        store.close()
    for size in batches:
        chosen = workbooks[:size]
        if len(chosen) < size:
            raise RuntimeError(f"need {size} distinct workbooks, have {len(workbooks)}")
        ways = (
            ("per file", _per_file),
            ("ingest_files (import)", _ingest),
            ("per batch", _per_batch),
        )
        for way, fn in ways:
            with tempfile.TemporaryDirectory() as tmp:
                t = time.perf_counter()
                store = Store(Path(tmp) / "fresh.duckdb")
                opened = time.perf_counter() - t
                try:
                    rss, detail = rss_peak(
                        lambda store=store, fn=fn, chosen=chosen: fn(store, chosen, profile)
                    )
                    total = detail["read_score_s"] + detail["store_s"]  # the pool's start-up excluded
                    current = len(store.current_submission_ids())
                finally:
                    store.close()
                py_mb = None
                if size < trace_below:  # tracemalloc sees this process only
                    store = Store(Path(tmp) / "traced.duckdb")
                    try:
                        py_mb, _ = py_peak(
                            lambda store=store, fn=fn, chosen=chosen: fn(store, chosen, profile)
                        )
                    finally:
                        store.close()
            out["runs"].append(
                {
                    "forms": size,
                    "way": way,
                    "open_s": opened,
                    "total_s": total,
                    "forms_per_s": size / total,
                    "py_peak_mb": py_mb,
                    "current_forms": current,
                    **detail,
                    **rss,
                }
            )
    return out
