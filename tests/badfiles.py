"""A corpus of hostile, broken and valid uploads, built in memory (no committed binaries).

Every generator returns ``(filename, data)``. ``CORPUS`` pairs each generator with what preflight must
answer: a Kind ("xlsx", "xls", "text") or a refusal code. The file names deliberately lie about the
content (a PNG called .xlsx) because preflight decides by content. Reuse the corpus for end-to-end
tests (import, store, export): every file must either be refused with that code or read cleanly.

Some refused files are real process killers - a1_and_xfd, xls_inverted_dimensions and
ole_difat_loop make python-calamine abort the interpreter - so never hand a refused file to a
parser in the test process. Large ones (zip_bomb, ratio_bomb) are cached after the first call.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable
from functools import lru_cache

import openpyxl
import xlwt

Generator = Callable[[], tuple[str, bytes]]

# ---------------------------------------------------------------------------------------------
# OOXML building blocks

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_WS_TYPE = _REL_NS + "/worksheet"
_SST_TYPE = _REL_NS + "/sharedStrings"
_MAIN_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_MACRO_CT = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_WS_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_SST_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _sheet_xml(rows: str, dimension: str = "A1", extra: str = "") -> bytes:
    return (
        f'{_DECL}<worksheet xmlns="{_NS}" xmlns:r="{_REL_NS}"><dimension ref="{dimension}"/>'
        f"<sheetData>{rows}</sheetData>{extra}</worksheet>"
    ).encode()


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _package(
    sheets: list[tuple[str, str, bytes | Iterable[bytes]]],
    *,
    main_ct: str = _MAIN_CT,
    shared_strings: bytes | None = None,
    extra_parts: dict[str, bytes] | None = None,
    workbook_xml: bytes | None = None,
) -> bytes:
    """A minimal xlsx: sheets are (name, part path under the package, XML bytes or chunks)."""
    overrides = [f'<Override PartName="/xl/workbook.xml" ContentType="{main_ct}"/>']
    rels = []
    sheet_els = []
    for i, (name, path, _xml) in enumerate(sheets, 1):
        overrides.append(f'<Override PartName="/{path}" ContentType="{_WS_CT}"/>')
        target = path[3:] if path.startswith("xl/") else "/" + path
        rels.append(f'<Relationship Id="rId{i}" Type="{_WS_TYPE}" Target="{target}"/>')
        sheet_els.append(f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>')
    if shared_strings is not None:
        overrides.append(f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_SST_CT}"/>')
        rels.append(
            f'<Relationship Id="rId{len(sheets) + 1}" Type="{_SST_TYPE}" Target="sharedStrings.xml"/>'
        )
    content_types = (
        f'{_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>' + "".join(overrides) + "</Types>"
    )
    root_rels = (
        f'{_DECL}<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
        f'Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    workbook = (
        workbook_xml
        or (
            f'{_DECL}<workbook xmlns="{_NS}" xmlns:r="{_REL_NS}"><sheets>{"".join(sheet_els)}</sheets></workbook>'
        ).encode()
    )
    wb_rels = f'{_DECL}<Relationships xmlns="{_PKG_REL}">{"".join(rels)}</Relationships>'
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", content_types)
        z.writestr("_rels/.rels", root_rels)
        z.writestr("xl/workbook.xml", workbook)
        z.writestr("xl/_rels/workbook.xml.rels", wb_rels)
        for _name, path, xml in sheets:
            if isinstance(xml, bytes):
                z.writestr(path, xml)
            else:
                with z.open(path, "w") as part:
                    for chunk in xml:
                        part.write(chunk)
        if shared_strings is not None:
            z.writestr("xl/sharedStrings.xml", shared_strings)
        for path, data in (extra_parts or {}).items():
            z.writestr(path, data)
    return out.getvalue()


def _one_sheet(xml: bytes | Iterable[bytes], name: str = "Sheet1", **kw) -> bytes:
    return _package([(name, "xl/worksheets/sheet1.xml", xml)], **kw)


def _raw_zip(entries: list[tuple[str, int, bytes, int, int]]) -> bytes:
    """A zip written by hand: (name, method, stored bytes, crc, declared uncompressed size)."""
    out = io.BytesIO()
    central = []
    for name, method, payload, crc, size in entries:
        raw_name = name.encode()
        offset = out.tell()
        out.write(
            struct.pack(
                "<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, crc, len(payload), size, len(raw_name), 0
            )
        )
        out.write(raw_name)
        out.write(payload)
        central.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                method,
                0,
                0,
                crc,
                len(payload),
                size,
                len(raw_name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + raw_name
        )
    start = out.tell()
    for record in central:
        out.write(record)
    out.write(
        struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start, start, 0)
    )
    return out.getvalue()


def _deflated(data: bytes) -> tuple[int, bytes, int, int]:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return zipfile.ZIP_DEFLATED, c.compress(data) + c.flush(), zlib.crc32(data), len(data)


def _deflate_repeated(head: bytes, block: bytes, count: int, tail: bytes) -> tuple[int, bytes, int, int]:
    """Deflate head + block * count + tail without ever holding it: full flushes make the block's
    compressed segment self-contained, so it can simply be repeated."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    segment = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    last = c.compress(tail) + c.flush()
    crc = zlib.crc32(head)
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    return (
        zipfile.ZIP_DEFLATED,
        first + segment * count + last,
        crc,
        len(head) + len(block) * count + len(tail),
    )


def _package_parts(sheet_entry: tuple[int, bytes, int, int]) -> list[tuple[str, int, bytes, int, int]]:
    """The parts of a one-sheet package around a pre-compressed sheet, for _raw_zip."""
    template = zipfile.ZipFile(io.BytesIO(_one_sheet(_sheet_xml(""))))
    entries = []
    for info in template.infolist():
        if info.filename == "xl/worksheets/sheet1.xml":
            entries.append((info.filename, *sheet_entry))
        else:
            entries.append((info.filename, *_deflated(template.read(info.filename))))
    return entries


