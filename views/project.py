"""项目详情: one project's header, funds, score breakdown, goals, indicators, issues and history."""

from __future__ import annotations

import streamlit as st

from selfeval import charts, fmt
from selfeval.model import Scorecard
from views import _report, _review_ui, _ui
from views._frames import (
    ORIGIN_LABELS,
    funds_table,
    history_table,
    project_label,
)


def main() -> None:
    who = _ui.require_page("project")
    st.title("项目详情")
    if _ui.store().is_empty():
        _ui.empty_state()
        return
    year, unit = _ui.filters()
    projects = _ui.query("project_scores", year, unit)
    if projects.empty:
        _ui.empty_state("所选年度与单位尚无项目，请调整左侧筛选。")
        return
    ids = projects["submission_id"].tolist()
    labels = {int(r["submission_id"]): project_label(r) for _, r in projects.iterrows()}
    wanted = _from_query(projects)
    if wanted is not None and st.session_state.get("_project_from_query") != wanted:
        st.session_state["project_pick"] = wanted  # a link from the dashboard chose this project
        st.session_state["_project_from_query"] = wanted
    if "_project_pending" in st.session_state:  # set by a restore: the new current version
        st.session_state["project_pick"] = st.session_state.pop("_project_pending")
    if st.session_state.get("project_pick") not in ids:
        st.session_state["project_pick"] = ids[0]
    sid = st.selectbox("选择项目", ids, key="project_pick", format_func=lambda i: labels.get(i, str(i)))
    row = projects[projects["submission_id"] == sid].iloc[0]
    st.query_params.update({"code": row["project_code"], "year": row["year"]})
    card = _ui.store().load_scorecard(int(sid))
    _report.project_download(card, int(sid))
    _show_card(card, row)
    _review_ui.project_review(int(sid), row["project_code"], row["year"])
    _history(who, row)


def _from_query(projects) -> int | None:
    code, year = st.query_params.get("code"), st.query_params.get("year")
    if not code:
        return None
    match = projects[(projects["project_code"] == code) & ((projects["year"] == year) if year else True)]
    return int(match["submission_id"].iloc[0]) if len(match) else None


def _show_card(card: Scorecard, row=None, *, key: str = "current") -> None:
    form = card.form
    h, funds = form.header, form.funds
    st.subheader(h.project_name or "（未命名项目）")
    st.markdown(
        f"项目编码 `{h.project_code or '—'}` · 绩效自评年度 {h.year or '—'} · 实施单位 {h.unit or '—'} · "
        f"一级预算单位 {h.budget_unit or '—'}　{_ui.grade_badge(card.grade)}"
    )
    if row is not None:
        st.caption(
            f"现行版本：{row['submitted_at']:%Y-%m-%d %H:%M} 由 {row['submitted_by'] or '—'} 提交，"
            f"来源文件 {row['source_name']}，共 {int(row['versions'])} 个版本"
        )
    cols = st.columns(5)
    cols[0].metric(
        "总分",
        fmt.points(card.total),
        _ui.score_delta(card.total, form.declared_total),
        border=True,
        delta_color="off",
    )
    cols[1].metric("等级", card.grade or "—", border=True)
    cols[2].metric("预算执行率", fmt.pct(card.rate), border=True)
    budget, executed = funds.total.annual_budget, funds.total.executed
    cols[3].metric(
        "全年预算数（万元）",
        fmt.number(budget / 10_000) if budget is not None else "—",
        border=True,
        help=fmt.yuan(budget),
    )
    cols[4].metric(
        "全年执行数（万元）",
        fmt.number(executed / 10_000) if executed is not None else "—",
        border=True,
        help=fmt.yuan(executed),
    )

    st.markdown("#### 资金使用情况")
    if funds.money_unit != "元":
        st.caption(f"原表金额单位为{funds.money_unit}，此处统一换算为元。")
    st.dataframe(
        funds_table(card),
        hide_index=True,
        placeholder="—",
        width="stretch",
        column_config={
            "年初预算数（元）": _ui.money_column("年初预算数（元）"),
            "全年预算数（元）": _ui.money_column("全年预算数（元）"),
            "全年执行数（元）": _ui.money_column("全年执行数（元）"),
            "分值": _ui.points_column("分值"),
            "执行率（%）": _ui.rate_column("执行率（%）"),
            "得分": _ui.points_column("得分"),
        },
        key=f"funds_{key}",
    )

    st.altair_chart(charts.score_breakdown(charts.breakdown_frame(card)), width="stretch")
    st.markdown("#### 项目目标完成情况")
    left, right = st.columns(2, gap="large")
    for col, title, text in (
        (left, "预期目标", form.goals.expected),
        (right, "实际完成情况", form.goals.achieved),
    ):
        with col:
            st.markdown(f"**{title}**")
            with st.container(height=180, border=True):
                st.write(text or "—")
    st.markdown("#### 绩效指标")
    _ui.indicator_grid(card, key=key)
    st.markdown("#### 问题")
    _ui.show_issues(card.issues, key=key)


def _history(who, row) -> None:
    st.markdown("#### 提交历史")
    if not row["project_code"]:
        st.caption("该表没有项目编码，无法关联其他版本。")
        return
    history = _ui.query("project_history", row["project_code"], row["year"])
    st.dataframe(
        history_table(history),
        hide_index=True,
        placeholder="—",
        width="stretch",
        column_config={"总分": _ui.points_column("总分")},
    )
    if len(history) < 2:
        st.caption("只有一个版本。")
        return
    versions = {
        int(r["submission_id"]): f"第 {r['version']} 版（{r['submitted_at']:%Y-%m-%d %H:%M}，"
        f"{ORIGIN_LABELS.get(r['origin'], r['origin'])}）"
        for _, r in history.iterrows()
    }
    earlier = [sid for sid, cur in zip(history["submission_id"], history["current"], strict=True) if not cur]
    pick = st.selectbox(
        "查看早先版本", [int(s) for s in earlier][::-1], format_func=versions.get, key="history_pick"
    )
    if pick is None:
        return
    with st.expander(f"{versions[pick]} 的内容", expanded=True, icon=":material/history:"):
        old = _ui.store().load_scorecard(pick)
        cols = st.columns(3)
        cols[0].metric("总分", fmt.points(old.total))
        cols[1].metric("等级", old.grade or "—")
        cols[2].metric("预算执行率", fmt.pct(old.rate))
        _ui.indicator_grid(old, key=f"old_{pick}")
        _ui.show_issues(old.issues, expanded=False, key=f"old_{pick}")
        if _ui.allowed("restore"):
            if st.button("恢复为现行版本", key=f"restore_{pick}", icon=":material/restore:"):
                try:
                    new_id = _ui.store().restore_version(pick, submitted_by=who.name)
                except Exception as exc:
                    st.error(f"恢复失败：{exc}")
                else:
                    _ui.invalidate()
                    st.session_state["_project_pending"] = new_id
                    st.toast(f"已将{versions[pick]}恢复为现行版本。", icon=":material/check:")
                    st.rerun()
        else:
            st.caption("只有管理员可以恢复早先版本。")


_ui.guarded(main)
