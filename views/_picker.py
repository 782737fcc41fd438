"""A project picker that searches instead of listing everything: a search box (code, name or
unit) over the current projects, and a selectbox of at most LIMIT matches (issue 12: 20,000
options in one selectbox, built row by row, made pages slow at scale)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from selfeval.present.insights import project_labels

LIMIT = 50


def pick_current_project(
    year: str | None, unit: str | None, key: str, total: int, label: str = "选择项目"
) -> int:
    """A project picker over the store without loading the scope's projects: the search runs in SQL
    (store.project_search, at most LIMIT rows) and the kept choice is fetched by id; `total` is the
    scope's project count (store.project_count)."""
    from views import _ui

    many = total > 8
    text = ""
    search, pick = st.columns([1, 2], vertical_alignment="bottom") if many else (None, st.container())
    if many:
        text = search.text_input(
            "搜索项目",
            key=f"{key}_search",
            placeholder="项目编码、名称或实施单位",
            help=f"最多列出 {LIMIT} 个匹配的项目。",
        )
    found = _ui.cached(_ui.store().project_search, year, unit, text.strip(), LIMIT)
    ids = [int(i) for i in found["submission_id"]] if not found.empty else []
    chosen = st.session_state.get(key)
    if chosen is not None and chosen not in ids:
        kept = _ui.cached(_ui.store().project_row, int(chosen))
        if (
            not kept.empty
            and (year is None or kept["year"].iloc[0] == year)
            and (unit is None or kept["unit"].iloc[0] == unit)
        ):
            ids = [int(chosen), *ids]
            found = pd.concat([kept, found]) if not found.empty else kept
    if not ids:
        pick.caption("没有匹配的项目，请换个关键字。")
        found = _ui.cached(_ui.store().project_search, year, unit, "", 1)
        ids = [int(found["submission_id"].iloc[0])]
    if st.session_state.get(key) not in ids:
        st.session_state[key] = ids[0]
    labels = project_labels(found)
    shown = min(len(found), LIMIT)
    help_text = (
        f"共 {total:,d} 个项目，"
        + ("列出全部。" if text == "" and shown == total else f"列出 {shown} 个，可在左侧搜索。")
        if many
        else None
    )
    return pick.selectbox(label, ids, key=key, format_func=lambda i: labels.get(i, str(i)), help=help_text)
