"""The curves of one run as a PNG (altair, rendered by vl-convert): each figure against the number of
stored forms (log scale), the target drawn as a dashed rule."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def _long(results: dict) -> dict[str, pd.DataFrame]:
    """One DataFrame per panel: stored forms, series, value."""
    panels: dict[str, list[dict]] = {"import": [], "memory": [], "warm": [], "first": [], "queries": []}
    for backend, levels in (
        ("DuckDB", results.get("dashboard", {})),
        ("PostgreSQL", results.get("postgres", {})),
    ):
        for level, d in levels.items():
            n = int(level)
            imp = d.get("import")
            if imp and "new" in imp:
                panels["import"].append(
                    {"forms": n, "series": f"{backend}: new forms", "value": imp["new"]["forms_per_s"]}
                )
                panels["import"].append(
                    {
                        "forms": n,
                        "series": f"{backend}: repeat (all duplicates)",
                        "value": imp["repeat"]["files_per_s"],
                    }
                )
                panels["memory"].append(
                    {
                        "forms": n,
                        "series": f"{backend}: import, whole tree (PSS)",
                        "value": imp["peak_rss_mb"],
                    }
                )
            for page, p in d.get("pages", {}).get("pages", {}).items():
                panels["warm"].append(
                    {"forms": n, "series": f"{backend}: {page}", "value": p["warm"]["median_ms"] / 1000}
                )
                panels["first"].append({"forms": n, "series": f"{backend}: {page}", "value": p["first_s"]})
            for name, q in d.get("queries", {}).items():
                panels["queries"].append(
                    {"forms": n, "series": f"{backend}: {name}", "value": q["median_ms"]}
                )
    return {k: pd.DataFrame(v, columns=["forms", "series", "value"]) for k, v in panels.items()}


def _panel(
    df: pd.DataFrame,
    title: str,
    unit: str,
    target: float | None,
    log_y: bool = False,
    x_title: str = "stored forms",
):
    import altair as alt

    y_scale = alt.Scale(type="log") if log_y else alt.Scale(zero=True)
    line = (
        alt.Chart(df)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "forms:Q",
                scale=alt.Scale(type="log"),
                title=x_title,
                axis=alt.Axis(values=sorted(set(df["forms"])), format="~s"),
            ),
            y=alt.Y("value:Q", scale=y_scale, title=unit),
            color=alt.Color("series:N", title=None, legend=alt.Legend(orient="right", labelLimit=260)),
            strokeDash=alt.condition(
                "indexof(datum.series, 'PostgreSQL') >= 0", alt.value([4, 3]), alt.value([1, 0])
            ),
        )
        .properties(title=title, width=360, height=220)
    )
    if target is None:
        return line
    rule = alt.Chart(pd.DataFrame({"t": [target]})).mark_rule(color="red", strokeDash=[6, 4]).encode(y="t:Q")
    return alt.layer(line, rule).resolve_scale(color="independent")


def draw(results: dict, path: Path) -> Path | None:
    """Write the curves to `path` (PNG); None when there is nothing to draw or no renderer."""
    import altair as alt

    from bench import report_scale as report

    data = _long(results)
    if all(df.empty for df in data.values()):
        return None
    charts = []
    if not data["import"].empty:
        charts.append(
            _panel(
                data["import"],
                "selfeval import into a store of N forms",
                "forms/s",
                report.TARGET_IMPORT_RATE,
            )
        )
    if not data["memory"].empty:
        charts.append(
            _panel(data["memory"], "import: peak memory of the process tree", "MB", report.TARGET_IMPORT_MB)
        )
    if not data["warm"].empty:
        charts.append(_panel(data["warm"], "page: warm rerun", "s", report.TARGET_WARM_S))
    if not data["first"].empty:
        charts.append(_panel(data["first"], "page: first run", "s", report.TARGET_FIRST_S))
    if not data["queries"].empty:
        charts.append(_panel(data["queries"], "store queries (median)", "ms", None, log_y=True))
    from bench import batch

    rows_ = pd.DataFrame(batch.panels(results), columns=["panel", "forms", "series", "value"])
    for panel, title, unit, target in (
        ("rate", "one import command of N files", "forms/s", batch.TARGET_RATE),
        ("mem", "one import command: whole process tree", "MB", batch.TARGET_TREE_MB),
    ):
        df = rows_[rows_["panel"] == panel].drop(columns="panel")
        if not df.empty:
            charts.append(_panel(df, title, unit, target, x_title="files in one command"))
    rows = [
        alt.hconcat(*charts[i : i + 2]).resolve_scale(color="independent") for i in range(0, len(charts), 2)
    ]
    figure = (
        alt.vconcat(*rows)
        .resolve_scale(color="independent")
        .properties(title="selfeval benchmark: flat in the number of stored forms?")
    )
    try:
        figure.save(str(path), scale_factor=1.5)
    except Exception as exc:  # no vl-convert: the numbers are still written
        print(f"chart not drawn: {exc}")
        return None
    return path
