"""Text copies of published forms (web dumps, pdftotext -layout, flattened pipe tables) read through
the same Grid -> Form path: every form is read as published or refused with a reason naming its line.

The other regions' forms below are made here from the template families of domain.md §6; their
declared figures are what the text prints, asserted cell by cell in every layout.
"""

from __future__ import annotations

import pytest

from selfeval.readers import read_bytes
from selfeval.readers.text import text_to_grids
from tests import text_layouts, variants

CENTRAL = """项目支出绩效自评表
（2023年度）
项目名称\t城乡居民医疗救助资金
主管部门\t某市医疗保障局\t\t\t实施单位\t某市医疗保障局
项目资金（万元）\t\t年初预算数\t全年预算数\t全年执行数\t分值\t执行率\t得分
\t年度资金总额\t500.00\t520.00\t512.88\t10\t98.63%\t9.86
\t其中：当年财政拨款\t500.00\t520.00\t512.88\t—\t—\t—
\t上年结转资金\t0.00\t0.00\t0.00\t—\t—\t—
\t其他资金\t0.00\t0.00\t0.00\t—\t—\t—
年度总体目标\t预期目标\t\t\t\t实际完成情况
\t为困难群众提供医疗救助，减轻医疗费用负担。\t\t\t\t全年救助困难群众3260人次，减轻了医疗费用负担。
年度绩效指标\t一级指标\t二级指标\t三级指标\t\t指标值\t实际完成值\t分值\t得分\t偏差原因分析及改进措施\t
\t产出指标\t数量指标\t救助人次\t\t≥3000人次\t3260人次\t20\t20\t无\t
\t\t质量指标\t救助政策执行准确率\t\t≥95%\t98%\t15\t15\t无\t
\t\t时效指标\t救助资金发放及时率\t\t≥95%\t90%\t15\t12\t部分资金年底拨付\t
\t效益指标\t社会效益指标\t困难群众医疗负担减轻\t\t有效减轻\t有效减轻\t30\t30\t无\t
\t满意度指标\t服务对象满意度指标\t救助对象满意度\t\t≥90%\t95%\t10\t10\t无\t
总分\t\t\t\t\t\t\t100\t96.86\t\t
"""

YUNNAN_20_80 = """项目支出绩效自评表
项目名称\t城市道路维护\t项目编码\t530102230000000012345
实施单位\t某区住房和城乡建设局\t主管部门\t某区人民政府
预算执行情况（万元）（20分）\t预算数(A)\t执行数(B)\t执行率(B/A)\t得分(20分*执行率)
年度资金总额\t120.00\t114.00\t95.00%\t19.00
年度总体目标\t预期目标\t实际完成情况
\t完成道路维护12公里。\t完成道路维护12.5公里。
年度绩效目标（80分）\t一级指标\t二级指标\t三级指标\t年初目标值(A)\t实际完成值(B)\t得分\t偏差原因分析及改进措施
\t产出指标(60分)\t数量指标\t道路维护里程\t≥12公里\t12.5公里\t20\t无
\t\t质量指标\t维护工程验收合格率\t100%\t100%\t20\t无
\t\t时效指标\t维护完成及时率\t≥95%\t92%\t18\t个别路段因雨季延期
\t效益指标(10分)\t社会效益指标\t道路通行条件改善\t有效改善\t有效改善\t10\t无
\t满意度指标(10分)\t服务对象满意度指标\t市民满意度\t≥85%\t90%\t10\t无
总分\t\t\t\t\t\t97.00\t
"""

NATURE_COLUMNS = """项目支出绩效自评表
项目名称\t农村饮水安全巩固提升\t项目编码\t510000230000000054321
实施单位\t某县水务局\t主管部门\t某县人民政府
资金使用情况（万元）\t\t年初预算数\t全年预算数\t全年执行数\t分值\t执行率\t得分
\t年度资金总额\t300.0000\t300.0000\t285.0000\t10\t95.00\t9.50
\t其中：财政拨款\t300.0000\t300.0000\t285.0000\t—\t—\t—
年度总体目标\t预期目标\t实际完成情况
\t巩固提升农村饮水安全。\t完成8处供水工程改造。
一级指标\t二级指标\t三级指标\t指标性质\t指标值\t度量单位\t实际完成值\t分值\t得分\t偏差原因分析及改进措施
产出指标\t数量指标\t供水工程改造数量\t≥\t8\t处\t8\t20\t20\t无
\t质量指标\t水质达标率\t≥\t95\t%\t96\t20\t20\t无
\t成本指标\t工程建设成本\t≤\t300\t万元\t285\t10\t10\t无
效益指标\t社会效益指标\t受益人口\t≥\t12000\t人\t12500\t30\t30\t无
满意度指标\t服务对象满意度指标\t受益群众满意度\t≥\t90\t%\t88\t10\t9\t部分群众对水压不满意
总分\t\t\t\t\t\t\t100\t98.50\t
"""

