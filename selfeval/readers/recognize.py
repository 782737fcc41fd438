"""Grid -> Forms: find each 项目支出绩效自评表 in a Grid by its labels and vocabulary.

Nothing here depends on fixed positions: a form starts at its title or 项目编码 label, each part is
found by its header row, and every data row is aligned to its header by the offset that explains the
row best (published exports shift cells left or right where merged cells were dropped). Whatever was
guessed is said in an Issue with the cell it concerns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from selfeval.messages import issue
from selfeval.model import Cell, Form, Funds, FundsLine, Goals, Grid, Header, Indicator, Issue, Loc
from selfeval.readers import vocab
from selfeval.values import to_number

Row = tuple[Cell, ...]
OFFSETS = (0, -1, 1, -2, 2, -3, 3)
FATAL = {"FUNDS_MISSING", "INDICATORS_MISSING", "HEADER_MISSING"}
_SKIP_LABELS = {"年度绩效指标", "项目目标完成情况", "年度总体目标", "资金使用情况", "绩效指标"}


@dataclass
class _Segment:
    rows: list[Row] = field(default_factory=list)
    has_code: bool = False
    has_name: bool = False


def recognize(grid: Grid) -> tuple[list[Form], list[Issue]]:
    """Every form in the grid, and the problems of parts that could not be read with confidence."""
    forms: list[Form] = []
    problems: list[Issue] = list(grid.problems)  # what the reader left out, and why
    for segment in _segments(grid.rows):
        form = _FormReader(grid, segment.rows).read()
        fatal = [i for i in form.issues if i.code in FATAL]
        if fatal:
            problems.extend(fatal)
        else:
            forms.append(form)
    return forms, problems


def _segments(rows: Sequence[Row]) -> list[_Segment]:
    """Split rows into forms: a title, or a second 项目编码/项目名称, starts the next form."""
    segments: list[_Segment] = []
    current = _Segment()
    for row in rows:
        keys = [vocab.norm(c.text) for c in row]
        labels = {h[0] for k in keys if (h := vocab.header_label(k))}
        title = any(vocab.is_title(k) for k in keys)
        starts = (
            title
            or ("project_code" in labels and current.has_code)
            or ("project_name" in labels and current.has_name)
        )
        if starts and current.has_code | current.has_name:
            segments.append(current)
            current = _Segment()
        current.rows.append(row)
        current.has_code |= "project_code" in labels
        current.has_name |= "project_name" in labels
    if current.rows:
        segments.append(current)
    return [s for s in segments if s.has_code or s.has_name or _has_grid(s.rows)]


def _has_grid(rows: Sequence[Row]) -> bool:
    return any(_indicator_header(r) for r in rows)


def _indicator_header(row: Row) -> dict[str, int] | None:
    """Field -> column for an indicator header row, else None."""
    cols: dict[str, int] = {}
    for cell in row:
        name = vocab.indicator_header_field(vocab.norm(cell.text))
        if name == "reason" and "reason" in cols:
            name = "measures"  # 偏差原因 and 改进措施 in two columns
        if name and name not in cols:
            cols[name] = cell.col
    if {"name", "target"} <= cols.keys() and ({"weight", "score"} & cols.keys()):
        return cols
    return None


def _funds_header(row: Row) -> dict[str, int] | None:
    cols: dict[str, int] = {}
    for cell in row:
        name = vocab.funds_header_field(vocab.norm(cell.text))
        if name and name not in cols:
            cols[name] = cell.col
    if {"annual_budget", "executed"} <= cols.keys():
        return cols
    return None


def _align(
    cells: Sequence[Cell], header: dict[str, int], numeric: Sequence[str]
) -> tuple[dict[str, Cell], int]:
    """Map a row's cells to header fields under the column offset that explains them best."""
    by_col = {col: name for name, col in header.items()}
    # a numeric field holding a number earns 1.5, holding anything else costs 2 (checked once per cell)
    fit = [(cell, 1.5 if to_number(cell.text) is not None else -2.0) for cell in cells]
    best_bonus = 1.5 * sum(1 for n in numeric if n in header)
    best: tuple[float, int, dict[str, Cell]] | None = None
    for offset in OFFSETS:
        mapped: dict[str, Cell] = {}
        lost = 0
        bonus = 0.0
        for cell, number_fit in fit:
            name = by_col.get(cell.col - offset)
            if name and name not in mapped:
                mapped[name] = cell
                if name in numeric:
                    bonus += number_fit
            else:
                lost += 1
        quality = 2 * len(mapped) - 3 * lost + bonus - 0.01 * abs(offset)
        if best is None or quality > best[0]:
            best = (quality, offset, mapped)
        if offset == 0 and lost == 0 and bonus == best_bonus:
            break  # every cell placed, every numeric field a number: no other offset can do better
    assert best is not None
    return best[2], best[1]


