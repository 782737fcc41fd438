"""The whole benchmark in one run: generate, measure, compare with the baselines, write the results."""

from __future__ import annotations

import argparse
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
    store_batches: tuple[int, ...] = (100, 1000)
    levels: tuple[int, ...] = (1000, 10000, 100000)  # stored forms for the dashboard
    query_repeats: int = 5
    page_repeats: int = 3
    big_level: int = 50000  # at and above: fewer repetitions, no tracemalloc of the page run
    isolate: bool = True  # each measurement in its own process
    quick: bool = False
    out: Path | None = field(default_factory=lambda: RESULTS)

    @classmethod
    def quick_config(cls, out: Path | None = None) -> Config:
        return cls(
            workbooks=6,
            store_batches=(4, 8),
            levels=(20, 40),
            query_repeats=2,
            page_repeats=1,
            isolate=False,
            quick=True,
            out=out,
        )


def _isolated(task: str, args: dict, isolate: bool) -> dict:
    """Run a measurement in a fresh interpreter (or in this one when isolate is False)."""
    if not isolate:
        return run_task(task, args)
    env = {**os.environ, "STREAMLIT_LOGGER_LEVEL": "error", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.worker", task, json.dumps(args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK) :])
    raise RuntimeError(f"bench task {task} failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(config: Config) -> dict:
    """Every measurement of the benchmark; returns the results (also written when config.out is set)."""
    from bench.workbooks import generate

    started = time.perf_counter()
    results: dict = {"config": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(config).items()}}
    results["machine"] = machine.describe()
    with tempfile.TemporaryDirectory(prefix="selfeval-bench-") as tmp:
        tmp_path = Path(tmp)
        needed = max(config.workbooks, *config.store_batches)
        _say(f"generating {needed} workbooks …")
        t = time.perf_counter()
        books = generate(needed)
        reading_dir, storing_dir = tmp_path / "reading", tmp_path / "storing"
        reading_dir.mkdir()
        storing_dir.mkdir()
        for i, book in enumerate(books):
            (storing_dir / book.name).write_bytes(book.data)
            if i < config.workbooks:
                (reading_dir / book.name).write_bytes(book.data)
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
        results["reading"] = _isolated("reading", {"directory": str(reading_dir)}, config.isolate)

        _say(f"storing batches of {', '.join(map(str, config.store_batches))} forms …")
        results["storing"] = _isolated(
            "storing", {"directory": str(storing_dir), "batches": list(config.store_batches)}, config.isolate
        )

        results["dashboard"] = {}
        for level in config.levels:
            db = tmp_path / f"store{level}.duckdb"
            big = level >= config.big_level
            _say(f"dashboard at {level:,} stored forms: filling …")
            fill = _isolated("fill", {"path": str(db), "n": level}, config.isolate)
            _say("  queries …")
            reps = max(1, config.query_repeats - 2) if big else config.query_repeats
            q = _isolated("queries", {"path": str(db), "repeats": reps}, config.isolate)
            _say("  overview page (AppTest) …")
            reps = max(1, config.page_repeats - 1) if big else config.page_repeats
            page = _isolated("overview", {"path": str(db), "repeats": reps, "trace": not big}, config.isolate)
            results["dashboard"][str(level)] = {"fill": fill, **q, "overview": page}
    results["targets"] = report.targets(results, config)
    results["elapsed_s"] = time.perf_counter() - started
    return results


def write(results: dict, out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    md, js = out / "latest.md", out / "latest.json"
    md.write_text(report.markdown(results), encoding="utf-8")
    js.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    return md, js


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
        "--levels", help="stored-form levels for the dashboard, comma-separated (default 1000,10000,100000)"
    )
    parser.add_argument("--batches", help="store batch sizes, comma-separated (default 100,1000)")
    parser.add_argument(
        "--in-process", action="store_true", help="do not run each measurement in its own process"
    )
    args = parser.parse_args(argv)
    config = Config.quick_config(args.out) if args.quick else Config(out=args.out or RESULTS)
    if args.workbooks:
        config.workbooks = args.workbooks
    if args.levels:
        config.levels = tuple(int(x) for x in args.levels.split(","))
    if args.batches:
        config.store_batches = tuple(int(x) for x in args.batches.split(","))
    if args.in_process:
        config.isolate = False
    results = run(config)
    print(report.markdown(results))
    if config.out is not None:
        md, js = write(results, config.out)
        _say(f"written: {md.relative_to(ROOT) if md.is_relative_to(ROOT) else md}, {js.name}")
    return 0
