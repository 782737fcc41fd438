"""Each scoring rule, table-driven, under both shipped profiles."""

from __future__ import annotations

from dataclasses import replace

import pytest

from selfeval.bounds import round_half_up
from selfeval.model import Funds, FundsLine, Indicator
from selfeval.profile import PROFILES, load_profile
from selfeval.rules import budget_score, execution_rate, grade_of, score, score_indicator

FUTIAN = load_profile("shenzhen-futian-2023")
MOF = load_profile("mof-2020")


def row(target, actual, weight=10.0, declared=None, level2="数量指标", name="指标"):
    return Indicator("产出指标", level2, name, target, actual, weight, declared, "")


@pytest.mark.parametrize(
    ("target", "actual", "weight", "rule", "points"),
    [
        # positive quantitative (">" counts as "≥")
        (">100人次", "128人次", 12.5, "positive.full", 12.5),
        (">3次", "3次", 10, "positive.full", 10),
        (">100人次", "52人次", 12.5, "positive.under", 6.5),
        ("≥90%", "45%", 10, "positive.under", 5.0),
        ("90%有效", "100%有效", 30, "positive.full", 30),
        # over-achievement: ≥ 1.5 × target loses a flat point
        (">2个", "3个", 10, "positive.over", 9),
        (">5%", "100%", 8.3, "positive.over", 7.3),
        (">150份", "175份", 8.3, "positive.full", 8.3),
        # reverse
        ("<35万元", "34.52万元", 12.5, "reverse.full", 12.5),
        ("≤ 5起", "0起", 10, "reverse.full", 10),
        ("<100万元", "150万元", 10, "reverse.over", 5.0),
        ("<100万元", "250万元", 10, "reverse.over", 0.0),
        ("支出<3000万元", "支出1687.22万元", 6, "reverse.full", 6),
        ("≤3000元/人.年", "3000元/人.年", 12.5, "reverse.full", 12.5),
        # exact
        ("100%", "100%", 12.5, "exact.full", 12.5),
        ("100%", "80%", 10, "exact.under", 8.0),
        ("=4次", "5次", 10, "exact.under", 8.0),
        # qualitative (futian: 达成 is the full weight)
        ("有效落实", "有效落实100%", 15, "qualitative.achieved", 15),
        ("及时", "及时100%", 5.5, "qualitative.achieved", 5.5),
        ("有所提高", "有所提高 100%", 15, "qualitative.achieved", 15),
        # dates
        ("2023年12月底前", "2023年11月19日", 12.5, "date.on_time", 12.5),
        ("截至2023年底", "2023年2月28日前划转", 5.5, "date.on_time", 5.5),
        ("2023年6月1日-2023年12月31日", "2023年12月21日前完成", 10, "date.on_time", 10),
        # 不适用
        ("不适用", "不适用", 0, "na", 0),
    ],
)
def test_futian_rules(target, actual, weight, rule, points):
    name = "不适用" if target == "不适用" else "指标"
    result, _ = score_indicator(row(target, actual, weight, name=name), FUTIAN, 2023)
    assert (result.rule, result.score) == (rule, points)
    assert result.explanation


@pytest.mark.parametrize(
    ("actual", "declared", "rule", "points", "band", "codes"),
    [
        ("部分完成", 7.0, "qualitative.partial", 7.0, (6.0, 8.0), set()),
        ("部分完成", 9.0, "qualitative.partial", 8.0, (6.0, 8.0), {"BAND_OUTSIDE"}),
        ("部分完成", None, "qualitative.partial", 6.0, (6.0, 8.0), {"BAND_NO_DECLARED"}),
        ("未完成", 3.0, "qualitative.missed", 3.0, (0.0, 6.0), set()),
    ],
)
def test_qualitative_bands_accept_a_declared_score_inside(actual, declared, rule, points, band, codes):
    result, issues = score_indicator(row("有效落实", actual, 10, declared), FUTIAN, 2023)
    assert (result.rule, result.score, result.band) == (rule, points, band)
    assert {i.code for i in issues} == codes
    if codes == {"BAND_OUTSIDE"}:
        assert "[6, 8]" in issues[0].message


def test_mof_achieved_is_a_band_and_over_achievement_only_flags():
    result, _ = score_indicator(row("有效落实", "有效落实", 10, 9.0), MOF, 2023)
    assert (result.score, result.band) == (9.0, (8.0, 10.0))
    result, issues = score_indicator(row(">10人", "13人", 10), MOF, 2023)
    assert (result.rule, result.score) == ("positive.over_review", 10)
    assert [i.code for i in issues] == ["OVER_REVIEW"]
    result, _ = score_indicator(row(">10人", "13人", 10), FUTIAN, 2023)
    assert result.rule == "positive.full"  # under 1.5 × in Futian