SICHUAN_10_90 = """项目支出绩效自评表
项目名称\t乡村振兴产业发展补助\t项目编码\t510100230000000067890
实施单位\t某区农业农村局\t主管部门\t某区农业农村局
预算执行情况（万元）(10分)\t年初预算数\t全年预算数\t全年执行数\t执行率\t得分
年度资金总额\t80.00\t80.00\t76.00\t95.00%\t9.50
年度总体目标\t预期目标\t实际完成情况
\t扶持产业项目5个。\t扶持产业项目5个，带动农户增收。
绩效指标(90分)\t一级指标\t二级指标\t三级指标\t指标值\t完成值\t权重\t得分\t偏差原因分析及改进措施
\t产出指标\t数量指标\t扶持产业项目数\t≥5个\t5个\t30\t30\t无
\t\t时效指标\t资金拨付及时率\t100%\t100%\t20\t20\t无
\t效益指标\t经济效益指标\t带动农户增收\t≥2000元/户\t2100元/户\t20\t20\t无
\t满意度指标\t服务对象满意度指标\t农户满意度\t≥90%\t93%\t20\t20\t无
合计\t\t\t\t\t\t100\t99.50\t
"""

LEFTOVERS = """项目支出绩效自评表
项目名称\t社区养老服务补助\t项目编号\t340100230000000011111
实施单位\t某区民政局\t主管部门\t
资金使用情况（万元）\t\t年初预算数\t全年预算数\t全年执行数\t分值\t执行率\t得分
\t年度资金总额\t60.00\t60.00\t58.20\t10\t97.00\t9.70
\t其中：本年财政拨款\t60.00\t60.00\t58.20\t—\t—\t—
年度总体目标\t预期目标\t实际完成情况
\t为辖区老人提供养老服务。\t为辖区620名老人提供养老服务。
一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值\t分值\t得分\t偏差原因分析及改进措施
(50分)\t数量指标\t指标1：服务老人人数\t≥600人\t620人\t20\t20\t无
\t\t指标2：\t……\t\t\t\t
\t质量指标\t指标1：服务合格率\t≥95%\t96%\t15\t15\t无
\t时效指标\t指标1：年度资金支付完成率100%\t\t\t15\t15\t无
(30分)\t社会效益指标\t指标1：老年人生活质量改善\t有效改善\t有效改善\t30\t30\t无
\t生态效益指标\t/\t/\t/\t0\t0\t/
(10分)\t服务对象满意度指标\t指标1：老人满意度\t≥90%\t92%\t10\t10\t无
总分\t\t\t\t\t100\t99.70\t
"""

