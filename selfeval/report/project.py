"""The per-project 自评报告 draft: a Scorecard -> .docx in the published structure (一 to 五).

Every number comes from the scorecard (amounts, rates, weights, scores, counts) or is quoted from
the form's own text; what the form cannot know is marked 【请补充】, what the program drafts is
marked 【草拟，请确认】.
"""

from __future__ import annotations

from selfeval.model import Scorecard
from selfeval.profile import load_profile
from selfeval.report import wording as w
from selfeval.report.doc import Writer
from selfeval.report.facts import (
    Facts,
    Row,
    facts,
    form_status,
    has_reason,
    r2,
    split_reason,
    status_reasons,
)
from selfeval.verdicts import CAUSES, drafted_cause, drafted_measure

INDICATOR_WIDTHS = (2.3, 2.0, 2.5, 2.0, 2.0, 1.2, 1.3, 2.1)


def project_report(card: Scorecard) -> bytes:
    """The draft report of one project as .docx bytes."""
    return _build(card).to_bytes()


def money(amount: float | None) -> str:
    return w.MISSING if amount is None else w.AMOUNT.format(amount=w.wan(amount))


def _cell_wan(amount: float | None) -> str:
    return "—" if amount is None else w.wan(amount)


def year_text(year: str) -> str:
    return f"{year}年度" if year.strip() else "本年度"


def profile_title(name: str) -> str:
    try:
        return load_profile(name).title
    except (ValueError, OSError, KeyError):
        return name


def _build(card: Scorecard) -> Writer:
    h = card.form.header
    f = facts(card)
    doc = Writer(
        w.PROJECT_TITLE.format(name=h.project_name.strip() or "（未命名项目）"),
        w.YEAR_LINE.format(year=h.year) if h.year.strip() else w.NO_YEAR_LINE,
        [w.DRAFT_NOTE, w.PROFILE_NOTE.format(profile=profile_title(card.profile))],
    )
    _basic(doc, card, f)
    _results(doc, card, f)
    _deviations(doc, card, f)
    _measures(doc, card, f)
    doc.h1(w.H1[4])
    doc.para(w.RESULT_USE)
    doc.para(w.RESULT_PUBLIC)
    _issues(doc, card)
    return doc


# ---------------------------------------------------------------------------------- 一、基本情况


def _basic(doc: Writer, card: Scorecard, f: Facts) -> None:
    h, funds = card.form.header, card.form.funds
    doc.h1(w.H1[0])
    doc.h2(w.H2_BASIC[0])
    doc.para(
        w.OVERVIEW.format(
            name=h.project_name.strip() or w.MISSING,
            code=h.project_code.strip() or w.MISSING,
            unit=h.unit.strip() or w.MISSING,
            budget_unit=h.budget_unit.strip() or w.MISSING,
            year=year_text(h.year) if h.year.strip() else w.MISSING,
        )
    )
    doc.para(w.BACKGROUND)
    doc.h2(w.H2_BASIC[1])
    t = funds.total
    doc.para(
        w.FUNDS.format(
            year=year_text(h.year),
            initial=money(t.initial_budget),
            budget=money(t.annual_budget),
            executed=money(t.executed),
            rate=w.pct(card.rate),
        ),
        w.FUNDS_RATE_MISSING if card.rate is None else "",
        w.FUNDS_ZERO_BUDGET if t.annual_budget == 0 else "",
    )
    parts = [p for p in funds.parts if p.annual_budget or p.executed]
    if parts:
        doc.para(
            w.FUNDS_PARTS_INTRO,
            *(
                w.FUNDS_PART.format(label=p.label, budget=money(p.annual_budget), executed=money(p.executed))
                for p in parts
            ),
        )
    if funds.money_unit != "元":
        doc.para(w.FUNDS_UNIT_NOTE.format(unit=funds.money_unit))
    rows = [
        (line.label, _cell_wan(line.initial_budget), _cell_wan(line.annual_budget), _cell_wan(line.executed))
        for line in (t, *funds.parts)
    ]
    doc.table(w.FUNDS_TABLE_HEAD, rows, (4.4, 3.6, 3.6, 3.6))
    doc.h2(w.H2_BASIC[2])
    expected = card.form.goals.expected.strip()
    doc.para(w.GOAL_EXPECTED.format(text=expected) if expected else w.GOAL_EXPECTED_MISSING)
    if f.groups:
        groups = "，".join(
            w.INDICATOR_SETUP_GROUP.format(level1=g.level1, count=len(g.rows), weight=w.pts(g.weight))
            for g in f.groups
        )
        doc.para(w.INDICATOR_SETUP.format(count=len(f.rows), groups=groups))
    else:
        doc.para(w.INDICATOR_SETUP_NONE)


# ---------------------------------------------------------------------------------- 二、实现情况


