"""Every Chinese sentence selfeval shows: Issue messages by code, and UI labels.

The core emits codes and parameters; this module turns them into text, so wording lives in one place.
"""

from __future__ import annotations

from selfeval.model import Issue, Severity

# code -> (severity, template). Templates use str.format with the parameters the emitter passes.
ISSUES: dict[str, tuple[Severity, str]] = {
    # reading
    "FORM_NOT_FOUND": ("error", "未识别到项目支出绩效自评表：找不到“项目编码/项目名称”“资金使用情况”或“年度绩效指标”等标签。"),
    "FUNDS_MISSING": ("error", "缺少“资金使用情况”表（年初预算数/全年预算数/全年执行数），无法可靠评分。"),
    "INDICATORS_MISSING": ("error", "缺少“年度绩效指标”表头或指标行，无法可靠评分。"),
    "HEADER_MISSING": ("error", "缺少项目编码和项目名称，无法识别是哪个项目。"),
    "FIELD_MISSING": ("warning", "缺少“{field}”。"),
    "ROW_SHIFTED": ("info", "该行单元格错位 {offset:+d} 列，已按表头对齐读取。"),
    "ROW_UNREADABLE": ("error", "无法确定该行各列含义（分值、得分不是数字）：{text}"),
    "NUMBER_UNREADABLE": ("error", "“{field}”不是数字：{text}"),
    "LEVEL2_UNKNOWN": ("warning", "该行缺少二级指标名称。"),
    "LEVEL1_INFERRED": ("info", "一级指标由二级指标“{level2}”推定为“{level1}”。"),
    "SHEET_SKIPPED": ("info", "工作表“{sheet}”不是自评表，已跳过。"),
    "RATE_AS_FRACTION": ("info", "执行率 {value} 按小数读取为 {percent}%。"),
    # values and rules
    "VALUE_UNPARSED": ("error", "无法识别{role}“{text}”，该指标未评分，请改为“运算符+数值+单位”或“达成/部分达成/未达成”。"),
    "UNIT_MISMATCH": ("error", "指标值单位“{target_unit}”与实际完成值单位“{actual_unit}”不一致，无法比较，该指标未评分。"),
    "WEIGHT_MISSING": ("error", "缺少分值，该指标无法评分。"),
    "OVER_ACHIEVED": ("info", "实际完成值达到指标值的 {ratio:.0%}（≥ {threshold:.0%}），指标值可能设置偏低。"),
    "OVER_REVIEW": ("warning", "实际完成值达到指标值的 {ratio:.0%}（≥ {threshold:.0%}），须人工复核指标值设置是否合理。"),
    "DATE_LATE": ("warning", "完成时间 {actual} 晚于要求 {target}，按部分达成计分，请人工复核。"),
    "BAND_OUTSIDE": ("error", "申报得分 {declared} 不在规则允许的区间 [{low}, {high}]（{grade}）内。"),
    "BAND_NO_DECLARED": ("warning", "规则给出区间 [{low}, {high}]（{grade}），未填写得分，暂按下限 {low} 计。"),
    # checks (domain.md §4)
    "WEIGHT_LEVEL_SUM": ("error", "“{level1}”下三级指标分值合计 {actual:g}，应为 {expected:g}。"),
    "WEIGHT_TOTAL": ("error", "全部分值（含预算执行率 {budget:g} 分）合计 {actual:g}，应为 100。"),
    "WEIGHT_DECLARED_TOTAL": ("warning", "总分行的分值 {declared:g} 与各项分值合计 {actual:g} 不一致。"),
    "REASON_MISSING": ("error", "得分 {score:g} 低于分值 {weight:g}，必须填写偏差原因分析及改进措施。"),
    "REASON_EMPTY": ("info", "偏差原因为空；得满分时宜填“无”。"),
    "SCORE_RANGE": ("error", "申报得分 {score:g} 超出 0 至分值 {weight:g} 的范围。"),
    "SCORE_MISSING": ("warning", "未填写得分。"),
    "SCORE_MISMATCH": ("error", "申报得分 {declared:g} 与规则计算得分 {computed:g} 不一致。"),
    "NA_NONZERO": ("error", "“不适用”指标的分值和得分应为 0（现为 {weight:g} / {score:g}）。"),
    "OVERSPENT": ("warning", "全年执行数 {executed:,.2f} 元大于全年预算数 {budget:,.2f} 元。"),
    "AMOUNT_NEGATIVE": ("error", "“{field}”为负数：{value:,.2f} 元。"),
    "AMOUNT_MISSING": ("error", "缺少“{field}”，无法计算预算执行率。"),
    "BUDGET_ZERO": ("warning", "全年预算数为 0，执行率按 0 计。"),
    "FUNDS_PARTS_SUM": ("warning", "“{column}”分项合计 {parts:,.2f} 元与年度资金总额 {total:,.2f} 元不一致。"),
    "RATE_MISMATCH": ("error", "申报执行率 {declared:.2f}% 与计算执行率 {computed:.2f}% 不一致。"),
    "BUDGET_SCORE_MISMATCH": ("error", "申报预算执行得分 {declared:g} 与计算得分 {computed:g} 不一致。"),
    "BUDGET_WEIGHT_MISMATCH": ("warning", "资金分值 {declared:g} 与规则的预算执行率分值 {expected:g} 不一致。"),
    "TOTAL_MISMATCH": ("error", "申报总分 {declared:g} 与计算总分 {computed:g} 不一致。"),
    "TOTAL_NOT_SUM": ("warning", "申报总分 {declared:g} 不等于申报各项得分之和 {summed:g}。"),
    "TOTAL_CAPPED": ("info", "执行率 {rate:.2f}% 时总分上限为 {cap:g}，总分由 {raw:g} 调整为 {cap:g}。"),
    "COST_MISMATCH": ("warning", "成本指标实际完成值 {actual} 与全年执行数 {executed:,.2f} 元（{wan:.2f} 万元）不一致。"),
    "RATE_INDICATOR_MISMATCH": ("warning", "指标“{name}”的实际完成值 {actual:.2f}% 与资金执行率 {rate:.2f}% 不一致。"),
    "CODE_FORMAT": ("warning", "项目编码“{code}”不是 21 位数字。"),
    "YEAR_FORMAT": ("warning", "绩效自评年度“{year}”不是四位年份。"),
    "DUPLICATE_CODE": ("warning", "同一批次中项目编码 {code} 出现多次（{count} 次）。"),
}


def issue(code: str, location: object, /, **params: object) -> Issue:
    """Build an Issue with its Chinese message from the code's template."""
    severity, template = ISSUES[code]
    return Issue(code, severity, str(location), template.format(**params))


SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
