"""The fixed vocabulary of the form: labels, level names, column headers.

Forms are recognised by these words, never by positions. `norm` makes a cell comparable across
full/half-width punctuation, spaces, `*` marks and markup.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

# The lookups below are pure functions of a cell's text, called several times per cell while a form
# is recognised, and the same labels recur in every form: memoised (bench/ showed them as the
# recogniser's main cost).
_MARKUP = re.compile(r"</?[a-zA-Z][^>]*>")
_NOT_IN_KEY = re.compile(r"[\s*#:]")
_BRACKETED = re.compile(r"[(（].*?[)）]")


@lru_cache(maxsize=16384)
def norm(text: str) -> str:
    """A matching key: NFKC, no spaces, no `*`, no markup, no colons."""
    if "<" in text:
        text = _MARKUP.sub("", text)
    text = unicodedata.normalize("NFKC", text)
    return _NOT_IN_KEY.sub("", text)


def by_text(lookup):
    """`lookup` asked of a cell's text instead of its key: norm and lookup in one memoised call (the
    recogniser asks the same labels of every form)."""
    return lru_cache(maxsize=16384)(lambda text: lookup(norm(text)))


# header labels (key -> field); the longest label is tried first
HEADER_LABELS: dict[str, str] = {
    "项目编码": "project_code",
    "项目编号": "project_code",
    "项目代码": "project_code",
    "项目名称": "project_name",
    "绩效自评年度": "year",
    "自评年度": "year",
    "评价年度": "year",
    "所属年度": "year",
    "预算年度": "year",
    "年度": "year",
    "项目实施单位": "unit",
    "实施单位": "unit",
    "一级预算单位": "budget_unit",
    "主管预算单位": "budget_unit",
    "主管部门": "budget_unit",
    "预算单位": "budget_unit",
}
_HEADER_ORDER = sorted(HEADER_LABELS, key=len, reverse=True)
HEADER_FIELD_NAMES = {
    "project_code": "项目编码",
    "project_name": "项目名称",
    "year": "绩效自评年度",
    "unit": "实施单位",
    "budget_unit": "一级预算单位",
}


_LABEL_NOTE = re.compile(
    r"^(项目编码|项目编号|项目代码|项目名称|[^()]{0,4}年度|[^()]{0,4}单位|主管部门)\([^()]*\)"
)


@lru_cache(maxsize=4096)
def header_label(key: str) -> tuple[str, str] | None:
    """(field, rest) when the key starts with a header label: `项目编码440304…` -> ('project_code', '440304…').
    A bracketed note right after the label (`项目编码（21位）`) is part of the label."""
    key = _LABEL_NOTE.sub(r"\1", key)
    for label in _HEADER_ORDER:
        if key.startswith(label):
            rest = key[len(label) :]
            if label == "年度" and rest and not rest[:1].isdigit():
                return None  # 年度资金总额, 年度总体目标, 年度绩效指标 are not the year label
            return HEADER_LABELS[label], rest
    return None


def is_title(key: str) -> bool:
    return "绩效自评表" in key and len(key) <= 40


def is_form_start(key: str) -> bool:
    return is_title(key) or (header_label(key) or ("",))[0] in ("project_code",)


# what a cell says about where a form starts (recognize._segments asks it of every cell of a sheet),
# and whether its row may head a table: a funds header needs a budget and an executed label, an
# indicator header a name label, a 分值/得分 label and a 指标值 or level label (both then read in full)
TITLE, PROJECT_CODE, PROJECT_NAME = 1, 2, 4
FUNDS_BUDGET, FUNDS_EXECUTED = 8, 16
GRID_NAME, GRID_POINTS, GRID_TARGET = 32, 64, 128
FUNDS_HEAD = FUNDS_BUDGET | FUNDS_EXECUTED
GRID_HEAD = GRID_NAME | GRID_POINTS | GRID_TARGET
_HEAD_MARKS = {"annual_budget": FUNDS_BUDGET, "executed": FUNDS_EXECUTED}
_GRID_MARKS = {"name": GRID_NAME, "weight": GRID_POINTS, "score": GRID_POINTS, "target": GRID_TARGET,
               "level1": GRID_TARGET, "level2": GRID_TARGET}  # fmt: skip


@lru_cache(maxsize=16384)
def start_marks(text: str) -> int:
    """TITLE | PROJECT_CODE | PROJECT_NAME as far as the cell is a title or starts with those labels,
    with the table-header marks above (keyed by the text: one lookup a cell, norm inside)."""
    key = norm(text)
    label = (header_label(key) or ("",))[0]
    return (
        (TITLE if is_title(key) else 0)
        | (PROJECT_CODE if label == "project_code" else 0)
        | (PROJECT_NAME if label == "project_name" else 0)
        | _HEAD_MARKS.get(funds_header_field(key) or "", 0)
        | _GRID_MARKS.get(indicator_header_field(key) or "", 0)
    )


# 资金使用情况
@lru_cache(maxsize=4096)
def funds_header_field(key: str) -> str | None:
    key = _BRACKETED.sub("", key)  # 全年预算数（万元）, 预算数(A)
    if key.startswith("年初预算"):
        return "initial_budget"
    if "执行率" in key:
        return "rate"
    if "执行数" in key or key in ("实际支出", "实际支出数", "全年支出数"):
        return "executed"
    if "预算数" in key or key in ("全年预算", "调整后预算"):
        return "annual_budget"
    if key in ("分值", "权重"):  # 四川: 预算执行情况(10分) … 权重 / 得分
        return "weight"
    if key == "得分":
        return "score"
    return None


@lru_cache(maxsize=4096)
def funds_row_label(key: str) -> str | None:
    """Which line of 资金使用情况 a label names."""
    if "年度资金总额" in key or key in ("资金总额", "总额", "合计", "项目资金合计"):  # 四川: 总额
        return "total"
    if "财政拨款" in key or key.endswith(("财政资金", "本级财政")):  # 其中：财政资金 / 本级财政
        return "当年财政拨款"
    if "上年结转" in key or "上年结余" in key:
        return "上年结转资金"
    if "其他资金" in key:
        return "其他资金"
    return None


# 年度绩效指标
LEVEL2_FAMILY: dict[str, str] = {
    "数量指标": "产出指标",
    "质量指标": "产出指标",
    "时效指标": "产出指标",
    "成本指标": "产出指标",
    "经济效益指标": "效益指标",
    "社会效益指标": "效益指标",
    "生态效益指标": "效益指标",
    "可持续影响指标": "效益指标",
    "服务对象满意度指标": "满意度指标",
    "其他满意度指标": "满意度指标",
    "经济成本指标": "产出指标",
    "社会成本指标": "产出指标",
    "生态环境成本指标": "产出指标",
}
# `产出指标 (50分)`, `产出指标（50）`, `产出指标50分`; 成本指标 is first-level in the 2021+ national
# template only when it carries its own weight
_LEVEL1_RE = re.compile(r"^(产出指标|效益指标|满意度指标)(?:[(\[]?(\d+(?:\.\d+)?)分?[)\]]?)?$")
_COST_LEVEL1_RE = re.compile(r"^(成本指标)[(\[]?(\d+(?:\.\d+)?)分?[)\]]?$")


# `一、产出指标`, `1.数量指标`, `（一）效益指标`: outline numbers before a level name
_OUTLINE = re.compile(r"^(?:\(?[一二三四五六七八九十]{1,3}[)、.]|\d{1,2}[、.)](?!\d))")


@lru_cache(maxsize=4096)
def level1_of(key: str) -> tuple[str, float | None] | None:
    """('产出指标', 50.0) for `产出指标 (50分)`, also after an outline number (`一、产出指标`)."""
    key = _OUTLINE.sub("", key)
    m = _LEVEL1_RE.match(key) or _COST_LEVEL1_RE.match(key)
    if not m:
        return None
    return m.group(1), float(m.group(2)) if m.group(2) else None


def level2_family(key: str) -> str | None:
    """The first-level indicator a second-level name belongs to, or None (`数量` reads as 数量指标)."""
    key = _OUTLINE.sub("", key)
    return LEVEL2_FAMILY.get(key) or (LEVEL2_FAMILY.get(key + "指标") if len(key) >= 2 else None)


def level2_name(key: str) -> str:
    """The canonical second-level name: `社会效益` -> `社会效益指标`."""
    key = _OUTLINE.sub("", key)
    return key if key in LEVEL2_FAMILY else key + "指标"


def compatible_levels(level1: str, family: str | None) -> bool:
    """A second-level slot may sit under its own first level, or cost slots under a 成本指标 level."""
    return family == level1 or (level1 == "成本指标" and family == "产出指标")


NATURE = {"≧": "≥", "≦": "≤", "═": "=", "正向": "≥", "正向指标": "≥", "≥": "≥", ">=": "≥", ">": ">", "大于": ">", "大于等于": "≥",
          "反向": "≤", "反向指标": "≤", "≤": "≤", "<=": "≤", "<": "<", "小于": "<", "小于等于": "≤",
          "=": "=", "等于": "=", "定性": "", "定量": "", "定性指标": "", "定量指标": ""}  # fmt: skip


def nature_operator(text: str) -> str | None:
    """The operator a 指标性质 cell stands for, '' for 定性/定量, None when unknown."""
    return NATURE.get(norm(text))


INDICATOR_HEADER_FIRST = ("年度绩效指标", "一级指标")

# labels of whole blocks, merged down the left column (and so seen on every row of the block)
BLOCK_LABELS = {
    "年度绩效指标", "项目目标完成情况", "年度总体目标", "资金使用情况", "绩效指标", "年度绩效目标", "项目资金",
    "预算执行情况", "项目绩效指标", "年度绩效目标完成情况", "绩效目标",
}  # fmt: skip


def unbracketed(key: str) -> str:
    """A key without its bracketed notes: `预算数(A)` -> `预算数`, `年度绩效目标(80分)` -> `年度绩效目标`."""
    return _BRACKETED.sub("", key)


@lru_cache(maxsize=4096)
def is_block_label(key: str) -> bool:
    return unbracketed(key) in BLOCK_LABELS


@lru_cache(maxsize=4096)
def indicator_header_field(key: str) -> str | None:
    key = _BRACKETED.sub("", key)
    if key == "一级指标":
        return "level1"
    if key == "二级指标":
        return "level2"
    if key in ("三级指标", "绩效指标", "指标名称", "指标内容"):
        return "name"
    if ("指标值" in key or "目标值" in key) and "完成" not in key or key in ("计划值", "预期值"):
        return "target"
    if "完成值" in key or "实际值" in key or key in ("实际完成情况值", "实际完成", "完成情况"):
        return "actual"
    if key.endswith(("分值", "权重")) and len(key) <= 6:  # 分值, 权重, 指标分值, 标准分值, 分值权重
        return "weight"
    if (key.endswith("得分") and len(key) <= 6) or key in ("自评分", "评分"):  # 得分, 自评得分, 评价得分
        return "score"
    if "偏差" in key or "原因" in key or "改进措施" in key:
        return "reason"
    if key in ("指标性质", "指标方向"):
        return "nature"
    if key in ("度量单位", "计量单位", "单位"):
        return "unit"
    return None


def is_total_label(key: str) -> bool:
    return key in ("总分", "合计", "总计", "合计得分", "总得分")


def is_remark_label(key: str) -> bool:
    return key.startswith("备注")


class TableKey(NamedTuple):
    """What a cell's key is to the rows of the indicator table (indicators.py asks all of it of every
    cell of every row: one memoised lookup instead of six)."""

    stop: str  # "total": the 总分 row; "end": 备注 or a title, the table is over; "" otherwise
    skip: bool  # a block label, or a 一级/二级指标 header label: not the row's content
    level1: tuple[str, float | None] | None  # level1_of
    level2: str | None  # level2_family
    points: float | None  # a bare `(50分)` where a 一级 name belongs
    key: str  # the cell's key (norm)
    level2_name: str  # level2_name, when `level2` names a family ("" otherwise)


_BARE_POINTS = re.compile(r"^\(?(\d{1,3}(?:\.\d+)?)分?\)?$")


@lru_cache(maxsize=16384)
def table_key(text: str) -> TableKey:
    """What a cell's text is to the indicator table (keyed by the text: one lookup a cell, norm inside)."""
    key = norm(text)
    stop = "total" if is_total_label(key) else "end" if is_remark_label(key) or is_title(key) else ""
    m = _BARE_POINTS.match(key)
    family = level2_family(key)
    return TableKey(
        stop,
        is_block_label(key) or indicator_header_field(key) in ("level1", "level2"),
        level1_of(key),
        family,
        float(m.group(1)) if m else None,
        key,
        level2_name(key) if family else "",
    )


def is_goal_label(key: str) -> str | None:
    if key in ("项目目标完成情况", "年度总体目标", "总体目标"):
        return "label"
    if key in ("预期目标", "年度预期目标", "预期目标内容"):
        return "expected"
    if key in ("实际完成情况", "实际完成内容", "年度实际完成情况"):
        return "achieved"
    return None


def starts_row(key: str) -> bool:
    """Labels that begin a row in a one-cell-per-line dump (outside the indicator grid)."""
    return bool(
        header_label(key)
        and key in HEADER_LABELS
        or funds_row_label(key)
        or key.startswith("项目资金")
        or key == "年初预算数"
        or key in ("资金使用情况", "项目目标完成情况", "年度总体目标")
        or is_title(key)
        or is_remark_label(key)
    )


# the lookups recognize.py asks of every cell of the rows it scans, by the cell's text
header_label_of = by_text(header_label)
funds_row_label_of = by_text(funds_row_label)
goal_label_of = by_text(is_goal_label)
block_label_of = by_text(is_block_label)