def _results(doc: Writer, card: Scorecard, f: Facts) -> None:
    doc.h1(w.H1[1])
    doc.h2(w.H2_RESULT[0])
    status, reasons = form_status(card), "；".join(status_reasons(card))
    if card.total is None:
        if reasons:
            doc.para(w.CONCLUSION_NO_TOTAL_REASONS.format(reasons=reasons))
        elif card.budget_score is None:
            doc.para(w.CONCLUSION_NO_TOTAL_BUDGET)
        else:
            doc.para(w.CONCLUSION_NO_TOTAL.format(count=f.unscored + f.unverified))
    else:
        if status and status != "已核验":
            doc.para(w.FORM_PARTLY_VERIFIED.format(status=status, reasons=reasons or "—"))
        groups = "；".join(_group_phrase(g) for g in f.groups)
        conclusion = (
            w.CONCLUSION.format(total=w.total(card.total), grade=card.grade)
            if card.grade
            else w.CONCLUSION_NO_GRADE.format(total=w.total(card.total))
        )
        doc.para(
            conclusion,
            w.CONCLUSION_PARTS.format(
                budget_score=w.total(card.budget_score),
                budget_weight=w.pts(card.budget_weight),
                groups=groups,
            )
            if groups and card.budget_score is not None
            else "",
        )
    declared = card.form.declared_total
    if declared is not None and card.total is not None and abs(declared - card.total) > 0.005:
        doc.para(w.DECLARED_DIFFERS.format(declared=w.total(declared), computed=w.total(card.total)))
    if f.rows:
        doc.para(
            w.ALL_MET.format(count=len(f.rows))
            if f.all_met
            else w.SOME_MISSED.format(count=len(f.rows), met=f.met, missed=f.missed)
            if f.missed
            else w.SOME_MET.format(count=len(f.rows), met=f.met),
            w.SOME_UNSCORED.format(count=f.unscored) if f.unscored else "",
            w.SOME_UNVERIFIED.format(count=f.unverified) if f.unverified else "",
            w.OVER_NOTE.format(count=f.over) if f.over else "",
        )
    if card.errors or card.warnings:
        doc.para(w.ISSUES_NOTE.format(errors=card.errors, warnings=card.warnings))

    doc.h2(w.H2_RESULT[1])
    if card.rate is None or card.budget_score is None:
        doc.para(w.EXECUTION_MISSING)
    elif (f.budget_lost or 0) <= 0.005:
        doc.para(w.EXECUTION_FULL.format(rate=w.pct(card.rate), weight=w.pts(card.budget_weight)))
    else:
        doc.para(
            w.EXECUTION.format(
                rate=w.pct(card.rate), score=w.total(card.budget_score), weight=w.pts(card.budget_weight)
            )
        )

    doc.h2(w.H2_RESULT[2])
    achieved = card.form.goals.achieved.strip()
    doc.para(w.ACHIEVED.format(text=achieved) if achieved else w.ACHIEVED_MISSING)
    if not f.all_met and any(p in achieved for p in w.FULL_PHRASES):
        doc.para(w.ACHIEVED_CONFLICT)

    doc.h2(w.H2_RESULT[3])
    for g in f.groups:
        head = (
            w.GROUP_LINE.format(level1=g.level1, weight=w.pts(g.weight), score=w.pts(g.score))
            if g.score is not None
            else w.GROUP_LINE_UNSCORED.format(level1=g.level1, weight=w.pts(g.weight))
        )
        doc.para(head, *(_row_phrase(r) for r in g.rows))
    if f.not_applicable:
        doc.para(w.ROW_NA_COUNT.format(count=f.not_applicable))
    doc.table(w.TABLE_HEAD, _indicator_rows(card, f), INDICATOR_WIDTHS, bold_last=True)


def _group_phrase(g) -> str:
    if g.score is None:
        return w.CONCLUSION_GROUP_UNSCORED.format(level1=g.level1, weight=w.pts(g.weight))
    return w.CONCLUSION_GROUP.format(level1=g.level1, score=w.pts(g.score), weight=w.pts(g.weight))


def _row_phrase(r: Row) -> str:
    ind = r.s.indicator
    if r.s.score is None:
        result = w.ROW_UNSCORED
    elif r.unverified:
        result = w.ROW_UNVERIFIED.format(declared=w.pts(r.s.score))
    elif (r.lost or 0) <= 0.005:
        result = w.ROW_FULL.format(weight=w.pts(ind.weight))
    else:
        result = w.ROW_PART.format(score=w.pts(r.s.score), weight=w.pts(ind.weight))
    return w.ROW_LINE.format(
        level2=ind.level2 or "",
        name=ind.name.strip() or "（未命名）",
        target=w.quote(ind.target),
        actual=w.quote(ind.actual),
        result=result,
    )


