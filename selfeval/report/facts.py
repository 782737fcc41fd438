"""What a report may say about a scorecard: the rows that met, missed, lost points or could not be
scored, read from the rules' own verdicts (IndicatorScore.rule), never from the form's prose.

Kept apart from the document builders so the wording can be checked against the same facts.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from selfeval.bounds import round_half_up
from selfeval.model import IndicatorScore, Scorecard
from selfeval.verdicts import is_unverified, verdict


def r2(x: float) -> float:
    """Half-up to 2 decimals; NaN for what is not a finite number (printed as "—", never raising)."""
    return round_half_up(x, 2) if math.isfinite(x) else math.nan


LEVEL1_ORDER = ("产出指标", "效益指标", "满意度指标")
EPS = 0.005


def form_status(card: Scorecard) -> str | None:
    """The form's verification status (已核验 / 部分核验 / 未核验) when the scorecard carries one."""
    label = getattr(card, "verification_label", None)
    return label if isinstance(label, str) and label else None


def status_reasons(card: Scorecard) -> tuple[str, ...]:
    """Why the form is not fully verified, as the rules said it (Chinese)."""
    return tuple(getattr(card, "verification_reasons", ()) or ())


@dataclass(frozen=True)
class Row:
    """One applicable third-level row with its verdict."""

    s: IndicatorScore
    met: bool
    lost: float | None  # weight - score, None when unscored

    @property
    def unscored(self) -> bool:
        """No score at all (not computed, none declared)."""
        return self.s.score is None

    @property
    def unverified(self) -> bool:
        """Not checked by the rules, the declared score kept."""
        return is_unverified(self.s) and self.s.score is not None


@dataclass(frozen=True)
class Group:
    level1: str
    weight: float
    score: float | None
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Facts:
    card: Scorecard
    rows: tuple[Row, ...]  # applicable rows only
    not_applicable: int
    groups: tuple[Group, ...]
    budget_lost: float | None

    @property
    def met(self) -> int:
        return sum(1 for r in self.rows if r.met)

    @property
    def missed(self) -> int:
        return sum(1 for r in self.rows if not r.met and not r.unscored and not r.unverified)

    @property
    def unscored(self) -> int:
        return sum(1 for r in self.rows if r.unscored)

    @property
    def unverified(self) -> int:
        return sum(1 for r in self.rows if r.unverified)

    @property
    def over(self) -> int:
        return sum(1 for r in self.rows if r.s.rule == "positive.over" and (r.lost or 0) > EPS)

    @property
    def all_met(self) -> bool:
        """Every applicable row met its target, nothing unscored or unverified, the total exists."""
        return (
            bool(self.rows)
            and self.met == len(self.rows)
            and self.card.total is not None
            and form_status(self.card) in (None, "已核验")
        )

    @property
    def lost_rows(self) -> tuple[Row, ...]:
        """Rows that lost points or could not be scored, in form order."""
        return tuple(r for r in self.rows if r.lost is None or r.lost > EPS)

    @property
    def lost_total(self) -> float:
        parts = [self.budget_lost or 0.0, *(r.lost or 0.0 for r in self.rows if not r.unverified)]
        return r2(sum(parts))


def _lost(weight: float | None, score: float | None) -> float | None:
    if weight is None or score is None:
        return None
    return r2(max(weight - score, 0.0))


def facts(card: Scorecard) -> Facts:
    rows: list[Row] = []
    na = 0
    for s in card.indicators:
        if s.indicator.not_applicable or s.rule == "na":
            na += 1
            continue
        met = verdict(s.rule).met and s.score is not None and not is_unverified(s)
        rows.append(Row(s, met, None if is_unverified(s) else _lost(s.indicator.weight, s.score)))
    order = [lv for lv in LEVEL1_ORDER if any(r.s.indicator.level1 == lv for r in rows)]
    order += sorted({r.s.indicator.level1 for r in rows} - set(order))
    groups = []
    for level1 in order:
        mine = tuple(r for r in rows if r.s.indicator.level1 == level1)
        weight = r2(sum(r.s.indicator.weight or 0.0 for r in mine))
        scores = [r.s.score for r in mine]
        score = r2(sum(scores)) if all(x is not None for x in scores) else None  # type: ignore[arg-type]
        groups.append(Group(level1, weight, score, mine))
    return Facts(card, tuple(rows), na, tuple(groups), _lost(card.budget_weight, card.budget_score))


_ITEM_NUMBER = re.compile(r"[\s　]*(?:\d{1,2}[.、．]|[（(]\d{1,2}[）)])?[\s　]*$")
_REASON_HEAD = re.compile(
    r"^[\s　]*(?:\d{1,2}[.、．]|[（(]\d{1,2}[）)])?[\s　]*(?:偏差原因(?:分析)?[:：]?)?[\s　]*"
)


def split_reason(reason: str) -> tuple[str, str]:
    """The form's 偏差原因分析及改进措施 split at "改进措施" into (reason, measure) when it has both;
    the item numbers ("1. 偏差原因：", "2. 改进措施：") are dropped, the words kept as written."""
    text = reason.strip()
    at = text.find("改进措施")
    if at <= 0:
        return text, ""
    head = _ITEM_NUMBER.sub("", text[:at])
    head = _REASON_HEAD.sub("", head, count=1)
    return head.strip(), text[at + len("改进措施") :].lstrip(" 　:：").strip()


def has_reason(text: str) -> bool:
    """A reason that says something (not empty, 无, 不适用 or a dash)."""
    return text.strip().strip("。.") not in ("", "无", "不适用", "—", "-", "/", "／")
