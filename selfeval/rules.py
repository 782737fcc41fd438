"""Scoring: a Form under a Profile -> Scorecard. The rules are data (profiles/*.toml), not code.

Every score says which rule gave it and why, in one line of Chinese. Scoring never reads files and
never touches the database.
"""

from __future__ import annotations

import math
from dataclasses import replace

from selfeval import values
from selfeval.bounds import MAX_WEIGHT, finite_sum, round_half_up, sane_amount, sane_weight
from selfeval.checks import check, weight_sum
from selfeval.fmt import short
from selfeval.messages import issue
from selfeval.model import Form, Funds, Indicator, IndicatorScore, Issue, Loc, Scorecard
from selfeval.profile import Profile, select_profile
from selfeval.textnorm import year_int
from selfeval.values import Measure

_UNREAD = frozenset({"unparsed", "empty", "na"})  # kinds of Measure the rules cannot score
# names of indicators that count people: 人/人次/名/位 are compared as one unit
_PEOPLE = {"人", "人次", "名", "位"}
# 成本指标 and these words are caps even without an operator (docs/forms.md §3, reverse)
_REVERSE_WORDS = ("投诉", "事故", "差错", "违规", "违纪", "超支")


def execution_rate(funds: Funds) -> float | None:
    """全年执行数 / 全年预算数 as a fraction (the adjusted budget, not 年初预算数); 0 for a zero budget;
    None when either is missing, absurd or negative (the reader and the checks say which)."""
    budget, executed = funds.total.annual_budget, funds.total.executed
    if not (sane_amount(budget) and sane_amount(executed)) or budget < 0 or executed < 0:  # type: ignore[operator]
        return None
    return executed / budget if budget > 0 else 0.0  # type: ignore[operator]


def negative_amounts(funds: Funds) -> bool:
    """Any amount of the funds table below zero (the checks report each as AMOUNT_NEGATIVE)."""
    for line in (funds.total, *funds.parts):
        for v in (line.initial_budget, line.annual_budget, line.executed):
            if v is not None and v < 0:
                return True
    return False


def budget_score(rate: float | None, profile: Profile) -> float | None:
    """Linear, no floor: 11.92 % scores 1.19 of 10; capped at the weight above 100 %."""
    if rate is None:
        return None
    capped = min(rate, 1.0) if profile.budget_cap else rate
    return round_half_up(max(capped, 0.0) * profile.budget_weight, profile.digits)


# indicators -----------------------------------------------------------------------------------------
def _show(m: Measure) -> str:
    return m.text.strip() or "（空）"


def _same_unit(a: Measure, b: Measure) -> bool:
    if not a.unit or not b.unit or a.unit == b.unit:
        return True
    return {a.unit, b.unit} <= _PEOPLE


def _actual_grade(target: Measure, actual: Measure) -> str | None:
    """How a qualitative target was met: by the actual's words or its completion percentage."""
    if actual.kind == "number" and actual.unit == "%" and actual.value is not None:
        return "达成" if actual.value >= 100 else "部分达成" if actual.value >= 60 else "未达成"
    if actual.kind == "grade":
        if actual.grade:
            return actual.grade
        if target.words and actual.words and target.words in actual.words:
            return "达成"
    if actual.kind == "grade" or actual.kind == "unparsed":
        norm_t, norm_a = target.text.replace(" ", ""), actual.text.replace(" ", "")
        if norm_t and norm_t in norm_a:
            return "达成"
    return None


