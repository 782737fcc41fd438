"""The .xlsx gate: the zip container, its structure parts, and a scan of every part by the exact name
a parser will open.

The container itself (central directory, local headers, the one inflate loop) is
``selfeval.readers.ziparchive``; every part is inflated once, through ``_Zip.pieces``, and scanned as
its pieces arrive.

Which parts are worksheets: every relationship target of ``xl/workbook.xml`` (as OPC resolves it and
as calamine builds it, ``"xl/" + target`` as written), every worksheet content-type override, and
anything under ``xl/worksheets/``. Names are compared with ``.``/``..`` segments folded and case
ignored, so ``xl/./worksheets/sheet1.xml`` is scanned as the sheet calamine opens, and two entries that
fold to one name are refused (readers could pick different ones).
"""

from __future__ import annotations

import codecs
import re
import zipfile
from collections.abc import Iterator

from selfeval.readers.limits import Limits, Refused
from selfeval.readers.limits import phrase as _text
from selfeval.readers.limits import refuse as _refuse
from selfeval.readers.limits import size_text as _size
from selfeval.readers.xmlscan import _PFX, _XML_WS, _has_dtd, _Markup, _SheetScan, _TextRuns
from selfeval.readers.ziparchive import Entry, _norm, _Zip

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
    """A tag's attributes (the last of a repeated name wins); an empty value is "" either way quoted."""
    return {name.decode("utf-8", "replace"): _unescape(dq or sq) for name, dq, sq in _ATTR.findall(raw)}


def _unescape(value: bytes) -> str:
    if b"&" not in value:
        return value.decode("utf-8", "replace")

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
    """Every name a reader might open for a relationship target, folded by _norm: as OPC resolves it
    (relative to base_dir, or rooted), and as calamine builds it ("xl/" + target as written, unless it
    starts with "xl/" or "/xl/")."""
    target = target.replace("\\", "/")
    names = {target, base_dir + "/" + target}
    if target.startswith("/xl/"):
        names.add(target[1:])
    elif not target.startswith("xl/"):
        names.add("xl/" + target)
    return {_norm(n) for n in names}


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
    m = _XML_DECL_ENCODING.match(first[:512]) if b"<?xml" in first[:512] else None
    if m:
        encoding = m.group(1).decode("ascii", "replace").strip().lower()
        if encoding not in _XML_OK_ENCODINGS:
            raise _refuse("XML_UNSUPPORTED", detail=_text("detail.encoding", encoding=encoding[:20]))


def _check_xlsx(data: bytes, filename: str, limits: Limits, keep: dict[str, bytes] | None = None) -> None:
    """Refuse what no parser should see. With keep, the parts read whole on the way (the structure
    parts, styles.xml, every worksheet up to 8 MiB) are left there by folded name, so that the
    percent pass need not unzip them again."""
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
            _check_xml_part(raw)
            structure[key] = raw
            if keep is not None:
                keep[key] = raw
    content_types = structure["[content_types].xml"]
    lowered = content_types.lower()
    if b"macroenabled" in lowered or b"vbaproject" in lowered or b"macrosheet" in lowered:
        raise _refuse("MACRO")

    sheets: dict[str, str] = {}  # normalised part name -> sheet name for messages
    shared: set[str] = {"xl/sharedstrings.xml"}
    rels: dict[str, tuple[str, str]] = {}
    for m in _REL_EL.finditer(structure.get("xl/_rels/workbook.xml.rels", b"")):
        a = _attrs(m.group(1))  # TargetMode="External" too: calamine opens a <sheet>'s target regardless
        rels[a.get("Id", "")] = (a.get("Type", ""), a.get("Target", ""))
    labels: dict[str, str] = {}
    for m in _SHEET_EL.finditer(structure["xl/workbook.xml"]):
        a = _attrs(m.group(1))
        rid = next((v for k, v in a.items() if k == "id" or k.endswith(":id")), "")
        if rid in labels:
            raise _refuse("CORRUPT")  # two sheets on one part: a reader would read it again per sheet
        if rid:
            labels[rid] = a.get("name", "")
    opened = [_norm(_calamine_name(rels[rid][1])) for rid in labels if rid in rels]
    if len(set(opened)) < len(opened):
        raise _refuse("CORRUPT")
    for rid, (rel_type, target) in rels.items():
        kind = rel_type.rsplit("/", 1)[-1].lower()
        if kind in ("worksheet", "dialogsheet") or rid in labels:  # calamine opens what a <sheet> names
            for part in _resolve("xl", target):
                sheets[part] = labels.get(rid) or target
        elif kind == "sharedstrings":
            shared |= _resolve("xl", target)
        elif kind in ("xlmacrosheet", "xlintlmacrosheet"):
            raise _refuse("MACRO")
    for m in _OVERRIDE_EL.finditer(content_types):
        if b"sheet+xml" not in m.group(1).lower():
            continue  # theme, styles, docProps…: only (dialog)sheet overrides matter here
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
        if key in structure or (info.filename.endswith("/") and not info.file_size):
            continue
        if key in sheets:
            xml = _scan_sheet(z, info, sheets[key], limits)
            if keep is not None and xml is not None:
                keep[key] = xml
        elif key.endswith("styles.xml"):
            xml = _scan_styles(z, info, limits)
            if keep is not None:
                keep[key] = xml
        else:
            _scan_part(z, info, limits, shared=key in shared)


