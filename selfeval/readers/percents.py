"""Which cells of a workbook carry a percent number format, for the workbook reader (readers/excel.py).

calamine gives values, not how they are shown: a cell shown as 98.63% reads as 0.9863, and calamine
exposes no number formats. So for xlsx we learn which cells carry a percent format from
``xl/styles.xml`` (cellXfs + numFmts) and the sheets' ``s="…"`` attributes — skipped at once when no
format in the workbook can be a percent; for .xls (BIFF8) the same from the XF and FORMAT records of the
Workbook stream. Gaps: BIFF5 (Excel 95) .xls and .ods lose the % sign.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile

from defusedxml import ElementTree

from selfeval.readers.ole import workbook_stream
from selfeval.readers.zipxml import _REL_EL as REL_EL
from selfeval.readers.zipxml import _SHEET_EL as SHEET_EL
from selfeval.readers.zipxml import _attrs as attrs
from selfeval.readers.zipxml import _norm as fold

Position = tuple[int, int]  # 0-based (row, col), as calamine counts


def percent_cells(
    data: bytes, kind: str, parts: dict[str, bytes] | None = None
) -> dict[str, frozenset[Position]]:
    """Sheet name -> cells whose number format is a percent; empty when unknown (never raises).
    parts: the .xlsx parts preflight already inflated (``preflight.inspect``), so nothing is unzipped again."""
    try:
        if kind == "xlsx":
            return _xlsx_percent_cells(_Parts(data, parts))
        if kind == "xls":
            return _xls_percent_cells(data)
    except Exception:  # a styles pass that fails only loses the % sign, never the read
        return {}
    return {}


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
