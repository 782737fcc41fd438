"""Forms and scorecards as plain JSON-safe dicts.

`form_to_dict` / `form_from_dict` round-trip a Form exactly (locations, reading issues and first-level
weights included): the store keeps every submission as this JSON, so any version can be reloaded.
`scorecard_to_dict` is the CLI's JSON output shape (amounts in 元, rates in percent).
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

from selfeval.cells import neutralise
from selfeval.model import Form, Funds, FundsLine, Goals, Header, Indicator, Issue, Loc, Scorecard

FORM_FORMAT = "selfeval.form/1"


def _loc_to_dict(loc: Loc | None) -> dict[str, Any] | None:
    if loc is None:
        return None
    return {"sheet": loc.sheet, "row": loc.row, "col": loc.col}


def _loc_from_dict(d: dict[str, Any] | None) -> Loc | None:
    if d is None:
        return None
    return Loc(d["sheet"], d["row"], d.get("col"))


def _locs_to_dict(locs: dict[str, Loc]) -> dict[str, Any]:
    return {key: _loc_to_dict(loc) for key, loc in locs.items()}


def _locs_from_dict(d: dict[str, Any] | None) -> dict[str, Loc]:
    return {key: _loc_from_dict(value) for key, value in (d or {}).items()}


def _line_to_dict(line: FundsLine) -> dict[str, Any]:
    return {
        "label": line.label,
        "initial_budget": line.initial_budget,
        "annual_budget": line.annual_budget,
        "executed": line.executed,
        "loc": _loc_to_dict(line.loc),
    }


def _line_from_dict(d: dict[str, Any]) -> FundsLine:
    return FundsLine(
        label=d["label"],
        initial_budget=d.get("initial_budget"),
        annual_budget=d.get("annual_budget"),
        executed=d.get("executed"),
        loc=_loc_from_dict(d.get("loc")),
    )


def issue_to_dict(issue: Issue) -> dict[str, Any]:
    """An Issue with its place as data (`place`: sheet, row, col; null when the place is a file's
    name), the same place as text (`location`), its parameters and its message."""
    return {
        "code": issue.code,
        "severity": issue.severity,
        "place": _loc_to_dict(issue.loc),
        "location": issue.location,
        "params": dict(issue.params),
        "message": issue.message,
    }


def issue_from_dict(d: dict[str, Any]) -> Issue:
    """The Issue `issue_to_dict` described. Written before Issues kept their place (no `place` key),
    its place is read back from the text Loc printed, and it has no parameters."""
    text = d.get("location") or ""
    if "place" in d:
        place: Loc | str = _loc_from_dict(d["place"]) or text
    else:
        place = Loc.from_text(text) or text
    return Issue(d["code"], d["severity"], place, d["message"], dict(d.get("params") or {}))


def _indicator_to_dict(ind: Indicator) -> dict[str, Any]:
    return {
        "level1": ind.level1,
        "level2": ind.level2,
        "name": ind.name,
        "target": ind.target,
        "actual": ind.actual,
        "weight": ind.weight,
        "declared_score": ind.declared_score,
        "reason": ind.reason,
        "loc": _loc_to_dict(ind.loc),
        "cells": _locs_to_dict(ind.cells),
    }


def _indicator_from_dict(d: dict[str, Any]) -> Indicator:
    return Indicator(
        level1=d["level1"],
        level2=d["level2"],
        name=d["name"],
        target=d["target"],
        actual=d["actual"],
        weight=d.get("weight"),
        declared_score=d.get("declared_score"),
        reason=d.get("reason", ""),
        loc=_loc_from_dict(d.get("loc")),
        cells=_locs_from_dict(d.get("cells")),
    )


def finite(value: Any) -> Any:
    """The same structure with NaN and ±inf as None: strict JSON (and PostgreSQL) holds no such number,
    and a stored form must never make a page or an export raise (issue 11)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value


def form_to_dict(form: Form) -> dict[str, Any]:
    """Everything a Form holds, as JSON-safe dicts, lists, strings and finite numbers."""
    return finite(_form_dict(form))


