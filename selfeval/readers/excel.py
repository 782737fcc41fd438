"""Workbook bytes -> Grids: python-calamine for the cells and merged ranges, a cheap styles pass for percents.

calamine gives values, not how they are shown: a cell shown as 98.63% reads as 0.9863, and calamine
exposes no number formats. So for xlsx we learn which cells carry a percent format from
``xl/styles.xml`` (cellXfs + numFmts) and the sheets' ``s="…"`` attributes — skipped at once when no
format in the workbook can be a percent; for .xls (BIFF8) the same from the XF and FORMAT records of the
Workbook stream. A percent cell reads as the full value times 100 ("98.63%"), not rounded to the
format's decimals. Gaps: BIFF5 (Excel 95) .xls and .ods lose the % sign; other display formats
(thousands separators, fixed decimals, "万元" suffixes) are not applied — numbers read as numbers.
Formula cells without a cached value read as empty (the scoring recomputes them anyway).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import zipfile
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache
from itertools import count
from typing import Literal

from defusedxml import ElementTree
from python_calamine import CalamineWorkbook, SheetTypeEnum

from selfeval.model import Cell, Grid
from selfeval.readers.ole import workbook_stream
from selfeval.readers.zipxml import _REL_EL as REL_EL
from selfeval.readers.zipxml import _SHEET_EL as SHEET_EL
from selfeval.readers.zipxml import _attrs as attrs
from selfeval.readers.zipxml import _norm as fold

Position = tuple[int, int]  # 0-based (row, col), as calamine counts


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
        percents = _percent_cells(data, kind, parts)
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


# ------------------------------------------------------------------------------ percent formats: xlsx

_BUILTIN_PERCENT_FORMATS = frozenset({9, 10})  # "0%", "0.00%"
_BUILTIN_PERCENT_REF = re.compile(rb"""numFmtId\s*=\s*["'](?:9|10)["']""")
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)\b([^>]*)>")
_ATTR_R = re.compile(rb"""\br\s*=\s*["']([A-Za-z]*)(\d+)["']""")
_ATTR_S = re.compile(rb"""\bs\s*=\s*["'](\d+)["']""")


def is_percent_format(code: str) -> bool:
    """True when a number format code shows a percent: a % outside quotes, escapes and [..] sections."""
    code = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.', "", code)
    return "%" in code


def _percent_cells(
    data: bytes, kind: str, parts: dict[str, bytes] | None = None
) -> dict[str, frozenset[Position]]:
    """Sheet name -> cells whose number format is a percent; empty when unknown (never raises)."""
    try:
        if kind == "xlsx":
            return _xlsx_percent_cells(_Parts(data, parts))
        if kind == "xls":
            return _xls_percent_cells(data)
    except Exception:  # a styles pass that fails only loses the % sign, never the read
        return {}
    return {}


class _Parts:
    """The parts of an .xlsx by folded name (preflight's ``_norm``): from what preflight kept, else
    from the zip, opened once and only if needed."""

    def __init__(self, data: bytes, kept: dict[str, bytes] | None):
        self.data = data
        self.kept = dict(kept or {})
        self.archive: zipfile.ZipFile | None = None
        self.names: dict[str, str] | None = None

    def get(self, name: str) -> bytes | None:
        key = fold(name)
        if key in self.kept:
            return self.kept[key]
        if self.archive is None:
            self.archive = zipfile.ZipFile(io.BytesIO(self.data))
            self.names = {fold(n): n for n in self.archive.namelist()}
        assert self.names is not None
        real = self.names.get(key)
        if real is None:
            return None
        self.kept[key] = self.archive.read(real)
        return self.kept[key]


def _xlsx_percent_cells(parts: _Parts) -> dict[str, frozenset[Position]]:
    styles_xml = parts.get("xl/styles.xml")
    if not styles_xml:
        return {}
    if b"%" not in styles_xml and not _BUILTIN_PERCENT_REF.search(styles_xml):
        return {}  # the common case: no percent format anywhere, no XML parsed
    styles = _percent_styles_xlsx(styles_xml)
    if not styles:
        return {}
    result = {}
    for sheet_name, path in _xlsx_sheet_paths(parts).items():
        xml = parts.get(path)
        cells = _styled_cells(xml, styles) if xml else frozenset()
        if cells:
            result[sheet_name] = cells
    return result


def _percent_styles_xlsx(styles_xml: bytes) -> frozenset[int]:
    root = ElementTree.fromstring(styles_xml)
    percent_ids = set(_BUILTIN_PERCENT_FORMATS)
    num_fmts = root.find(f"{_MAIN_NS}numFmts")
    for fmt in num_fmts if num_fmts is not None else ():
        if is_percent_format(fmt.get("formatCode", "")):
            percent_ids.add(int(fmt.get("numFmtId", "-1")))
        else:
            percent_ids.discard(int(fmt.get("numFmtId", "-1")))
    cell_xfs = root.find(f"{_MAIN_NS}cellXfs")
    return frozenset(
        index
        for index, xf in enumerate(cell_xfs if cell_xfs is not None else ())
        if int(xf.get("numFmtId", "0")) in percent_ids
    )


