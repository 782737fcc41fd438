"""One form's rows as its parts read them, and the header rows that start its two tables.

recognize.py reads the header block, the funds table and the goals; indicators.py reads the indicator
table. Both work on a `FormRows`: where a cell is (Loc), its numbers bounded where they are read, and
every Issue found, said at its cell.
"""

from __future__ import annotations

import math
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from selfeval.messages import issue
from selfeval.model import Cell, Grid, Issue, Loc
from selfeval.readers import vocab
from selfeval.readers.align import number, placeholder

Row = tuple[Cell, ...]


# Loc(sheet, row, col) as `new_loc(Loc, (sheet, row, col))`: the same tuple without the NamedTuple's
# Python-level __new__ (a form makes a hundred Locs while it is read; this is a third of the cost)
new_loc = tuple.__new__

_NAME_RANK = {"三级指标": 0, "指标名称": 1, "指标内容": 1, "绩效指标": 2}


class _HeaderKey(NamedTuple):
    """What a cell's text is to the two tables' header rows (asked of every row until they are found)."""

    indicator: str | None  # vocab.indicator_header_field
    name_rank: int  # for an indicator `name` label: 0 三级指标, 1 指标名称 …, 2 绩效指标
    funds: str | None  # vocab.funds_header_field
    adjusted: bool  # 调整后预算数: the adjusted budget


@lru_cache(maxsize=16384)
def _header_key(text: str) -> _HeaderKey:
    key = vocab.norm(text)
    indicator = vocab.indicator_header_field(key)
    rank = _NAME_RANK.get(vocab.unbracketed(key), 1) if indicator == "name" else 9
    return _HeaderKey(indicator, rank, vocab.funds_header_field(key), "调整" in key)


def indicator_header(row: Row) -> dict[str, int] | None:
    """Field -> column for an indicator header row, else None. 三级指标 names the rows; 绩效指标 does only
    when nothing better is there and it is not the block's label left of 一级指标."""
    cols: dict[str, int] = {}
    name_rank = 9
    for cell in row:
        found = _header_key(cell.text)
        name = found.indicator
        if name is None:
            continue
        if name == "name":
            rank = found.name_rank
            if rank < name_rank:
                cols["name"], name_rank = cell.col, rank
            continue
        if name == "reason" and "reason" in cols:
            name = "measures"  # 偏差原因 and 改进措施 in two columns
        if name and name not in cols:
            cols[name] = cell.col
    if name_rank == 2 and "level1" in cols and cols["name"] < cols["level1"]:
        del cols["name"]
    if (
        "name" in cols
        and ({"weight", "score"} & cols.keys())
        and ({"target", "level1", "level2"} & cols.keys())
    ):
        return cols
    return None


def funds_header(row: Row) -> dict[str, int] | None:
    """Columns of the funds table by their labels. Two labels naming the budget: the adjusted one
    (调整后预算数) is 全年预算数 (docs/forms.md §3); 四川's 年度预算数(万元) then only heads the row labels."""
    cols: dict[str, int] = {}
    for cell in row:
        found = _header_key(cell.text)
        name = found.funds
        if name and (name not in cols or (name == "annual_budget" and found.adjusted)):
            cols[name] = cell.col
    if {"annual_budget", "executed"} <= cols.keys():
        return cols
    return None


class FormRows:
    """The rows of one form (a segment of a Grid), with what reading them has found so far."""

    def __init__(self, grid: Grid, rows: list[Row]):
        self.grid = grid
        self.rows = rows
        self.issues: list[Issue] = []
        self.locs: dict[str, Loc] = {}
        self.trouble_rows: set[int] = set()  # rows with a cell that could not be read

    def loc(self, cell: Cell) -> Loc:
        return new_loc(Loc, (self.grid.sheet, cell.row, cell.col))

    def row_loc(self, row: Row) -> Loc:
        return new_loc(Loc, (self.grid.sheet, row[0].row, None))

    # numbers, bounded where they are read ---------------------------------------------------------
    def bounded(
        self, cell: Cell | None, what: str, low: float, high: float, factor: float = 1.0
    ) -> float | None:
        """The number in a cell, or None (reported at the cell) when it is not a number or out of range."""
        if cell is None:
            return None
        value = number(cell.text)  # never a number for a placeholder (—, /, 无, blank)
        if value is None:
            if placeholder(cell.text):
                return None
            self.trouble_rows.add(cell.row)
            self.issues.append(issue("NUMBER_UNREADABLE", self.loc(cell), field=what, text=cell.text[:40]))
            return None
        printed, value = value, value * factor
        if not math.isfinite(value) or not low <= value <= high:
            self.trouble_rows.add(cell.row)
            bounds = f"{low:g} 至 {high:g}"
            self.issues.append(
                issue("VALUE_RANGE", self.loc(cell), field=what, text=cell.text[:40], bounds=bounds)
            )
            return None
        # as printed, times the unit: 38.76646257 万元 is 387664.6257 元, never rounded (issue 21)
        return float(Decimal(repr(printed)) * Decimal(repr(factor))) if factor != 1.0 else value
