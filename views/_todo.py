"""待办: what waits for the signed-in person, first on the home page (总览) and counted in the menu.

Editors see their units' returned forms (with the comment), forms with errors and forms not yet sent;
reviewers the forms waiting for them, with how long; administrators also the units and projects still
missing for the year. Each line links to the page that acts on it, with the project chosen. Every
year is counted: a to-do does not hide behind the sidebar's year.
"""

from __future__ import annotations

import streamlit as st

from selfeval.access import Principal, governs_all, registered_units
from selfeval.present import todo
from selfeval.present.markdown import plain
from views import _ui

SHOWN = 5  # lines per list on the home page; the page it links to has the rest


def counts(who: Principal) -> dict[str, int]:
    """page key -> forms waiting there for `who` (the menu's numbers)."""
    if not todo.lists_for(who):
        return {}
    s = _ui.store()
    return todo.menu_counts(who, _ui.cached(s.todo_counts))


def home(who: Principal, year: str | None) -> None:
    """The to-do panel: one block per list that has something, each line with its link."""
    lists = todo.lists_for(who)
    missing = governs_all(who) and year is not None
    if not lists and not missing:
        return
    s = _ui.store()
    found = _ui.cached(s.todo_counts)
    waiting = [t for t in lists if found.get(t.kind)]
    with st.container(border=True, key="todo"):
        total = sum(found.get(t.kind, 0) for t in waiting)
        st.markdown(f"#### 待办　:{'red' if total else 'green'}-badge[{total} 项]")
        if missing:
            _missing(year)
        if not waiting:
            st.caption("没有等待您处理的自评表。")
        for t in waiting:
            _list(s, t, found[t.kind])


def _list(s, t: todo.TodoList, n: int) -> None:
    st.markdown(f"**{t.title}**（{n}）")
    rows = _ui.cached(s.todo, t.kind, None, None, SHOWN)
    for _, row in rows.iterrows():
        text, link = st.columns([5, 1], vertical_alignment="center")
        text.markdown(plain(todo.line(t.kind, row)))
        link.page_link(
            _ui.PAGES[t.page].path,
            label=t.action,
            query_params={"code": row["project_code"], "year": row["year"]},
            icon=":material/arrow_forward:",
        )
    if n > len(rows):
        st.caption(f"另有 {n - len(rows)} 项，见“{_ui.PAGES[t.page].title}”。")


def _missing(year: str) -> None:
    """The administrator's year: units registered but never uploaded, projects not yet approved."""
    org = _ui.cached(_ui.store().organisation, year, "latest", registered_units())
    absent = org[org["projects"] == 0]["unit"].tolist()
    pending = int(org["projects"].sum() - org["approved"].sum())
    parts = []
    if absent:
        names = "、".join(absent[:8]) + (f" 等 {len(absent)} 个" if len(absent) > 8 else "")
        parts.append(f"{len(absent)} 个单位尚未上传（{names}）")
    parts.append(f"{pending} 个项目尚未通过审核" if pending else "已上传的项目均已通过审核")
    st.markdown(plain(f"{year} 年度：" + "；".join(parts) + "。") + "　[各单位审核进度 ↓](#review-progress)")
