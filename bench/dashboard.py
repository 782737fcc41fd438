"""The dashboard at 1,000, 10,000 and 100,000 stored forms: the store's queries and the overview page.

Filling a store (`fill`): `base` (≤ 1,000) generated scorecards (bench.workbooks: 5–30 indicator
rows, 4 years, 20 units; every tenth form a corrected second version of the previous project, so
not every stored form is current) are saved with one `Store.save`; the store is then grown to n forms
by copying those rows with SQL, n / base − 1 times, each copy with new submission ids, new project
codes (in the rows and in the stored form JSON) and new hashes; 总览's kept aggregates are then
rebuilt from the rows (`Store.rebuild_aggregates`), as the writers would have kept them. A 100,000-form file fills in seconds
this way instead of minutes of `save` calls; the rows are as realistic as the first `base` forms.

Queries (`queries`): each dashboard query as the overview page calls it (the newest year, all units;
portfolio_summary also over all years, as the page does for its year-over-year chart), plus
`data_version`, which the pages call before every cached query to build the cache key.

Overview page (`overview`): `streamlit.testing.v1.AppTest` runs app.py (whose default page is the
overview) with SELFEVAL_DB pointing at the filled file: first run of a fresh process (opening the
store, empty caches), then runs with the data cache cleared (what every user sees after any save:
the cache key changes), then runs with the data cache warm.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from bench.measure import py_peak, repeat, rss_peak, summary

ROOT = Path(__file__).resolve().parent.parent
QUERIES = (
    "portfolio_summary",
    "portfolio_summary (all years)",
    "project_scores",
    "points_lost",
    "target_outliers",
    "data_version",
    "project_history",
    "load_scorecard",
    "form_indicators",
)


CODE_OFFSET = 10_000_000  # stored forms' project codes start here; generated workbooks' at 0
COPIES_PER_STATEMENT = 50  # one INSERT … SELECT copies the base this many times (bounded memory)


def _base_cards(n: int, seed: int = 7):
    from dataclasses import replace

    from bench.workbooks import make_scorecards

    cards = make_scorecards(n, seed)
    for i, card in enumerate(cards):  # codes above the imported batches' (bench.workbooks: 0, 1, …)
        code = card.form.header.project_code
        shifted = f"{code[:13]}{int(code[13:]) + CODE_OFFSET:08d}"
        cards[i] = replace(
            card, form=replace(card.form, header=replace(card.form.header, project_code=shifted))
        )
    for i in range(9, n, 10):  # a corrected version of the previous project (same code and year)
        previous = cards[i - 1].form.header
        form = cards[i].form
        header = replace(
            form.header,
            project_code=previous.project_code,
            year=previous.year,
            unit=previous.unit,
            project_name=previous.project_name,
        )
        cards[i] = replace(cards[i], form=replace(form, header=header))
    return cards


def _copy_sql(table: str, columns: list[str], base: int) -> str:
    code = (
        "CASE WHEN length({c}) = 21 THEN left({c}, 13) || lpad(CAST(CAST(right({c}, 8) AS BIGINT) + r.k * {b} AS VARCHAR), 8, '0')"
        " ELSE {c} END"
    )
    exprs = []
    for col in columns:
        if col == "id" or col == "submission_id":
            exprs.append(f"t.{col} + r.k * {base}")
        elif col == "project_code":
            exprs.append(code.format(c="t.project_code", b=base))
        elif col == "sha256" or "hash" in col:  # every copy its own content
            exprs.append(
                f"CASE WHEN t.{col} IS NULL THEN NULL ELSE sha256(t.{col} || CAST(r.k AS VARCHAR)) END"
            )
        elif col == "form_json":
            exprs.append(f"replace(t.form_json, t.project_code, {code.format(c='t.project_code', b=base)})")
        else:
            exprs.append(f"t.{col}")
    key = "id" if table == "submissions" else "submission_id"
    cols = ", ".join(columns)
    return (
        f"INSERT INTO {table} ({cols}) SELECT {', '.join(exprs)} FROM {table} t, range(?, ?) r(k) "
        f"WHERE t.{key} <= {base}"
    )


def fill(path: str, n: int, base: int = 1000) -> dict:
    """A store file with n forms (see the module docstring); returns how long each step took."""
    import duckdb

    from selfeval.store import COLUMNS, TABLES, Store

    base = min(base, n)
    if n % base:
        raise ValueError(f"n ({n}) must be a multiple of base ({base})")
    t0 = time.perf_counter()
    cards = _base_cards(base)
    t1 = time.perf_counter()
    store = Store(path)
    try:
        store.save(cards, source_name="bench", data=None, kind="xlsx", origin="import")
    finally:
        store.close()
    t2 = time.perf_counter()
    copies = n // base
    if copies > 1:
        con = duckdb.connect(path)
        try:
            con.execute("SET enable_progress_bar = false")
            con.execute("SET memory_limit = '3GB'")
            for start in range(1, copies, COPIES_PER_STATEMENT):
                stop = min(copies, start + COPIES_PER_STATEMENT)
                con.execute("BEGIN TRANSACTION")
                for table in TABLES:
                    con.execute(_copy_sql(table, [c for c, _ in COLUMNS[table]], base), [start, stop])
                con.execute("COMMIT")
            con.execute("CHECKPOINT")
        finally:
            con.close()
    t3 = time.perf_counter()
    store = Store(path)
    try:
        if copies > 1:  # the rows were copied in SQL, past the writers: their aggregates recomputed
            store.rebuild_aggregates()
        counts = store.table_counts()
        current = len(store.current_submission_ids())
    finally:
        store.close()
    return {
        "forms": counts["submissions"],
        "current_forms": current,
        "indicator_rows": counts["indicators"],
        "issues": counts["issues"],
        "generate_s": t1 - t0,
        "save_s": t2 - t1,
        "copy_sql_s": t3 - t2,
        "file_mb": Path(path).stat().st_size / 1e6,
        "method": f"{base} generated scorecards saved with one Store.save, then copied {copies - 1}× with INSERT … SELECT",
    }


def _query_calls(store, year):
    return {
        "portfolio_summary": lambda: store.portfolio_summary(year=year),
        "portfolio_summary (all years)": lambda: store.portfolio_summary(),
        "project_scores": lambda: store.project_scores(year=year),
        "points_lost": lambda: store.points_lost(year=year),
        "target_outliers": lambda: store.target_outliers(year=year),
        "data_version": store.data_version,
    }


def _point_calls(store, year) -> dict:
    """One project's pages: its history and its stored scorecard (the newest current form)."""
    first = store.project_scores(year=year).iloc[0]
    code, sid = first["project_code"], int(first["submission_id"])
    return {
        "project_history": lambda: store.project_history(code, year),
        "load_scorecard": lambda: [store.load_scorecard(sid)],
        "form_indicators": lambda: store.form_indicators(sid),
    }


