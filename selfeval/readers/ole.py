""".xls gate: the OLE/CFB container and the BIFF records of every sheet, stdlib only, loops bounded.

calamine trusts the container. A DIFAT chain that loops, or DIMENSIONS whose first row is past its
last (it computes rows - 1 in unsigned arithmetic), abort the process. So the CFB header, DIFAT, FAT,
directory sizes and every chain calamine follows are checked here, and every BIFF cell record,
DIMENSIONS, MERGECELLS and SST count of every sheet is bounded like the xlsx cells (a forged record
can put a cell at column 65535). Encrypted workbooks (``EncryptionInfo``, BIFF ``FILEPASS``) are refused.
"""

from __future__ import annotations

import struct

from selfeval.readers.limits import Extent as _Extent
from selfeval.readers.limits import Limits, Refused
from selfeval.readers.limits import phrase as _text
from selfeval.readers.limits import refuse as _refuse

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


def workbook_stream(data: bytes) -> bytes | None:
    """The `Workbook` stream of an .xls, read by the same container reader as the gate (the percent
    formats pass of percents.py reads it); None when the container gives none."""
    try:
        found = _Cfb(data).streams("Workbook")
    except Exception:  # the gate refused what matters; the percent pass only gives up
        return None
    return found[0] if found else None


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