# a 四川 部门预算项目支出绩效自评表 as its web pages print it: the label column headed 年度预算数(万元),
# 权重 in the funds table, a 原因 column, sub-rows 其中:财政资金 / 财政专户管理资金 / 单位资金, 合计
SICHUAN_WEB = """报表编号:510000_0013zp\t\t\t\t\t
部门预算项目支出绩效自评表(2023年度)\t\t\t\t\t\t\t\t\t\t
项目名称\t51142123R000000012345-乡镇污水处理设施运维\t\t\t\t\t\t\t\t\t
主管部门\t某县住房和城乡建设局\t\t\t实施单位 (盖章)\t某县城乡污水处理中心\t\t\t\t\t
项目基本情况\t1.项目年度目标完成情况\t项目年度目标\t\t\t\t年度目标完成情况\t\t\t\t
\t\t保障全县12座乡镇污水处理站正常运行。\t\t\t\t12座污水处理站全年正常运行。\t\t\t\t
\t2.项目实施内容及过程概述\t委托专业公司运维，按月考核。\t\t\t\t\t\t\t\t
预算执行情况(10分)\t年度预算数(万元)\t年初预算\t调整后预算数\t预算执行数\t预算执行率\t权重\t得分\t原因\t\t
\t总额\t120.00\t115.00\t109.25\t95.00%\t10\t9.50\t年中调减预算5万元。\t\t
\t其中:财政资金\t120.00\t115.00\t109.25\t95.00%\t/\t/\t\t\t
\t财政专户管理资金\t0.00\t0.00\t0.00\t0.00%\t/\t/\t\t\t
\t单位资金\t0.00\t0.00\t0.00\t0.00%\t/\t/\t\t\t
\t其他资金\t\t\t\t\t/\t/\t\t\t
绩效指标(90分)\t一级指标\t二级指标\t三级指标\t指标性质\t指标值\t度量单位\t完成值\t权重\t得分\t未完成原因分析
\t产出指标\t数量指标\t运维污水处理站数量\t≥\t12\t座\t12\t30\t30\t
\t\t质量指标\t出水水质达标率\t≥\t95\t%\t93\t20\t19\t个别站点设备老化
\t\t时效指标\t运维费用按月支付率\t=\t100\t%\t100\t10\t10\t
\t效益指标\t生态效益指标\t化学需氧量削减量\t≥\t300\t吨\t310\t20\t20\t
\t满意度指标\t服务对象满意度指标\t周边群众满意度\t≥\t90\t%\t92\t10\t10\t
合计\t\t\t\t\t\t\t\t100\t98.50\t
评价结论\t项目总体完成较好，自评得分98.50分。\t\t\t\t\t\t\t\t\t
存在问题\t个别站点设备老化。\t\t\t\t\t\t\t\t\t
改进措施\t加快设备更新。\t\t\t\t\t\t\t\t\t
项目负责人:张三\t\t\t财务负责人:李四\t\t\t\t\t\t\t
"""

# what each form declares: total, budget score, 全年预算数 and 全年执行数 in 元, each row's declared score
EXPECTED = {
    "central": (CENTRAL, 96.86, 9.86, 5200000.0, 5128800.0, [20, 15, 12, 30, 10]),
    "yunnan_20_80": (YUNNAN_20_80, 97.0, 19.0, 1200000.0, 1140000.0, [20, 20, 18, 10, 10]),
    "nature_columns": (NATURE_COLUMNS, 98.5, 9.5, 3000000.0, 2850000.0, [20, 20, 10, 30, 9]),
    "sichuan_10_90": (SICHUAN_10_90, 99.5, 9.5, 800000.0, 760000.0, [30, 20, 20, 20]),
    "leftovers": (LEFTOVERS, 99.7, 9.7, 600000.0, 582000.0, [20, 15, 15, 30, 0, 10]),
    "sichuan_web": (SICHUAN_WEB, 98.5, 9.5, 1150000.0, 1092500.0, [30, 19, 10, 20, 10]),
}

LAYOUTS = {
    "tabs": lambda t: t,
    "bar_dump": text_layouts.to_bar_dump,
    "aligned": text_layouts.to_layout,
    "aligned_wide": lambda t: text_layouts.to_layout(t, wide=True),
    "flattened_pipes": text_layouts.to_flattened_pipes,
    "cell_bars": text_layouts.to_cell_bars,
    "row_pipes": text_layouts.to_row_pipes,
}

# (family, layout) pairs whose text does not say which column a cell is in: refused, never guessed
REFUSED = {
    # 指标1：年度资金支付完成率100% | 15 | 15 | 无 with the target and actual cells gone: 15 and 15 may be
    # 指标值/实际完成值 or 分值/得分
    ("leftovers", "bar_dump"): "TEXT_AMBIGUOUS",
    ("leftovers", "flattened_pipes"): "TEXT_AMBIGUOUS",
}


def _declared(form):
    return (
        form.declared_total,
        form.funds.declared_score,
        form.funds.total.annual_budget,
        form.funds.total.executed,
        [i.declared_score for i in form.indicators if i.declared_score is not None],
    )


# where the Grid is right but the recogniser (selfeval/readers/recognize.py, owned elsewhere) does not
# read it yet: shown, not hidden
RECOGNISER_GAPS = {
    ("sichuan_web", "tabs"): "the recogniser maps 年度预算数(万元), the label column's header, to 全年预算数 "
    "and has no column for 原因: the 总额 row is reported ROW_AMBIGUOUS and its amounts are not read",
}


def _family_layouts():
    for family in EXPECTED:
        for layout in LAYOUTS:
            gap = RECOGNISER_GAPS.get((family, layout))
            marks = [pytest.mark.xfail(strict=False, reason=gap)] if gap else []
            yield pytest.param(family, layout, marks=marks, id=f"{family}-{layout}")