class _Scorer:
    """Scores a form's indicator rows one after the other (`score(ind)`); the Issues it finds go to
    `issues`, in the order of the rows."""

    def __init__(self, profile: Profile, year: int | None, issues: list[Issue]):
        self.p = profile
        self.year = year
        self.issues = issues
        self.ind: Indicator

    @property
    def where(self) -> Loc | str:
        """Where an Issue about the row's score points: its 得分 cell, else the row, else its name."""
        return self.ind.cells.get("score") or self.ind.loc or self.ind.name

    def result(self, score: float, rule: str, explanation: str, band=None) -> IndicatorScore:
        """A rule's score, within 0..分值 (every rule runs on a 分值 that `score` found sane)."""
        score = round_half_up(min(max(score, 0.0), self.ind.weight), self.p.digits)
        return IndicatorScore(self.ind, score, rule, explanation, band, verified=True)

    def score(self, ind: Indicator) -> IndicatorScore:
        self.ind = ind
        w = ind.weight
        if ind.not_applicable:  # 0 whatever the 分值 says (an absurd one, e.g. -1e308, included)
            return IndicatorScore(ind, 0.0, "na", "不适用，分值 0、得分 0", verified=True)
        if w is None:
            self.issues.append(issue("WEIGHT_MISSING", ind.cells.get("weight") or ind.loc))
            return IndicatorScore(ind, None, "unscored", "缺少分值，无法核验")
        if not sane_weight(w):
            self.issues.append(issue("WEIGHT_RANGE", ind.cells.get("weight") or ind.loc, weight=short(w)))
            return IndicatorScore(ind, None, "unscored", f"分值 {short(w)} 超出 0–100，无法核验")
        cells = ind.cells
        if cells and "target" not in cells and not ind.target.strip():
            # the family that prints only 分值 and 得分 (the target written into the name): nothing to check
            return IndicatorScore(ind, None, "unscored", "表中没有指标值列，无法核验")
        if cells and "actual" not in cells and "target" in cells and not ind.actual.strip():
            return IndicatorScore(ind, None, "unscored", "表中没有实际完成值，无法核验")
        target = values.parse(ind.target, "target", self.year)
        actual = values.parse(ind.actual, "actual", self.year)
        if target.kind in _UNREAD or actual.kind in _UNREAD:
            for m, role, field in ((target, "指标值", "target"), (actual, "实际完成值", "actual")):
                if m.kind in _UNREAD:
                    loc = ind.cells.get(field) or ind.loc
                    self.issues.append(issue("VALUE_UNPARSED", loc, role=role, text=_show(m)))
                    return IndicatorScore(ind, None, "unscored", f"无法识别{role}“{_show(m)}”，未评分")
        if target.kind in ("date", "window"):
            return self._date(target, actual)
        if target.kind == "grade" or actual.kind == "grade" or actual.value is None:
            return self._qualitative(target, actual)
        if target.unit != actual.unit and not _same_unit(target, actual):
            self.issues.append(
                issue(
                    "UNIT_MISMATCH",
                    ind.cells.get("actual") or ind.loc,
                    target_unit=target.unit,
                    actual_unit=actual.unit,
                )
            )
            return IndicatorScore(ind, None, "unscored", "单位不一致，未评分")
        return self._quantitative(target, actual)

    def _operator(self, target: Measure) -> str:
        if target.op:
            return target.op
        if target.unit == "%" and target.value == 100:
            return "="  # a bare 100 % is exact
        if self.ind.level2 == "成本指标" and target.money or any(w in self.ind.name for w in _REVERSE_WORDS):
            return "<="
        return self.p.no_operator

    def _quantitative(self, target: Measure, actual: Measure) -> IndicatorScore:
        w, t, a = self.ind.weight or 0.0, target.value or 0.0, actual.value or 0.0
        op = target.op or self._operator(target)
        ts, as_ = target.text.strip() or "（空）", actual.text.strip() or "（空）"  # _show, on every row
        if op in (">", ">="):
            met = a >= t if (op == ">=" or self.p.strict_as_inclusive) else a > t
            if not met:
                s = w * a / t if t > 0 else 0.0
                return self.result(
                    s,
                    "positive.under",
                    f"实际 {as_} 未达指标 {ts}，按比例 {short(w)} × {short(a)}/{short(t)} = {short(round_half_up(s))}",
                )
            if op in self.p.over_applies_to and t > 0 and a >= self.p.over_threshold * t:
                ratio = a / t
                if self.p.over_action == "deduct" and self.p.over_deduction > 0:
                    self.issues.append(
                        issue("OVER_ACHIEVED", self.where, ratio=ratio, threshold=self.p.over_threshold)
                    )
                    pct = round((self.p.over_threshold - 1) * 100)
                    return self.result(
                        w - self.p.over_deduction,
                        "positive.over",
                        f"实际 {as_} ≥ 指标 {ts} × {short(self.p.over_threshold)}，超额 {pct}% 以上扣 {short(self.p.over_deduction)} 分",
                    )
                self.issues.append(
                    issue("OVER_REVIEW", self.where, ratio=ratio, threshold=self.p.over_threshold)
                )
                return self.result(
                    w,
                    "positive.over_review",
                    f"实际 {as_} ≥ 指标 {ts} × {short(self.p.over_threshold)}，得满分，须人工复核",
                )
            return self.result(w, "positive.full", f"实际 {as_} 达到指标 {ts}，得满分 {short(w)}")
        if op in ("<", "<="):
            met = a <= t if (op == "<=" or self.p.strict_as_inclusive) else a < t
            if met:
                return self.result(w, "reverse.full", f"实际 {as_} 未超过上限 {ts}，得满分 {short(w)}")
            s = w * max(0.0, 2 - a / t) if t > 0 else 0.0
            return self.result(
                s,
                "reverse.over",
                f"实际 {as_} 超过上限 {ts}，按超出比例扣分（两倍上限时为 0）= {short(round_half_up(s))}",
            )
        # exact
        if math.isclose(a, t, rel_tol=1e-9, abs_tol=1e-9):
            return self.result(w, "exact.full", f"实际 {as_} 等于指标 {ts}，得满分 {short(w)}")
        s = w * min(a, t) / max(a, t) if max(a, t) > 0 else 0.0
        return self.result(
            s,
            "exact.under",
            f"实际 {as_} 与指标 {ts} 不等，按比例 {short(w)} × {short(min(a, t))}/{short(max(a, t))} = {short(round_half_up(s))}",
        )

    def _qualitative(self, target: Measure, actual: Measure) -> IndicatorScore:
        grade = _actual_grade(target, actual)
        if grade is None:
            self.issues.append(
                issue(
                    "VALUE_UNPARSED",
                    self.ind.cells.get("actual") or self.ind.loc,
                    role="实际完成值",
                    text=_show(actual),
                )
            )
            return IndicatorScore(
                self.ind, None, "unscored", f"无法判断“{_show(actual)}”是否达成指标，未评分"
            )
        return self._band(
            grade, f"定性指标：实际“{_show(actual)}”对照指标“{_show(target)}”为{grade}", "qualitative"
        )

    def _band(self, grade: str, why: str, rule: str) -> IndicatorScore:
        w = self.ind.weight or 0.0
        lo_f, hi_f = self.p.qualitative[grade]
        low, high = round_half_up(w * lo_f), round_half_up(w * hi_f)
        code = {"达成": "achieved", "部分达成": "partial", "未达成": "missed"}[grade]
        if low == high:
            return self.result(low, f"{rule}.{code}", f"{why}，得 {short(low)} 分")
        declared = self.ind.declared_score
        band = (low, high)
        if declared is not None and low - 0.005 <= declared <= high + 0.005:
            return self.result(
                declared,
                f"{rule}.{code}",
                f"{why}，区间 [{short(low)}, {short(high)}]，采用申报得分 {short(declared)}",
                band,
            )
        if declared is not None:
            self.issues.append(
                issue(
                    "BAND_OUTSIDE",
                    self.where,
                    declared=short(declared),
                    low=short(low),
                    high=short(high),
                    grade=grade,
                )
            )
            near = min(max(declared, low), high)
            return self.result(
                near,
                f"{rule}.{code}",
                f"{why}，区间 [{short(low)}, {short(high)}]，申报得分超出区间，取 {short(near)}",
                band,
            )
        self.issues.append(
            issue("BAND_NO_DECLARED", self.where, low=short(low), high=short(high), grade=grade)
        )
        return self.result(
            low, f"{rule}.{code}", f"{why}，区间 [{short(low)}, {short(high)}]，未申报得分，暂取下限", band
        )

    def _date(self, target: Measure, actual: Measure) -> IndicatorScore:
        if actual.kind not in ("date", "window"):
            return self._qualitative(target, actual)
        done = actual.end or actual.start
        deadline = target.end or target.start
        ts, as_ = _show(target), _show(actual)
        if done is None or deadline is None:
            return self._qualitative(target, actual)
        if target.kind == "window" and target.start and done < target.start:
            return self.result(
                self.ind.weight, "date.on_time", f"完成时间 {as_} 早于时间窗 {ts}，按时完成，得满分"
            )
        if done <= deadline:
            how = "在时间窗" if target.kind == "window" else "不晚于要求"
            return self.result(
                self.ind.weight,
                "date.on_time",
                f"完成时间 {as_} {how} {ts} 内，得满分 {short(self.ind.weight)}",
            )
        self.issues.append(issue("DATE_LATE", self.where, actual=as_, target=ts))
        return self._band(
            self.p.late_grade, f"完成时间 {as_} 晚于要求 {ts}，按{self.p.late_grade}计", "date.late"
        )


