"""Grid -> Forms: find each 项目支出绩效自评表 in a Grid by its labels and vocabulary.

Nothing here depends on fixed positions: a form starts at its title or 项目编码 label, each part is
found by its header row, and every data row is placed on its header's columns by evidence (align.py):
a cell belongs to the label above it, an empty cell is empty, and a row whose cells do not sit under
the labels is placed by what the cells hold only when one placement fits; otherwise it is reported
and not used. The funds table is read in funds.py, the indicator table in indicators.py. Whatever was
inferred is said in an Issue with the cell it concerns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from selfeval import textnorm
from selfeval.messages import issue
from selfeval.model import Cell, Form, Funds, FundsLine, Goals, Grid, Header, Indicator, Issue, Loc
from selfeval.readers import vocab
from selfeval.readers.align import bands, by_columns
from selfeval.readers.form_rows import FormRows, Row, funds_header, indicator_header
from selfeval.readers.funds import read_funds
from selfeval.readers.indicators import read_indicators

FATAL = {"FUNDS_MISSING", "INDICATORS_MISSING", "HEADER_MISSING"}
_YEAR_ROW = re.compile(r"^\(?((?:19|20)\d{2})年度?\)?$")
_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})年")
_COLON = re.compile(r"[:：]")
_SPACES = re.compile(r"\s+")


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


class _FormReader(FormRows):
    """Reads one form's rows: header and goals here, the funds table in funds.py, the indicator table in
    indicators.py."""

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
        funds = read_funds(self, funds_at, grid_at) if funds_at is not None else None
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
            below: dict[int, Cell] | None = None  # the row below by column, when a value may be there
            for i, cell in enumerate(row):
                found = vocab.header_label_of(cell.text)
                if not found or found[0] in values:
                    continue
                name, rest = found
                value_cell = cell
                if rest:
                    value = _COLON.split(cell.text, maxsplit=1)[-1]
                    if value == cell.text:  # `项目编码440304…` / `项目名称劳模管理` without a colon
                        value = rest
                elif i + 1 < len(row) and not vocab.header_label_of(row[i + 1].text):
                    value_cell = row[i + 1]
                    value = value_cell.text
                else:
                    if below is None:
                        below = {c.col: c for c in self.rows[n + 1]} if n + 1 < stop else {}
                    if cell.col not in below or vocab.header_label_of(below[cell.col].text):
                        continue
                    value_cell = below[cell.col]  # labels in one row, values in the row below
                    value = value_cell.text
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
    value = _SPACES.sub(" ", value).strip()
    if name in ("unit", "budget_unit", "project_name"):  # one spelling per name: Chinese parentheses
        return value.replace("(", "（").replace(")", "）")
    if name == "project_code":  # full-width digits as ASCII, no zero-width or other invisible characters
        return textnorm.norm_code(value)
    if name == "year":  # `２０２３`, `²⁰²³`, `2023年度` -> `2023`; anything else is kept and reported
        return textnorm.norm_year(value)
    return value
