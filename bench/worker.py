"""One measurement in its own process: `python -m bench.worker TASK JSON-ARGS`.

A fresh process per measurement keeps one measurement's caches, imports and heap out of the next
one's figures (and gives each its own peak resident set). The result is printed as one JSON line
after the RESULT_MARK, whatever else the libraries print.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable

RESULT_MARK = "BENCH-RESULT "


def tasks() -> dict[str, Callable[..., dict]]:
    from bench import dashboard, importing, pages, pdf_reading, pg, reading, sandbox, storing

    return {
        "reading": reading.run,
        "pdf_reading": pdf_reading.run,
        "sandbox": sandbox.run,
        "storing": storing.run,
        "fill": dashboard.fill,
        "queries": dashboard.queries,
        "overview": dashboard.overview,
        "pages": pages.run,
        "import": importing.run,
        "pg_copy": pg.copy_store,
    }


def run_task(task: str, args: dict) -> dict:
    return tasks()[task](**args)


def main(argv: list[str]) -> int:
    from bench.measure import process_peak_mb

    task, args = argv[0], json.loads(argv[1])
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    result = run_task(task, args)
    result["process_peak_mb"] = process_peak_mb()
    print(RESULT_MARK + json.dumps(result, ensure_ascii=False, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