def score_indicator(
    ind: Indicator, profile: Profile, year: int | None = None
) -> tuple[IndicatorScore, list[Issue]]:
    issues: list[Issue] = []
    return _Scorer(profile, year, issues).score(ind), issues


def grade_of(total: float | None, profile: Profile) -> str | None:
    if total is None:
        return None
    for label, minimum in profile.grades:
        if total >= minimum - 1e-9:
            return label
    return "差"


def _rescaled(scored: list[IndicatorScore], indicator_total: float, digits: int) -> list[IndicatorScore]:
    """Profiles that drop 不适用 rows: scale the applicable rows' points up to the indicator total."""
    applicable = sum(s.indicator.weight or 0 for s in scored if not s.indicator.not_applicable)
    if applicable <= 0 or math.isclose(applicable, indicator_total):
        return scored
    factor = indicator_total / applicable
    return [
        s
        if s.score is None or s.indicator.not_applicable
        else replace(
            s,
            score=round_half_up(s.score * factor, digits),
            explanation=f"{s.explanation}；不适用指标剔除后 × {short(factor)}",
        )
        for s in scored
    ]


def _keep_declared(s: IndicatorScore) -> IndicatorScore:
    """A row the rules could not check keeps the score the document declares, marked 未核验 (issue 10):
    never a number the form does not print. A declared score outside 0..分值 (or absurd) is not kept."""
    ind = s.indicator
    declared = ind.declared_score
    limit = ind.weight if sane_weight(ind.weight) else MAX_WEIGHT
    why = s.explanation or "规则无法核验"
    if declared is None or not math.isfinite(declared) or not 0 <= declared <= limit + 0.005:
        return replace(s, verified=False, unverified_reason=f"{why}，且无可用的申报得分")
    return replace(
        s,
        score=declared,
        rule="declared",
        explanation=f"未核验：{why}，保留申报得分 {short(declared)}",
        verified=False,
        unverified_reason=why,
    )


