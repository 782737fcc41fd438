"""The template families of docs/forms.md §6, read from workbooks built here with real merges (issue 10).

Every declared figure, every computed one and every issue is asserted, cell by cell. The property test
at the end holds the promise: for any layout, a number is read exactly as declared or not at all.
"""

from __future__ import annotations

import random

import pytest

from selfeval.model import Cell, Grid
from selfeval.profile import available_profiles, load_profile, profile_for, select_profile
from selfeval.readers import read_bytes
from selfeval.readers.recognize import recognize
from selfeval.rules import score
from selfeval.serialize import scorecard_to_dict, scorecards_to_csv
from tests import family_forms as ff
from tests.conftest import SEED


def _one(data: bytes, name: str = "x.xlsx"):
    result = read_bytes(data, name)
    assert result.ok, result.problems
    (form,) = result.forms
    return result, form, score(form)


def _issues(card, severity=None):
    return [(i.code, i.location) for i in card.issues if severity is None or i.severity == severity]


def _rows(card):
    return [
        (s.indicator.level1, s.indicator.level2, s.indicator.name, s.indicator.weight, s.indicator.declared_score,
         s.score, s.rule, s.verified)
        for s in card.indicators
    ]  # fmt: skip


# --- the national table (财预〔2020〕10号) ------------------------------------------------------------
def test_central_geometry_reads_and_scores_every_row():
    result, form, card = _one(ff.central())
    assert result.problems == ()
    h = form.header
    assert (h.project_code, h.project_name, h.year) == ("", "劳模管理", "2023")
    assert (h.unit, h.budget_unit) == ("深圳市福田区总工会（本级）", "深圳市福田区总工会")
    f = form.funds
    assert (f.total.initial_budget, f.total.annual_budget, f.total.executed) == (350000.0, 350000.0, 345202.0)
    assert (f.money_unit, f.declared_weight, f.declared_rate, f.declared_score) == ("万元", 10.0, 98.63, 9.86)
    assert [(p.label, p.annual_budget, p.executed) for p in f.parts] == [
        ("当年财政拨款", 350000.0, 345202.0),
        ("上年结转资金", 0.0, 0.0),
        ("其他资金", 0.0, 0.0),
    ]
    assert form.goals.expected.startswith("关爱劳模") and form.goals.achieved.startswith("举办活动128人次")
    assert [(r[2], r[3], r[4]) for r in _rows(card)] == [(r[2], r[5], r[6]) for r in ff.CENTRAL_ROWS]
    assert [r[:2] for r in _rows(card)] == [r[:2] for r in ff.CENTRAL_ROWS]
    assert [(r[5], r[7]) for r in _rows(card)] == [(float(r[6]), True) for r in ff.CENTRAL_ROWS]
    assert (form.declared_total_weight, form.declared_total) == (100.0, 99.86)
    assert (card.rate, card.budget_score, card.total, card.grade) == (98.63, 9.86, 99.86, "优")
    assert (card.profile, card.profile_auto, card.verification) == ("shenzhen-futian-2023", True, "verified")
    # the national table prints no 项目编码: said, nothing else
    assert _issues(card) == [("FIELD_MISSING", "劳模管理!第1行")]
    assert card.indicators[0].indicator.cells["name"].col == 4  # D, merged over D:E
    assert card.indicators[0].indicator.cells["reason"].col == 10  # J, merged over J:K


@pytest.mark.parametrize("rate_text", ["98.63%", ""])
def test_funds_row_with_blank_initial_budget_keeps_its_columns(rate_text):
    """The confident wrong number of issue 10: 分值 10 read as 全年执行数 = 10 元. Never again."""
    result, form, card = _one(ff.central(initial=None, rate_text=rate_text))
    t = form.funds.total
    assert (t.initial_budget, t.annual_budget, t.executed) == (None, 350000.0, 345202.0)
    assert form.funds.declared_weight == 10.0
    assert form.funds.declared_rate == (98.63 if rate_text else None)
    assert (card.rate, card.budget_score, card.total) == (98.63, 9.86, 99.86)
    assert not {"ROW_ALIGNED", "ROW_AMBIGUOUS", "ROW_SHIFTED"} & {i.code for i in card.issues}


