"""在线编辑: edit the white cells of a stored or just-uploaded form, rescored at every edit; draft
missing deviation reasons; download the corrected template or a unit's forms; save a new version.

Forms stay immutable and the grid is never fed a value it wrote (engineering.md): each edit delta
that st.data_editor keeps in st.session_state is applied to the grid's source Form and rescored
(views/_edit.rescore: the row's 得分 follows the rules); the result becomes the source of a fresh
grid (a new key), because the browser drops an edit when the data under it changes.
"""

from __future__ import annotations

import streamlit as st

from selfeval import fmt
from selfeval.edit import (
    COMPUTED_COLUMN,
    EDITOR_COLUMNS,
    GREY_COLUMNS,
    ROW_COLUMN,
    adopt_computed,
    changed_rows,
    fill_reasons,
    grid_frame,
    grid_issues,
    partial_total,
    reason_drafts,
    rescore,
    settle,
)
from selfeval.messages import SEVERITY_LABELS
from selfeval.present.frames import safe_frame
from selfeval.present.markdown import plain
from selfeval.rules import score
from views import _review_ui, _sidebar, _ui
from views._edit_actions import downloads, save_button
from views._edit_source import open_session, pick_source, restart

GRID_KEY = "edit_grid_key"  # the data_editor's current key (tests put their edit delta there)


def main() -> None:
    who = _ui.require_page("editor")
    _ui.require("edit", "在线编辑")
    profile = _sidebar.profile()
    st.title("在线编辑")
    st.caption(
        "灰色列由系统带出，不能修改；白色列（实际完成值、分值、得分、偏差原因）可以修改。"
        "改动实际完成值或分值后，该行得分立即按规则重新计算。"
    )

    source = pick_source()
    if source is None:
        return
    source_id, source_form, label = source
    session = open_session(source_id, source_form)
    base = session["base"]
    key = f"edit_grid_{session['gen']}"
    st.session_state[GRID_KEY] = key

    result = rescore(base, st.session_state.get(key), profile)
    if result.rejected:  # a number outside 0 至 100 (only a crafted client gets past the grid's bounds)
        st.session_state["edit_rejected"] = result.rejected
    if result.form is not base:
        # fold the edit into the grid's source and show a fresh grid: the browser drops an edit when
        # the data under it changes, and the row's 得分 and 计算得分 must change at once
        restart(session, result.form)
        st.rerun()
    form, card = result.form, result.card
    if form != source_form:  # edited: the grey cells (总分, 执行率, 预算得分) follow what the rules give
        form, card = settle(form, profile)
    before = score(source_form, profile)
    edited = changed_rows(source_form, form)
    title = (
        profile.title
        if profile is not None
        else _sidebar.profile_title(card.profile) + "，按表中分值自动选择"
    )
    st.markdown(f"**{plain(label)}**　按“{plain(title)}”评分")
    for text in st.session_state.pop("edit_rejected", ()):
        st.warning(plain(text), icon=":material/block:")
    _review_ui.editor_status(source_id)
    _headline(card, before, edited)
    with st.container(border=True, key="editor_actions"):  # 保存 and 送审 where a person looks first
        save, submit = st.columns(2, gap="large")
        with save:
            save_button(who, card, edited)
        with submit:
            _review_ui.editor_submit(source_id, edited)
    _grid(form, card, key)
    _differences(result, session)
    _grid_issue_list(card)
    _drafts(card, form, session)
    with st.expander("逐项评分结果与全部问题", icon=":material/rule:"):
        _ui.indicator_grid(card, key="editor")
        _ui.show_issues(card.issues, expanded=False, key="editor_all")
    downloads(card)


def _headline(card, before, edited: list[int]) -> None:
    """总分 (or what is scored so far), grade, how many rows changed and by how much."""
    cols = st.columns([1.2, 1, 1, 1.4])
    with cols[0]:
        st.markdown(
            f"<div style='font-size:0.9rem;color:#6B7280'>总分</div>"
            f"<div style='font-size:2.4rem;font-weight:600;line-height:1.2'>{fmt.points(card.total)}</div>",
            unsafe_allow_html=True,
        )
    cols[1].markdown(f"等级<br>{_ui.grade_badge(card.grade)}", unsafe_allow_html=True)
    delta = _delta(card.total, before.total)
    cols[2].markdown(
        f"已修改 **{len(edited)}** 行" + (f"<br>较原表 **{delta}** 分" if delta else ""),
        unsafe_allow_html=True,
    )
    errors = sum(1 for i in card.issues if i.severity == "error")
    cols[3].markdown(f"错误 **{errors}** 条 · 警告 **{card.warnings}** 条")
    unverified = [
        f"第 {i + 1} 行「{plain(s.indicator.name)}」：{plain(getattr(s, 'unverified_reason', '') or '未核验')}"
        for i, s in enumerate(card.indicators)
        if not getattr(s, "verified", True)
    ]
    if unverified:
        label = getattr(card, "verification_label", "部分核验")
        st.info(
            f"核验状态：**{label}**。以下各行无法按规则核验，暂保留原表申报得分：\n\n"
            + "\n".join(f"- {u}" for u in unverified),
            icon=":material/help:",
        )
    if card.total is None:
        got, missing = partial_total(card)
        names = "、".join(
            f"第 {r + 1} 行「{plain(card.indicators[r].indicator.name)}」" for r in missing[:5]
        ) + (f" 等 {len(missing)} 行" if len(missing) > 5 else "")
        st.warning(
            f"{names}未能评分（多为实际完成值为空或无法识别），总分暂缺；其余部分合计 **{fmt.points(got)}** 分。"
            "补全后总分随即算出。"
            if missing
            else f"分值不合规，总分暂缺；已评分部分合计 **{fmt.points(got)}** 分。",
            icon=":material/pending:",
        )


