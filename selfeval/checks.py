"""The checks every form must pass (docs/forms.md §4). All of them run; each failure is an Issue with a code.

Declared values are compared with computed ones and every difference is reported, never kept silently.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from selfeval import textnorm, values
from selfeval.bounds import finite_sum, sane_weight
from selfeval.messages import issue
from selfeval.model import Form, Issue, Loc, Scorecard

YEARS = textnorm.YEARS  # a 绩效自评年度 outside is out of range (issue 11), not used for dates
TOLERANCE = 0.005  # half a unit of the printed second decimal
# every name holds 率 (checked first: most rows are not rates)
_RATE_NAMES = ("预算执行率", "项目预算执行率", "项目支出进度达标率", "支出进度达标率", "资金执行率")
_NO_REASON = {"", "无", "—", "-", "/", "无偏差", "不适用"}
_CODE_AS_NUMBER = re.compile(r"\d(\.\d+)?E\+\d+")  # a number cell: Excel kept 15 digits
_YEAR = re.compile(r"(19|20)[0-9]{2}")  # `٢٠٢٣` is no year here
_FIRST_NUMBER = re.compile(r"\d+(?:\.(\d+))?")


def check(card: Scorecard, profile, unrounded_rate: float | None, weights: float | None) -> list[Issue]:
    """Every check of a scored form, in order. weights: `weight_sum(card.form, card.budget_weight)`,
    which the rules computed already."""
    form = card.form
    return [
        *_header(form),
        *_funds(card, profile, unrounded_rate),
        *_weights(card, profile, weights),
        *_rows(card),
        *_cross_fields(card, unrounded_rate),
        *_totals(card),
    ]


def _close(a: float, b: float, tol: float = TOLERANCE) -> bool:
    return abs(a - b) <= tol + 1e-9


_CLOSE = TOLERANCE + 1e-9  # _close(a, b) is abs(a - b) <= _CLOSE (written out where it runs on every row)


def weight_sum(form: Form, budget_weight: float) -> float | None:
    """Budget weight plus every third-level weight; a level whose rows print no 分值 counts with its declared
    first-level weight (`产出指标(60分)`). None when a level has neither, or a weight is absurd."""
    by_level: defaultdict[str, list[float | None]] = defaultdict(list)
    for ind in form.indicators:
        if ind.weight is None and ind.not_applicable:
            continue  # a 不适用 slot printed `/ / /`: weight 0 by the rules, nothing missing (issue 21)
        by_level[ind.level1].append(ind.weight)
    total = budget_weight
    for level1, weights in by_level.items():
        known = [w for w in weights if w is not None]
        if not all(map(sane_weight, known)):
            return None
        if len(known) == len(weights):
            total += math.fsum(known)
        elif not known and sane_weight(form.level1_weights.get(level1)):
            total += form.level1_weights[level1]
        else:
            return None
    return total


def _header(form: Form) -> Iterable[Issue]:
    h = form.header
    where = h.locs.get("project_code", form.loc)
    if _CODE_AS_NUMBER.fullmatch(h.project_code):
        yield issue("CODE_AS_NUMBER", where, code=h.project_code)
    elif h.project_code and not textnorm.is_valid_code(h.project_code):  # ASCII digits only
        yield issue("CODE_FORMAT", where, code=h.project_code)
    if h.year and not _YEAR.fullmatch(h.year):
        yield issue("YEAR_FORMAT", h.locs.get("year", form.loc), year=h.year)
    elif h.year and not YEARS[0] <= int(h.year) <= YEARS[1]:
        bounds = f"{YEARS[0]} 至 {YEARS[1]}"
        yield issue(
            "VALUE_RANGE", h.locs.get("year", form.loc), field="绩效自评年度", text=h.year, bounds=bounds
        )


def _funds(card: Scorecard, profile, rate: float | None) -> Iterable[Issue]:
    funds = card.form.funds
    total = funds.total
    where = total.loc or card.form.loc
    for line in (total, *funds.parts):
        for field, label in (
            ("initial_budget", "年初预算数"),
            ("annual_budget", "全年预算数"),
            ("executed", "全年执行数"),
        ):
            value = getattr(line, field)
            if value is not None and value < 0:
                yield issue("AMOUNT_NEGATIVE", line.loc or where, field=f"{line.label}·{label}", value=value)
    for field, label in (("annual_budget", "全年预算数"), ("executed", "全年执行数")):
        if getattr(total, field) is None:
            yield issue("AMOUNT_MISSING", funds.locs.get(f"total.{field}", where), field=label)
    if total.annual_budget == 0:
        yield issue("BUDGET_ZERO", funds.locs.get("total.annual_budget", where))
    if total.annual_budget and total.executed is not None and total.executed > total.annual_budget + 0.005:
        yield issue(
            "OVERSPENT",
            funds.locs.get("total.executed", where),
            executed=total.executed,
            budget=total.annual_budget,
        )
    for field, label in (("annual_budget", "全年预算数"), ("executed", "全年执行数")):
        parts = [getattr(p, field) for p in funds.parts]
        whole = getattr(total, field)
        if (
            parts
            and whole is not None
            and all(p is not None for p in parts)
            and not _close(sum(parts), whole, 0.01)
        ):
            yield issue(
                "FUNDS_PARTS_SUM",
                funds.locs.get(f"total.{field}", where),
                column=label,
                parts=sum(parts),
                total=whole,
            )
    if funds.declared_weight is not None and not _close(funds.declared_weight, profile.budget_weight):
        yield issue(
            "BUDGET_WEIGHT_MISMATCH",
            funds.locs.get("weight", where),
            declared=funds.declared_weight,
            expected=profile.budget_weight,
        )
    declared_rate = funds.declared_rate
    if declared_rate is not None and card.rate is not None:
        # a percent cell read as a fraction (0.9863 for 98.63 %) is the same value, not a mistake
        if (
            declared_rate <= 1.5
            and _close(declared_rate * 100, card.rate, 0.01)
            and not _close(declared_rate, card.rate, 0.01)
        ):
            yield issue(
                "RATE_AS_FRACTION", funds.locs.get("rate", where), value=declared_rate, percent=card.rate
            )
        elif not _close(declared_rate, card.rate, 0.01):
            yield issue(
                "RATE_MISMATCH", funds.locs.get("rate", where), declared=declared_rate, computed=card.rate
            )
    if (
        funds.declared_score is not None
        and card.budget_score is not None
        and not _close(funds.declared_score, card.budget_score)
    ):
        yield issue(
            "BUDGET_SCORE_MISMATCH",
            funds.locs.get("score", where),
            declared=funds.declared_score,
            computed=card.budget_score,
        )


def _weights(card: Scorecard, profile, all_weights: float | None) -> Iterable[Issue]:
    """Third-level weights sum to their first level; everything sums to 100. A level whose rows print no
    分值 (weights only in `产出指标(60分)`) is checked by its declared scores instead."""
    form = card.form
    sums: Counter[str] = Counter()
    scores: Counter[str] = Counter()
    weightless: set[str] = set()
    first_row: dict[str, Loc | None] = {}
    declared_levels = form.level1_weights  # the declared scores count only for a level declared so
    for ind in form.indicators:
        if ind.weight is None and not ind.not_applicable:
            weightless.add(ind.level1)
        elif sane_weight(ind.weight):
            sums[ind.level1] += ind.weight  # type: ignore[operator]
        if declared_levels and ind.declared_score is not None and math.isfinite(ind.declared_score):
            scores[ind.level1] += ind.declared_score
        if ind.level1 not in first_row:
            first_row[ind.level1] = ind.loc
    if not profile.rescale_na:
        for level1, expected in {**profile.level_weights, **form.level1_weights}.items():
            if level1 in weightless:
                if level1 in form.level1_weights and scores[level1] > expected + TOLERANCE:
                    yield issue(
                        "LEVEL_SCORE_SUM",
                        form.locs.get(level1) or first_row.get(level1) or form.loc,
                        level1=level1,
                        actual=round(scores[level1], 2),
                        expected=expected,
                    )
                continue
            actual = sums.get(level1, 0.0)
            if not _close(actual, expected, 0.01):
                where = form.locs.get(level1) or first_row.get(level1) or form.loc
                yield issue("WEIGHT_LEVEL_SUM", where, level1=level1, actual=actual, expected=expected)
    if all_weights is None:  # absurd stored weights (1e308 a row) overflow: the total is then inf
        rest = finite_sum(sums.values())
        all_weights = math.inf if rest is None else card.budget_weight + rest
    if not profile.rescale_na and not _close(all_weights, 100, 0.01):
        yield issue("WEIGHT_TOTAL", form.loc, budget=card.budget_weight, actual=round(all_weights, 2))
    declared_weight = form.declared_total_weight
    if declared_weight is not None and not _close(declared_weight, all_weights, 0.01):
        yield issue(
            "WEIGHT_DECLARED_TOTAL",
            form.locs.get("total_weight", form.loc),
            declared=declared_weight,
            actual=round(all_weights, 2),
        )


def _rows(card: Scorecard) -> Iterable[Issue]:
    for s in card.indicators:
        ind = s.indicator
        w, declared = ind.weight, ind.declared_score
        if ind.not_applicable:
            if (w or 0) != 0 or (declared or 0) != 0:
                yield issue("NA_NONZERO", _at(ind, "score"), weight=w or 0, score=declared or 0)
            continue
        if w is None:
            continue
        if declared is None:
            yield issue("SCORE_MISSING", _at(ind, "score"))
        elif declared < -TOLERANCE or declared > w + TOLERANCE:
            yield issue("SCORE_RANGE", _at(ind, "score"), score=declared, weight=w)
        if s.score is not None and declared is not None and not abs(s.score - declared) <= _CLOSE:
            yield issue("SCORE_MISMATCH", _at(ind, "score"), declared=declared, computed=s.score)
        lost = declared if declared is not None else s.score
        reason = ind.reason.strip()
        if lost is not None and lost < w - TOLERANCE and reason in _NO_REASON:
            yield issue("REASON_MISSING", _at(ind, "reason"), score=lost, weight=w)
        elif not reason:
            yield issue("REASON_EMPTY", _at(ind, "reason"))


def _at(ind, field: str) -> Loc | None:
    """The cell of one of a row's fields, else the row."""
    return ind.cells.get(field) or ind.loc