class _FormReader:
    """Reads one form's rows. Used once per segment."""

    def __init__(self, grid: Grid, rows: list[Row]):
        self.grid = grid
        self.rows = rows
        self.issues: list[Issue] = []
        self.locs: dict[str, Loc] = {}

    def loc(self, cell: Cell) -> Loc:
        return Loc(self.grid.sheet, cell.row, cell.col)

    def row_loc(self, row: Row) -> Loc:
        return Loc(self.grid.sheet, row[0].row)

    def read(self) -> Form:
        funds_at = next((i for i, r in enumerate(self.rows) if _funds_header(r)), None)
        grid_at = next((i for i, r in enumerate(self.rows) if _indicator_header(r)), None)
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
            indicators, level1_weights, total_weight, total = self._indicators(grid_at)
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
                found = vocab.header_label(vocab.norm(cell.text))
                if not found or found[0] in values:
                    continue
                name, rest = found
                value_cell = cell
                if rest:
                    value = re.split(r"[:：]", cell.text, maxsplit=1)[-1]
                    if value == cell.text:  # `项目编码440304…` / `项目名称劳模管理` without a colon
                        value = rest
                elif i + 1 < len(row) and not vocab.header_label(vocab.norm(row[i + 1].text)):
                    value_cell = row[i + 1]
                    value = value_cell.text
                elif cell.col in below and not vocab.header_label(vocab.norm(below[cell.col].text)):
                    value_cell = below[cell.col]  # labels in one row, values in the row below
                    value = value_cell.text
                else:
                    continue
                values[name] = _clean_header_value(name, value)
                locs[name] = self.loc(value_cell)
        for name, label in vocab.HEADER_FIELD_NAMES.items():
            if not values.get(name):
                self.issues.append(issue("FIELD_MISSING", self.row_loc(self.rows[0]), field=label))
        return Header(locs=locs, **values)

    # 资金使用情况 -----------------------------------------------------------------------------------
    def _funds(self, start: int, stop: int | None) -> Funds | None:
        header_row = self.rows[start]
        cols = _funds_header(header_row)
        assert cols is not None
        end = stop if stop is not None else len(self.rows)
        rows: list[tuple[Row, Cell]] = []  # the funds lines and their label cells
        for row in self.rows[start + 1 : end]:
            label_cell = next(
                (c for c in row if len(c.text) <= 20 and vocab.funds_row_label(vocab.norm(c.text))), None
            )
            if label_cell is not None:
                rows.append((row, label_cell))
            elif rows and any(vocab.is_goal_label(vocab.norm(c.text)) for c in row):
                break
        # 万元 is said by the unit labels: 项目资金（万元）, 全年预算数（万元）, a 单位：万元 line above the table
        labels = [c for r in self.rows[max(0, start - 2) : start + 1] for c in r] + [r[0] for r, _ in rows]
        wan = any(len(c.text) <= 20 and "万元" in vocab.norm(c.text) for c in labels)
        factor = 10000.0 if wan else 1.0
        lines: dict[str, FundsLine] = {}
        declared: dict[str, float | None] = {}
        locs: dict[str, Loc] = {}
        for row, label_cell in rows:
            label = vocab.funds_row_label(vocab.norm(label_cell.text))
            if label in lines:
                continue
            values = [c for c in row if c.col > label_cell.col]
            mapped, offset = _align(values, cols, ("annual_budget", "executed", "initial_budget"))
            if offset:
                self.issues.append(issue("ROW_SHIFTED", self.row_loc(row), offset=offset))
            amounts = {}
            for name in ("initial_budget", "annual_budget", "executed"):
                amounts[name] = self._amount(mapped.get(name), factor, name)
                if name in mapped:
                    locs[f"{label}.{name}"] = self.loc(mapped[name])
            lines[label] = FundsLine(
                "年度资金总额" if label == "total" else label,
                amounts["initial_budget"],
                amounts["annual_budget"],
                amounts["executed"],
                self.row_loc(row),
            )
            if label == "total":
                for name in ("weight", "rate", "score"):
                    cell = mapped.get(name)
                    declared[name] = to_number(cell.text.rstrip("%％")) if cell else None
                    if cell:
                        locs[name] = self.loc(cell)
        if "total" not in lines:
            return None
        return Funds(
            total=lines.pop("total"),
            parts=tuple(lines.values()),
            money_unit="万元" if wan else "元",
            declared_weight=declared.get("weight"),
            declared_rate=declared.get("rate"),
            declared_score=declared.get("score"),
            locs=locs,
        )

    def _amount(self, cell: Cell | None, factor: float, name: str) -> float | None:
        if cell is None:
            return None
        value = _points(cell.text)
        if value is None:
            if cell.text.strip() not in ("—", "-", "–", "/"):
                self.issues.append(issue("NUMBER_UNREADABLE", self.loc(cell), field=name, text=cell.text))
            return None
        return round(value * factor, 2)

    # 项目目标完成情况 ---------------------------------------------------------------------------------
    def _goals(self, funds_at: int | None, grid_at: int | None) -> Goals:
        """年度总体目标: texts under 预期目标 and 实际完成情况, by column when the labels give them."""
        end = grid_at if grid_at is not None else len(self.rows)
        begin = funds_at + 1 if funds_at is not None else 0
        rows = [
            r for r in self.rows[begin:end] if not any(vocab.funds_row_label(vocab.norm(c.text)) for c in r)
        ]
        start = next(
            (i for i, r in enumerate(rows) if any(vocab.is_goal_label(vocab.norm(c.text)) for c in r)), None
        )
        if start is None:
            return Goals()
        columns: dict[str, int] = {}
        texts: list[Cell] = []
        for row in rows[start:]:
            for cell in row:
                label = vocab.is_goal_label(vocab.norm(cell.text))
                if label in ("expected", "achieved"):
                    columns.setdefault(label, cell.col)
                elif not label and vocab.norm(cell.text) not in _SKIP_LABELS:
                    texts.append(cell)
        if len(columns) == 2:
            mapped, _ = _align(texts, columns, ())
            return Goals(
                mapped["expected"].text if "expected" in mapped else "",
                mapped["achieved"].text if "achieved" in mapped else "",
            )
        unique = list(dict.fromkeys(c.text for c in texts))
        return Goals(*(unique + ["", ""])[:2])

    # 年度绩效指标 -------------------------------------------------------------------------------------
    def _indicators(self, start: int):
        header = _indicator_header(self.rows[start])
        assert header is not None
        fields = {k: v for k, v in header.items() if k not in ("level1", "level2")}
        level1 = level2 = ""
        level1_weights: dict[str, float] = {}
        indicators: list[Indicator] = []
        total_weight = total = None
        for row in self.rows[start + 1 :]:
            keys = [vocab.norm(c.text) for c in row]
            if any(vocab.is_total_label(k) for k in keys):
                total_weight, total = self._total(row, keys, header)
                break
            if any(vocab.is_remark_label(k) for k in keys) or any(vocab.is_title(k) for k in keys):
                break
            data: list[Cell] = []
            row_level1 = row_level2 = None
            for cell, key in zip(row, keys, strict=True):
                if key in _SKIP_LABELS:
                    continue
                if (l1 := vocab.level1_of(key)) and not data:
                    row_level1 = l1
                elif vocab.level2_family(key) and not data:
                    row_level2 = key
                else:
                    data.append(cell)
            if row_level1:
                level1 = row_level1[0]
                if row_level1[1] is not None:
                    level1_weights.setdefault(level1, row_level1[1])
                    self.locs.setdefault(level1, self.row_loc(row))
                level2 = ""
            if row_level2:
                family = vocab.level2_family(row_level2)
                if not row_level1 and not vocab.compatible_levels(level1, family):
                    self.issues.append(
                        issue("LEVEL1_INFERRED", self.row_loc(row), level2=row_level2, level1=family)
                    )
                    level1 = family or level1
                level2 = vocab.level2_name(row_level2)
            if not data:
                continue
            indicator = self._indicator(row, data, fields, level1, level2)
            if indicator is not None:
                indicators.append(indicator)
        return indicators, level1_weights, total_weight, total

    def _total(self, row: Row, keys: list[str], header: dict[str, int]) -> tuple[float | None, float | None]:
        """The 总分 row's 分值 and 得分, by the indicator header's columns (either may be blank)."""
        cells = [c for c, k in zip(row, keys, strict=True) if not vocab.is_total_label(k)]
        columns = {k: v for k, v in header.items() if k in ("weight", "score", "reason")}
        mapped, _ = _align(cells, columns, ("weight", "score"))
        found: list[float | None] = []
        for name, key in (("weight", "total_weight"), ("score", "total")):
            cell = mapped.get(name)
            found.append(_points(cell.text) if cell else None)
            if cell:
                self.locs[key] = self.loc(cell)
        return found[0], found[1]

    def _indicator(self, row: Row, data: list[Cell], fields: dict[str, int], level1: str, level2: str):
        mapped, offset = _align(data, fields, ("weight", "score"))
        weight_cell, score_cell = mapped.get("weight"), mapped.get("score")
        weight = _points(weight_cell.text) if weight_cell else None
        score = _points(score_cell.text) if score_cell else None
        if weight is None and score is None:
            if len(data) >= 3:
                text = " | ".join(c.text for c in data)[:80]
                self.issues.append(issue("ROW_UNREADABLE", self.row_loc(row), text=text))
            else:
                return None
        elif offset:
            self.issues.append(issue("ROW_SHIFTED", self.row_loc(row), offset=offset))
        if not level2:
            self.issues.append(issue("LEVEL2_UNKNOWN", self.row_loc(row)))
        if score_cell and score is None and score_cell.text.strip() not in ("", "—", "-"):
            self.issues.append(
                issue("NUMBER_UNREADABLE", self.loc(score_cell), field="得分", text=score_cell.text)
            )

        def text(name: str) -> str:
            return mapped[name].text if name in mapped else ""

        target, actual = text("target"), text("actual")
        operator = vocab.nature_operator(text("nature")) if text("nature") else None
        if operator and not re.match(r"^\s*[<>=≤≥＜＞]", target):
            target = operator + target
        if text("unit"):
            target = _with_unit(target, text("unit"))
            actual = _with_unit(actual, text("unit"))
        return Indicator(
            level1=level1,
            level2=level2,
            name=text("name"),
            target=target,
            actual=actual,
            weight=weight,
            declared_score=score,
            reason=_joined_reason(text("reason"), text("measures")),
            loc=self.row_loc(row),
            cells={name: self.loc(cell) for name, cell in mapped.items()},
        )


def _joined_reason(reason: str, measures: str) -> str:
    """偏差原因 and 改进措施 from two columns as one text; placeholders like 无 only when both are."""
    parts = [t for t in (reason, measures) if t and t not in ("无", "—", "-", "/")]
    return "；".join(parts) if parts else reason or measures


def _points(text: str) -> float | None:
    """A number of points or an amount: `12.5`, `12.5分`, `1,687.22`, `350000.00元`."""
    value = to_number(text)
    if value is None and text.rstrip().endswith(("分", "元")):
        value = to_number(text.rstrip()[:-1])
    return value


def _with_unit(value: str, unit: str) -> str:
    """Append a 度量单位 column's unit to a bare number."""
    return value + unit if to_number(value) is not None else value


def _clean_header_value(name: str, value: str) -> str:
    value = re.sub(r"\s+", " ", value).strip()
    if name in ("unit", "budget_unit", "project_name"):  # one spelling per name: Chinese parentheses
        return value.replace("(", "（").replace(")", "）")
    if name == "project_code":
        return value.replace(" ", "")
    if name == "year":
        m = re.search(r"(19|20)\d{2}", value)
        return m.group(0) if m else value
    return value
