"""The unit summary report: sections, totals, grade counts, the weakest projects and the common
reasons for lost points, every number against the scorecards."""

from __future__ import annotations

import io

import pytest
from docx import Document

from selfeval.bounds import round_half_up
from selfeval.profile import load_profile
from selfeval.report import unit_report, unit_report_filename
from selfeval.report import wording as w
from tests.test_report_support import (
    blocks,
    composed,
    headings,
    missed_target,
    missing_amounts,
    no_total,
    seed_cards,
    unknown_numbers,
    unverified_row,
)

UNIT = "深圳市福田区总工会（本级）"


def _mixed():
    return seed_cards()[:6] + [missed_target(), no_total(), missing_amounts(), unverified_row()]


def _quoted(cards) -> list[str]:
    texts = {UNIT}
    for c in cards:
        texts.add(c.form.header.project_name)
        texts.add(load_profile(c.profile).title)
        texts.update(s.indicator.name for s in c.indicators)
    return sorted((t for t in texts if t), key=len, reverse=True)


def _lost(s) -> float | None:
    if s.score is None or s.indicator.weight is None or s.indicator.not_applicable or not s.verified:
        return None
    return s.indicator.weight - s.score


def unit_figures(cards) -> set[float]:
    """Every number the summary may compose, computed here from the scorecards."""
    figures = {0.0, 100.0, 2023.0, float(len(cards)), 3.0}
    both = [c for c in cards if None not in (c.form.funds.total.annual_budget, c.form.funds.total.executed)]
    budget = sum(c.form.funds.total.annual_budget for c in both)
    executed = sum(c.form.funds.total.executed for c in both)
    figures |= {round_half_up(budget / 1e4, 2), round_half_up(executed / 1e4, 2)}
    figures |= {round_half_up(100 * executed / budget, 2), float(len(cards) - len(both))}
    totals = [c.total for c in cards if c.total is not None]
    figures |= {
        float(len(totals)),
        float(len(cards) - len(totals)),
        round_half_up(sum(totals) / len(totals), 2),
    }
    figures |= {float(sum(1 for c in cards if c.grade == g)) for g in "优良中差"}
    figures |= {float(sum(c.errors for c in cards)), float(sum(c.warnings for c in cards))}
    figures.add(float(sum(1 for c in cards if c.errors or c.warnings)))
    figures.add(float(sum(1 for c in cards if c.total is not None and c.verification == "partial")))
    causes: dict[str, list] = {}
    for i, c in enumerate(cards):
        t = c.form.funds.total
        for x in (t.annual_budget, t.executed):
            if x is not None:
                figures.add(round_half_up(x / 1e4, 2))
        for x in (c.rate, c.total):
            if x is not None:
                figures.add(round_half_up(x, 2))
        if c.budget_score is not None and c.budget_weight - c.budget_score > 0.005:
            figures.add(round_half_up(c.budget_weight - c.budget_score, 2))
            causes.setdefault("budget", []).append((i, c.budget_weight - c.budget_score))
        for s in c.indicators:
            lost = _lost(s)
            if lost is not None and lost > 0.005:
                figures.add(round_half_up(lost, 2))
                kind = "over" if s.rule == "positive.over" else s.rule
                causes.setdefault(kind, []).append((i, lost))
            elif not s.indicator.not_applicable and (s.score is None or not s.verified):
                causes.setdefault("unchecked" + str(s.score is None), []).append((i, 0.0))
    for items in causes.values():
        figures |= {float(len({i for i, _ in items})), float(len(items))}
        figures.add(round_half_up(sum(x for _, x in items), 2))
    return figures


@pytest.mark.parametrize("which", ["seed", "mixed"])
def test_every_number_is_a_figure_of_the_scorecards(which):
    cards = seed_cards() if which == "seed" else _mixed()
    data = unit_report(cards, UNIT, 2023)
    bad = unknown_numbers(blocks(data), unit_figures(cards), _quoted(cards))
    assert not bad, bad[:5]


def test_sections_and_content_of_the_seed_unit():
    cards = seed_cards()
    data = unit_report(cards, UNIT, "2023")
    assert headings(data, 1) == list(w.UNIT_H1)
    assert headings(data, 2) == list(w.UNIT_H2_RESULT + w.UNIT_H2_PROBLEMS)
    text = "\n".join(blocks(data))
    assert f"2023年度，{UNIT}共对 13 个项目开展绩效自评。" in text
    assert "自评等级为“优”的 13 个，“良”的 0 个，“中”的 0 个，“差”的 0 个。" in text
    # the weakest first: 党组织建设 90.19 (执行率 11.92 %), its largest loss the budget score
    assert "党组织建设：得分 90.19 分，等级“优”。主要失分项：“预算执行率”失分 8.81 分" in text
    assert "指标值设置偏低（超额完成扣分）：涉及 7 个项目、9 项指标，合计失分 9 分。" in text
    table = Document(io.BytesIO(data)).tables[0]
    assert [c.text for c in table.rows[0].cells] == list(w.UNIT_TABLE_HEAD)
    assert len(table.rows) == 1 + 13 + 1
    assert table.rows[-1].cells[0].text == "合计"


def test_no_fully_achieved_phrase_and_ungraded_projects_said():
    cards = _mixed()
    text = composed("\n".join(blocks(unit_report(cards, UNIT, 2023))), _quoted(cards))
    assert not [p for p in w.FULL_PHRASES if p in text]
    assert sum(c.total is None for c in cards) == 2  # no_total, missing_amounts
    assert "另有 2 个项目总分无法计算，未评定等级。" in text
    assert "其中 1 个项目的全年预算数或全年执行数未填报，未计入合计。" in text
    assert "其中 1 个项目核验状态为“部分核验”" in text  # unverified_row keeps its declared 12.5


def test_empty_unit_and_file_name():
    text = "\n".join(blocks(unit_report([], UNIT, 2023)))
    assert w.UNIT_EMPTY in text
    assert unit_report_filename(UNIT, 2023) == f"2023_{UNIT}_自评报告汇总.docx"
    assert unit_report_filename("", None) == "全部单位_自评报告汇总.docx"


def test_a_summary_of_approved_versions_says_so():
    text = "\n".join(blocks(unit_report(seed_cards(), UNIT, 2023, approved_only=True)))
    assert w.UNIT_APPROVED_ONLY in text
    assert w.UNIT_APPROVED_ONLY not in "\n".join(blocks(unit_report(seed_cards(), UNIT, 2023)))
