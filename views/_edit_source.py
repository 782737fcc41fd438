"""在线编辑's source and session: which form is edited (a stored project, one named by a link, or a
form from the last upload) and the edit session over it (a base Form and the grid's generation)."""

from __future__ import annotations

import streamlit as st

from selfeval.present.projects import project_labels
from views import _sidebar, _ui
from views._picker import choose, pick_current_project

SOURCE_DB, SOURCE_UPLOAD = "数据库中的项目", "本次上传的表"
SESSION = "edit_session"  # {"source_id", "base": Form, "gen": int}


def pick_source():
    """(source_id, Form, label) of what to edit: a stored project or a form from the last upload."""
    batch = st.session_state.get(_ui.UPLOAD_BATCH) or {}
    request = st.session_state.pop(_ui.EDIT_REQUEST, None)
    options = [SOURCE_DB] + ([SOURCE_UPLOAD] if batch else [])
    if request and request.get("kind") == "upload" and batch:
        st.session_state["edit_source_kind"] = SOURCE_UPLOAD
        st.session_state["edit_upload_pick"] = f"{request['digest']}:{request['index']}"
    if _follow_link() or (request and request.get("kind") == "db"):  # a stored project was asked for
        st.session_state["edit_source_kind"] = SOURCE_DB
    if st.session_state.get("edit_source_kind") not in options:
        st.session_state["edit_source_kind"] = options[0]
    kind = st.radio("编辑来源", options, key="edit_source_kind", horizontal=True)

    if kind == SOURCE_UPLOAD:
        choices = {
            f"{digest}:{i}": f"{card.form.header.project_name or '（未命名）'}（{item['name']}）"
            for digest, item in batch.items()
            for i, card in enumerate(item["cards"])
        }
        if st.session_state.get("edit_upload_pick") not in choices:
            st.session_state["edit_upload_pick"] = next(iter(choices))
        pick = st.selectbox("选择上传的表", list(choices), key="edit_upload_pick", format_func=choices.get)
        digest, index = pick.rsplit(":", 1)
        card = batch[digest]["cards"][int(index)]
        return f"upload:{pick}", card.form, choices[pick]

    if _ui.store().is_empty():
        _ui.empty_state()
        return None
    year, unit = _sidebar.filters()
    # the store filters by the principal's units; the scope's projects are searched, never all loaded
    total = _ui.cached(_ui.store().project_count, year, unit)
    if not total:
        _ui.empty_state("所选年度与单位尚无项目，请调整左侧筛选，或先上传自评表。")
        return None
    sid = pick_current_project(year, unit, "edit_pick", total)
    if sid is None:
        return None
    labels = project_labels(_ui.cached(_ui.store().project_row, int(sid)))
    return f"db:{sid}", _ui.store().load_form(sid), labels[sid]


def _follow_link() -> bool:
    """A link (a to-do line, ?code=…&year=…) names the stored project to edit: True when one did."""
    code, year = st.query_params.get("code"), st.query_params.get("year", "")
    if not code:
        return False
    st.query_params.clear()  # followed once: the picker decides from here on
    choose(code, year)
    return True


def open_session(source_id: str, source_form) -> dict:
    """The edit session of this source; a new one (fresh grid) when the source changed."""
    session = st.session_state.get(SESSION)
    if session is None or session["source_id"] != source_id:
        gen = st.session_state.get("edit_gen", 0) + 1
        st.session_state["edit_gen"] = gen
        session = {"source_id": source_id, "base": source_form, "gen": gen}
        st.session_state[SESSION] = session
    return session


def restart(session: dict, base, source_id: str | None = None) -> None:
    """Fold the current edits into a new base and show a fresh grid over it."""
    gen = st.session_state.get("edit_gen", 0) + 1
    st.session_state["edit_gen"] = gen
    st.session_state[SESSION] = {"source_id": source_id or session["source_id"], "base": base, "gen": gen}
