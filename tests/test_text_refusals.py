"""Text copies whose cells cannot be put back with confidence are refused with a reason naming the
line, never read wrong: lost separators, lost order, two readings, a cell under two columns; and
cells taken out or shuffled are missing or refused, never misplaced.
"""

from __future__ import annotations

import pytest

from selfeval.readers import read_bytes
from tests import text_layouts, variants
from tests.text_forms import (
    CENTRAL,
    EXPECTED,
    LAYOUTS,
    NATURE_COLUMNS,
    SICHUAN_WEB,
    YUNNAN_20_80,
    consistent,
    numbers,
    seed_declared,
    without_scores,
)


@pytest.fixture(scope="module")
def seed_figures():
    result = read_bytes(variants.seed_text().encode(), "seed.txt")
    assert len(result.forms) == 13
    return {f.header.project_code: seed_declared(f) for f in result.forms}


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
        assert seed_declared(form)[:3] == (name, declared, weights)


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


def test_funds_row_missing_a_cell_without_a_rate_to_tell_is_refused():
    """预算数 and 执行数 with the 执行率 blank: nothing says which of the three amounts is missing."""
    text = text_layouts.to_bar_dump(CENTRAL).replace(
        "500.00|\n520.00|\n512.88|\n10|\n98.63%|", "520.00|\n512.88|\n10|", 1
    )
    result = read_bytes(text.encode(), "funds.txt")
    assert result.forms == ()
    (problem,) = [p for p in result.problems if p.severity == "error"]
    assert problem.code == "TEXT_AMBIGUOUS" and "资金" in problem.message


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
        assert consistent(numbers(result.forms[0]), numbers(original)), "\n".join(lines)
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
        assert numbers(result.forms[0]) == numbers(original), lines[at]
        outcomes["read"] += 1
    assert outcomes["read"] and outcomes["refused"]


def test_sichuan_form_without_scores_and_without_blank_cells_is_refused():
    """The same form with its blank cells gone: 30 may be the 权重 or the 得分."""
    result = read_bytes(text_layouts.to_bar_dump(without_scores(SICHUAN_WEB)).encode(), "sc.txt")
    assert result.forms == ()
    assert [p.code for p in result.problems if p.severity == "error"] == ["TEXT_AMBIGUOUS"]


def test_row_per_line_pipe_tables_with_a_row_shuffled_never_misplace_a_number():
    """A pipe table one row per line with one row's cells shuffled or one cell moved: refused, or
    every number read is the published one or missing (the row said to be unreadable)."""
    import random

    rng = random.Random(5)
    sources = [EXPECTED[f][0] for f in EXPECTED if f != "sichuan_web"] + variants.split_forms(
        variants.seed_text()
    )
    outcomes = {"exact": 0, "refused": 0, "other": 0}
    for _ in range(80):
        text = rng.choice(sources)
        (original,) = read_bytes(text.encode(), "t.txt").forms
        lines = text_layouts.to_row_pipes(text).split("\n")
        at = rng.choice([i for i, line in enumerate(lines) if line.count("|") > 4])
        cells = [c.strip() for c in lines[at].strip().rstrip("|").split("|")]
        if rng.random() < 0.5:
            rng.shuffle(cells)
        else:
            cells.insert(rng.randrange(len(cells)), cells.pop(rng.randrange(len(cells))))
        lines[at] = " | ".join(cells) + " |"
        result = read_bytes("\n".join(lines).encode(), "t.txt")
        if not result.forms:
            assert [p for p in result.problems if p.severity == "error"]
            outcomes["refused"] += 1
            continue
        got, want = numbers(result.forms[0]), numbers(original)
        if got == want:
            outcomes["exact"] += 1
            continue
        flagged = [i for i in result.forms[0].issues if i.severity == "error"]
        assert flagged or consistent(got, want), lines[at]
        outcomes["other"] += 1
    assert outcomes["exact"] and outcomes["refused"]
