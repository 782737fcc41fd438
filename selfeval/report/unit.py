"""The unit summary: a unit's projects for a year -> one .docx in the same style as the project draft.

Totals (budget, executed, execution rate over the projects whose amounts are both printed), grade
counts, every project's line, the weakest projects and the common reasons for lost points, all from
the scorecards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from selfeval.model import Scorecard
from selfeval.report import wording as w
from selfeval.report.doc import Writer
from selfeval.report.facts import EPS, facts, form_status, r2
from selfeval.report.project import money, profile_title, year_text
from selfeval.verdicts import CAUSES, cause_of

GRADES = ("优", "良", "中", "差")
WEAKEST = 3
WEAK_ITEMS = 2


@dataclass
class Cause:
    projects: set[int] = field(default_factory=set)
    rows: int = 0
    lost: float = 0.0
    measurable: bool = False  # some of its rows have a number of lost points


def unit_totals(cards: Sequence[Scorecard]) -> tuple[float, float, float | None, int]:
    """(budget, executed, rate in percent or None, projects left out for a missing amount)."""
    both = [
        c
        for c in cards
        if c.form.funds.total.annual_budget is not None and c.form.funds.total.executed is not None
    ]
    budget = sum(c.form.funds.total.annual_budget for c in both)  # type: ignore[misc]
    executed = sum(c.form.funds.total.executed for c in both)  # type: ignore[misc]
    rate = r2(100 * executed / budget) if budget > 0 else None
    return budget, executed, rate, len(cards) - len(both)


def lost_items(card: Scorecard) -> list[tuple[str, float | None, str]]:
    """(name, points lost or None when unscored, cause) of every part of the card that lost points."""
    f = facts(card)
    items: list[tuple[str, float | None, str]] = []
    if (f.budget_lost or 0) > EPS:
        items.append((w.TABLE_BUDGET, f.budget_lost, "budget"))
    for r in f.lost_rows:
        items.append((r.s.indicator.name.strip() or "（未命名）", r.lost, cause_of(r.s)))
    return items


def causes(cards: Sequence[Scorecard]) -> dict[str, Cause]:
    found: dict[str, Cause] = {}
    for i, card in enumerate(cards):
        for _, lost, cause in lost_items(card):
            c = found.setdefault(cause, Cause())
            c.projects.add(i)
            c.rows += 1
            if lost is not None:
                c.lost = r2(c.lost + lost)
                c.measurable = True
    return dict(sorted(found.items(), key=lambda kv: (-kv[1].lost, -kv[1].rows, kv[0])))


def unit_report(
    cards: Sequence[Scorecard], unit: str, year: str | int | None, *, approved_only: bool = False
) -> bytes:
    """The unit summary as .docx bytes (cards: the unit's current scorecards of the year, or the
    latest approved ones, which the summary then says)."""
    year_str = str(year or "").strip()
    cards = sorted(cards, key=lambda c: (c.form.header.project_code, c.form.header.project_name))
    profiles = sorted({profile_title(c.profile) for c in cards})
    doc = Writer(
        w.UNIT_TITLE.format(unit=unit or "全部单位"),
        w.YEAR_LINE.format(year=year_str) if year_str else w.NO_YEAR_LINE,
        [w.DRAFT_NOTE, *(w.PROFILE_NOTE.format(profile=p) for p in profiles)],
    )
    doc.h1(w.UNIT_H1[0])
    if not cards:
        doc.para(w.UNIT_EMPTY)
        return doc.to_bytes()
    doc.para(w.UNIT_INTRO.format(year=year_text(year_str), unit=unit or "全部单位", count=len(cards)))
    if approved_only:
        doc.para(w.UNIT_APPROVED_ONLY)
    doc.para(w.UNIT_DUTIES)
    _results(doc, cards)
    _problems(doc, cards)
    _measures(doc, cards)
    doc.h1(w.UNIT_H1[4])
    doc.para(w.RESULT_USE)
    doc.para(w.RESULT_PUBLIC)
    return doc.to_bytes()


def _results(doc: Writer, cards: Sequence[Scorecard]) -> None:
    doc.h1(w.UNIT_H1[1])
    doc.h2(w.UNIT_H2_RESULT[0])
    budget, executed, rate, missing = unit_totals(cards)
    template = w.UNIT_FUNDS if rate is not None else w.UNIT_FUNDS_NO_RATE
    doc.para(
        template.format(budget=money(budget), executed=money(executed), rate=w.pct(rate)),
        w.UNIT_FUNDS_MISSING.format(count=missing) if missing else "",
    )
    doc.h2(w.UNIT_H2_RESULT[1])
    counts = {g: sum(1 for c in cards if c.grade == g) for g in GRADES}
    totals = [c.total for c in cards if c.total is not None]
    ungraded = len(cards) - len(totals)
    mean = r2(sum(totals) / len(totals)) if totals else None
    partial = sum(1 for c in cards if c.total is not None and form_status(c) == "部分核验")
    doc.para(
        w.UNIT_GRADES.format(a=counts["优"], b=counts["良"], c=counts["中"], d=counts["差"]),
        w.UNIT_UNGRADED.format(count=ungraded) if ungraded else "",
        w.UNIT_MEAN.format(count=len(totals), mean=w.total(mean)) if totals else "",
        w.UNIT_PARTIAL.format(count=partial) if partial else "",
    )
    errors = sum(c.errors for c in cards)
    warnings = sum(c.warnings for c in cards)
    if errors or warnings:
        with_issues = sum(1 for c in cards if c.errors or c.warnings)
        doc.para(w.UNIT_ISSUES.format(errors=errors, warnings=warnings, projects=with_issues))
    doc.h2(w.UNIT_H2_RESULT[2])
    rows = []
    for c in cards:
        t = c.form.funds.total
        rows.append(
            (
                c.form.header.project_name or "（未命名项目）",
                "—" if t.annual_budget is None else w.wan(t.annual_budget),
                "—" if t.executed is None else w.wan(t.executed),
                "—" if c.rate is None else w.pct(c.rate),
                w.total(c.total),
                c.grade or "—",
            )
        )
    rows.append(("合计", w.wan(budget), w.wan(executed), "—" if rate is None else w.pct(rate), "", ""))
    doc.table(w.UNIT_TABLE_HEAD, rows, (5.6, 2.4, 2.4, 1.9, 1.6, 1.4), bold_last=True)


def _problems(doc: Writer, cards: Sequence[Scorecard]) -> None:
    doc.h1(w.UNIT_H1[2])
    doc.h2(w.UNIT_H2_PROBLEMS[0])
    ranked = sorted(cards, key=lambda c: (c.total is not None, c.total or 0.0))
    weakest = ranked[: min(WEAKEST, len(ranked))]
    doc.para(w.UNIT_WEAKEST.format(count=len(weakest)))
    for c in weakest:
        items = sorted(lost_items(c), key=lambda it: -(it[1] if it[1] is not None else 1e9))[:WEAK_ITEMS]
        lost = (
            w.UNIT_WEAK_LOST.format(
                items="；".join(
                    w.UNIT_WEAK_ITEM.format(name=w.quote(name), lost=w.pts(points))
                    if points is not None
                    else f"{w.quote(name)}{w.ROW_UNSCORED}"
                    for name, points, _ in items
                )
            )
            if items
            else w.UNIT_WEAK_NONE
        )
        name = c.form.header.project_name or "（未命名项目）"
        if c.total is None:
            doc.para(w.UNIT_WEAK_UNSCORED.format(name=name, lost=lost))
        else:
            doc.para(
                w.UNIT_WEAK_LINE.format(name=name, total=w.total(c.total), grade=c.grade or "—", lost=lost)
            )
    doc.h2(w.UNIT_H2_PROBLEMS[1])
    found = causes(cards)
    if not found:
        doc.para(w.UNIT_NO_CAUSES)
        return
    doc.para(w.UNIT_CAUSES_INTRO)
    rows = []
    for key, c in found.items():
        label = CAUSES[key].label
        if c.measurable:
            doc.para(
                w.UNIT_CAUSE_LINE.format(
                    cause=label, projects=len(c.projects), rows=c.rows, lost=w.pts(c.lost)
                )
            )
        else:
            doc.para(w.UNIT_CAUSE_UNSCORED.format(cause=label, projects=len(c.projects), rows=c.rows))
        rows.append((label, str(len(c.projects)), str(c.rows), w.pts(c.lost) if c.measurable else "—"))
    doc.table(w.UNIT_CAUSES_TABLE_HEAD, rows, (6.4, 2.6, 2.6, 2.6))


def _measures(doc: Writer, cards: Sequence[Scorecard]) -> None:
    doc.h1(w.UNIT_H1[3])
    measures: list[str] = []  # each once, in the order of the causes
    for key in causes(cards):
        if CAUSES[key].measure not in measures:
            measures.append(CAUSES[key].measure)
    if any(c.errors for c in cards):
        measures.append(w.ISSUES_MEASURE)
    for measure in measures:
        doc.para(w.DRAFT_MEASURE_LINE.format(measure=measure))
    if not measures:
        doc.para(w.UNIT_NO_MEASURE)
