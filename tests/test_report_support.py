"""Reading generated reports back for the report tests: text blocks of a .docx, the numbers in them,
the figures a scorecard allows, and synthetic scorecards (missed targets, no total, 不适用, 20/80).

Named test_report_support so pytest collects its one self-check; the helpers are imported by
tests/test_report*.py.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import re

from docx import Document

from selfeval.bounds import round_half_up
from selfeval.ingest import score_bytes
from selfeval.model import Scorecard
from selfeval.profile import PROFILES, load_profile
from selfeval.report.facts import split_reason
from selfeval.rules import score
from tests.conftest import SEED

NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")  # 1,687.22 is one number


@functools.cache
def _seed_cards() -> tuple[Scorecard, ...]:
    cards, problems, _ = score_bytes(SEED.read_bytes(), SEED.name, load_profile())
    assert len(cards) == 13 and not problems
    return tuple(cards)


def seed_cards() -> list[Scorecard]:
    """The 13 seed forms scored (once per test session: scorecards are frozen)."""
    return list(_seed_cards())


def seed(name: str) -> Scorecard:
    return next(c for c in seed_cards() if c.form.header.project_name == name)


def blocks(data: bytes) -> list[str]:
    """Every paragraph and every table cell of the document, in order."""
    doc = Document(io.BytesIO(data))
    out = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            out.extend(cell.text for cell in row.cells)
    return out


def headings(data: bytes, level: int) -> list[str]:
    doc = Document(io.BytesIO(data))
    return [p.text for p in doc.paragraphs if p.style.name == f"Heading {level}"]


def form_texts(card: Scorecard) -> list[str]:
    """The text the form itself holds (quoted by a report, never composed by it), longest first."""
    f = card.form
    texts = [
        f.header.project_code,
        f.header.project_name,
        f.header.unit,
        f.header.budget_unit,
        f.goals.expected,
        f.goals.achieved,
        load_profile(card.profile).title if (PROFILES / f"{card.profile}.toml").exists() else card.profile,
    ]
    texts += [line.label for line in (f.funds.total, *f.funds.parts)]
    for s in card.indicators:
        i = s.indicator
        texts += [i.level1, i.level2, i.name, i.target, i.actual, i.reason, *split_reason(i.reason)]
        texts += [s.explanation, s.unverified_reason]
    texts += list(card.verification_reasons)
    for issue in card.issues:
        texts += [issue.message, issue.location]
    return sorted({t.strip() for t in texts if t and t.strip()}, key=len, reverse=True)


def composed(text: str, quoted: list[str]) -> str:
    """The text with every quoted form string cut out: what the report itself composed."""
    for q in quoted:
        text = text.replace(q, " ")
    return text


def _wan(x: float | None) -> list[float]:
    return [] if x is None else [round_half_up(x / 10_000, 2)]


def card_figures(card: Scorecard) -> set[float]:
    """Every number a project report may compose, computed here from the scorecard (not by the report)."""
    f = card.form
    figures: set[float] = {0.0}
    if f.header.year.isdigit():
        figures.add(float(f.header.year))
    for line in (f.funds.total, *f.funds.parts):
        for amount in (line.initial_budget, line.annual_budget, line.executed):
            figures.update(_wan(amount))
    t = f.funds.total
    if t.annual_budget is not None and t.executed is not None:
        figures.update(_wan(t.annual_budget - t.executed))
    for x in (card.rate, card.budget_weight, card.budget_score, card.total, f.declared_total):
        if x is not None:
            figures.add(round_half_up(x, 2))
    if card.budget_score is not None:
        figures.add(round_half_up(card.budget_weight - card.budget_score, 2))
    rows = [s for s in card.indicators if not s.indicator.not_applicable]
    lost_sum = (card.budget_weight - card.budget_score) if card.budget_score is not None else 0.0
    lost_rows = 0
    for s in rows:
        i = s.indicator
        for x in (i.weight, s.score, i.declared_score):
            if x is not None:
                figures.add(round_half_up(x, 2))
        if i.weight is not None and s.score is not None:
            figures.add(round_half_up(i.weight - s.score, 2))
            lost_sum += i.weight - s.score
            lost_rows += i.weight - s.score > 0.005
    figures.add(round_half_up(lost_sum, 2))
    by_level: dict[str, list] = {}
    for s in rows:
        by_level.setdefault(s.indicator.level1, []).append(s)
    for group in by_level.values():
        figures.add(round_half_up(sum(s.indicator.weight or 0 for s in group), 2))
        if all(s.score is not None for s in group):
            figures.add(round_half_up(sum(s.score for s in group), 2))
        figures.add(float(len(group)))
    figures.add(round_half_up(card.budget_weight + sum(s.indicator.weight or 0 for s in rows), 2))
    unscored = sum(1 for s in rows if s.score is None)
    unchecked = sum(1 for s in rows if s.score is None or not s.verified)
    over = sum(1 for s in rows if s.rule == "positive.over")
    counts = {len(rows), len(card.indicators) - len(rows), card.errors, card.warnings, lost_rows, over}
    counts |= {unscored, unchecked - unscored, unchecked, len(rows) - lost_rows - unchecked, lost_rows - over}
    figures.update(float(c) for c in counts)
    return figures


def unknown_numbers(texts: list[str], figures: set[float], quoted: list[str]) -> list[tuple[str, str]]:
    """(number, block) for every number the report composed that is not one of the figures."""
    bad = []
    for block in texts:
        for match in NUMBER.finditer(composed(block, quoted)):
            value = float(match.group().replace(",", ""))
            if not any(abs(value - f) < 0.0051 for f in figures):
                bad.append((match.group(), block))
    return bad


# ------------------------------------------------------------------------------------ synthetic forms


def rescored(card: Scorecard, profile=None, **changes) -> Scorecard:
    return score(dataclasses.replace(card.form, **changes), profile or load_profile())


def with_rows(card: Scorecard, profile=None, **by_name) -> Scorecard:
    """The card's form with the named rows changed (dicts of Indicator fields), scored again."""
    rows = tuple(
        dataclasses.replace(i, **by_name[i.name]) if i.name in by_name else i for i in card.form.indicators
    )
    return rescored(card, profile, indicators=rows)


