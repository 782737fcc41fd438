"""The organisation's charts: budget against executed, execution rates, the score distribution,
points lost by indicator category, year over year."""

from __future__ import annotations

import math
from collections.abc import Iterable

import altair as alt
import numpy as np
import pandas as pd

from selfeval import fmt
from selfeval.present.charts.base import (
    BUDGET_COLOR,
    BUDGET_ROW_HEIGHT,
    EXECUTED_COLOR,
    GRADE_BANDS,
    GRADE_COLORS,
    LEVEL_COLORS,
    RATE_AXIS_MAX,
    RATE_RULES,
    SERIES_BUDGET,
    SERIES_EXECUTED,
    configured,
    empty,
    height_for,
    round2,
)
from selfeval.present.projects import project_names


def dominated(values: pd.Series, factor: float = 10.0) -> bool:
    """True when the largest value is more than `factor` times the median of the positive ones:
    on a linear axis every other bar would be a sliver."""
    v = pd.to_numeric(values, errors="coerce")
    v = v[(v > 0) & v.map(math.isfinite)]
    return len(v) > 2 and float(v.max()) > factor * float(v.median())


def budget_vs_executed(
    projects: pd.DataFrame, title: str = "各项目预算数与执行数（万元）", log: bool | None = None
) -> alt.LayerChart:
    """A bullet bar per project, largest budget first: 全年预算数 as a wide grey bar, 全年执行数 as a
    narrow red bar over it, both in 万元, each labelled with its name over "执行 x / 预算 y". When one project
    dwarfs the rest (`log` None: decided by `dominated`) the axis is logarithmic (symlog, so that 0
    still draws), and says so.

    `projects` has project_name, budget and executed (元), one row per project.
    """
    if projects.empty:
        return empty(title)
    df = projects[["budget", "executed"]].copy()
    df["project_name"] = project_names(projects)  # two units' 职工疗休养 are two bars, told apart
    df["unit"] = projects["unit"].fillna("").astype(str) if "unit" in projects else ""
    for col in ("budget", "executed"):
        values = pd.to_numeric(df[col], errors="coerce").astype(float)
        df[col] = values.where(values.map(math.isfinite), 0.0).fillna(0.0)
    df = df.sort_values(["budget", "project_name"], ascending=[False, True], ignore_index=True)
    df["budget_wan"] = round2(df["budget"] / 10_000)
    df["executed_wan"] = round2(df["executed"] / 10_000)
    df["label"] = [
        f"执行 {fmt.number(e)} / 预算 {fmt.number(b)}"
        for e, b in zip(df["executed_wan"], df["budget_wan"], strict=True)
    ]
    if log is None:
        log = dominated(df["budget_wan"])
    df = df.drop(columns=["budget", "executed"])
    order = df["project_name"].tolist()
    series = [SERIES_BUDGET, SERIES_EXECUTED]
    color = alt.Scale(domain=series, range=[BUDGET_COLOR, EXECUTED_COLOR])
    tooltip = [
        alt.Tooltip("project_name:N", title="项目"),
        alt.Tooltip("unit:N", title="实施单位"),
        alt.Tooltip("budget_wan:Q", title="全年预算数（万元）", format=",.2f"),
        alt.Tooltip("executed_wan:Q", title="全年执行数（万元）", format=",.2f"),
    ]
    scale = alt.Scale(type="symlog", constant=1) if log else alt.Scale()
    axis_title = "万元（对数刻度）" if log else "万元"
    top = float(df["budget_wan"].max()) if len(df) else 0.0
    # symlog picks almost no ticks by itself: 0, 1, 10, 100, … up to the largest budget
    ticks = [0.0] + [10.0**k for k in range(0, 16) if 10.0**k <= max(top, 1.0) * 1.01] if log else None
    # the name and "执行 x / 预算 y" as a two-line axis label: no text beside the bars, so on a phone
    # the bars keep the width (amounts span 0.3 to 1,687 万元: the small bars need their figures)
    df["axis_label"] = df["project_name"] + "\n" + df["label"]
    df["axis_label"] = df["axis_label"] + df.groupby("axis_label").cumcount().map(lambda n: " " * n)
    order = df["axis_label"].tolist()
    y = alt.Y(
        "axis_label:N",
        sort=order,
        title=None,
        axis=alt.Axis(labelExpr="split(datum.label, '\\n')", labelLimit=200, labelLineHeight=14),
    )
    base = alt.Chart(df).encode(y=y, tooltip=tooltip)
    budget = (
        base.transform_calculate(series=f"'{SERIES_BUDGET}'")
        .mark_bar(size=18)
        .encode(
            x=alt.X(
                "budget_wan:Q",
                title=axis_title,
                scale=scale,
                axis=alt.Axis(format=",.0f", values=ticks) if log else alt.Axis(format=",.0f", tickCount=5),
            ),
            color=alt.Color("series:N", scale=color, title=None),
        )
    )
    executed = (
        base.transform_calculate(series=f"'{SERIES_EXECUTED}'")
        .mark_bar(size=8)
        .encode(x=alt.X("executed_wan:Q", scale=scale), color=alt.Color("series:N", scale=color, title=None))
    )
    chart = alt.layer(budget, executed, title=title).properties(
        height=height_for(len(order), BUDGET_ROW_HEIGHT)
    )
    return configured(chart)


