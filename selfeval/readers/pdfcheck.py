"""PDF preflight: bound what a PDF can cost before pdfminer parses it, by a scan of the raw bytes.

What a parser would be made to do is counted here first, stdlib only:

* encryption: a ``/Encrypt`` entry (password or permissions) is refused with a reason; we never try
  an empty password.
* objects: every ``N G obj`` and the ``/N`` objects of every object stream; pages: every
  ``/Type /Page`` in the file and inside its object streams. Both bounded.
* streams: every ``stream … endstream`` body is decoded by our own bounded loop — ASCIIHex/ASCII85,
  then Flate — never inflating more than the total bound, and refusing a stream whose ratio is a
  bomb's; image filters (DCT, JPX, JBIG2, CCITT) are left as they are (the reader never decodes an
  image); LZW, RunLength, Crypt and unknown filters are refused (no office program writes them for
  a form, and their output cannot be bounded without decoding them).

Nothing in a PDF executes: the reader takes characters and lines from page content only, so
JavaScript, launch actions, forms' actions and embedded files are never opened (tests/badfiles.py
holds such PDFs). The parser then runs in the sandbox's worker like every reader.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib

from selfeval.readers.limits import MIB, Limits, Refused, refuse, size_text

MAX_PAGES = 50  # pages are read at about 0.1–0.3 s each: a file within the sandbox's CPU time
MAX_OBJECTS = 100_000
_CHUNK = 64 * 1024

_OBJ = re.compile(rb"(?<![0-9])\d{1,10}\s+\d{1,5}\s+obj\b")
_STREAM = re.compile(rb"\bstream(?:\r\n|\n|\r)")
_ENDSTREAM = re.compile(rb"(?:\r\n|\n|\r)?endstream\b")
_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
_ENCRYPT = re.compile(rb"/Encrypt(?![A-Za-z])")
_FILTER = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[A-Za-z0-9]+)")
_NAME = re.compile(rb"/([A-Za-z0-9]+)")
_OBJSTM_N = re.compile(rb"/N\s+(\d{1,9})")
_TEXT_FILTERS = {"ASCIIHexDecode": "hex", "AHx": "hex", "ASCII85Decode": "a85", "A85": "a85"}
_FLATE = {"FlateDecode", "Fl"}
_IMAGE_FILTERS = {"DCTDecode", "DCT", "JPXDecode", "JBIG2Decode", "CCITTFaxDecode", "CCF"}


def is_pdf(data: bytes) -> bool:
    """A PDF by content: its header within the first 1024 bytes (readers accept junk before it)."""
    return b"%PDF-" in data[:1024]


def check_pdf(data: bytes, limits: Limits) -> None:
    """Raise Refused when the PDF is encrypted, or would cost more than the limits to parse."""
    if _ENCRYPT.search(data):
        raise refuse("PDF_ENCRYPTED")
    objects = len(_OBJ.findall(data))
    pages = len(_PAGE.findall(data))
    inflated_total = 0
    pos = 0
    while True:
        found = _STREAM.search(data, pos)
        if found is None:
            break
        start = found.end()
        end_match = _ENDSTREAM.search(data, start)
        if end_match is None:
            raise refuse("PDF_CORRUPT")
        head = data[max(0, found.start() - 4096) : found.start()]
        head = head[head.rfind(b"obj") + 3 :] if b"obj" in head else head
        body = data[start : end_match.start()]
        pos = end_match.end()
        decoded = _decode(body, _filters(head), limits.max_uncompressed - inflated_total, limits)
        if decoded is None:
            continue
        inflated_total += len(decoded)
        if b"/ObjStm" in head:
            n = _OBJSTM_N.search(head)
            objects += int(n.group(1)) if n else 0
            pages += len(_PAGE.findall(decoded))
        if objects > MAX_OBJECTS:
            break
    if objects > MAX_OBJECTS:
        raise refuse("PDF_TOO_MANY_OBJECTS", count=objects, limit=MAX_OBJECTS)
    if pages > MAX_PAGES:
        raise refuse("PDF_TOO_MANY_PAGES", count=pages, limit=MAX_PAGES)
    if pages == 0 and objects == 0:
        raise refuse("PDF_CORRUPT")


def _filters(head: bytes) -> list[str]:
    found = _FILTER.search(head)
    if found is None:
        return []
    return [name.decode("latin-1") for name in _NAME.findall(found.group(1))]


def _decode(body: bytes, filters: list[str], budget: int, limits: Limits) -> bytes | None:
    """The stream's bytes as a parser would see them (None for an image, left encoded), within budget."""
    data = body
    k = 0
    while k < len(filters) and filters[k] in _TEXT_FILTERS:
        data = _text_decode(data, _TEXT_FILTERS[filters[k]])
        k += 1
    if k < len(filters) and filters[k] in _FLATE:
        data = _inflate(data, budget, len(body), limits)
        k += 1
    rest = filters[k:]
    if rest and all(f in _IMAGE_FILTERS for f in rest):
        return None
    if rest:
        raise refuse("PDF_FILTER_UNSUPPORTED", name=rest[0][:40])
    if len(data) > budget:
        raise _too_large(len(data), limits)
    return data


def _text_decode(data: bytes, kind: str) -> bytes:
    try:
        if kind == "hex":
            hex_digits = re.sub(rb"[^0-9A-Fa-f]", b"", data.split(b">", 1)[0])
            return binascii.unhexlify(hex_digits + b"0" * (len(hex_digits) % 2))
        text = re.sub(rb"\s", b"", data)
        text = text[2:] if text.startswith(b"<~") else text
        return base64.a85decode(text.split(b"~>", 1)[0])  # 'z' shortcuts: at most 4 bytes each (bounded)
    except ValueError:
        raise refuse("PDF_CORRUPT") from None


def _inflate(data: bytes, budget: int, raw: int, limits: Limits) -> bytes:
    """Inflate by chunks, stopping at the budget: a bomb is refused having cost its bound, never more."""
    inflater = zlib.decompressobj()
    out = bytearray()
    try:
        for at in range(0, len(data), _CHUNK):
            out += inflater.decompress(data[at : at + _CHUNK], max(budget - len(out) + 1, 1))
            while inflater.unconsumed_tail and len(out) <= budget:
                out += inflater.decompress(inflater.unconsumed_tail, max(budget - len(out) + 1, 1))
            if len(out) > budget:
                raise _too_large(len(out), limits)
            if inflater.eof:
                break
    except zlib.error:
        return bytes(out)  # a damaged stream: the parser meets the same damage (what it got is counted)
    if len(out) > MIB and len(out) > limits.max_ratio * max(raw, 1):
        raise refuse(
            "PDF_COMPRESSION_RATIO", ratio=f"{len(out) / max(raw, 1):.0f}", limit=f"{limits.max_ratio:.0f}"
        )
    return bytes(out)


def _too_large(size: int, limits: Limits) -> Refused:
    del size  # decoding stopped at the bound: the true size is larger and never known
    bound = size_text(limits.max_uncompressed)
    return refuse("PDF_UNCOMPRESSED_TOO_LARGE", size=f"超过 {bound}", limit=bound)
