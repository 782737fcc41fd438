"""The batch-size curve: one `selfeval import` command of 1,000, 10,000 and 100,000 files (1,000,000
with `--full`) into a fresh store, with the peak memory of its whole process tree — the command, the
sandbox's fork server and its reading workers, sampled from /proc (bench/tree.py) — and forms a second.

The files are one-form workbooks: a few hundred generated ones (bench.workbooks: both layouts, 5–30
indicator rows) cloned with distinct project codes (bench.workbooks.write_batch), so every file is a
new project. Each command runs as `python -m selfeval import FOLDER --db DB` in its own process group,
timed from start to exit (interpreter start-up included). A size fails alone: the others are measured.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

from bench.tree import run_measured

ROOT = Path(__file__).resolve().parent.parent
TARGET_TREE_MB = 500.0
TARGET_RATE = 600.0
SIZES = (1000, 10000, 100000)
FULL_SIZES = (*SIZES, 1000000)


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _one(folder: Path, db: str, files: int, timeout: float) -> dict:
    m = run_measured(
        [sys.executable, "-m", "selfeval", "import", str(folder), "--db", db],
        cwd=ROOT,
        env=_env(),
        interval=0.25,
        timeout=timeout,
    )
    summary = [line for line in m.stdout.splitlines() if line.startswith("已保存")]
    stored = int(summary[0].split("已保存 ")[1].split(" ")[0]) if summary else 0
    return {
        "files": files,
        "exit": m.returncode,
        "seconds": round(m.seconds, 2),
        "stored": stored,
        "forms_per_s": round(stored / m.seconds, 1) if m.seconds else None,
        **m.memory,
        "summary": m.stdout.strip().splitlines()[-3:],
        "stderr_tail": m.stderr[-400:] if m.returncode else "",
    }


def run(
    sizes: tuple[int, ...], workdir: str, pg_url: str | None = None, pg_sizes: tuple[int, ...] = ()
) -> dict:
    """Each size imported once into a fresh DuckDB file (and into a fresh PostgreSQL database for
    `pg_sizes`, when a server is given)."""
    from bench.workbooks import write_batch

    out: dict = {"duckdb": {}, "postgres": {}}
    work = Path(workdir)
    for n in sizes:
        folder = work / f"batch{n}"
        t = time.perf_counter()
        written = write_batch(folder, n)
        made = time.perf_counter() - t
        timeout = 600 + n * 0.05  # generous: 20 files a second on a very busy machine
        db = work / f"batch{n}.duckdb"
        try:
            out["duckdb"][str(n)] = {**_one(folder, str(db), n, timeout), "generated_s": round(made, 1)}
        except Exception as exc:  # recorded, not fatal: the other sizes still run
            out["duckdb"][str(n)] = {"files": n, "error": str(exc)[-1000:]}
        out["duckdb"][str(n)]["mb_of_files"] = round(written / 1e6, 1)
        if db.exists():
            out["duckdb"][str(n)]["store_mb"] = round(db.stat().st_size / 1e6, 1)
            db.unlink()
        Path(f"{db}.wal").unlink(missing_ok=True)
        if pg_url and n in pg_sizes:
            from bench import pg

            url = pg.create_database(pg_url, f"batch{n}")
            try:
                out["postgres"][str(n)] = _one(folder, url, n, timeout)
            except Exception as exc:
                out["postgres"][str(n)] = {"files": n, "error": str(exc)[-1000:]}
        shutil.rmtree(folder, ignore_errors=True)
    return out


# ------------------------------------------------------------------------------------------ report


def _cell(x, digits: int = 0) -> str:
    return "—" if x is None else f"{x:,.{digits}f}"


def sections(results: dict) -> list[str]:
    b = results.get("batch")
    if not b:
        return []
    rows = []
    for backend, label in (("duckdb", "DuckDB"), ("postgres", "PostgreSQL")):
        for n, r in sorted(b.get(backend, {}).items(), key=lambda kv: int(kv[0])):
            if "error" in r:
                rows.append([label, f"{int(n):,}", "failed: " + r["error"][-120:], "", "", "", "", "", ""])
                continue
            rows.append(
                [
                    label,
                    f"{int(n):,}",
                    _cell(r["seconds"], 1),
                    _cell(r["forms_per_s"]),
                    _cell(1000 * r["cpu_s"] / r["stored"], 2) if r.get("cpu_s") and r.get("stored") else "—",
                    _cell(r["tree_peak_pss_mb"]),
                    _cell(r["tree_peak_rss_mb"]),
                    _cell(r["main_peak_rss_mb"]),
                    str(r["processes"]),
                ]
            )
    head = [
        "store",
        "files in one command",
        "s",
        "forms/s",
        "CPU ms a form",
        "tree PSS MB",
        "tree RSS MB",
        "command RSS MB",
        "processes",
    ]
    return [
        "## One command, many files (the batch-size curve)",
        "",
        "`selfeval import FOLDER` of N one-form workbooks into a fresh store, each file a new project. Memory is "
        "the peak over the whole process tree (the command, the fork server, the reading workers), sampled from "
        "/proc every 0.25 s: PSS divides pages shared between processes among them (what the tree holds); RSS "
        "counts a shared page once per process (an upper bound). CPU ms a form: the tree's user + system time "
        "(as last sampled) over the forms stored — what the rate would be on idle cores: cores × 1000 ÷ it.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "|".join("---" for _ in head) + "|",
        *["| " + " | ".join(r) + " |" for r in rows],
        "",
    ]


def targets(results: dict) -> list[dict]:
    b = results.get("batch")
    if not b:
        return []
    runs = [(backend, int(n), r) for backend in ("duckdb", "postgres") for n, r in b.get(backend, {}).items()]
    good = [(backend, n, r) for backend, n, r in runs if "error" not in r and r.get("exit") == 0]
    out = []
    if good:
        worst = max(good, key=lambda x: x[2]["tree_peak_pss_mb"])
        worst_rss = max(good, key=lambda x: x[2]["tree_peak_rss_mb"])
        out.append(
            {
                "target": "`selfeval import` of any number of files: the whole process tree under 500 MB (both stores)",
                "measured": (
                    f"largest {worst[2]['tree_peak_pss_mb']:.0f} MB PSS ({worst[0]}, {worst[1]:,} files); "
                    f"RSS summed {worst_rss[2]['tree_peak_rss_mb']:.0f} MB ({worst_rss[0]}, {worst_rss[1]:,} files); "
                    f"sizes {', '.join(f'{n:,}' for n in sorted({n for _, n, _ in good}))}"
                ),
                "met": worst[2]["tree_peak_pss_mb"] < TARGET_TREE_MB and len(good) == len(runs),
            }
        )
        largest = max((x for x in good if x[0] == "duckdb"), key=lambda x: x[1], default=None)
        if largest:
            rate = largest[2]["forms_per_s"] or 0
            cpu = largest[2].get("cpu_s")
            per_form = 1000 * cpu / largest[2]["stored"] if cpu and largest[2].get("stored") else None
            cores = results.get("machine", {}).get("cores") or 2
            out.append(
                {
                    "target": "`selfeval import` ≥ 600 forms/s on 2 cores (one command, DuckDB, the largest batch)",
                    "measured": f"{rate:,.0f} forms/s ({largest[1]:,} files, {largest[2]['seconds']:.0f} s)"
                    + (
                        f"; {per_form:.2f} ms of CPU a form: at most {cores * 1000 / per_form:,.0f}/s on {cores} idle cores"
                        if per_form
                        else ""
                    ),
                    "met": rate >= TARGET_RATE,
                }
            )
    return out


def panels(results: dict) -> list[dict]:
    """Rows for the chart: (files, series, value) of forms/s and of tree memory."""
    out = []
    for backend, label in (("duckdb", "DuckDB"), ("postgres", "PostgreSQL")):
        for n, r in results.get("batch", {}).get(backend, {}).items():
            if "error" in r:
                continue
            out.append(
                {"panel": "rate", "forms": int(n), "series": f"{label}: forms/s", "value": r["forms_per_s"]}
            )
            out.append(
                {
                    "panel": "mem",
                    "forms": int(n),
                    "series": f"{label}: tree PSS",
                    "value": r["tree_peak_pss_mb"],
                }
            )
            out.append(
                {
                    "panel": "mem",
                    "forms": int(n),
                    "series": f"{label}: tree RSS",
                    "value": r["tree_peak_rss_mb"],
                }
            )
    return out
