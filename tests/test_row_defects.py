"""The three row-level defects of issue 21, in every layout (workbook, tab text, pipe text, PDF):

* a 三级指标 named like its 二级 category without 指标 (服务对象满意度 under 服务对象满意度指标) keeps its name;
* 万元 amounts with many decimals are read exactly (38.76646257 万元 is 387,664.6257 元, never rounded);
* a row printed `/ / /` is 不适用 and nothing else (not also ROW_UNREADABLE, which left the total unverified).
"""

from __future__ import annotations

import io

import openpyxl
import pytest

from selfeval.readers import read_bytes
from selfeval.rules import score
from tests import pdf_print as pp
from tests.family_forms import CODE, Sheet, save

ROWS = [
    # level1, level2, name, target, actual, weight, score, reason
    ("产出指标", "数量指标", "举办活动", ">100人次", "128人次", "25", "25", "无"),
    ("产出指标", "成本指标", "项目成本", "<40万元", "38.76646257万元", "25", "25", "无"),
    ("效益指标", "社会效益指标", "社会效益", "有效落实", "有效落实", "30", "30", "无"),
    ("效益指标", "生态效益指标", "/", "/", "/", "", "", ""),
    ("满意度指标", "服务对象满意度指标", "服务对象满意度", ">90%", "95%", "10", "10", "无"),
]
HEAD = [
    ["项目支出绩效自评表"],
    ["项目名称", "职工活动", "项目编码", CODE],
    ["实施单位", "某工会", "主管部门", "某工会", "年度", "2023"],
    ["项目资金（万元）", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
    ["年度资金总额", "40", "40", "38.76646257", "10", "96.92%", "9.69"],
    [
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "分值",
        "得分",
        "偏差原因分析及改进措施",
    ],
]


def _lines() -> list[list[str]]:
    return [*HEAD, *[list(r) for r in ROWS], ["总分", "", "", "", "", "100", "99.69", ""]]


def workbook() -> bytes:
    wb = openpyxl.Workbook()
    s = Sheet(wb.active)
    wb.active.title = "职工活动"
    for r, line in enumerate(_lines(), start=1):
        for c, value in enumerate(line, start=1):
            if value != "":
                s.put(
                    r, c, float(value) if value.replace(".", "", 1).isdigit() and len(value) < 12 else value
                )
    return save(wb)


def tab_text() -> bytes:
    return "\n".join("\t".join(line) for line in _lines()).encode()


def pipe_text() -> bytes:
    return "\n".join("| " + " | ".join(line) + " |" for line in _lines()).encode()


def pdf() -> bytes:
    return pp.drawn([openpyxl.load_workbook(io.BytesIO(workbook())).active])


LAYOUTS = {"xlsx": workbook, "txt": tab_text, "md": pipe_text, "pdf": pdf}


@pytest.fixture(scope="module", params=list(LAYOUTS))
def card(request):
    result = read_bytes(LAYOUTS[request.param](), f"form.{request.param}")
    assert [p for p in result.problems if p.severity == "error"] == []
    (form,) = result.forms
    return score(form)


def test_a_name_like_its_category_is_kept(card):
    names = [(s.indicator.level2, s.indicator.name) for s in card.indicators]
    assert ("服务对象满意度指标", "服务对象满意度") in names
    row = next(s for s in card.indicators if s.indicator.level2 == "服务对象满意度指标")
    assert (row.indicator.weight, row.score, row.verified) == (10.0, 10.0, True)


def test_amounts_in_wan_yuan_are_never_rounded(card):
    total = card.form.funds.total
    assert (total.annual_budget, total.executed) == (400000.0, 387664.6257)
    assert card.rate == 96.92 and card.budget_score == 9.69


def test_a_slash_row_is_not_applicable_only(card):
    row = next(s for s in card.indicators if s.indicator.level2 == "生态效益指标")
    assert row.indicator.not_applicable and (row.score or 0) == 0
    assert "ROW_UNREADABLE" not in {i.code for i in card.issues}
    assert card.verification == "verified" and card.total == 99.69