def _rows_block(first_row: int, count: int) -> bytes:
    return "".join(
        f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><v>1.5</v></c><c r="C{r}" t="inlineStr"><is><t>项目</t></is></c></row>'
        for r in range(first_row, first_row + count)
    ).encode()


# ---------------------------------------------------------------------------------------------
# OLE / CFB building blocks

_NOSTREAM = 0xFFFFFFFF
_ENDOFCHAIN = 0xFFFFFFFE
_FATSECT = 0xFFFFFFFD
_FREESECT = 0xFFFFFFFF


def _cfb(streams: dict[str, bytes]) -> bytes:
    """A version-3 compound file with the streams under the root; small streams go to the mini stream."""
    sector = 512
    big = {n: d for n, d in streams.items() if len(d) >= 4096}
    small = {n: d for n, d in streams.items() if len(d) < 4096}
    fat: list[int] = []
    body = bytearray()

    def place(data: bytes) -> int:
        if not data:
            return _ENDOFCHAIN
        start = len(fat)
        count = (len(data) + sector - 1) // sector
        for i in range(count):
            fat.append(start + i + 1 if i < count - 1 else _ENDOFCHAIN)
        body.extend(data.ljust(count * sector, b"\x00"))
        return start

    starts: dict[str, tuple[int, int]] = {}
    for name, data in big.items():
        starts[name] = (place(data), len(data))
    mini = bytearray()
    minifat: list[int] = []
    for name, data in small.items():
        first = len(minifat)
        count = max(1, (len(data) + 63) // 64)
        for i in range(count):
            minifat.append(first + i + 1 if i < count - 1 else _ENDOFCHAIN)
        mini.extend(data.ljust(count * 64, b"\x00"))
        starts[name] = (first if data else _ENDOFCHAIN, len(data))
    root_start = place(bytes(mini))
    minifat_start = place(b"".join(struct.pack("<I", x) for x in minifat)) if minifat else _ENDOFCHAIN
    minifat_count = (len(minifat) * 4 + sector - 1) // sector

    def entry(
        name: str, kind: int, start: int, size: int, child: int = _NOSTREAM, right: int = _NOSTREAM
    ) -> bytes:
        raw = name.encode("utf-16-le")
        return (
            raw.ljust(64, b"\x00")
            + struct.pack("<HBBIII", len(raw) + 2, kind, 1, _NOSTREAM, right, child)
            + b"\x00" * 16
            + struct.pack("<IQQIQ", 0, 0, 0, start, size)
        )

    names = list(streams)
    directory = [entry("Root Entry", 5, root_start, len(mini), child=1 if names else _NOSTREAM)]
    for i, name in enumerate(names):
        start, size = starts[name]
        directory.append(entry(name, 2, start, size, right=i + 2 if i + 1 < len(names) else _NOSTREAM))
    while len(directory) % 4:
        directory.append(
            b"\x00" * 64 + struct.pack("<HBBIII", 0, 0, 0, _NOSTREAM, _NOSTREAM, _NOSTREAM) + b"\x00" * 48
        )
    dir_start = place(b"".join(directory))
    n_fat = 1
    while (len(fat) + n_fat) > n_fat * (sector // 4):
        n_fat += 1
    fat_start = len(fat)
    fat.extend([_FATSECT] * n_fat)
    fat.extend([_FREESECT] * (n_fat * (sector // 4) - len(fat)))
    body.extend(b"".join(struct.pack("<I", x) for x in fat))
    if n_fat > 109:
        raise ValueError("this builder keeps the FAT in the header DIFAT: at most ~6.8 MiB of streams")
    difat = list(range(fat_start, fat_start + n_fat)) + [_FREESECT] * (109 - n_fat)
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack(
            "<IIIIIIIII", 0, n_fat, dir_start, 0, 4096, minifat_start, minifat_count, _ENDOFCHAIN, 0
        )
        + struct.pack("<109I", *difat)
    )
    return header + bytes(body)


def _rec(rtype: int, body: bytes) -> bytes:
    return struct.pack("<HH", rtype, len(body)) + body


def _biff8(
    cells: list[tuple[int, int, float]],
    *,
    encrypted: bool = False,
    sheet: str = "Sheet1",
    dimensions: tuple[int, int, int, int] | None = None,
    merges: list[tuple[int, int, int, int]] = (),
    sst_count: int | None = None,
) -> bytes:
    """A minimal BIFF8 workbook stream: globals with one BOUNDSHEET, and one sheet of NUMBER cells.
    dimensions is (first row, row after the last, first column, column after the last)."""
    bof_globals = _rec(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x06))
    filepass = _rec(0x002F, struct.pack("<H", 0) + b"\x00" * 4) if encrypted else b""
    if sst_count is not None:  # an empty shared-string table that declares sst_count strings
        filepass += _rec(0x00FC, struct.pack("<ii", sst_count, sst_count))
    name = sheet.encode("utf-16-le")

    def boundsheet(offset: int) -> bytes:
        return _rec(0x0085, struct.pack("<IBBBB", offset, 0, 0, len(sheet), 1) + name)

    eof = _rec(0x000A, b"")
    globals_len = len(bof_globals) + len(filepass) + len(boundsheet(0)) + len(eof)
    first_row, rows, first_col, cols = dimensions or (
        0,
        max(r for r, _c, _v in cells) + 1,
        0,
        max(c for _r, c, _v in cells) + 1,
    )
    sheet_stream = (
        _rec(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 0x06))
        + _rec(0x0200, struct.pack("<IIHHH", first_row, rows, first_col, cols, 0))
        + b"".join(_rec(0x0203, struct.pack("<HHHd", r, c, 0, v)) for r, c, v in cells)
        + (
            _rec(0x00E5, struct.pack("<H", len(merges)) + b"".join(struct.pack("<4H", *m) for m in merges))
            if merges
            else b""
        )
        + eof
    )
    return bof_globals + filepass + boundsheet(globals_len) + eof + sheet_stream


# ---------------------------------------------------------------------------------------------
# Valid files


def valid_xlsx() -> tuple[str, bytes]:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目支出绩效自评表"
    ws["A1"] = "项目支出绩效自评表"
    ws.merge_cells("A1:H1")
    ws["A3"], ws["C3"] = "项目名称", "某某专项资金"
    ws.merge_cells("C3:H3")
    ws["A5"], ws["D5"], ws["F5"] = "年度资金总额", 100.0, 95.5
    ws["A12"], ws["E12"] = "产出指标", "≥95%"
    other = wb.create_sheet("说明")
    other["A1"] = "=SUM(1,2)"
    out = io.BytesIO()
    wb.save(out)
    return "自评表.xlsx", out.getvalue()


def valid_xls() -> tuple[str, bytes]:
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("自评表")
    ws.write_merge(0, 0, 0, 7, "项目支出绩效自评表")
    ws.write(2, 0, "项目名称")
    ws.write(2, 2, "某某专项资金")
    ws.write(4, 3, 100.0)
    ws.write(4, 5, 95.5)
    out = io.BytesIO()
    wb.save(out)
    return "自评表.xls", out.getvalue()


def valid_xlsx_cells_without_r() -> tuple[str, bytes]:
    """Legal OOXML some generators write: positions come from counting."""
    rows = "".join(
        f"<row>{''.join(f'<c><v>{r * 10 + c}</v></c>' for c in range(8))}</row>" for r in range(40)
    )
    return "无坐标.xlsx", _one_sheet(_sheet_xml(rows, "A1:H40"))


def valid_xlsx_prefixed() -> tuple[str, bytes]:
    xml = (
        f'{_DECL}<x:worksheet xmlns:x="{_NS}"><x:sheetData><x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c>'
        '<x:c r="B1"><x:v>2</x:v></x:c></x:row></x:sheetData></x:worksheet>'
    ).encode()
    return "前缀.xlsx", _one_sheet(xml)


def valid_xls_mini_stream() -> tuple[str, bytes]:
    """A hand-built .xls whose Workbook stream is small enough to live in the CFB mini stream."""
    return "小.xls", _cfb({"Workbook": _biff8([(0, 0, 1.0), (3, 2, 2.5)])})


def text_utf8() -> tuple[str, bytes]:
    return "自评表.txt", "项目名称\t某某专项资金\n年度\t2024\n产出指标\t完成率≥95%\n".encode()


def text_utf8_bom() -> tuple[str, bytes]:
    return "自评表.csv", b"\xef\xbb\xbf" + "项目名称,某某专项资金\n预算执行率,95%\n".encode()


def text_gbk() -> tuple[str, bytes]:
    return "自评表.txt", "项目名称\t某某专项资金\n年度\t2024\n产出指标\t完成率≥95%\n评价结论\t优\n".encode(
        "gbk"
    )


def text_utf16() -> tuple[str, bytes]:
    return "自评表.txt", "项目名称\t某某专项资金\r\n预算执行率\t95%\r\n".encode("utf-16")


# ---------------------------------------------------------------------------------------------
# Not what it claims to be


def empty() -> tuple[str, bytes]:
    return "空.xlsx", b""


def whitespace_only() -> tuple[str, bytes]:
    return "空白.txt", b"  \r\n\t\n  "


def too_large() -> tuple[str, bytes]:
    return "大.txt", b"a\n" * (11 * 1024 * 1024)


def random_bytes() -> tuple[str, bytes]:
    rng = random.Random(20240601)
    return "乱码.xlsx", rng.randbytes(4096)


def png_as_xlsx() -> tuple[str, bytes]:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + b"\x00" * 17
    return "截图.xlsx", png


def jpeg_as_xls() -> tuple[str, bytes]:
    return "照片.xls", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + b"\x00" * 64


def pdf_as_xls() -> tuple[str, bytes]:
    """A PDF named .xls: read as the PDF it is (one page of text that is not a form)."""
    return "自评表.xls", _pdf(_page_objects(b"BT /F1 12 Tf 72 720 Td (hello) Tj ET"))


# ---------------------------------------------------------------------------------------------
# PDF building blocks: objects numbered from 1, a correct xref table


def _pdf(objects: list[bytes], trailer: bytes = b"", version: bytes = b"1.7") -> bytes:
    out = bytearray(b"%PDF-" + version + b"\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        trailer,
        xref,
    )
    return bytes(out)


def _stream(data: bytes, extra: bytes = b"", filters: bytes = b"") -> bytes:
    head = b"<< /Length %d %s %s >>" % (len(data), b"/Filter " + filters if filters else b"", extra)
    return head + b"\nstream\n" + data + b"\nendstream"


def _page_objects(
    content: bytes, *, catalog_extra: bytes = b"", pages: int = 1, filters: bytes = b""
) -> list[bytes]:
    """Catalog (1), Pages (2), a font (3), the content stream (4), then the pages (5…)."""
    kids = b" ".join(b"%d 0 R" % (5 + k) for k in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R %s >>" % catalog_extra,
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        _stream(content, filters=filters),
    ]
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 3 0 R >> >> >>"
    return objects + [page] * pages


def pdf_encrypted() -> tuple[str, bytes]:
    """An /Encrypt dictionary (a password or permissions): refused with the reason, no password tried."""
    objects = _page_objects(b"BT /F1 12 Tf 72 720 Td (x) Tj ET")
    objects.append(b"<< /Filter /Standard /V 2 /R 3 /O <00> /U <00> /P -4 /Length 128 >>")
    return "加密.pdf", _pdf(objects, trailer=b"/Encrypt %d 0 R /ID [<00><00>]" % len(objects))


@lru_cache(maxsize=1)
def pdf_flate_bomb() -> tuple[str, bytes]:
    """A content stream of 60 MB of spaces in about 60 KB: stopped at the 50 MB bound."""
    body = zlib.compress(b" " * (60 * 1024 * 1024), 9)
    return "炸弹.pdf", _pdf(_page_objects(body, filters=b"/FlateDecode"))


@lru_cache(maxsize=1)
def pdf_ratio_bomb() -> tuple[str, bytes]:
    """4 MB of one repeated operator in a few KB (ratio ~1000): refused on the ratio."""
    body = zlib.compress(b"0 0 m " * (4 * 1024 * 1024 // 6), 9)
    return "比例炸弹.pdf", _pdf(_page_objects(body, filters=b"/FlateDecode"))


def pdf_object_stream_lie() -> tuple[str, bytes]:
    """An object stream claiming 5,000,000 objects: refused on the count before any parser sees it."""
    objects = _page_objects(b"BT ET")
    objects.append(
        _stream(zlib.compress(b"1 0 "), extra=b"/Type /ObjStm /N 5000000 /First 4", filters=b"/FlateDecode")
    )
    return "对象.pdf", _pdf(objects)


def pdf_too_many_pages() -> tuple[str, bytes]:
    return "页数.pdf", _pdf(_page_objects(b"BT ET", pages=51))


def pdf_lzw() -> tuple[str, bytes]:
    """LZW, whose output cannot be bounded without decoding it: no office program writes it for a form."""
    return "旧压缩.pdf", _pdf(_page_objects(b"\x80\x0b\x60\x50\x22\x0c\x0c\x85\x01", filters=b"/LZWDecode"))


def pdf_truncated() -> tuple[str, bytes]:
    """A PDF cut inside a stream (an interrupted download)."""
    data = _pdf(
        _page_objects(zlib.compress(b"BT /F1 12 Tf 72 720 Td (hello) Tj ET" * 50), filters=b"/FlateDecode")
    )
    return "截断.pdf", data[: data.index(b"stream") + 40]


def pdf_not_really() -> tuple[str, bytes]:
    """A %PDF header and nothing a PDF has."""
    return "假.pdf", b"%PDF-1.7\n" + b"garbage " * 100


def pdf_actions() -> tuple[str, bytes]:
    """JavaScript on open, a launch action and an embedded file: never run or opened (read as a page
    of text that is not a form)."""
    objects = _page_objects(
        b"BT /F1 12 Tf 72 720 Td (hello) Tj ET",
        catalog_extra=b"/OpenAction 6 0 R /Names << /EmbeddedFiles << /Names [(x.exe) 8 0 R] >> >>",
    )
    objects.append(
        b"<< /S /JavaScript /JS (app.alert('x'); this.exportDataObject({cName: 'x.exe', nLaunch: 2});) /Next 7 0 R >>"
    )
    objects.append(b"<< /S /Launch /F (/bin/sh) /Win << /F (cmd.exe) /P (/c calc) >> >>")
    objects.append(b"<< /Type /Filespec /F (x.exe) /EF << /F 9 0 R >> >>")
    objects.append(_stream(b"MZ" + b"\x00" * 64, extra=b"/Type /EmbeddedFile"))
    return "动作.pdf", _pdf(objects)


def pdf_image_only() -> tuple[str, bytes]:
    """A scan: one page that is a picture, no text layer."""
    image = _stream(b"\xff\xd8\xff\xe0" + b"\x00" * 200, extra=b"/Type /XObject /Subtype /Image /Width 10 /Height 10 "
                    b"/ColorSpace /DeviceGray /BitsPerComponent 8", filters=b"/DCTDecode")  # fmt: skip
    objects = _page_objects(b"q 595 0 0 842 0 0 cm /Im1 Do Q")
    objects[4] = objects[4].replace(b"/Resources << ", b"/Resources << /XObject << /Im1 6 0 R >> ")
    objects.append(image)
    return "扫描件.pdf", _pdf(objects)


def docx_like() -> tuple[str, bytes]:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            f'{_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        )
        z.writestr("_rels/.rels", f'{_DECL}<Relationships xmlns="{_PKG_REL}"/>')
        z.writestr("word/document.xml", f"{_DECL}<w:document/>")
    return "自评表.xlsx", out.getvalue()


def plain_zip() -> tuple[str, bytes]:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("自评表/说明.txt", "请见附件")
    return "自评表.xlsx", out.getvalue()


def ods_like() -> tuple[str, bytes]:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", f"{_DECL}<office:document-content/>")
    return "自评表.xlsx", out.getvalue()


def word_doc_ole() -> tuple[str, bytes]:
    return "自评表.xls", _cfb({"WordDocument": b"\xec\xa5" + b"\x00" * 5000, "1Table": b"\x00" * 100})


def html_as_xls() -> tuple[str, bytes]:
    html = '<html xmlns:x="urn:schemas-microsoft-com:office:excel"><body><table><tr><td>项目名称</td></tr></table></body></html>'
    return "导出.xls", html.encode("gbk")


def spreadsheetml_2003() -> tuple[str, bytes]:
    xml = '<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet/></Workbook>'
    return "导出.xls", xml.encode()


def text_with_nul() -> tuple[str, bytes]:
    return "自评表.txt", "项目名称\t某某".encode() + b"\x00\x00\x00" + "专项资金\n".encode()


def text_shift_jis() -> tuple[str, bytes]:
    return "評価.txt", "プロジェクト名\t予算執行率\n評価結果\t良好\n担当部署\t財務課\n".encode("shift_jis")


def text_latin1() -> tuple[str, bytes]:
    return "eval.txt", "Café résumé naïve façade crème brûlée déjà vu\nÉté à Genève, où ça?\n".encode(
        "latin-1"
    )


def text_too_many_lines() -> tuple[str, bytes]:
    return "长.txt", "指标\t值\n".encode() * 25000


def text_line_too_long() -> tuple[str, bytes]:
    return "长行.txt", ("说明\t" + "很" * 40000 + "\n").encode()


def text_too_many_cells() -> tuple[str, bytes]:
    """19.5 MB of one-letter tab-separated cells (9.6 M cells) took 25-30 s and 1.3 GB to read."""
    return "单元格.txt", ("\t".join("a" * 150) + "\n").encode() * 19000


def text_too_many_columns() -> tuple[str, bytes]:
    return "宽文本.txt", ("项目名称\t某某\n" + "\t".join("a" * 16000) + "\n").encode()


# ---------------------------------------------------------------------------------------------
# Broken or hostile workbooks


def truncated_xlsx() -> tuple[str, bytes]:
    _name, data = valid_xlsx()
    return "截断.xlsx", data[: len(data) * 3 // 5]


def corrupt_deflate_stream() -> tuple[str, bytes]:
    xml = _sheet_xml(_cell("A1", "项目"))
    method, payload, crc, size = _deflated(xml)
    broken = payload[:10] + bytes(b ^ 0x5A for b in payload[10:30]) + payload[30:]
    entries = _package_parts((method, broken, crc, size))
    return "坏.xlsx", _raw_zip(entries)


@lru_cache(maxsize=1)
def zip_bomb() -> tuple[str, bytes]:
    """About 300 MB of sheet XML in well under 2 MB: refused on the declared size, never inflated."""
    head = f'{_DECL}<worksheet xmlns="{_NS}"><sheetData><row r="1">'.encode()
    block = b'<c r="A1"><v>1</v></c>' * (1024 * 1024 // 22)
    entry = _deflate_repeated(head, block, 300, b"</row></sheetData></worksheet>")
    return "炸弹.xlsx", _raw_zip(_package_parts(entry))


@lru_cache(maxsize=1)
def ratio_bomb() -> tuple[str, bytes]:
    """40 MB (under the 50 MB total) of one repeated cell: ratio ~1000, refused on the ratio."""
    head = f'{_DECL}<worksheet xmlns="{_NS}"><sheetData><row r="1">'.encode()
    block = b'<c r="A1"><v>1</v></c>' * (1024 * 1024 // 22)
    entry = _deflate_repeated(head, block, 40, b"</row></sheetData></worksheet>")
    return "比例炸弹.xlsx", _raw_zip(_package_parts(entry))


def size_lie() -> tuple[str, bytes]:
    """The directory declares 2 KB (with the CRC of those 2 KB) but the stream inflates to 8 MB."""
    head = f'{_DECL}<worksheet xmlns="{_NS}"><sheetData>'.encode()
    block = _rows_block(1, 100)
    method, payload, _crc, _size = _deflate_repeated(
        head,
        block,
        8 * 1024 * 1024 // len(block),
        b'<row r="20"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>',
    )
    declared = (head + block * 4)[:2048]
    return "谎报.xlsx", _raw_zip(_package_parts((method, payload, zlib.crc32(declared), len(declared))))


def too_many_entries() -> tuple[str, bytes]:
    extra = {f"xl/media/image{i}.png": b"\x89PNG" for i in range(2500)}
    return "碎.xlsx", _one_sheet(_sheet_xml(_cell("A1", "项目")), extra_parts=extra)


def entity_bomb() -> tuple[str, bytes]:
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10)
    ]
    xml = (
        f'<?xml version="1.0"?>\n<!DOCTYPE lolz [{"".join(entities)}]>'
        f'<worksheet xmlns="{_NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c>'
        "</row></sheetData></worksheet>"
    ).encode()
    return "实体炸弹.xlsx", _one_sheet(xml)


def dtd_in_workbook_xml() -> tuple[str, bytes]:
    workbook = (
        f'<?xml version="1.0"?><!DOCTYPE workbook SYSTEM "http://example.invalid/x.dtd">'
        f'<workbook xmlns="{_NS}" xmlns:r="{_REL_NS}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ).encode()
    return "外部实体.xlsx", _one_sheet(_sheet_xml(_cell("A1", "项目")), workbook_xml=workbook)


def xlsm_vba() -> tuple[str, bytes]:
    return "宏.xlsx", _one_sheet(
        _sheet_xml(_cell("A1", "项目")),
        main_ct=_MACRO_CT,
        extra_parts={"xl/vbaProject.bin": _cfb({"dir": b"x"})},
    )


def macro_content_type_only() -> tuple[str, bytes]:
    return "宏2.xlsx", _one_sheet(_sheet_xml(_cell("A1", "项目")), main_ct=_MACRO_CT)


def encrypted_ooxml() -> tuple[str, bytes]:
    """What Excel writes for a password-protected .xlsx: an OLE container, not a zip."""
    info = struct.pack("<HHI", 4, 4, 0x40) + b'<?xml version="1.0"?><encryption/>'
    return "加密.xlsx", _cfb(
        {
            "EncryptionInfo": info,
            "EncryptedPackage": struct.pack("<Q", 6000) + random.Random(1).randbytes(6000),
        }
    )


def encrypted_xls() -> tuple[str, bytes]:
    return "加密.xls", _cfb({"Workbook": _biff8([(0, 0, 1.0)], encrypted=True).ljust(4096, b"\x00")})


def xfd_only_cell() -> tuple[str, bytes]:
    rows = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    return "角落.xlsx", _one_sheet(_sheet_xml(rows, "XFD1048576"))


def a1_and_xfd() -> tuple[str, bytes]:
    """The file that makes calamine ask for 512 GiB and abort the process."""
    rows = '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    return "杀手.xlsx", _one_sheet(_sheet_xml(rows, "A1"))


def merge_whole_sheet() -> tuple[str, bytes]:
    extra = '<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>'
    return "合并.xlsx", _one_sheet(
        _sheet_xml(_cell("A1", "项目").join(['<row r="1">', "</row>"]), "A1", extra)
    )


def dimension_huge() -> tuple[str, bytes]:
    return "维度.xlsx", _one_sheet(
        _sheet_xml('<row r="1">' + _cell("A1", "项目") + "</row>", "A1:XFD1048576")
    )


def prefixed_huge() -> tuple[str, bytes]:
    xml = (
        f'{_DECL}<x:worksheet xmlns:x="{_NS}"><x:sheetData><x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>'
        '<x:row r="900000"><x:c  s="1"\n r = \'ZZ900000\'><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>'
    ).encode()
    return "前缀大.xlsx", _one_sheet(xml)


def sheet_in_odd_place() -> tuple[str, bytes]:
    rows = '<row r="1"><c r="A1"><v>1</v></c></row><row r="30000"><c r="A30000"><v>1</v></c></row>'
    return "藏.xlsx", _package([("隐藏", "xl/data/evil.bin", _sheet_xml(rows))])


def rows_100k() -> tuple[str, bytes]:
    def chunks() -> Iterable[bytes]:
        yield f'{_DECL}<worksheet xmlns="{_NS}"><sheetData>'.encode()
        for first in range(1, 100_001, 5000):
            yield _rows_block(first, 5000)
        yield b"</sheetData></worksheet>"

    return "十万行.xlsx", _one_sheet(chunks(), name="明细")


def cells_without_r_wide() -> tuple[str, bytes]:
    rows = '<row r="1">' + "<c><v>1</v></c>" * 300 + "</row>"
    return "宽.xlsx", _one_sheet(_sheet_xml(rows))


def rows_without_r_past_limit() -> tuple[str, bytes]:
    rows = '<row r="19998"><c r="A19998"><v>1</v></c></row>' + "<row><c><v>1</v></c></row>" * 5
    return "续行.xlsx", _one_sheet(_sheet_xml(rows))


def cells_without_r_huge() -> tuple[str, bytes]:
    """9 MiB of cells without r: too big to place one by one, so refused rather than guessed."""
    body = b"".join(b"<row><c><v>%d</v></c></row>" % (i * 7919 % 1000003) for i in range(320_000))
    return "无坐标大表.xlsx", _one_sheet(
        _sheet_xml("").replace(b"<sheetData></sheetData>", b"<sheetData>" + body + b"</sheetData>")
    )


def _rewired(entry: str, target: str, xml: bytes) -> bytes:
    """A one-sheet package whose sheet sits at zip entry `entry`, named by a relationship `target`,
    with no content-type override for it (so only the relationship says it is a sheet)."""
    data = _one_sheet(_sheet_xml(""))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in src.namelist():
            body = src.read(name)
            if name == "xl/worksheets/sheet1.xml":
                continue
            if name == "[Content_Types].xml":
                body = body.replace(
                    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_WS_CT}"/>'.encode(), b""
                )
            if name == "xl/_rels/workbook.xml.rels":
                body = body.replace(b'Target="worksheets/sheet1.xml"', f'Target="{target}"'.encode())
            z.writestr(name, body)
        z.writestr(entry, xml)
    return out.getvalue()


_KILLER_ROWS = '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'


def dot_segment_sheet() -> tuple[str, bytes]:
    """The 5 KB server killer: calamine opens "xl/./worksheets/sheet1.xml" as written and meets a
    cell at XFD1048576; a check that folds "./" scanned another name (or none)."""
    return "点.xlsx", _rewired(
        "xl/./worksheets/sheet1.xml", "./worksheets/sheet1.xml", _sheet_xml(_KILLER_ROWS)
    )


def dot_dot_segment_sheet() -> tuple[str, bytes]:
    return "点点.xlsx", _rewired(
        "xl/x/../worksheets/sheet1.xml", "x/../worksheets/sheet1.xml", _sheet_xml(_KILLER_ROWS)
    )


def sheet_behind_other_type() -> tuple[str, bytes]:
    """A <sheet> whose relationship claims to be an image: calamine opens it as a sheet all the same."""
    data = _rewired("xl/media/pic.xml", "media/pic.xml", _sheet_xml(_KILLER_ROWS))
    return "图.xlsx", _replace_part(
        data, "xl/_rels/workbook.xml.rels", _WS_TYPE.encode(), (_REL_NS + "/image").encode()
    )


def sheet_behind_external_rel() -> tuple[str, bytes]:
    """A <sheet> whose relationship says TargetMode="External": calamine opens the zip entry anyway."""
    data = _rewired("xl/media/pic.xml", "media/pic.xml", _sheet_xml(_KILLER_ROWS))
    rels = "xl/_rels/workbook.xml.rels"
    return "外.xlsx", _replace_part(
        data, rels, b'Target="media/pic.xml"', b'Target="media/pic.xml" TargetMode="External"'
    )


def shared_strings_huge_count() -> tuple[str, bytes]:
    """uniqueCount="4000000000": calamine reserves that many strings before reading one, and aborts."""
    sst = f'{_DECL}<sst xmlns="{_NS}" count="1" uniqueCount="4000000000"><si><t>x</t></si></sst>'.encode()
    rows = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    return "字符串表.xlsx", _one_sheet(_sheet_xml(rows), shared_strings=sst)


_CORNER_ROWS = '<row r="1"><c r="A1"><v>1</v></c></row><row r="20000"><c r="GR20000"><v>1</v></c></row>'


def sheets_on_one_part() -> tuple[str, bytes]:
    """300 <sheet> elements naming one part at the bound: a reader fills 300 x 4 M cells (45 s)."""
    data = _one_sheet(_sheet_xml(_CORNER_ROWS, "A1:GR20000"))
    many = "".join(f'<sheet name="S{i}" sheetId="{i + 1}" r:id="rId1"/>' for i in range(300))
    return "同页.xlsx", _replace_part(
        data, "xl/workbook.xml", b'<sheet name="Sheet1" sheetId="1" r:id="rId1"/>', many.encode()
    )


def folded_duplicate_sheet() -> tuple[str, bytes]:
    """Two entries that fold to one name: a harmless sheet and a killer beside it."""
    data = _rewired("xl/./worksheets/sheet1.xml", "worksheets/sheet1.xml", _sheet_xml(_KILLER_ROWS))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in src.namelist():
            z.writestr(name, src.read(name))
        z.writestr("xl/worksheets/sheet1.xml", _sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>'))
    return "双.xlsx", out.getvalue()


def _replace_part(data: bytes, part: str, old: bytes, new: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in src.namelist():
            body = src.read(name)
            z.writestr(name, body.replace(old, new) if name == part else body)
    return out.getvalue()


@lru_cache(maxsize=1)
def styles_too_many() -> tuple[str, bytes]:
    """70,000 cell formats (Excel stops at 64,000): a 40 MB styles.xml of 480 k took readers 4-6 s.
    Attribute values vary so that the part compresses like a real one (no ratio refusal first)."""
    rng = random.Random(11)
    xfs = "".join(
        f'<xf numFmtId="{rng.randrange(200)}" fontId="{rng.randrange(900)}" fillId="{rng.randrange(90)}" xfId="0"/>'
        for _ in range(70_000)
    )
    styles = f'{_DECL}<styleSheet xmlns="{_NS}"><cellXfs count="70000">{xfs}</cellXfs></styleSheet>'.encode()
    rows = '<row r="1"><c r="A1"><v>1</v></c></row>'
    return "格式.xlsx", _one_sheet(_sheet_xml(rows), extra_parts={"xl/styles.xml": styles})


def long_shared_string() -> tuple[str, bytes]:
    sst = f'{_DECL}<sst xmlns="{_NS}" count="1" uniqueCount="1"><si><t>{"长" * 40000}</t></si></sst>'.encode()
    rows = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    return "长文本.xlsx", _one_sheet(_sheet_xml(rows), shared_strings=sst)


def utf16_sheet_part() -> tuple[str, bytes]:
    xml = _sheet_xml(_cell("A1", "项目").join(['<row r="1">', "</row>"])).decode()
    xml = xml.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    return "宽字符.xlsx", _one_sheet(xml.encode("utf-16"))


def comment_in_sheet() -> tuple[str, bytes]:
    rows = '<row r="1"><!-- <c r="A1"> --><c r="A1"><v>1</v></c></row>'
    return "注释.xlsx", _one_sheet(_sheet_xml(rows))


def xls_too_many_rows() -> tuple[str, bytes]:
    wb = xlwt.Workbook()
    ws = wb.add_sheet("明细")
    ws.write(0, 0, "项目")
    ws.write(65535, 3, 1)
    out = io.BytesIO()
    wb.save(out)
    return "大.xls", out.getvalue()


def xls_forged_column() -> tuple[str, bytes]:
    """A NUMBER record at column 60000: BIFF8 allows 256 columns, but calamine trusts the record."""
    return "伪造.xls", _cfb(
        {"Workbook": _biff8([(0, 0, 1.0), (0, 60000, 2.0)], dimensions=(0, 1, 0, 1)).ljust(4096, b"\x00")}
    )


def xls_merge_huge() -> tuple[str, bytes]:
    """MERGECELLS rows 1..50001 (r1, r2, c1, c2), while cells and DIMENSIONS stay small."""
    stream = _biff8([(0, 0, 1.0)], sheet="合并", merges=[(0, 50000, 0, 3)])
    return "合并.xls", _cfb({"Workbook": stream.ljust(4096, b"\x00")})


def xls_rich() -> tuple[str, bytes]:
    """Several sheets with shared strings, formulas and merges, as xlwt writes them."""
    wb = xlwt.Workbook(encoding="utf-8")
    for k in range(3):
        ws = wb.add_sheet(f"表{k + 1}")
        ws.write_merge(0, 0, 0, 5, "项目支出绩效自评表")
        for r in range(1, 30):
            ws.write(r, 0, f"指标{r}")
            ws.write(r, 1, r * 1.5)
            ws.write(r, 2, xlwt.Formula(f"B{r + 1}*2"))
            ws.write(r, 3, "≥95%")
    out = io.BytesIO()
    wb.save(out)
    return "多表.xls", out.getvalue()


def xls_inverted_dimensions() -> tuple[str, bytes]:
    """DIMENSIONS whose first row is past its last: calamine computes rows - 1 and asks for ~2^32
    rows of memory, aborting the process."""
    stream = _biff8([(0, 0, 1.0)], dimensions=(5, 1, 0, 1))
    return "维度颠倒.xls", _cfb({"Workbook": stream.ljust(4096, b"\x00")})


def xls_huge_string_table() -> tuple[str, bytes]:
    """An SST declaring 2^31-1 strings in a few bytes (older calamine reserved them all up front)."""
    stream = _biff8([(0, 0, 1.0)], sst_count=0x7FFFFFFF)
    return "字符串表.xls", _cfb({"Workbook": stream.ljust(4096, b"\x00")})


def ole_huge_stream_size() -> tuple[str, bytes]:
    """The Workbook directory entry claims ~4 GiB in a 5 KiB file (older calamine reserved it)."""
    data = bytearray(valid_xls()[1])
    first_dir = struct.unpack_from("<I", data, 48)[0]
    entries = (first_dir + 1) * 512
    for slot in range(4):
        name_len = struct.unpack_from("<H", data, entries + 128 * slot + 64)[0]
        if (
            bytes(data[entries + 128 * slot : entries + 128 * slot + name_len - 2]).decode("utf-16-le")
            == "Workbook"
        ):
            struct.pack_into("<I", data, entries + 128 * slot + 120, 0xFFFFFF00)
    return "巨流.xls", bytes(data)


def ole_difat_loop() -> tuple[str, bytes]:
    """A DIFAT sector that names itself as the next one: calamine follows it until memory runs out."""
    data = bytearray(valid_xls()[1])
    loop_sector = (len(data) - 512) // 512
    data += struct.pack("<127I", *([0xFFFFFFFF] * 127)) + struct.pack("<I", loop_sector)
    struct.pack_into("<II", data, 68, loop_sector, 1)
    return "循环.xls", bytes(data)


def truncated_ole() -> tuple[str, bytes]:
    _name, data = valid_xls()
    return "截断.xls", data[:700]


CORPUS: list[tuple[Generator, str]] = [
    (valid_xlsx, "xlsx"),
    (valid_xls, "xls"),
    (valid_xlsx_cells_without_r, "xlsx"),
    (valid_xlsx_prefixed, "xlsx"),
    (valid_xls_mini_stream, "xls"),
    (text_utf8, "text"),
    (text_utf8_bom, "text"),
    (text_gbk, "text"),
    (text_utf16, "text"),
    (empty, "EMPTY"),
    (whitespace_only, "EMPTY"),
    (too_large, "TOO_LARGE"),
    (random_bytes, "UNKNOWN_FORMAT"),
    (png_as_xlsx, "IMAGE"),
    (jpeg_as_xls, "IMAGE"),
    (pdf_as_xls, "pdf"),
    (pdf_encrypted, "PDF_ENCRYPTED"),
    (pdf_flate_bomb, "PDF_UNCOMPRESSED_TOO_LARGE"),
    (pdf_ratio_bomb, "PDF_COMPRESSION_RATIO"),
    (pdf_object_stream_lie, "PDF_TOO_MANY_OBJECTS"),
    (pdf_too_many_pages, "PDF_TOO_MANY_PAGES"),
    (pdf_lzw, "PDF_FILTER_UNSUPPORTED"),
    (pdf_truncated, "PDF_CORRUPT"),
    (pdf_not_really, "PDF_CORRUPT"),
    (pdf_actions, "pdf"),
    (pdf_image_only, "pdf"),
    (docx_like, "NOT_WORKBOOK"),
    (plain_zip, "NOT_WORKBOOK"),
    (ods_like, "NOT_WORKBOOK"),
    (word_doc_ole, "NOT_WORKBOOK"),
    (html_as_xls, "HTML_EXPORT"),
    (spreadsheetml_2003, "HTML_EXPORT"),
    (text_with_nul, "UNKNOWN_FORMAT"),
    (text_shift_jis, "TEXT_ENCODING"),
    (text_latin1, "TEXT_ENCODING"),
    (text_too_many_lines, "TEXT_TOO_MANY_LINES"),
    (text_line_too_long, "TEXT_LINE_TOO_LONG"),
    (truncated_xlsx, "CORRUPT"),
    (corrupt_deflate_stream, "CORRUPT"),
    (zip_bomb, "UNCOMPRESSED_TOO_LARGE"),
    (ratio_bomb, "COMPRESSION_RATIO"),
    (size_lie, "CORRUPT"),
    (too_many_entries, "TOO_MANY_PARTS"),
    (entity_bomb, "XML_DTD"),
    (dtd_in_workbook_xml, "XML_DTD"),
    (xlsm_vba, "MACRO"),
    (macro_content_type_only, "MACRO"),
    (encrypted_ooxml, "ENCRYPTED"),
    (encrypted_xls, "ENCRYPTED"),
    (xfd_only_cell, "SHEET_TOO_LARGE"),
    (a1_and_xfd, "SHEET_TOO_LARGE"),
    (merge_whole_sheet, "SHEET_TOO_LARGE"),
    (dimension_huge, "SHEET_TOO_LARGE"),
    (prefixed_huge, "SHEET_TOO_LARGE"),
    (sheet_in_odd_place, "SHEET_TOO_LARGE"),
    (rows_100k, "SHEET_TOO_LARGE"),
    (cells_without_r_wide, "SHEET_TOO_LARGE"),
    (rows_without_r_past_limit, "SHEET_TOO_LARGE"),
    (cells_without_r_huge, "SHEET_UNSUPPORTED"),
    (long_shared_string, "CELL_TOO_LONG"),
    (utf16_sheet_part, "XML_UNSUPPORTED"),
    (comment_in_sheet, "XML_UNSUPPORTED"),
    (xls_too_many_rows, "SHEET_TOO_LARGE"),
    (xls_forged_column, "SHEET_TOO_LARGE"),
    (xls_merge_huge, "SHEET_TOO_LARGE"),
    (xls_rich, "xls"),
    (xls_inverted_dimensions, "CORRUPT"),
    (xls_huge_string_table, "CORRUPT"),
    (ole_huge_stream_size, "CORRUPT"),
    (ole_difat_loop, "CORRUPT"),
    (truncated_ole, "CORRUPT"),
    (text_too_many_cells, "TEXT_TOO_MANY_CELLS"),
    (text_too_many_columns, "TEXT_TOO_MANY_COLUMNS"),
    (dot_segment_sheet, "SHEET_TOO_LARGE"),
    (dot_dot_segment_sheet, "SHEET_TOO_LARGE"),
    (sheet_behind_other_type, "SHEET_TOO_LARGE"),
    (sheet_behind_external_rel, "SHEET_TOO_LARGE"),
    (shared_strings_huge_count, "CORRUPT"),
    (sheets_on_one_part, "CORRUPT"),
    (folded_duplicate_sheet, "CORRUPT"),
    (styles_too_many, "STYLES_TOO_LARGE"),
]
