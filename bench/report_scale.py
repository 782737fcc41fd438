"""The scale sections of the report: import into a store of N forms, every page at N forms, PostgreSQL
beside DuckDB; and their targets (issue 12: flat in the number of stored forms; issue 13: PostgreSQL)."""

from __future__ import annotations

import math

TARGET_IMPORT_RATE = 600.0  # forms a second, `selfeval import`, at every store size (issue 23: 2 cores)
TARGET_FLAT = 0.8  # "the same rate at 1k and 1M": the rate at the largest size ≥ this × the smallest's
TARGET_IMPORT_MB = 500.0  # peak resident memory of the import process, at any count
TARGET_WARM_S = 0.3  # every page's warm rerun at the largest size
TARGET_FIRST_S = 1.0  # every page's first run at the largest size


def _f(x: float | None, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{x:,.{digits}f}"


def _table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def _levels(d: dict) -> list[str]:
    return sorted(d, key=int)


def _err(x: dict | None) -> str | None:
    if not x:
        return "not measured"
    return x.get("error")


# ------------------------------------------------------------------------------------------ targets


def targets(results: dict) -> list[dict]:
    out: list[dict] = []
    duck = results.get("dashboard", {})
    levels = _levels(duck)
    if not levels:
        return out
    imports = {n: duck[n].get("import") for n in levels}
    good = {n: i for n, i in imports.items() if i and "new" in i}
    if good:
        rates = {n: i["new"]["forms_per_s"] for n, i in good.items()}
        lowest = min(rates, key=lambda n: rates[n])
        out.append(
            {
                "target": f"`selfeval import` ≥ {TARGET_IMPORT_RATE:,.0f} forms/s at every store size "
                f"({results['config'].get('import_files', '?'):,} new files into a store of N forms)",
                "measured": ", ".join(f"{int(n):,}: {rates[n]:,.0f}/s" for n in rates)
                + f" (lowest {rates[lowest]:,.0f}/s = {rates[lowest] / TARGET_IMPORT_RATE:.2f}× the target)",
                "met": rates[lowest] >= TARGET_IMPORT_RATE and len(good) == len(levels),
            }
        )
        lo, hi = _levels(good)[0], _levels(good)[-1]
        if lo != hi:
            flat = rates[hi] / rates[lo]
            dup = good[hi]["repeat"]["files_per_s"] / good[lo]["repeat"]["files_per_s"]
            out.append(
                {
                    "target": f"the same import rate at {int(lo):,} and {int(hi):,} stored forms "
                    f"(rate at {int(hi):,} ≥ {TARGET_FLAT}× rate at {int(lo):,})",
                    "measured": f"{flat:.2f}× (new forms); {dup:.2f}× (a repeat: every form a duplicate)",
                    "met": flat >= TARGET_FLAT,
                }
            )
        peaks = {n: i["peak_rss_mb"] for n, i in good.items()}
        worst = max(peaks, key=lambda n: peaks[n])
        out.append(
            {
                "target": f"import peak memory < {TARGET_IMPORT_MB:.0f} MB at any store size (the whole process tree: "
                "command, fork server and workers, PSS)",
                "measured": ", ".join(f"{int(n):,}: {good[n]['peak_rss_mb']:.0f} MB" for n in good)
                + f" (highest at {int(worst):,}: {peaks[worst]:.0f} MB; RSS summed "
                + f"{good[worst].get('tree_rss_mb', 0):.0f} MB)",
                "met": peaks[worst] < TARGET_IMPORT_MB,
            }
        )
    top = levels[-1]
    pages = duck[top].get("pages", {}).get("pages")
    if pages:
        warm = {t: p["warm"]["median_ms"] / 1000 for t, p in pages.items()}
        first = {t: p["first_s"] for t, p in pages.items()}
        ok = all(p["check"]["ok"] for p in pages.values())
        slow_w = max(warm, key=lambda t: warm[t])
        slow_f = max(first, key=lambda t: first[t])
        out.append(
            {
                "target": f"every page's warm rerun < {TARGET_WARM_S} s with {int(top):,} forms stored",
                "measured": ", ".join(f"{t} {v:.2f} s" for t, v in warm.items())
                + f" (slowest {warm[slow_w] / TARGET_WARM_S:.1f}× the target)",
                "met": warm[slow_w] < TARGET_WARM_S and ok,
            }
        )
        out.append(
            {
                "target": f"every page's first run < {TARGET_FIRST_S} s with {int(top):,} forms stored",
                "measured": ", ".join(f"{t} {v:.2f} s" for t, v in first.items())
                + f" (slowest {first[slow_f] / TARGET_FIRST_S:.1f}× the target)",
                "met": first[slow_f] < TARGET_FIRST_S and ok,
            }
        )
        low = duck[levels[0]].get("pages", {}).get("pages", {})
        if low and top != levels[0]:
            growth = {t: warm[t] / max(low[t]["warm"]["median_ms"] / 1000, 1e-9) for t in warm if t in low}
            out.append(
                {
                    "target": f"(curve) warm rerun at {int(top):,} ÷ at {int(levels[0]):,} forms, per page",
                    "measured": ", ".join(f"{t} {g:.1f}×" for t, g in growth.items()),
                    "met": None,
                }
            )
    elif _err(duck[top].get("pages")):
        out.append(
            {
                "target": f"every page's warm rerun < {TARGET_WARM_S} s and first run < {TARGET_FIRST_S} s "
                f"with {int(top):,} forms stored",
                "measured": f"failed: {_err(duck[top].get('pages'))[:200]}",
                "met": False,
            }
        )
    pg = results.get("postgres", {})
    for n in _levels(pg):
        ratios = _pg_ratios(duck.get(n, {}), pg[n])
        if ratios:
            out.append(
                {
                    "target": f"(comparison) PostgreSQL ÷ DuckDB at {int(n):,} forms, medians",
                    "measured": "; ".join(f"{k} {v:.2f}×" for k, v in ratios.items()),
                    "met": None,
                }
            )
    return out


def _pg_ratios(duck: dict, pg: dict) -> dict[str, float]:
    out: dict[str, float] = {}
    dq, pq = duck.get("queries", {}), pg.get("queries", {})
    shared = [k for k in dq if k in pq]
    if shared:
        geo = math.exp(
            sum(math.log(max(pq[k]["median_ms"], 1e-6) / max(dq[k]["median_ms"], 1e-6)) for k in shared)
            / len(shared)
        )
        out["queries (geometric mean)"] = geo
    dp, pp = duck.get("pages", {}).get("pages", {}), pg.get("pages", {}).get("pages", {})
    for t in dp:
        if t in pp:
            out[f"{t} warm"] = pp[t]["warm"]["median_ms"] / max(dp[t]["warm"]["median_ms"], 1e-9)
    di, pi = duck.get("import", {}), pg.get("import", {})
    if "new" in di and "new" in pi:
        out["import s"] = pi["new"]["s"] / di["new"]["s"]
    return out


# ------------------------------------------------------------------------------------------ markdown


def sections(results: dict) -> list[str]:
    parts: list[str] = []
    if results.get("chart"):
        parts += [f"![curves]({results['chart']})", ""]
    parts += _import(results) + _pages(results) + _postgres(results)
    return parts


def _import(results: dict) -> list[str]:
    rows = []
    for backend, d in (("DuckDB", results.get("dashboard", {})), ("PostgreSQL", results.get("postgres", {}))):
        for n in _levels(d):
            i = d[n].get("import")
            if not i or "new" not in i:
                rows.append([backend, f"{int(n):,}", f"failed: {(_err(i) or '')[:120]}", "", "", "", "", ""])
                continue
            rows.append(
                [
                    backend,
                    f"{int(n):,}",
                    f"{i['new']['forms']:,}",
                    _f(i["new"]["s"]),
                    _f(i["new"]["forms_per_s"], 0),
                    _f(i["repeat"]["files_per_s"], 0) + f" ({i['repeat']['stored']} stored)",
                    _f(i["peak_rss_mb"], 0),
                    _f(i.get("tree_rss_mb"), 0),
                ]
            )
    if not rows:
        return []
    return [
        "## Import into a store of N forms",
        "",
        f"`python -m selfeval import --db STORE DIR` (its own process group; interpreter and worker start-up timed) "
        f"of the same {results['config'].get('import_files', '?'):,} generated workbooks "
        "(new projects) into a store already holding N forms; then the same files again (*repeat*: every file "
        "skipped unread as already stored). Peak memory of the whole process tree — the command, the fork server "
        "and the reading workers — sampled from /proc: PSS (shared pages divided among the processes) and RSS "
        "summed (an upper bound).",
        "",
        _table(
            [
                "backend",
                "stored forms",
                "forms imported",
                "s",
                "forms/s",
                "repeat files/s",
                "tree peak MB (PSS)",
                "tree peak MB (RSS summed)",
            ],
            rows,
        ),
        "",
    ]


def _pages(results: dict) -> list[str]:
    duck = results.get("dashboard", {})
    levels = [n for n in _levels(duck) if duck[n].get("pages", {}).get("pages")]
    if not levels:
        return []
    titles = list(duck[levels[0]]["pages"]["pages"])
    head = ["page, run", *[f"{int(n):,} forms" for n in levels]]
    rows = []
    for t in titles:
        for label, get in (
            ("first run", lambda p: _f(p["first_s"])),
            ("data cache cleared", lambda p: _f(p["cleared"]["median_ms"] / 1000)),
            ("warm rerun", lambda p: _f(p["warm"]["median_ms"] / 1000)),
        ):
            cells = []
            for n in levels:
                p = duck[n]["pages"]["pages"].get(t)
                cells.append("—" if p is None else get(p) + ("" if p["check"]["ok"] else " **(error)**"))
            rows.append([f"{t}, {label}", *cells])
    failures = [
        f"- {t} at {int(n):,}: {duck[n]['pages']['pages'][t]['check']}"
        for n in levels
        for t in titles
        if t in duck[n]["pages"]["pages"] and not duck[n]["pages"]["pages"][t]["check"]["ok"]
    ]
    return [
        "## Every page at N forms",
        "",
        "`AppTest.from_file('app.py')`, `switch_page(page)`, `run()`, seconds, one process per store size; the process "
        "first renders every page against a small store of its own (imports and Streamlit warm, as on a server that has "
        "served anyone). *First run*: all caches cleared, the store opened again. *Data cache cleared*: as after any "
        "save. *Warm rerun*: the same session again (median).",
        "",
        _table(head, rows),
        "",
        *(["Pages that did not render cleanly:", "", *failures, ""] if failures else []),
    ]


def _postgres(results: dict) -> list[str]:
    pg = results.get("postgres", {})
    if not pg:
        skipped = results.get("postgres_skipped")
        return ["## PostgreSQL beside DuckDB", "", f"Not measured: {skipped}.", ""] if skipped else []
    duck = results.get("dashboard", {})
    levels = _levels(pg)
    rows = []
    names: list[str] = []
    for n in levels:
        for k in pg[n].get("queries", {}):
            if k not in names:
                names.append(k)
    for k in names:
        cells = []
        for n in levels:
            d, p = duck.get(n, {}).get("queries", {}).get(k), pg[n].get("queries", {}).get(k)
            cells.append(
                "—"
                if not (d and p)
                else f"{_f(d['median_ms'])} / {_f(p['median_ms'])} ({p['median_ms'] / max(d['median_ms'], 1e-9):.1f}×)"
            )
        rows.append([f"`{k}`", *cells])
    page_titles: list[str] = []
    for n in levels:
        for t in pg[n].get("pages", {}).get("pages", {}):
            if t not in page_titles:
                page_titles.append(t)
    for t in page_titles:
        for label, key in (("warm rerun", "warm"), ("data cache cleared", "cleared")):
            cells = []
            for n in levels:
                d = duck.get(n, {}).get("pages", {}).get("pages", {}).get(t)
                p = pg[n].get("pages", {}).get("pages", {}).get(t)
                if not (d and p):
                    cells.append("—")
                    continue
                dv, pv = d[key]["median_ms"] / 1000, p[key]["median_ms"] / 1000
                cells.append(f"{_f(dv)} / {_f(pv)} ({pv / max(dv, 1e-9):.1f}×)")
            rows.append([f"{t}, {label} (s)", *cells])
    notes = []
    for n in levels:
        for part in ("fill", "pages", "import"):
            e = _err(pg[n].get(part))
            if e and e != "not measured":
                notes.append(f"- {part} at {int(n):,}: failed — {e[:300]}")
        if "copy_s" in pg[n].get("fill", {}):
            notes.append(
                f"- copied into PostgreSQL at {int(n):,} forms in {pg[n]['fill']['copy_s']:.1f} s (COPY FROM STDIN)"
            )
    return [
        "## PostgreSQL beside DuckDB",
        "",
        "The same store (copied table by table with `COPY`, same ids) on a throwaway PostgreSQL 15 server with default "
        "settings on a loopback port; the same queries and pages. DuckDB / PostgreSQL (PostgreSQL ÷ DuckDB); query "
        "times in ms.",
        "",
        _table(["", *[f"{int(n):,} forms" for n in levels]], rows),
        "",
        *notes,
        *([""] if notes else []),
    ]


def limits(results: dict) -> list[str]:
    """What this run's own figures say limits the scale targets."""
    notes = []
    cores = results.get("machine", {}).get("cores") or 1
    reading = results.get("reading", {}).get("per_form", {}).get("selfeval", {})
    batch = [r for r in results.get("storing", {}).get("runs", []) if r["way"] == "per batch"]
    read_ms = reading.get("median_ms")
    store_ms = 1000 * batch[-1]["store_s"] / batch[-1]["forms"] if batch else None
    if read_ms and store_ms:
        ceiling = min(cores * 1000 / read_ms, 1000 / store_ms)
        notes.append(
            f"- Import rate: reading + scoring one form takes {read_ms:.2f} ms (median, one core) and storing it "
            f"{store_ms:.2f} ms (one `save` of a {batch[-1]['forms']:,}-form batch, in the main process): with {cores} cores "
            f"reading in parallel and storing overlapped, at most ~{ceiling:,.0f} forms/s "
            f"(reading alone allows {cores * 1000 / read_ms:,.0f}/s, storing alone {1000 / store_ms:,.0f}/s) — "
            f"{'above' if ceiling >= TARGET_IMPORT_RATE else 'below'} the {TARGET_IMPORT_RATE:,.0f}/s target before any "
            "process start-up, transfer of results between processes or duplicate checks."
        )
    duck = results.get("dashboard", {})
    levels = _levels(duck)
    if levels:
        top = duck[levels[-1]]
        breakdown = top.get("pages", {}).get("overview_breakdown_s", {})
        whole = breakdown.get("(whole run)", {}).get("s")
        if whole:
            parts = sorted(
                ((k, v["s"]) for k, v in breakdown.items() if k != "(whole run)"), key=lambda kv: -kv[1]
            )
            notes.append(
                f"- 总览 at {int(levels[-1]):,} forms, data cache cleared ({whole:.2f} s): "
                + "; ".join(f"{k} {v:.2f} s" for k, v in parts[:4])
                + ". A warm rerun still unpickles every cached frame (st.cache_data returns a copy): the pages that "
                "take the year's whole project list (`project_scores`: "
                + f"{top.get('queries', {}).get('project_scores', {}).get('rows', 0):,} rows here) pay for it on "
                "every click."
            )
    return notes