def execution_rate(
    projects: pd.DataFrame, title: str = "各项目预算执行率（%）", rules: Iterable[float] = RATE_RULES
) -> alt.LayerChart:
    """Horizontal bars of each project's execution rate, lowest first, with reference lines
    (90 % and 100 % by default). Bars below the first line are red."""
    if projects.empty:
        return empty(title)
    df = projects[["rate"]].copy()
    df["project_name"] = project_names(projects)  # keyed on the project, not its name
    df["unit"] = projects["unit"].fillna("").astype(str) if "unit" in projects else ""
    df["rate"] = round2(df["rate"])
    df["rate"] = df["rate"].where(df["rate"].map(lambda r: pd.isna(r) or math.isfinite(r)))
    df = df.sort_values(
        ["rate", "project_name"], ascending=[True, True], ignore_index=True, na_position="first"
    )
    order = df["project_name"].tolist()
    rules = sorted(rules)
    low = rules[0] if rules else 0.0
    df["band"] = df["rate"].map(lambda r: f"低于{low:g}%" if pd.notna(r) and r < low else f"不低于{low:g}%")
    bands = [f"低于{low:g}%", f"不低于{low:g}%"]
    top = min(max(110.0, float(df["rate"].max() if df["rate"].notna().any() else 0) + 5), RATE_AXIS_MAX)
    bars = (
        alt.Chart(df)
        .mark_bar(cornerRadiusEnd=2)
        .encode(
            y=alt.Y("project_name:N", sort=order, title=None),
            x=alt.X("rate:Q", title="执行率（%）", scale=alt.Scale(domain=[0, top], clamp=True)),
            color=alt.Color(
                "band:N",
                scale=alt.Scale(domain=bands, range=["#C62828", "#90A4AE"]),
                title=None,
                legend=alt.Legend(columns=1),
            ),
            tooltip=[
                alt.Tooltip("project_name:N", title="项目"),
                alt.Tooltip("unit:N", title="实施单位"),
                alt.Tooltip("rate:Q", title="执行率（%）", format=".2f"),
            ],
        )
    )
    labels = bars.mark_text(align="left", dx=4, fontSize=11, color="#374151").encode(
        text=alt.Text("rate:Q", format=".2f"), color=alt.value("#374151")
    )
    lines = pd.DataFrame({"value": [float(r) for r in rules], "label": [f"{r:g}%" for r in rules]})
    rule = (
        alt.Chart(lines)
        .mark_rule(strokeDash=[5, 4], color="#374151", strokeWidth=1.5)
        .encode(x="value:Q", tooltip=[alt.Tooltip("label:N", title="参考线")])
    )
    # the lowest line's label sits left of it, the others right, so that 90% and 100% never collide
    rule_texts = [
        alt.Chart(lines.iloc[[i]])
        .mark_text(
            align="right" if i == 0 else "left",
            baseline="bottom",
            dx=-3 if i == 0 else 3,
            dy=-2,
            fontSize=11,
            color="#374151",
        )
        .encode(x="value:Q", y=alt.value(0), text="label:N")
        for i in range(len(lines))
    ]
    chart = alt.layer(bars, labels, rule, *rule_texts, title=title).properties(height=height_for(len(order)))
    return configured(chart)


