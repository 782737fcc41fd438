"""What a leader reads first, computed from the data: the one-sentence answer to "how are we doing",
each project's main reason for lost points, the low-execution-but-high-grade flag, the note on forms
left out of the totals and the lowest projects' table. (Projects named and searched: projects.py;
issues placed in words: places.py; two versions compared: versions.py.)

Pure pandas over store frames and Scorecards, no Streamlit; every function copes with missing,
NaN and absurd values (issue 11: one absurd form must not take a page down).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from selfeval import fmt
from selfeval.model import Scorecard
from selfeval.present.projects import project_names
from selfeval.verdicts import verdict

GRADES = ("优", "良", "中", "差")
LOW_RATE = 90.0  # execution below this is named in the sentence (财预〔2020〕10号 practice)
DEFAULT_FLAG_RATE = 60.0  # execution below this with grade 优/良 is flagged unless the profile says
HIGH_GRADES = ("优", "良")
BUDGET_PART = "预算执行率"


def as_number(x: object) -> float | None:
    """A finite float or None (NaN, inf, text and None all become None)."""
    try:
        value = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return value if math.isfinite(value) else None


def _float(x: object) -> float:
    """A float, NaN for what is not a number (inf stays inf, as pandas keeps it)."""
    try:
        return float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return math.nan


# ------------------------------------------------------------------------------------------ flags


def flag_threshold(profile: object | None = None) -> float:
    """The execution rate (%) under which a 优/良 grade is flagged: the loosest execution cap of a
    profile that caps totals by execution (e.g. 80 when 70–80 % caps the total at 89), else 60."""
    caps = getattr(profile, "total_caps", ()) or ()
    belows = [as_number(below) for below, _cap in caps]
    belows = [b for b in belows if b is not None]
    return max(belows) if belows else DEFAULT_FLAG_RATE


def execution_flags(projects: pd.DataFrame, threshold: float = DEFAULT_FLAG_RATE) -> pd.Series:
    """True for each project whose execution rate is below `threshold` % but whose grade is 优 or
    良: the auditor's first question."""
    if projects.empty:
        return pd.Series(dtype=bool)
    rate = pd.to_numeric(projects["rate"], errors="coerce")
    return (rate < threshold) & projects["grade"].isin(HIGH_GRADES)


# ------------------------------------------------------------------------------------------ reasons


def loss_parts(card: Scorecard) -> pd.DataFrame:
    """Every scored part that lost points, most first: budget execution and indicator rows, with
    the part's name, weight, score, lost points, explanation and the form's deviation reason."""
    rows = []
    weight, got = as_number(card.budget_weight), as_number(card.budget_score)
    if weight is not None and got is not None and weight - got > 0.005:
        rows.append(
            {
                "row": -1,
                "part": BUDGET_PART,
                "level1": "预算执行",
                "level2": BUDGET_PART,
                "weight": weight,
                "score": got,
                "lost": weight - got,
                "explanation": f"预算执行率 {fmt.pct(card.rate)}，按执行率计分",
                "reason": None,  # the funds block has no reason column
            }
        )
    for i, s in enumerate(card.indicators):
        ind = s.indicator
        w, sc = as_number(ind.weight), as_number(s.score)
        if ind.not_applicable or w is None or w <= 0:
            continue
        lost = None if sc is None else w - sc
        if lost is not None and lost <= 0.005:
            continue
        rows.append(
            {
                "row": i,
                "part": ind.name or "（未命名指标）",
                "level1": ind.level1,
                "level2": ind.level2,
                "weight": w,
                "score": sc,
                "lost": lost,
                "explanation": s.explanation,
                "reason": ind.reason,
            }
        )
    df = pd.DataFrame(
        rows,
        columns=["row", "part", "level1", "level2", "weight", "score", "lost", "explanation", "reason"],
    )
    # unscored rows first (they block the total), then by points lost
    df["_unscored"] = df["score"].isna()
    df = df.sort_values(["_unscored", "lost"], ascending=[False, False], na_position="first")
    return df.drop(columns="_unscored").reset_index(drop=True)


def main_reason(card: Scorecard) -> str:
    """The one part that cost this project most, in a short phrase: "“服务干部人数”未达标：实际
    52人次、指标 >100人次，失 6.00 分", "预算执行率 11.92%，失 8.81 分", or "未失分"."""
    parts = loss_parts(card)
    if parts.empty:
        return "未失分"
    top = parts.iloc[0]
    if top["score"] is None or pd.isna(top["score"]):
        return f"“{top['part']}”未能评分"
    lost = fmt.points(top["lost"])
    if top["row"] == -1:
        return f"预算执行率 {fmt.pct(card.rate)}，失 {lost} 分"
    item = card.indicators[int(top["row"])]
    ind = item.indicator
    actual, target = ind.actual.strip() or "未填", ind.target.strip() or "未填"
    return f"“{top['part']}”{verdict(item.rule).why}：实际 {actual}、指标 {target}，失 {lost} 分"


# ------------------------------------------------------------------------------------------ sentence