def _cross_fields(card: Scorecard, rate: float | None) -> Iterable[Issue]:
    """A cost row's actual against 全年执行数, a row named for the execution rate against the rate; the
    actual is parsed only on such rows."""
    executed = card.form.funds.total.executed
    year = textnorm.year_int(card.form.header.year)
    for s in card.indicators:
        ind = s.indicator
        cost_row = executed is not None and (ind.level2 == "成本指标" or ind.level1 == "成本指标")
        rate_row = rate is not None and "率" in ind.name and any(n in ind.name for n in _RATE_NAMES)
        if not (cost_row or rate_row) or ind.not_applicable:
            continue
        actual = values.parse(ind.actual, "actual", year)
        if actual.kind != "number" or actual.value is None:
            continue
        where = ind.cells.get("actual") or ind.loc
        if cost_row and actual.money and actual.unit == "元":
            tolerance = _printed_tolerance(ind.actual) * (10000 if "万" in ind.actual else 1)
            if abs(actual.value - executed) > tolerance + 0.01:
                yield issue(
                    "COST_MISMATCH", where, actual=ind.actual.strip(), executed=executed, wan=executed / 10000
                )
        if (
            rate_row
            and actual.unit == "%"
            and abs(actual.value - rate * 100) > _printed_tolerance(ind.actual) + 1e-9
        ):
            yield issue("RATE_INDICATOR_MISMATCH", where, name=ind.name, actual=actual.value, rate=rate * 100)


