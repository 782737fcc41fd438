"""The review loop on the pages: state badges, the returned comment and 送审 in 在线编辑, the timeline
on 项目详情, the organisation view and the "仅已通过 / 最新" switch on 总览.

Each page calls these with one line; the library (selfeval.store.review, selfeval.workflow) decides
everything, acting as the signed-in principal. Reads are cached on the store's data version, which
changes with every save and every review step.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pandas as pd
import streamlit as st

from selfeval import fmt
from selfeval.access import ROLE_LABELS, can, governs_all, registered_units
from selfeval.bundles import units_zip
from selfeval.names import fit, name_part
from selfeval.present import charts
from selfeval.present.markdown import plain
from selfeval.store import StoreError
from selfeval.store.review import ReviewRefused
from selfeval.textnorm import year_int
from selfeval.workflow import action_label, available, state_label
from views import _sidebar, _ui

BASIS_KEY = "figures_basis_choice"  # 总览's switch; "latest" wherever it is not drawn
BASIS_LABELS = {"latest": "最新版本", "approved": "仅已通过"}
BADGE_COLORS = {"draft": "gray", "submitted": "orange", "approved": "green", "returned": "red"}
ACTION_ICONS = {
    "upload": ":material/upload_file:",
    "import": ":material/upload_file:",
    "edit": ":material/edit_note:",
    "submit": ":material/send:",
    "approve": ":material/check_circle:",
    "return": ":material/undo:",
    "restore": ":material/history:",
    "transfer": ":material/swap_horiz:",
}
BEIJING = timezone(timedelta(hours=8))
DEADLINE_FLASH = "deadline_flash"  # the confirmation shown once after 保存截止日期


# ------------------------------------------------------------------------------------------ plumbing


local_time = fmt.local_time


def badge(state: str | None) -> str:
    """A Markdown badge: :green-badge[已通过] and so on."""
    return f":{BADGE_COLORS.get(state or 'draft', 'gray')}-badge[{state_label(state)}]"


# ------------------------------------------------------------------------------------------ 总览


def current_basis() -> str:
    """What 总览's switch shows in this run ("latest" on every other page: its state lives only
    while the switch is drawn)."""
    return st.session_state.get(BASIS_KEY) or "latest"


def figures_basis() -> str:
    """The switch at the top of 总览: every chart and table below reads the latest versions or only
    the approved ones (the latest approved version of each project)."""
    choice = st.segmented_control(
        "图表口径",
        list(BASIS_LABELS),
        format_func=BASIS_LABELS.get,
        default="latest",
        key=BASIS_KEY,
        help="“最新版本”按每个项目最新提交的版本统计；“仅已通过”只统计审核通过的版本（每个项目取最近一次通过的版本）。",
    )
    basis = choice or "latest"
    if basis == "approved":
        st.caption("以下图表只统计审核已通过的版本；未通过的项目不计入。")
    year, unit = _sidebar.filters()
    counts = _ui.cached(_ui.store().state_counts, year, unit)
    if not counts.empty:
        st.markdown(_count_badges(counts) + "　[各单位审核进度 ↓](#review-progress)")
    return basis


def _count_badges(counts: pd.DataFrame) -> str:
    """未提交 n　已退回 n　已送审 n　已通过 n, as coloured badges."""
    return "　".join(
        f":{BADGE_COLORS[state]}-badge[{label} {int(counts[state].sum())}]"
        for state, label in (
            ("draft", "未提交"),
            ("returned", "已退回"),
            ("submitted", "已送审"),
            ("approved", "已通过"),
        )
    )


def organisation_view(year: str | None, unit: str | None = None) -> None:
    """Per unit: projects, 未提交 / 已退回 / 已送审 / 已通过, average score and execution rate (on
    the chosen basis), as a sortable table and a chart; the deadline and what is still missing."""
    st.subheader("各单位审核进度", anchor="review-progress")
    if year is None:
        st.info("请在左侧选择一个年度，查看该年度各单位的填报与审核进度。", icon=":material/event:")
        return
    basis = current_basis()
    s, registered = _ui.store(), registered_units()
    org = _ui.cached(s.organisation, year, basis, registered)
    if unit is not None:
        org = org[org["unit"] == unit]
    if org.empty:
        st.info("所选年度尚无项目。", icon=":material/inbox:")
        return
    st.markdown(_count_badges(org))
    _deadline_line(year, org)
    table = pd.DataFrame(
        {
            "实施单位": org["unit"],
            "进度": [
                "未上传" if n == 0 else "全部通过" if a == n else f"已通过 {a}/{n}"
                for n, a in zip(org["projects"], org["approved"], strict=True)
            ],
            "项目数": org["projects"],
            "未提交": org["draft"],
            "已退回": org["returned"],
            "已送审": org["submitted"],
            "已通过": org["approved"],
            "通过率": 100 * org["approved"] / org["projects"].where(org["projects"] > 0),
            "平均得分": org["mean_score"],
            "预算执行率": org["rate"],
        }
    )
    figures = "已通过版本" if basis == "approved" else "最新版本"
    _ui.dataframe(
        table,
        hide_index=True,
        width="stretch",
        placeholder="—",
        key="org_table",
        column_config={
            "实施单位": st.column_config.TextColumn("实施单位", width="medium"),
            "通过率": st.column_config.ProgressColumn("通过率", format="%.0f%%", min_value=0, max_value=100),
            "平均得分": _ui.points_column("平均得分", f"按{figures}计算"),
            "预算执行率": st.column_config.NumberColumn(
                "预算执行率", format="%.2f%%", help=f"按{figures}计算：全年执行数合计 ÷ 全年预算数合计"
            ),
        },
    )
    st.caption(f"点击列标题可排序。平均得分与预算执行率按{figures}计算。")
    progress = lambda: charts.review_progress(org)  # noqa: E731
    _ui.chart(s, "review_progress", year, unit, basis, registered, make=progress, width="stretch")
    _missing(year, unit, org[org["projects"] == 0]["unit"].tolist())
    _export_templates(year, unit)


def _export_templates(year: str, unit: str | None) -> None:
    """The import templates of the approved versions (or of every latest one), a folder per unit in
    one zip: what goes back into the budget system."""
    if not _ui.allowed("download"):
        return
    scopes = {"approved": "仅已通过的版本", "latest": "全部项目的最新版本"}
    left, right = st.columns([1.2, 1], vertical_alignment="bottom")
    scope = left.radio(
        "导出导入模板", list(scopes), format_func=scopes.get, horizontal=True, key="org_export_scope"
    )
    store = _ui.store()

    def bundle() -> bytes:  # built only when clicked
        cards = (
            store.approved_scorecards(year, unit)
            if scope == "approved"
            else store.current_scorecards(year, unit)
        )
        return units_zip(cards)

    right.download_button(
        "下载导入模板（每个单位一个文件夹，.zip）",
        data=bundle,
        file_name=fit(
            f"{name_part(year, 20)}_导入模板_{'已通过' if scope == 'approved' else '最新版本'}", ".zip"
        ),
        mime="application/zip",
        icon=":material/folder_zip:",
        on_click="ignore",
        key="org_export",
    )


def _deadline_line(year: str, org: pd.DataFrame) -> None:
    """The deadline, days left, and what is still missing; an administrator sets it right here.
    Read from the store on every run (one row, never cached): saved, it shows at once and after a
    reload, on every instance."""
    s = _ui.store()
    deadline = s.deadline(year)
    pending = int(org["projects"].sum() - org["approved"].sum())
    absent = int((org["projects"] == 0).sum())
    missing = f"还有 **{pending}** 个项目未通过审核" + (f"，**{absent}** 个单位尚未上传" if absent else "")
    if deadline is None:
        st.markdown(f"尚未设置 {year} 年度的审核截止日期。{missing}。")
    else:
        days = (deadline - _today()).days
        when = f"还有 **{days}** 天" if days >= 0 else f":red[已逾期 **{-days}** 天]"
        st.markdown(f"审核截止日期 **{deadline:%Y年%m月%d日}**，{when}；{missing}。")
    for text in st.session_state.pop(DEADLINE_FLASH, []):
        st.success(text, icon=":material/event_available:")
    who = _ui.principal()
    number = year_int(year)  # a form's junk year (`abc`, `9999`) is no year to set a deadline for
    if not (governs_all(who) and number is not None):
        return
    # the button beside the date, not under it: the calendar opens downwards and would cover it
    pick, save, clear = st.columns([2, 1, 1], vertical_alignment="bottom")
    chosen = pick.date_input("设置截止日期", value=deadline or date(number + 1, 3, 31), key="deadline_pick")
    if save.button("保存截止日期", key="deadline_save", type="primary", width="stretch"):
        s.set_deadline(year, chosen)
        st.session_state[DEADLINE_FLASH] = [f"已保存 {year} 年度的审核截止日期：{chosen:%Y年%m月%d日}。"]
        st.rerun()
    if deadline is not None and clear.button("清除截止日期", key="deadline_clear", width="stretch"):
        s.set_deadline(year, None)
        st.session_state[DEADLINE_FLASH] = [f"已清除 {year} 年度的审核截止日期。"]
        st.rerun()


def _today() -> date:
    return datetime.now(BEIJING).date()


MISSING_ROWS = 200  # rows of the to-do list on the page (counted in full, cut in SQL)


def _missing(year: str, unit: str | None, absent: list[str]) -> None:
    """Units registered that never uploaded, and every project not yet approved."""
    total = _ui.cached(_ui.store().pending_count, year, unit)
    if absent:
        st.warning(
            plain(f"{len(absent)} 个单位尚未上传 {year} 年度的自评表：" + "、".join(absent)),
            icon=":material/domain_disabled:",
        )
    with st.expander(f"尚未通过审核的项目（{total}）", icon=":material/pending_actions:"):
        if not total:
            st.success("全部项目均已通过审核。", icon=":material/check_circle:")
            return
        todo = _ui.cached(_ui.store().pending_projects, year, unit, MISSING_ROWS)
        if total > len(todo):
            st.caption(f"列出前 {len(todo)} 个（按实施单位、状态、项目编码排序），共 {total} 个。")
        _ui.dataframe(
            pd.DataFrame(
                {
                    "实施单位": todo["unit"],
                    "项目": todo["project_name"],
                    "项目编码": todo["project_code"],
                    "状态": todo["state"].map(state_label),
                    "退回意见": todo["comment"].where(todo["state"] == "returned", ""),
                }
            ),
            hide_index=True,
            width="stretch",
            placeholder="—",
            key="org_missing",
        )


# ------------------------------------------------------------------------------------------ 项目详情


def project_review(submission_id: int, project_code: str, year: str) -> None:
    """The current version's state (with the editor's explanation and the reviewer's comment) and the
    audit trail of the project as a timeline."""
    try:
        review = _ui.cached(_ui.store().review_state, int(submission_id))
    except StoreError:
        return
    st.subheader(f"审核状态　{badge(review['state'])}", anchor="review-trail")
    _review_notes(review)
    trail = _ui.cached(_ui.store().audit_trail, project_code, str(year))
    with st.expander(f"审核记录（{len(trail)} 条）", expanded=True, icon=":material/timeline:"):
        timeline(trail)


def state_line(submission_id: int) -> None:
    """One line under the project's name: its review state, a returned comment, a link to the trail."""
    try:
        review = _ui.cached(_ui.store().review_state, int(submission_id))
    except StoreError:
        return
    line = f"审核状态：{badge(review['state'])}"
    if review["state"] == "returned" and review["comment"]:
        line += f"　退回意见：{plain(review['comment'])}"
    st.markdown(line + "　[审核记录 ↓](#review-trail)")


