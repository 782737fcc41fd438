"""What DuckDB's memory limit costs in query speed: the dashboard's queries at the largest store,
each in a fresh process whose connection is capped at each of LIMITS (SELFEVAL_DUCKDB_MEMORY; the
app's default is selfeval.store.duckdb.MEMORY_LIMIT, the import's IMPORT_MEMORY_LIMIT)."""

from __future__ import annotations

import math

LIMITS = ("64MB", "256MB", "1GB", "16GB")
DEFAULT = "256MB"


def _geomean(xs: list[float]) -> float | None:
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def sections(results: dict) -> list[str]:
    m = results.get("memory_limit")
    if not m:
        return []
    limits = [lim for lim in LIMITS if m.get(lim) and "error" not in m[lim]]
    failed = [
        f"- {lim}: the queries failed — {_last_line(m[lim]['error'])}"
        for lim in LIMITS
        if isinstance(m.get(lim), dict) and "error" in m[lim]
    ]
    if DEFAULT not in limits:
        return []
    names = [q for q in m[DEFAULT] if all(q in m[lim] for lim in limits)]
    rows = []
    for q in names:
        rows.append([f"`{q}`", *(f"{m[lim][q]['median_ms']:,.1f}" for lim in limits)])
    ratios = []
    for lim in limits:
        g = _geomean([m[lim][q]["median_ms"] / m[DEFAULT][q]["median_ms"] for q in names])
        ratios.append("—" if g is None else f"{g:.2f}×")
    head = ["query (median ms)", *limits]
    return [
        f"## DuckDB's memory limit and query speed ({m['forms']:,} forms)",
        "",
        "The dashboard's queries, each limit in a fresh process (3 runs after a warm-up); the app's "
        f"connection uses {DEFAULT} (`SELFEVAL_DUCKDB_MEMORY` sets another), an import 64MB. The last row: "
        f"geometric mean of each query's time ÷ its time at {DEFAULT}.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "|".join("---" for _ in head) + "|",
        *["| " + " | ".join(r) + " |" for r in rows],
        "| **÷ " + DEFAULT + "** | " + " | ".join(ratios) + " |",
        "",
        *([*failed, ""] if failed else []),
    ]


def _last_line(error: str) -> str:
    """The error's own sentence (a traceback's last line that says something)."""
    lines = [line.strip() for line in (error or "").splitlines() if line.strip()]
    found = [line for line in lines if "Error" in line or "Exception" in line]
    return (found[-1] if found else lines[-1] if lines else "no result")[:300]
