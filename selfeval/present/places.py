"""Where an issue is, in words a leader reads ("第 3 行「服务干部人数」的实际完成值", "资金使用情况",
"整张表"), never an Excel cell: each source cell's place in the grid, the column a row-wide issue
concerns, and a card's issues as a table."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from selfeval.messages import SEVERITY_LABELS
from selfeval.model import Issue, Loc, Scorecard
from selfeval.present.frames import SEVERITY_ORDER

# Scorecard cell field -> the grid's column name (Indicator.cells keys, see readers)
FIELD_COLUMNS = {
    "name": "三级指标",
    "target": "年度指标值",
    "actual": "实际完成值",
    "weight": "分值",
    "score": "得分",
    "reason": "偏差原因分析及改进措施",
}


# an issue placed on a whole row concerns this column (REASON_MISSING: the reason, not the name);
# every code here is declared in selfeval.messages.CODES (tests/test_messages.py checks)
CODE_COLUMNS = {
    "REASON_MISSING": "偏差原因分析及改进措施",
    "REASON_EMPTY": "偏差原因分析及改进措施",
    "SCORE_RANGE": "得分",
    "SCORE_MISSING": "得分",
    "SCORE_MISMATCH": "得分",
    "BAND_OUTSIDE": "得分",
    "BAND_NO_DECLARED": "得分",
    "WEIGHT_MISSING": "分值",
    "WEIGHT_RANGE": "分值",
    "WEIGHT_LEVEL_SUM": "分值",
    "WEIGHT_TOTAL": "分值",
    "WEIGHT_DECLARED_TOTAL": "分值",
    "NA_NONZERO": "分值",
    "VALUE_UNPARSED": "实际完成值",
    "VALUE_RANGE": "实际完成值",
    "OVER_ACHIEVED": "实际完成值",
    "OVER_REVIEW": "实际完成值",
    "DATE_LATE": "实际完成值",
    "RATE_MISMATCH": "实际完成值",
    "RATE_INDICATOR_MISMATCH": "实际完成值",
    "RATE_AS_FRACTION": "实际完成值",
}


def issue_column(issue: Issue, column: str) -> str:
    """The grid column an issue concerns: its cell's column, or for an issue placed on a whole row
    the column its code concerns (REASON_MISSING -> 偏差原因分析及改进措施)."""
    if column != "三级指标":
        return column
    return CODE_COLUMNS.get(issue.code, column)


def cell_places(card: Scorecard) -> dict[Loc, tuple[int, str]]:
    """Where each source cell or row shows up in the grid: Loc -> (row index, column name).
    A row's own Loc maps to its name column."""
    places: dict[Loc, tuple[int, str]] = {}
    for i, s in enumerate(card.indicators):
        ind = s.indicator
        if ind.loc is not None:
            places.setdefault(ind.loc, (i, "三级指标"))
        for field, loc in (ind.cells or {}).items():
            if loc is not None and field in FIELD_COLUMNS:
                places.setdefault(loc, (i, FIELD_COLUMNS[field]))
    return places


_HEADER_FIELDS = {
    "project_code": "项目编码",
    "project_name": "项目名称",
    "year": "绩效自评年度",
    "unit": "实施单位",
    "budget_unit": "一级预算单位",
}


def plain_location(issue: Issue, card: Scorecard, places: Mapping[Loc, tuple[int, str]] | None = None) -> str:
    """An issue's place in words a leader reads: "第 3 行「服务干部人数」的实际完成值", "资金使用情况",
    "总分", or "整张表" — never an Excel cell or a text-file line."""
    places = cell_places(card) if places is None else places
    loc = issue.loc
    if loc is None:  # a file's name, a project code: nothing of the form's own places
        return "整张表"
    if loc in places:
        row, column = places[loc]
        column = issue_column(issue, column)
        name = card.indicators[row].indicator.name or "（未命名指标）"
        what = "" if column == "三级指标" else f"的{column}"
        return f"第 {row + 1} 行「{name}」{what}"
    form = card.form
    if loc == form.funds.total.loc or loc in (form.funds.locs or {}).values():
        return "资金使用情况"
    header_fields = {v: k for k, v in (form.header.locs or {}).items()}
    if loc in header_fields:
        return _HEADER_FIELDS.get(header_fields[loc], "表头")
    if loc in (form.locs or {}).values():
        return "总分与一级指标"
    return "整张表"


def plain_issues(card: Scorecard) -> pd.DataFrame:
    """The card's issues for leaders: 级别, 位置 in words, 说明; the code and the source location
    kept in their own columns for the "技术细节" view."""
    rank = {s: n for n, s in enumerate(SEVERITY_ORDER)}
    places = cell_places(card)
    rows = [
        {
            "级别": SEVERITY_LABELS.get(i.severity, i.severity),
            "位置": plain_location(i, card, places),
            "说明": i.message,
            "代码": i.code,
            "原表位置": i.location,
        }
        for i in sorted(card.issues, key=lambda i: rank.get(i.severity, 9))
    ]
    return pd.DataFrame(rows, columns=["级别", "位置", "说明", "代码", "原表位置"])