def _grid(lines: list[list[str]], sheet: str = "文本") -> Grid:
    """A text copy that lost its empty cells: every line's cells in consecutive columns."""
    rows = tuple(
        tuple(Cell(text, r, c) for c, text in enumerate(line, start=1) if text)
        for r, line in enumerate(lines, 1)
    )
    return Grid("t.txt", sheet, tuple(r for r in rows if r), exact_columns=False)


_TEXT_HEAD = [
    ["项目支出绩效自评表"],
    ["项目名称", "劳模管理", "项目编码", ff.CODE],
    ["实施单位", "某工会", "主管部门", "某工会", "年度", "2023"],
    ["项目资金（元）", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
]
_TEXT_TAIL = [
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
    ["产出指标", "数量指标", "举办活动", ">100人次", "128人次", "50", "50", "无"],
    ["效益指标", "社会效益指标", "关爱落实", "有效落实", "100%有效落实", "30", "30", "无"],
    ["满意度指标", "服务对象满意度指标", "满意度", ">90%", "93.97%", "10", "10", "无"],
    ["总分", "100", "99.86"],
]


def test_a_funds_row_that_lost_a_cell_is_placed_by_what_its_cells_hold():
    grid = _grid([*_TEXT_HEAD, ["年度资金总额", "350000", "345202", "10", "98.63%", "9.86"], *_TEXT_TAIL])
    (form,), problems = recognize(grid)
    assert problems == []
    t = form.funds.total
    assert (t.initial_budget, t.annual_budget, t.executed) == (None, 350000.0, 345202.0)
    assert (form.funds.declared_weight, form.funds.declared_rate, form.funds.declared_score) == (
        10.0,
        98.63,
        9.86,
    )
    aligned = [i for i in form.issues if i.code == "ROW_ALIGNED"]
    assert [(i.location, i.severity) for i in aligned] == [("文本!第5行", "info")]
    assert "全年预算数=350000" in aligned[0].message and "全年执行数=345202" in aligned[0].message
    card = score(form)
    assert (card.total, card.verification) == (99.86, "verified")


def test_a_funds_row_whose_cells_could_mean_several_things_is_refused_not_guessed():
    """Four numbers, six columns, no rate to confirm them: 10 could be 分值 or 全年执行数. Not used."""
    grid = _grid([*_TEXT_HEAD, ["年度资金总额", "350000", "345202", "10", "9.86"], *_TEXT_TAIL])
    (form,), problems = recognize(grid)
    t = form.funds.total
    assert (t.initial_budget, t.annual_budget, t.executed) == (None, None, None)
    assert [(i.code, i.location, i.severity) for i in form.issues if i.code == "ROW_AMBIGUOUS"] == [
        ("ROW_AMBIGUOUS", "文本!B5", "error")
    ]
    card = score(form)
    assert card.total is None and card.grade is None and card.verification == "unverified"
    assert ("AMOUNT_MISSING", "文本!第5行") in _issues(card, "error")


# --- workbooks with other sheets ----------------------------------------------------------------------
def test_cover_sheet_and_empty_sheet_are_skipped_with_a_note():
    result = read_bytes(ff.with_cover(ff.central()), "cover.xlsx")
    assert result.ok and len(result.forms) == 1
    assert [(p.code, p.severity, p.location) for p in result.problems] == [
        ("SHEET_SKIPPED_KIND", "info", "封面!第1行"),
        ("SHEET_EMPTY", "info", "Sheet1!第1行"),
    ]
    assert "Sheet1" in result.problems[1].message
    assert "封面" in result.problems[0].message and "说明" in result.problems[0].message
    assert score(result.forms[0]).total == 99.86


def test_half_a_form_is_still_an_error():
    """A sheet with a header and a funds table but no indicators is not skipped silently."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "半张"
    for row in (
        ["项目名称", "劳模管理", "项目编码", ff.CODE],
        ["项目资金（元）", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        ["年度资金总额", 1, 1, 1, 10, "100%", 10],
    ):
        ws.append(row)
    result = read_bytes(ff.save(wb), "half.xlsx")
    assert not result.ok and result.forms == ()
    assert [(p.code, p.severity) for p in result.problems] == [("INDICATORS_MISSING", "error")]


# --- 20 + 80 -------------------------------------------------------------------------------------------
def test_twenty_eighty_with_weights_only_in_the_first_level_header():
    result, form, card = _one(ff.yunnan())
    assert result.problems == ()
    f = form.funds
    assert (f.total.initial_budget, f.total.annual_budget, f.total.executed) == (None, 1000000.0, 950000.0)
    assert (f.money_unit, f.declared_weight, f.declared_rate, f.declared_score, f.parts) == (
        "万元",
        20.0,
        95.0,
        19.0,
        (),
    )
    assert form.level1_weights == {"产出指标": 60.0, "效益指标": 10.0, "满意度指标": 10.0}
    assert (card.profile, card.budget_weight, card.rate, card.budget_score) == (
        "yunnan-20-80",
        20.0,
        95.0,
        19.0,
    )
    assert [(r[0], r[2], r[3], r[4], r[5], r[6], r[7]) for r in _rows(card)] == [
        ("产出指标", "培训人次", None, 20.0, 20.0, "declared", False),
        ("产出指标", "培训合格率", None, 20.0, 20.0, "declared", False),
        ("产出指标", "完成时间", None, 20.0, 20.0, "declared", False),
        ("效益指标", "职工知晓率", None, 10.0, 10.0, "declared", False),
        ("满意度指标", "参训职工满意度", None, 9.0, 9.0, "declared", False),
    ]
    assert card.indicators[0].unverified_reason == "本行未列分值（分值仅见于一级指标“产出指标（60分）”）"
    assert (form.declared_total, card.total, card.grade, card.verification) == (98.0, 98.0, "优", "partial")
    assert card.verification_label == "部分核验" and len(card.verification_reasons) == 5
    assert _issues(card) == [("LEVEL_WEIGHTS_ONLY", "云南!第1行")]
    d = scorecard_to_dict(card)
    assert (d["verification"], d["profile"], d["indicators"][0]["verified"]) == (
        "partial",
        "yunnan-20-80",
        False,
    )
    csv = scorecards_to_csv([card]).decode("utf-8-sig").splitlines()
    assert csv[0].endswith("核验,未核验原因,全表核验状态,评分规则")
    assert csv[1].endswith(
        ",未核验,本行未列分值（分值仅见于一级指标“产出指标（60分）”）,部分核验,yunnan-20-80"
    )


def test_level_scores_above_the_first_level_weight_are_reported():
    data = ff.yunnan()
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data))
    wb.active["G11"] = 12  # 满意度指标(10分) with a row declared 12
    _, form, card = _one(ff.save(wb))
    assert ("LEVEL_SCORE_SUM", "云南!第11行") in _issues(card, "error")


# --- 10 + 90 with 指标性质 / 指标值 / 度量单位 -----------------------------------------------------------
def test_nature_value_unit_columns_join_into_a_target_and_select_the_ten_ninety_profile():
    result, form, card = _one(ff.sichuan())
    assert result.problems == ()
    t = form.funds.total
    assert (t.initial_budget, t.annual_budget, t.executed, form.funds.declared_weight) == (
        None,
        200000.0,
        190000.0,
        10.0,
    )
    assert [(s.indicator.target, s.indicator.actual) for s in card.indicators] == [
        ("≥10场", "12场"),
        ("≥90%", "95%"),
        ("≥85%", "80%"),
    ]
    assert [(r[3], r[4], r[5], r[6]) for r in _rows(card)] == [
        (40.0, 40.0, 40.0, "positive.over_review"),
        (30.0, 30.0, 30.0, "positive.full"),
        (20.0, 18.82, 18.82, "positive.under"),
    ]
    assert (card.profile, card.rate, card.budget_score, card.total, card.verification) == (
        "sichuan-10-90", 95.0, 9.5, 98.32, "verified",
    )  # fmt: skip
    assert _issues(card) == [
        ("OVER_REVIEW", "四川!J6"),
        ("REASON_EMPTY", "四川!第6行"),
        ("REASON_EMPTY", "四川!第7行"),
        ("REASON_MISSING", "四川!第8行"),
    ]


# --- leftovers, rows with only 分值/得分, missing 一级 names, `/`, funds on 财政拨款 -------------------
def test_template_leftovers_and_rows_with_only_weight_and_score():
    result, form, card = _one(ff.leftovers())
    assert result.problems == ()
    t = form.funds.total
    assert (t.initial_budget, t.annual_budget, t.executed) == (100000.0, 100000.0, 100000.0)
    assert (form.funds.declared_weight, form.funds.declared_rate, form.funds.declared_score) == (
        10.0,
        None,
        10.0,
    )
    assert form.level1_weights == {"产出指标": 50.0, "效益指标": 30.0, "满意度指标": 10.0}
    assert [(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]) for r in _rows(card)] == [
        ("产出指标", "数量指标", "年度资金支付完成率100%", 25.0, 25.0, 25.0, "declared", False),
        ("产出指标", "质量指标", "验收合格率100%", 25.0, 25.0, 25.0, "declared", False),
        ("效益指标", "社会效益指标", "困难职工受益", 30.0, 30.0, 30.0, "declared", False),
        ("效益指标", "生态效益指标", "/", 0.0, 0.0, 0.0, "na", True),
        ("满意度指标", "服务对象满意度指标", "受助职工满意度≥90%", 10.0, 10.0, 10.0, "declared", False),
    ]
    assert card.indicators[0].unverified_reason == "表中没有指标值列，无法核验"
    assert (card.rate, card.budget_score, card.total, card.verification) == (100.0, 10.0, 100.0, "partial")
    assert _issues(card) == [
        ("FUNDS_FROM_PART", "安徽!第5行"),
        ("LEVEL1_NAME_INFERRED", "安徽!第9行"),
        ("TEMPLATE_LEFTOVER", "安徽!第11行"),
        ("LEVEL1_NAME_INFERRED", "安徽!第12行"),
        ("LEVEL1_NAME_INFERRED", "安徽!第14行"),
        ("TEMPLATE_LEFTOVER", "安徽!第15行"),
        ("TARGET_IN_NAME", "安徽!第8行"),
        ("REASON_EMPTY", "安徽!第9行"),
        ("REASON_EMPTY", "安徽!第10行"),
        ("REASON_EMPTY", "安徽!第12行"),
        ("REASON_EMPTY", "安徽!第14行"),
    ]
    funds_note = card.issues[0]
    assert funds_note.severity == "warning" and "当年财政拨款" in funds_note.message


# --- property: a number is read exactly as declared, or not at all ------------------------------------
def _seed_forms():
    return read_bytes(SEED.read_bytes(), "seed.txt").forms


def _random_grid(form, rng: random.Random) -> Grid:
    """The form as a text copy in a random layout: columns spread or packed, empty cells dropped or kept,
    rows slipped left or right, 年初预算数 left blank."""
    lines: list[list[tuple[int, str]]] = []
    gap = rng.choice([1, 1, 2])
    exact = rng.random() < 0.3  # a faithful copy: every cell where the form put it, nothing slipped

    def line(cells: list[str], slip: int = 0, drop_empty: bool = False) -> None:
        placed, col = [], 1 + slip + 2
        for text in cells:
            if text or not drop_empty:
                placed.append((col, text))
                col += gap
        lines.append(placed)

    h, f = form.header, form.funds
    line(["项目名称", h.project_name, "项目编码", h.project_code])
    line(["实施单位", h.unit, "一级预算单位", h.budget_unit, "绩效自评年度", h.year])
    line(["项目资金（元）", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"])
    blank_initial = rng.random() < 0.5

    def amount(x):
        return "" if x is None else f"{x:.2f}"

    t = f.total
    line(
        ["年度资金总额", "" if blank_initial else amount(t.initial_budget), amount(t.annual_budget), amount(t.executed),
         "10", f"{f.declared_rate}%" if rng.random() < 0.7 else "", str(f.declared_score or "")],
        slip=0 if exact else rng.choice([0, 0, -1, 1]), drop_empty=not exact and rng.random() < 0.5,
    )  # fmt: skip
    line(
        [
            "一级指标",
            "二级指标",
            "三级指标",
            "年度指标值",
            "实际完成值",
            "分值",
            "得分",
            "偏差原因分析及改进措施",
        ]
    )
    for ind in form.indicators:
        line(
            [ind.level1, ind.level2, ind.name, ind.target, ind.actual, f"{ind.weight:g}",
             "" if ind.declared_score is None else f"{ind.declared_score:g}", "" if rng.random() < 0.3 else ind.reason],
            slip=0 if exact else rng.choice([0, 0, 0, -1, 1]), drop_empty=not exact and rng.random() < 0.5,
        )  # fmt: skip
    rows = tuple(
        tuple(Cell(text, r, max(c, 1)) for c, text in cells if text) for r, cells in enumerate(lines, start=1)
    )
    return Grid("random.txt", "文本", tuple(r for r in rows if r), exact_columns=exact)


def test_random_layouts_read_the_declared_numbers_exactly_or_refuse():
    rng = random.Random(20231231)
    originals = _seed_forms()
    seen_read = seen_refused = 0
    for _ in range(120):
        original = rng.choice(originals)
        forms, problems = recognize(_random_grid(original, rng))
        if not forms:
            seen_refused += 1
            continue
        (form,) = forms
        t, o = form.funds.total, original.funds.total
        for got, want in ((t.annual_budget, o.annual_budget), (t.executed, o.executed)):
            assert got in (None, want)
        assert t.initial_budget in (None, o.initial_budget)
        assert form.funds.declared_weight in (None, 10.0)
        assert form.funds.declared_score in (None, original.funds.declared_score)
        declared = {i.name: (i.weight, i.declared_score) for i in original.indicators}
        for ind in form.indicators:
            assert ind.name in declared, ind
            assert (ind.weight, ind.declared_score) == declared[ind.name], ind
        if len(form.indicators) == len(original.indicators) and t.annual_budget is not None:
            seen_read += 1
            assert score(form).total == score(original).total or any(
                i.code in ("ROW_ALIGNED",) for i in form.issues
            )
    assert seen_read > 30  # most layouts are read, not refused


# --- profiles follow the form ---------------------------------------------------------------------------
def test_the_seed_selects_futian_and_scores_exactly_as_before():
    futian = load_profile("shenzhen-futian-2023")
    for form in _seed_forms():
        auto, chosen = score(form), score(form, futian)
        assert (auto.profile, auto.profile_auto, chosen.profile_auto) == ("shenzhen-futian-2023", True, False)
        assert (auto.total, auto.grade, auto.rate, auto.budget_score) == (
            chosen.total, chosen.grade, chosen.rate, chosen.budget_score,
        )  # fmt: skip
        assert [s.score for s in auto.indicators] == [s.score for s in chosen.indicators]
        assert auto.issues == chosen.issues and auto.verification == "verified"


@pytest.mark.parametrize(
    ("build", "expected"),
    [(ff.central, "shenzhen-futian-2023"), (ff.yunnan, "yunnan-20-80"), (ff.sichuan, "sichuan-10-90"),
     (ff.leftovers, "shenzhen-futian-2023")],
)  # fmt: skip
def test_profile_selected_by_the_declared_weights(build, expected):
    (form,) = read_bytes(build(), "x.xlsx").forms
    assert select_profile(form).name == expected


def test_profile_names():
    assert profile_for("auto") is None and profile_for(None) is None
    assert profile_for("mof-2020").name == "mof-2020"
    with pytest.raises(ValueError):
        profile_for("no-such-profile")
    assert {"mof-2020", "shenzhen-futian-2023", "yunnan-20-80", "sichuan-10-90"} <= set(available_profiles())


def _perturbed(grid: Grid, rng: random.Random, exact: bool) -> Grid:
    """Cells taken out at random (labels included); with untrusted columns, rows also moved a column."""
    rows = []
    for row in grid.rows:
        cells = list(row)
        x = rng.random()
        if x < 0.08 and not exact:
            k = rng.choice([-1, 1])
            cells = [Cell(c.text, c.row, max(1, c.col + k)) for c in cells]
        elif x < 0.16 and len(cells) > 2:
            del cells[rng.randrange(1, len(cells))]
        cells = sorted({c.col: c for c in cells}.values(), key=lambda c: c.col)
        if cells:
            rows.append(tuple(cells))
    return Grid(grid.source, grid.sheet, tuple(rows), exact_columns=exact)


@pytest.mark.parametrize("exact", [True, False])
def test_damaged_workbooks_read_each_number_as_declared_or_not_at_all(exact):
    """The seed and every family above, with cells lost (and, for untrusted columns, rows moved): each
    amount, weight, score and total read is the one the intact form declares, or it is not read."""
    from selfeval.readers.excel import workbook_to_grids
    from tests.workbook_variants import Layout, write_layout

    sources = [write_layout(list(_seed_forms()), Layout(name_span=2, reason_span=2, merge_levels=True))]
    sources += [build() for build in (ff.central, ff.yunnan, ff.sichuan)]
    intact = [(g, recognize(g)[0][0]) for data in sources for g in workbook_to_grids(data, "xlsx", "x.xlsx")]
    rng = random.Random(7 if exact else 8)
    read = 0
    for _ in range(150):
        grid, reference = rng.choice(intact)
        forms, _problems = recognize(_perturbed(grid, rng, exact))
        if not forms:
            continue
        (form,) = forms
        read += 1
        t, r = form.funds.total, reference.funds.total
        for got, want in (
            (t.initial_budget, r.initial_budget),
            (t.annual_budget, r.annual_budget),
            (t.executed, r.executed),
            (form.funds.declared_weight, reference.funds.declared_weight),
            (form.funds.declared_rate, reference.funds.declared_rate),
            (form.funds.declared_score, reference.funds.declared_score),
            (form.declared_total, reference.declared_total),
        ):
            assert got is None or got == want, (grid.sheet, got, want)
        declared = {i.loc.row: (i.weight, i.declared_score) for i in reference.indicators}
        for ind in form.indicators:
            weight, score_ = declared.get(ind.loc.row, (None, None))
            assert ind.weight is None or ind.weight == weight, (grid.sheet, ind)
            assert ind.declared_score is None or ind.declared_score == score_, (grid.sheet, ind)
    assert read > 100


def test_two_budget_labels_the_adjusted_one_is_the_annual_budget():
    """四川: 年度预算数(万元) heads the row labels, 调整后预算数 holds 全年预算数 (docs/forms.md §3), whichever
    comes first; a lone 年度预算数 is still the annual budget."""
    from selfeval.model import Cell
    from selfeval.readers.form_rows import funds_header

    def row(*texts):
        return tuple(Cell(t, 9, c) for c, t in enumerate(texts, start=2))

    sichuan = row("年度预算数(万元)", "年初预算", "调整后预算数", "预算执行数", "预算执行率", "权重", "得分")
    assert funds_header(sichuan)["annual_budget"] == 4
    reversed_ = row("调整后预算数", "年度预算数", "预算执行数")
    assert funds_header(reversed_)["annual_budget"] == 2
    assert funds_header(row("年度预算数", "全年执行数"))["annual_budget"] == 2
