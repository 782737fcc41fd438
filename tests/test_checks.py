"""Forms with deliberate mistakes: each gives the Issue it should, at the cell it concerns."""

from __future__ import annotations

import pytest

from selfeval.profile import load_profile
from selfeval.readers import read_bytes
from selfeval.rules import score
from tests import variants

PROFILE = load_profile()


def _form_text(index: int) -> str:
    return variants.split_forms(variants.seed_text())[index]


def _edit(text: str, contains: str, old: str, new: str) -> tuple[str, int]:
    """Replace `old` by `new` on the first line holding both; return the text and that line's number."""
    lines = text.split("\n")
    for n, line in enumerate(lines):
        if contains in line and old in line:
            lines[n] = line.replace(old, new, 1)
            return "\n".join(lines), n + 1
    raise AssertionError(contains)


def _card(text: str):
    result = read_bytes(text.encode("utf-8"), "mistakes.txt")
    assert len(result.forms) == 1, result.problems
    return score(result.forms[0], PROFILE)


def _codes(card, severity=None):
    return {(i.code, i.location) for i in card.issues if severity is None or i.severity == severity}


def test_clean_form_has_no_errors_or_warnings():
    card = _card(_form_text(0))
    assert [i for i in card.issues if i.severity != "info"] == []


def test_deduction_on_a_met_target():
    text, line = _edit(_form_text(0), "服务劳模人数", "12.5\t12.5\t无", "12.5\t11.5\t无")
    card = _card(text)
    assert ("SCORE_MISMATCH", f"文本!H{line}") in _codes(card, "error")
    assert ("REASON_MISSING", f"文本!I{line}") in _codes(card, "error")
    assert ("TOTAL_NOT_SUM", f"文本!H{line + 8}") in _codes(card, "warning") or any(
        i.code == "TOTAL_NOT_SUM" for i in card.issues
    )
    assert card.total == 99.86  # the rules' score, not the declared one


def test_weights_summing_to_110():
    text, line = _edit(_form_text(0), "慰问发放到位率", "12.5\t12.5", "22.5\t22.5")
    card = _card(text)
    codes = {c for c, _ in _codes(card, "error")}
    assert {"WEIGHT_LEVEL_SUM", "WEIGHT_TOTAL"} <= codes
    level = next(i for i in card.issues if i.code == "WEIGHT_LEVEL_SUM")
    assert "60" in level.message and "50" in level.message and level.location.startswith("文本!第")
    assert any(i.code == "WEIGHT_DECLARED_TOTAL" for i in card.issues)


def test_missing_reason_where_points_were_lost():
    text = _form_text(8)  # 职工疗休养: 服务干部人数 52/100 -> 6.5
    reason = text.split("服务干部人数\t")[1].split("\n")[0].split("\t")[-1]
    text, line = _edit(text, "服务干部人数\t", reason, "无")
    card = _card(text)
    assert ("REASON_MISSING", f"文本!I{line}") in _codes(card, "error")


def test_declared_total_rate_and_budget_score_wrong():
    text = _form_text(0)
    text, funds_line = _edit(text, "年度资金总额", "98.63\t9.86", "96.63\t9.66")
    text, total_line = _edit(text, "总分", "99.86", "98.86")
    card = _card(text)
    codes = _codes(card, "error")
    assert ("RATE_MISMATCH", f"文本!G{funds_line}") in codes
    assert ("BUDGET_SCORE_MISMATCH", f"文本!H{funds_line}") in codes
    assert ("TOTAL_MISMATCH", f"文本!H{total_line}") in codes


def test_overspent_and_code_format():
    text, funds_line = _edit(_form_text(0), "年度资金总额", "350000.00\t345202.00", "350000.00\t355202.00")
    text, code_line = _edit(text, "项目编码", "440304226011500000008", "44030422601150000000")
    card = _card(text)
    assert ("OVERSPENT", f"文本!E{funds_line}") in _codes(card, "warning")
    assert ("CODE_FORMAT", f"文本!B{code_line}") in _codes(card, "error")  # a code is 21 ASCII digits
    assert card.budget_score == 10  # capped at the weight above 100 %


def test_cost_actual_must_match_execution():
    text, line = _edit(_form_text(0), "预算支出总成本", "34.52万元", "30.52万元")
    card = _card(text)
    assert ("COST_MISMATCH", f"文本!F{line}") in _codes(card, "warning")


def test_rate_indicator_must_repeat_the_funds_rate():
    text, line = _edit(_form_text(8), "项目预算执行率", "96.98%", "90.00%")
    card = _card(text)
    assert ("RATE_INDICATOR_MISMATCH", f"文本!F{line}") in _codes(card, "warning")
    row = next(s for s in card.indicators if s.indicator.name == "项目预算执行率")
    assert row.rule == "positive.under" and row.score == round(12.5 * 90 / 95, 2)


def test_unknown_wording_is_not_guessed():
    text, line = _edit(_form_text(0), "落实关爱劳模", "100%有效落实\t30", "详见附件\t30")
    card = _card(text)
    assert ("VALUE_UNPARSED", f"文本!F{line}") in _codes(card, "error")
    # the row keeps what the document declares, marked 未核验; the form is 部分核验 (issue 10)
    row = next(s for s in card.indicators if s.indicator.name == "落实关爱劳模")
    assert (row.verified, row.rule, row.score) == (False, "declared", row.indicator.declared_score)
    assert "详见附件" in row.unverified_reason
    assert card.verification == "partial" and card.verification_label == "部分核验"
    assert card.total == 99.86 and card.verification_reasons == (f"落实关爱劳模：{row.unverified_reason}",)


def test_not_applicable_row_with_points():
    text, line = _edit(_form_text(0), "经济效益指标", "0\t0\t不适用", "5\t5\t不适用")
    card = _card(text)
    assert ("NA_NONZERO", f"文本!H{line}") in _codes(card, "error")


def test_every_check_runs_not_just_the_first():
    text = _form_text(0)
    text, _ = _edit(text, "服务劳模人数", "12.5\t12.5\t无", "12.5\t11.5\t无")
    text, _ = _edit(text, "预算支出总成本", "34.52万元", "30.52万元")
    text, _ = _edit(text, "项目编码", "440304226011500000008", "4403")
    card = _card(text)
    assert {"SCORE_MISMATCH", "REASON_MISSING", "COST_MISMATCH", "CODE_FORMAT"} <= {
        i.code for i in card.issues
    }


@pytest.mark.parametrize(
    ("actual", "rule", "points"),
    [("2023年11月19日", "date.on_time", 12.5), ("2024年1月5日", "date.late.partial", 7.5)],
)
def test_date_rows(actual, rule, points):
    text, line = _edit(_form_text(8), "年度服务及时性", "2023年11月19日", actual)
    if rule.startswith("date.late"):
        text, _ = _edit(
            text, "年度服务及时性", "12.5\t12.5\t无", "12.5\t7.5\t1. 偏差原因：延期。2. 改进措施：提前安排。"
        )
    card = _card(text)
    row = next(s for s in card.indicators if s.indicator.name == "年度服务及时性")
    assert (row.rule, row.score) == (rule, points)
    if rule.startswith("date.late"):
        assert row.band == (7.5, 10.0)
        assert ("DATE_LATE", f"文本!H{line}") in _codes(card, "warning")