def _xlsx_sheet_paths(parts: _Parts) -> dict[str, str]:
    """Sheet name -> part name, from xl/workbook.xml and its relationships (as calamine joins them)."""
    targets = {}
    for m in REL_EL.finditer(parts.get("xl/_rels/workbook.xml.rels") or b""):
        a = attrs(m.group(1))
        target = a.get("Target", "")
        if target.startswith("/"):
            target = target[1:]
        elif not target.startswith("xl/"):
            target = "xl/" + target
        targets[a.get("Id", "")] = target
    paths = {}
    for m in SHEET_EL.finditer(parts.get("xl/workbook.xml") or b""):
        a = attrs(m.group(1))
        rid = next((v for k, v in a.items() if k.endswith(":id") or k == "id"), "")
        if rid in targets:
            paths[a.get("name", "")] = targets[rid]
    return paths


def _styled_cells(sheet_xml: bytes, styles: frozenset[int]) -> frozenset[Position]:
    """Cells of a sheet part whose style index is in styles; a regex over tags, no XML tree."""
    found = set()
    row, col = -1, -1
    for match in _TAG.finditer(sheet_xml):
        attrs = match.group(2)
        ref = _ATTR_R.search(attrs)
        if match.group(1) == b"row":
            row = int(ref.group(2)) - 1 if ref else row + 1
            col = -1
            continue
        if ref and ref.group(1):
            row, col = int(ref.group(2)) - 1, _column_index(ref.group(1))
        else:
            col += 1
        style = _ATTR_S.search(attrs)
        if style and int(style.group(1)) in styles:
            found.add((row, col))
    return frozenset(found)


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + letter - 64
    return index - 1


# ------------------------------------------------------------------------------- percent formats: xls


def _xls_percent_cells(data: bytes) -> dict[str, frozenset[Position]]:
    """From the BIFF8 Workbook stream: cell XFs whose format is a percent, then the cells using them."""
    stream = workbook_stream(data)  # the container read as preflight read it
    if stream is None or stream[:2] != b"\x09\x08" or stream[4:6] != b"\x00\x06":
        return {}  # BIFF8 only (Excel 97 and later); BIFF5 workbooks lose the % sign
    formats: dict[int, str] = {}
    xf_formats: list[int | None] = []  # per XF index: the format id of a cell XF, None for style XFs
    sheets: list[tuple[str, int]] = []
    for rtype, body in _biff_records(stream, 0):
        if rtype == 0x041E and len(body) >= 5:  # FORMAT
            (ifmt,) = struct.unpack_from("<H", body)
            formats[ifmt] = _xl_unicode_string(body, 2, length_bytes=2)
        elif rtype == 0x00E0 and len(body) >= 6:  # XF
            ifmt, flags = struct.unpack_from("<HH", body, 2)
            xf_formats.append(None if flags & 0x0004 else ifmt)
        elif rtype == 0x0085 and len(body) >= 8:  # BOUNDSHEET8
            (offset,) = struct.unpack_from("<I", body)
            if body[5] == 0:  # a worksheet, not a chart or macro sheet
                sheets.append((_xl_unicode_string(body, 6, length_bytes=1), offset))
        elif rtype == 0x000A:  # EOF of the globals
            break
    percent_ids = {i for i in _BUILTIN_PERCENT_FORMATS if i not in formats}
    percent_ids |= {i for i, code in formats.items() if is_percent_format(code)}
    styles = frozenset(i for i, f in enumerate(xf_formats) if f is not None and f in percent_ids)
    if not styles:
        return {}
    result = {}
    for name, offset in sheets:
        cells = set()
        for rtype, body in _biff_records(stream, offset):
            if rtype in (0x0203, 0x027E, 0x0006) and len(body) >= 6:  # NUMBER, RK, FORMULA
                row, col, xf = struct.unpack_from("<HHH", body)
                if xf in styles:
                    cells.add((row, col))
            elif rtype == 0x00BD and len(body) >= 6:  # MULRK: row, first col, (xf, rk)*, last col
                row, first = struct.unpack_from("<HH", body)
                for k in range((len(body) - 6) // 6):
                    (xf,) = struct.unpack_from("<H", body, 4 + 6 * k)
                    if xf in styles:
                        cells.add((row, first + k))
            elif rtype == 0x000A:
                break
        if cells:
            result[name] = frozenset(cells)
    return result


def _biff_records(stream: bytes, offset: int):
    while offset + 4 <= len(stream):
        rtype, length = struct.unpack_from("<HH", stream, offset)
        yield rtype, stream[offset + 4 : offset + 4 + length]
        offset += 4 + length


def _xl_unicode_string(body: bytes, offset: int, *, length_bytes: int) -> str:
    if length_bytes == 2:
        (count,) = struct.unpack_from("<H", body, offset)
    else:
        count = body[offset]
    flags = body[offset + length_bytes]
    pos = offset + length_bytes + 1
    if flags & 0x08:  # rich text: run count
        pos += 2
    if flags & 0x04:  # extended: ext size
        pos += 4
    if flags & 0x01:
        return body[pos : pos + 2 * count].decode("utf-16-le", "replace")
    return body[pos : pos + count].decode("latin-1")
