"""The whole benchmark in one run: generate, measure, compare with the baselines, write the results."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench import machine, report
from bench.worker import RESULT_MARK, run_task

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Config:
    workbooks: int = 200  # read per form by each of A, B and selfeval
    pdf_forms: int = 100  # of those, drawn as PDFs and read per form beside the PDF libraries' own text
    store_batches: tuple[int, ...] = (100, 1000)
    levels: tuple[int, ...] = (1000, 10000, 100000, 1000000)  # stored forms: queries, pages, import
    pg_levels: tuple[int, ...] = (10000, 100000)  # the same on PostgreSQL, side by side
    import_files: int = 1000  # the fixed batch imported into a store of each level
    batch_sizes: tuple[int, ...] = (1000, 10000, 100000)  # files in one `selfeval import` (--full: 1M)
    pg_batch_sizes: tuple[int, ...] = (1000, 10000)  # the same into PostgreSQL
    query_repeats: int = 5
    page_repeats: int = 3
    big_level: int = 50000  # at and above: fewer repetitions, no tracemalloc
    isolate: bool = True  # each measurement in its own process
    task_timeout: float = 1800.0  # seconds for one measurement process
    quick: bool = False
    out: Path | None = field(default_factory=lambda: RESULTS)

    @classmethod
    def quick_config(cls, out: Path | None = None) -> Config:
        return cls(
            workbooks=6,
            pdf_forms=3,
            store_batches=(4, 8),
            levels=(20, 40),
            pg_levels=(40,),
            import_files=6,
            batch_sizes=(30,),
            pg_batch_sizes=(30,),
            query_repeats=2,
            page_repeats=1,
            isolate=False,
            quick=True,
            out=out,
        )


def _isolated(task: str, args: dict, config: Config) -> dict:
    """Run a measurement in a fresh interpreter (or in this one when config.isolate is False)."""
    if not config.isolate:
        return run_task(task, args)
    env = {**os.environ, "STREAMLIT_LOGGER_LEVEL": "error", "PYTHONPATH": str(ROOT)}
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "bench.worker", task, json.dumps(args)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=config.task_timeout,
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"bench task {task} took longer than {config.task_timeout:.0f} s") from None
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK) :])
    raise RuntimeError(f"bench task {task} failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")


def _attempt(task: str, args: dict, config: Config) -> dict:
    """A measurement whose failure is recorded, not fatal: the other sizes still get measured."""
    try:
        return _isolated(task, args, config)
    except Exception as exc:  # recorded in the results and shown in the report
        _say(f"  {task} failed: {str(exc)[-600:]}")
        return {"error": str(exc)[-2000:]}


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(config: Config) -> dict:
    """Every measurement of the benchmark; returns the results (also written when config.out is set)."""
    from bench import pg
    from bench.workbooks import generate

    started = time.perf_counter()
    results: dict = {"config": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(config).items()}}
    results["machine"] = machine.describe()
    with tempfile.TemporaryDirectory(prefix="selfeval-bench-") as tmp:
        tmp_path = Path(tmp)
        needed = max(config.workbooks, *config.store_batches, config.import_files)
        _say(f"generating {needed} workbooks …")
        t = time.perf_counter()
        books = generate(needed)
        reading_dir, storing_dir, import_dir = tmp_path / "reading", tmp_path / "storing", tmp_path / "import"
        for d in (reading_dir, storing_dir, import_dir):
            d.mkdir()
        for i, book in enumerate(books):
            (storing_dir / book.name).write_bytes(book.data)
            if i < config.workbooks:
                (reading_dir / book.name).write_bytes(book.data)
            if i < config.import_files:
                (import_dir / book.name).write_bytes(book.data)
        results["generation"] = {
            "workbooks": len(books),
            "seconds": time.perf_counter() - t,
            "layouts": {
                layout: sum(1 for b in books if b.layout == layout) for layout in {b.layout for b in books}
            },
            "indicator_rows": {
                "min": min(b.indicators for b in books),
                "max": max(b.indicators for b in books),
            },
            "mean_kb": sum(len(b.data) for b in books) / len(books) / 1024,
        }
        del books

        _say(f"reading {config.workbooks} workbooks: baseline A, baseline B, selfeval …")
        results["reading"] = _isolated("reading", {"directory": str(reading_dir)}, config)

        _say(f"reading {config.pdf_forms} of them drawn as PDFs: pdfplumber, pypdfium2, selfeval …")
        results["pdf_reading"] = _isolated(
            "pdf_reading", {"directory": str(reading_dir), "limit": config.pdf_forms}, config
        )

        _say("reading sandbox: the same workbooks in process and through the warm pool …")
        from bench import sandbox as sandbox_bench

        results["sandbox"] = _isolated("sandbox", {"directory": str(reading_dir)}, config)
        for line in sandbox_bench.lines(results["sandbox"]):
            _say("  " + line)

        _say(f"storing batches of {', '.join(map(str, config.store_batches))} forms …")
        results["storing"] = _isolated(
            "storing", {"directory": str(storing_dir), "batches": list(config.store_batches)}, config
        )

        results["dashboard"], results["postgres"] = {}, {}
        pg_missing = pg.available() if config.pg_levels else "not asked for"
        results["postgres_skipped"] = pg_missing
        with contextlib.ExitStack() as stack:
            pg_server = stack.enter_context(pg.server()) if pg_missing is None else None
            for level in config.levels:
                db = tmp_path / f"store{level}.duckdb"
                _say(f"{level:,} stored forms: filling …")
                fill = _isolated("fill", {"path": str(db), "n": level}, config)
                entry = results["dashboard"][str(level)] = {"fill": fill}
                url = None
                if pg_server and level in config.pg_levels:  # copied before the import adds forms
                    _say(f"  PostgreSQL at {level:,} forms: copying …")
                    url = pg.create_database(pg_server, f"bench{level}")
                    copy = _attempt("pg_copy", {"duckdb_path": str(db), "url": url}, config)
                    results["postgres"][str(level)] = {"fill": copy}
                    url = None if "error" in copy else url
                entry.update(_measure(str(db), level, import_dir, config))
                if level == max(config.levels):
                    from bench import memlimit

                    _say(f"  DuckDB memory limits at {level:,} forms: {', '.join(memlimit.LIMITS)} …")
                    results["memory_limit"] = {"forms": level}
                    for limit in memlimit.LIMITS:
                        args = {"path": str(db), "repeats": 3, "trace": False, "memory_limit": limit}
                        got = _attempt("queries", args, config)
                        results["memory_limit"][limit] = got.get("queries") or {"error": got.get("error", "")}
                if url:
                    _say(f"  PostgreSQL at {level:,} forms:")
                    results["postgres"][str(level)].update(_measure(url, level, import_dir, config))
                db.unlink(missing_ok=True)
                Path(f"{db}.wal").unlink(missing_ok=True)
                _checkpoint(results, config)
            if config.batch_sizes:
                from bench import batch

                _say(
                    f"one command of {', '.join(f'{n:,}' for n in config.batch_sizes)} files (batch-size curve) …"
                )
                results["batch"] = batch.run(
                    config.batch_sizes, str(tmp_path), pg_server, config.pg_batch_sizes if pg_server else ()
                )
                for line in batch.sections(results)[6:]:
                    _say("  " + line)
                _checkpoint(results, config)
    results["targets"] = report.targets(results, config)
    results["elapsed_s"] = time.perf_counter() - started
    return results


def _checkpoint(results: dict, config: Config) -> None:
    """What is measured so far, in out/partial.json: a run stopped at the largest size keeps the
    others (`--from-json out/partial.json` turns it into a report)."""
    if config.out is not None:
        config.out.mkdir(parents=True, exist_ok=True)
        text = json.dumps(results, ensure_ascii=False, indent=1, default=str)
        (config.out / "partial.json").write_text(text + "\n", encoding="utf-8")


def _measure(db: str, level: int, import_dir: Path, config: Config) -> dict:
    """Queries, pages, then the import of the fixed batch (it adds forms, so it comes last)."""
    big = level >= config.big_level
    _say("  queries …")
    reps = max(1, config.query_repeats - 2) if big else config.query_repeats
    out = {
        "queries": _attempt("queries", {"path": db, "repeats": reps, "trace": not big}, config).get(
            "queries", {}
        )
    }
    _say("  pages (AppTest) …")
    reps = max(1, config.page_repeats - 1) if big else config.page_repeats
    out["pages"] = _attempt("pages", {"path": db, "repeats": reps}, config)
    _say(f"  importing {config.import_files:,} files …")
    out["import"] = _attempt(
        "import", {"db": db, "directory": str(import_dir), "files": config.import_files}, config
    )
    return out


def write(results: dict, out: Path) -> tuple[Path, Path, str]:
    """latest.md, latest.json and curves.png in `out`; returns the paths and the markdown."""
    from bench.chart import draw

    out.mkdir(parents=True, exist_ok=True)
    md, js = out / "latest.md", out / "latest.json"
    (out / "partial.json").unlink(missing_ok=True)
    png = draw(results, out / "curves.png")
    results["chart"] = png.name if png else None
    text = report.markdown(results)
    md.write_text(text, encoding="utf-8")
    js.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    return md, js, text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="selfeval benchmark: reading vs python-calamine and openpyxl, storing, dashboard.",
    )
    parser.add_argument("--quick", action="store_true", help="a small smoke run (seconds), in this process")
    parser.add_argument(
        "--out", type=Path, help="directory for latest.md/latest.json (default: bench/results; --quick: none)"
    )
    parser.add_argument("--workbooks", type=int, help="workbooks read per form (default 200)")
    parser.add_argument(
        "--levels", help="stored-form levels, comma-separated (default 1000,10000,100000,1000000)"
    )
    parser.add_argument("--batches", help="store batch sizes, comma-separated (default 100,1000)")
    parser.add_argument(
        "--pg-levels", help="levels also measured on PostgreSQL (default 10000,100000; empty: none)"
    )
    parser.add_argument("--import-files", type=int, help="files imported into each store (default 1000)")
    parser.add_argument(
        "--import-batches",
        dest="batch_sizes",
        help="files in one import command, comma-separated (default 1000,10000,100000)",
    )
    parser.add_argument(
        "--full", action="store_true", help="the batch-size curve up to 1,000,000 files (hours)"
    )
    parser.add_argument(
        "--in-process", action="store_true", help="do not run each measurement in its own process"
    )
    parser.add_argument(
        "--from-json",
        type=Path,
        help="only rewrite latest.md and the chart from a results JSON (no measuring)",
    )
    args = parser.parse_args(argv)
    if args.from_json:
        results = json.loads(args.from_json.read_text(encoding="utf-8"))
        results["targets"] = report.targets(results, None)
        md, js, text = write(results, args.out or args.from_json.parent)
        print(text)
        return 0
    config = Config.quick_config(args.out) if args.quick else Config(out=args.out or RESULTS)
    if args.workbooks:
        config.workbooks = args.workbooks
    if args.levels:
        config.levels = tuple(int(x) for x in args.levels.split(","))
    if args.batches:
        config.store_batches = tuple(int(x) for x in args.batches.split(","))
    if args.pg_levels is not None:
        config.pg_levels = tuple(int(x) for x in args.pg_levels.split(",") if x)
    if args.import_files:
        config.import_files = args.import_files
    if args.batch_sizes is not None:
        config.batch_sizes = tuple(int(x) for x in args.batch_sizes.split(",") if x)
    if args.full:
        config.batch_sizes = (*config.batch_sizes, 1000000)
    if args.in_process:
        config.isolate = False
    results = run(config)
    if config.out is None:
        print(report.markdown(results))
        return 0
    md, js, text = write(results, config.out)
    print(text)
    _say(f"written: {md.relative_to(ROOT) if md.is_relative_to(ROOT) else md}, {js.name}, {results['chart']}")
    return 0