@pytest.mark.parametrize(("family", "layout"), list(_family_layouts()))
def test_other_regions_in_every_text_layout(family, layout):
    text, total, budget, annual, executed, scores = EXPECTED[family]
    result = read_bytes(LAYOUTS[layout](text).encode(), f"{family}.txt")
    if (family, layout) in REFUSED:
        assert result.forms == ()
        (problem,) = [p for p in result.problems if p.severity == "error"]
        assert problem.code == REFUSED[family, layout]
        assert "第" in problem.location and "行" in problem.location and "未读取" in problem.message
        return
    errors = [p for p in result.problems if p.severity == "error"]
    assert errors == []
    (form,) = result.forms
    assert _declared(form) == (total, budget, annual, executed, scores)


def _table_rows(grid):
    """The indicator rows of a grid as cell texts, from the header to the total (what regrouping rebuilds)."""
    texts = [tuple(c.text for c in row) for row in grid.rows]
    start = next(i for i, r in enumerate(texts) if "一级指标" in r)
    end = next(i for i, r in enumerate(texts) if r[0] in ("总分", "合计"))
    return [tuple(t for t in r if t not in ("年度绩效指标",)) for r in texts[start + 1 : end]]


@pytest.mark.parametrize("layout", ["bar_dump", "flattened_pipes", "cell_bars"])
@pytest.mark.parametrize("family", [f for f in EXPECTED if f != "leftovers"])
def test_regrouped_rows_are_the_published_rows(family, layout):
    """The Grid rebuilt from a dump holds the table's own rows, cell by cell, each on its header column."""
    text = EXPECTED[family][0]
    (original,) = text_to_grids(text, "t.txt")
    (rebuilt,) = text_to_grids(LAYOUTS[layout](text), "t.txt")
    assert rebuilt.problems == ()
    assert _table_rows(rebuilt) == _table_rows(original)
    header = next(r for r in rebuilt.rows if any(c.text == "一级指标" for c in r))
    col = {c.text: c.col for c in header}
    score_col = col["得分"]
    for row in rebuilt.rows[rebuilt.rows.index(header) + 1 :]:
        if row[0].text in ("总分", "合计"):
            break
        assert any(c.col == score_col for c in row), row  # every indicator's score sits under 得分


# ---------------------------------------------------------------------------------------------
# the 13 seed forms in every layout


@pytest.fixture(scope="module")
def seed_figures():
    result = read_bytes(variants.seed_text().encode(), "seed.txt")
    assert len(result.forms) == 13
    return {f.header.project_code: _seed_declared(f) for f in result.forms}


def _seed_declared(form):
    return (
        form.header.project_name,
        _declared(form),
        [i.weight for i in form.indicators],
        [i.name.replace(" ", "") for i in form.indicators],
    )


SEED_LAYOUTS = {
    "bar_dump": text_layouts.to_bar_dump,
    "bar_dump_blank_initial_budget": lambda t: text_layouts.to_bar_dump(t, drop_initial=True),
    "aligned": text_layouts.to_layout,
    "flattened_pipes": text_layouts.to_flattened_pipes,
    "cell_bars": text_layouts.to_cell_bars,
    "row_pipes": text_layouts.to_row_pipes,
}


@pytest.mark.parametrize("layout", SEED_LAYOUTS)
def test_seed_forms_in_every_text_layout(seed_figures, layout):
    result = read_bytes(SEED_LAYOUTS[layout](variants.seed_text()).encode(), "seed.txt")
    assert [p for p in result.problems if p.severity == "error"] == []
    got = {f.header.project_code: _seed_declared(f) for f in result.forms}
    assert got == seed_figures


def test_seed_goals_survive_the_aligned_layout():
    """Wrapped goal paragraphs are joined back, column by column (a space at a wrap point is lost)."""
    before = read_bytes(variants.seed_text().encode(), "seed.txt").forms
    after = read_bytes(text_layouts.to_layout(variants.seed_text()).encode(), "seed.txt").forms

    def goals(forms):
        return [(f.goals.expected.replace(" ", ""), f.goals.achieved.replace(" ", "")) for f in forms]

    assert all(f.goals.expected and f.goals.achieved for f in after)
    assert goals(after) == goals(before)


