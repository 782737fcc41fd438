"""A project picker that searches instead of listing everything: a search box (code, name or
unit) over the current projects, and a selectbox of at most LIMIT matches (issue 12: 20,000
options in one selectbox, built row by row, made pages slow at scale).

A search selects: when the project shown does not match what was typed, the first match is shown
instead, and only matches are offered. The choice is kept under one session key shared by 项目详情
and 在线编辑 (not the widget's, which Streamlit forgets on another page), so it survives page changes.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from selfeval.present.projects import project_labels
from views import _ui

LIMIT = 50
CHOSEN = "chosen_project"  # (project_code, year) of the project last chosen on any picker
REQUESTED = "chosen_project_requested"  # a link asked for CHOSEN: it wins over the widget's choice


def choose(project_code: str, year: str) -> None:
    """Make this project the one the next picker shows (a link from 总览, a to-do list, a restore)."""
    st.session_state[CHOSEN] = (str(project_code), str(year))
    st.session_state[REQUESTED] = True


def pick_current_project(
    year: str | None, unit: str | None, key: str, total: int, label: str = "选择项目"
) -> int | None:
    """A project picker over the store without loading the scope's projects: the search runs in SQL
    (store.project_search, at most LIMIT rows) and the kept choice is fetched by code and year;
    `total` is the scope's project count (store.project_count). None when a search matches nothing."""
    s = _ui.store()
    many = total > 8
    text = ""
    search, pick = st.columns([1, 2], vertical_alignment="bottom") if many else (None, st.container())
    if many:
        text = search.text_input(
            "搜索项目",
            key=f"{key}_search",
            placeholder="项目编码、名称或实施单位",
            help=f"输入后按回车：显示第一个匹配的项目，列表只列出匹配的项目（最多 {LIMIT} 个）。",
        ).strip()
    found = _ui.cached(s.project_search, year, unit, text, LIMIT)
    if found.empty:
        pick.warning(f"没有与“{text}”匹配的项目，请换个关键字。", icon=":material/search_off:")
        return None
    ids = [int(i) for i in found["submission_id"]]
    widget = st.session_state.get(key)
    if st.session_state.pop(REQUESTED, False) or widget not in ids:
        # a link asked for a project, or this page opens again (Streamlit forgot the widget), or the
        # project shown does not match the search: the kept choice if the scope and search show it
        chosen = _kept_choice(s, year, unit)
        if chosen is not None and chosen not in ids and not text:  # offered beside the first LIMIT
            ids, found = [chosen, *ids], pd.concat([_ui.cached(s.project_row, chosen), found])
        st.session_state[key] = chosen if chosen in ids else ids[0]  # a search selects its first match
    labels = project_labels(found)
    shown = min(len(found), LIMIT)
    help_text = (
        f"共 {total:,d} 个项目，"
        + ("列出全部。" if text == "" and shown == total else f"列出 {shown} 个，可在左侧搜索。")
        if many
        else None
    )
    sid = pick.selectbox(label, ids, key=key, format_func=lambda i: labels.get(i, str(i)), help=help_text)
    row = found[found["submission_id"] == sid].iloc[0]
    st.session_state[CHOSEN] = (str(row["project_code"]), str(row["year"]))  # kept for the next page
    return int(sid)


def _kept_choice(s, year: str | None, unit: str | None) -> int | None:
    """The current version of the project last chosen, if the scope shows it."""
    kept = st.session_state.get(CHOSEN)
    if not kept:
        return None
    code, in_year = kept
    return _ui.cached(s.find_project, code, year, unit, in_year) if code else None
