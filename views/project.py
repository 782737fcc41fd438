"""项目详情, read top-down: who and how much, where the points were lost (with the rule's explanation
and the form's reason beside each), the breakdown, funds, goals, the indicators (不适用 rows folded
away), issues in plain Chinese (codes and source cells behind "技术细节"), review, and the version
history with what changed between versions. Exports the page as an A4 PDF and its tables as Excel."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from selfeval import fmt
from selfeval.model import Scorecard
from selfeval.names import fit
from selfeval.present import charts
from selfeval.present.frames import ORIGIN_LABELS, history_table, indicator_table
from selfeval.present.insights import loss_parts
from selfeval.present.markdown import plain
from selfeval.present.places import plain_issues
from selfeval.present.printouts import funds_wan, project_page, project_tables
from selfeval.present.versions import version_diff
from views import _report, _review_ui, _sidebar, _ui
from views._picker import CHOSEN, choose, pick_current_project


def main() -> None:
    who = _ui.require_page("project")
    st.title("项目详情")
    if _ui.store().is_empty():
        _ui.empty_state()
        return
    year, unit = _sidebar.filters()
    s = _ui.store()
    total = _ui.cached(s.project_count, year, unit)  # the scope's projects are searched, never all loaded
    if not total:
        _ui.empty_state("所选年度与单位尚无项目，请调整左侧筛选。")
        return
    _follow_link()
    sid = pick_current_project(year, unit, "project_pick", total)
    if sid is None:
        return
    row = _ui.cached(s.project_row, int(sid)).iloc[0]
    st.query_params.update({"code": row["project_code"], "year": row["year"]})
    card = _ui.store().load_scorecard(int(sid))
    _review_ui.state_line(int(sid))
    _show_card(card, row)
    _exports(card, int(sid))
    _review_ui.project_review(int(sid), row["project_code"], row["year"])
    _history(who, row, card)


def _follow_link() -> None:
    """A link (from 总览, a to-do list or a bookmark: ?code=…&year=…) names the project to show; the
    page writes back the one it shows, so the same address shows the same project again."""
    code, in_year = st.query_params.get("code"), st.query_params.get("year", "")
    if code and (code, in_year) != st.session_state.get(CHOSEN):
        choose(code, in_year)


def _show_card(card: Scorecard, row=None, *, key: str = "current") -> None:
    form = card.form
    h, funds = form.header, form.funds
    st.subheader(plain(h.project_name) or "（未命名项目）")
    verification = getattr(card, "verification_label", None)
    st.markdown(
        f"项目编码 {plain(h.project_code) or '—'} · 绩效自评年度 {plain(h.year) or '—'} · "
        f"实施单位 {plain(h.unit) or '—'} · 一级预算单位 {plain(h.budget_unit) or '—'}　"
        f"{_ui.grade_badge(card.grade)}" + (f" :gray-badge[{verification}]" if verification else "")
    )
    if row is not None:
        st.caption(
            f"现行版本：{fmt.local_time(row['submitted_at'])} 由 {plain(row['submitted_by']) or '—'} 提交，"
            f"来源文件 {plain(row['source_name'])}，共 {int(row['versions'])} 个版本"
        )
    profile_note = f"评分规则：{_sidebar.profile_title(card.profile)}" + (
        "（按原表分值自动选择）" if getattr(card, "profile_auto", False) else ""
    )
    st.caption(profile_note)
    budget, executed = funds.total.annual_budget, funds.total.executed
    cols = st.columns(5)
    cols[0].metric(
        "总分",
        fmt.points(card.total),
        _ui.score_delta(card.total, form.declared_total),
        border=True,
        delta_color="off",
    )
    cols[1].metric("等级", card.grade or "未定级", border=True)
    cols[2].metric("预算执行率", fmt.pct(card.rate), border=True)
    cols[3].metric("全年预算数（万元）", fmt.wan_number(budget), border=True, help=fmt.yuan(budget))
    cols[4].metric("全年执行数（万元）", fmt.wan_number(executed), border=True, help=fmt.yuan(executed))
    reasons = getattr(card, "verification_reasons", ()) or ()
    if reasons:
        st.info(
            f"核验状态：**{verification}**。" + "；".join(plain(r) for r in reasons),
            icon=":material/help:",
        )

    _lost_points(card, key)
    st.altair_chart(charts.score_breakdown(charts.breakdown_frame(card)), width="stretch")

    st.markdown("#### 资金使用情况（万元）")
    if funds.money_unit != "元":
        st.caption(f"原表金额单位为{funds.money_unit}。")
    _ui.dataframe(
        funds_wan(card),
        hide_index=True,
        placeholder="—",
        width="stretch",
        column_config={
            "年初预算数": _ui.money_column("年初预算数"),
            "全年预算数": _ui.money_column("全年预算数"),
            "全年执行数": _ui.money_column("全年执行数"),
            "分值": _ui.points_column("分值"),
            "执行率": _ui.rate_column("执行率"),
            "得分": _ui.points_column("得分"),
        },
        key=f"funds_{key}",
    )
    st.markdown("#### 项目目标完成情况")
    left, right = st.columns(2, gap="large")
    for col, title, text in (
        (left, "预期目标", form.goals.expected),
        (right, "实际完成情况", form.goals.achieved),
    ):
        with col:
            st.markdown(f"**{title}**")
            with st.container(height=180, border=True):
                st.text(text or "—")
    _indicators(card, key)
    st.markdown("#### 问题")
    _issues(card, key)


def _lost_points(card: Scorecard, key: str) -> None:
    """Where the points went, biggest loss first, with the rule's explanation and the reason."""
    st.markdown("#### 失分情况")
    parts = loss_parts(card)
    if parts.empty:
        st.success("各项均得满分。", icon=":material/check_circle:")
        return
    lost = pd.to_numeric(parts["lost"], errors="coerce").sum()
    st.caption(f"共失 {fmt.points(lost)} 分，按失分多少排列；每行列出评分依据和原表的偏差原因。")
    table = pd.DataFrame(
        {
            "指标": [
                p if l2 in ("", p) else f"{l2}｜{p}"
                for p, l2 in zip(parts["part"], parts["level2"], strict=True)
            ],
            "失分": parts["lost"],
            "得分 / 分值": [
                f"{fmt.points(s)} / {fmt.points(w)}"
                for s, w in zip(parts["score"], parts["weight"], strict=True)
            ],
            "评分说明": parts["explanation"],
            "偏差原因分析及改进措施": parts["reason"].replace("", "（原表未填写）").fillna("—"),
        }
    )
    with st.container(key=f"lost_{key}_table"):
        _ui.dataframe(
            table,
            hide_index=True,
            placeholder="—",
            width="stretch",
            row_height=72,
            column_config={
                "指标": st.column_config.TextColumn("指标", width="medium", pinned=True),
                "失分": _ui.points_column("失分"),
                "得分 / 分值": st.column_config.TextColumn("得分 / 分值", width="small"),
                "评分说明": st.column_config.TextColumn("评分说明", width="large"),
                "偏差原因分析及改进措施": st.column_config.TextColumn(
                    "偏差原因分析及改进措施", width="large"
                ),
            },
            key=f"lost_{key}",
        )
    with st.container(key=f"lost_{key}_list"):
        for r in table.itertuples(index=False):
            with st.container(border=True):
                st.markdown(f"**{plain(r[0])}**　失 {fmt.points(r[1])} 分（{r[2]}）")
                st.caption(f"评分说明：{plain(r[3])}")
                st.caption(f"偏差原因：{plain(r[4])}")


