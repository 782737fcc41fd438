"""Streaming checks on worksheet and other XML parts of an .xlsx, on bytes, never with an XML parser.

calamine allocates the whole span of a sheet's cells: a value at A1 and one at XFD1048576 make it ask
for 512 GiB and the process aborts. So every ``<c r>``/``<row r>`` and every
``<dimension>``/``<mergeCell>``/``<f ref>`` range is bounded. One bytes regex per chunk clears the
ordinary values in C; only the rare doubtful ones reach Python. Cells without ``r`` get their place by
counting, emulating both calamine's and openpyxl's counting (``_exact_positions``). DTDs are refused
in every part; worksheets must also be free of comments, CDATA and late processing instructions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from selfeval.readers.limits import Extent as _Extent
from selfeval.readers.limits import Limits, Refused
from selfeval.readers.limits import phrase as _text
from selfeval.readers.limits import refuse as _refuse


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
    """Each check on a sheet's r/ref values as a cheap search (a superset of what it must find, cleared
    with literals only: a plain r="A1" costs no whitespace loop) and the exact pattern that its
    rare hits are matched against where they stand."""

    r_near: re.Pattern[bytes]
    r_attr: re.Pattern[bytes]
    ref_near: re.Pattern[bytes]
    ref_attr: re.Pattern[bytes]


@lru_cache(maxsize=8)
def _sheet_regexes(max_rows: int, max_cols: int) -> _SheetRegexes:
    row = _le_number(max_rows)
    col = _le_column(max_cols)
    cell = col + row
    r_ok = rb"(?:" + col + rb")?" + row + rb"[\"']"
    ref_ok = cell + rb"(?::" + cell + rb")?[\"']"
    # An r="..." whose value is not certainly inside the limits (the few matches go to Python, where
    # lower case or leading zeros are read as calamine/openpyxl would read them).
    return _SheetRegexes(
        r_near=re.compile(rb"r(?=[\s=])(?!=[\"']" + r_ok + rb")"),
        r_attr=re.compile(rb"r\s*=\s*([\"'])(?!" + r_ok + rb")"),
        ref_near=re.compile(rb"ref(?=[\s=])(?!=[\"']" + ref_ok + rb")"),
        ref_attr=re.compile(rb"ref\s*=\s*([\"'])(?!" + ref_ok + rb")"),
    )


_RLESS_C = re.compile(rb"<c" + _NOT_R_ATTR)
_RLESS_ROW = re.compile(rb"<row" + _NOT_R_ATTR)
# Where those can match, in one search: a <c>/<row> tag whose first attribute is not r (no "<c r=" is
# one, cleared with literals only; the few hits are matched exactly where they stand).
_TAG_NEAR = re.compile(rb"<(?:c|row)(?=[\s/>])(?! r=)")
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
        buf = self.tail + chunk if self.tail else chunk
        base = self.offset - len(self.tail)
        self.offset += len(chunk)
        if self.start is None:
            lt = buf.find(b"<")
            if lt >= 0:
                self.start = base + lt
        keep = max(0, len(buf) - 16)  # a '<!' split by the chunk boundary is seen next time
        for at in _markups(buf):
            if _DTD_WORD.match(buf, at):
                raise _refuse("XML_DTD")
            if len(buf) - at < 12 and not final:
                keep = min(keep, at)  # could still become <!DOCTYPE: decide with more bytes
                break
            if not self.strict:
                continue
            if buf[at + 1 : at + 2] == b"?" and base + at == self.start:
                continue
            raise _refuse("XML_UNSUPPORTED", detail=_text("detail.markup"))
        self.tail = buf[keep:]

    def finish(self) -> None:
        self.offset -= len(self.tail)
        tail, self.tail = self.tail, b""
        self.feed(tail, final=True)


_MEMCHR_HITS = 32  # '!' and '?' looked at one by one before the regex takes over


def _markups(buf: bytes) -> Iterator[int]:
    """Where each '<!' or '<?' starts in buf, in order: what _MARKUP.finditer finds, but at C speed
    for XML. '!' and '?' are rare (a declaration, a formula's Sheet1!A1), so memchr finds them and
    only their preceding byte is looked at; the regex scan (one attempt per '<', the commonest byte)
    takes over after _MEMCHR_HITS of them, from the first one not yet looked at."""
    bang, question = buf.find(b"!"), buf.find(b"?")
    for _ in range(_MEMCHR_HITS):
        hit = bang if question < 0 or 0 <= bang < question else question
        if hit < 0:
            return
        if hit and buf[hit - 1] == 0x3C:  # '<'
            yield hit - 1
        if hit == bang:
            bang = buf.find(b"!", hit + 1)
        else:
            question = buf.find(b"?", hit + 1)
    hit = bang if question < 0 or 0 <= bang < question else question
    if hit >= 0:
        for m in _MARKUP.finditer(buf, max(hit - 1, 0)):
            yield m.start()


def _has_dtd(whole: bytes) -> bool:
    """What _Markup(strict=False) refuses, for a part held whole: a DTD word after some '<!'."""
    return any(_DTD_WORD.match(whole, at) for at in _markups(whole))


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
        if not self.rless and _rless(buf):
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
        rx = self.rx
        for near, exact, is_ref in ((rx.r_near, rx.r_attr, False), (rx.ref_near, rx.ref_attr, True)):
            for hit in near.finditer(buf):
                m = exact.match(buf, hit.start())
                if m is None:
                    continue  # an odd spacing around a value that is inside the limits
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


def _rless(buf: bytes) -> bool:
    """Whether a <c> or <row> tag (prefixed or not) lacks r: _RLESS_C/_RLESS_ROW match only where
    _TAG_NEAR hits, _RLESS_PREFIXED only where _HAS_PREFIXED does."""
    for hit in _TAG_NEAR.finditer(buf):
        at = hit.start()
        if (_RLESS_C if buf[at + 1] == 0x63 else _RLESS_ROW).match(buf, at):  # 0x63: "<c"
            return True
    return _HAS_PREFIXED.search(buf) is not None and _RLESS_PREFIXED.search(buf) is not None


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
