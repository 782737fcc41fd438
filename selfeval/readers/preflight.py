"""Preflight: decide what an uploaded file is and whether it is safe to hand to a parser.

Runs on the raw bytes before python-calamine or openpyxl sees them, and never parses cells itself.
The kind is decided by content, never by the file name: ZIP magic must be an OOXML workbook, OLE/CFB
magic must be a real .xls, anything else must be plain text. A file we will not read raises
``Refused`` with a stable ``code`` and a Chinese ``message`` saying what is wrong and what to do.

Why each check exists (engineering.md, "Untrusted uploads"; measured on python-calamine 0.9, which
bundles calamine 0.37):

* calamine allocates the whole span of a sheet's cells: a value at A1 and one at XFD1048576 make it
  ask for 512 GiB and the process aborts, no exception. So every worksheet is streamed and every
  ``<c r>``/``<row r>`` and every ``<dimension>``/``<mergeCell>``/``<f ref>`` range is bounded
  (merged ranges too: a reader that fills merges would walk them). A single regex pass clears the
  ordinary values in C; only the rare doubtful ones reach Python. Cells without ``r`` (never
  written by Excel) get their place by counting: such sheets are re-read token by token,
  emulating both calamine's and openpyxl's counting, and refused above 8 MiB of XML.
* zip bombs: entry count, total declared size and per-entry ratio come from the central directory,
  and every entry we read is inflated by our own loop, which refuses a stream that yields more or
  less than its declared size or a wrong CRC (zipfile alone would stop at the declared size and
  accept a CRC forged for that prefix). In total we never inflate more than ``max_uncompressed``.
* entity bombs: ``<!DOCTYPE``/``<!ENTITY`` in any XML part is refused, as is an XML part that is
  not UTF-8/ASCII-compatible (a UTF-16 part could hide a DOCTYPE from a byte search). Worksheets
  must also be free of comments, CDATA and late processing instructions, which Excel never writes.
* macros (``vbaProject.bin``, ``macroEnabled`` content types, Excel 4 macro sheets) and encrypted
  workbooks (an OLE container with ``EncryptionInfo``/``EncryptedPackage``, or BIFF ``FILEPASS``).
* .xls: calamine trusts the container. A DIFAT chain that loops, or DIMENSIONS whose first row is
  past its last (it computes rows - 1 in unsigned arithmetic), abort the process. So the CFB
  header, DIFAT, FAT, directory sizes and every chain calamine follows are checked here (stdlib
  only, loops bounded), and every BIFF cell record, DIMENSIONS, MERGECELLS and SST count of every
  sheet is bounded like the xlsx cells (a forged record can put a cell at column 65535).

Residual risks (not closed here):

* calamine still *raises* on many damaged .xls that pass (a formula record cut short, a name
  record out of range): a Rust panic surfaces as ``pyo3_runtime.PanicException``, which derives
  from ``BaseException`` - ``selfeval.readers.read_bytes`` catches it and refuses the file.
  Fuzzing ~27,000 mutated .xls and ~12,000 mutated .xlsx gave panics (.xls only)
  but no process abort.
* Worst-case time is linear in the inflated size, about 13 ms per MiB of worksheet XML on our
  2-core machine: the default 50 MiB bound caps a hostile worksheet at about 0.7 s (200 MiB took
  2-3 s, hence the bound; forms are under 1 MB); forms and every bomb in tests/badfiles.py are
  decided in milliseconds. A 20 MiB .xls takes up to 0.4 s.
* Worksheets are scanned in 1 MiB chunks. A ``<c>``/``<row>`` tag without ``r`` that straddles a
  chunk boundary *and* holds a ``<`` inside a quoted attribute value (not well-formed XML, which the
  lenient quick-xml may still accept) can escape the "cell without r" detection: at most one tag per
  MiB, so the counted extent can exceed the limit by at most a few hundred rows or columns - far
  from an allocation that can kill the process. Explicit ``r``/``ref`` values are always seen.
* Within the limits calamine may still reserve rows x columns cells (20000 x 200 x ~40 bytes,
  about 160 MB) for a sheet that declares that extent.
* Cells without ``r`` are placed as calamine 0.37 and openpyxl 3.1 place them; a future parser
  that counts differently could place them elsewhere.
* .xls: BIFF2-4 files are passed through (calamine refuses them). VBA projects in .xls are not
  refused (calamine never runs them and we keep no copy of the file).
* Text: GB18030 cannot be told from other legacy encodings with certainty; a text whose non-ASCII
  characters are mostly outside GB2312 is refused as undecodable.
"""

from __future__ import annotations

import codecs
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from selfeval.messages import PREFLIGHT as MESSAGES  # refusal sentences, with the rest of the Chinese

__all__ = ["DEFAULT_LIMITS", "MESSAGES", "Kind", "Limits", "Refused", "decode_text", "preflight"]

Kind = Literal["xlsx", "xls", "text"]


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 20 * 1024 * 1024  # upload size
    max_zip_entries: int = 2000
    max_uncompressed: int = (
        50 * 1024 * 1024
    )  # sum of entry sizes (forms are < 1 MB; keeps the worst scan < 1 s)
    max_ratio: float = 200.0  # per entry uncompressed/compressed (only for entries > 1 MiB uncompressed)
    max_sheet_rows: int = 20000
    max_sheet_cols: int = 200
    max_cell_chars: int = 32767


DEFAULT_LIMITS = Limits()