def test_blank_reasons_in_a_dump_are_read_where_unique_and_refused_where_not(seed_figures):
    """With the 无 reasons gone, a name after a score may be a reason or the next row's name: where the
    cells allow both, that form is refused at the line, the others are read exactly."""
    text = text_layouts.to_bar_dump(variants.seed_text(), drop_reasons=True)
    result = read_bytes(text.encode(), "seed.txt")
    refused = [p for p in result.problems if p.severity == "error"]
    assert {p.code for p in refused} == {"TEXT_AMBIGUOUS"}
    assert len(result.forms) + len(refused) == 13 and len(refused) >= 1
    lines = text.split("\n")
    for p in refused:
        line = int(p.location.split("第")[1].rstrip("行"))
        assert lines[line - 1].rstrip("|") in p.message
    for form in result.forms:
        name, declared, weights, names = seed_figures[form.header.project_code]
        assert _seed_declared(form)[:3] == (name, declared, weights)


# ---------------------------------------------------------------------------------------------
# refusals


def test_text_without_separators_is_refused():
    text = text_layouts.to_glued(CENTRAL)
    assert "年度资金总额:500.00520.00512.881098.63%9.86" in text
    result = read_bytes(text.encode(), "glued.txt")
    assert result.forms == ()
    codes = {p.code for p in result.problems if p.severity == "error"}
    assert codes == {"TEXT_SEPARATORS_LOST"}


def test_issue_example_of_glued_funds_is_refused():
    result = read_bytes("年度资金总额:202010100.00%10\n".encode(), "glued.txt")
    assert result.forms == ()
    assert [p.code for p in result.problems] == ["TEXT_SEPARATORS_LOST"]


def test_funds_row_before_its_header_is_refused_as_order_lost():
    """A flattened table whose funds values come before the header words: the order is lost."""
    text = text_layouts.to_flattened_pipes(YUNNAN_20_80)
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if "预算数(A)" in line)
    cells = [c.strip() for c in lines[at].strip("|").split("|")]
    head, values = cells[:5], cells[5:]
    lines[at] = "| " + " | ".join(values + head) + " |"
    result = read_bytes("\n".join(lines).encode(), "order.txt")
    assert result.forms == ()
    (problem,) = [p for p in result.problems if p.severity == "error"]
    assert problem.code == "TEXT_ORDER_LOST" and "资金" in problem.message


def test_scores_before_names_are_refused_as_order_lost():
    text = text_layouts.to_bar_dump(NATURE_COLUMNS)
    text = text.replace("供水工程改造数量|\n", "").replace("水质达标率|", "水质达标率|\n供水工程改造数量|", 1)
    result = read_bytes(text.encode(), "order.txt")
    assert result.forms == ()
    assert {p.code for p in result.problems if p.severity == "error"} <= {"TEXT_ORDER_LOST", "TEXT_AMBIGUOUS"}
    assert [p for p in result.problems if p.severity == "error"]


def test_cell_straddling_two_columns_is_refused():
    """A weight printed half under 分值 and half under 得分 belongs to neither with confidence."""
    lines = text_layouts.to_layout(CENTRAL, gap=7).split("\n")
    header = next(line for line in lines if "一级指标" in line)
    weight_col, score_col = header.index("分值"), header.index("得分")
    middle = (weight_col + 2 + score_col) // 2
    at = next(i for i, line in enumerate(lines) if "救助人次" in line)
    row = lines[at]
    assert row[weight_col : weight_col + 2] == "20"
    lines[at] = (
        row[:weight_col]
        + " " * (middle - 1 - weight_col)
        + "20"
        + " " * (score_col - middle - 1)
        + row[score_col:]
    )
    result = read_bytes("\n".join(lines).encode(), "layout.txt")
    assert result.forms == ()
    (problem,) = [p for p in result.problems if p.severity == "error"]
    assert problem.code == "TEXT_COLUMNS_UNCLEAR" and "“20”" in problem.message
    assert problem.location == f"文本!第{at + 1}行"


def test_two_numbers_in_one_column_are_refused_not_joined():
    lines = text_layouts.to_layout(CENTRAL, gap=7).split("\n")
    header = next(line for line in lines if "一级指标" in line)
    weight_col, score_col = header.index("分值"), header.index("得分")
    at = next(i for i, line in enumerate(lines) if "救助人次" in line)
    row = lines[at]
    lines[at] = row[:weight_col] + " " * (score_col - weight_col - 4) + "20  " + row[score_col:]
    result = read_bytes("\n".join(lines).encode(), "layout.txt")
    assert result.forms == ()
    assert [p.code for p in result.problems if p.severity == "error"] == ["TEXT_COLUMNS_UNCLEAR"]


# ---------------------------------------------------------------------------------------------
# evidence that settles what a count could not


