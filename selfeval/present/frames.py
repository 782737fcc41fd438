"""Tables the pages show, built from Scorecards and store frames. Pure pandas, no Streamlit:
column names in Chinese, numbers kept numeric (the pages format them through column_config)."""

from __future__ import annotations

import pandas as pd

from selfeval import fmt
from selfeval.cells import formula_like, neutralise
from selfeval.messages import SEVERITY_LABELS
from selfeval.model import Issue, Scorecard
from selfeval.verdicts import verdict

SEVERITY_ORDER = ("error", "warning", "info")
ORIGIN_LABELS = {"upload": "上传", "editor": "在线编辑", "import": "导入"}
OUTLIER_LABELS = {"over": "超额 ≥ 50%", "missed": "未完成"}


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The frame as a page may hand it to st.dataframe, whose toolbar "Download as CSV" writes cell
    text unchanged: every formula-like text cell (and column label) gets its apostrophe
    (selfeval.cells.neutralise); numbers and everything else stay as they are. A copy."""
    out = df.copy()
    for i in range(out.shape[1]):
        series = out.iloc[:, i]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            risky = series.map(formula_like, na_action="ignore").fillna(False).astype(bool)
            if risky.any():
                out.isetitem(
                    i, series.astype(object).where(~risky, series.map(neutralise, na_action="ignore"))
                )
    out.columns = [neutralise(c) for c in out.columns]
    return out


def indicator_table(card: Scorecard) -> pd.DataFrame:
    """One row per indicator: levels, name, target, actual, weight, declared and computed score,
    the rule and its explanation, the reason and where the row sits in the file."""
    rows = []
    for s in card.indicators:
        ind = s.indicator
        rows.append(
            {
                "一级指标": ind.level1,
                "二级指标": ind.level2,
                "三级指标": ind.name,
                "年度指标值": ind.target,
                "实际完成值": ind.actual,
                "分值": ind.weight,
                "申报得分": ind.declared_score,
                "计算得分": s.score,
                "规则": verdict(s.rule).label,
                "评分说明": s.explanation,
                "偏差原因分析及改进措施": ind.reason,
                "位置": str(ind.loc) if ind.loc is not None else "",
            }
        )
    return pd.DataFrame(rows, columns=INDICATOR_COLUMNS)


INDICATOR_COLUMNS = [
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
    "实际完成值",
    "分值",
    "申报得分",
    "计算得分",
    "规则",
    "评分说明",
    "偏差原因分析及改进措施",
    "位置",
]


def funds_table(card: Scorecard) -> pd.DataFrame:
    """资金使用情况: each line's amounts (元); the total line also carries weight, rate and score."""
    f = card.form.funds
    rows = []
    for i, line in enumerate((f.total, *f.parts)):
        rows.append(
            {
                "项目": line.label or ("年度资金总额" if i == 0 else ""),
                "年初预算数（元）": line.initial_budget,
                "全年预算数（元）": line.annual_budget,
                "全年执行数（元）": line.executed,
                "分值": card.budget_weight if i == 0 else None,
                "执行率（%）": card.rate if i == 0 else None,
                "得分": card.budget_score if i == 0 else None,
            }
        )
    return pd.DataFrame(rows)


def issues_by_severity(issues: tuple[Issue, ...] | list[Issue]) -> dict[str, list[Issue]]:
    """Issues grouped error, warning, info (only the groups that have any), in their found order."""
    groups: dict[str, list[Issue]] = {}
    for sev in SEVERITY_ORDER:
        found = [i for i in issues if i.severity == sev]
        if found:
            groups[sev] = found
    return groups


def issues_table(issues: tuple[Issue, ...] | list[Issue]) -> pd.DataFrame:
    rank = {s: n for n, s in enumerate(SEVERITY_ORDER)}
    ordered = sorted(issues, key=lambda i: rank.get(i.severity, 9))
    return pd.DataFrame(
        [
            {
                "级别": SEVERITY_LABELS.get(i.severity, i.severity),
                "位置": i.location,
                "说明": i.message,
                "代码": i.code,
            }
            for i in ordered
        ],
        columns=["级别", "位置", "说明", "代码"],
    )


def outliers_table(outliers: pd.DataFrame) -> pd.DataFrame:
    """Target-setting panel rows: project, indicator, target, actual, actual/target and the status."""
    if outliers.empty:
        return pd.DataFrame(
            columns=[
                "状态",
                "项目",
                "实施单位",
                "三级指标",
                "年度指标值",
                "实际完成值",
                "完成倍数",
                "分值",
                "得分",
            ]
        )
    return pd.DataFrame(
        {
            "状态": outliers["status"].map(OUTLIER_LABELS).fillna(outliers["status"]),
            "项目": outliers["project_name"],
            "实施单位": outliers["unit"],
            "三级指标": outliers["name"],
            "年度指标值": outliers["target"],
            "实际完成值": outliers["actual"],
            "完成倍数": outliers["achievement"].astype(float).round(2),
            "分值": outliers["weight"],
            "得分": outliers["score"],
        }
    ).reset_index(drop=True)


def history_table(history: pd.DataFrame) -> pd.DataFrame:
    if history.empty:
        return history
    return pd.DataFrame(
        {
            "版本": history["version"],
            "提交时间": history["submitted_at"].map(fmt.local_time),
            "提交人": history["submitted_by"].fillna("").replace("", "—"),
            "来源": history["origin"].map(ORIGIN_LABELS).fillna(history["origin"]),
            "文件": history["source_name"],
            "总分": history["total"],
            "等级": history["grade"],
            "错误": history["errors"],
            "警告": history["warnings"],
            "现行": history["current"].map({True: "是", False: ""}),
        }
    )


def projects_table(projects: pd.DataFrame) -> pd.DataFrame:
    """Every project of a scope, one row each (总览's Excel export)."""
    return pd.DataFrame(
        {
            "项目编码": projects["project_code"],
            "项目名称": projects["project_name"],
            "年度": projects["year"],
            "实施单位": projects["unit"],
            "总分": projects["total"],
            "等级": projects["grade"],
            "预算执行率（%）": projects["rate"],
            "全年预算数（万元）": pd.to_numeric(projects["budget"], errors="coerce") / 10_000,
            "全年执行数（万元）": pd.to_numeric(projects["executed"], errors="coerce") / 10_000,
            "错误": projects["errors"],
            "警告": projects["warnings"],
        }
    )
