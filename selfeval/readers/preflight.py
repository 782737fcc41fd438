"""Preflight: decide what an uploaded file is and whether it is safe to hand to a parser.

Runs on the raw bytes before python-calamine or openpyxl sees them, and never parses cells itself.
The kind is decided by content, never by the file name: ZIP magic must be an OOXML workbook, OLE/CFB
magic must be a real .xls, anything else must be plain text. A file we will not read raises
``Refused`` with a stable ``code`` and a Chinese ``message`` saying what is wrong and what to do.

Preflight is the fast first gate, not the only one: every parser then runs in a worker process with
memory, CPU and wall-clock limits (``selfeval.readers.sandbox``), so whatever slips past these checks
costs a refusal, never the calling process. The checks live beside this entry point:
``limits`` (the bounds and ``Refused``), ``ziparchive`` + ``zipxml`` + ``xmlscan`` (.xlsx), ``ole`` (.xls) and
``textcheck`` (text); this module sniffs the kind and re-exports the public names.

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
  and every entry is inflated by one loop of our own (``_Zip.pieces``: a small part in one zlib call),
  never past its declared size plus one byte, which refuses a stream that yields more or less than its
  declared size or a wrong CRC (zipfile alone would stop at the declared size and accept a CRC forged
  for that prefix). In total we never inflate more than ``max_uncompressed``. Each local header must
  tell what the central directory tells (name, method, sizes, CRC): readers that walk local headers
  must not be shown another file than the one checked.
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

from typing import Literal

from selfeval.readers.limits import DEFAULT_LIMITS, MESSAGES, Limits, Refused
from selfeval.readers.limits import phrase as _text
from selfeval.readers.limits import refuse as _refuse
from selfeval.readers.limits import size_text as _size
from selfeval.readers.ole import _check_ole
from selfeval.readers.pdfcheck import check_pdf, is_pdf
from selfeval.readers.textcheck import _check_text, decode_text
from selfeval.readers.zipxml import _check_xlsx

__all__ = ["DEFAULT_LIMITS", "MESSAGES", "Kind", "Limits", "Refused", "decode_text", "preflight"]

Kind = Literal["xlsx", "xls", "pdf", "text"]


_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def preflight(data: bytes, filename: str, limits: Limits = DEFAULT_LIMITS) -> Kind:
    """Return the kind of an upload ("xlsx", "xls", "pdf" or "text") or raise Refused; never parses cells."""
    return _inspect(data, filename, limits, None)[0]


def inspect(data: bytes, filename: str, limits: Limits = DEFAULT_LIMITS) -> tuple[Kind, dict[str, bytes]]:
    """preflight, plus the .xlsx parts it inflated on the way (by folded name: the structure parts,
    styles.xml, worksheets up to 8 MiB), so that the reader unzips each file once."""
    return _inspect(data, filename, limits, {})


def _inspect(
    data: bytes, filename: str, limits: Limits, parts: dict[str, bytes] | None
) -> tuple[Kind, dict[str, bytes]]:
    """The checks; parts (when a dict) receives the inflated .xlsx parts worth keeping."""
    data = bytes(data)
    if not data:
        raise _refuse("EMPTY")
    if len(data) > limits.max_bytes:
        raise _refuse("TOO_LARGE", size=_size(len(data)), limit=_size(limits.max_bytes))
    if data.startswith(_ZIP_MAGIC):
        try:
            _check_xlsx(data, filename, limits, parts)
        except Refused:
            raise
        except Exception:  # a hostile container must fail closed, whatever broke
            raise _refuse("CORRUPT") from None
        return "xlsx", parts or {}
    if data.startswith(_OLE_MAGIC):
        _check_ole(data, filename, limits)
        return "xls", {}
    if is_pdf(data):
        try:
            check_pdf(data, limits)
        except Refused:
            raise
        except Exception:  # a hostile container must fail closed, whatever broke
            raise _refuse("PDF_CORRUPT") from None
        return "pdf", {}
    _check_other_binary(data, filename)
    _check_text(data, filename, limits)
    return "text", {}


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
