"""The sidebar every page shares: year, unit (全部 = every unit this person sees) and the scoring
profile, with phone mirrors of the two filters at the top of the page."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from selfeval.access import Principal
from selfeval.present.markdown import plain
from selfeval.profile import AUTO, DEFAULT_PROFILE, available_profiles, load_profile, profile_for
from selfeval.textnorm import years_latest_first
from views import _ui

AUTO_TITLE = "自动选择（按表中分值）"
ALL = "全部"
NO_UNITS = "（无负责单位）"  # the unit filter of someone responsible for no unit (shows nothing)


def _keep_choice(key: str, options: list[str]) -> None:
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]


def unit_choices(who: Principal) -> list[str]:
    """The 实施单位 filter's options: 全部 (every unit this person sees — all of theirs when bound to
    several) and each unit; one unit alone when they are bound to only one."""
    s = _ui.store()
    mine = [u for u in _ui.cached(s.units) if who.sees_unit(u)]
    if who.all_units:
        return [ALL, *mine]
    mine += [u for u in who.units if u not in mine and who.sees_unit(u)]  # theirs, before any upload
    if not mine:  # responsible for no unit: the filter shows it, and every read finds nothing
        return [NO_UNITS]
    return mine if len(mine) == 1 else [ALL, *mine]


def _unit_title(who: Principal, count: int):
    def title(option: str) -> str:
        if option != ALL:
            return option
        return "全部单位" if who.all_units else f"全部（我负责的 {count} 个单位）"

    return title


def sidebar_filters(who: Principal) -> None:
    """Year and unit for every page (sidebar widgets rendered by app.py on each run)."""
    s = _ui.store()
    years = years_latest_first(_ui.cached(s.years))  # the default is the latest valid year
    unit_options = unit_choices(who)
    unit_title = _unit_title(who, len(unit_options) - 1)
    with st.sidebar:
        st.subheader("筛选")
        year_options = [*years, ALL] if years else [ALL]
        _keep_choice("filter_year", year_options)
        st.selectbox("年度", year_options, key="filter_year", help="总览与项目列表只显示该年度的现行版本。")
        _keep_choice("filter_unit", unit_options)
        st.selectbox(
            "实施单位",
            unit_options,
            key="filter_unit",
            format_func=unit_title,
            help="“全部”是您可以查看的全部单位；选一个单位只看该单位。",
        )
    _phone_filters(year_options, unit_options, unit_title)


def _copy_choice(source: str, target: str) -> None:
    st.session_state[target] = st.session_state[source]


def _phone_filters(
    year_options: list[str], unit_options: list[str], unit_title: Callable[[str], str]
) -> None:
    """The same two filters at the top of the page, shown on phones only (views/_style.py), where
    the sidebar hides behind »: mirrors of the sidebar's widgets, each copying its choice back."""
    year = st.session_state.get("filter_year", year_options[0])
    unit = st.session_state.get("filter_unit", unit_options[0])
    with (
        st.container(key="phone_filters"),
        st.expander(f"筛选：{year} · {plain(unit_title(unit))}", icon=":material/filter_list:"),
    ):
        for name, label, options, title in (
            ("filter_year", "年度", year_options, str),
            ("filter_unit", "实施单位", unit_options, unit_title),
        ):
            mirror = f"{name}_phone"
            st.session_state[mirror] = st.session_state.get(name, options[0])
            st.selectbox(
                label, options, key=mirror, format_func=title, on_change=_copy_choice, args=(mirror, name)
            )


def filters() -> tuple[str | None, str | None]:
    """(year, unit) chosen in the sidebar; None means all — for the unit, all the units this person
    sees (the store filters every read by them, whatever the page asks)."""
    year = st.session_state.get("filter_year", ALL)
    unit = st.session_state.get("filter_unit", ALL)
    if unit not in (ALL, None) and not _ui.principal().sees_unit(unit):
        unit = ALL
    return (None if year in (ALL, None) else year, None if unit in (ALL, None) else unit)


@st.cache_data(show_spinner=False)
def profile_title(name: str) -> str:
    if name == AUTO:
        return AUTO_TITLE
    try:
        return load_profile(name).title
    except Exception:
        return name


def profile():
    """The scoring profile chosen in the sidebar (kept across pages): by default automatic (None:
    each form is scored by the profile its declared weights select, selfeval.profile), or one
    profile chosen explicitly."""
    names = [AUTO, *(available_profiles() or [DEFAULT_PROFILE])]
    chosen = st.session_state.get("profile_name", AUTO)
    if chosen not in names:
        chosen = AUTO
    if st.session_state.get("profile_select") not in names:
        st.session_state["profile_select"] = chosen
    name = st.sidebar.selectbox(
        "评分规则",
        names,
        key="profile_select",
        format_func=profile_title,
        help="上传评分与在线编辑按此规则计算得分；“自动选择”按每张表自己填报的分值（预算执行 10 或 20 分、各一级指标分值）选用相符的规则。",
    )
    st.session_state["profile_name"] = name
    return profile_for(name)