def score_bins(
    totals: pd.Series, step: float = 2.0, low: float | None = None, counts: pd.Series | None = None
) -> pd.DataFrame:
    """Histogram rows: bin_start, bin_end, grade (of the bin start), count; the last bin holds 100.
    `counts`, when given, says how many projects have each total (the store counts them in SQL:
    a few thousand distinct totals, not a province's 200,000 projects)."""
    values = pd.to_numeric(totals, errors="coerce").astype(float).to_numpy()
    weights = np.ones(len(values)) if counts is None else pd.to_numeric(counts).to_numpy(dtype=float)
    # an absurd stored total (1e308, inf, 609.96 from weights of 1000) lands in an edge bin
    finite = np.isfinite(values)
    values, weights = values[finite].clip(0.0, 100.0), weights[finite]
    if low is None:
        low = min(60.0, math.floor((values.min() if len(values) else 60.0) / 10) * 10)
    rows = []
    start = low
    while start < 100 - 1e-9:
        end = min(start + step, 100.0)
        last = end >= 100 - 1e-9
        n = int(weights[(values >= start) & ((values <= end) if last else (values < end))].sum())
        rows.append({"bin_start": start, "bin_end": end, "grade": grade_of(start), "count": n})
        start = end
    return pd.DataFrame(rows)


def grade_of(total: float) -> str:
    for grade, lo, _hi in reversed(GRADE_BANDS):
        if total >= lo - 1e-9:
            return grade
    return "差"


def score_distribution(
    projects: pd.DataFrame, title: str = "得分分布与等级区间", step: float = 2.0
) -> alt.LayerChart:
    """Histogram of total scores over the grade bands 差 < 60 ≤ 中 < 80 ≤ 良 < 90 ≤ 优: one row
    per project, or (with a column `n`) per distinct total with how many projects have it."""
    totals = pd.to_numeric(projects.get("total", pd.Series(dtype=float)), errors="coerce")
    counts = projects["n"] if "n" in projects.columns else pd.Series(1, index=totals.index)
    finite = np.isfinite(totals.to_numpy(dtype=float, na_value=np.nan))
    totals, counts = totals[finite], counts[finite]
    if not int(counts.sum()):
        return empty(title)
    bins = score_bins(totals, step, counts=counts)
    low = float(bins["bin_start"].min())
    bands = pd.DataFrame(
        [
            {"grade": g, "start": max(lo, low), "end": hi, "mid": (max(lo, low) + hi) / 2}
            for g, lo, hi in GRADE_BANDS
            if hi > low
        ]
    )
    grades = [g for g, _, _ in GRADE_BANDS]
    color = alt.Scale(domain=grades, range=[GRADE_COLORS[g] for g in grades])
    x_scale = alt.Scale(domain=[low, 100], nice=False)
    band_layer = (
        alt.Chart(bands)
        .mark_rect(opacity=0.10)
        .encode(
            x=alt.X("start:Q", scale=x_scale, title="总分"),
            x2="end:Q",
            color=alt.Color("grade:N", scale=color, legend=None),
        )
    )
    band_text = (
        alt.Chart(bands)
        .mark_text(baseline="top", dy=4, fontSize=13, fontWeight="bold")
        .encode(
            x="mid:Q", y=alt.value(0), text="grade:N", color=alt.Color("grade:N", scale=color, legend=None)
        )
    )
    bars = (
        alt.Chart(bins[bins["count"] > 0])
        .mark_rect(stroke="white", strokeWidth=1)
        .encode(
            x=alt.X("bin_start:Q", scale=x_scale, title="总分"),
            x2="bin_end:Q",
            y=alt.Y("count:Q", title="项目数", axis=alt.Axis(tickMinStep=1, format="d")),
            y2=alt.datum(0),
            color=alt.Color("grade:N", scale=color, title="等级"),
            tooltip=[
                alt.Tooltip("bin_start:Q", title="从", format=".0f"),
                alt.Tooltip("bin_end:Q", title="到", format=".0f"),
                alt.Tooltip("count:Q", title="项目数"),
            ],
        )
    )
    return configured(alt.layer(band_layer, band_text, bars, title=title).properties(height=260))


