"""项目支出绩效自评 — the Streamlit app: page config, who is here, navigation by role, sidebar filters.

Run with `streamlit run app.py` (or `make run`). Each page lives in views/ and only lays out widgets
over the selfeval library.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from selfeval.access import PAGES_BY_ROLE, REMOTE, ROLE_LABELS  # noqa: E402
from selfeval.memory import return_big_buffers  # noqa: E402
from selfeval.present.markdown import plain  # noqa: E402
from views import _sidebar, _style, _todo, _ui  # noqa: E402

return_big_buffers()  # an upload's bytes leave the process once its batch is released

st.set_page_config(page_title="项目支出绩效自评", page_icon="📋", layout="wide")
_style.inject()  # the upload widget in Chinese, the phone layout

who = _ui.principal()
if who == REMOTE:  # no sign-in configured and not this computer: how to configure it, nothing else
    st.title("项目支出绩效自评")
    st.warning(_ui.REMOTE_PAGE, icon=":material/lock:")
    st.stop()
if _ui.auth_configured() and not st.user.get("is_logged_in"):
    st.title("项目支出绩效自评")
    st.info("请先登录。登录后按您的角色和负责单位显示内容。", icon=":material/login:")
    st.button("登录", type="primary", on_click=st.login, icon=":material/login:")
    st.stop()
waiting = _todo.counts(who)  # the menu says how many forms wait on each page for this person
pages = [
    st.Page(
        spec.path,
        title=f"{spec.title}（{waiting[key]}）" if waiting.get(key) else spec.title,
        icon=spec.icon,
        url_path=spec.url_path,
        default=(key == "overview"),
    )
    for key, spec in _ui.PAGES.items()
    if key in PAGES_BY_ROLE.get(who.role, ())
]
nav = st.navigation(pages)

with st.sidebar:
    st.markdown("### 项目支出绩效自评")
    st.caption(f"当前用户：{plain(who.name)}（{ROLE_LABELS.get(who.role, who.role)}）")
    if st.user.get("is_logged_in"):
        st.button("退出登录", on_click=st.logout, icon=":material/logout:")
if not who.authenticated:
    st.info(_ui.LOCAL_BANNER, icon=":material/lock_open:")

_ui.guarded(lambda: _sidebar.sidebar_filters(who))
nav.run()
