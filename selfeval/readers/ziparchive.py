"""The zip container of an .xlsx, read through its central directory, with every entry inflated by one
bounded loop of our own (``_Zip.pieces``).

Zip bombs: entry count, total declared size and per-entry ratio come from the central directory; an
entry is inflated in pieces of at most ``_CHUNK`` bytes (a small one in one zlib call), never more than
its declared size plus one byte, and refused when it yields more or less than declared or a wrong CRC.
In total we never inflate more than ``max_uncompressed``. Each entry's local header must tell what
the central directory tells (name, method, sizes, CRC), so a reader that walks local headers cannot be
shown another file than the one checked. Names are compared folded (``_norm``): two entries that fold
to one name are refused (readers could pick different ones).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterator
from functools import lru_cache

from selfeval.readers.limits import Limits
from selfeval.readers.limits import refuse as _refuse
from selfeval.readers.limits import size_text as _size

_CHUNK = 1024 * 1024  # parts are inflated and scanned in pieces of at most this size; smaller ones whole
_FEED = 256 * 1024  # compressed bytes handed to zlib at a time (what it leaves over is copied each call)
_LOCAL = struct.Struct("<4s2xHH4xIIIHH")  # local file header: signature, flags, method, CRC, sizes, lengths
_CENTRAL = struct.Struct("<4s2xBx2H4xIII3H8xI")  # zipfile.structCentralDir, the fields zipfile keeps
_END = struct.Struct("<4s4H2LH")  # zipfile.structEndArchive
_ZIP64_EXTRA = 0x0001


def _norm(name: str) -> str:
    """A part name folded for comparison: separators, case, and "."/".." segments, so that
    "xl/./worksheets/Sheet1.xml" and "xl/worksheets/x/../sheet1.xml" are the sheet they name.
    Every workbook names the same few parts: short names are folded once per process."""
    return _fold_short(name) if len(name) <= 128 else _fold(name)


def _fold(name: str) -> str:
    parts: list[str] = []
    for piece in name.replace("\\", "/").lower().split("/"):
        if piece in ("", "."):
            continue
        if piece == "..":
            if parts:
                parts.pop()
        else:
            parts.append(piece)
    return "/".join(parts)


_fold_short = lru_cache(maxsize=2048)(_fold)  # at most 2048 names of <= 128 characters are kept


class _Entry:
    """A central directory record, by the names zipfile.ZipInfo gives what we use of it."""

    __slots__ = ("filename", "orig_filename", "flag_bits", "compress_type", "CRC", "compress_size")
    __slots__ += ("file_size", "header_offset")


def _plain_directory(data: bytes) -> list[_Entry] | None:
    """The central directory exactly as zipfile's reader reads it, in the plain case xlsx writers
    produce: the end record last, without a comment or a zip64 locator before it; no zip64 field, no
    version zipfile refuses, nothing cut short. None otherwise: zipfile reads (or refuses) it then.
    zipfile's general reader took about an eighth of preflight's time (tests/test_preflight_paths.py
    compares the two on every zip of the corpus and on mutated ones)."""
    end = len(data) - 22
    if end < 0 or data[end : end + 4] != b"PK\x05\x06" or data[-2:] != b"\x00\x00":
        return None
    if end >= 20 and data[end - 20 : end - 16] == b"PK\x06\x07":
        return None  # a zip64 end record locator
    size_cd, offset_cd = _END.unpack_from(data, end)[5:7]
    concat = end - size_cd - offset_cd  # bytes before the archive (zipfile shifts every offset by it)
    start = offset_cd + concat
    if start < 0 or start + size_cd > end:
        return None
    entries, pos, stop = [], start, start + size_cd
    while pos < stop:
        if pos + 46 > stop:
            return None
        signature, version, flags, method, crc, packed, size, name_len, extra_len, comment_len, offset = (
            _CENTRAL.unpack_from(data, pos)
        )
        names_end = pos + 46 + name_len
        if (
            signature != b"PK\x01\x02"
            or version > zipfile.MAX_EXTRACT_VERSION
            or names_end + extra_len > stop
        ):
            return None
        if 0xFFFFFFFF in (packed, size, offset) or not _plain_extra(data[names_end : names_end + extra_len]):
            return None
        try:
            name = data[pos + 46 : names_end].decode("utf-8" if flags & 0x800 else "cp437")
        except UnicodeDecodeError:
            return None
        entry = _Entry()
        entry.orig_filename, entry.filename = name, name.split("\x00", 1)[0]  # zipfile stops at a NUL
        entry.flag_bits, entry.compress_type, entry.CRC = flags, method, crc
        entry.compress_size, entry.file_size, entry.header_offset = packed, size, offset + concat
        entries.append(entry)
        pos = names_end + extra_len + comment_len
    return entries


def _plain_extra(extra: bytes) -> bool:
    """Extra fields zipfile reads without a change or an error: well formed, none of them zip64."""
    while len(extra) >= 4:
        kind, length = struct.unpack_from("<HH", extra)
        if length + 4 > len(extra) or kind == _ZIP64_EXTRA:
            return False
        extra = extra[length + 4 :]
    return True


Entry = zipfile.ZipInfo | _Entry  # what _Zip.infos holds: from _plain_directory, or else from zipfile


def _raw_name(info: Entry) -> bytes:
    """The name's bytes as the central directory holds them (ASCII reads the same in both codes)."""
    name = info.orig_filename
    return name.encode("utf-8" if info.flag_bits & 0x800 or name.isascii() else "cp437")


