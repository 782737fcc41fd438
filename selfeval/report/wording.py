"""Every Chinese sentence of the 自评报告 drafts, and how their numbers are written. What is said
about a rule's verdict (its cause, drafted reason and measure) is in selfeval/verdicts.py, shared
with the pages and the editor.

One place for the wording (beside selfeval/messages.py, which holds the app's messages): the
builders pass figures from the scorecard, these templates turn them into text. Numbers follow the
way published reports print them: 万元 with two decimals, 执行率 98.63%, 得分 98.75 分.

Honesty is enforced here too: the only "fully achieved" sentence is ALL_MET, and the builders use it
only when every applicable row met its target, nothing is unscored or unverified, and the total exists.
"""

from __future__ import annotations

import math

from selfeval import fmt
from selfeval.bounds import round_half_up
from selfeval.verdicts import quote  # noqa: F401  (w.quote: form text in a sentence)

TO_FILL = "【请补充】"
TO_CONFIRM = "【草拟，请确认】"
MARKERS = (TO_FILL, TO_CONFIRM)
MISSING = "未填报"

# phrases a report may use only when every target was met (tests scan for them)
FULL_PHRASES = ("圆满完成", "全面完成", "全部达成", "全部完成", "均达到", "均已完成", "均完成", "全部实现")


# -------------------------------------------------------------------------------------- numbers


