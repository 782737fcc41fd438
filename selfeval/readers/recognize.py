"""Grid -> Forms: find each 项目支出绩效自评表 in a Grid by its labels and vocabulary.

Nothing here depends on fixed positions: a form starts at its title or 项目编码 label, each part is
found by its header row, and every data row is placed on its header's columns by evidence (align.py):
a cell belongs to the label above it, an empty cell is empty, and a row whose cells do not sit under
the labels is placed by what the cells hold only when one placement fits; otherwise it is reported
and not used. The indicator table is read in indicators.py. Whatever was inferred is said in an Issue
with the cell it concerns.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from selfeval import textnorm
from selfeval.bounds import MAX_AMOUNT  # issue 11: every number bounded where it is read
from selfeval.messages import issue
from selfeval.model import Cell, Form, Funds, FundsLine, Goals, Grid, Header, Indicator, Issue, Loc
from selfeval.readers import vocab
from selfeval.readers.align import Aligned, align, bands, by_columns, number, percent, placeholder
from selfeval.readers.form_rows import FormRows, Row, funds_header, indicator_header
from selfeval.readers.indicators import read_indicators

FATAL = {"FUNDS_MISSING", "INDICATORS_MISSING", "HEADER_MISSING"}
FUNDS_KINDS = {
    "initial_budget": "amount",
    "annual_budget": "amount",
    "executed": "amount",
    "weight": "budget_weight",
    "rate": "rate",
    "score": "score",
}
FUNDS_FIELD_LABELS = {
    "initial_budget": "年初预算数",
    "annual_budget": "全年预算数",
    "executed": "全年执行数",
    "weight": "分值",
    "rate": "执行率",
    "score": "得分",
}
_POINTS_IN_LABEL = re.compile(r"[(（]\s*(\d{1,3}(?:\.\d+)?)\s*分")
_YEAR_ROW = re.compile(r"^\(?((?:19|20)\d{2})年度?\)?$")
_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})年")


@dataclass
class _Segment:
    rows: list[Row] = field(default_factory=list)
    marks: list[int] = field(default_factory=list)  # each row's vocab.start_marks, or-ed over its cells
    has_code: bool = False
    has_name: bool = False


def recognize(grid: Grid) -> tuple[list[Form], list[Issue]]:
    """Every form in the grid, and the problems of parts that could not be read with confidence.

    A part with neither a funds table nor an indicator table (a cover, an instruction sheet, a project
    list) is not a form: when the grid holds no form it is noted (info) by what it looks like. A part
    with one table and not the other is half a form: an error."""
    forms: list[Form] = []
    problems: list[Issue] = list(grid.problems)  # what the reader left out, and why (Grid.problems)
    skipped: list[_Segment] = []
    for segment in _segments(grid.rows):
        funds_at = _first(segment, vocab.FUNDS_HEAD, funds_header)
        grid_at = _first(segment, vocab.GRID_HEAD, indicator_header)
        if funds_at is None and grid_at is None:
            skipped.append(segment)
            continue
        form = _FormReader(grid, segment.rows, funds_at, grid_at).read()
        fatal = [i for i in form.issues if i.code in FATAL]
        if fatal:
            problems.extend(fatal)
        else:
            forms.append(form)
    if not forms and not problems and grid.rows:
        problems.append(
            issue("SHEET_SKIPPED_KIND", Loc(grid.sheet, 1), sheet=grid.sheet, kind=_kind(grid.rows))
        )
    return forms, problems


def _first(segment: _Segment, needed: int, header) -> int | None:
    """The first row that is a table's header: only rows with every label it needs are read."""
    rows = segment.rows
    return next((i for i, m in enumerate(segment.marks) if m & needed == needed and header(rows[i])), None)


def _kind(rows: Sequence[Row]) -> str:
    """What a sheet that is not a form looks like: 说明, 项目清单 or 封面 (for the note that names it)."""
    keys = [vocab.norm(c.text) for r in rows for c in r]
    if any("说明" in k or "填报要求" in k or "填表" in k for k in keys):
        return "说明页"
    labelled = [r for r in rows if sum(1 for c in r if vocab.header_label_of(c.text)) >= 1]
    if labelled and len(rows) >= 3 and any(len(r) >= 3 for r in rows):
        return "项目清单"
    return "封面或其他内容"


def _segments(rows: Sequence[Row]) -> list[_Segment]:
    """Split rows into forms: a title, or a second 项目编码/项目名称, starts the next form."""
    segments: list[_Segment] = []
    current = _Segment()
    start_marks = vocab.start_marks
    for row in rows:
        marks = 0
        texts = [c.text for c in row]
        if any(map(start_marks, texts)):  # most rows start nothing: looked at once, at C speed
            for mark in map(start_marks, texts):
                marks |= mark
        code, name = bool(marks & vocab.PROJECT_CODE), bool(marks & vocab.PROJECT_NAME)
        starts = marks & vocab.TITLE or (code and current.has_code) or (name and current.has_name)
        if starts and current.has_code | current.has_name:
            segments.append(current)
            current = _Segment()
        current.rows.append(row)
        current.marks.append(marks)
        current.has_code |= code
        current.has_name |= name
    if current.rows:
        segments.append(current)
    return [s for s in segments if s.has_code or s.has_name or _has_grid(s.rows) or _has_funds(s.rows)]


