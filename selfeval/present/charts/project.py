"""One project's chart: what each part scored against its weight."""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

from selfeval import fmt
from selfeval.present.charts.base import LEVEL_COLORS, WEIGHT_COLOR, configured, empty, height_for, round2


def breakdown_frame(card) -> pd.DataFrame:
    """A Scorecard's scored parts as rows: order, level1, level2, name, weight, score, lost — the
    budget-execution row first, then every indicator with a weight (不适用 rows drop out)."""
    rows = [
        {
            "order": 0,
            "level1": "预算执行",
            "level2": "预算执行率",
            "name": "预算执行率",
            "weight": card.budget_weight,
            "score": card.budget_score,
        }
    ]
    for i, s in enumerate(card.indicators, start=1):
        ind = s.indicator
        if ind.not_applicable or not ind.weight:
            continue
        rows.append(
            {
                "order": i,
                "level1": ind.level1,
                "level2": ind.level2,
                "name": ind.name,
                "weight": ind.weight,
                "score": s.score,
            }
        )
    df = pd.DataFrame(rows)
    df["weight"] = round2(df["weight"])
    df["score"] = round2(df["score"])
    df["lost"] = (df["weight"] - df["score"]).round(2)
    return df


def part_label(level2: object, name: object) -> str:
    """ "二级｜三级", or just the name when both say the same (预算执行率, not 预算执行率｜预算执行率)."""
    a, b = str(level2 or "").strip(), str(name or "").strip()
    if not a or a == b or b.startswith(a):
        return b or a or "（未命名）"
    return f"{a}｜{b}"


def score_breakdown(parts: pd.DataFrame, title: str = "得分构成：得分 / 分值") -> alt.Chart:
    """Each part's score drawn over its weight (grey), coloured by first-level indicator, in the
    order of the form; "得分 / 分值" printed beside each name. One plain layer (no facets), so that it
    takes the container's width on a phone; the axis ends at the largest weight.
    `parts` is `breakdown_frame(card)`: order, level1, level2, name, weight, score."""
    if parts.empty:
        return empty(title)
    df = parts.copy()
    for col in ("weight", "score"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
        df[col] = df[col].where(df[col].map(lambda v: pd.isna(v) or math.isfinite(v)))
    df["score_text"] = [
        f"{fmt.points(s)} / {fmt.points(w)}" if pd.notna(s) else f"未评分 / {fmt.points(w)}"
        for s, w in zip(df["score"], df["weight"], strict=True)
    ]
    df["label"] = [
        f"{t}  {part_label(l2, n)}"
        for l2, n, t in zip(df["level2"], df["name"], df["score_text"], strict=True)
    ]
    df = df.sort_values("order", ignore_index=True)
    # two parts with the same name and figures stay two bars
    df["label"] = df["label"] + df.groupby("label").cumcount().map(lambda n: "" if n == 0 else " " * n)
    order = df["label"].tolist()
    levels = [lv for lv in LEVEL_COLORS if lv in set(df["level1"])] + sorted(
        set(df["level1"]) - set(LEVEL_COLORS)
    )
    top = float(df["weight"].max()) if df["weight"].notna().any() else 0.0
    top = top if top > 0 else 1.0
    scale = alt.Scale(domain=[0, top], nice=False, clamp=True)
    base = alt.Chart(df).encode(y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=220)))
    weight = base.mark_bar(color=WEIGHT_COLOR).encode(
        x=alt.X("weight:Q", title="分", scale=scale),
        tooltip=[alt.Tooltip("name:N", title="指标"), alt.Tooltip("weight:Q", title="分值", format=".2f")],
    )
    score = base.mark_bar(height=12).encode(
        x=alt.X("score:Q", scale=scale),
        color=alt.Color(
            "level1:N",
            sort=levels,
            scale=alt.Scale(domain=levels, range=[LEVEL_COLORS.get(lv, "#757575") for lv in levels]),
            title=None,
            legend=alt.Legend(columns=2),  # four levels side by side overflow a phone
        ),
        tooltip=[
            alt.Tooltip("level1:N", title="一级指标"),
            alt.Tooltip("level2:N", title="二级指标"),
            alt.Tooltip("name:N", title="指标"),
            alt.Tooltip("score:Q", title="得分", format=".2f"),
            alt.Tooltip("weight:Q", title="分值", format=".2f"),
        ],
    )
    chart = alt.layer(weight, score, title=title).properties(height=height_for(len(order)))
    return configured(chart)