def test_sub_rows_without_dashes_follow_the_total_rows_columns(seed_figures):
    """Sub-rows printed without their — cells, and the 年初预算数 blank everywhere: the total row's
    printed 执行率 says which amount is missing; the sub-rows leave the same column empty."""
    text = text_layouts.to_bar_dump(variants.seed_text(), drop_initial=True).replace("—|\n", "")
    result = read_bytes(text.encode(), "seed.txt")
    assert [p for p in result.problems if p.severity == "error"] == []
    assert {f.header.project_code: _seed_declared(f) for f in result.forms} == seed_figures
    funds = result.forms[0].funds
    assert (funds.total.initial_budget, funds.total.annual_budget, funds.total.executed) == (
        None,
        350000.0,
        345202.0,
    )
    part = funds.parts[0]
    assert (part.label, part.initial_budget, part.annual_budget, part.executed) == (
        "当年财政拨款",
        None,
        350000.0,
        345202.0,
    )


def test_funds_row_missing_a_cell_without_a_rate_to_tell_is_refused():
    """预算数 and 执行数 with the 执行率 blank: nothing says which of the three amounts is missing."""
    text = text_layouts.to_bar_dump(CENTRAL).replace(
        "500.00|\n520.00|\n512.88|\n10|\n98.63%|", "520.00|\n512.88|\n10|", 1
    )
    result = read_bytes(text.encode(), "funds.txt")
    assert result.forms == ()
    (problem,) = [p for p in result.problems if p.severity == "error"]
    assert problem.code == "TEXT_AMBIGUOUS" and "资金" in problem.message


def test_list_numbers_in_names_and_dotted_dates_are_read():
    text = CENTRAL.replace("\t救助人次\t", "\t1、救助人次\t").replace(
        "\t90%\t15\t12\t", "\t2023.12.31\t15\t12\t"
    )
    for layout in ("tabs", "bar_dump", "aligned"):
        result = read_bytes(LAYOUTS[layout](text).encode(), "names.txt")
        assert [p for p in result.problems if p.severity == "error"] == [], layout
        (form,) = result.forms
        assert form.indicators[0].name == "1、救助人次"
        assert form.indicators[2].actual == "2023.12.31"
        assert _declared(form)[-1] == [20, 15, 12, 30, 10]


def test_goal_prose_naming_budget_columns_is_not_taken_for_lost_separators():
    text = CENTRAL.replace(
        "为困难群众提供医疗救助", "年初预算数500万元，全年预算数520万元，为困难群众提供医疗救助"
    )
    result = read_bytes(text.encode(), "prose.txt")
    assert [p.code for p in result.problems if p.severity == "error"] == []
    assert len(result.forms) == 1


def test_one_unclear_form_in_an_aligned_text_leaves_the_others_read(seed_figures):
    forms = variants.split_forms(variants.seed_text())
    damaged = text_layouts.to_layout(forms[0], gap=7).split("\n")
    header = next(line for line in damaged if "一级指标" in line)
    weight_col, score_col = header.index("* 分值") + 2, header.index("* 得分") + 2
    at = next(i for i, line in enumerate(damaged) if "服务劳模人数" in line)
    row = damaged[at]
    middle = (weight_col + 4 + score_col) // 2
    damaged[at] = (
        row[:weight_col]
        + " " * (middle - 2 - weight_col)
        + "12.5"
        + " " * (score_col - middle - 2)
        + row[score_col:]
    )
    text = "\n".join(damaged) + text_layouts.to_layout("\n".join(forms[1:]), gap=7)
    result = read_bytes(text.encode(), "seed.txt")
    assert [p.code for p in result.problems if p.severity == "error"] == ["TEXT_COLUMNS_UNCLEAR"]
    got = {f.header.project_code: _seed_declared(f) for f in result.forms}
    assert len(got) == 12 and all(got[k] == seed_figures[k] for k in got)
    assert "440304226011500000008" not in got


# ---------------------------------------------------------------------------------------------
# never a confident wrong number: cells taken out of a dump are missing or refused, never misplaced


def _numbers(form):
    f = form.funds
    funds = (f.total.initial_budget, f.total.annual_budget, f.total.executed)
    funds += (f.declared_weight, f.declared_rate, f.declared_score)
    rows = [(i.name.replace(" ", ""), i.weight, i.declared_score) for i in form.indicators]
    return funds, (form.declared_total_weight, form.declared_total), rows