def _has_grid(rows: Sequence[Row]) -> bool:
    return any(indicator_header(r) for r in rows)


def _has_funds(rows: Sequence[Row]) -> bool:
    return any(funds_header(r) for r in rows)


def _rate_fits(placed: dict[str, Cell]) -> int:
    """Evidence for placing a funds row by content: 2 when a printed 执行率 equals 执行数 / 预算数, 0 when it
    contradicts them, 1 when it cannot be checked."""
    cells = [placed.get(n) for n in ("annual_budget", "executed", "rate")]
    bare = cells[2] is not None and not placeholder(cells[2].text) and percent(cells[2].text) is None
    if any(c is None or placeholder(c.text) for c in cells):
        return 0 if bare else 1  # a bare number is a rate only when the amounts confirm it
    budget, executed = number(cells[0].text), number(cells[1].text)  # type: ignore[union-attr]
    rate = percent(cells[2].text)  # type: ignore[union-attr]
    rate = rate if rate is not None else number(cells[2].text)  # type: ignore[union-attr]
    if budget is None or executed is None or rate is None or budget <= 0:
        return 0 if bare else 1
    computed = executed / budget * 100
    # as printed: half a unit of its last decimal (98.63 ± 0.005; 98.6 ± 0.05; 0.9863 as a fraction)
    m = re.search(r"\.(\d+)", cells[2].text)  # type: ignore[union-attr]
    half = 0.5 * 10 ** -(len(m.group(1)) if m else 0) + 1e-9
    return 2 if abs(rate - computed) <= half or abs(rate * 100 - computed) <= half * 100 else 0


