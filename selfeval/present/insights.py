"""What a leader reads first, computed from the data: the one-sentence answer to "how are we doing",
each project's main reason for lost points, the low-execution-but-high-grade flag, a project search,
plain-language issue locations and the field-by-field difference between two versions.

Pure pandas over store frames and Scorecards, no Streamlit; every function copes with missing,
NaN and absurd values (issue 11: one absurd form must not take a page down).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from selfeval import fmt
from selfeval.messages import SEVERITY_LABELS
from selfeval.model import Issue, Loc, Scorecard
from selfeval.present.frames import SEVERITY_ORDER
from selfeval.verdicts import verdict

GRADES = ("优", "良", "中", "差")
LOW_RATE = 90.0  # execution below this is named in the sentence (财预〔2020〕10号 practice)
DEFAULT_FLAG_RATE = 60.0  # execution below this with grade 优/良 is flagged unless the profile says
HIGH_GRADES = ("优", "良")
BUDGET_PART = "预算执行率"
# Scorecard cell field -> the grid's column name (Indicator.cells keys, see readers)
FIELD_COLUMNS = {
    "name": "三级指标",
    "target": "年度指标值",
    "actual": "实际完成值",
    "weight": "分值",
    "score": "得分",
    "reason": "偏差原因分析及改进措施",
}


def _num(x: object) -> float | None:
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


def _name(x: object) -> str:
    text = "" if x is None or (isinstance(x, float) and math.isnan(x)) else str(x).strip()
    return text or "（未命名）"


def project_names(projects: pd.DataFrame, *, with_unit: bool | None = None) -> pd.Series:
    """Each row's project as a person tells it apart (a project is its code and its unit, never its
    name alone: 职工疗休养 exists in many units): its name; with its unit when `with_unit`, or — left
    None — when another unit in the frame has a project of that name; with its code as well when one
    unit has two of that name. Never two rows with the same label (charts key on it)."""
    if projects.empty:
        return pd.Series([], dtype=object, index=projects.index)
    names = projects["project_name"].map(_name)
    units = (
        projects["unit"].fillna("").astype(str).str.strip() if "unit" in projects else names.map(lambda _: "")
    )
    codes = projects["project_code"].fillna("").astype(str) if "project_code" in projects else names.map(str)
    shared = (
        names.map(units.groupby(names).nunique()) > 1
        if with_unit is None
        else pd.Series(with_unit, index=names.index)
    )
    labels = names.where(~shared | (units == ""), names + "（" + units + "）")
    twice = labels.duplicated(keep=False)
    labels = labels.where(~twice, labels + "·" + codes.where(codes != "", "无编码"))
    return labels + labels.groupby(labels).cumcount().map(lambda n: "" if not n else f"#{n + 1}")


# ------------------------------------------------------------------------------------------ flags


def flag_threshold(profile: object | None = None) -> float:
    """The execution rate (%) under which a 优/良 grade is flagged: the loosest execution cap of a
    profile that caps totals by execution (e.g. 80 when 70–80 % caps the total at 89), else 60."""
    caps = getattr(profile, "total_caps", ()) or ()
    belows = [_num(below) for below, _cap in caps]
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
    weight, got = _num(card.budget_weight), _num(card.budget_score)
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
        w, sc = _num(ind.weight), _num(s.score)
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


# ------------------------------------------------------------------------------------------ search


def search_projects(projects: pd.DataFrame, text: str = "", limit: int = 50) -> pd.DataFrame:
    """Current projects whose code, name or unit contains `text` (all when empty), lowest score
    first, at most `limit` rows: a picker never lists 20,000 options."""
    if projects.empty:
        return projects
    df = projects
    words = (text or "").split()
    for word in words:
        hit = pd.Series(False, index=df.index)
        for col in ("project_code", "project_name", "unit"):
            if col in df.columns:
                hit |= df[col].fillna("").astype(str).str.contains(word, case=False, regex=False)
        df = df[hit]
    return df.head(limit)


def project_labels(projects: pd.DataFrame) -> dict[int, str]:
    """submission_id -> "名称（编码 · 年度）" without iterating rows one by one; the name carries
    its unit where another unit's project in the list has that name (project_names)."""
    if projects.empty:
        return {}
    names = projects["project_name"].map(_name)
    units = projects["unit"].fillna("").astype(str).str.strip()
    shared = names.map(units.groupby(names).nunique()) > 1
    codes = projects["project_code"].fillna("").astype(str).replace("", "无编码")
    where = units.where(shared & (units != ""), "").map(lambda u: f"{u} · " if u else "")
    labels = names + "（" + where + codes + " · " + projects["year"].astype(str) + "）"
    return dict(zip(projects["submission_id"].astype(int), labels, strict=True))


# ------------------------------------------------------------------------------------------ locations


# an issue placed on a whole row concerns this column (REASON_MISSING: the reason, not the name);
# every code here is declared in selfeval.messages.CODES (tests/test_messages.py checks)
CODE_COLUMNS = {
    "REASON_MISSING": "偏差原因分析及改进措施",
    "REASON_EMPTY": "偏差原因分析及改进措施",
    "SCORE_RANGE": "得分",
    "SCORE_MISSING": "得分",
    "SCORE_MISMATCH": "得分",
    "BAND_OUTSIDE": "得分",
    "BAND_NO_DECLARED": "得分",
    "WEIGHT_MISSING": "分值",
    "WEIGHT_RANGE": "分值",
    "WEIGHT_LEVEL_SUM": "分值",
    "WEIGHT_TOTAL": "分值",
    "WEIGHT_DECLARED_TOTAL": "分值",
    "NA_NONZERO": "分值",
    "VALUE_UNPARSED": "实际完成值",
    "VALUE_RANGE": "实际完成值",
    "OVER_ACHIEVED": "实际完成值",
    "OVER_REVIEW": "实际完成值",
    "DATE_LATE": "实际完成值",
    "RATE_MISMATCH": "实际完成值",
    "RATE_INDICATOR_MISMATCH": "实际完成值",
    "RATE_AS_FRACTION": "实际完成值",
}