def portfolio_sentence(
    projects: pd.DataFrame,
    reasons: Mapping[int, str] | None = None,
    *,
    low_rate: float = LOW_RATE,
    flag_rate: float = DEFAULT_FLAG_RATE,
    weakest: int = 3,
) -> str:
    """One sentence that answers "how are we doing" from project_scores rows: how many projects
    and their grades, how many executed below `low_rate` %, how many high grades sit on low
    execution, and the weakest projects with their main reason (`reasons`: submission_id -> text).
    The counts and the few rows named are taken here from the whole frame; 总览 gets the same from
    the store's aggregating queries and calls `sentence_from` directly."""
    if projects is None or projects.empty:
        return "所选范围内尚无项目。"
    rate = pd.to_numeric(projects["rate"], errors="coerce")
    counts = {
        "projects": len(projects),
        "grades": {g: int((projects["grade"] == g).sum()) for g in GRADES},
        "ungraded": int(projects["grade"].isna().sum()),
        "low_rate": int((rate < low_rate).sum()),
        "flagged": int(execution_flags(projects, flag_rate).sum()),
    }
    low = projects.assign(rate=rate)[rate < low_rate].sort_values("rate", kind="stable").head(2)
    totals = pd.to_numeric(projects["total"], errors="coerce")
    ranked = projects.assign(total=totals).sort_values(["total", "project_code"], na_position="first")
    several = "unit" in projects and projects["unit"].nunique() > 1
    return sentence_from(
        counts, low, ranked.head(weakest), reasons, low_rate=low_rate, flag_rate=flag_rate, with_unit=several
    )


EXCLUDED_REASONS = {"AMOUNT_NEGATIVE": "金额为负数", "RATE_IMPLAUSIBLE": "执行率超出合理范围"}


def excluded_note(counts: Mapping[str, object]) -> str:
    """What 总览 says about the projects left out of its totals (overview_counts' `excluded`): how
    many and why, or "" when none was."""
    excluded: Mapping[str, int] = counts.get("excluded") or {}  # type: ignore[assignment]
    if not excluded:
        return ""
    why = "、".join(f"{EXCLUDED_REASONS.get(code, code)} {n} 个" for code, n in excluded.items())
    return (
        f"另有 {sum(excluded.values())} 个项目未计入以上合计、平均得分与执行率（{why}）："
        "多为金额单位或数字填错，这些表不评定等级，请在项目详情中核实后重新提交。"
    )


def sentence_from(
    counts: Mapping[str, object],
    lowest_rates: pd.DataFrame,
    weakest: pd.DataFrame,
    reasons: Mapping[int, str] | None = None,
    *,
    low_rate: float = LOW_RATE,
    flag_rate: float = DEFAULT_FLAG_RATE,
    with_unit: bool = False,
) -> str:
    """The sentence from counts (projects, grades, ungraded, low_rate, flagged: what
    store.overview_counts returns), the projects with the lowest execution below `low_rate` (the
    first two are named) and the weakest projects (lowest total first, unscored first). Projects
    are named with their unit when `with_unit` (a scope of several units: the same name may be
    another unit's too), else when two of those named share a name."""
    named = True if with_unit else None
    n = int(counts.get("projects") or 0)  # type: ignore[arg-type]
    if not n:
        return "所选范围内尚无项目。"
    reasons = reasons or {}
    grades: Mapping[str, int] = counts.get("grades") or {}  # type: ignore[assignment]
    graded = "、".join(f"{g} {int(grades[g])} 个" for g in GRADES if grades.get(g, 0))
    unscored = int(counts.get("ungraded") or 0)  # type: ignore[arg-type]
    parts = [f"共 {fmt.count(n)} 个项目" + (f"：{graded}" if graded else "")]
    if unscored:
        parts.append(f"{fmt.count(unscored)} 个未能定级（有未评分的指标或分值不合规）")
    low = int(counts.get("low_rate") or 0)  # type: ignore[arg-type]
    if low:
        rows = lowest_rates.head(2)
        listed = "、".join(
            f"{name} {fmt.pct(_float(rate))}"
            for name, rate in zip(project_names(rows, with_unit=named), rows["rate"], strict=True)
        )
        parts.append(f"预算执行率低于 {low_rate:g}% 的 {fmt.count(low)} 个（最低：{listed}）")
    else:
        parts.append(f"预算执行率均不低于 {low_rate:g}%")
    flagged = int(counts.get("flagged") or 0)  # type: ignore[arg-type]
    if flagged:
        parts.append(f"其中 {fmt.count(flagged)} 个执行率低于 {flag_rate:g}% 却评为优或良，需复核")
    weak = []
    for name, r in zip(project_names(weakest, with_unit=named), weakest.itertuples(), strict=True):
        total = _float(r.total)
        score = "未定级" if math.isnan(total) else f"{fmt.points(total)} 分"
        why = reasons.get(int(r.submission_id))
        weak.append(f"{name}（{score}" + (f"：{why}" if why else "") + "）")
    if weak:
        parts.append("得分最低的是" + "、".join(weak))
    return "；".join(parts) + "。"


def lowest_table(lowest: pd.DataFrame, reasons: Mapping[int, str], threshold: float) -> pd.DataFrame:
    """The lowest-scoring projects as leaders read them (总览, its PDF and Excel): the unit beside
    the name (two units' 职工疗休养 are two projects), 万元, the main reason, the flag."""
    flags = execution_flags(lowest, threshold) if not lowest.empty else pd.Series(dtype=bool)
    return pd.DataFrame(
        {
            "项目名称": lowest["project_name"],
            "实施单位": lowest["unit"],
            "总分": lowest["total"],
            "等级": lowest["grade"].fillna("未定级"),
            "执行率": lowest["rate"],
            "需复核": flags.map({True: "⚠ 执行率低", False: ""}),
            "主要失分原因": [reasons.get(int(s), "—") for s in lowest["submission_id"]],
            "全年预算数（万元）": pd.to_numeric(lowest["budget"], errors="coerce") / 10_000,
            "全年执行数（万元）": pd.to_numeric(lowest["executed"], errors="coerce") / 10_000,
            "错误": lowest["errors"],
            "警告": lowest["warnings"],
            "项目编码": lowest["project_code"],
            "年度": lowest["year"],
        }
    ).reset_index(drop=True)