def points_lost(lost: pd.DataFrame, title: str = "失分分布（按一级、二级指标）") -> alt.Chart:
    """Horizontal bars of points lost per second-level indicator, coloured by first level, most first.
    `lost` has level1, level2, lost (and optionally rows, forms, weight, score). Rows without loss drop out."""
    df = (
        lost[pd.to_numeric(lost["lost"], errors="coerce").fillna(0) > 0.005].copy()
        if not lost.empty
        else lost
    )
    if df.empty:
        return empty(title)
    df["lost"] = round2(df["lost"])
    df["label"] = df["level1"].astype(str) + " · " + df["level2"].astype(str)
    df = df.sort_values(["lost", "label"], ascending=[False, True], ignore_index=True)
    order = df["label"].tolist()
    levels = [lv for lv in LEVEL_COLORS if lv in set(df["level1"])] + sorted(
        set(df["level1"]) - set(LEVEL_COLORS)
    )
    keep = [c for c in ("level1", "level2", "label", "lost", "rows", "forms") if c in df.columns]
    df = df[keep]
    tooltip = [
        alt.Tooltip("level1:N", title="一级指标"),
        alt.Tooltip("level2:N", title="二级指标"),
        alt.Tooltip("lost:Q", title="失分", format=".2f"),
    ]
    if "rows" in df.columns:
        tooltip.append(alt.Tooltip("rows:Q", title="指标数"))
    if "forms" in df.columns:
        tooltip.append(alt.Tooltip("forms:Q", title="项目数"))
    base = alt.Chart(df).encode(y=alt.Y("label:N", sort=order, title=None))
    bars = base.mark_bar(cornerRadiusEnd=2).encode(
        x=alt.X("lost:Q", title="失分合计"),
        color=alt.Color(
            "level1:N",
            scale=alt.Scale(domain=levels, range=[LEVEL_COLORS.get(lv, "#757575") for lv in levels]),
            legend=None,  # the label already names the first level
        ),
        tooltip=tooltip,
    )
    text = base.mark_text(align="left", dx=4, fontSize=11, color="#374151").encode(
        x="lost:Q", text=alt.Text("lost:Q", format=".2f")
    )
    return configured(alt.layer(bars, text, title=title).properties(height=height_for(len(order))))


def yearly(summary: pd.DataFrame) -> pd.DataFrame:
    """portfolio_summary rows (by year and unit) -> one row per year: forms, budget, executed (元),
    rate (%) and mean score weighted by forms."""
    if summary.empty:
        return pd.DataFrame(columns=["year", "forms", "budget", "executed", "rate", "mean_score"])
    df = summary.copy()
    df["score_sum"] = pd.to_numeric(df["mean_score"], errors="coerce").fillna(0) * df["forms"]
    g = df.groupby("year", as_index=False).agg(
        forms=("forms", "sum"),
        budget=("budget", "sum"),
        executed=("executed", "sum"),
        score_sum=("score_sum", "sum"),
    )
    g["rate"] = (100 * g["executed"] / g["budget"].where(g["budget"] > 0)).round(2)
    g["mean_score"] = (g["score_sum"] / g["forms"]).round(2)
    return g.drop(columns="score_sum").sort_values("year", ignore_index=True)


def year_over_year(summary: pd.DataFrame, title: str = "逐年对比：平均得分与预算执行率") -> alt.Chart:
    """Lines of mean score and execution rate (%) by year, from portfolio_summary rows."""
    by_year = yearly(summary)
    if by_year.empty:
        return empty(title)
    long = by_year.melt(
        id_vars=["year", "forms"], value_vars=["mean_score", "rate"], var_name="measure", value_name="value"
    )
    long["measure"] = long["measure"].map({"mean_score": "平均得分", "rate": "预算执行率（%）"})
    long["year"] = long["year"].astype(str)
    measures = ["平均得分", "预算执行率（%）"]
    base = alt.Chart(long).encode(
        x=alt.X("year:O", title="年度", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False)),
        color=alt.Color(
            "measure:N",
            sort=measures,
            scale=alt.Scale(domain=measures, range=["#B22222", "#1565C0"]),
            title=None,
        ),
    )
    lines = base.mark_line(point=alt.OverlayMarkDef(size=70)).encode(
        tooltip=[
            alt.Tooltip("year:O", title="年度"),
            alt.Tooltip("measure:N", title="指标"),
            alt.Tooltip("value:Q", title="数值", format=".2f"),
            alt.Tooltip("forms:Q", title="项目数"),
        ]
    )
    text = base.mark_text(dy=-10, fontSize=11).encode(text=alt.Text("value:Q", format=".2f"))
    return configured(alt.layer(lines, text, title=title).properties(height=260))