def _review_notes(review: dict) -> None:
    if review["explanation"]:
        st.markdown(f"**送审说明**：{plain(review['explanation'])}")
    if review["state"] == "returned" and review["comment"]:
        st.error(
            f"**退回意见**（{plain(review['updated_by'])}，{local_time(review['updated_at'])}）：{plain(review['comment'])}",
            icon=":material/undo:",
        )
    elif review["comment"]:
        st.markdown(f"**审核意见**：{plain(review['comment'])}")


def timeline(trail: pd.DataFrame) -> None:
    """One line per event, oldest first: when (北京时间), who in which role, what, on which version,
    and the comment."""
    if trail.empty:
        st.caption("暂无记录。")
        return
    for _, e in trail.iterrows():
        role = ROLE_LABELS.get(e["role"], e["role"])
        version = f"第 {int(e['version'])} 版" if pd.notna(e["version"]) and e["version"] else ""
        head = (
            f"{ACTION_ICONS.get(e['action'], '')} **{action_label(e['action'])}**　{version}　"
            f":gray[{local_time(e['happened_at'])} · {plain(e['actor'])}（{role}）]"
        )
        if e["state"]:
            head += f"　{badge(e['state'])}"
        if e["comment"]:
            head += f"  \n　　　“{plain(e['comment'])}”"
        st.markdown(head)
    st.caption("时间为北京时间。")


