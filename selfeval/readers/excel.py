"""Workbook bytes -> Grids: python-calamine for the cells and merged ranges, a cheap styles pass for percents.

calamine gives values, not how they are shown: a cell shown as 98.63% reads as 0.9863. Which cells
carry a percent format is learnt from the workbook's styles (readers/percents.py); a percent cell reads
as the full value times 100 ("98.63%"), not rounded to the format's decimals. BIFF5 (Excel 95) .xls
and .ods lose the % sign; other display formats (thousands separators, fixed decimals, "万元"
suffixes) are not applied — numbers read as numbers. Formula cells without a cached value read as
empty (the scoring recomputes them anyway).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache
from itertools import count
from typing import Literal

from python_calamine import CalamineWorkbook, SheetTypeEnum

from selfeval.model import Cell, Grid
from selfeval.readers.percents import Position, percent_cells


def workbook_to_grids(
    data: bytes, kind: Literal["xlsx", "xls"], source: str, parts: dict[str, bytes] | None = None
) -> list[Grid]:
    """One Grid per worksheet (an empty one has no rows: the caller notes it), via python-calamine (fast, merge-aware).

    Cells follow model.Cell: 1-based row/col, only non-empty cells, a merged range's value on its
    top-left cell and on the left cell of each further row; other cells inside a merge are empty.
    Chart and macro sheets are skipped; hidden worksheets are read like the others. parts: the
    .xlsx parts preflight already inflated (``preflight.inspect``), so the percent pass unzips nothing.
    """
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    try:
        percents = percent_cells(data, kind, parts)
        grids = []
        for meta in workbook.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            grids.append(_sheet_to_grid(sheet, source, percents.get(meta.name, frozenset())))
        return grids
    finally:
        workbook.close()


def _sheet_to_grid(sheet, source: str, percents: frozenset[Position]) -> Grid:
    """calamine's rows, already in order, straight into Cells: one comprehension a row, no sort.

    Merged ranges are applied to calamine's own lists of values first (`_apply_merges`: a slice of
    each row emptied, the top-left's text put on the left cell of each further row), so that each
    row is then read once, left to right, into its Cells (1-based). Cells are made by
    ``tuple.__new__`` (the NamedTuple's own ``__new__`` is Python); floats take ``number_text``
    through a cache (the same few numbers fill every form). A sheet with percent-formatted cells
    reads its numbers one by one (`_value_text`). Texts are stripped here; CR LF becomes LF in the
    Grid itself (model.Grid: no control character gets past a reader).
    """
    start = sheet.start
    if start is None:
        return Grid(source, sheet.name, ())
    row0, col0 = start
    values = sheet.to_python()
    last = next(
        (r for r in range(len(values), 0, -1) if _row_cells(values[r - 1], row0 + r, col0, percents)), 0
    )
    if not last:
        return Grid(source, sheet.name, ())
    del values[last:]  # merges are clipped to the last row holding data
    _apply_merges(values, row0, col0, sheet.merged_cell_ranges or (), percents)
    rows = []
    for r, row in enumerate(values, start=row0 + 1):
        if percents:
            cells = _row_cells(row, r, col0, percents)
        else:
            cells = [
                _new(Cell, (t, r, c))
                for c, v in zip(count(col0 + 1), row)
                if (
                    t := v.strip()
                    if v.__class__ is str
                    else _float_text(v)
                    if v.__class__ is float
                    else _text(v)
                )
            ]
        if cells:
            rows.append(tuple(cells))
    return Grid(source, sheet.name, tuple(rows))


_new = tuple.__new__  # tuple.__new__(Cell, (text, row, col)): a Cell without its Python-level __new__


def _row_cells(row: list, r: int, col0: int, percents: frozenset[Position]) -> list[Cell]:
    """The Cells of one row of calamine's values (r 1-based, col0 0-based: the sheet's first column)."""
    return [
        _new(Cell, (t, r, c)) for c, v in enumerate(row, col0 + 1) if (t := _value_text(v, r, c, percents))
    ]


def _value_text(value: object, r: int, c: int, percents: frozenset[Position]) -> str:
    """The text of one of calamine's values at 1-based (r, c): "" when empty."""
    if value.__class__ is str:
        return value.strip()  # type: ignore[attr-defined]
    if percents and value is not None and (r - 1, c - 1) in percents:
        return cell_text(value, percent=True)
    return _float_text(value) if value.__class__ is float else _text(value)


def _text(value: object) -> str:
    """A value that is neither text nor a float (a date, a boolean, an int; None: empty)."""
    return "" if value is None else cell_text(value)


def _apply_merges(
    values: list[list], row0: int, col0: int, merges: Iterable[tuple[Position, Position]], percents
) -> None:
    """Top-left keeps the value, the left cell of each further row gets its text, the rest is emptied.

    values are calamine's rows (the first is sheet row row0, 0-based; the first column col0), cut
    after the last row holding data, so a merge reaching row 1048576 costs nothing; merges are
    0-based and inclusive (as calamine gives them), applied in order, each to the values as the
    merges before it left them. Each row of a merge is one slice assignment.
    """
    for (r1, c1), (r2, c2) in merges:
        i1, i2 = r1 - row0, min(r2 - row0, len(values) - 1)  # indices into values
        if i2 < i1:
            continue
        j1, j2 = c1 - col0, c2 - col0 + 1  # the merge's columns: row[j1:j2]
        text = ""
        if i1 >= 0 and 0 <= j1 < len(values[i1]):
            text = _value_text(values[i1][j1], r1 + 1, c1 + 1, percents)
        for i in range(max(i1, 0), i2 + 1):
            row = values[i]
            first = max(j1 + 1 if i == i1 else j1, 0)  # the top-left keeps its value
            if first < j2:
                row[first:j2] = [""] * (min(j2, len(row)) - first) if first < len(row) else []
            if text and i > i1 and j1 < len(row):
                row[j1] = text


# ----------------------------------------------------------------------------------------- cell text


def cell_text(value: object, *, percent: bool = False) -> str:
    """A calamine value as people read it: 350000.0 -> "350000", 0.9863 (percent) -> "98.63%"."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        if percent:
            return number_text(value, shift=2) + "%"
        return number_text(value)
    if isinstance(value, dt.datetime):
        text = f"{value.year}年{value.month}月{value.day}日"
        if value.time() != dt.time(0):
            text += f" {value:%H:%M}" + (f":{value:%S}" if value.second else "")
        return text
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, dt.time):
        return f"{value:%H:%M}" + (f":{value:%S}" if value.second else "")
    return str(value).strip()


def number_text(value: int | float, shift: int = 0) -> str:
    """Shortest decimal that reads back as the float, never in exponent form; shift=2 for percents.

    Whole numbers of 16 digits or more are the exception: Excel keeps only 15 significant digits, so
    such a cell (typically a 21-digit 项目编码 typed as a number) has already lost digits. It is shown as
    Excel shows it (`4.403042260115E+20`), never as a plausible but wrong string of digits.
    """
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return ""
    if not shift and isinstance(value, float) and value.is_integer() and abs(value) >= 1e15:
        return f"{value:.15G}"
    if not shift and isinstance(value, float):  # fast path for the common cells: 12.5, 350000.0
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value)) if value else "0"
        text = repr(value)
        if "e" not in text and "E" not in text:
            return text
    number = Decimal(repr(value) if isinstance(value, float) else value).scaleb(shift)
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# the same few numbers fill every form (0, 5, 4.55, 10, 100): each float is written once a process
_float_text = lru_cache(maxsize=4096)(number_text)