def _finite(x: object) -> bool:
    """A finite number: NaN, infinities and non-numbers are never printed (nor raise)."""
    try:
        return math.isfinite(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return False


def wan(amount_yuan: float | None) -> str:
    """An amount stored in 元 written in 万元, two decimals: 345202 -> "34.52"."""
    return fmt.wan_number(amount_yuan) if _finite(amount_yuan) else MISSING


def pct(rate: float | None) -> str:
    """A rate already in percent: 98.63 -> "98.63%"."""
    return fmt.pct(rate) if _finite(rate) else MISSING


def total(points: float | None) -> str:
    """A total or a budget score, two decimals as the forms print it: 98.75."""
    return fmt.points(points) if _finite(points) else "—"


def pts(points: float | None) -> str:
    """A weight or an indicator's score as the form prints it: 12.5, 10, 8.3."""
    return fmt.short(round_half_up(float(points), 2)) if _finite(points) else "—"  # type: ignore[arg-type]


# -------------------------------------------------------------------------------------- titles

PROJECT_TITLE = "{name}项目支出绩效自评报告"
UNIT_TITLE = "{unit}项目支出绩效自评报告（汇总）"
YEAR_LINE = "（{year}年度）"
NO_YEAR_LINE = "（年度未填报）"
DRAFT_NOTE = (
    "本稿由 selfeval 根据自评表和评分规则自动起草，文中数字均取自自评表及按评分规则计算的结果。"
    f"标注{TO_FILL}处须由单位补充，标注{TO_CONFIRM}处为系统草拟，须核实后定稿。"
)
PROFILE_NOTE = "评分规则：{profile}。"

H1 = (
    "一、项目基本情况",
    "二、绩效目标实现情况及自评结论",
    "三、偏差及原因分析",
    "四、改进措施",
    "五、结果应用",
)
H2_BASIC = ("（一）项目概况", "（二）资金投入和使用情况", "（三）绩效目标")
H2_RESULT = ("（一）自评结论", "（二）预算执行情况", "（三）总体目标完成情况", "（四）绩效指标完成情况")
H_ISSUES = "附：自评表检查发现的问题"

UNIT_H1 = (
    "一、基本情况",
    "二、自评结果",
    "三、主要问题及原因分析",
    "四、改进措施",
    "五、结果应用",
)
UNIT_H2_RESULT = ("（一）资金投入和使用情况", "（二）自评等级分布", "（三）各项目自评情况")
UNIT_H2_PROBLEMS = ("（一）得分较低的项目", "（二）失分的共性原因")

# -------------------------------------------------------------------------------------- 项目概况

OVERVIEW = "项目名称：{name}；项目编码：{code}；实施单位：{unit}；一级预算单位：{budget_unit}；绩效自评年度：{year}。"
BACKGROUND = f"项目立项背景、政策依据、主要内容及实施情况：{TO_FILL}"

# -------------------------------------------------------------------------------------- 资金

FUNDS = "{year}项目年初预算数{initial}，全年预算数{budget}，全年执行数{executed}，预算执行率{rate}。"
FUNDS_PART = "{label}：全年预算数{budget}，全年执行数{executed}。"
FUNDS_PARTS_INTRO = "其中，"
FUNDS_RATE_MISSING = "由于全年预算数或全年执行数未填报，无法计算预算执行率。"
FUNDS_ZERO_BUDGET = "全年预算数为 0，预算执行率按 0 计。"
FUNDS_UNIT_NOTE = "原表金额单位为{unit}，本报告统一以万元列示。"
AMOUNT = "{amount}万元"
FUNDS_TABLE_HEAD = ("资金来源", "年初预算数（万元）", "全年预算数（万元）", "全年执行数（万元）")

# -------------------------------------------------------------------------------------- 绩效目标

GOAL_EXPECTED = "年度总体目标（原表“预期目标”）：{text}"
GOAL_EXPECTED_MISSING = f"年度总体目标：原表未填写。{TO_FILL}"
INDICATOR_SETUP = "围绕上述目标，项目设置三级绩效指标 {count} 个（不含“不适用”），其中{groups}。"
INDICATOR_SETUP_GROUP = "{level1} {count} 个、分值 {weight} 分"
INDICATOR_SETUP_NONE = "项目未设置可评价的三级绩效指标（均为“不适用”或未填写）。"

# -------------------------------------------------------------------------------------- 自评结论

CONCLUSION = "经自评，本项目总得分 {total} 分，自评等级为“{grade}”。"
CONCLUSION_NO_GRADE = "经自评，本项目总得分 {total} 分，未评定等级。"
CONCLUSION_NO_TOTAL = (
    "本项目有 {count} 个指标未能按评分规则计算得分，总分无法计算，暂不评定等级；请先补正自评表后再下结论。"
)
CONCLUSION_NO_TOTAL_REASONS = "本项目总分无法核验（{reasons}），暂不评定等级；请先补正自评表后再下结论。"
CONCLUSION_NO_TOTAL_BUDGET = (
    "本项目预算执行率无法计算，总分无法计算，暂不评定等级；请先补正自评表后再下结论。"
)
CONCLUSION_PARTS = "其中，预算执行率得分 {budget_score} 分（分值 {budget_weight} 分）；{groups}。"
CONCLUSION_GROUP = "{level1}得分 {score} 分（分值 {weight} 分）"
CONCLUSION_GROUP_UNSCORED = "{level1}有指标未能评分（分值 {weight} 分）"
DECLARED_DIFFERS = "原表申报总分 {declared} 分，与按评分规则计算的 {computed} 分不一致，请核对。"
ALL_MET = "项目设置的 {count} 个三级指标均达到年度指标值。"
SOME_MISSED = "项目设置的 {count} 个三级指标中，{met} 个达到年度指标值，{missed} 个未达到。"
SOME_MET = "项目设置的 {count} 个三级指标中，{met} 个达到年度指标值。"
SOME_UNSCORED = "另有 {count} 个指标未能按评分规则评分，是否达成无法判断。"
SOME_UNVERIFIED = "另有 {count} 个指标未核验（原表缺少分值或指标值等），保留原表申报得分，须人工核实。"
FORM_PARTLY_VERIFIED = "本表核验状态为“{status}”（{reasons}），总分中未核验部分采用原表申报得分，须人工核实。"
OVER_NOTE = "其中 {count} 个指标实际完成值超过年度指标值较多，按规则扣分（指标值设置偏低）。"
ISSUES_NOTE = "自评表检查发现错误 {errors} 项、警告 {warnings} 项（见附），相关数字请核对后定稿。"
ACHIEVED_CONFLICT = (
    "注意：原表“实际完成情况”的表述与指标完成情况不完全一致（有指标未达到年度指标值或未能评分），请核对。"
)

# -------------------------------------------------------------------------------------- 预算执行

EXECUTION = "预算执行率 {rate}，按评分规则得 {score} 分（分值 {weight} 分）。"
EXECUTION_FULL = "预算执行率 {rate}，得满分 {weight} 分。"
EXECUTION_MISSING = "预算执行率无法计算（全年预算数或全年执行数未填报），预算执行率指标未评分。"

# -------------------------------------------------------------------------------------- 总体目标

ACHIEVED = "实际完成情况（原表填报）：{text}"
ACHIEVED_MISSING = f"实际完成情况：原表未填写。{TO_FILL}"

# -------------------------------------------------------------------------------------- 指标

GROUP_LINE = "{level1}：分值 {weight} 分，得分 {score} 分。"
GROUP_LINE_UNSCORED = "{level1}：分值 {weight} 分，有指标未能评分。"
ROW_LINE = "{level2}“{name}”：年度指标值{target}，实际完成值{actual}，{result}。"
ROW_FULL = "得满分 {weight} 分"
ROW_PART = "得 {score} 分（分值 {weight} 分）"
ROW_UNSCORED = "未能按规则评分"
ROW_UNVERIFIED = "未核验，原表申报得分 {declared} 分"
ROW_NA_COUNT = "另有 {count} 个二级指标为“不适用”（分值 0）。"
TABLE_HEAD = ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因")
TABLE_BUDGET = "预算执行率"
TABLE_TOTAL = "总分"
TABLE_UNSCORED = "未评分"
TABLE_UNVERIFIED = "未核验"

# -------------------------------------------------------------------------------------- 偏差

NO_DEVIATION = "本项目预算执行率和各项绩效指标均得满分，无偏差。"
DEVIATION_INTRO = "本项目共失分 {lost} 分，逐项说明如下。"
DEVIATION_INTRO_UNSCORED = (
    "本项目经规则核验的部分失分 {lost} 分；另有 {count} 个指标未核验或未能评分。逐项说明如下。"
)
DEV_BUDGET = "预算执行率：全年预算数{budget}，全年执行数{executed}，执行率 {rate}，失分 {lost} 分。"
DEV_BUDGET_REASON = f"偏差原因：年度资金未全部支出，结余{{left}}，具体原因{TO_FILL}"
DEV_ROW = "{level2}“{name}”：年度指标值{target}，实际完成值{actual}，失分 {lost} 分。"
DEV_ROW_UNSCORED = "{level2}“{name}”：年度指标值{target}，实际完成值{actual}，未能按评分规则评分。"
DEV_ROW_UNVERIFIED = (
    "{level2}“{name}”：年度指标值{target}，实际完成值{actual}，未核验，保留原表申报得分 {declared} 分。"
)
DEV_UNVERIFIED_WHY = "未核验原因：{why}。"
DEV_RULE = "评分依据：{explanation}。"
DEV_REASON = "偏差原因（原表填报）：{reason}"
DEV_REASON_DRAFT = f"偏差原因：{{reason}}{TO_CONFIRM}"

# -------------------------------------------------------------------------------------- 改进

MEASURE_FROM_FORM = "{name}（原表填报）：{measure}"
NO_MEASURE_NEEDED = f"本项目无失分项。下一步继续做好项目实施和绩效跟踪管理。{TO_FILL}"
ISSUES_MEASURE = "核对自评表检查发现的问题（见附），修正后重新生成本报告。"
DRAFT_MEASURE_LINE = f"{{measure}}{TO_CONFIRM}"

# -------------------------------------------------------------------------------------- 结果应用

RESULT_USE = f"自评结果在完善项目管理、调整下年度预算安排、优化绩效目标设置等方面的应用情况：{TO_FILL}"
RESULT_PUBLIC = f"自评结果的公开情况：{TO_FILL}"

# -------------------------------------------------------------------------------------- 问题清单

ISSUE_LINE = "{severity}（{location}）：{message}"

# -------------------------------------------------------------------------------------- 单位汇总

UNIT_INTRO = "{year}，{unit}共对 {count} 个项目开展绩效自评。"
UNIT_DUTIES = f"单位职能、自评工作组织情况：{TO_FILL}"
UNIT_APPROVED_ONLY = "本汇总只统计审核已通过的版本（各项目最新一次通过审核的版本），未通过审核的项目不计入。"
UNIT_FUNDS = "上述项目全年预算数合计{budget}，全年执行数合计{executed}，预算执行率 {rate}。"
UNIT_FUNDS_NO_RATE = "上述项目全年预算数合计{budget}，全年执行数合计{executed}，预算执行率无法计算。"
UNIT_FUNDS_MISSING = "其中 {count} 个项目的全年预算数或全年执行数未填报，未计入合计。"
UNIT_GRADES = "自评等级为“优”的 {a} 个，“良”的 {b} 个，“中”的 {c} 个，“差”的 {d} 个。"
UNIT_UNGRADED = "另有 {count} 个项目总分无法计算，未评定等级。"
UNIT_MEAN = "已计算总分的 {count} 个项目平均得分 {mean} 分。"
UNIT_PARTIAL = "其中 {count} 个项目核验状态为“部分核验”，总分含未核验指标的原表申报得分，须人工核实。"
UNIT_NO_MEASURE = f"各项目均无失分项。下一步继续做好项目实施和绩效跟踪管理。{TO_FILL}"
UNIT_TABLE_HEAD = ("项目名称", "全年预算数（万元）", "全年执行数（万元）", "执行率", "得分", "等级")
UNIT_WEAKEST = "得分最低的 {count} 个项目如下："
UNIT_WEAK_LINE = "{name}：得分 {total} 分，等级“{grade}”。{lost}"
UNIT_WEAK_UNSCORED = "{name}：总分无法计算，未评定等级。{lost}"
UNIT_WEAK_LOST = "主要失分项：{items}。"
UNIT_WEAK_ITEM = "{name}失分 {lost} 分"
UNIT_WEAK_NONE = "无失分项。"
UNIT_CAUSES_INTRO = "按失分原因归类如下："
UNIT_CAUSE_LINE = "{cause}：涉及 {projects} 个项目、{rows} 项指标，合计失分 {lost} 分。"
UNIT_CAUSE_UNSCORED = "{cause}：涉及 {projects} 个项目、{rows} 项指标。"
UNIT_CAUSES_TABLE_HEAD = ("失分原因", "涉及项目数", "涉及指标数", "合计失分")
UNIT_NO_CAUSES = "各项目均无失分项。"
UNIT_ISSUES = (
    "自评表检查共发现错误 {errors} 项、警告 {warnings} 项，涉及 {projects} 个项目，相关数字请核对后定稿。"
)
UNIT_EMPTY = "所选年度和单位没有自评表。"