def _indicator_rows(card: Scorecard, f: Facts) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [
        (
            w.TABLE_BUDGET,
            "",
            "",
            "—",
            w.pct(card.rate),
            w.pts(card.budget_weight),
            w.total(card.budget_score),
            "",
        )
    ]
    for r in f.rows:
        ind = r.s.indicator
        if r.unverified:
            score = f"{w.pts(r.s.score)}\n（{w.TABLE_UNVERIFIED}）"
        else:
            score = w.pts(r.s.score) if r.s.score is not None else w.TABLE_UNSCORED
        lost = r.lost is None or r.lost > 0.005
        reason = "见第三部分" if lost else (ind.reason.strip() or "无")
        rows.append(
            (ind.level1, ind.level2, ind.name, ind.target, ind.actual, w.pts(ind.weight), score, reason)
        )
    weights = r2(card.budget_weight + sum(r.s.indicator.weight or 0.0 for r in f.rows))
    rows.append((w.TABLE_TOTAL, "", "", "", "", w.pts(weights), w.total(card.total), ""))
    return rows


# ---------------------------------------------------------------------------------- 三、偏差


def _deviations(doc: Writer, card: Scorecard, f: Facts) -> None:
    doc.h1(w.H1[2])
    budget_lost = (f.budget_lost or 0) > 0.005
    if not budget_lost and not f.lost_rows and card.budget_score is not None:
        doc.para(w.NO_DEVIATION)
        return
    if f.unscored or f.unverified:
        doc.para(w.DEVIATION_INTRO_UNSCORED.format(lost=w.pts(f.lost_total), count=f.unscored + f.unverified))
    else:
        doc.para(w.DEVIATION_INTRO.format(lost=w.pts(f.lost_total)))
    t = card.form.funds.total
    if card.budget_score is None:
        doc.para(w.EXECUTION_MISSING)
    elif budget_lost:
        left = None
        if t.annual_budget is not None and t.executed is not None and t.annual_budget > t.executed:
            left = t.annual_budget - t.executed
        doc.para(
            w.DEV_BUDGET.format(
                budget=money(t.annual_budget),
                executed=money(t.executed),
                rate=w.pct(card.rate),
                lost=w.pts(f.budget_lost),
            ),
            w.DEV_BUDGET_REASON.format(left=money(left)) if left is not None else "",
        )
    for r in f.lost_rows:
        ind = r.s.indicator
        names = {
            "level2": ind.level2 or "",
            "name": ind.name.strip() or "（未命名）",
            "target": w.quote(ind.target),
            "actual": w.quote(ind.actual),
        }
        if r.unverified:
            doc.para(
                w.DEV_ROW_UNVERIFIED.format(declared=w.pts(r.s.score), **names),
                w.DEV_UNVERIFIED_WHY.format(why=_why(r)),
                _reason(r),
            )
        elif r.s.score is None:
            doc.para(w.DEV_ROW_UNSCORED.format(**names), w.DEV_RULE.format(explanation=_why(r)))
        else:
            doc.para(
                w.DEV_ROW.format(lost=w.pts(r.lost), **names),
                w.DEV_RULE.format(explanation=r.s.explanation.rstrip("。")),
                _reason(r),
            )


def _why(r: Row) -> str:
    return (getattr(r.s, "unverified_reason", "") or r.s.explanation).rstrip("。")


def _reason(r: Row) -> str:
    ind = r.s.indicator
    reason, _ = split_reason(ind.reason)
    if has_reason(reason):
        return w.DEV_REASON.format(reason=reason)
    if r.unverified and (r.s.score or 0) >= (ind.weight or 0) - 0.005:
        return ""  # the declared score is the full weight: nothing deviates, only the check is missing
    return w.DEV_REASON_DRAFT.format(reason=drafted_cause(r.s))


# ---------------------------------------------------------------------------------- 四、改进


def _measures(doc: Writer, card: Scorecard, f: Facts) -> None:
    doc.h1(w.H1[3])
    drafted: list[str] = []  # measures, each once, in the order their causes first occur
    if (f.budget_lost or 0) > 0.005:
        drafted.append(CAUSES["budget"].measure)
    wrote = False
    for r in f.lost_rows:
        _, measure = split_reason(r.s.indicator.reason)
        if has_reason(measure):
            doc.para(w.MEASURE_FROM_FORM.format(name=w.quote(r.s.indicator.name), measure=measure))
            wrote = True
        elif drafted_measure(r.s) not in drafted:
            drafted.append(drafted_measure(r.s))
    if card.errors:
        drafted.append(w.ISSUES_MEASURE)
    for measure in drafted:
        doc.para(w.DRAFT_MEASURE_LINE.format(measure=measure))
    if not wrote and not drafted:
        doc.para(w.NO_MEASURE_NEEDED)


# ---------------------------------------------------------------------------------- 附：问题


def _issues(doc: Writer, card: Scorecard) -> None:
    shown = [i for i in card.issues if i.severity in ("error", "warning")]
    if not shown:
        return
    labels = {"error": "错误", "warning": "警告"}
    doc.h1(w.H_ISSUES)
    for i in shown:
        doc.para(w.ISSUE_LINE.format(severity=labels[i.severity], location=i.location, message=i.message))


__all__ = ["project_report"]
