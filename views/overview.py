"""总览: the leadership dashboard over the current forms of the chosen year and unit — one sentence
that answers "how are we doing", the headline figures, the charts, the weakest projects with their
main reason for lost points (one click opens a project), the target-setting check and exports."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from selfeval import fmt
from selfeval.names import fit, name_part
from selfeval.present import charts
from selfeval.present.frames import outliers_table, projects_table
from selfeval.present.insights import (
    LOW_RATE,
    excluded_note,
    flag_threshold,
    lowest_table,
    main_reason,
    sentence_from,
)
from selfeval.present.markdown import plain
from selfeval.present.printouts import overview_page
from selfeval.present.projects import project_names
from selfeval.profile import AUTO, DEFAULT_PROFILE, load_profile
from selfeval.store import GRADES
from views import _report, _review_ui, _sidebar, _todo, _ui

LOWEST_KEY = "lowest_pick"
LOWEST_ROWS = 10  # the weakest projects listed (their main reason is read from their scorecards)
MAX_BARS = 30
OUTLIER_ROWS = 200  # rows of the target-setting table on the page (all of them in the Excel export)
FLAG_KEY = "flag_rate"
_GRADE_HELP = {"优": "总分 ≥ 90", "良": "80 ≤ 总分 < 90", "中": "60 ≤ 总分 < 80", "差": "总分 < 60"}


def main() -> None:
    who = _ui.require_page("overview")
    st.title("总览")
    year, unit = _sidebar.filters()
    _todo.home(who, year)  # what waits for this person comes first
    s = _ui.store(_review_ui.figures_basis())  # every figure below on the basis the switch shows
    if s.is_empty():
        _ui.empty_state()
        return
    # every figure below is aggregated, ordered and limited in SQL (selfeval/store/overview.py): the
    # page receives a handful of numbers and a few dozen rows, however many forms are stored
    threshold = _threshold()
    counts = _ui.cached(s.overview_counts, year, unit, low_rate=LOW_RATE, flag_rate=threshold)
    if not counts["projects"]:
        _ui.empty_state("所选年度与单位尚无数据，请调整左侧筛选，或先上传自评表。")
        return
    summary = _ui.cached(s.portfolio_summary, year, unit)
    lowest = _ui.cached(s.overview_projects, year, unit, order="total", limit=LOWEST_ROWS)
    reasons = _reasons(s, lowest)
    low_rates = _ui.cached(s.overview_projects, year, unit, order="rate", limit=2, below=LOW_RATE)
    units = sorted(set(summary["unit"]))  # the units this scope covers (all of this person's, or one)
    sentence = sentence_from(
        counts,
        low_rates,
        lowest.head(3),
        reasons,
        low_rate=LOW_RATE,
        flag_rate=threshold,
        with_unit=len(units) > 1,
    )
    scope = unit or ("、".join(units) if 1 < len(units) <= 3 else f"全部（{len(units)} 个单位）")
    st.caption(f"年度：{year or '全部'} · 实施单位：{plain(scope)} · 每个项目取最新提交的现行版本")
    with st.container(border=True, key="overview_summary"):
        st.markdown(f"**结论**　{plain(sentence)}")
    _figures(counts, summary, threshold)
    if note := excluded_note(counts):  # negative amounts or an implausible rate: kept out of every total
        st.caption(note)
    _charts(s, counts["projects"], year, unit)

    st.subheader("得分最低的项目")
    st.caption("点击项目名称或任一单元格，打开该项目的详情。")
    table = lowest_table(lowest, reasons, threshold)
    _lowest(lowest, table)

    st.subheader("指标值设置检查")
    st.caption(
        "实际完成值达到年度指标值 1.5 倍及以上（指标值可能设置偏低），或未达到指标值的正向定量指标——审计常问“指标值设置不合理”。"
    )
    # the table shows the first OUTLIER_ROWS (cut in SQL); the counts are counted in SQL; the Excel
    # export fetches every row only when clicked
    raw_outliers = _ui.cached(s.target_outliers, year, unit, limit=OUTLIER_ROWS)
    outliers = outliers_table(raw_outliers)
    if outliers.empty:
        st.success("没有超额 50% 以上或未完成的定量指标。", icon=":material/check_circle:")
    else:
        counts = _ui.cached(s.outlier_counts, year, unit)
        st.markdown(f"超额 ≥ 50%：**{counts['over']}** 项　未完成：**{counts['missed']}** 项")
        if counts["over"] + counts["missed"] > len(outliers):
            st.caption(
                f"表中列出完成倍数最高的 {len(outliers)} 项；全部 {counts['over'] + counts['missed']} 项见“导出表格（Excel）”。"
            )
        generation = st.session_state.get("outliers_gen", 0)
        event = _ui.dataframe(
            outliers,
            hide_index=True,
            placeholder="—",
            width="stretch",
            on_select="rerun",
            selection_mode=["single-row", "single-cell"],
            key=f"outliers_pick_{generation}",
            column_config={
                "完成倍数": st.column_config.NumberColumn(
                    "完成倍数", format="%.2f 倍", help="实际完成值 ÷ 年度指标值"
                ),
                "分值": _ui.points_column("分值"),
                "得分": _ui.points_column("得分"),
            },
        )
        _open_selected(event, raw_outliers, "outliers_gen")
    _exports(s, year, unit, scope, sentence, summary, table, outliers)


def _threshold() -> float:
    """The execution rate under which a 优/良 grade is flagged: the profile's (if it caps totals by
    execution), adjustable on the page."""
    profile_name = st.session_state.get("profile_name", AUTO)
    if profile_name == AUTO:  # each form its own profile: the preferred one's line, as before
        profile_name = DEFAULT_PROFILE
    try:
        default = flag_threshold(load_profile(profile_name))
    except Exception:
        default = flag_threshold(None)
    st.session_state.setdefault(FLAG_KEY, float(default))
    return float(st.session_state[FLAG_KEY])


def _reasons(s, lowest: pd.DataFrame) -> dict[int, str]:
    """Main reason for lost points of the projects shown (their scorecards read in one go: a fixed
    handful, whatever the size of the store), worked out once per data version (_ui.built)."""
    sids = tuple(int(sid) for sid in lowest["submission_id"])

    def read() -> dict[int, str]:
        cards = _ui.cached(s.load_scorecards, sids)
        reasons = {}
        for sid in sids:
            try:
                reasons[sid] = main_reason(cards[sid])
            except Exception:  # not readable (or no longer visible): the table says so with a dash
                reasons[sid] = "—"
        return reasons

    return _ui.built(s, "reasons", sids, make=read)


def _figures(counts: dict, summary: pd.DataFrame, threshold: float) -> None:
    budget, executed = summary["budget"].sum(), summary["executed"].sum()
    rate = 100 * executed / budget if budget else None
    flagged = counts["flagged"]
    with st.container(key="overview_figures"):
        cols = st.columns(5)
        cols[0].metric("项目数", fmt.count(counts["projects"]), border=True)
        cols[1].metric("平均得分", fmt.points(counts["mean_total"]), border=True)
        cols[2].metric("预算执行率", fmt.pct(rate), border=True)
        cols[3].metric("全年预算数（万元）", fmt.wan_number(budget), border=True, help=fmt.yuan(budget))
        cols[4].metric("全年执行数（万元）", fmt.wan_number(executed), border=True, help=fmt.yuan(executed))
        # only the grades that occur (no row of "0 个"), the ungraded, and the auditor's flag
        tiles = [
            (f"等级“{g}”", f"{int(summary[g].sum())} 个", _GRADE_HELP[g])
            for g in GRADES
            if g in summary and int(summary[g].sum())
        ]
        ungraded = counts["ungraded"]
        if ungraded:
            tiles.append(("未定级", f"{ungraded} 个", "有未评分的指标，或分值合计不合规，总分未核验"))
        tiles.append(
            (
                f"执行率低于 {threshold:g}% 却评优良",
                f"{flagged} 个",
                "预算执行率低但等级为优或良：审计首先会问的项目。预警线可在页面底部“设置”中调整。",
            )
        )
        cols = st.columns(max(len(tiles), 5))  # the same width as the cards above
        for col, (label, value, help_text) in zip(cols, tiles, strict=False):
            col.metric(label, value, border=True, help=help_text)


def _charts(s, n_projects: int, year, unit) -> None:
    """One bar per project stops being readable (and fast) beyond MAX_BARS: the charts show the
    largest budgets and the lowest execution, fetched with LIMIT; the histogram reads counts. Each
    chart is built once per store, principal, data version, basis and scope (_ui.chart)."""
    many = n_projects > MAX_BARS

    def projects(order: str) -> pd.DataFrame:
        return _ui.cached(s.overview_projects, year, unit, order=order, limit=MAX_BARS)

    _ui.chart(
        s,
        "budget",
        year,
        unit,
        make=lambda: charts.budget_vs_executed(projects("budget")),
        width="stretch",
    )
    if many:
        rest = _ui.cached(s.overview_rest, year, unit, top=MAX_BARS)
        st.caption(
            f"共 {fmt.count(n_projects)} 个项目，图中显示全年预算数最大的 {MAX_BARS} 个；"
            f"其余 {fmt.count(rest['projects'])} 个项目合计预算 {fmt.wan_number(rest['budget'])} 万元、"
            f"执行 {fmt.wan_number(rest['executed'])} 万元。"
        )
    left, right = st.columns(2, gap="large")
    with left:
        _ui.chart(
            s, "rate", year, unit, make=lambda: charts.execution_rate(projects("rate")), width="stretch"
        )
        if many:
            st.caption(f"图中显示执行率最低的 {MAX_BARS} 个项目。")
    with right:
        # the histogram from (total, how many) counted in SQL: a few thousand rows, not one a project
        scores = lambda: charts.score_distribution(_ui.cached(s.score_counts, year, unit))  # noqa: E731
        _ui.chart(s, "scores", year, unit, make=scores, width="stretch")
        lost = lambda: charts.points_lost(_ui.cached(s.points_lost, year, unit))  # noqa: E731
        _ui.chart(s, "lost", year, unit, make=lost, width="stretch")
    all_years = _ui.cached(s.portfolio_summary, None, unit)
    if all_years["year"].nunique() > 1:
        _ui.chart(s, "years", None, unit, make=lambda: charts.year_over_year(all_years), width="stretch")


def _lowest(lowest: pd.DataFrame, table: pd.DataFrame) -> None:
    """A table on wide screens, a list of links on phones; one click opens the project."""
    generation = st.session_state.get("lowest_gen", 0)
    with st.container(key="lowest_table"):
        event = _ui.dataframe(
            table,
            hide_index=True,
            placeholder="—",
            width="stretch",
            on_select="rerun",
            selection_mode=["single-row", "single-cell"],
            row_height=52,  # long reasons wrap onto a second line
            key=f"{LOWEST_KEY}_{generation}",
            column_config={
                "项目名称": st.column_config.TextColumn("项目名称", width="medium", pinned=True),
                "实施单位": st.column_config.TextColumn("实施单位", width="medium"),
                "总分": _ui.points_column("总分"),
                "执行率": _ui.rate_column(),
                "需复核": st.column_config.TextColumn(
                    "需复核", width=90, help="预算执行率低于预警线、等级却为优或良（预警线见“导出与设置”）"
                ),
                "主要失分原因": st.column_config.TextColumn("主要失分原因", width="large"),
                "全年预算数（万元）": _ui.money_column("全年预算数（万元）"),
                "全年执行数（万元）": _ui.money_column("全年执行数（万元）"),
            },
        )
    _open_selected(event, lowest, "lowest_gen")
    names = project_names(lowest, with_unit=lowest["unit"].nunique() > 1)
    with st.container(key="lowest_list"):
        for (_, row), name, reason in zip(lowest.iterrows(), names, table["主要失分原因"], strict=True):
            flag = " ⚠" if (table.loc[table["项目编码"] == row["project_code"], "需复核"] != "").any() else ""
            st.page_link(
                _ui.PAGES["project"].path,
                label=f"{plain(name)} — {fmt.points(row['total'])} 分（{row['grade'] or '未定级'}）{flag}",
                query_params={"code": row["project_code"], "year": row["year"]},
                icon=":material/arrow_forward:",
                help=plain(reason),
            )
            st.caption(f"主要失分：{plain(reason)}" + ("；执行率低却评优良，需复核" if flag else ""))


def _open_selected(event, frame: pd.DataFrame, generation_key: str) -> None:
    """A click on a row or any cell of a project table opens that project's detail (the table's
    key moves on, so coming back shows nothing selected)."""
    selection = getattr(event, "selection", None) if event is not None else None
    rows = list(getattr(selection, "rows", []) or [])
    rows += [c[0] for c in (getattr(selection, "cells", []) or [])]
    if not rows or int(rows[0]) >= len(frame):
        return
    picked = frame.iloc[int(rows[0])]
    st.session_state[generation_key] = st.session_state.get(generation_key, 0) + 1
    st.switch_page(
        _ui.PAGES["project"].path, query_params={"code": picked["project_code"], "year": picked["year"]}
    )


def _exports(s, year, unit, scope_text, sentence, summary, table, outliers) -> None:
    """PDF of the page for a meeting, the tables as Excel, and the flag threshold. Every project
    of the scope is fetched only when a download is clicked."""
    from selfeval.present import exports

    st.subheader("导出与设置")
    c1, c2, c3 = st.columns([1, 1, 1.2], vertical_alignment="bottom")
    scope = f"{name_part(year or '全部年度', 20)}_{name_part(unit or '全部单位', 60)}"

    def pdf() -> bytes:
        projects = s.project_scores(year, unit)
        return exports.page_pdf(overview_page(year, scope_text, sentence, projects, summary, table, outliers))

    c1.download_button(
        "导出 PDF（A4，供会议打印）",
        data=pdf,
        file_name=fit(f"自评总览_{scope}", ".pdf"),
        mime=exports.PDF_MIME,
        icon=":material/picture_as_pdf:",
        on_click="ignore",
        key="export_overview_pdf",
        width="stretch",
    )
    c2.download_button(
        "导出表格（Excel）",
        data=lambda: exports.tables_xlsx(
            {
                "全部项目": projects_table(s.project_scores(year, unit)),
                "得分最低的项目": table,
                "指标值设置检查": outliers_table(s.target_outliers(year, unit)),
            }
        ),
        file_name=fit(f"自评总览_{scope}", ".xlsx"),
        mime=exports.XLSX_MIME,
        icon=":material/table_view:",
        on_click="ignore",
        key="export_overview_xlsx",
        width="stretch",
    )
    _report.unit_download(s, year, unit)
    with c3.expander("设置", icon=":material/tune:"):
        st.number_input(
            "执行率预警线（%）",
            min_value=0.0,
            max_value=100.0,
            step=5.0,
            key=FLAG_KEY,
            help="预算执行率低于此值、等级却为优或良的项目标记为“需复核”。按执行率限制总分的评分规则取其最宽的一档。",
        )


_ui.guarded(main)
_ui.guarded(lambda: _review_ui.organisation_view(*_sidebar.filters()))