def _check_xml_part(raw: bytes) -> None:
    """A structure part read whole: XML a byte search can read, without a DTD."""
    if _xml_kind(raw) == "xml" and _has_dtd(raw):
        raise _refuse("XML_DTD")


def _xml_kind(first: bytes) -> str:
    """_sniff's 'xml' or 'other', after refusing what a byte search cannot check: UTF-16/32, or an
    encoding outside _XML_OK_ENCODINGS (which could hide a DOCTYPE the same way)."""
    kind = _sniff(first)
    if kind == "wide":
        raise _refuse("XML_UNSUPPORTED", detail=_text("detail.encoding", encoding="UTF-16"))
    if kind == "xml":
        _check_encoding(first)
    return kind


def _scan_part(z: _Zip, info: Entry, limits: Limits, shared: bool) -> None:
    """Any part other than a worksheet or styles: refuse DTDs (and over-long shared strings); a binary
    part (image, printer settings, embedded object: no XML parser reads it) is only inflated and checked."""
    chunks = z.pieces(info)
    try:
        first = _head(chunks)
        if _xml_kind(first) != "xml":
            if shared and info.file_size:
                raise _refuse("CORRUPT")
            for _ in chunks:  # read to its end: the size and CRC checks
                pass
            return
        if (
            shared
            and (m := _SST_UNIQUE.search(first, 0, 4096))
            and int(m.group(1)) > max(16, info.file_size // 5)
        ):
            raise _refuse("CORRUPT")  # calamine reserves uniqueCount strings; each takes >= 5 bytes
        if not shared and len(first) == info.file_size:  # the whole part in one piece: one search
            if _has_dtd(first):
                raise _refuse("XML_DTD")
            for _ in chunks:  # nothing more should come: the size and CRC checks
                pass
            return
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


_SST_UNIQUE = re.compile(rb"<(?:" + _PFX + rb":)?sst\b[^>]*?\suniqueCount\s*=\s*[\"']\s*\+?([0-9]{1,20})")
_XF = re.compile(rb"<(?:" + _PFX + rb":)?xf[\s/>]")
_XF_BYTES = 4  # the shortest <xf> tag ("<xf>"); no two share a byte, so a part holds at most size // 4


def _scan_styles(z: _Zip, info: Entry, limits: Limits) -> bytes:
    """xl/styles.xml: bounded by size and by the number of cell formats (<xf>), counted by a bytes
    regex as it is inflated when the part is large enough to hold too many; then the usual checks."""
    if info.file_size > limits.max_styles_bytes:
        raise _refuse("STYLES_TOO_LARGE", what=_size(info.file_size), limit=_size(limits.max_styles_bytes))
    chunks = z.pieces(info)
    try:
        first = _head(chunks)
        _xml_kind(first)  # not XML at all: still scanned for a DTD below, as it always was
        markup = _Markup(strict=False)
        counting = info.file_size // _XF_BYTES > limits.max_styles
        count, tail, parts = 0, b"", []
        for chunk in _chain(first, chunks):
            parts.append(chunk)
            markup.feed(chunk)
            if not counting:
                continue
            buf = tail + chunk
            count += len(_XF.findall(buf))
            tail = buf[-8:] if _XF.search(buf[-8:]) is None else b""  # a tag split by the boundary
            if count > limits.max_styles:
                raise _refuse(
                    "STYLES_TOO_LARGE",
                    what=_text("detail.styles", count=f"{count:,}"),
                    limit=_text("detail.styles", count=f"{limits.max_styles:,}"),
                )
        markup.finish()
        return b"".join(parts)
    finally:
        chunks.close()


def _calamine_name(target: str) -> str:
    """The zip entry calamine opens for a workbook relationship's target, as written."""
    target = target.replace("\\", "/")
    if target.startswith("/"):
        return target[1:]
    return target if target.startswith("xl/") else "xl/" + target


def _scan_sheet(z: _Zip, info: Entry, sheet: str, limits: Limits) -> bytes | None:
    """Scan one worksheet; its XML when it was small enough to keep whole (else None)."""
    chunks = z.pieces(info)
    try:
        first = _head(chunks)
        if _xml_kind(first) != "xml":
            raise _refuse("CORRUPT")
        scan = _SheetScan(sheet, limits, info.file_size)
        for chunk in _chain(first, chunks):
            if not scan.feed(chunk):
                break
        scan.finish()
        return b"".join(scan.kept) if scan.kept is not None else None
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