def queries(path: str, repeats: int = 5, trace: bool = True, memory_limit: str | None = None) -> dict:
    """Each dashboard query's time and memory; `memory_limit`: DuckDB's for this process
    (SELFEVAL_DUCKDB_MEMORY), to measure what the limit costs in speed."""
    from bench.stores import open_db

    saved = os.environ.get("SELFEVAL_DUCKDB_MEMORY")
    if memory_limit:
        os.environ["SELFEVAL_DUCKDB_MEMORY"] = memory_limit
    try:
        store = open_db(path)
    finally:
        if saved is None:
            os.environ.pop("SELFEVAL_DUCKDB_MEMORY", None)
        else:
            os.environ["SELFEVAL_DUCKDB_MEMORY"] = saved
    try:
        year = max(store.years())
        out: dict = {"year": year, "queries": {}}
        calls = {**_query_calls(store, year), **_point_calls(store, year)}
        for name, call in calls.items():
            times = repeat(call, repeats)
            rss, result = rss_peak(call)
            py_mb = py_peak(call)[0] if trace else None
            out["queries"][name] = {**summary(times), "rows": len(result), "py_peak_mb": py_mb, **rss}
        return out
    finally:
        store.close()


def _overview_run(app: Path, timeout: float):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(app), default_timeout=timeout)
    at.run()
    return at


def _check(at) -> dict:
    titles = [t.value for t in at.title]
    errors = [e.value for e in at.error]
    exceptions = [str(e.value) for e in at.exception]
    return {
        "titles": titles,
        "errors": errors[:3],
        "exceptions": exceptions[:3],
        "ok": "总览" in titles and not errors and not exceptions,
        "elements": sum(1 for _ in at.main) if hasattr(at, "main") else None,
    }