def _end_records(data: bytes) -> int:
    """How many end-of-central-directory records close the file: a signature counts only where its
    comment length reaches exactly the end (the four bytes alone turn up by chance in compressed data,
    about one workbook in a thousand)."""
    tail_start = max(0, len(data) - (65535 + 22))
    count, pos = 0, data.rfind(b"PK\x05\x06", tail_start)
    while pos >= 0:
        if pos + 22 <= len(data) and pos + 22 + int.from_bytes(data[pos + 20 : pos + 22], "little") == len(
            data
        ):
            count += 1
        pos = data.rfind(b"PK\x05\x06", tail_start, pos)
    return count


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
        if _end_records(data) > 1:
            raise _refuse("CORRUPT")  # two end records: readers could disagree on the contents
        infos: list | None = _plain_directory(data)
        if infos is None:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:  # any error becomes CORRUPT in preflight()
                infos = zf.infolist()
        self.infos: list[Entry] = infos
        if len(self.infos) > limits.max_zip_entries:
            raise _refuse("TOO_MANY_PARTS", count=len(self.infos), limit=limits.max_zip_entries)
        self.by_norm: dict[str, Entry] = {}
        for info in self.infos:
            key = _norm(info.filename)
            if key in self.by_norm:
                raise _refuse("CORRUPT")  # duplicate names: readers could pick different ones
            self.by_norm[key] = info

    def _stream(self, info: Entry) -> memoryview:
        """An entry's compressed bytes, after checking that its local header tells what the central
        directory tells: a reader that walks local headers (or trusts them for the method, sizes or CRC)
        must not see another file than we check."""
        if info.flag_bits & 0x1:
            raise _refuse("ENCRYPTED")
        data = self.data
        start = info.header_offset
        if start < 0 or start + 30 > len(data):
            raise _refuse("CORRUPT")
        signature, flags, method, crc, packed, size, name_len, extra_len = _LOCAL.unpack_from(data, start)
        name = data[start + 30 : start + 30 + name_len]
        blank = 0 if flags & 0x8 else None  # with a data descriptor, the local CRC and sizes may be zero
        if (
            signature != b"PK\x03\x04"
            or method != info.compress_type
            or (flags ^ info.flag_bits) & 0x1  # encrypted in one and not the other
            or name != _raw_name(info)
            or crc not in (info.CRC, blank)
            or packed not in (info.compress_size, blank, 0xFFFFFFFF)  # 0xFFFFFFFF: sizes in a zip64 field
            or size not in (info.file_size, blank, 0xFFFFFFFF)
        ):
            raise _refuse("CORRUPT")
        begin = start + 30 + name_len + extra_len
        end = begin + info.compress_size
        if end > len(data):
            raise _refuse("CORRUPT")
        return self.view[begin:end]

    def pieces(self, info: Entry) -> Iterator[bytes]:
        """The one way an entry is inflated: in pieces of at most _CHUNK bytes (a small entry is one
        piece, from one zlib call), never more than its declared size plus one byte in all, each byte
        counted against max_uncompressed. Refused, before the last piece is followed by the end, when
        the stream is longer or shorter than the directory says, is cut short, or its CRC differs: a
        caller reads an entry to its end (or refuses the file)."""
        compressed = self._stream(info)
        declared = info.file_size
        if info.compress_type == zipfile.ZIP_DEFLATED:
            inflater = zlib.decompressobj(-15)
        elif info.compress_type == zipfile.ZIP_STORED and info.compress_size == declared:
            inflater = None
        else:
            raise _refuse("CORRUPT")  # compression methods Excel never writes, or a stored size lie
        produced = crc = pos = 0
        while True:
            if inflater is None:
                if pos >= len(compressed):
                    break
                piece = bytes(compressed[pos : pos + _CHUNK])
                pos += _CHUNK
            else:
                if inflater.eof:
                    break
                source = inflater.unconsumed_tail
                if not source and pos < len(compressed):
                    source = compressed[pos : pos + _FEED]
                    pos += _FEED
                try:  # max_length is never 0 (which would mean unbounded)
                    piece = inflater.decompress(source, min(_CHUNK, declared - produced + 1))
                except zlib.error:
                    raise _refuse("CORRUPT") from None
                if not piece and not source:
                    break  # the input is spent and nothing more comes: cut short, refused below
            if piece:
                produced += len(piece)
                if produced > declared:
                    raise _refuse("CORRUPT")  # the stream is longer than the directory says
                crc = zlib.crc32(piece, crc)
                self._count(len(piece))
                yield piece
        if inflater is not None and not inflater.eof:
            raise _refuse("CORRUPT")  # cut short: the input ran out before the stream's end
        if produced != declared or crc != info.CRC:
            raise _refuse("CORRUPT")

    def _count(self, n: int) -> None:
        self.inflated += n
        if self.inflated > self.limits.max_uncompressed:
            raise _refuse(
                "UNCOMPRESSED_TOO_LARGE", size=_size(self.inflated), limit=_size(self.limits.max_uncompressed)
            )

    def read_small(self, info: Entry, cap: int = 16 * 1024 * 1024) -> bytes:
        """A structure part whole (one piece when small: join hands it back without a copy)."""
        if info.file_size > cap:
            raise _refuse("CORRUPT")
        return b"".join(self.pieces(info))
