"""What every rule code means to a person: one table, used by the pages, the editor, the exports and
the 自评报告 drafts alike.

The rules (selfeval/rules.py, `_Scorer`) give each indicator row a code — the family of the rule and
its outcome, e.g. "positive.over" — and a one-line explanation with the row's own figures. Everything
else said about a code is here: the label of the 规则 column, whether the target counts as met, the
cause of the lost points (and the improvement measure drafted for it), the short phrase 总览 uses for
a project's main loss, and the 偏差原因 drafted for a row that needs one.

    na                                   不适用 (weight 0, score 0)
    unscored                             the rules could not score the row (the explanation says why)
    declared                             not checkable: the declared score kept, 未核验
    positive.full / under / over / over_review      >, ≥, percentages (rules._Scorer._quantitative)
    reverse.full / over                  <, ≤, costs (_quantitative)
    exact.full / under                   =, a bare 100% (_quantitative)
    qualitative.achieved / partial / missed        达成 / 部分达成 / 未达成 (_qualitative, _band)
    date.on_time, date.late.<grade>      deadlines and windows (_date)

Stored forms keep the codes they were scored with, so a code this table does not list (an older
spelling) still gets its family's label and a neutral wording, never an error.
"""

from __future__ import annotations

from dataclasses import dataclass

from selfeval.model import IndicatorScore


@dataclass(frozen=True)
class Cause:
    """Why points were lost, as reports group them, and the improvement measure drafted for it."""

    label: str
    measure: str


CAUSES: dict[str, Cause] = {
    "budget": Cause(
        "预算执行率未达 100%",
        "加强预算执行管理，按序时进度跟踪资金支出，结余资金及时调整或收回，提高资金使用效率。",
    ),
    "under": Cause(
        "指标未达到年度指标值",
        "加强项目实施过程管理，对照年度指标值跟踪完成进度，在年中绩效监控时及时纠偏。",
    ),
    "over": Cause(
        "指标值设置偏低（超额完成扣分）",
        "结合历史完成情况和工作计划科学测算、合理设置年度指标值，在年中绩效监控时根据实际执行情况及时调整指标值。",
    ),
    "late": Cause("完成时间滞后", "合理安排工作计划，按时间节点推进，确保在要求时限内完成。"),
    "achieved": Cause(
        "定性指标达成但未得满分",
        "加强项目实施过程管理，对照年度指标值跟踪完成进度，在年中绩效监控时及时纠偏。",
    ),
    "unscored": Cause(
        "指标未能按评分规则评分",
        "规范自评表填写：年度指标值写明运算符、数值和单位，实际完成值写明数值或达成情况，确保可核验。",
    ),
    "unverified": Cause(
        "指标未核验",
        "规范自评表填写：年度指标值写明运算符、数值和单位，实际完成值写明数值或达成情况，确保可核验。",
    ),
}

DRAFT_OTHER = "得分低于分值，具体原因待补充。"


@dataclass(frozen=True)
class Verdict:
    """One rule code as people read it."""

    label: str  # the 规则 column: 正向指标（超额扣分）
    met: bool = False  # the target counts as met (an over-achievement deduction still met it)
    why: str = "未得满分"  # 总览's phrase for the main loss: “服务干部人数”未达标：…
    draft: str = DRAFT_OTHER  # the drafted 偏差原因, with {target} and {actual} (quoted)
    cause: str = "under"  # key of CAUSES when this verdict loses points


_FAMILIES = {
    "na": "不适用",
    "unscored": "未评分",
    "declared": "未核验",
    "positive": "正向指标",
    "reverse": "反向指标",
    "exact": "等值指标",
    "qualitative": "定性指标",
    "date": "时间指标",
}
_OUTCOMES = {
    "full": "达标",
    "under": "未达标",
    "over": "超额扣分",
    "over_review": "超额复核",
    "on_time": "按时",
    "late": "逾期",
}
_LATE = "完成时间{actual}晚于年度指标值{target}的要求。"
_OVER = "实际完成值{actual}超过年度指标值{target}较多，年初指标值设置偏低。"
_UNSCORED = "该指标未能按评分规则评分，须核对年度指标值和实际完成值的填写。"


def _label(code: str) -> str:
    """ "positive.over" -> "正向指标（超额扣分）"; a code of an unknown family is shown as it is."""
    family, _, outcome = code.partition(".")
    label = _FAMILIES.get(family, code or "—")
    detail = _OUTCOMES.get(outcome.split(".")[0], "")
    return f"{label}（{detail}）" if detail else label