def _form_dict(form: Form) -> dict[str, Any]:
    h, f = form.header, form.funds
    return {
        "format": FORM_FORMAT,
        "source": form.source,
        "sheet": form.sheet,
        "header": {
            "project_code": h.project_code,
            "project_name": h.project_name,
            "year": h.year,
            "unit": h.unit,
            "budget_unit": h.budget_unit,
            "locs": _locs_to_dict(h.locs),
        },
        "funds": {
            "total": _line_to_dict(f.total),
            "parts": [_line_to_dict(p) for p in f.parts],
            "money_unit": f.money_unit,
            "declared_weight": f.declared_weight,
            "declared_rate": f.declared_rate,
            "declared_score": f.declared_score,
            "locs": _locs_to_dict(f.locs),
        },
        "goals": {"expected": form.goals.expected, "achieved": form.goals.achieved},
        "indicators": [_indicator_to_dict(i) for i in form.indicators],
        "level1_weights": dict(form.level1_weights),
        "declared_total_weight": form.declared_total_weight,
        "declared_total": form.declared_total,
        "issues": [issue_to_dict(i) for i in form.issues],
        "loc": _loc_to_dict(form.loc),
    }


def form_from_dict(d: dict[str, Any]) -> Form:
    """The Form that `form_to_dict` described."""
    h, f, g = d["header"], d["funds"], d.get("goals") or {}
    return Form(
        source=d["source"],
        sheet=d["sheet"],
        header=Header(
            project_code=h.get("project_code", ""),
            project_name=h.get("project_name", ""),
            year=h.get("year", ""),
            unit=h.get("unit", ""),
            budget_unit=h.get("budget_unit", ""),
            locs=_locs_from_dict(h.get("locs")),
        ),
        funds=Funds(
            total=_line_from_dict(f["total"]),
            parts=tuple(_line_from_dict(p) for p in f.get("parts", ())),
            money_unit=f.get("money_unit", "元"),
            declared_weight=f.get("declared_weight"),
            declared_rate=f.get("declared_rate"),
            declared_score=f.get("declared_score"),
            locs=_locs_from_dict(f.get("locs")),
        ),
        goals=Goals(expected=g.get("expected", ""), achieved=g.get("achieved", "")),
        indicators=tuple(_indicator_from_dict(i) for i in d.get("indicators", ())),
        level1_weights=dict(d.get("level1_weights") or {}),
        declared_total_weight=d.get("declared_total_weight"),
        declared_total=d.get("declared_total"),
        issues=tuple(issue_from_dict(i) for i in d.get("issues", ())),
        loc=_loc_from_dict(d.get("loc")),
    )


def form_to_json(form: Form) -> str:
    """Canonical JSON of a Form (sorted keys, no spaces): equal forms give equal text."""
    return form_dict_and_json(form)[1]


def form_dict_and_json(form: Form) -> tuple[dict[str, Any], str]:
    """The Form as a JSON-safe dict and its canonical JSON, made once each (an import makes both for
    every form). The text is what `form_to_dict` gives, dumped; but the walk that turns NaN and ±inf
    into None (`finite`, half the cost) runs only when the dump finds such a number, which strict
    JSON refuses. Without one, the dict may still hold tuples where form_to_dict has lists (JSON
    writes both alike; `_content` reads both alike)."""
    d = _form_dict(form)
    try:
        return d, _canonical_json(d)
    except ValueError:  # a number JSON cannot hold: None instead, as form_to_dict does
        d = finite(d)
        return d, _canonical_json(d)