def issue_column(issue: Issue, column: str) -> str:
    """The grid column an issue concerns: its cell's column, or for an issue placed on a whole row
    the column its code concerns (REASON_MISSING -> 偏差原因分析及改进措施)."""
    if column != "三级指标":
        return column
    return CODE_COLUMNS.get(issue.code, column)


def cell_places(card: Scorecard) -> dict[Loc, tuple[int, str]]:
    """Where each source cell or row shows up in the grid: Loc -> (row index, column name).
    A row's own Loc maps to its name column."""
    places: dict[Loc, tuple[int, str]] = {}
    for i, s in enumerate(card.indicators):
        ind = s.indicator
        if ind.loc is not None:
            places.setdefault(ind.loc, (i, "三级指标"))
        for field, loc in (ind.cells or {}).items():
            if loc is not None and field in FIELD_COLUMNS:
                places.setdefault(loc, (i, FIELD_COLUMNS[field]))
    return places


_HEADER_FIELDS = {
    "project_code": "项目编码",
    "project_name": "项目名称",
    "year": "绩效自评年度",
    "unit": "实施单位",
    "budget_unit": "一级预算单位",
}


def plain_location(issue: Issue, card: Scorecard, places: Mapping[Loc, tuple[int, str]] | None = None) -> str:
    """An issue's place in words a leader reads: "第 3 行「服务干部人数」的实际完成值", "资金使用情况",
    "总分", or "整张表" — never an Excel cell or a text-file line."""
    places = cell_places(card) if places is None else places
    loc = issue.loc
    if loc is None:  # a file's name, a project code: nothing of the form's own places
        return "整张表"
    if loc in places:
        row, column = places[loc]
        column = issue_column(issue, column)
        name = card.indicators[row].indicator.name or "（未命名指标）"
        what = "" if column == "三级指标" else f"的{column}"
        return f"第 {row + 1} 行「{name}」{what}"
    form = card.form
    if loc == form.funds.total.loc or loc in (form.funds.locs or {}).values():
        return "资金使用情况"
    header_fields = {v: k for k, v in (form.header.locs or {}).items()}
    if loc in header_fields:
        return _HEADER_FIELDS.get(header_fields[loc], "表头")
    if loc in (form.locs or {}).values():
        return "总分与一级指标"
    return "整张表"


def plain_issues(card: Scorecard) -> pd.DataFrame:
    """The card's issues for leaders: 级别, 位置 in words, 说明; the code and the source location
    kept in their own columns for the "技术细节" view."""
    rank = {s: n for n, s in enumerate(SEVERITY_ORDER)}
    places = cell_places(card)
    rows = [
        {
            "级别": SEVERITY_LABELS.get(i.severity, i.severity),
            "位置": plain_location(i, card, places),
            "说明": i.message,
            "代码": i.code,
            "原表位置": i.location,
        }
        for i in sorted(card.issues, key=lambda i: rank.get(i.severity, 9))
    ]
    return pd.DataFrame(rows, columns=["级别", "位置", "说明", "代码", "原表位置"])


# ------------------------------------------------------------------------------------------ diff


def _fields(card: Scorecard) -> dict[str, object]:
    """A card flattened to labelled values, the same labels for every version."""
    f = card.form
    h, funds = f.header, f.funds
    out: dict[str, object] = {
        "项目名称": h.project_name,
        "实施单位": h.unit,
        "一级预算单位": h.budget_unit,
        "年初预算数（元）": funds.total.initial_budget,
        "全年预算数（元）": funds.total.annual_budget,
        "全年执行数（元）": funds.total.executed,
        "预算执行率（%）": card.rate,
        "预期目标": f.goals.expected,
        "实际完成情况": f.goals.achieved,
        "总分": card.total,
        "等级": card.grade,
    }
    for s in card.indicators:
        ind = s.indicator
        key = f"{ind.level2}「{ind.name}」"
        n = 2
        while f"{key}的年度指标值" in out:
            key, n = f"{ind.level2}「{ind.name}」#{n}", n + 1
        out[f"{key}的年度指标值"] = ind.target
        out[f"{key}的实际完成值"] = ind.actual
        out[f"{key}的分值"] = ind.weight
        out[f"{key}的得分"] = s.score
        out[f"{key}的偏差原因"] = ind.reason
    return out


def _shown(value: object) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, float):
        return fmt.number(value)
    return str(value)


def version_diff(old: Scorecard, new: Scorecard) -> pd.DataFrame:
    """字段, 早先版本, 本版本: every field whose value differs between two versions of a form."""
    a, b = _fields(old), _fields(new)
    rows = []
    for key in [*a, *[k for k in b if k not in a]]:
        va, vb = a.get(key), b.get(key)
        na, nb = _num(va), _num(vb)
        same = abs(na - nb) < 0.005 if (na is not None and nb is not None) else _shown(va) == _shown(vb)
        if not same:
            rows.append({"字段": key, "早先版本": _shown(va), "本版本": _shown(vb)})
    return pd.DataFrame(rows, columns=["字段", "早先版本", "本版本"])


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
