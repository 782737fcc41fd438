"""What the reading sandbox costs: the same workbooks read in this process and through the warm pool.

- in-process: ``read_bytes_in_process`` (preflight, calamine, Grid, recognition), what a worker runs;
- sandboxed: ``read_bytes``, the public API: the bytes go to a warm worker (RLIMIT_AS, RLIMIT_CPU,
  a wall clock) and the forms come back pickled;
- sandboxed batch: ``sandbox.map_ordered`` with the workers kept busy, one file a task and in groups
  of files a task as ``selfeval import`` sends them (ingest.GROUP_FILES / GROUP_BYTES), alternating;
- cold start: the first read of a new pool (fork server and worker start-up, imports).

All in one run, interleaved per workbook, so the ratios compare like with like on a busy machine.
"""

from __future__ import annotations

import time
from pathlib import Path

from bench.measure import summary, timed


def run(directory: str, limit: int | None = None) -> dict:
    from bench.reading import load_workbooks
    from selfeval.readers import read_bytes, read_bytes_in_process, sandbox

    workbooks = load_workbooks(directory)[:limit]
    if not workbooks:
        raise RuntimeError(f"no workbooks under {directory}")

    sandbox.shutdown()
    name, _, data = workbooks[0]
    cold, _ = timed(lambda: read_bytes(data, name))
    for name, _, data in workbooks[:3]:  # warm-up: both ways, not timed
        read_bytes_in_process(data, name)
        read_bytes(data, name)

    ways = {"in-process": read_bytes_in_process, "sandboxed": read_bytes}
    times: dict[str, list[float]] = {w: [] for w in ways}
    forms = {w: 0 for w in ways}
    for k, (name, _, data) in enumerate(workbooks):
        order = list(ways) if k % 2 == 0 else list(reversed(ways))
        for way in order:
            seconds, result = timed(lambda w=way, d=data, n=name: ways[w](d, n))
            times[way].append(seconds)
            forms[way] += len(result.forms)

    from selfeval.ingest import GROUP_BYTES, GROUP_FILES

    def batch_of(group: int) -> tuple[float, int]:
        started = time.perf_counter()
        tasks = ((data, name) for name, _, data in workbooks)
        results = sandbox.map_ordered(read_bytes_in_process, tasks, group=group, group_bytes=GROUP_BYTES)
        found = sum(len(r.forms) for _, r in results)
        return time.perf_counter() - started, found

    rounds: dict[int, list[float]] = {1: [], GROUP_FILES: []}
    for k in range(4):  # alternating, the best of two each: a busy machine's drift falls on both
        for group in (1, GROUP_FILES) if k % 2 == 0 else (GROUP_FILES, 1):
            seconds, batch_forms = batch_of(group)
            rounds[group].append(seconds)
    batch, grouped = min(rounds[1]), min(rounds[GROUP_FILES])
    serial = sum(times["in-process"])

    per = {w: summary(t) for w, t in times.items()}
    inproc, boxed = per["in-process"]["median_ms"], per["sandboxed"]["median_ms"]
    return {
        "workbooks": len(workbooks),
        "forms": forms,
        "per_form": per,
        "overhead_ms_median": boxed - inproc,
        "ratio_sandboxed_vs_in_process": boxed / inproc,
        "cold_start_ms": cold * 1000,
        "batch": {
            "forms": batch_forms,
            "seconds": batch,
            "in_process_serial_seconds": serial,
            "ratio_vs_in_process_serial": batch / serial if serial else None,
            "workers": sandbox.configured().workers or "one per core",
            "group_files": GROUP_FILES,
            "grouped_seconds": grouped,
            "grouped_ratio_vs_in_process_serial": grouped / serial if serial else None,
        },
    }


def lines(result: dict) -> list[str]:
    """The measurement as printed lines (for the report and the terminal)."""
    per = result["per_form"]
    b = result["batch"]
    return [
        f"Sandbox ({result['workbooks']} workbooks, same run): in-process {per['in-process']['median_ms']:.2f} ms, "
        f"sandboxed {per['sandboxed']['median_ms']:.2f} ms per file (median) — "
        f"×{result['ratio_sandboxed_vs_in_process']:.2f}, +{result['overhead_ms_median']:.2f} ms; "
        f"first read of a new pool {result['cold_start_ms']:.0f} ms.",
        f"Sandboxed batch (map_ordered, workers busy): {b['seconds']:.2f} s vs {b['in_process_serial_seconds']:.2f} s "
        f"read one by one in process (×{b['ratio_vs_in_process_serial']:.2f}); in groups of "
        f"{b['group_files']} files a task, as `selfeval import` sends them: {b['grouped_seconds']:.2f} s "
        f"(×{b['grouped_ratio_vs_in_process_serial']:.2f}).",
    ]


if __name__ == "__main__":  # python -m bench.sandbox DIRECTORY
    import sys

    for line in lines(run(str(Path(sys.argv[1])))):
        print(line)
