"""The text gate: decoding (UTF-8, UTF-16 with BOM, GB18030) and the bounds of a text upload.

Text is bounded like workbooks - lines (rows), cells per line (columns), cells in all, characters per
line - and every bound is counted in C (``str.count``, ``csv``) before any Grid is built, so a text
beyond them is refused in well under a second (19.5 MB of one-letter cells, 9.6 M cells, took 25-30 s
and 1.3 GB to read).
"""

from __future__ import annotations

import codecs
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
    lines = text.splitlines()
    if len(lines) > limits.max_sheet_rows:
        raise _refuse("TEXT_TOO_MANY_LINES", lines=len(lines), limit=limits.max_sheet_rows)
    for number, line in enumerate(lines, 1):
        if len(line) > limits.max_cell_chars:
            raise _refuse("TEXT_LINE_TOO_LONG", line=number, chars=len(line), limit=limits.max_cell_chars)
