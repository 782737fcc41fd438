"""Every page of the app at a store size: first run, run with the data cache cleared, warm rerun.

One process per store (a `bench.worker` task). The process first renders every page once against a
small store of its own (so Python imports, Streamlit's internals and the page scripts are warm, as
in a server that has served anyone at all), then, for each page of `views/`:

- *first run*: caches cleared (data and resources: the store is opened again), the page run once —
  what the first visitor sees after the server started;
- *data cache cleared*: the store stays open, the data cache is emptied — what every visitor sees
  after any save (the cache key, the store's data version, changed);
- *warm rerun*: the same session run again with everything cached — a click on the page.

Each page is reached as a user reaches it: `AppTest.from_file('app.py')`, `switch_page`, `run`.
"""

from __future__ import annotations

import gc
import os
import tempfile
import time
from pathlib import Path

from bench.measure import rss_peak, summary

ROOT = Path(__file__).resolve().parent.parent
PAGES = {
    "总览": "views/overview.py",
    "项目详情": "views/project.py",
    "在线编辑": "views/editor.py",
    "上传评分": "views/upload.py",
}


def _app(page: str, timeout: float):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.switch_page(page)
    return at


def _check(at, title: str) -> dict:
    titles = [t.value for t in at.title]
    errors = [e.value for e in at.error]
    exceptions = [str(e.value)[:300] for e in at.exception]
    return {
        "titles": titles,
        "errors": errors[:3],
        "exceptions": exceptions[:3],
        "ok": title in titles and not exceptions and not errors,
    }


def _timed_run(at, cpu: list[float] | None = None) -> float:
    """Seconds of one run; its CPU seconds (the whole process: the script's thread and the
    database's workers — on a shared machine the figure that load does not inflate) appended to
    `cpu` when given."""
    t, c = time.perf_counter(), time.process_time()
    at.run()
    if cpu is not None:
        cpu.append(time.process_time() - c)
    return time.perf_counter() - t


def _use(path: str) -> None:
    import streamlit as st

    os.environ["SELFEVAL_DB"] = str(path)
    st.cache_data.clear()
    st.cache_resource.clear()


def run(path: str, repeats: int = 3, timeout: float = 900.0, breakdown: bool = True) -> dict:
    """Seconds of each page's runs against the store at `path` (see the module docstring)."""
    import streamlit as st

    saved_env = os.environ.get("SELFEVAL_DB")
    out: dict = {"pages": {}}
    try:
        with tempfile.TemporaryDirectory(prefix="selfeval-bench-warm-") as tmp:
            _use(str(Path(tmp) / "warm.duckdb"))  # seeded with the sample forms on first open
            for page in PAGES.values():
                _app(page, timeout).run()
            _use(path)
            st.cache_resource.clear()
        for title, page in PAGES.items():
            _use(path)
            at = _app(page, timeout)
            first_cpu: list[float] = []
            rss, first = rss_peak(lambda at=at, cpu=first_cpu: _timed_run(at, cpu))
            check = _check(at, title)
            cleared, cleared_cpu = [], []
            for _ in range(repeats):
                st.cache_data.clear()
                cleared.append(_timed_run(at, cleared_cpu))
            warm_cpu: list[float] = []
            warm = [_timed_run(at, warm_cpu) for _ in range(repeats)]
            out["pages"][title] = {
                "first_s": first,
                "first_cpu_s": first_cpu[0],
                "first_rss_peak_mb": rss["rss_peak_mb"],
                "cleared": summary(cleared),
                "cleared_cpu": summary(cleared_cpu),
                "warm": summary(warm),
                "warm_cpu": summary(warm_cpu),
                "check": check,
            }
        if breakdown:
            from bench.dashboard import _breakdown

            _use(path)
            _app(PAGES["总览"], timeout).run()  # the store open, as in the measured runs
            out["overview_breakdown_s"] = _breakdown(ROOT / "app.py", timeout)
        return out
    finally:
        if saved_env is None:
            os.environ.pop("SELFEVAL_DB", None)
        else:
            os.environ["SELFEVAL_DB"] = saved_env
        st.cache_data.clear()
        st.cache_resource.clear()
        gc.collect()  # the app's store connection closed: the next measurement's process may open the file