def _indicators(card: Scorecard, key: str) -> None:
    """The scored indicators; 不适用 rows folded into an expander."""
    st.markdown("#### 绩效指标")
    table = indicator_table(card).drop(columns=["位置"])
    na = pd.Series([s.indicator.not_applicable for s in card.indicators], dtype=bool)
    unverified = [not getattr(s, "verified", True) for s in card.indicators]
    if any(unverified):  # rows the rules could not check keep their declared score (未核验)
        table.insert(
            table.columns.get_loc("计算得分") + 1, "核验", ["未核验" if u else "" for u in unverified]
        )
    config = {
        "一级指标": st.column_config.TextColumn("一级指标", width=80),
        "二级指标": st.column_config.TextColumn("二级指标", width=100),
        "三级指标": st.column_config.TextColumn("三级指标", width="medium", pinned=True),
        "分值": _ui.points_column("分值"),
        "申报得分": _ui.points_column("申报得分", "原表填报的得分"),
        "计算得分": _ui.points_column("计算得分", "按评分规则重新计算的得分"),
        "评分说明": st.column_config.TextColumn("评分说明", width="large"),
        "偏差原因分析及改进措施": st.column_config.TextColumn("偏差原因分析及改进措施", width="large"),
    }
    _ui.dataframe(
        table[~na.values].reset_index(drop=True),
        hide_index=True,
        placeholder="—",
        width="stretch",
        column_config=config,
        key=f"indicators_{key}",
    )
    if na.any():
        with st.expander(
            f"不适用的指标（{int(na.sum())} 行，分值 0、得分 0）", icon=":material/unfold_more:"
        ):
            _ui.dataframe(
                table[na.values][["一级指标", "二级指标", "三级指标"]].reset_index(drop=True),
                hide_index=True,
                placeholder="—",
                width="stretch",
                key=f"na_{key}",
            )