def _canonical_json(d: dict[str, Any]) -> str:
    return json.dumps(d, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def form_from_json(text: str) -> Form:
    return form_from_dict(json.loads(text))


def form_sha256(form: Form) -> str:
    """Content hash of a Form without its file (an editor save): sha256 of its canonical JSON."""
    return hashlib.sha256(form_to_json(form).encode("utf-8")).hexdigest()


_NOT_CONTENT = frozenset({"source", "sheet", "loc", "locs", "cells", "issues"})


def _content(value: Any) -> Any:
    """What a form says (see content_sha256); a string inside a dict or list is stripped where it
    stands, without a call of its own (most of a form is strings: half the walk's time)."""
    if isinstance(value, dict):
        return {
            k: "".join(v.split()) if isinstance(v, str) else _content(v)
            for k, v in value.items()
            if k not in _NOT_CONTENT
        }
    if isinstance(value, list | tuple):
        return ["".join(v.split()) if isinstance(v, str) else _content(v) for v in value]
    if isinstance(value, str):  # a PDF's line wrap or a web page's copy adds or drops spaces
        return "".join(value.split())
    return value


def content_sha256(form: Form, profile: str) -> str:
    """What a form says, whatever file, sheet or layout it came in: the same form re-sent as .xlsx
    after .txt or a PDF has the same content hash (positions, file names, reading notes and
    whitespace inside text left out: where a wrapped cell broke its line is not what it says)."""
    text = json.dumps([profile, _content(form_to_dict(form))], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def scorecard_to_dict(sc: Scorecard) -> dict[str, Any]:
    """The CLI's JSON for one scored form: declared beside computed, issues with codes (finite numbers)."""
    return finite(_scorecard_dict(sc))


def _scorecard_dict(sc: Scorecard) -> dict[str, Any]:
    form = sc.form
    h, f = form.header, form.funds
    return {
        "source": form.source,
        "sheet": form.sheet,
        "project_code": h.project_code,
        "project_name": h.project_name,
        "year": h.year,
        "unit": h.unit,
        "budget_unit": h.budget_unit,
        "funds": {
            "initial_budget": f.total.initial_budget,
            "annual_budget": f.total.annual_budget,
            "executed": f.total.executed,
            "weight": sc.budget_weight,
            "rate": sc.rate,
            "score": sc.budget_score,
            "declared_rate": f.declared_rate,
            "declared_score": f.declared_score,
            "verified": sc.budget_verified,
        },
        "indicators": [
            {
                "level1": s.indicator.level1,
                "level2": s.indicator.level2,
                "name": s.indicator.name,
                "target": s.indicator.target,
                "actual": s.indicator.actual,
                "weight": s.indicator.weight,
                "score": s.score,
                "declared_score": s.indicator.declared_score,
                "rule": s.rule,
                "explanation": s.explanation,
                "deviation_reason": s.indicator.reason,
                "band": list(s.band) if s.band is not None else None,
                "location": str(s.indicator.loc) if s.indicator.loc is not None else "",
                "verified": s.verified,
                "unverified_reason": s.unverified_reason,
            }
            for s in sc.indicators
        ],
        "total": sc.total,
        "declared_total": form.declared_total,
        "grade": sc.grade,
        "issues": [issue_to_dict(i) for i in sc.issues],
        "profile": sc.profile,
        "profile_auto": sc.profile_auto,
        "verification": sc.verification,
        "verification_label": sc.verification_label,
        "verification_reasons": list(sc.verification_reasons),
    }


# CSV -------------------------------------------------------------------------------------------------
CSV_COLUMNS = (
    "项目编码",
    "项目名称",
    "年度",
    "实施单位",
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
    "实际完成值",
    "分值",
    "得分",
    "申报得分",
    "规则",
    "说明",
    "偏差原因分析及改进措施",
    "核验",  # 已核验 / 未核验 (the row keeps its declared score)
    "未核验原因",
    "全表核验状态",  # 已核验 / 部分核验 / 未核验
    "评分规则",
)


def scorecards_to_csv(cards: list[Scorecard]) -> bytes:
    """One row per indicator, UTF-8 with BOM so that Excel opens the Chinese correctly."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for sc in cards:
        h = sc.form.header
        for s in sc.indicators:
            ind = s.indicator
            row = (
                h.project_code,
                h.project_name,
                h.year,
                h.unit,
                ind.level1,
                ind.level2,
                ind.name,
                ind.target,
                ind.actual,
                ind.weight,
                s.score,
                ind.declared_score,
                s.rule,
                s.explanation,
                ind.reason,
                "已核验" if s.verified else "未核验",
                s.unverified_reason,
                sc.verification_label,
                sc.profile,
            )
            writer.writerow([neutralise(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
