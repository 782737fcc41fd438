"""What the PDF and Excel exports of 总览 and 项目详情 hold, built without Streamlit so that tests
(and a look at the rendered page) see exactly what a user downloads."""

from __future__ import annotations

import pandas as pd

from selfeval import fmt
from selfeval.model import Scorecard
from selfeval.present import charts, exports
from selfeval.present.frames import funds_table, indicator_table
from selfeval.present.insights import loss_parts
from selfeval.present.places import plain_issues

MAX_BARS = 30


def funds_wan(card: Scorecard) -> pd.DataFrame:
    """资金使用情况 with the amounts in 万元 (leaders read 万元)."""
    table = funds_table(card)
    out = pd.DataFrame({"项目": table["项目"]})
    for col in ("年初预算数", "全年预算数", "全年执行数"):
        out[col] = pd.to_numeric(table[f"{col}（元）"], errors="coerce") / 10_000
    out["分值"], out["执行率"], out["得分"] = table["分值"], table["执行率（%）"], table["得分"]
    return out


def lost_table(card: Scorecard) -> pd.DataFrame:
    parts = loss_parts(card)
    return pd.DataFrame(
        {
            "指标": parts["part"],
            "失分": parts["lost"],
            "得分": parts["score"],
            "分值": parts["weight"],
            "评分说明": parts["explanation"],
            "偏差原因": parts["reason"],
        }
    )


def project_facts(card: Scorecard) -> pd.DataFrame:
    """Which project this is — its code and its unit, never its name alone — and its headline figures."""
    h = card.form.header
    rows = [
        ("项目名称", h.project_name),
        ("项目编码", h.project_code),
        ("实施单位", h.unit),
        ("一级预算单位", h.budget_unit),
        ("绩效自评年度", h.year),
        ("总分", fmt.points(card.total)),
        ("等级", card.grade or "未定级"),
        ("预算执行率", fmt.pct(card.rate)),
        ("核验状态", getattr(card, "verification_label", "") or "—"),
    ]
    return pd.DataFrame(rows, columns=["项目", "内容"])


def project_tables(card: Scorecard) -> dict[str, pd.DataFrame]:
    """项目详情's tables as the Excel export carries them."""
    return {
        "项目信息": project_facts(card),
        "失分情况": lost_table(card),
        "资金使用情况（万元）": funds_wan(card),
        "绩效指标": indicator_table(card).drop(columns=["位置"]),
        "问题": plain_issues(card),
    }


def project_page(card: Scorecard) -> exports.PdfPage:
    """项目详情 on paper: the headline figures, the breakdown chart, lost points, funds, indicators
    (不适用 rows left out) and the issues in plain words."""
    h = card.form.header
    tables = project_tables(card)
    na = [s.indicator.not_applicable for s in card.indicators]
    indicators = tables["绩效指标"][[not x for x in na]]
    issues = tables["问题"]  # reading notes (提示) stay in the Excel export and 技术细节
    return exports.PdfPage(
        title=h.project_name or "（未命名项目）",
        subtitle=f"项目编码 {h.project_code or '—'} · {h.year or '—'} 年度 · {h.unit or '—'}",
        figures=[
            ("总分", fmt.points(card.total)),
            ("等级", card.grade or "未定级"),
            ("预算执行率", fmt.pct(card.rate)),
            ("全年预算数（万元）", fmt.wan_number(card.form.funds.total.annual_budget)),
        ],
        charts=[charts.score_breakdown(charts.breakdown_frame(card))],
        tables=[
            ("失分情况", tables["失分情况"]),
            ("资金使用情况（万元）", tables["资金使用情况（万元）"]),
            (
                "绩效指标",
                indicators[
                    ["三级指标", "年度指标值", "实际完成值", "分值", "计算得分", "偏差原因分析及改进措施"]
                ],
            ),
            ("问题", issues[issues["级别"] != "提示"].drop(columns=["代码", "原表位置"])),
        ],
    )


def overview_page(
    year: str | None,
    scope: str | None,
    sentence: str,
    projects: pd.DataFrame,
    summary: pd.DataFrame,
    lowest: pd.DataFrame,
    outliers: pd.DataFrame,
) -> exports.PdfPage:
    """总览 on paper: the one-sentence answer, the headline figures, the two portfolio charts, the
    weakest projects with their main reason, and the target-setting check. `scope` says which units
    (one unit, or the units the reader sees)."""
    budget, executed = summary["budget"].sum(), summary["executed"].sum()
    return exports.PdfPage(
        title="项目支出绩效自评总览",
        subtitle=f"年度：{year or '全部'} · 实施单位：{scope or '全部'}",
        summary=sentence,
        figures=[
            ("项目数", fmt.count(len(projects))),
            ("平均得分", fmt.points(projects["total"].mean())),
            ("预算执行率", fmt.pct(100 * executed / budget if budget else None)),
            ("全年预算数（万元）", fmt.wan_number(budget)),
        ],
        charts=[
            charts.budget_vs_executed(projects.nlargest(MAX_BARS, "budget")),
            charts.execution_rate(projects.nsmallest(MAX_BARS, "rate")),
        ],
        tables=exports.frames_for_print(
            [
                (
                    "得分最低的项目",
                    lowest.drop(columns=[c for c in ("项目编码", "错误", "警告") if c in lowest]),
                ),
                ("指标值设置检查", outliers),
            ]
        ),
    )
