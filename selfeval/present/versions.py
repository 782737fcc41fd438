"""Two versions of one project compared field by field (项目详情's 版本对比): the same labels for
every version, numbers compared as numbers."""

from __future__ import annotations

import pandas as pd

from selfeval import fmt
from selfeval.model import Scorecard
from selfeval.present.insights import as_number


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
        na, nb = as_number(va), as_number(vb)
        same = abs(na - nb) < 0.005 if (na is not None and nb is not None) else _shown(va) == _shown(vb)
        if not same:
            rows.append({"字段": key, "早先版本": _shown(va), "本版本": _shown(vb)})
    return pd.DataFrame(rows, columns=["字段", "早先版本", "本版本"])
