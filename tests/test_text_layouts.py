"""Text copies of published forms (web dumps, pdftotext -layout, flattened or row-per-line pipe tables)
read through the same Grid -> Form path: the figures each form declares, cell by cell, in every layout.
"""

from __future__ import annotations

import pytest

from selfeval.readers import read_bytes
from selfeval.readers.text import text_to_grids
from tests import text_layouts, variants
from tests.text_forms import (
    CENTRAL,
    EXPECTED,
    LAYOUTS,
    SEED_LAYOUTS,
    SICHUAN_WEB,
    declared,
    goal_texts,
    seed_declared,
    without_scores,
)


@pytest.fixture(scope="module")
def seed_figures():
    result = read_bytes(variants.seed_text().encode(), "seed.txt")
    assert len(result.forms) == 13
    return {f.header.project_code: seed_declared(f) for f in result.forms}


# (family, layout) pairs whose text does not say which column a cell is in: refused, never guessed
REFUSED = {
    # 指标1：年度资金支付完成率100% | 15 | 15 | 无 with the target and actual cells gone: 15 and 15 may be
    # 指标值/实际完成值 or 分值/得分
    ("leftovers", "bar_dump"): "TEXT_AMBIGUOUS",
    ("leftovers", "flattened_pipes"): "TEXT_AMBIGUOUS",
}


# where the Grid is right but the recogniser (selfeval/readers/recognize.py, owned elsewhere) does not
# read it yet: shown, not hidden
RECOGNISER_GAPS: dict[tuple[str, str], str] = {}


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
    assert declared(form) == (total, budget, annual, executed, scores)


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


@pytest.mark.parametrize("layout", SEED_LAYOUTS)
def test_seed_forms_in_every_text_layout(seed_figures, layout):
    result = read_bytes(SEED_LAYOUTS[layout](variants.seed_text()).encode(), "seed.txt")
    assert [p for p in result.problems if p.severity == "error"] == []
    got = {f.header.project_code: seed_declared(f) for f in result.forms}
    assert got == seed_figures


def test_seed_goals_survive_the_aligned_layout():
    """Wrapped goal paragraphs are joined back, column by column (a space at a wrap point is lost)."""
    before = read_bytes(variants.seed_text().encode(), "seed.txt").forms
    after = read_bytes(text_layouts.to_layout(variants.seed_text()).encode(), "seed.txt").forms

    def goals(forms):
        return [(f.goals.expected.replace(" ", ""), f.goals.achieved.replace(" ", "")) for f in forms]

    assert all(f.goals.expected and f.goals.achieved for f in after)
    assert goals(after) == goals(before)


def test_sub_rows_without_dashes_follow_the_total_rows_columns(seed_figures):
    """Sub-rows printed without their — cells, and the 年初预算数 blank everywhere: the total row's
    printed 执行率 says which amount is missing; the sub-rows leave the same column empty."""
    text = text_layouts.to_bar_dump(variants.seed_text(), drop_initial=True).replace("—|\n", "")
    result = read_bytes(text.encode(), "seed.txt")
    assert [p for p in result.problems if p.severity == "error"] == []
    assert {f.header.project_code: seed_declared(f) for f in result.forms} == seed_figures
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
        assert declared(form)[-1] == [20, 15, 12, 30, 10]


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
    got = {f.header.project_code: seed_declared(f) for f in result.forms}
    assert len(got) == 12 and all(got[k] == seed_figures[k] for k in got)
    assert "440304226011500000008" not in got


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
    assert declared(form) == (total, budget, annual, executed, scores)
    assert not [i for i in form.issues if i.severity == "error"]


@pytest.mark.parametrize("layout", ["cell_bars", "aligned", "aligned_wide"])
def test_sichuan_form_without_scores(layout):
    """With the blank 得分 cells kept (a lone `|`, or blank columns), the weights are placed exactly;
    every score the form does not print is missing, none is invented."""
    result = read_bytes(LAYOUTS[layout](without_scores(SICHUAN_WEB)).encode(), "sc.txt")
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


@pytest.mark.parametrize("layout", [name for name in LAYOUTS if name != "tabs"])
def test_goals_keep_their_columns_in_every_layout(layout):
    """预期目标 and 实际完成情况 land under their own labels, in the seed and in every family."""
    seed = variants.seed_text()
    expected = goal_texts(read_bytes(seed.encode(), "s.txt").forms)
    assert all(e and a for e, a in expected)
    assert goal_texts(read_bytes(LAYOUTS[layout](seed).encode(), "s.txt").forms) == expected
    for family in ("central", "yunnan_20_80", "nature_columns", "sichuan_10_90"):
        text = EXPECTED[family][0]
        (want,) = goal_texts(read_bytes(text.encode(), "f.txt").forms)
        assert want[0] and want[1]
        assert goal_texts(read_bytes(LAYOUTS[layout](text).encode(), "f.txt").forms) == [want], family


def test_wrapped_funds_label_in_aligned_text_is_joined():
    """其中：当年财政 / 拨款 printed on two lines is one row label, and its row is read."""
    lines = text_layouts.to_layout(CENTRAL).split("\n")
    at = next(i for i, line in enumerate(lines) if "其中：当年财政拨款" in line)
    left = lines[at].index("其中：当年财政拨款")
    lines[at] = lines[at].replace("其中：当年财政拨款", "其中：当年财政   ")
    lines.insert(at + 1, " " * left + "拨款")
    (form,) = read_bytes("\n".join(lines).encode(), "wrapped.txt").forms
    (part, *_) = form.funds.parts
    assert (part.label, part.annual_budget, part.executed) == ("当年财政拨款", 5200000.0, 5128800.0)
    assert declared(form) == EXPECTED["central"][1:5] + (EXPECTED["central"][5],)
