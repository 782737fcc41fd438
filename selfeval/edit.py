"""The online editor's logic, without Streamlit: the grid shown to st.data_editor, the edit delta
applied to the immutable source Form, drafted deviation reasons, and bundles for download.

Only white cells (docs/forms.md §1) are editable: 实际完成值, third-level 分值, 得分 and 偏差原因.
"""

from __future__ import annotations

import io
import math
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pandas as pd

from selfeval.bounds import MAX_WEIGHT
from selfeval.cells import restore
from selfeval.model import Form, IndicatorScore, Issue, Scorecard
from selfeval.names import fit, unique
from selfeval.present.places import cell_places, issue_column
from selfeval.profile import Profile
from selfeval.rules import score
from selfeval.template import template_filename, write_template
from selfeval.verdicts import drafted_cause, drafted_measure

# data_editor column -> Indicator field, for the white (editable) columns
WHITE_COLUMNS: dict[str, str] = {
    "实际完成值": "actual",
    "分值": "weight",
    "得分": "declared_score",
    "偏差原因分析及改进措施": "reason",
}
GREY_COLUMNS = ("一级指标", "二级指标", "三级指标", "年度指标值")
EDITOR_COLUMNS = (*GREY_COLUMNS, *WHITE_COLUMNS)
# shown beside the white columns, never edited: the row number issues refer to, what the rules give
ROW_COLUMN, COMPUTED_COLUMN = "行", "计算得分"
# editing one of these makes the row's 得分 follow the computed score (unless 得分 itself was typed)
RESCORING = ("实际完成值", "分值")
NUMERIC = {"weight", "declared_score"}
NO_REASON = ("", "无", "/", "—", "-", "——")
TOLERANCE = 0.005
# 分值 and 得分 are points of a 100-point form: the grid's column bounds hold only in the browser (a
# crafted client sends anything), so an edit outside them is refused here, where a version is made
REJECTED_EDIT = "第 {row} 行的{column}“{value}”不在 0 至 100 之间，未采用，该格保留原值。"
_OUT_OF_RANGE = object()  # _cell's answer for a number outside 0..100 (or beyond a float)