class Refused(Exception):
    """A file we will not parse; .code is a stable code, .message a Chinese sentence saying what is wrong and what to do."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"Refused({self.code!r}, {self.message!r})"


def _refuse(code: str, **fields: object) -> Refused:
    return Refused(code, MESSAGES[code].format(**fields))


def _text(key: str, **fields: object) -> str:
    return MESSAGES[key].format(**fields)


def _size(n: float) -> str:
    mb = n / (1024 * 1024)
    if mb >= 1:
        return f"{mb:.0f} MB" if mb == int(mb) else f"{mb:.1f} MB"
    return f"{max(n / 1024, 0.1):.1f} KB"


# ---------------------------------------------------------------------------------------------
# Entry point


_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def preflight(data: bytes, filename: str, limits: Limits = DEFAULT_LIMITS) -> Kind:
    """Return the kind of an upload ("xlsx", "xls" or "text") or raise Refused; never parses cells."""
    data = bytes(data)
    if not data:
        raise _refuse("EMPTY")
    if len(data) > limits.max_bytes:
        raise _refuse("TOO_LARGE", size=_size(len(data)), limit=_size(limits.max_bytes))
    if data.startswith(_ZIP_MAGIC):
        try:
            _check_xlsx(data, filename, limits)
        except Refused:
            raise
        except Exception:  # a hostile container must fail closed, whatever broke
            raise _refuse("CORRUPT") from None
        return "xlsx"
    if data.startswith(_OLE_MAGIC):
        _check_ole(data, filename, limits)
        return "xls"
    _check_other_binary(data, filename)
    _check_text(data, filename, limits)
    return "text"


def _check_other_binary(data: bytes, filename: str) -> None:
    head = data[:64]
    image = None
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        image = "PNG"
    elif head.startswith(b"\xff\xd8\xff"):
        image = "JPEG"
    elif head.startswith((b"GIF87a", b"GIF89a")):
        image = "GIF"
    elif head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        image = "WebP"
    elif head.startswith((b"II*\x00", b"MM\x00*")):
        image = "TIFF"
    elif head.startswith(b"BM") and len(head) >= 26 and head[6:10] == b"\x00\x00\x00\x00":
        image = "BMP"
    elif head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"hevc", b"avif"):
        image = "HEIC"
    if image:
        raise _refuse("IMAGE", filename=filename, what=image)
    if b"%PDF-" in data[:1024]:
        raise _refuse("PDF", filename=filename)
    archive = None
    if head.startswith(b"Rar!\x1a\x07"):
        archive = "kind.rar"
    elif head.startswith(b"7z\xbc\xaf\x27\x1c"):
        archive = "kind.7z"
    elif head.startswith(b"\x1f\x8b"):
        archive = "kind.gzip"
    elif head.startswith(b"\xfd7zXZ\x00"):
        archive = "kind.xz"
    elif head.startswith(b"{\\rtf"):
        archive = "kind.rtf"
    if archive:
        raise _refuse("NOT_WORKBOOK", filename=filename, what=_text(archive))


# ---------------------------------------------------------------------------------------------
# Text

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


# ---------------------------------------------------------------------------------------------
# Cell references and the sheet extent


def _le_number(limit: int) -> bytes:
    """Regex for decimal integers 1..limit (no sign, no leading zero)."""
    s = str(limit)
    n = len(s)
    alts = []
    if n > 1:
        alts.append(b"[1-9][0-9]{0,%d}" % (n - 2))
    for i, ch in enumerate(s):
        lo = 1 if i == 0 else 0
        d = int(ch)
        if d > lo:
            rest = n - i - 1
            alts.append(s[:i].encode() + b"[%d-%d]" % (lo, d - 1) + (b"[0-9]{%d}" % rest if rest else b""))
    alts.append(s.encode())
    return b"(?:" + b"|".join(alts) + b")"


def _column_letters(col: int) -> str:
    letters = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _le_column(limit: int) -> bytes:
    """Regex for upper-case column letters A..letters(limit)."""
    s = _column_letters(limit)
    n = len(s)
    alts = []
    if n > 1:
        alts.append(b"[A-Z]{1,%d}" % (n - 1))
    for i, ch in enumerate(s):
        if ch > "A":
            rest = n - i - 1
            alts.append(
                s[:i].encode()
                + b"[A-%s]" % chr(ord(ch) - 1).encode()
                + (b"[A-Z]{%d}" % rest if rest else b"")
            )
    alts.append(s.encode())
    return b"(?:" + b"|".join(alts) + b")"


_Q = rb"(?:\"[^\"]*\"|'[^']*')"
_NAME = rb"[^\s=>/\"']+"
_PFX = rb"[^\s<>/:=!?\"']+"
_NOT_R_ATTR = rb"(?:\s+(?!r\s*=)" + _NAME + rb"\s*=\s*" + _Q + rb")*\s*/?>"


@dataclass(frozen=True)
class _SheetRegexes:
    r_attr: re.Pattern[bytes]
    ref_attr: re.Pattern[bytes]


@lru_cache(maxsize=8)
def _sheet_regexes(max_rows: int, max_cols: int) -> _SheetRegexes:
    row = _le_number(max_rows)
    col = _le_column(max_cols)
    cell = col + row
    # An r="..." whose value is not certainly inside the limits (the few matches go to Python, where
    # lower case or leading zeros are read as calamine/openpyxl would read them).
    r_attr = re.compile(rb"r\s*=\s*([\"'])(?!(?:" + col + rb")?" + row + rb"[\"'])")
    ref_attr = re.compile(rb"ref\s*=\s*([\"'])(?!" + cell + rb"(?::" + cell + rb")?[\"'])")
    return _SheetRegexes(r_attr, ref_attr)


_RLESS_C = re.compile(rb"<c" + _NOT_R_ATTR)
_RLESS_ROW = re.compile(rb"<row" + _NOT_R_ATTR)
_RLESS_PREFIXED = re.compile(rb"<" + _PFX + rb":(?:c|row)" + _NOT_R_ATTR)
_HAS_PREFIXED = re.compile(rb":(?:c|row)[\s/>]")
_MARKUP = re.compile(rb"<[!?]")
_DTD_WORD = re.compile(rb"<!\s*(?:doctype|entity|element|attlist)", re.IGNORECASE)
_TAG_COMPLETE = re.compile(rb"<[^>\"']*+(?:(?:\"[^\"]*+\"|'[^']*+')[^>\"']*+)*+>")
_TAG = re.compile(
    rb"<(/?)(?:" + _PFX + rb":)?([^\s<>/=!?\"':]*)([^>\"']*+(?:(?:\"[^\"]*+\"|'[^']*+')[^>\"']*+)*+)>"
)
_TAG_PREFIX = re.compile(
    rb"<(?:" + _PFX + rb":)?([^\s<>/=!?\"':]+)(?:\s+" + _NAME + rb"\s*=\s*" + _Q + rb")*\s*"
)
_R_IN_ATTRS = re.compile(rb"(?:^|\s)r\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_CELL_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]+)")
_ROW_NUMBER = re.compile(r"\+?[0-9]+(?:\.[0-9]*)?(?:[eE]\+?[0-9]+)?")
_COL_ONLY = re.compile(r"\$?([A-Za-z]{1,3})")
_XML_WS = b" \t\r\n"
_EXCEL_MAX_ROWS = 1048576
_EXCEL_MAX_COLS = 16384

_CHUNK = 1024 * 1024
_EXACT_MAX = 8 * 1024 * 1024  # sheets with cells lacking r are re-read in memory up to this size
_MAX_TAG = 1024 * 1024
_MAX_IGNORED = 50_000  # odd attributes (header="0.3", r="a1"...) checked one by one before we give up
_MEASURE_BYTES = 64 * 1024 * 1024  # after a violation, how much more to read for the message
_MEASURE_MATCHES = 1000
_LAST_ROW = re.compile(rb"<(?:" + _PFX + rb":)?row\s(?:[^>]*?\s)?r\s*=\s*[\"']\s*([0-9]{1,12})[\"']")


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _int(digits: str) -> int:
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= 12 else 10**12


def _parse_ref(value: str) -> tuple[int, int] | None:
    """'B12' -> (12, 2); None when the value is not a cell reference."""
    m = _CELL_REF.fullmatch(value)
    if not m:
        return None
    return _int(m.group(2)), _col_number(m.group(1))


def _parse_row(value: str) -> int | None:
    """A row number as calamine or openpyxl would read it ('12', '12.0', '1.2e1')."""
    value = value.strip().lstrip("+")
    if not _ROW_NUMBER.fullmatch(value):
        return None
    if value.isdigit():
        return _int(value)
    number = float(value)
    if number == float("inf"):
        return 10**12
    return int(number) if number.is_integer() else None


def _parse_range(value: str) -> tuple[int, int] | None:
    """The bottom-right (row, col) of 'A1', 'A1:C9', 'A:C' or '3:9'; None if not a range."""
    rows, cols = 0, 0
    for part in value.strip().split(":"):
        if cell := _parse_ref(part):
            rows, cols = max(rows, cell[0]), max(cols, cell[1])
        elif (m := _COL_ONLY.fullmatch(part)) is not None:
            rows, cols = _EXCEL_MAX_ROWS, max(cols, _col_number(m.group(1)))
        elif re.fullmatch(r"\s*[0-9]+\s*", part):
            rows, cols = max(rows, _int(part.strip())), _EXCEL_MAX_COLS
        else:
            return None
    return rows, cols


class _Extent:
    """The largest row/column seen in one sheet, and whether it broke the limits."""

    def __init__(self, sheet: str, limits: Limits):
        self.sheet = sheet
        self.limits = limits
        self.rows = 0
        self.cols = 0
        self.broken = False

    def see(self, row: int, col: int) -> None:
        self.rows = max(self.rows, row)
        self.cols = max(self.cols, col)
        if row > self.limits.max_sheet_rows or col > self.limits.max_sheet_cols:
            self.broken = True

    def refusal(self) -> Refused:
        return _refuse(
            "SHEET_TOO_LARGE",
            sheet=self.sheet,
            rows=max(self.rows, 1),
            cols=max(self.cols, 1),
            max_rows=self.limits.max_sheet_rows,
            max_cols=self.limits.max_sheet_cols,
        )


def _element_before(buf: bytes, pos: int) -> bytes | None:
    """Local name of the tag whose attribute starts at pos; None when that is not certain."""
    lt = buf.rfind(b"<", 0, pos)
    if lt < 0:
        return None
    m = _TAG_PREFIX.match(buf, lt, pos)
    return m.group(1) if m and m.end() == pos else None


# ---------------------------------------------------------------------------------------------
# Streaming checks on XML parts


class _Markup:
    """<!DOCTYPE/<!ENTITY anywhere; in worksheets also comments, CDATA and late processing instructions."""

    def __init__(self, strict: bool):
        self.strict = strict
        self.offset = 0  # absolute offset of the next chunk
        self.tail = b""
        self.start: int | None = None  # absolute offset of the first '<'

    def feed(self, chunk: bytes, final: bool = False) -> None:
        buf = self.tail + chunk
        base = self.offset - len(self.tail)
        self.offset += len(chunk)
        if self.start is None:
            lt = buf.find(b"<")
            if lt >= 0:
                self.start = base + lt
        keep = max(0, len(buf) - 16)  # a '<!' split by the chunk boundary is seen next time
        for m in _MARKUP.finditer(buf):
            if _DTD_WORD.match(buf, m.start()):
                raise _refuse("XML_DTD")
            if len(buf) - m.start() < 12 and not final:
                keep = min(keep, m.start())  # could still become <!DOCTYPE: decide with more bytes
                break
            if not self.strict:
                continue
            if buf[m.start() + 1 : m.start() + 2] == b"?" and base + m.start() == self.start:
                continue
            raise _refuse("XML_UNSUPPORTED", detail=_text("detail.markup"))
        self.tail = buf[keep:]

    def finish(self) -> None:
        self.offset -= len(self.tail)
        tail, self.tail = self.tail, b""
        self.feed(tail, final=True)


class _TextRuns:
    """Refuses a text run (between '>' and '<') longer than max_cell_chars characters."""

    def __init__(self, limit: int, where: str):
        self.limit = limit
        self.where = where
        self.long = re.compile(rb">[^<]{%d}" % (limit + 1))
        self.pending: list[bytes] | None = None
        self.pending_len = 0

    def _refusal(self) -> Refused:
        return _refuse("CELL_TOO_LONG", where=self.where, limit=self.limit)

    def _check(self, raw: bytes) -> None:
        if len(raw) <= self.limit:
            return
        text = raw.decode("utf-8", "replace")
        if "&" in text:
            text = _ENTITY.sub("x", text)
        if len(text) > self.limit:
            raise self._refusal()

    def _extend(self, piece: bytes) -> None:
        assert self.pending is not None
        self.pending.append(piece)
        self.pending_len += len(piece)
        if self.pending_len > 8 * self.limit + 64:  # more than any escaping of limit characters
            raise self._refusal()

    def _start(self, piece: bytes) -> None:
        self.pending, self.pending_len = [], 0
        self._extend(piece)

    def feed(self, chunk: bytes) -> None:
        pos = 0
        if self.pending is not None:
            idx = chunk.find(b"<")
            if idx < 0:
                self._extend(chunk)
                return
            self._extend(chunk[:idx])
            self._check(b"".join(self.pending))
            self.pending = None
            pos = idx
        for m in self.long.finditer(chunk, pos):
            end = chunk.find(b"<", m.end())
            if end < 0:
                self._start(chunk[m.start() + 1 :])
                return
            self._check(chunk[m.start() + 1 : end])
        last_lt = chunk.rfind(b"<", pos)
        gt = chunk.find(b">", last_lt if last_lt >= 0 else pos)
        if gt >= 0:
            self._start(chunk[gt + 1 :])
        else:
            self.pending = None

    def finish(self) -> None:
        if self.pending is not None:
            self._check(b"".join(self.pending))


_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z_][\w.-]*);")


class _SheetScan:
    """Fast pass over one worksheet: explicit r/ref values, cells without r, markup, long text."""

    def __init__(self, sheet: str, limits: Limits, declared: int):
        self.extent = _Extent(sheet, limits)
        self.rx = _sheet_regexes(limits.max_sheet_rows, limits.max_sheet_cols)
        self.markup = _Markup(strict=True)
        self.text = _TextRuns(limits.max_cell_chars, _text("where.sheet", sheet=sheet))
        self.carry = b""
        self.ignored = 0
        self.rless = False
        self.kept: list[bytes] | None = [] if declared <= _EXACT_MAX else None
        self.measured_bytes = 0

    def feed(self, chunk: bytes) -> bool:
        """Scan one chunk; False once enough has been seen to refuse."""
        if self.extent.broken:
            return self._measure(chunk)
        if self.kept is not None:
            self.kept.append(chunk)
        self.markup.feed(chunk)
        self.text.feed(chunk)
        buf = self.carry + chunk
        cut = self._values(buf)
        if not self.rless and (
            _RLESS_C.search(buf)
            or _RLESS_ROW.search(buf)
            or (_HAS_PREFIXED.search(buf) and _RLESS_PREFIXED.search(buf))
        ):
            self.rless = True
        self.carry = self._carry(buf, cut)
        return True

    def _measure(self, chunk: bytes) -> bool:
        """After a violation: follow the last row number of each chunk, only for the message."""
        rows = _LAST_ROW.findall(chunk, max(0, len(chunk) - 65536))
        if rows:
            self.extent.rows = max(self.extent.rows, int(rows[-1]))
        self.measured_bytes += len(chunk)
        return self.measured_bytes < _MEASURE_BYTES

    def _values(self, buf: bytes) -> int:
        """Check every r=/ref= value not certainly inside the limits; return where to cut the carry."""
        cut = len(buf)
        after_violation = 0
        for pattern, is_ref in ((self.rx.r_attr, False), (self.rx.ref_attr, True)):
            for m in pattern.finditer(buf):
                if m.start() == 0 or buf[m.start() - 1] not in _XML_WS:
                    self._ignore()  # e.g. header="0.3", sqref="A:A"
                    continue
                close = buf.find(m.group(1), m.end())
                if close < 0:  # value split by the chunk boundary: carry its whole tag
                    lt = buf.rfind(b"<", 0, m.start())
                    cut = min(cut, lt if lt >= 0 else m.start() - 1)
                    break
                if self.extent.broken:
                    after_violation += 1
                    if after_violation > _MEASURE_MATCHES:
                        break
                else:
                    self._ignore()  # counts values we could not clear by the regex alone
                value = buf[m.end() : close].decode("utf-8", "replace")
                element = _element_before(buf, m.start())
                if is_ref:
                    self._ref_value(value, element)
                else:
                    self._r_value(value, element)
        return cut

    def _ignore(self) -> None:
        self.ignored += 1
        if self.ignored > _MAX_IGNORED:
            raise _refuse("XML_UNSUPPORTED", detail=_text("detail.noise"))

    def _r_value(self, value: str, element: bytes | None) -> None:
        if (cell := _parse_ref(value)) is not None:
            self.extent.see(*cell)
        elif (row := _parse_row(value)) is not None:
            self.extent.see(row, 0)
        elif element in (b"c", b"row", None):
            raise _refuse("XML_UNSUPPORTED", detail=_text("detail.ref", ref=value[:20]))

    def _ref_value(self, value: str, element: bytes | None) -> None:
        if element not in (b"dimension", b"mergeCell", b"f", None):
            return  # hyperlink, autoFilter...: calamine ignores them, openpyxl keeps them as text
        bottom_right = _parse_range(value)
        if bottom_right is None:
            raise _refuse("XML_UNSUPPORTED", detail=_text("detail.ref", ref=value[:20]))
        self.extent.see(*bottom_right)

    @staticmethod
    def _carry(buf: bytes, cut: int) -> bytes:
        """The unfinished tag at the end of buf (or from cut, a value split by the chunk boundary)."""
        lt = buf.rfind(b"<")
        if lt >= 0 and not _TAG_COMPLETE.match(buf, lt):
            cut = min(cut, lt)
        carry = buf[cut:]
        if len(carry) > _MAX_TAG:
            raise _refuse("XML_UNSUPPORTED", detail=_text("detail.tag"))
        return carry

    def finish(self) -> None:
        if self.extent.broken:
            raise self.extent.refusal()
        self.markup.finish()
        self.text.finish()
        if self.rless:
            if self.kept is None:
                raise _refuse("SHEET_UNSUPPORTED", sheet=self.extent.sheet)
            _exact_positions(b"".join(self.kept), self.extent)
            if self.extent.broken:
                raise self.extent.refusal()


def _exact_positions(xml: bytes, extent: _Extent) -> None:
    """Place every cell as calamine 0.37 and openpyxl 3.1 would, for sheets with cells lacking r."""
    cal_row = 0  # calamine: 0-based row_index, set by <row r>, +1 at </row>; ignores self-closing tags
    cal_col = 0
    opx_row = 0  # openpyxl: 1-based row_counter, set by r or +1 on every <row>
    opx_col = 0
    for m in _TAG.finditer(xml):
        name = m.group(2)
        if name not in (b"row", b"c"):
            continue
        if m.group(1):
            if name == b"row":
                cal_row += 1
                cal_col = 0
            continue
        attrs = m.group(3)
        empty = attrs.rstrip().endswith(b"/")
        r = _R_IN_ATTRS.search(attrs)
        value = (
            None
            if r is None
            else (r.group(1) if r.group(1) is not None else r.group(2)).decode("utf-8", "replace")
        )
        if name == b"row":
            row = None if value is None else _parse_row(value)
            if value is not None and row is None:
                raise _refuse("XML_UNSUPPORTED", detail=_text("detail.ref", ref=value[:20]))
            if row is not None:
                extent.see(row, 0)
                if not empty:
                    cal_row = row - 1
            opx_row = row if row is not None else opx_row + 1
            opx_col = 0
        else:
            cell = None if value is None else _parse_ref(value)
            if value is not None and cell is None:
                raise _refuse("XML_UNSUPPORTED", detail=_text("detail.ref", ref=value[:20]))
            if cell is not None:
                extent.see(*cell)
                opx_col = cell[1]
                if not empty:
                    cal_col = cell[1]
            else:
                opx_col += 1
                extent.see(opx_row, opx_col)
                if not empty:
                    extent.see(cal_row + 1, cal_col + 1)
                    cal_col += 1
        if extent.broken:
            return


# ---------------------------------------------------------------------------------------------
# ZIP / OOXML


def _norm(name: str) -> str:
    return name.replace("\\", "/").lstrip("/").lower()


_ATTR = re.compile(rb"""([^\s=<>/"']+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_SHEET_EL = re.compile(rb"<(?:" + _PFX + rb":)?sheet\s([^>]*)>")
_REL_EL = re.compile(rb"<(?:" + _PFX + rb":)?Relationship\s([^>]*)>")
_OVERRIDE_EL = re.compile(rb"<(?:" + _PFX + rb":)?Override\s([^>]*)>")
_XML_DECL_ENCODING = re.compile(rb"\s*<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']")
_XML_OK_ENCODINGS = {
    "utf-8",
    "utf8",
    "us-ascii",
    "ascii",
    "iso-8859-1",
    "latin-1",
    "latin1",
    "gbk",
    "gb2312",
    "gb18030",
}
_XML_ENTITIES = re.compile(rb"&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);")


def _attrs(raw: bytes) -> dict[str, str]:
    out = {}
    for m in _ATTR.finditer(raw):
        value = m.group(2) if m.group(2) is not None else m.group(3)
        out[m.group(1).decode("utf-8", "replace")] = _unescape(value)
    return out


def _unescape(value: bytes) -> str:
    def one(m: re.Match[bytes]) -> bytes:
        ent = m.group(0)[1:-1]
        named = {b"amp": b"&", b"lt": b"<", b"gt": b">", b"quot": b'"', b"apos": b"'"}
        if ent in named:
            return named[ent]
        try:
            code = int(ent[2:], 16) if ent[:2] in (b"#x", b"#X") else int(ent[1:])
            return chr(code).encode("utf-8")
        except (ValueError, OverflowError):
            return m.group(0)

    return _XML_ENTITIES.sub(one, value).decode("utf-8", "replace")


def _resolve(base_dir: str, target: str) -> set[str]:
    """Every name a reader might use for a relationship target (OPC rules and calamine's shortcut)."""
    target = target.replace("\\", "/")
    names = set()
    if target.startswith("/"):
        names.add(target)
    else:
        parts: list[str] = []
        for piece in (base_dir + "/" + target).split("/"):
            if piece in ("", "."):
                continue
            if piece == "..":
                if parts:
                    parts.pop()
            else:
                parts.append(piece)
        names.add("/".join(parts))
        names.add(target)  # calamine treats "xl/..." as rooted
    return {_norm(n) for n in names}


class _Zip:
    """A zip read through the central directory, with each entry inflated by our own bounded loop."""

    def __init__(self, data: bytes, limits: Limits):
        self.data = data
        self.view = memoryview(data)
        self.limits = limits
        self.inflated = 0
        approx = data.count(b"PK\x01\x02")
        if approx > limits.max_zip_entries:
            raise _refuse("TOO_MANY_PARTS", count=approx, limit=limits.max_zip_entries)
        if data[-(65535 + 22) :].count(b"PK\x05\x06") > 1:
            raise _refuse("CORRUPT")  # two end records: readers could disagree on the contents
        with zipfile.ZipFile(io.BytesIO(data)) as zf:  # any error becomes CORRUPT in preflight()
            self.infos = zf.infolist()
        if len(self.infos) > limits.max_zip_entries:
            raise _refuse("TOO_MANY_PARTS", count=len(self.infos), limit=limits.max_zip_entries)
        self.by_norm: dict[str, zipfile.ZipInfo] = {}
        for info in self.infos:
            key = _norm(info.filename)
            if key in self.by_norm:
                raise _refuse("CORRUPT")  # duplicate names: readers could pick different ones
            self.by_norm[key] = info

    def chunks(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        """Inflate one entry in chunks; refuses an entry whose stream disagrees with its header."""
        if info.flag_bits & 0x1:
            raise _refuse("ENCRYPTED")
        data = self.data
        start = info.header_offset
        if start < 0 or start + 30 > len(data) or data[start : start + 4] != b"PK\x03\x04":
            raise _refuse("CORRUPT")
        name_len, extra_len = struct.unpack_from("<HH", data, start + 26)
        begin = start + 30 + name_len + extra_len
        end = begin + info.compress_size
        if end > len(data):
            raise _refuse("CORRUPT")
        compressed = self.view[begin:end]
        produced = 0
        crc = 0
        if info.compress_type == zipfile.ZIP_STORED:
            if info.compress_size != info.file_size:
                raise _refuse("CORRUPT")
            for pos in range(0, len(compressed), _CHUNK):
                piece = bytes(compressed[pos : pos + _CHUNK])
                produced += len(piece)
                crc = zlib.crc32(piece, crc)
                self._count(len(piece))
                yield piece
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            inflater = zlib.decompressobj(-15)
            pos = 0
            try:
                while not inflater.eof:
                    if inflater.unconsumed_tail:
                        piece = inflater.decompress(inflater.unconsumed_tail, _CHUNK)
                    elif pos < len(compressed):
                        piece = inflater.decompress(compressed[pos : pos + 256 * 1024], _CHUNK)
                        pos += 256 * 1024
                    else:
                        piece = inflater.decompress(b"", _CHUNK)
                        if not piece:
                            break
                    if piece:
                        produced += len(piece)
                        if produced > info.file_size:
                            raise _refuse("CORRUPT")  # the stream is longer than the directory says
                        crc = zlib.crc32(piece, crc)
                        self._count(len(piece))
                        yield piece
            except zlib.error:
                raise _refuse("CORRUPT") from None
            if not inflater.eof:
                raise _refuse("CORRUPT")
        else:
            raise _refuse("CORRUPT")  # compression methods Excel never writes
        if produced != info.file_size or crc != info.CRC:
            raise _refuse("CORRUPT")

    def _count(self, n: int) -> None:
        self.inflated += n
        if self.inflated > self.limits.max_uncompressed:
            raise _refuse(
                "UNCOMPRESSED_TOO_LARGE", size=_size(self.inflated), limit=_size(self.limits.max_uncompressed)
            )

    def read_small(self, info: zipfile.ZipInfo, cap: int = 16 * 1024 * 1024) -> bytes:
        if info.file_size > cap:
            raise _refuse("CORRUPT")
        return b"".join(self.chunks(info))


def _sniff(first: bytes) -> str:
    """'xml', 'wide' (UTF-16/32 XML, which a byte search cannot check) or 'other'."""
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or first[:4] in (
        b"<\x00?\x00",
        b"\x00<\x00?",
        b"<\x00\x00\x00",
        b"\x00\x00\x00<",
    ):
        return "wide"
    if first.startswith(codecs.BOM_UTF8):
        first = first[3:]
    first = first.lstrip(_XML_WS)
    if first.startswith((b"<\x00", b"\x00<")):
        return "wide"
    return "xml" if first.startswith(b"<") else "other"


def _check_encoding(first: bytes) -> None:
    if first.startswith(codecs.BOM_UTF8):
        first = first[3:]
    m = _XML_DECL_ENCODING.match(first[:512])
    if m:
        encoding = m.group(1).decode("ascii", "replace").strip().lower()
        if encoding not in _XML_OK_ENCODINGS:
            raise _refuse("XML_UNSUPPORTED", detail=_text("detail.encoding", encoding=encoding[:20]))


def _check_xlsx(data: bytes, filename: str, limits: Limits) -> None:
    z = _Zip(data, limits)
    names = z.by_norm
    if "[content_types].xml" not in names or "xl/workbook.xml" not in names:
        raise _refuse("NOT_WORKBOOK", filename=filename, what=_what_zip(z))
    for key in names:
        if key.endswith("vbaproject.bin") or key.startswith("xl/macrosheets/"):
            raise _refuse("MACRO")
    if any(info.flag_bits & 0x1 for info in z.infos):
        raise _refuse("ENCRYPTED")
    total = sum(info.file_size for info in z.infos)
    if total > limits.max_uncompressed:
        raise _refuse("UNCOMPRESSED_TOO_LARGE", size=_size(total), limit=_size(limits.max_uncompressed))
    for info in z.infos:
        if info.file_size > 1024 * 1024 and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise _refuse(
                "COMPRESSION_RATIO",
                part=info.filename,
                ratio=int(info.file_size / max(info.compress_size, 1)),
                limit=int(limits.max_ratio),
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _refuse("CORRUPT")

    # The parts that say which entries are worksheets. Read whole (they are small) after the DTD check.
    structure: dict[str, bytes] = {}
    for key in ("[content_types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
        if key in names:
            raw = z.read_small(names[key])
            _check_xml_part(raw, strict=False)
            structure[key] = raw
    content_types = structure["[content_types].xml"]
    lowered = content_types.lower()
    if b"macroenabled" in lowered or b"vbaproject" in lowered or b"macrosheet" in lowered:
        raise _refuse("MACRO")

    sheets: dict[str, str] = {}  # normalised part name -> sheet name for messages
    shared: set[str] = {"xl/sharedstrings.xml"}
    rels: dict[str, tuple[str, str]] = {}
    for m in _REL_EL.finditer(structure.get("xl/_rels/workbook.xml.rels", b"")):
        a = _attrs(m.group(1))
        if a.get("TargetMode", "").lower() == "external":
            continue
        rels[a.get("Id", "")] = (a.get("Type", ""), a.get("Target", ""))
    labels: dict[str, str] = {}
    for m in _SHEET_EL.finditer(structure["xl/workbook.xml"]):
        a = _attrs(m.group(1))
        rid = next((v for k, v in a.items() if k == "id" or k.endswith(":id")), "")
        if rid:
            labels[rid] = a.get("name", "")
    for rid, (rel_type, target) in rels.items():
        kind = rel_type.rsplit("/", 1)[-1].lower()
        if kind in ("worksheet", "dialogsheet"):
            for part in _resolve("xl", target):
                sheets[part] = labels.get(rid) or target
        elif kind == "sharedstrings":
            shared |= _resolve("xl", target)
        elif kind in ("xlmacrosheet", "xlintlmacrosheet"):
            raise _refuse("MACRO")
    for m in _OVERRIDE_EL.finditer(content_types):
        a = _attrs(m.group(1))
        ctype = a.get("ContentType", "").lower()
        if "worksheet+xml" in ctype or "dialogsheet+xml" in ctype:
            part = _norm(a.get("PartName", ""))
            sheets.setdefault(part, part)
    for key in names:
        if key.startswith("xl/worksheets/") and key.endswith(".xml") and "/_rels/" not in key:
            sheets.setdefault(key, key.rsplit("/", 1)[-1])

    for info in z.infos:
        key = _norm(info.filename)
        if key in structure or key.endswith("/"):
            continue
        if key in sheets:
            _scan_sheet(z, info, sheets[key], limits)
        else:
            _scan_part(z, info, limits, shared=key in shared)


def _check_xml_part(raw: bytes, strict: bool) -> None:
    kind = _sniff(raw[:64])
    if kind == "wide":
        raise _refuse("XML_UNSUPPORTED", detail=_text("detail.encoding", encoding="UTF-16"))
    if kind == "xml":
        _check_encoding(raw)
        markup = _Markup(strict)
        markup.feed(raw)
        markup.finish()


def _scan_part(z: _Zip, info: zipfile.ZipInfo, limits: Limits, shared: bool) -> None:
    """Any part other than a worksheet: refuse DTDs (and over-long shared strings); skip binaries."""
    chunks = z.chunks(info)
    try:
        first = _head(chunks)
        kind = _sniff(first)
        if kind == "wide":
            raise _refuse("XML_UNSUPPORTED", detail=_text("detail.encoding", encoding="UTF-16"))
        if kind != "xml":
            if shared and info.file_size:
                raise _refuse("CORRUPT")
            return  # images, printer settings, embedded objects: no XML parser reads them
        _check_encoding(first)
        markup = _Markup(strict=False)
        text = _TextRuns(limits.max_cell_chars, _text("where.file")) if shared else None
        for chunk in _chain(first, chunks):
            markup.feed(chunk)
            if text:
                text.feed(chunk)
        markup.finish()
        if text:
            text.finish()
    finally:
        chunks.close()


def _scan_sheet(z: _Zip, info: zipfile.ZipInfo, sheet: str, limits: Limits) -> None:
    chunks = z.chunks(info)
    try:
        first = _head(chunks)
        kind = _sniff(first)
        if kind == "wide":
            raise _refuse("XML_UNSUPPORTED", detail=_text("detail.encoding", encoding="UTF-16"))
        if kind != "xml":
            raise _refuse("CORRUPT")
        _check_encoding(first)
        scan = _SheetScan(sheet, limits, info.file_size)
        for chunk in _chain(first, chunks):
            if not scan.feed(chunk):
                break
        scan.finish()
    finally:
        chunks.close()


def _head(chunks: Iterator[bytes], size: int = 512) -> bytes:
    """At least the first size bytes (fewer only at the end), to recognise the part."""
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) >= size:
            break
    return head


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest


def _what_zip(z: _Zip) -> str:
    names = z.by_norm
    if "word/document.xml" in names:
        return _text("kind.docx")
    if "ppt/presentation.xml" in names:
        return _text("kind.pptx")
    if "xl/workbook.bin" in names:
        return _text("kind.xlsb")
    if "xl/workbook.xml" in names:
        return _text("kind.xlsx_incomplete")
    if "mimetype" in names:
        info = names["mimetype"]
        mime = b""
        if info.file_size <= 200:
            try:
                mime = z.read_small(info)
            except Refused:
                mime = b""
        if b"spreadsheet" in mime:
            return _text("kind.ods")
        return _text("kind.odf")
    return _text("kind.zip")


# ---------------------------------------------------------------------------------------------
# OLE / CFB and BIFF (.xls)

_END = 0xFFFFFFFE  # ENDOFCHAIN
_FREE = 0xFFFFFFFF  # FREESECT


class _Cfb:
    """Just enough of [MS-CFB] to list the directory and read streams.

    calamine trusts the container: header counts and directory sizes go straight into
    ``Vec::with_capacity`` and sector chains are followed without loop detection, so a damaged
    header aborts the process. Every count, size and chain calamine uses is checked here first.
    """

    def __init__(self, data: bytes):
        if len(data) < 512:
            raise _refuse("CORRUPT")
        _major, byte_order, sector_shift, mini_shift = struct.unpack_from("<HHHH", data, 26)
        n_dir, n_fat, first_dir, _tx, cutoff, first_minifat, n_minifat, first_difat, n_difat = (
            struct.unpack_from("<9I", data, 40)
        )
        # A cutoff other than 4096 would let readers disagree on where small streams live.
        if byte_order != 0xFFFE or sector_shift not in (9, 12) or mini_shift != 6 or cutoff != 4096:
            raise _refuse("CORRUPT")
        self.data = data
        self.size = 1 << sector_shift
        self.count = (len(data) - self.size) // self.size  # whole sectors only: calamine panics
        # on a sector cut short by a truncated upload
        if self.count <= 0 or max(n_dir, n_fat, n_minifat, n_difat) > self.count:
            raise _refuse("CORRUPT")
        # The DIFAT: 109 entries in the header, then a chain of DIFAT sectors (which calamine
        # follows until FREESECT/ENDOFCHAIN without counting). Every listed FAT sector is used.
        difat = list(struct.unpack_from("<109I", data, 76))
        sector = first_difat
        per = self.size // 4
        for _ in range(n_difat + 1):
            if sector in (_FREE, _END):
                break
            ints = struct.unpack_from(f"<{per}I", self._sector(sector))
            difat.extend(ints[:-1])
            sector = ints[-1]
        else:
            raise _refuse("CORRUPT")  # longer than declared, or a loop
        fat_sectors = [s for s in difat if s != _FREE]
        if len(fat_sectors) > self.count + 109:  # each listed sector is read into the FAT
            raise _refuse("CORRUPT")
        self.fat = self._table(b"".join(self._sector(s) for s in fat_sectors))
        directory = self._read_chain(first_dir, self.fat, False, None)
        self.entries: list[tuple[str, int, int]] = []  # every slot, used or not, as calamine lists them
        for pos in range(0, len(directory) - 127, 128):
            raw = directory[pos : pos + 128]
            name_len = struct.unpack_from("<H", raw, 64)[0]
            name = raw[: max(0, min(name_len, 64) - 2)].decode("utf-16-le", "replace")
            start = struct.unpack_from("<I", raw, 116)[0]
            size = struct.unpack_from("<I" if self.size == 512 else "<Q", raw, 120)[0]
            if size > len(data):
                raise _refuse("CORRUPT")  # calamine reserves this much before reading
            self.entries.append((name, start, size))
        if not self.entries:
            raise _refuse("CORRUPT")
        _root_name, root_start, root_size = self.entries[0]
        self.mini = self._read_chain(root_start, self.fat, False, root_size)
        self.minifat = self._table(self._read_chain(first_minifat, self.fat, False, None))

    @staticmethod
    def _table(raw: bytes) -> tuple[int, ...]:
        return struct.unpack(f"<{len(raw) // 4}I", raw[: len(raw) // 4 * 4])

    def _sector(self, n: int) -> bytes:
        if n >= self.count:
            raise _refuse("CORRUPT")
        offset = (n + 1) * self.size
        return self.data[offset : offset + self.size]

    def _mini_sector(self, n: int) -> bytes:
        if (n + 1) * 64 > len(self.mini):
            raise _refuse("CORRUPT")
        return self.mini[n * 64 : n * 64 + 64]

    def _read_chain(self, start: int, table: tuple[int, ...], mini: bool, size: int | None) -> bytes:
        """Follow a chain to ENDOFCHAIN; anything else (a loop, a free or missing sector) is refused."""
        read = self._mini_sector if mini else self._sector
        parts = []
        sector = start
        while sector != _END:
            if sector >= len(table) or len(parts) >= len(table):
                raise _refuse("CORRUPT")
            parts.append(read(sector))
            sector = table[sector]
        out = b"".join(parts)
        return out if size is None else out[:size]

    def streams(self, name: str) -> list[bytes]:
        """Every stream whose name matches, ignoring case (readers differ on case)."""
        found = []
        for entry_name, start, size in self.entries:
            if entry_name.lower() == name.lower():
                if size >= 4096:
                    found.append(self._read_chain(start, self.fat, False, size))
                else:
                    found.append(self._read_chain(start, self.minifat, True, size))
        return found


_BIFF_CELLS = frozenset({0x0006, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6, 0x0206, 0x0406})
_BIFF_MUL = frozenset({0x00BD, 0x00BE})  # MULRK, MULBLANK: row, first col, ..., last col
_BOF, _EOF, _FILEPASS, _BOUNDSHEET, _DIMENSIONS, _MERGECELLS, _SST = (
    0x0809,
    0x000A,
    0x002F,
    0x0085,
    0x0200,
    0x00E5,
    0x00FC,
)
_BOFS = frozenset({_BOF, 0x0209, 0x0409, 0x0009})


def _check_ole(data: bytes, filename: str, limits: Limits) -> None:
    try:
        cfb = _Cfb(data)
        names = {name.lower() for name, _start, _size in cfb.entries}
        if "encryptioninfo" in names or "encryptedpackage" in names:
            raise _refuse("ENCRYPTED")
        streams = cfb.streams("Workbook") + cfb.streams("Book")
        if not streams:
            if "worddocument" in names:
                what = _text("kind.doc")
            elif "powerpoint document" in names:
                what = _text("kind.ppt")
            else:
                what = _text("kind.ole")
            raise _refuse("NOT_WORKBOOK", filename=filename, what=what)
        for stream in streams:
            _check_biff(stream, limits)
    except Refused:
        raise
    except Exception:  # a hostile container must fail closed, whatever broke
        raise _refuse("CORRUPT") from None


_HH = struct.Struct("<HH").unpack_from


def _check_biff(stream: bytes, limits: Limits) -> None:
    """Bound every sheet of a BIFF5/8 workbook stream: walked in order, and from each BOUNDSHEET offset."""
    n = len(stream)
    unpack = struct.unpack_from
    if n < 8 or unpack("<H", stream, 0)[0] not in _BOFS:
        raise _refuse("CORRUPT")
    biff8 = unpack("<H", stream, 4)[0] == 0x0600
    sheets: dict[int, str] = {}
    pos = 0
    while pos + 4 <= n:
        rt, length = _HH(stream, pos)
        body = pos + 4
        pos = body + length
        if rt == _FILEPASS:
            raise _refuse("ENCRYPTED")
        if rt == _BOUNDSHEET and length >= 7:
            offset = unpack("<I", stream, body)[0]
            if biff8 and length >= 8:
                cch, flags = stream[body + 6], stream[body + 7]
                raw = stream[body + 8 : body + 8 + cch * (2 if flags & 1 else 1)]
                name = raw.decode("utf-16-le" if flags & 1 else "latin-1", "replace")
            else:
                cch = stream[body + 6]
                name = stream[body + 7 : body + 7 + cch].decode("gbk", "replace")
            if offset > n:
                raise _refuse("CORRUPT")
            sheets.setdefault(offset, name or _text("sheet.nth", n=len(sheets) + 1))
        elif rt == _SST and length >= 8:
            # calamine reserves one String per declared entry; each takes at least 3 bytes
            unique = unpack("<i", stream, body + 4)[0]
            if unique < 0 or unique > n // 3:
                raise _refuse("CORRUPT")
        elif rt == _EOF:
            break
    walked: set[int] = set()
    budget = n // 4 + 64  # records; sheets that overlap each other would walk the stream many times
    while pos + 4 <= n:  # the substreams in file order
        if _HH(stream, pos)[0] in _BOFS:
            walked.add(pos)
            extent = _Extent(sheets.get(pos) or _text("sheet.nth", n=len(walked)), limits)
            pos, steps = _check_biff_sheet(stream, pos, extent)
            budget -= steps
        else:
            pos += 4 + _HH(stream, pos)[1]
            budget -= 1
    for offset, name in sheets.items():  # a BOUNDSHEET pointing anywhere else is read there too
        if offset not in walked:
            if budget < 0:
                raise _refuse("CORRUPT")
            budget -= _check_biff_sheet(stream, offset, _Extent(name, limits))[1]


def _check_biff_sheet(stream: bytes, pos: int, extent: _Extent) -> tuple[int, int]:
    """Walk one substream from its BOF to the matching EOF; return the position after it and the
    number of records walked."""
    n = len(stream)
    hh = _HH
    cells, muls = _BIFF_CELLS, _BIFF_MUL
    max_rows, max_cols = extent.limits.max_sheet_rows, extent.limits.max_sheet_cols
    depth = 0
    steps = 0
    while pos + 4 <= n:
        steps += 1
        rt, length = hh(stream, pos)
        body = pos + 4
        pos = body + length
        if rt in cells:
            if length >= 4:
                row, col = hh(stream, body)
                if row >= max_rows or col >= max_cols:
                    extent.see(row + 1, col + 1)
        elif rt in muls and length >= 6:
            row, first = hh(stream, body)
            last = hh(stream, body + length - 4)[1]
            extent.see(row + 1, max(first, last) + 1)
        elif rt == _DIMENSIONS and length in (10, 14):  # the only sizes calamine reads
            layout = "<IIHH" if length == 14 else "<HHHH"
            first_row, end_row, first_col, end_col = struct.unpack_from(layout, stream, body)
            # calamine reserves (end - first) rows x columns: first past end wraps around to ~2^32
            if (end_row and first_row >= end_row) or (end_col and first_col >= end_col):
                raise _refuse("CORRUPT")
            extent.see(end_row, end_col)  # one past the last used row/column = their count
        elif rt == _MERGECELLS and length >= 2:
            count = min(hh(stream, body)[0], (length - 2) // 8)
            for i in range(count):
                _r1, r2, _c1, c2 = struct.unpack_from("<HHHH", stream, body + 2 + 8 * i)
                extent.see(r2 + 1, c2 + 1)
        elif rt in _BOFS:
            depth += 1  # charts embedded in a sheet bring their own BOF/EOF
        elif rt == _EOF:
            depth -= 1
            if depth <= 0:
                break
    if extent.broken:
        raise extent.refusal()
    return pos, steps