# What one overview run spends its time in: (module, function) pairs wrapped with timers for one
# extra run. Names that do not exist (the app changed) are skipped.
_BREAKDOWN = (
    ("streamlit", "altair_chart", "st.altair_chart (serialising the charts)"),
    ("streamlit", "dataframe", "st.dataframe"),
    ("views._ui", "cached", "_ui.cached (cached store queries, incl. cache-key hashing)"),
    ("views._ui", "data_version", "_ui.data_version (cache key: max id, count)"),
    ("selfeval.present.charts", "budget_vs_executed", "charts.budget_vs_executed"),
    ("selfeval.present.charts", "execution_rate", "charts.execution_rate"),
    ("selfeval.present.charts", "score_distribution", "charts.score_distribution"),
    ("selfeval.present.charts", "points_lost", "charts.points_lost"),
    ("selfeval.present.charts", "year_over_year", "charts.year_over_year"),
)


def _breakdown(app: Path, timeout: float) -> dict[str, dict[str, float]]:
    """Seconds (and calls) per instrumented function in one run with the data cache cleared.
    Nested: _ui.cached includes data_version."""
    import functools
    import importlib

    import streamlit as st

    spent: dict[str, dict[str, float]] = {}
    restore = []
    for module_name, attr, label in _BREAKDOWN:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        original = getattr(module, attr, None)
        if original is None:
            continue

        @functools.wraps(original)
        def timed_call(*args, __original=original, __label=label, **kwargs):
            t = time.perf_counter()
            try:
                return __original(*args, **kwargs)
            finally:
                entry = spent.setdefault(__label, {"s": 0.0, "calls": 0})
                entry["s"] += time.perf_counter() - t
                entry["calls"] += 1

        setattr(module, attr, timed_call)
        restore.append((module, attr, original))
    try:
        st.cache_data.clear()
        t = time.perf_counter()
        _overview_run(app, timeout)
        spent["(whole run)"] = {"s": time.perf_counter() - t, "calls": 1}
    finally:
        for module, attr, original in restore:
            setattr(module, attr, original)
    return spent


def overview(path: str, repeats: int = 3, trace: bool = True, timeout: float = 600.0) -> dict:
    """Times of the overview page's script run (app.py, default page) against the store at `path`."""
    import streamlit as st

    app = ROOT / "app.py"
    if not app.is_file():
        return {"skipped": "app.py not found"}
    saved_env = os.environ.get("SELFEVAL_DB")
    os.environ["SELFEVAL_DB"] = str(path)
    try:
        t = time.perf_counter()
        rss, at = rss_peak(lambda: _overview_run(app, timeout))
        first = {"s": time.perf_counter() - t, **rss}
        check = _check(at)
        uncached: list[float] = []
        for _ in range(repeats):
            st.cache_data.clear()
            t = time.perf_counter()
            _overview_run(app, timeout)
            uncached.append(time.perf_counter() - t)
        st.cache_data.clear()
        uncached_rss, _ = rss_peak(lambda: _overview_run(app, timeout))
        warm: list[float] = []  # the data cache holds what the previous run computed
        for _ in range(repeats):
            t = time.perf_counter()
            _overview_run(app, timeout)
            warm.append(time.perf_counter() - t)
        warm_rss, _ = rss_peak(lambda: _overview_run(app, timeout))
        py_mb = None
        if trace:
            st.cache_data.clear()
            py_mb = py_peak(lambda: _overview_run(app, timeout))[0]
        breakdown = _breakdown(app, timeout)
        return {
            "breakdown_s": breakdown,
            "first_run": first,
            "data_cache_cleared": {**summary(uncached), **uncached_rss, "py_peak_mb": py_mb},
            "warm": {**summary(warm), **warm_rss},
            "check": check,
        }
    finally:
        if saved_env is None:
            os.environ.pop("SELFEVAL_DB", None)
        else:
            os.environ["SELFEVAL_DB"] = saved_env
        st.cache_data.clear()
        st.cache_resource.clear()  # drop the store (DuckDB connection) the page opened on the bench's file
