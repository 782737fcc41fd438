"""总览: the leadership dashboard over the current forms of the chosen year and unit."""

from __future__ import annotations

import streamlit as st

from selfeval import charts, fmt
from selfeval.store import GRADES
from views import _report, _review_ui, _ui
from views._frames import lowest_table, outliers_table

LOWEST_KEY = "lowest_pick"
MAX_BARS = 30


def main() -> None:
    _ui.require_page("overview")
    st.title("总览")
    _review_ui.figures_basis()
    year, unit = _ui.filters()
    if _ui.store().is_empty():
        _ui.empty_state()
        return
    projects = _ui.query("project_scores", year, unit)
    if projects.empty:
        _ui.empty_state("所选年度与单位尚无数据，请调整左侧筛选，或先上传自评表。")
        return
    summary = _ui.query("portfolio_summary", year, unit)
    st.caption(f"年度：{year or '全部'} · 实施单位：{unit or '全部'} · 每个项目取最新提交的现行版本")
    _report.unit_download(year, unit)

    budget, executed = summary["budget"].sum(), summary["executed"].sum()
    rate = 100 * executed / budget if budget else None
    mean = projects["total"].mean()
    cols = st.columns(5)
    cols[0].metric("项目数", fmt.count(len(projects)), border=True)
    cols[1].metric("全年预算数（万元）", fmt.number(budget / 10_000), border=True, help=fmt.yuan(budget))
    cols[2].metric("全年执行数（万元）", fmt.number(executed / 10_000), border=True, help=fmt.yuan(executed))
    cols[3].metric("预算执行率", fmt.pct(rate), border=True)
    cols[4].metric("平均得分", fmt.points(mean), border=True)
    grade_cols = st.columns(4)
    for col, grade in zip(grade_cols, GRADES, strict=True):
        n = int(summary[grade].sum()) if grade in summary else 0
        col.metric(f"等级“{grade}”", f"{n} 个", border=True, help=_GRADE_HELP[grade])

    many = len(projects) > MAX_BARS  # one bar per project stops being readable (and fast) beyond this
    st.altair_chart(
        charts.budget_vs_executed(projects.nlargest(MAX_BARS, "budget") if many else projects),
        width="stretch",
    )
    if many:
        st.caption(f"共 {fmt.count(len(projects))} 个项目，图中显示全年预算数最大的 {MAX_BARS} 个。")
    left, right = st.columns(2, gap="large")
    with left:
        st.altair_chart(
            charts.execution_rate(projects.nsmallest(MAX_BARS, "rate") if many else projects), width="stretch"
        )
        if many:
            st.caption(f"图中显示执行率最低的 {MAX_BARS} 个项目。")
    with right:
        st.altair_chart(charts.score_distribution(projects), width="stretch")
        st.altair_chart(charts.points_lost(_ui.query("points_lost", year, unit)), width="stretch")
    all_years = _ui.query("portfolio_summary", None, unit)
    if all_years["year"].nunique() > 1:
        st.altair_chart(charts.year_over_year(all_years), width="stretch")

    st.subheader("得分最低的项目")
    st.caption("点击一行查看项目详情。")
    _lowest(lowest_table(projects))

    st.subheader("指标值设置检查")
    st.caption(
        "实际完成值达到年度指标值 1.5 倍及以上（指标值可能设置偏低），或未达到指标值的正向定量指标——审计常问“指标值设置不合理”。"
    )
    outliers = outliers_table(_ui.query("target_outliers", year, unit))
    if outliers.empty:
        st.success("没有超额 50% 以上或未完成的定量指标。", icon=":material/check_circle:")
    else:
        over = int((outliers["状态"] == "超额 ≥ 50%").sum())
        st.markdown(f"超额 ≥ 50%：**{over}** 项　未完成：**{len(outliers) - over}** 项")
        st.dataframe(
            outliers,
            hide_index=True,
            placeholder="—",
            width="stretch",
            column_config={
                "完成倍数": st.column_config.NumberColumn(
                    "完成倍数", format="%.2f 倍", help="实际完成值 ÷ 年度指标值"
                ),
                "分值": _ui.points_column("分值"),
                "得分": _ui.points_column("得分"),
            },
        )


_GRADE_HELP = {"优": "总分 ≥ 90", "良": "80 ≤ 总分 < 90", "中": "60 ≤ 总分 < 80", "差": "总分 < 60"}


def _lowest(table) -> None:
    """The lowest-scoring projects; selecting a row opens its detail page."""
    generation = st.session_state.get("lowest_gen", 0)
    shown = table.drop(columns=["submission_id"]).rename(
        columns={
            "project_code": "项目编码",
            "year": "年度",
            "project_name": "项目名称",
            "unit": "实施单位",
            "total": "总分",
            "grade": "等级",
            "rate": "执行率",
            "budget": "全年预算数（元）",
            "executed": "全年执行数（元）",
            "errors": "错误",
            "warnings": "警告",
        }
    )
    event = st.dataframe(
        shown,
        hide_index=True,
        placeholder="—",
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key=f"{LOWEST_KEY}_{generation}",
        column_order=[
            "项目名称",
            "总分",
            "等级",
            "执行率",
            "全年预算数（元）",
            "全年执行数（元）",
            "错误",
            "警告",
            "项目编码",
            "年度",
        ],
        column_config={
            "总分": _ui.points_column("总分"),
            "执行率": _ui.rate_column(),
            "全年预算数（元）": _ui.money_column("全年预算数（元）"),
            "全年执行数（元）": _ui.money_column("全年执行数（元）"),
        },
    )
    rows = event.selection.rows if event is not None and hasattr(event, "selection") else []
    if rows:
        picked = table.iloc[rows[0]]
        st.session_state["lowest_gen"] = generation + 1
        st.switch_page(
            _ui.PAGES["project"].path, query_params={"code": picked["project_code"], "year": picked["year"]}
        )
    with st.expander("快速跳转", icon=":material/link:"):
        for _, row in table.head(5).iterrows():
            st.page_link(
                _ui.PAGES["project"].path,
                label=f"{row['project_name']} — {fmt.points(row['total'])} 分（{row['grade'] or '未定级'}）",
                query_params={"code": row["project_code"], "year": row["year"]},
                icon=":material/arrow_forward:",
            )


_ui.guarded(main)
_ui.guarded(lambda: _review_ui.organisation_view(*_ui.filters()))
