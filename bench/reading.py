"""Per form: the two baselines and selfeval's read + recognise + score, side by side.

- baseline A: python-calamine opens the workbook and reads every cell of every sheet
  (``CalamineWorkbook.from_filelike``, ``get_sheet_by_index(i).to_python()``) plus its merged ranges,
  which is what selfeval reads from it;
- baseline B: ``openpyxl.load_workbook`` in normal mode (what most tools use; read-only mode has no
  merged cells);
- selfeval: ``read_bytes_in_process`` (preflight, calamine, percent formats, Grid, recognition) +
  ``score``: what a sandbox worker runs (the round trip to the worker is bench/sandbox.py's figure).

One pass over the workbooks, the three interleaved per workbook (their order rotating), each workbook
read once by each: so selfeval's memoised label and value lookups are as warm as in a server that has
read other forms, never warmer because it saw the same bytes before. A second pass splits selfeval's
time into its stages (caches warm by then).
"""

from __future__ import annotations

import io
from pathlib import Path

from bench.measure import py_peak, rss_peak, summary, timed


def _baseline_a(data: bytes) -> int:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    cells = 0
    try:
        for i in range(len(workbook.sheet_names)):
            sheet = workbook.get_sheet_by_index(i)
            rows = sheet.to_python()
            cells += sum(len(r) for r in rows)
            _ = sheet.merged_cell_ranges
    finally:
        workbook.close()
    return cells


def _baseline_b(data: bytes) -> int:
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data))
    try:
        return len(workbook.sheetnames)
    finally:
        workbook.close()


def _selfeval(data: bytes, name: str, profile) -> tuple[int, int]:
    from selfeval.readers import read_bytes_in_process
    from selfeval.rules import score

    # the reading itself, as a sandbox worker runs it; bench/sandbox.py measures the round trip
    result = read_bytes_in_process(data, name)
    cards = [score(form, profile) for form in result.forms]
    return len(cards), sum(len(c.indicators) for c in cards)


def _stages(data: bytes, name: str, profile) -> dict[str, float]:
    """Seconds of each stage of read_bytes + score for one workbook."""
    from selfeval.readers.excel import workbook_to_grids
    from selfeval.readers.preflight import inspect
    from selfeval.readers.recognize import recognize
    from selfeval.rules import score

    out: dict[str, float] = {}
    out["preflight"], (kind, parts) = timed(lambda: inspect(data, name))  # one unzip, shared
    out["workbook → grids"], grids = timed(lambda: workbook_to_grids(data, kind, name, parts))
    out["recognise"], forms = timed(lambda: [f for g in grids for f in recognize(g)[0]])
    out["score"], _ = timed(lambda: [score(f, profile) for f in forms])
    return out


def load_workbooks(directory: str | Path) -> list[tuple[str, str, bytes]]:
    """(name, layout, bytes) of every generated workbook, in name order."""
    out = []
    for path in sorted(Path(directory).glob("*.xlsx")):
        layout = path.stem.rsplit("_", 1)[-1]
        out.append((path.name, layout, path.read_bytes()))
    return out


def run(directory: str, limit: int | None = None) -> dict:
    from selfeval.profile import load_profile

    profile = load_profile()
    workbooks = load_workbooks(directory)[:limit]
    if not workbooks:
        raise RuntimeError(f"no workbooks under {directory}")
    methods = {
        "A": lambda d, n: _baseline_a(d),
        "B": lambda d, n: _baseline_b(d),
        "selfeval": lambda d, n: _selfeval(d, n, profile),
    }
    # warm-up: imports, first-call costs (not timed)
    warm_name, _, warm_data = workbooks[-1]
    for fn in methods.values():
        fn(warm_data, warm_name)

    times: dict[str, list[float]] = {m: [] for m in methods}
    by_layout: dict[str, dict[str, list[float]]] = {}
    forms = indicators = expected_forms = 0
    order = list(methods)
    for k, (name, layout, data) in enumerate(workbooks):
        rotated = order[k % 3 :] + order[: k % 3]
        for method in rotated:
            seconds, result = timed(lambda m=method, d=data, n=name: methods[m](d, n))
            times[method].append(seconds)
            by_layout.setdefault(layout, {m: [] for m in methods})[method].append(seconds)
            if method == "selfeval":
                forms += result[0]
                indicators += result[1]
        expected_forms += 1

    stage_times: dict[str, list[float]] = {}
    for name, _, data in workbooks:
        for stage, seconds in _stages(data, name, profile).items():
            stage_times.setdefault(stage, []).append(seconds)

    # memory: the biggest workbook once under tracemalloc, and all workbooks under the RSS watermark
    biggest_name, _, biggest = max(workbooks, key=lambda w: len(w[2]))
    memory = {}
    for method, fn in methods.items():
        py_mb, _ = py_peak(lambda fn=fn: fn(biggest, biggest_name))
        rss, _ = rss_peak(lambda fn=fn: [fn(d, n) for n, _, d in workbooks])
        memory[method] = {"py_peak_mb_one_form": py_mb, **rss}

    result = {
        "workbooks": len(workbooks),
        "forms_expected": expected_forms,
        "forms_read": forms,
        "indicator_rows": indicators,
        "layouts": {layout: len(v["A"]) for layout, v in by_layout.items()},
        "per_form": {m: summary(t) for m, t in times.items()},
        "per_form_by_layout": {
            layout: {m: summary(t) for m, t in v.items()} for layout, v in by_layout.items()
        },
        "stages": {s: summary(t) for s, t in stage_times.items()},
        "memory": memory,
        "biggest_workbook_kb": len(biggest) / 1024,
    }
    a, b, s = (result["per_form"][m]["median_ms"] for m in ("A", "B", "selfeval"))
    result["ratio_vs_A"] = s / a
    result["ratio_vs_B"] = s / b
    result["ratio_vs_A_p95"] = result["per_form"]["selfeval"]["p95_ms"] / result["per_form"]["A"]["p95_ms"]
    result["ratio_vs_B_p95"] = result["per_form"]["selfeval"]["p95_ms"] / result["per_form"]["B"]["p95_ms"]
    return result