def _verdict(code: str, **said: object) -> Verdict:
    return Verdict(_label(code), **said)  # type: ignore[arg-type]


VERDICTS: dict[str, Verdict] = {
    "na": _verdict("na", why="不适用"),
    "unscored": _verdict("unscored", why="未能评分", draft=_UNSCORED, cause="unscored"),
    "declared": _verdict("declared", cause="unverified"),
    "positive.full": _verdict("positive.full", met=True, why="达标"),
    "positive.under": _verdict(
        "positive.under", why="未达标", draft="实际完成值{actual}低于年度指标值{target}，未达到预期。"
    ),
    "positive.over": _verdict(
        "positive.over", met=True, why="超额过多、指标值偏低", draft=_OVER, cause="over"
    ),
    "positive.over_review": _verdict(
        "positive.over_review", met=True, why="超额过多、指标值偏低", draft=_OVER, cause="over"
    ),
    "reverse.full": _verdict("reverse.full", met=True, why="未超过控制上限"),
    "reverse.over": _verdict(
        "reverse.over", why="超出控制上限", draft="实际完成值{actual}超出年度指标值{target}的上限。"
    ),
    "exact.full": _verdict("exact.full", met=True, why="与目标值相符"),
    "exact.under": _verdict(
        "exact.under", why="与目标值不符", draft="实际完成值{actual}与年度指标值{target}不一致。"
    ),
    "qualitative.achieved": _verdict(
        "qualitative.achieved",
        met=True,
        why="目标未完全达成",
        draft="实际完成情况{actual}达成年度指标值{target}，按评分区间取得分。",
        cause="achieved",
    ),
    "qualitative.partial": _verdict(
        "qualitative.partial",
        why="目标未完全达成",
        draft="对照年度指标值{target}，实际完成情况{actual}为部分达成。",
    ),
    "qualitative.missed": _verdict(
        "qualitative.missed",
        why="目标未完全达成",
        draft="对照年度指标值{target}，实际完成情况{actual}为未达成。",
    ),
    "date.on_time": _verdict("date.on_time", met=True, why="按时完成"),
    **{
        f"date.late.{grade}": _verdict(f"date.late.{grade}", why="未按时完成", draft=_LATE, cause="late")
        for grade in ("achieved", "partial", "missed")
    },
}
_BY_FAMILY = {
    "positive": VERDICTS["positive.under"],
    "reverse": VERDICTS["reverse.over"],
    "exact": VERDICTS["exact.under"],
    "qualitative": VERDICTS["qualitative.partial"],
    "date": VERDICTS["date.late.partial"],
}


def verdict(code: str | None) -> Verdict:
    """The table's entry for `code`; a code it does not list (an older spelling kept in the store)
    gets its family's wording with its own label, and an unknown family a neutral one."""
    code = code or ""
    if code in VERDICTS:
        return VERDICTS[code]
    family = code.partition(".")[0]
    known = _BY_FAMILY.get(family)
    if family == "date" and ".late" not in code:
        known = VERDICTS["date.on_time"]
    if known is None:
        return Verdict(_label(code))
    return Verdict(_label(code), met=known.met, why=known.why, draft=known.draft, cause=known.cause)


def is_unverified(s: IndicatorScore) -> bool:
    """A row the rules could not check (未核验): it keeps the declared score, or has none."""
    return getattr(s, "verified", True) is False or (s.rule or "").startswith("unverified")


def cause_of(s: IndicatorScore) -> str:
    """Why this row lost points: a key of CAUSES."""
    if s.score is None:
        return "unscored"
    if is_unverified(s):
        return "unverified"
    return verdict(s.rule).cause


def quote(text: str) -> str:
    """Form text quoted in a drafted sentence; empty text says so."""
    text = (text or "").strip()
    return f"“{text}”" if text else "（空）"


def drafted_cause(s: IndicatorScore) -> str:
    """The 偏差原因 drafted for a row that lost points, from its target, actual and verdict."""
    template = _UNSCORED if s.score is None else verdict(s.rule).draft
    ind = s.indicator
    return template.format(target=quote(ind.target), actual=quote(ind.actual))


def drafted_measure(s: IndicatorScore) -> str:
    """The improvement measure drafted for the cause of this row's lost points."""
    return CAUSES[cause_of(s)].measure