def _grid(form, card, key: str) -> None:
    """The spreadsheet: grey columns locked and shaded, white ones editable, text wrapped."""
    frame = safe_frame(grid_frame(form, card))  # its toolbar's "Download as CSV" writes cells as they are
    locked = [ROW_COLUMN, *GREY_COLUMNS, COMPUTED_COLUMN]
    styled = frame.style.set_properties(
        subset=[c for c in locked if c in frame.columns],
        **{"background-color": "#EEF0F3", "color": "#4B5563"},
    )
    st.data_editor(
        styled,
        key=key,
        hide_index=True,
        placeholder="—",
        num_rows="fixed",
        width="stretch",
        row_height=56,
        height=min(40 + 57 * len(form.indicators), 640),
        disabled=locked,
        column_order=[ROW_COLUMN, *EDITOR_COLUMNS[1:-1], COMPUTED_COLUMN, EDITOR_COLUMNS[-1]],
        column_config={
            ROW_COLUMN: st.column_config.NumberColumn("行", width=40, pinned=True),
            "二级指标": st.column_config.TextColumn("二级指标", width=100),
            "三级指标": st.column_config.TextColumn("三级指标", width="medium", pinned=True),
            "年度指标值": st.column_config.TextColumn("年度指标值", width=110),
            "实际完成值": st.column_config.TextColumn("实际完成值", width=120),
            "分值": st.column_config.NumberColumn(
                "分值", min_value=0.0, max_value=100.0, step=0.01, format="%.2f", width=70
            ),
            "得分": st.column_config.NumberColumn(
                "得分",
                min_value=0.0,
                max_value=100.0,
                step=0.01,
                format="%.2f",
                width=70,
                help="改动实际完成值或分值后自动取计算得分；手工填写的得分保留，并在下方提示差异。",
            ),
            COMPUTED_COLUMN: st.column_config.NumberColumn(
                COMPUTED_COLUMN, format="%.2f", width=80, help="按评分规则计算的得分"
            ),
            "偏差原因分析及改进措施": st.column_config.TextColumn("偏差原因分析及改进措施", width="large"),
        },
    )


def _differences(result, session) -> None:
    """Typed 得分 the rules disagree with, and the one click that takes the computed scores."""
    if not result.differences:
        return
    card = result.card
    lines = "；".join(
        f"第 {r + 1} 行「{plain(card.indicators[r].indicator.name)}」填报 {fmt.points(d)}，计算 {fmt.points(c)}"
        for r, (d, c) in list(result.differences.items())[:6]
    )
    left, right = st.columns([4, 1], vertical_alignment="center")
    left.warning(
        f"有 {len(result.differences)} 行得分与规则计算不一致：{lines}。", icon=":material/difference:"
    )
    if right.button(
        "采用计算得分", key="adopt_computed", icon=":material/published_with_changes:", width="stretch"
    ):
        restart(session, adopt_computed(result.form, card))
        st.rerun()


def _grid_issue_list(card) -> None:
    """Every issue with the grid row and column it concerns, in full (never cut off)."""
    found = grid_issues(card)
    shown = [(i, r, c) for i, r, c in found if i.severity != "info"]
    if not shown:
        st.success("未发现错误或警告。", icon=":material/check_circle:")
        return
    colors = {"error": "red", "warning": "orange"}
    order = {"error": 0, "warning": 1}
    with st.container(border=True):
        st.markdown(f"**问题清单**（{len(shown)} 条，按表格行号）")
        for issue, row, column in sorted(
            shown, key=lambda t: (order.get(t[0].severity, 2), t[1] is None, t[1] or 0)
        ):
            where = f"第 {row + 1} 行 · {column}" if row is not None else "整张表"
            st.markdown(
                f":{colors.get(issue.severity, 'gray')}-badge[{SEVERITY_LABELS[issue.severity]}] "
                f"**{where}**：{plain(issue.message)}"
            )


def _delta(now: float | None, before: float | None) -> str | None:
    if now is None or before is None or abs(now - before) < 0.005:
        return None
    return f"{now - before:+.2f}"


def _drafts(card, form, session) -> None:
    drafts = reason_drafts(card)
    if not drafts:
        return
    st.warning(
        f"有 {len(drafts)} 行失分但未填写偏差原因分析及改进措施，下面是按指标值与实际完成值起草的建议，请修改后填入。",
        icon=":material/edit:",
    )
    with st.expander("建议的偏差原因", expanded=True, icon=":material/lightbulb:"):
        texts = {}
        for row, text in drafts.items():
            ind = card.indicators[row].indicator
            texts[row] = st.text_area(
                f"第 {row + 1} 行 · {plain(ind.level2)} · {plain(ind.name)}"
                f"（得 {fmt.points(card.indicators[row].score)} 分，分值 {fmt.points(ind.weight)}）",
                value=text,
                key=f"draft_{session['gen']}_{row}",
                height=90,
            )
        if st.button("填入以上偏差原因", icon=":material/playlist_add_check:"):
            restart(session, fill_reasons(form, texts))
            st.rerun()


_ui.guarded(main)