@pytest.mark.parametrize(
    ("target", "actual", "code"),
    [
        (">90%", "详见附件", "VALUE_UNPARSED"),
        (">90%", "", "VALUE_UNPARSED"),
        (">10人", "20万元", "UNIT_MISMATCH"),
        ("好好干", "还行吧", "VALUE_UNPARSED"),
    ],
)
def test_unscorable_rows_say_why_and_give_no_score(target, actual, code):
    result, issues = score_indicator(row(target, actual), FUTIAN, 2023)
    assert result.score is None and result.rule == "unscored"
    assert [i.code for i in issues] == [code]


def test_money_in_wan_and_yuan_compare_after_conversion():
    result, _ = score_indicator(row("<35万元", "345202元", level2="成本指标"), FUTIAN, 2023)
    assert result.rule == "reverse.full"
    result, _ = score_indicator(row("<350000元", "36万元", level2="成本指标"), FUTIAN, 2023)
    assert result.rule == "reverse.over"


@pytest.mark.parametrize(
    ("budget", "executed", "rate", "points"),
    [
        (350000, 345202, 0.98629, 9.86),
        (30000, 3576, 0.1192, 1.19),
        (100, 120, 1.2, 10.0),
        (0, 0, 0.0, 0.0),
        (370000, 358820, 0.969784, 9.7),
    ],
)
def test_budget_execution(budget, executed, rate, points):
    funds = Funds(FundsLine("年度资金总额", budget, budget, executed))
    got = execution_rate(funds)
    assert got == pytest.approx(rate, abs=1e-5)
    assert budget_score(got, FUTIAN) == points


@pytest.mark.parametrize(
    ("x", "expected"), [(9.865, 9.87), (9.8649, 9.86), (2.675, 2.68), (0.005, 0.01), (-1.005, -1.01)]
)
def test_round_half_up(x, expected):
    assert round_half_up(x) == expected


@pytest.mark.parametrize(
    ("total", "grade"), [(90, "优"), (89.99, "良"), (80, "良"), (60, "中"), (59.99, "差"), (None, None)]
)
def test_grades(total, grade):
    assert grade_of(total, FUTIAN) == grade


def test_unknown_profile_is_a_clear_error():
    with pytest.raises(ValueError, match="未知的评分规则"):
        load_profile("nowhere")


def _variant_profile(tmp_path, extra: str, replace_from: str = "", replace_to: str = ""):
    text = (PROFILES / "shenzhen-futian-2023.toml").read_text(encoding="utf-8")
    text = text.replace('name = "shenzhen-futian-2023"', 'name = "variant"')
    if replace_from:
        text = text.replace(replace_from, replace_to)
    path = tmp_path / "variant.toml"
    path.write_text(text + "\n" + extra, encoding="utf-8")
    return load_profile(path)


def _seed_form(name):
    from selfeval.readers import read_path
    from tests.conftest import SEED

    return next(f for f in read_path(SEED).forms if f.header.project_name == name)


def test_total_capped_by_execution_rate(tmp_path):
    profile = _variant_profile(
        tmp_path, "[[total_cap]]\nbelow = 80\ncap = 89\n\n[[total_cap]]\nbelow = 60\ncap = 69\n"
    )
    card = score(_seed_form("疫情防控"), profile)  # 73 % executed, 96.3 uncapped
    assert card.total == 89 and card.grade == "良"
    assert "TOTAL_CAPPED" in {i.code for i in card.issues}
    card = score(_seed_form("小型工程类项目（非政府投资项目）"), profile)  # 56.34 %: the stricter cap
    assert card.total == 69
    assert score(_seed_form("劳模管理"), profile).total == 99.86  # 98.63 %: no cap


def test_not_applicable_rows_dropped_and_the_rest_rescaled(tmp_path):
    profile = _variant_profile(tmp_path, "", "rescale = false", "rescale = true")
    form = _seed_form("职工疗休养")  # weights 12.5 × 4 + 15 + 15 + 10 = 90: nothing to rescale
    assert score(form, profile).total == 93.7
    rows = list(form.indicators)
    rows[5] = replace(
        rows[5],
        weight=0.0,
        declared_score=0.0,
        name="不适用",
        target="不适用",
        actual="不适用",
        reason="不适用",
    )
    card = score(replace(form, indicators=tuple(rows)), profile)  # 15 points of 效益 now 不适用
    scaled = next(s for s in card.indicators if s.indicator.name == "提升劳模在广大职工中的影响力")
    assert scaled.score == round(15 * 90 / 75, 2) and "不适用指标剔除后" in scaled.explanation
    assert not any(i.code in ("WEIGHT_LEVEL_SUM", "WEIGHT_TOTAL") for i in card.issues)