def _consistent(got, truth) -> bool:
    """Every number read is the published one, or missing (the cell is gone); a lost row is fine."""
    for part in (0, 1):
        if any(a is not None and a != b for a, b in zip(got[part], truth[part], strict=True)):
            return False
    if len(got[2]) == len(truth[2]):
        pairs = zip(got[2], truth[2], strict=True)
        return all(a is None or a == b for g, t in pairs for a, b in zip(g[1:], t[1:], strict=True))
    return all(row in truth[2] for row in got[2])


@pytest.mark.parametrize("layout", ["bar_dump", "cell_bars", "flattened_pipes"])
def test_cells_taken_out_of_a_dump_are_never_misplaced(layout):
    import random

    rng = random.Random(20261129)
    sources = [EXPECTED[f][0] for f in EXPECTED if f != "sichuan_web"] + variants.split_forms(
        variants.seed_text()
    )
    outcomes = {"read": 0, "refused": 0}
    for _ in range(60):
        text = rng.choice(sources)
        (original,) = read_bytes(text.encode(), "t.txt").forms
        lines = LAYOUTS[layout](text).split("\n")
        for _ in range(rng.choice([1, 2, 3])):
            # any line with a cell, except the only place a 万元 unit is said
            candidates = [i for i, line in enumerate(lines) if line.strip(" |") and "万元" not in line]
            at = rng.choice(candidates)
            if layout == "cell_bars" and rng.random() < 0.5:
                lines[at] = "|"  # the cell left empty
            else:
                del lines[at]
        result = read_bytes("\n".join(lines).encode(), "t.txt")
        if not result.forms:
            assert [p for p in result.problems if p.severity == "error"], "a form vanished without a reason"
            outcomes["refused"] += 1
            continue
        assert _consistent(_numbers(result.forms[0]), _numbers(original)), "\n".join(lines)
        outcomes["read"] += 1
    assert outcomes["read"] and outcomes["refused"]  # both happen: the test exercises both ways


@pytest.mark.parametrize("one_line", [False, True], ids=["rows", "one_line"])
@pytest.mark.parametrize("family", EXPECTED)
def test_cells_parted_by_single_spaces_are_refused(family, one_line):
    """A document converted to text with single spaces between cells (and inside them): which words
    make one cell is lost, so the figures' columns are too."""
    text = EXPECTED[family][0]
    rows = [" ".join(c.strip() for c in line.split("\t") if c.strip()) for line in text.split("\n")]
    spaced = " ".join(rows) if one_line else "\n".join(rows)
    result = read_bytes(spaced.encode(), "spaced.txt")
    assert result.forms == ()
    assert [p.code for p in result.problems if p.severity == "error"] == ["TEXT_SEPARATORS_LOST"]


def test_levels_run_into_names_are_refused():
    text = "项目支出绩效自评表\n产出指标数量指标足额保障率=100% 22.5\n时效指标按时发放率=100% 22.5\n合计100\n"
    result = read_bytes(text.encode(), "glued.txt")
    assert result.forms == ()
    assert [p.code for p in result.problems if p.severity == "error"] == ["TEXT_SEPARATORS_LOST"]


def test_merged_lines_shuffled_are_refused_or_read_exactly():
    """The lines a flattened table merged (the funds header with the total row, the indicator header
    with the first row) with their cells shuffled or one cell moved: refused, or read as published."""
    import random

    rng = random.Random(11292026)
    sources = [EXPECTED[f][0] for f in EXPECTED if f != "sichuan_web"] + variants.split_forms(
        variants.seed_text()
    )
    outcomes = {"read": 0, "refused": 0}
    for _ in range(80):
        text = rng.choice(sources)
        (original,) = read_bytes(text.encode(), "t.txt").forms
        lines = text_layouts.to_flattened_pipes(text).split("\n")
        at = rng.choice([i for i, line in enumerate(lines) if line.count("|") > 9])
        cells = [c.strip() for c in lines[at].strip().strip("|").split("|")]
        if rng.random() < 0.5:
            rng.shuffle(cells)
        else:
            cells.insert(rng.randrange(len(cells)), cells.pop(rng.randrange(len(cells))))
        lines[at] = "| " + " | ".join(cells) + " |"
        result = read_bytes("\n".join(lines).encode(), "t.txt")
        if not result.forms:
            assert [p for p in result.problems if p.severity == "error"]
            outcomes["refused"] += 1
            continue
        assert _numbers(result.forms[0]) == _numbers(original), lines[at]
        outcomes["read"] += 1
    assert outcomes["read"] and outcomes["refused"]


