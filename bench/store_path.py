"""Where the main process's time goes when storing an import: `Store.save_many` of pre-scored
generated forms (one transaction per 200 one-form uploads, each with its own file bytes), into a
fresh DuckDB file and into one already holding `--stored` forms. Reading and scoring are not timed
(the import does them in worker processes); this is the part the main process pays per form.

    .venv/bin/python -m bench.store_path --forms 1000 --stored 0 100000 [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from pathlib import Path


def _uploads(cards, tag: str, prepared: bool = False):
    """One upload per form with its own file bytes; `prepared`: rows made beforehand, as the import's
    worker processes hand them over (Upload.prepared), so only the main process's share is timed."""
    from selfeval.rowprep import prepare_file
    from selfeval.store import Upload

    out = []
    for i, c in enumerate(cards):
        data = f"{tag}-{i}".encode()
        if prepared:
            out.append(
                Upload((), f"{tag}{i}.xlsx", data, "xlsx", "import", prepared=prepare_file((c,), data))
            )
        else:
            out.append(Upload((c,), f"{tag}{i}.xlsx", data, "xlsx", "import"))
    return out


def _fill(store, n: int, chunk: int = 2000) -> None:
    """n distinct stored forms: one generated chunk prepared once, stored again and again under new
    project codes and file hashes (through save_many, as an import stores)."""
    import dataclasses

    from bench.workbooks import make_scorecards
    from selfeval.rowprep import prepare_file
    from selfeval.store import Upload

    base = [prepare_file((c,), None)[0] for c in make_scorecards(min(n, chunk), seed=7)]
    done = 0
    while done < n:
        uploads = []
        for k, p in enumerate(base[: n - done]):
            code = f"FILL{done + k:010d}"
            q = dataclasses.replace(p, header=dataclasses.replace(p.header, project_code=code), sha256=code)
            uploads.append(Upload((), f"{code}.xlsx", None, "xlsx", "import", prepared=(q,)))
        store.save_many(uploads)
        done += len(uploads)


def run(forms: int, stored: int, profile: bool, prepared: bool, chunk: int = 200) -> dict:
    from bench.workbooks import make_scorecards
    from selfeval.store import open_store

    cards = make_scorecards(forms)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(str(Path(tmp) / "s.duckdb"))
        t = time.perf_counter()
        _fill(store, stored)
        fill_s = time.perf_counter() - t
        uploads = _uploads(cards, "new", prepared)
        prof = cProfile.Profile() if profile else None
        t = time.perf_counter()
        if prof:
            prof.enable()
        n = 0
        for start in range(0, len(uploads), chunk):
            n += sum(len(r.stored) for r in store.save_many(uploads[start : start + chunk]))
        if prof:
            prof.disable()
        s = time.perf_counter() - t
        t = time.perf_counter()
        for start in range(0, len(uploads), chunk):
            store.save_many(uploads[start : start + chunk])
        repeat_s = time.perf_counter() - t
        store.close()
    if prof:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(35)
    return {
        "stored_before": stored,
        "prepared_in_workers": prepared,
        "fill_s": round(fill_s, 1),
        "forms": n,
        "store_s": round(s, 3),
        "ms_per_form": round(1000 * s / max(n, 1), 3),
        "repeat_ms_per_form": round(1000 * repeat_s / forms, 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--forms", type=int, default=1000)
    ap.add_argument("--stored", type=int, nargs="+", default=[0])
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--prepared", action="store_true", help="rows made beforehand, as import's workers do")
    args = ap.parse_args()
    for stored in args.stored:
        print(run(args.forms, stored, args.profile, args.prepared))


if __name__ == "__main__":
    main()