def _printed_tolerance(text: str) -> float:
    """Half a unit of the last printed decimal: '65万元' -> 0.5, '34.52万元' -> 0.005."""
    m = _FIRST_NUMBER.search(text.replace(",", ""))
    decimals = len(m.group(1)) if m and m.group(1) else 0
    return 0.5 * 10**-decimals


def _totals(card: Scorecard) -> Iterable[Issue]:
    form = card.form
    if form.declared_total is None:
        return
    if card.total is not None and not _close(form.declared_total, card.total):
        yield issue(
            "TOTAL_MISMATCH",
            form.locs.get("total", form.loc),
            declared=form.declared_total,
            computed=card.total,
        )
    declared_parts = [form.funds.declared_score, *(i.declared_score for i in form.indicators)]
    if all(p is not None for p in declared_parts):
        summed = finite_sum(declared_parts)  # None: an absurd score, reported at its cell
        if summed is not None and not _close(summed, form.declared_total, 0.01):
            yield issue(
                "TOTAL_NOT_SUM",
                form.locs.get("total", form.loc),
                declared=form.declared_total,
                summed=round(summed, 2),
            )


def batch_issues(cards: Iterable[Scorecard]) -> list[Issue]:
    """Checks across a batch: the same project code twice."""
    cards = list(cards)
    counts = Counter(c.form.header.project_code for c in cards if c.form.header.project_code)
    return [issue("DUPLICATE_CODE", code, code=code, count=n) for code, n in counts.items() if n > 1]