def _issues(card: Scorecard, key: str) -> None:
    """Issues in plain Chinese with their place in words; codes and source cells on request."""
    table = plain_issues(card)
    if table.empty:
        st.success("未发现问题。", icon=":material/check_circle:")
        return
    counts = table["级别"].value_counts()
    st.markdown(
        "，".join(f"{level} {int(counts[level])} 条" for level in ("错误", "警告", "提示") if level in counts)
    )
    technical = st.toggle("技术细节", key=f"tech_{key}", help="显示问题代码和原表中的单元格或行号。")
    leaders = table if technical else table[table["级别"] != "提示"]
    if leaders.empty:
        st.caption("只有读取时的提示（如单元格错位已自动对齐），打开“技术细节”查看。")
        return
    _ui.dataframe(
        leaders if technical else leaders.drop(columns=["代码", "原表位置"]),
        hide_index=True,
        placeholder="—",
        width="stretch",
        column_config={"说明": st.column_config.TextColumn("说明", width="large")},
        key=f"issues_{key}_{'tech' if technical else 'plain'}",
    )


def _exports(card: Scorecard, sid: int) -> None:
    """This project as an A4 PDF for a meeting, its tables as Excel, and the report draft."""
    from selfeval.present import exports
    from selfeval.template import template_filename

    stem = template_filename(card.form)[: -len(".xlsx")]
    with st.container(key="project_exports"):
        c1, c2, c3 = st.columns(3)
        c1.download_button(
            "导出 PDF（A4）",
            data=lambda: exports.page_pdf(project_page(card)),
            file_name=fit(stem, "_项目详情.pdf"),
            mime=exports.PDF_MIME,
            icon=":material/picture_as_pdf:",
            on_click="ignore",
            key="export_project_pdf",
            width="stretch",
        )
        c2.download_button(
            "导出表格（Excel）",
            data=lambda: exports.tables_xlsx(project_tables(card)),
            file_name=fit(stem, "_项目详情.xlsx"),
            mime=exports.XLSX_MIME,
            icon=":material/table_view:",
            on_click="ignore",
            key="export_project_xlsx",
            width="stretch",
        )
        with c3:
            _report.project_download(card, sid)


def _history(who, row, current: Scorecard) -> None:
    st.markdown("#### 提交历史")
    if not row["project_code"]:
        st.caption("该表没有项目编码，无法关联其他版本。")
        return
    history = _ui.cached(_ui.store().project_history, row["project_code"], row["year"])
    _ui.dataframe(
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
        int(sid): f"第 {v} 版（{fmt.local_time(at)}，{ORIGIN_LABELS.get(o, o)}）"
        for sid, v, at, o in zip(
            history["submission_id"],
            history["version"],
            history["submitted_at"],
            history["origin"],
            strict=True,
        )
    }
    earlier = [sid for sid, cur in zip(history["submission_id"], history["current"], strict=True) if not cur]
    pick = st.selectbox(
        "查看早先版本", [int(s) for s in earlier][::-1], format_func=versions.get, key="history_pick"
    )
    if pick is None:
        return
    with st.expander(f"{versions[pick]} 的内容", expanded=True, icon=":material/history:"):
        old = _ui.store().load_scorecard(pick)
        diff = version_diff(old, current)
        st.markdown(f"**与现行版本相比的改动**（{len(diff)} 处）")
        if diff.empty:
            st.caption("内容与现行版本相同。")
        else:
            _ui.dataframe(
                diff.rename(columns={"本版本": "现行版本"}),
                hide_index=True,
                width="stretch",
                column_config={
                    "字段": st.column_config.TextColumn("字段", width="medium"),
                    "早先版本": st.column_config.TextColumn("早先版本", width="large"),
                    "现行版本": st.column_config.TextColumn("现行版本", width="large"),
                },
                key=f"diff_{pick}",
            )
        cols = st.columns(3)
        cols[0].metric("总分", fmt.points(old.total))
        cols[1].metric("等级", old.grade or "—")
        cols[2].metric("预算执行率", fmt.pct(old.rate))
        if _ui.allowed("restore"):
            if st.button("恢复为现行版本", key=f"restore_{pick}", icon=":material/restore:"):
                try:
                    _ui.store().restore_version(pick, submitted_by=who.name)
                except Exception as exc:
                    st.error(f"恢复失败：{plain(exc)}")
                else:
                    _ui.invalidate()
                    choose(current.form.header.project_code, current.form.header.year)  # its new version
                    st.toast(f"已将{versions[pick]}恢复为现行版本。", icon=":material/check:")
                    st.rerun()
        else:
            st.caption("只有管理员可以恢复早先版本。")


_ui.guarded(main)
