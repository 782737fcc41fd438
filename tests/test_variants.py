"""Noisy variants of the seed (made here) give the same forms and the same scores as the original."""

from __future__ import annotations

from pathlib import Path

import pytest

from selfeval.profile import load_profile
from selfeval.readers import read_bytes
from selfeval.rules import score
from tests import variants

PROFILE = load_profile()


def _scores(data: bytes, name: str = "variant.txt"):
    result = read_bytes(data, name)
    assert [p for p in result.problems if p.severity == "error"] == []
    cards = [score(f, PROFILE) for f in result.forms]
    return {
        c.form.header.project_code: (
            c.form.header.project_name,
            c.total,
            c.budget_score,
            tuple((s.indicator.name, s.indicator.weight, s.score) for s in c.indicators),
        )
        for c in cards
    }


@pytest.fixture(scope="module")
def baseline():
    expected = _scores(variants.seed_text().encode("utf-8"))
    assert len(expected) == 13
    return expected


TEXT_VARIANTS = {
    "shift_right_all": lambda t: variants.shift_rows(t, 1),
    "shift_right_every_other": lambda t: variants.shift_rows(t, 2, every=2),
    "shift_left": lambda t: variants.shift_rows(t, -1, every=3),
    "punctuation_and_spaces": variants.punctuation_swap,
    "forms_reordered": variants.reorder,
    "pipe_table": variants.to_pipes,
    "one_cell_per_line": variants.to_dump,
    "crlf_line_ends": lambda t: t.replace("\n", "\r\n"),
    "csv": variants.to_csv,
    "blank_lines_in_grid": lambda t: t.replace("\t数量指标\t", "\n\n\t数量指标\t"),
    "short_level_names": lambda t: (
        t.replace("(50分)", "（50）").replace("数量指标\t", "数量\t").replace("社会效益指标", "社会效益")
    ),
    "renamed_headers": lambda t: _rename_grid_headers(t).replace("项目编码:", "项目编码（21位）:"),
    "points_with_unit": lambda t: t.replace("\t12.5\t12.5\t", "\t12.5分\t12.5分\t"),
}


def _rename_grid_headers(text: str) -> str:
    """Other units' words for the grid's columns: 目标值, 实际完成, 权重, 自评分, 未完成原因."""
    words = {
        "年度指标值": "目标值",
        "* 实际完成值": "实际完成",
        "* 分值": "权重",
        "* 得分": "自评分",
        "偏差原因分析及改进措施": "未完成原因",
    }
    lines = text.split("\n")
    for n, line in enumerate(lines):
        if "一级指标" in line:
            lines[n] = "\t".join(words.get(c, c) for c in line.split("\t"))
    return "\n".join(lines)


@pytest.mark.parametrize("name", TEXT_VARIANTS)
def test_text_variant_scores_like_the_seed(baseline, name):
    text = TEXT_VARIANTS[name](variants.seed_text())
    assert _scores(text.encode("utf-8")) == baseline


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8-sig", "utf-16"])
def test_encodings(baseline, encoding):
    data = (
        variants.seed_text().replace("\u2014", "-").encode(encoding, errors="strict")
        if encoding == "gbk"
        else variants.seed_text().encode(encoding)
    )
    got = _scores(data)
    assert got == baseline


@pytest.mark.parametrize(
    "layout",
    [
        {"weight_first": True},
        {"nature": True},
        {"wan": True},
        {"leading_cols": 2, "title_rows": 3},
        {"weight_first": True, "nature": True, "wan": True, "leading_cols": 1},
        {"nature": True, "nature_words": True},
    ],
    ids=[
        "weight_before_target",
        "nature_column",
        "wan_yuan",
        "offset_and_titles",
        "all_at_once",
        "nature_in_words",
    ],
)
def test_other_regions_layouts(baseline, layout):
    forms = read_bytes(variants.seed_text().encode(), "seed.txt").forms
    text = "\n\n".join(variants.render(f, **layout) for f in forms)
    assert _scores(text.encode("utf-8")) == baseline


def test_reason_and_measures_in_two_columns_are_joined():
    forms = read_bytes(variants.seed_text().encode(), "seed.txt").forms
    again = read_bytes(variants.render(forms[8], split_reason=True).encode(), "split.txt").forms[0]
    lost = again.indicators[0]  # 服务干部人数: 偏差原因 … ；2. 改进措施 …
    assert lost.reason.startswith("1. 偏差原因") and "；2. 改进措施" in lost.reason
    assert again.indicators[1].reason == "无"


