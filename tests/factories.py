"""Hand-built Forms and Scorecards for store tests and benchmarks (no reader, no rules needed)."""

from __future__ import annotations

from collections.abc import Sequence

from selfeval.model import (
    Form,
    Funds,
    FundsLine,
    Goals,
    Header,
    Indicator,
    IndicatorScore,
    Issue,
    Loc,
    Scorecard,
)

# (level1, level2) slots cycled through by default rows
SLOTS = (
    ("产出指标", "数量指标"),
    ("产出指标", "质量指标"),
    ("产出指标", "时效指标"),
    ("产出指标", "成本指标"),
    ("效益指标", "社会效益指标"),
    ("满意度指标", "服务对象满意度指标"),
)

# one indicator row: (level1, level2, name, target, actual, weight, score)
Row = tuple[str, str, str, str, str, float, float | None]


def grade_of(total: float | None) -> str | None:
    if total is None:
        return None
    if total >= 90:
        return "优"
    if total >= 80:
        return "良"
    if total >= 60:
        return "中"
    return "差"


def default_rows(n: int, scores: Sequence[float | None] | None = None) -> list[Row]:
    """n rows sharing 90 points evenly; scores default to full weight."""
    weight = round(90 / n, 2) if n else 0.0
    rows: list[Row] = []
    for i in range(n):
        level1, level2 = SLOTS[i % len(SLOTS)]
        score = weight if scores is None else scores[i]
        rows.append((level1, level2, f"指标{i + 1}", f">{100 + i}人次", f"{110 + i}人次", weight, score))
    return rows


def make_form(
    *,
    project_code: str = "440304226011500000001",
    project_name: str | None = None,
    year: str | int = "2023",
    unit: str = "深圳市福田区总工会（本级）",
    budget: float = 100000.0,
    executed: float = 98630.0,
    rows: Sequence[Row] = (),
    source: str = "test.xlsx",
    sheet: str = "Sheet1",
    declared_total: float | None = None,
    reading_issues: Sequence[Issue] = (),
) -> Form:
    sheet_loc = Loc(sheet, 1, 1)
    indicators = tuple(
        Indicator(
            level1=l1,
            level2=l2,
            name=name,
            target=target,
            actual=actual,
            weight=weight,
            declared_score=score,
            reason="无" if score == weight else "未完成",
            loc=Loc(sheet, 20 + i, 4),
            cells={"actual": Loc(sheet, 20 + i, 6), "score": Loc(sheet, 20 + i, 8)},
        )
        for i, (l1, l2, name, target, actual, weight, score) in enumerate(rows)
    )
    level1_weights: dict[str, float] = {}
    for ind in indicators:
        level1_weights[ind.level1] = round(level1_weights.get(ind.level1, 0.0) + (ind.weight or 0.0), 2)
    return Form(
        source=source,
        sheet=sheet,
        header=Header(
            project_code=project_code,
            project_name=project_name if project_name is not None else f"项目{project_code[-4:]}",
            year=str(year),
            unit=unit,
            budget_unit=unit,
            locs={"project_code": Loc(sheet, 3, 2), "year": Loc(sheet, 3, 6)},
        ),
        funds=Funds(
            total=FundsLine("年度资金总额", budget, budget, executed, Loc(sheet, 7, 2)),
            parts=(
                FundsLine("其中：当年财政拨款", budget, budget, executed, Loc(sheet, 8, 2)),
                FundsLine("上年结转资金", 0.0, 0.0, 0.0, Loc(sheet, 9, 2)),
            ),
            declared_weight=10.0,
            declared_rate=round(executed / budget * 100, 2) if budget else None,
            declared_score=None,
            locs={"total": Loc(sheet, 7, 2)},
        ),
        goals=Goals("预期目标", "实际完成情况"),
        indicators=indicators,
        level1_weights=level1_weights,
        declared_total_weight=100.0,
        declared_total=declared_total,
        issues=tuple(reading_issues),
        loc=sheet_loc,
    )


def make_scorecard(
    n_indicators: int = 5,
    *,
    project_code: str = "440304226011500000001",
    project_name: str | None = None,
    year: str | int = "2023",
    unit: str = "深圳市福田区总工会（本级）",
    budget: float = 100000.0,
    executed: float = 98630.0,
    scores: Sequence[float | None] | None = None,
    rows: Sequence[Row] | None = None,
    rules: Sequence[str] | None = None,
    issues: Sequence[Issue] = (),
    reading_issues: Sequence[Issue] = (),
    source: str = "test.xlsx",
    sheet: str = "Sheet1",
    profile: str = "futian-2023",
) -> Scorecard:
    """A Scorecard with n indicators (or the given rows); budget score = rate / 10, capped at 10."""
    rows = list(rows) if rows is not None else default_rows(n_indicators, scores)
    rate = round(executed / budget * 100, 2) if budget else 0.0
    budget_score = round(min(executed / budget, 1.0) * 10, 2) if budget else 0.0
    scored = [r[6] for r in rows]
    total = None if any(s is None for s in scored) else round(budget_score + sum(scored), 2)
    form = make_form(
        project_code=project_code,
        project_name=project_name,
        year=year,
        unit=unit,
        budget=budget,
        executed=executed,
        rows=rows,
        source=source,
        sheet=sheet,
        declared_total=total,
        reading_issues=reading_issues,
    )
    rules = list(rules) if rules is not None else ["positive.full"] * len(rows)
    indicator_scores = tuple(
        IndicatorScore(ind, ind.declared_score, rule, f"按规则 {rule} 评分")
        for ind, rule in zip(form.indicators, rules, strict=True)
    )
    return Scorecard(
        form=form,
        profile=profile,
        rate=rate,
        budget_weight=10.0,
        budget_score=budget_score,
        indicators=indicator_scores,
        total=total,
        grade=grade_of(total),
        issues=tuple(issues),
    )