class _FormReader(FormRows):
    """Reads one form's rows: header, funds and goals here, the indicator table in indicators.py."""

    def __init__(self, grid: Grid, rows: list[Row], funds_at: int | None, grid_at: int | None):
        super().__init__(grid, rows)
        self.funds_at = funds_at
        self.grid_at = grid_at

    def read(self) -> Form:
        funds_at, grid_at = self.funds_at, self.grid_at
        header = self._header(min(i for i in (funds_at, grid_at, len(self.rows)) if i is not None))
        first = self.row_loc(self.rows[0])
        if not (header.project_code or header.project_name):
            self.issues.append(issue("HEADER_MISSING", first))
        funds = self._funds(funds_at, grid_at) if funds_at is not None else None
        if funds is None:
            self.issues.append(issue("FUNDS_MISSING", first))
            funds = Funds(FundsLine("年度资金总额", None, None, None))
        goals = self._goals(funds_at, grid_at)
        indicators: list[Indicator] = []
        level1_weights: dict[str, float] = {}
        total_weight = total = None
        if grid_at is not None:
            table = read_indicators(self, grid_at)
            indicators, level1_weights = table.indicators, table.level1_weights
            total_weight, total = table.total_weight, table.total
        if not indicators:
            self.issues.append(issue("INDICATORS_MISSING", first))
        return Form(
            source=self.grid.source,
            sheet=self.grid.sheet,
            header=header,
            funds=funds,
            goals=goals,
            indicators=tuple(indicators),
            level1_weights=level1_weights,
            declared_total_weight=total_weight,
            declared_total=total,
            issues=tuple(self.issues),
            loc=first,
            locs=self.locs,
        )

    # header block -------------------------------------------------------------------------------
    def _header(self, stop: int) -> Header:
        """Labels and values above the first table (rows[:stop])."""
        values: dict[str, str] = {}
        locs: dict[str, Loc] = {}
        for n, row in enumerate(self.rows[:stop]):
            below = {c.col: c for c in self.rows[n + 1]} if n + 1 < stop else {}
            for i, cell in enumerate(row):
                found = vocab.header_label_of(cell.text)
                if not found or found[0] in values:
                    continue
                name, rest = found
                value_cell = cell
                if rest:
                    value = re.split(r"[:：]", cell.text, maxsplit=1)[-1]
                    if value == cell.text:  # `项目编码440304…` / `项目名称劳模管理` without a colon
                        value = rest
                elif i + 1 < len(row) and not vocab.header_label_of(row[i + 1].text):
                    value_cell = row[i + 1]
                    value = value_cell.text
                elif cell.col in below and not vocab.header_label_of(below[cell.col].text):
                    value_cell = below[cell.col]  # labels in one row, values in the row below
                    value = value_cell.text
                else:
                    continue
                values[name] = _clean_header_value(name, value)
                locs[name] = self.loc(value_cell)
        if not values.get("year"):  # the national table: a `（2023年度）` row under the title
            for row in self.rows[:stop]:
                for cell in row:
                    key = vocab.norm(cell.text)
                    m = _YEAR_ROW.match(key) or (vocab.is_title(key) and _YEAR_IN_TITLE.search(key))
                    if m and "year" not in values:
                        values["year"], locs["year"] = textnorm.norm_year(m.group(1)), self.loc(cell)
        for name, label in vocab.HEADER_FIELD_NAMES.items():
            if not values.get(name):
                self.issues.append(issue("FIELD_MISSING", self.row_loc(self.rows[0]), field=label))
        return Header(locs=locs, **values)

    # 资金使用情况 -----------------------------------------------------------------------------------
    def _funds(self, start: int, stop: int | None) -> Funds | None:
        header_row = self.rows[start]
        cols = funds_header(header_row)
        assert cols is not None
        layout = bands(cols, FUNDS_KINDS, [c.col for c in header_row])
        first_band = min(cols.values())
        end = stop if stop is not None else len(self.rows)
        rows: list[tuple[Row, Cell | None]] = []  # the funds lines and their label cells
        for row in self.rows[start + 1 : end]:
            label_cell = next(
                (c for c in row if len(c.text) <= 20 and vocab.funds_row_label_of(c.text)), None
            )
            if label_cell is not None:
                rows.append((row, label_cell))
            elif any(vocab.goal_label_of(c.text) for c in row):
                break
            elif not rows and sum(1 for c in row if c.col >= first_band and number(c.text) is not None) >= 2:
                rows.append((row, None))  # `预算执行情况（20分）` tables: one unlabelled row of amounts
                break
        # 万元 is said by the unit labels: 项目资金（万元）, 全年预算数（万元）, a 单位：万元 line above the table
        labels = [c for r in self.rows[max(0, start - 2) : start + 1] for c in r] + [r[0] for r, _ in rows]
        wan = any(len(c.text) <= 20 and "万元" in vocab.norm(c.text) for c in labels)
        factor = 10000.0 if wan else 1.0
        lines: dict[str, FundsLine] = {}
        declared: dict[str, float | None] = {}
        locs: dict[str, Loc] = {}
        for row, label_cell in rows:
            label = vocab.funds_row_label_of(label_cell.text) if label_cell else "total"
            if label in lines:
                continue
            if label_cell is not None:
                values = [c for c in row if c.col > label_cell.col]
            else:
                values = [c for c in row if c.col >= first_band or number(c.text) is not None]
            if label != "total":  # sub-rows: only amounts count; their 分值/执行率/得分 are "—"
                values = [c for c in values if not placeholder(c.text)]
            placed = align(values, layout, _rate_fits, exact=self.grid.exact_columns)
            if not self._placed_ok(placed, row, values):
                if label == "total":
                    lines[label] = FundsLine("年度资金总额", None, None, None, self.row_loc(row))
                continue
            amounts = {}
            for name in ("initial_budget", "annual_budget", "executed"):
                cell = placed.first(name)
                amounts[name] = self.bounded(cell, FUNDS_FIELD_LABELS[name], -MAX_AMOUNT, MAX_AMOUNT, factor)
                if cell is not None:
                    locs[f"{label}.{name}"] = self.loc(cell)
            lines[label] = FundsLine(
                "年度资金总额" if label == "total" else label,
                amounts["initial_budget"],
                amounts["annual_budget"],
                amounts["executed"],
                self.row_loc(row),
            )
            if label == "total":
                for name, high in (("weight", 30.0), ("rate", 1000.0), ("score", 30.0)):
                    cell = placed.first(name)
                    if cell is not None and name == "rate" and percent(cell.text) is not None:
                        cell = cell._replace(text=cell.text.strip()[:-1])
                    declared[name] = self.bounded(cell, FUNDS_FIELD_LABELS[name], 0.0, high)
                    if cell is not None:
                        locs[name] = self.loc(cell)
        if "total" not in lines:
            return None
        if declared.get("weight") is None:  # `预算执行情况（万元）（20分）`, `得分(20分*执行率)`
            for cell in (*header_row, *(c for r, _ in rows[:1] for c in r if c.col < first_band)):
                m = _POINTS_IN_LABEL.search(vocab.norm(cell.text))
                if m and float(m.group(1)) <= 100:
                    declared["weight"] = float(m.group(1))
                    locs.setdefault("weight", self.loc(cell))
                    break
        total = self._total_from_parts(lines, locs)
        return Funds(
            total=total,
            parts=tuple(lines.values()),
            money_unit="万元" if wan else "元",
            declared_weight=declared.get("weight"),
            declared_rate=declared.get("rate"),
            declared_score=declared.get("score"),
            locs=locs,
        )

    def _placed_ok(self, placed: Aligned, row: Row, values: list[Cell]) -> bool:
        """Report how a row was placed; False when it could not be (reported at the row, not used)."""
        if placed.how == "ambiguous":
            self.trouble_rows.add(row[0].row)
            text = " | ".join(c.text for c in values)[:80]
            self.issues.append(
                issue("ROW_AMBIGUOUS", self.loc(values[0]) if values else self.row_loc(row), text=text)
            )
            return False
        for cell in placed.unplaced:
            self.trouble_rows.add(cell.row)
            self.issues.append(issue("CELL_UNPLACED", self.loc(cell), text=cell.text[:40]))
        if placed.noteworthy:
            fields = "、".join(f"{FUNDS_FIELD_LABELS.get(f, f)}={c[0].text}" for f, c in placed.cells.items())
            self.issues.append(issue("ROW_ALIGNED", self.row_loc(row), fields=fields[:120]))
        return True

    def _total_from_parts(self, lines: dict[str, FundsLine], locs: dict[str, Loc]) -> FundsLine:
        """The 年度资金总额 line; when it is all zero (or empty) while sub-rows carry the amounts, their sum,
        said so (published forms do this: the amounts sit on 当年财政拨款)."""
        total = lines.pop("total")
        amounts = (total.annual_budget, total.executed)
        if total.loc is not None and total.loc.row in self.trouble_rows:
            return total  # the total row could not be read: never replaced by the sub-rows
        parts = [p for p in lines.values() if (p.annual_budget or 0) > 0]
        if any(a not in (None, 0) for a in amounts) or not parts:
            return total
        if any(p.annual_budget is None or p.executed is None for p in parts):
            return total
        annual = round(math.fsum(p.annual_budget for p in parts), 2)  # type: ignore[misc]
        executed = round(math.fsum(p.executed for p in parts), 2)  # type: ignore[misc]
        initial = None
        if all(p.initial_budget is not None for p in parts):
            initial = round(math.fsum(p.initial_budget for p in parts), 2)  # type: ignore[misc]
        why = "为空" if amounts == (None, None) else "全为 0"
        self.issues.append(
            issue(
                "FUNDS_FROM_PART",
                total.loc or self.row_loc(self.rows[0]),
                why=why,
                part="、".join(p.label for p in parts),
                amounts=f"全年预算数 {annual:,.2f} 元，全年执行数 {executed:,.2f} 元",
            )
        )
        for name in ("annual_budget", "executed", "initial_budget"):
            locs.pop(f"total.{name}", None)
            if len(parts) == 1 and f"{parts[0].label}.{name}" in locs:
                locs[f"total.{name}"] = locs[f"{parts[0].label}.{name}"]
        return FundsLine("年度资金总额", initial, annual, executed, total.loc)

    # 项目目标完成情况 ---------------------------------------------------------------------------------
    def _goals(self, funds_at: int | None, grid_at: int | None) -> Goals:
        """年度总体目标: texts under 预期目标 and 实际完成情况, by column when the labels give them."""
        end = grid_at if grid_at is not None else len(self.rows)
        begin = funds_at + 1 if funds_at is not None else 0
        rows = [r for r in self.rows[begin:end] if not any(vocab.funds_row_label_of(c.text) for c in r)]
        start = next((i for i, r in enumerate(rows) if any(vocab.goal_label_of(c.text) for c in r)), None)
        if start is None:
            return Goals()
        columns: dict[str, int] = {}
        texts: list[Cell] = []
        for row in rows[start:]:
            for cell in row:
                label = vocab.goal_label_of(cell.text)
                if label in ("expected", "achieved"):
                    columns.setdefault(label, cell.col)
                elif not label and not vocab.block_label_of(cell.text):
                    texts.append(cell)
        if len(columns) == 2:
            placed = by_columns(texts, bands(columns, {}, ()))
            if placed is not None:
                return Goals(
                    " ".join(c.text for c in placed.get("expected", ())),
                    " ".join(c.text for c in placed.get("achieved", ())),
                )
        unique = list(dict.fromkeys(c.text for c in texts))
        return Goals(*(unique + ["", ""])[:2])


def _clean_header_value(name: str, value: str) -> str:
    value = re.sub(r"\s+", " ", value).strip()
    if name in ("unit", "budget_unit", "project_name"):  # one spelling per name: Chinese parentheses
        return value.replace("(", "（").replace(")", "）")
    if name == "project_code":  # full-width digits as ASCII, no zero-width or other invisible characters
        return textnorm.norm_code(value)
    if name == "year":  # `２０２３`, `²⁰²³`, `2023年度` -> `2023`; anything else is kept and reported
        return textnorm.norm_year(value)
    return value
