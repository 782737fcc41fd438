"""The text gate: decoding (UTF-8, UTF-16 with BOM, GB18030) and the bounds of a text upload.

Text is bounded like workbooks - lines (rows), cells per line (columns), cells in all, characters per
line - and every bound is counted in C (``str.count``, ``csv``) before any Grid is built, so a text
beyond them is refused in well under a second (19.5 MB of one-letter cells, 9.6 M cells, took 25-30 s
and 1.3 GB to read).
"""

from __future__ import annotations

import codecs
import csv
import io
import re

from selfeval.readers.limits import Limits
from selfeval.readers.limits import refuse as _refuse

_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"
_CONTROL_CHARS = re.compile("[\x01-\x08\x0b\x0e-\x1f\x7f]")


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, then GB18030; else Refused("TEXT_ENCODING")."""
    data = bytes(data)
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data[3:].decode("utf-8")
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
    except UnicodeDecodeError:
        raise _refuse("TEXT_ENCODING") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise _refuse("TEXT_ENCODING") from None
    if not _plausible_gbk(text):
        raise _refuse("TEXT_ENCODING")
    return text


def _plausible_gbk(text: str) -> bool:
    """GB18030 decodes most byte soups (Shift-JIS, Latin-1): real Chinese text is mostly GB2312."""
    sample = text[:1_000_000]
    ascii_count = len(sample.encode("ascii", "ignore"))
    non_ascii = len(sample) - ascii_count
    common = (len(sample.encode("gb2312", "ignore")) - ascii_count) // 2
    rare = non_ascii - common
    return rare <= max(2, non_ascii * 0.3)


_HTML_START = re.compile(
    r"\s*(?:<!doctype\s+html|<html|<head|<body|<table|<meta|mime-version\s*:)", re.IGNORECASE
)
_XML_SPREADSHEET = re.compile(
    r"urn:schemas-microsoft-com:office:(?:spreadsheet|excel)|<workbook\b", re.IGNORECASE
)


def _check_text(data: bytes, filename: str, limits: Limits) -> None:
    if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        control = len(data) - len(data.translate(None, _CONTROL_BYTES))
        if b"\x00" in data or control > max(4, len(data) // 100):
            raise _refuse("UNKNOWN_FORMAT", filename=filename)
    text = decode_text(data)
    if "\x00" in text or len(_CONTROL_CHARS.findall(text, 0, 1_000_000)) > max(
        4, min(len(text), 1_000_000) // 100
    ):
        raise _refuse("UNKNOWN_FORMAT", filename=filename)
    if not text.strip():
        raise _refuse("EMPTY")
    head = text[:4096]
    if _HTML_START.match(head) or (head.lstrip().startswith("<?xml") and _XML_SPREADSHEET.search(head)):
        raise _refuse("HTML_EXPORT", filename=filename)
    _check_bounds(text, limits)


def _check_bounds(text: str, limits: Limits) -> None:
    """Lines, characters per line, cells per line and cells in all, as the text reader will split them
    (tabs, pipe tables or CSV), counted in C before any Grid exists. A CSV whose comma count is over a
    bound is parsed (C-level csv, stopping at the bound) so quoted commas are not counted as cells."""
    newlines = text.count("\n") + text.count("\r") - text.count("\r\n")
    if newlines + 1 > limits.max_sheet_rows:
        raise _refuse("TEXT_TOO_MANY_LINES", lines=newlines + 1, limit=limits.max_sheet_rows)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    longest = max(lines, key=len)
    if len(longest) > limits.max_cell_chars:
        number = next(i for i, line in enumerate(lines, 1) if len(line) > limits.max_cell_chars)
        raise _refuse(
            "TEXT_LINE_TOO_LONG", line=number, chars=len(lines[number - 1]), limit=limits.max_cell_chars
        )
    tabbed = "\t" in text or any(line.lstrip().startswith("|") for line in lines)
    max_cols, max_cells = limits.max_sheet_cols, limits.max_text_cells
    cells = 0
    over: tuple[int, int] | None = None  # (line, columns) of the first line over the column bound
    for number, line in enumerate(lines, 1):
        if tabbed:
            n = line.count("|") - 1 if line.lstrip().startswith("|") else line.count("\t") + 1
        else:
            n = line.count(",") + 1
        cells += n
        if over is None and n > max_cols:
            over = (number, n)
    if tabbed or (over is None and cells <= max_cells):
        _refuse_counts(over, cells, limits)
        return
    cells, over = 0, None
    reader = csv.reader(io.StringIO(text))
    for record in reader:
        cells += len(record)
        if over is None and len(record) > max_cols:
            over = (reader.line_num, len(record))
        if over or cells > max_cells:
            break
    _refuse_counts(over, cells, limits)


def _refuse_counts(over: tuple[int, int] | None, cells: int, limits: Limits) -> None:
    if over is not None:
        raise _refuse("TEXT_TOO_MANY_COLUMNS", line=over[0], cols=over[1], limit=limits.max_sheet_cols)
    if cells > limits.max_text_cells:
        raise _refuse("TEXT_TOO_MANY_CELLS", cells=cells, limit=limits.max_text_cells)