def missed_target() -> Scorecard:
    """劳模管理 with 服务劳模人数 at 52 of >100 and no reason written."""
    return with_rows(seed("劳模管理"), 服务劳模人数={"actual": "52人次", "declared_score": 6.5, "reason": ""})


def no_total() -> Scorecard:
    """劳模管理 with an actual the rules cannot read and no declared score: no total can be computed."""
    return with_rows(seed("劳模管理"), 慰问发放到位率={"actual": "很多", "declared_score": None})


def all_not_applicable() -> Scorecard:
    card = seed("离退休干部节日慰问金")
    rows = tuple(
        dataclasses.replace(
            i, name="不适用", target="不适用", actual="不适用", weight=0.0, declared_score=0.0
        )
        for i in card.form.indicators
    )
    return rescored(card, indicators=rows)


def missing_amounts() -> Scorecard:
    card = seed("购置费")
    funds = card.form.funds
    total = dataclasses.replace(funds.total, executed=None)
    return rescored(card, funds=dataclasses.replace(funds, total=total))


def budget_20() -> Scorecard:
    """职工疗休养 under the 20/80 profile (产出 60, 效益 10, 满意度 10)."""
    profile = load_profile("yunnan-20-80")
    assert profile.budget_weight == 20
    weights = {"产出指标": 15.0, "效益指标": 5.0}
    card = seed("职工疗休养")
    rows = tuple(
        dataclasses.replace(i, weight=weights[i.level1], declared_score=None)
        if i.level1 in weights and not i.not_applicable
        else i
        for i in card.form.indicators
    )
    return rescored(card, profile, indicators=rows)


def unverified_row() -> Scorecard:
    """劳模管理 with an actual the rules cannot read and a declared score: kept, marked 未核验 (部分核验)."""
    card = with_rows(seed("劳模管理"), 慰问发放到位率={"actual": "很多", "declared_score": 12.5})
    assert card.verification_label == "部分核验"
    return card


def test_figures_are_computed_from_the_card():
    card = seed("职工疗休养")
    figures = card_figures(card)
    for expected in (2023.0, 37.0, 35.88, 96.98, 93.7, 9.7, 0.3, 6.0, 12.5, 6.5, 1.12, 6.3):
        assert any(abs(expected - f) < 0.001 for f in figures), expected