def editor_frame(form: Form) -> pd.DataFrame:
    """The grid the editor shows: one row per indicator, grey columns first (disabled in the page)."""
    rows = [
        {
            "一级指标": ind.level1,
            "二级指标": ind.level2,
            "三级指标": ind.name,
            "年度指标值": ind.target,
            "实际完成值": ind.actual,
            "分值": ind.weight,
            "得分": ind.declared_score,
            "偏差原因分析及改进措施": ind.reason,
        }
        for ind in form.indicators
    ]
    df = pd.DataFrame(rows, columns=list(EDITOR_COLUMNS))
    for col in ("分值", "得分"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    for col in (*GREY_COLUMNS, "实际完成值", "偏差原因分析及改进措施"):
        df[col] = df[col].astype(object)
    return df


def _cell(field: str, value: Any) -> Any:
    """A grid value as the Indicator holds it; for 分值/得分 None when blank or not a number, and
    _OUT_OF_RANGE when outside 0..100 (±inf, 1e308, a 400-digit integer: float() of it overflows)."""
    if field in NUMERIC:
        if value is None or value == "":
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        except OverflowError:
            return _OUT_OF_RANGE
        if math.isnan(number):
            return None
        return number if 0 <= number <= MAX_WEIGHT else _OUT_OF_RANGE
    return "" if value is None else str(restore(str(value)))  # the grid shows formula-like text neutralised


def _row(key: Any, rows: int) -> int | None:
    """An edited_rows key as a row index of the form, None when it is not one (a crafted client)."""
    try:
        row = int(key)
    except (TypeError, ValueError, OverflowError):
        return None
    return row if 0 <= row < rows else None


def rejected_edits(form: Form, state: Mapping[str, Any] | None) -> list[str]:
    """What apply_edits refused, one Chinese sentence per cell (a number outside 0 至 100)."""
    out = []
    for key, changes in ((state or {}).get("edited_rows") or {}).items():
        row = _row(key, len(form.indicators))
        if row is None:
            continue
        for column, value in changes.items():
            if column in WHITE_COLUMNS and _cell(WHITE_COLUMNS[column], value) is _OUT_OF_RANGE:
                shown = str(value) if len(str(value)) <= 20 else str(value)[:17] + "…"
                out.append(REJECTED_EDIT.format(row=row + 1, column=column, value=shown))
    return out


def apply_edits(form: Form, state: Mapping[str, Any] | None) -> Form:
    """The source Form with the data_editor's delta ({"edited_rows": {row: {column: value}}})
    applied to its white cells. Grey columns, added and deleted rows are ignored: the form's rows
    are fixed by the system. A 分值 or 得分 outside 0 至 100 is refused (the cell keeps its value; see
    rejected_edits). Once a cell changed, the form declares no total of its own: 总分 is a grey cell,
    and the corrected template carries the computed total."""
    if not state:
        return form
    edited = state.get("edited_rows") or {}
    if not edited:
        return form
    indicators = list(form.indicators)
    for key, changes in edited.items():
        row = _row(key, len(indicators))
        if row is None:
            continue
        fields = {
            WHITE_COLUMNS[c]: _cell(WHITE_COLUMNS[c], v) for c, v in changes.items() if c in WHITE_COLUMNS
        }
        fields = {f: v for f, v in fields.items() if v is not _OUT_OF_RANGE}
        if fields:
            indicators[row] = replace(indicators[row], **fields)
    if tuple(indicators) == form.indicators:
        return form
    return replace(form, indicators=tuple(indicators), declared_total=None)


def changed_rows(source: Form, edited: Form) -> list[int]:
    """Rows whose white cells differ between the source and the edited form."""
    return [
        i
        for i, (a, b) in enumerate(zip(source.indicators, edited.indicators, strict=True))
        if any(getattr(a, f) != getattr(b, f) for f in WHITE_COLUMNS.values())
    ]


def needs_reason(item: IndicatorScore) -> bool:
    """A row that lost points and has no deviation reason (docs/forms.md §4): the declared 得分 when
    there is one, else the computed score, as the REASON_MISSING check reads it."""
    ind = item.indicator
    points = ind.declared_score if ind.declared_score is not None else item.score
    if ind.not_applicable or points is None or ind.weight is None:
        return False
    return points < ind.weight - TOLERANCE and ind.reason.strip() in NO_REASON


def draft_reason(item: IndicatorScore) -> str:
    """A first draft of 偏差原因分析及改进措施 in the customary two-part shape, from the row's target,
    actual and verdict (selfeval/verdicts.py, the same wording the 自评报告 drafts); the person edits
    it before saving."""
    return f"1. 偏差原因：{drafted_cause(item)} 2. 改进措施：{drafted_measure(item)}"


def reason_drafts(card: Scorecard) -> dict[int, str]:
    """Row index -> drafted reason, for every row that needs one."""
    return {i: draft_reason(s) for i, s in enumerate(card.indicators) if needs_reason(s)}


def fill_reasons(form: Form, drafts: Mapping[int, str]) -> Form:
    """The form with the given rows' reasons replaced by the drafts."""
    indicators = list(form.indicators)
    for row, text in drafts.items():
        if 0 <= row < len(indicators):
            indicators[row] = replace(indicators[row], reason=text)
    return replace(form, indicators=tuple(indicators))


@dataclass(frozen=True)
class Rescored:
    """One run of the grid: the form as edited, its scorecard, the rows whose 得分 followed the
    computed score, the rows whose typed 得分 the rules disagree with (row -> (typed, computed)),
    and the edits refused (numbers outside 0 至 100), said in Chinese."""

    form: Form
    card: Scorecard
    followed: tuple[int, ...]
    differences: dict[int, tuple[float, float]]
    rejected: tuple[str, ...] = ()


def rescore(base: Form, state: Mapping[str, Any] | None, profile: Profile) -> Rescored:
    """Apply the grid's delta and rescore like a spreadsheet: a row whose 实际完成值 or 分值 was
    edited (and whose 得分 was not typed) takes the computed score as its 得分, so the drafts and
    the checks read what the rules give; a typed 得分 stays and is reported as a difference."""
    form = apply_edits(base, state)
    card = score(form, profile)
    edited = (state or {}).get("edited_rows") or {}
    follow = [
        int(k)
        for k, changes in edited.items()
        if _row(k, len(form.indicators)) is not None
        and any(c in changes and _cell(WHITE_COLUMNS[c], changes[c]) is not _OUT_OF_RANGE for c in RESCORING)
        and "得分" not in changes
    ]
    if follow:
        indicators = list(form.indicators)
        for row in follow:
            indicators[row] = replace(indicators[row], declared_score=card.indicators[row].score)
        if tuple(indicators) != form.indicators:
            form = replace(form, indicators=tuple(indicators))
            card = score(form, profile)
    return Rescored(form, card, tuple(follow), score_differences(card), tuple(rejected_edits(base, state)))


def settle(form: Form, profile: Profile | None) -> tuple[Form, Scorecard]:
    """The edited form with the cells the system owns — 总分, the budget's 执行率 and 得分 (grey in
    the template, filled by the budget system) — set to what the rules compute from it, and its
    scorecard. After an edit the person changes white cells only; a grey cell left at its old figure
    would be a difference no one could clear (申报总分 99.86 与计算总分 97.36 不一致), and which one
    remained would depend on the order of the clicks. The corrected template writes the same."""
    card = score(form, profile)
    funds = replace(form.funds, declared_rate=card.rate, declared_score=card.budget_score)
    settled = replace(form, funds=funds, declared_total=card.total)
    return (form, card) if settled == form else (settled, score(settled, profile))


def score_differences(card: Scorecard) -> dict[int, tuple[float, float]]:
    """Rows whose declared 得分 differs from the computed score: row -> (declared, computed)."""
    out = {}
    for i, s in enumerate(card.indicators):
        declared = s.indicator.declared_score
        if declared is None or s.score is None or not math.isfinite(declared):
            continue
        if s.band is not None and s.band[0] - TOLERANCE <= declared <= s.band[1] + TOLERANCE:
            continue  # a band rule accepts a declared score inside it
        if abs(declared - s.score) >= TOLERANCE:
            out[i] = (declared, s.score)
    return out


def adopt_computed(form: Form, card: Scorecard, rows: Sequence[int] | None = None) -> Form:
    """The form with the computed score written into 得分 of the given rows (all that differ)."""
    rows = list(score_differences(card)) if rows is None else list(rows)
    indicators = list(form.indicators)
    for row in rows:
        if 0 <= row < len(indicators) and card.indicators[row].score is not None:
            indicators[row] = replace(indicators[row], declared_score=card.indicators[row].score)
    return replace(form, indicators=tuple(indicators))


def grid_frame(form: Form, card: Scorecard) -> pd.DataFrame:
    """editor_frame plus the row number (what issues name) and the computed score, both grey."""
    df = editor_frame(form)
    df.insert(0, ROW_COLUMN, range(1, len(df) + 1))
    df[COMPUTED_COLUMN] = pd.Series(
        [s.score if s.score is not None and math.isfinite(s.score) else None for s in card.indicators],
        dtype="float64",
    )
    return df


def partial_total(card: Scorecard) -> tuple[float, list[int]]:
    """The budget score plus every scored row, and the rows the rules could not score: what the
    total is so far when one blank 实际完成值 leaves the form without a total."""
    parts = [card.budget_score] + [s.score for s in card.indicators]
    got = sum(p for p in parts if p is not None and math.isfinite(p))
    missing = [i for i, s in enumerate(card.indicators) if s.score is None and not s.indicator.not_applicable]
    return round(got, 2), missing


def grid_issues(card: Scorecard) -> list[tuple[Issue, int | None, str]]:
    """Each issue with the grid row (0-based) and column it concerns, None for form-wide ones."""
    places = cell_places(card)
    out = []
    for issue in card.issues:
        row, column = places.get(issue.loc, (None, "")) if issue.loc is not None else (None, "")
        out.append((issue, row, issue_column(issue, column) if row is not None else column))
    return out


def corrected_filename(form: Form, today: date | None = None) -> str:
    """The corrected template's name: "<编码>_<名称>_更正_20261129.xlsx" (never the upload's name)."""
    stem = template_filename(form)[: -len(".xlsx")]
    return fit(stem, f"_更正_{(today or date.today()):%Y%m%d}.xlsx")


def templates_zip(cards: Sequence[Scorecard]) -> bytes:
    """One import template per form, in a zip (file names from template_filename, made unique)."""
    buffer = io.BytesIO()
    used: set[str] = set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for card in cards:
            zf.writestr(unique(template_filename(card.form), used), write_template([card]))
    return buffer.getvalue()