# ------------------------------------------------------------------------------------------ 在线编辑


def _stored_id(source_id: str) -> int | None:
    return int(source_id[3:]) if source_id.startswith("db:") else None


def editor_status(source_id: str) -> None:
    """Above the grid: the state of the stored version being edited and, when it was returned, the
    reviewer's comment — the fix happens right here."""
    sid = _stored_id(source_id)
    if sid is None:
        return
    try:
        review = _ui.cached(_ui.store().review_state, sid)
    except StoreError:
        return
    st.markdown(f"审核状态：{badge(review['state'])}")
    if review["state"] == "returned":
        st.error(
            f"**已退回，请按意见修改后保存，再重新送审。** 退回意见（{plain(review['updated_by'])}，"
            f"{local_time(review['updated_at'])}）：{plain(review['comment'])}",
            icon=":material/undo:",
        )
    elif review["state"] == "approved":
        st.info("该版本已通过审核并锁定；保存修改将生成新版本，需重新送审。", icon=":material/lock:")
    elif review["state"] == "submitted":
        st.info(
            "该版本已送审，等待审核；保存修改将生成新版本并撤回本次送审。", icon=":material/hourglass_top:"
        )


def editor_submit(source_id: str, edited: list[int]) -> None:
    """送审 of the stored version: an explanation box (required when the form has errors), then one
    button. Unsaved edits must be saved first: what is reviewed is a stored version."""
    sid = _stored_id(source_id)
    who = _ui.principal()
    if sid is None or not can(who, "submit"):
        return
    try:
        review = _ui.cached(_ui.store().review_state, sid)
        card = _ui.store().load_scorecard(sid)
    except StoreError:
        return
    st.markdown("#### 送审")
    for kind, text in st.session_state.pop("review_flash", []):
        getattr(st, kind)(text)
    if "submit" not in available(who, review["state"], unit=card.form.header.unit):
        st.caption(f"当前状态为“{state_label(review['state'])}”，不能送审。")
        return
    if edited:
        st.caption("有未保存的修改：请先保存为新版本，再送审。")
        return
    errors = sum(1 for i in card.issues if i.severity == "error")
    needs = errors > 0 or review["state"] == "returned"
    explanation = st.text_area(
        "送审说明" + ("（必填）" if needs else "（可选）"),
        key=f"submit_explanation_{sid}",
        placeholder="说明表中仍存在的问题及原因，或对退回意见的回应；审核人可以看到。",
        help=f"该表有 {errors} 处错误，送审时必须说明原因。" if errors else None,
    )
    if st.button("送审", type="primary", icon=":material/send:", key=f"submit_{sid}"):
        try:
            _ui.store().submit(sid, explanation)
        except ReviewRefused as exc:
            st.error(plain(exc))
            return
        st.session_state["review_flash"] = [("success", "已送审，等待审核人审核。")]
        _ui.invalidate()
        st.rerun()