def test_wan_amounts_convert_to_yuan():
    form = read_bytes(variants.seed_text().encode(), "seed.txt").forms[12]
    again = read_bytes(variants.render(form, wan=True).encode(), "wan.txt").forms[0]
    assert again.funds.money_unit == "万元"
    assert again.funds.total.executed == 4005913.08
    assert again.funds.total.annual_budget == 4022500.00


def test_not_a_form_is_refused_with_a_reason():
    result = read_bytes("会议纪要\n今天讨论了预算。\n".encode(), "纪要.txt")
    assert result.forms == ()
    assert [p.code for p in result.problems] == ["FORM_NOT_FOUND"]


def test_form_without_indicator_grid_is_not_scored():
    text = variants.split_forms(variants.seed_text())[0]
    damaged = text.split("年度绩效指标")[0]
    result = read_bytes(damaged.encode(), "damaged.txt")
    assert result.forms == ()
    assert [p.code for p in result.problems] == ["INDICATORS_MISSING"]


def test_form_without_funds_is_not_scored():
    text = variants.split_forms(variants.seed_text())[0]
    lines = [line for line in text.split("\n") if "预算数" not in line and "资金总额" not in line]
    result = read_bytes("\n".join(lines).encode(), "nofunds.txt")
    assert result.forms == ()
    assert [p.code for p in result.problems] == ["FUNDS_MISSING"]


def test_2021_template_with_cost_as_a_weighted_first_level():
    """产出 30 + 成本 20 + 效益 30 + 满意度 10 + budget 10, amounts in 万元."""
    data = (Path(__file__).parent / "data" / "cost-as-first-level.txt").read_bytes()
    (form,) = read_bytes(data, "cost.txt").forms
    card = score(form, PROFILE)
    assert [i.level1 for i in form.indicators] == [
        "产出指标",
        "产出指标",
        "成本指标",
        "效益指标",
        "满意度指标",
    ]
    assert form.level1_weights == {"产出指标": 30, "成本指标": 20, "效益指标": 30, "满意度指标": 10}
    assert (card.total, card.rate, form.funds.total.executed) == (99.5, 95.0, 950000.0)
    assert [i for i in card.issues if i.severity != "info"] == []
    wrong_cost = data.replace("95万元\t20".encode(), "80万元\t20".encode())
    card = score(read_bytes(wrong_cost, "cost.txt").forms[0], PROFILE)
    assert "COST_MISMATCH" in {i.code for i in card.issues}


def test_wan_in_goal_text_does_not_rescale_a_yuan_table():
    """Only the unit labels say 万元; a goal sentence 'budget 35万元' right below a short table does not."""
    text = variants.split_forms(variants.seed_text())[0]
    short = "\n".join(
        line for line in text.split("\n") if not any(w in line for w in ("其中", "上年结转", "其他资金"))
    )
    (form,) = read_bytes(short.encode(), "short.txt").forms
    assert "万元" in form.goals.achieved
    assert (form.funds.money_unit, form.funds.total.executed) == ("元", 345202.0)


def test_labels_without_colons():
    text = variants.split_forms(variants.seed_text())[0].replace("项目名称:\t劳模管理", "项目名称劳模管理\t")
    (form,) = read_bytes(text.encode(), "nocolon.txt").forms
    assert form.header.project_name == "劳模管理"


def test_header_values_under_their_labels():
    text = variants.split_forms(variants.seed_text())[0]
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("项目编码"))
    lines[at : at + 2] = [
        "项目编码\t项目名称\t绩效自评年度\t实施单位\t一级预算单位",
        "440304226011500000008\t劳模管理\t2023\t深圳市福田区总工会（本级）\t深圳市福田区总工会（本级）",
    ]
    (form,) = read_bytes("\n".join(lines).encode(), "vertical.txt").forms
    h = form.header
    assert (h.project_code, h.project_name, h.year, h.unit, h.budget_unit) == (
        "440304226011500000008",
        "劳模管理",
        "2023",
        "深圳市福田区总工会（本级）",
        "深圳市福田区总工会（本级）",
    )
    assert score(form, PROFILE).total == 99.86