def score(form: Form, profile: Profile | None = None) -> Scorecard:
    """Score a form: budget execution, every indicator, total and grade, and every Issue (all of them).

    With no profile, the form's declared weights choose one (`select_profile`). Rows the rules cannot
    check keep their declared score, marked 未核验; weights that do not add up to 100 leave the total
    unverified and ungraded. Never raises on absurd numbers: they are errors at their cell."""
    auto = profile is None
    profile = profile or select_profile(form)
    year = year_int(form.header.year)  # `²⁰²³` is isdigit() but no int(): never raises
    issues: list[Issue] = list(form.issues)
    rate = execution_rate(form.funds)
    b_score = budget_score(rate, profile)
    # amounts that would poison the organisation's totals: the form is kept, shown with the reason,
    # never graded and never counted (issue 20; store.forms.excluded, Scorecard.excluded)
    poison: list[str] = []
    if negative_amounts(form.funds):
        poison.append("资金表中有负数金额，预算执行率不予计算，该表不计入汇总")
    elif rate is not None and rate > profile.budget_max_rate:
        where = form.funds.locs.get("total.executed") or form.funds.total.loc or form.loc
        issues.append(issue("RATE_IMPLAUSIBLE", where, rate=rate * 100, limit=profile.budget_max_rate * 100))
        poison.append(
            f"执行率 {short(round_half_up(rate * 100))}% 超出合理范围（不超过 {short(profile.budget_max_rate * 100)}%），"
            "预算执行不予评分，该表不计入汇总"
        )
    if poison:
        b_score = None
    scored: list[IndicatorScore] = []
    level_only: set[str] = set()
    scorer = _Scorer(profile, year, issues)
    for ind in form.indicators:
        if ind.weight is None and not ind.not_applicable and ind.level1 in form.level1_weights:
            level_only.add(ind.level1)  # this family prints 分值 only per 一级指标: nothing to check per row
            why = f"本行未列分值（分值仅见于一级指标“{ind.level1}（{short(form.level1_weights[ind.level1])}分）”）"
            scored.append(IndicatorScore(ind, None, "unscored", why))
            continue
        scored.append(scorer.score(ind))
    if level_only:
        issues.append(issue("LEVEL_WEIGHTS_ONLY", form.loc, levels="、".join(sorted(level_only))))
    if profile.rescale_na:
        scored = _rescaled(scored, 100 - profile.budget_weight, profile.digits)
    scored = [s if s.score is not None or s.indicator.not_applicable else _keep_declared(s) for s in scored]
    reasons: list[str] = list(poison)
    if b_score is None and not poison:
        reasons.append("预算执行率无法计算（缺少或无法识别全年预算数、全年执行数）")
    for s in scored:
        if not s.verified:
            reasons.append(f"{s.indicator.name or s.indicator.level2 or '指标'}：{s.unverified_reason}")
    parts = [b_score, *[s.score for s in scored]]
    total = None
    summed = finite_sum(parts) if None not in parts else None  # None: overflow, never raise
    if summed is not None:
        total = round_half_up(summed, profile.digits)
        for below, cap in profile.total_caps:
            if rate is not None and rate * 100 < below and total > cap:
                issues.append(issue("TOTAL_CAPPED", form.loc, rate=rate * 100, cap=cap, raw=total))
                total = cap
    weights = weight_sum(form, profile.budget_weight)
    weights_add_up = profile.rescale_na or (weights is not None and abs(weights - 100) <= 0.01)
    if not weights_add_up:
        shown = "无法合计" if weights is None else short(round_half_up(weights, 2))
        reasons.append(f"分值合计 {shown}，不等于 100，总分不予核验和评级")
        issues.append(issue("TOTAL_UNVERIFIED", form.loc, weights=shown, total=short(total)))
        total = None
    verified_parts = b_score is not None or any(s.verified for s in scored)
    if total is None or not weights_add_up or not verified_parts:
        verification = "unverified"
    elif reasons:
        verification = "partial"
    else:
        verification = "verified"
    card = Scorecard(
        form=form,
        profile=profile.name,
        rate=None if rate is None else round_half_up(rate * 100, 2),
        budget_weight=profile.budget_weight,
        budget_score=b_score,
        indicators=tuple(scored),
        total=total,
        grade=grade_of(total, profile),
        issues=(),
        verification=verification,  # type: ignore[arg-type]
        verification_reasons=tuple(reasons),
        budget_verified=b_score is not None,
        profile_auto=auto,
    )
    issues.extend(check(card, profile, unrounded_rate=rate, weights=weights))
    return replace(card, issues=tuple(issues))
