"""The review loop's chart: each unit's forms by review state."""

from __future__ import annotations

import altair as alt
import pandas as pd

from selfeval.present.charts.base import configured, empty, height_for

REVIEW_PROGRESS = (
    ("draft", "未提交"),
    ("returned", "已退回"),
    ("submitted", "已送审"),
    ("approved", "已通过"),
)
REVIEW_COLORS = {"未提交": "#BDBDBD", "已退回": "#C62828", "已送审": "#F9A825", "已通过": "#2E7D32"}


def review_progress(org: pd.DataFrame, title: str = "各单位审核进度（项目数）") -> alt.Chart:
    """A stacked bar per unit: how many projects are 未提交 / 已退回 / 已送审 / 已通过, the units with
    the most still to do on top, with "已通过 x / y" printed at each bar's end.

    `org` has unit and the counts draft, returned, submitted, approved (one row per unit)."""
    if org.empty:
        return empty(title)
    cols = [c for c, _ in REVIEW_PROGRESS]
    df = org[["unit", *cols]].copy()
    for c in cols:
        df[c] = pd.to_numeric(df[c], errors="coerce").fillna(0).astype(int)
    df["projects"] = df[cols].sum(axis=1)
    df["pending"] = df["projects"] - df["approved"]
    df = df.sort_values(["pending", "unit"], ascending=[False, True], ignore_index=True)
    order = df["unit"].tolist()
    labels = dict(REVIEW_PROGRESS)
    long = df.melt(id_vars=["unit", "projects"], value_vars=cols, var_name="state", value_name="count")
    long["state"] = long["state"].map(labels)
    long["rank"] = long["state"].map({label: i for i, (_, label) in enumerate(REVIEW_PROGRESS)})
    long = long[long["count"] > 0]
    domain = [label for _, label in REVIEW_PROGRESS]
    bars = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("unit:N", sort=order, title=None),
            x=alt.X("count:Q", title="项目数", stack="zero"),
            color=alt.Color(
                "state:N",
                scale=alt.Scale(domain=domain, range=[REVIEW_COLORS[s] for s in domain]),
                sort=domain,
                title=None,
            ),
            order=alt.Order("rank:Q"),
            tooltip=[
                alt.Tooltip("unit:N", title="单位"),
                alt.Tooltip("state:N", title="状态"),
                alt.Tooltip("count:Q", title="项目数"),
                alt.Tooltip("projects:Q", title="项目合计"),
            ],
        )
    )
    ends = df[["unit", "projects", "approved"]].copy()
    ends["label"] = "已通过 " + ends["approved"].astype(str) + " / " + ends["projects"].astype(str)
    text = (
        alt.Chart(ends)
        .mark_text(align="left", dx=4, fontSize=11, color="#374151")
        .encode(y=alt.Y("unit:N", sort=order), x="projects:Q", text="label:N")
    )
    # room to the right of the longest bar for its label
    scale = alt.Scale(domain=[0, float(df["projects"].max()) * 1.3 + 1])
    chart = alt.layer(
        bars.encode(x=alt.X("count:Q", title="项目数", stack="zero", scale=scale)),
        text.encode(x=alt.X("projects:Q", scale=scale)),
        title=title,
    ).properties(height=height_for(len(order), per_row=34))
    return configured(chart)