def _page_break_in_dump(text: str) -> str:
    """A PDF's page break inside the indicator table: a page number, a form feed, the header again."""
    lines = text_layouts.to_bar_dump(text).split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("质量指标"))
    start = next(i for i, line in enumerate(lines) if line.startswith("一级指标"))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("||||"))
    return "\n".join([*lines[:at], "第 1 页 共 2 页", "\f", *lines[start:end], *lines[at:]])


def _page_break_in_layout(text: str) -> str:
    lines = text_layouts.to_layout(text).split("\n")
    at = next(i for i, line in enumerate(lines) if "质量指标" in line)
    start = next(i for i, line in enumerate(lines) if "一级指标" in line)
    return "\n".join([*lines[:at], "", "                - 1 -", "\f", *lines[start : start + 2], *lines[at:]])


@pytest.mark.parametrize("page_break", [_page_break_in_dump, _page_break_in_layout], ids=["dump", "aligned"])
@pytest.mark.parametrize("family", ["central", "yunnan_20_80", "nature_columns", "sichuan_web"])
def test_page_break_inside_the_indicator_table(family, page_break):
    """The page number is skipped and the header printed again on the new page is not a row."""
    text, total, budget, annual, executed, scores = EXPECTED[family]
    result = read_bytes(page_break(text).encode(), "paged.txt")
    assert [p for p in result.problems if p.severity == "error"] == []
    (form,) = result.forms
    assert _declared(form) == (total, budget, annual, executed, scores)
    assert not [i for i in form.issues if i.severity == "error"]


def _without_scores(text: str) -> str:
    """The 四川 form as often published: 权重 filled, every 得分 left blank (the 合计 row too)."""
    out = []
    for line in text.split("\n"):
        cells = line.split("\t")
        if cells[0] == "合计":
            cells = [c if c != "98.50" else "" for c in cells]
        elif len(cells) == 11 and cells[8].strip().isdigit() and cells[9]:
            cells[9] = ""
        elif len(cells) > 7 and cells[1] == "总额":
            cells[7] = ""
        out.append("\t".join(cells))
    return "\n".join(out)


@pytest.mark.parametrize("layout", ["cell_bars", "aligned", "aligned_wide"])
def test_sichuan_form_without_scores(layout):
    """With the blank 得分 cells kept (a lone `|`, or blank columns), the weights are placed exactly;
    every score the form does not print is missing, none is invented."""
    result = read_bytes(LAYOUTS[layout](_without_scores(SICHUAN_WEB)).encode(), "sc.txt")
    assert [p for p in result.problems if p.severity == "error"] == []
    (form,) = result.forms
    assert [(i.weight, i.declared_score) for i in form.indicators] == [
        (30, None),
        (20, None),
        (10, None),
        (20, None),
        (10, None),
    ]
    assert (form.declared_total_weight, form.declared_total) == (100, None)
    assert (form.funds.declared_weight, form.funds.declared_score) == (10, None)
    assert (form.funds.total.annual_budget, form.funds.total.executed) == (1150000.0, 1092500.0)


def test_sichuan_form_without_scores_and_without_blank_cells_is_refused():
    """The same form with its blank cells gone: 30 may be the 权重 or the 得分."""
    result = read_bytes(text_layouts.to_bar_dump(_without_scores(SICHUAN_WEB)).encode(), "sc.txt")
    assert result.forms == ()
    assert [p.code for p in result.problems if p.severity == "error"] == ["TEXT_AMBIGUOUS"]


def _goal_texts(forms):
    return [(f.goals.expected.replace(" ", ""), f.goals.achieved.replace(" ", "")) for f in forms]


@pytest.mark.parametrize("layout", [name for name in LAYOUTS if name != "tabs"])
def test_goals_keep_their_columns_in_every_layout(layout):
    """预期目标 and 实际完成情况 land under their own labels, in the seed and in every family."""
    seed = variants.seed_text()
    expected = _goal_texts(read_bytes(seed.encode(), "s.txt").forms)
    assert all(e and a for e, a in expected)
    assert _goal_texts(read_bytes(LAYOUTS[layout](seed).encode(), "s.txt").forms) == expected
    for family in ("central", "yunnan_20_80", "nature_columns", "sichuan_10_90"):
        text = EXPECTED[family][0]
        (want,) = _goal_texts(read_bytes(text.encode(), "f.txt").forms)
        assert want[0] and want[1]
        assert _goal_texts(read_bytes(LAYOUTS[layout](text).encode(), "f.txt").forms) == [want], family
