"""Preflight's one way of inflating a zip entry (issue 23): every part, small or large, goes through
_Zip.pieces, whose one loop bounds, counts and checks it, and whose local header must tell what the
central directory tells. Small parts take one zlib call, large ones many: each lie is refused alike."""

import io
import random
import struct
import zipfile
import zlib

import pytest

from selfeval.readers import xmlscan, ziparchive
from selfeval.readers.limits import DEFAULT_LIMITS, Limits
from selfeval.readers.preflight import Refused, inspect, preflight
from tests import badfiles

SHEET = badfiles._sheet_xml(badfiles._cell("A1", "项目").join(['<row r="1">', "</row>"]))
SHEET_PART = "xl/worksheets/sheet1.xml"


def outcome(data: bytes) -> str:
    try:
        return preflight(data, "a.xlsx")
    except Refused as refused:
        return refused.code


def _lying_sheet(lie: str) -> bytes:
    """A one-sheet package whose sheet entry's stream disagrees with its directory record."""
    method, payload, crc, size = badfiles._deflated(SHEET)
    if lie == "longer":  # the stream inflates to more than declared (CRC of the declared prefix)
        size -= 10
        crc = zlib.crc32(SHEET[:size])
    elif lie == "shorter":  # declared more than the stream holds
        size += 10
    elif lie == "crc":
        crc ^= 1
    elif lie == "cut":  # the deflate stream ends before its end block
        payload = payload[: len(payload) // 2]
    elif lie == "stored":  # stored, but the sizes differ
        method, payload, crc, size = zipfile.ZIP_STORED, SHEET, zlib.crc32(SHEET), len(SHEET) + 1
    elif lie == "bomb":  # declared 100 bytes, inflates to 50 MB
        method, payload, crc, size = badfiles._deflated(b"<a>" + b" " * 50_000_000 + b"</a>")
        size = 100
    elif lie == "method":  # bzip2, which Excel never writes
        method = zipfile.ZIP_BZIP2
    return badfiles._raw_zip(badfiles._package_parts((method, payload, crc, size)))


LIES = ["longer", "shorter", "crc", "cut", "stored", "bomb", "method"]


@pytest.mark.parametrize("lie", LIES)
@pytest.mark.parametrize(("chunk", "feed"), [(1024 * 1024, 256 * 1024), (7, 256 * 1024), (7, 5), (4096, 3)])
def test_every_lie_is_refused_in_one_piece_or_many(monkeypatch, lie, chunk, feed):
    """One loop for every size: the sheet in one zlib call, or inflated 7 bytes at a time, or fed
    to zlib 3-5 compressed bytes at a time (what zlib leaves unconsumed is handed back first)."""
    monkeypatch.setattr(ziparchive, "_CHUNK", chunk)
    monkeypatch.setattr(ziparchive, "_FEED", feed)
    assert outcome(_lying_sheet(lie)) == "CORRUPT"


@pytest.mark.parametrize(("chunk", "feed"), [(1024 * 1024, 256 * 1024), (7, 256 * 1024), (7, 5), (4096, 3)])
def test_the_same_workbook_is_read_alike_in_one_piece_or_many(monkeypatch, chunk, feed):
    name, data = badfiles.valid_xlsx()
    kind, parts = inspect(data, name)
    monkeypatch.setattr(ziparchive, "_CHUNK", chunk)
    monkeypatch.setattr(ziparchive, "_FEED", feed)
    assert inspect(data, name) == (kind, parts) and kind == "xlsx" and parts


def test_every_entry_is_inflated_once_and_only_through_pieces(monkeypatch):
    """No second inflate path: zlib is reached only from _Zip.pieces, once per entry."""
    name, data = badfiles.valid_xlsx()
    opened: list[str] = []
    inflaters = 0
    real_pieces, real_decompressobj = ziparchive._Zip.pieces, zlib.decompressobj

    def pieces(self, info):
        opened.append(info.filename)
        return real_pieces(self, info)

    def decompressobj(*args):
        nonlocal inflaters
        inflaters += 1
        return real_decompressobj(*args)

    monkeypatch.setattr(ziparchive._Zip, "pieces", pieces)
    monkeypatch.setattr(ziparchive.zlib, "decompressobj", decompressobj)
    assert inspect(data, name)[0] == "xlsx"
    entries = [info.filename for info in zipfile.ZipFile(io.BytesIO(data)).infolist()]
    assert sorted(opened) == sorted(entries)
    assert inflaters == len(entries)  # every entry of an openpyxl workbook is deflated


def test_every_inflated_byte_counts_against_the_total():
    name, data = badfiles.valid_xlsx()
    z = ziparchive._Zip(data, DEFAULT_LIMITS)
    z.limits = Limits(max_uncompressed=100)
    info = max(z.infos, key=lambda i: i.file_size)
    with pytest.raises(Refused) as refused:
        list(z.pieces(info))
    assert refused.value.code == "UNCOMPRESSED_TOO_LARGE"


def _local_header_at(data: bytes, part: str) -> int:
    return next(i.header_offset for i in zipfile.ZipFile(io.BytesIO(data)).infolist() if i.filename == part)


@pytest.mark.parametrize(
    ("field", "offset", "fmt"),
    [
        ("method", 8, "<H"),
        ("crc", 14, "<I"),
        ("packed size", 18, "<I"),
        ("size", 22, "<I"),
        ("name", 30, "<B"),
    ],
)
def test_a_local_header_that_disagrees_with_the_directory_is_refused(field, offset, fmt):
    """Readers that walk local headers, or trust them for the method, sizes or CRC, would read
    another file than the one the central directory describes and we check."""
    name, data = badfiles.valid_xlsx()
    at = _local_header_at(data, SHEET_PART) + offset
    (value,) = struct.unpack_from(fmt, data, at)
    changed = value ^ 1 if field != "method" else zipfile.ZIP_STORED
    lying = data[:at] + struct.pack(fmt, changed) + data[at + struct.calcsize(fmt) :]
    assert outcome(data) == "xlsx"
    assert outcome(lying) == "CORRUPT", field


def test_local_headers_with_a_data_descriptor_are_read():
    """A writer that streams (zipfile to a pipe, some servers) leaves the local CRC and sizes zero
    and writes them after the data: the central directory's are the ones checked against the data."""
    name, data = badfiles.valid_xlsx()

    class Pipe(io.RawIOBase):
        def __init__(self):
            self.out = bytearray()

        def writable(self):
            return True

        def write(self, b):
            self.out += b
            return len(b)

    source, pipe = zipfile.ZipFile(io.BytesIO(data)), Pipe()
    with zipfile.ZipFile(pipe, "w", zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            z.writestr(info.filename, source.read(info))
    streamed = bytes(pipe.out)
    first = zipfile.ZipFile(io.BytesIO(streamed)).infolist()[0]
    assert first.flag_bits & 0x8 and struct.unpack_from("<I", streamed, first.header_offset + 14) == (0,)
    assert outcome(streamed) == "xlsx"
    crc_at = _local_header_at(streamed, SHEET_PART) + 14  # left zero, or else the directory's: never another
    assert outcome(streamed[:crc_at] + b"\x01\x00\x00\x00" + streamed[crc_at + 4 :]) == "CORRUPT"


def test_markups_finds_what_the_regex_finds():
    rng = random.Random(23)
    for _ in range(5000):
        alphabet = rng.choice([b"<!?a", b"<!?ab c>", b"<<??!!", b"x!y?<", b"!!!!!!!!<?"])
        buf = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 300)))
        assert list(xmlscan._markups(buf)) == [m.start() for m in xmlscan._MARKUP.finditer(buf)], buf


def _formulas(n: int) -> str:
    return "".join(
        f'<c r="A{r}"><f>Sheet1!B{r}</f><v>1</v></c>'.join(["<row>", "</row>"]) for r in range(1, n + 1)
    )


@pytest.mark.parametrize("many", [3, xmlscan._MEMCHR_HITS + 5])
def test_markup_after_many_exclamation_marks_is_still_refused(many):
    """Formulas (Sheet1!B2) put '!' in every sheet: past _MEMCHR_HITS of them the regex takes over,
    and a comment or a DOCTYPE after them is refused as anywhere else."""
    ok = badfiles._one_sheet(badfiles._sheet_xml(_formulas(many)))
    assert outcome(ok) == "xlsx"
    commented = badfiles._sheet_xml(_formulas(many) + "<!-- x -->")
    assert outcome(badfiles._one_sheet(commented)) == "XML_UNSUPPORTED"
    styles = ("<a>" + "!?" * many + '<!DOCTYPE a [<!ENTITY e "x">]></a>').encode()  # scanned by _Markup
    with_dtd = badfiles._one_sheet(SHEET, extra_parts={"xl/styles.xml": styles})
    assert outcome(with_dtd) == "XML_DTD"
    late_pi = badfiles._sheet_xml(_formulas(many) + "<?pi x?>")
    assert outcome(badfiles._one_sheet(late_pi)) == "XML_UNSUPPORTED"


def test_rless_finds_what_the_tag_regexes_find():
    """_rless matches the full tag regexes only where one cheap search hits: it must say what they say."""
    rng = random.Random(24)
    pieces = [
        b'<c r="A1">',
        b"<c>",
        b"<c/>",
        b'<c t="n" r="B2">',
        b'<c t="n">',
        b"<c  r='C3'/>",
        b"<col>",
        b"x",
    ]
    pieces += [b'<c\nr="A1">', b'<c s="1"/>', b"<c r = 'A1'>", b"<c", b' r="', b">", b'<row r="1">', b"<row>"]
    pieces += [b'<row ht="2" r="3"/>', b"<rows>", b"<x:c>", b'<x:row r="1">', b"<x:row/>", b"<x:col>"]
    exact = (xmlscan._RLESS_C, xmlscan._RLESS_ROW, xmlscan._RLESS_PREFIXED)
    for _ in range(5000):
        buf = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert xmlscan._rless(buf) == any(p.search(buf) for p in exact), buf


@pytest.mark.parametrize(("max_rows", "max_cols"), [(20000, 200), (9, 26), (100, 27)])
def test_values_near_the_limits_are_found_where_the_exact_regex_finds_them(max_rows, max_cols):
    """r_near/ref_near (literals for a plain r="A1") hit everywhere r_attr/ref_attr match."""
    rx = xmlscan._sheet_regexes(max_rows, max_cols)
    rng = random.Random(25)
    pieces = [b' r="A1"', b" r='B22'", b' r = "C3"', b' r="a1"', b' r="GR20000"', b' r="GS1"', b' r="20001"']
    pieces += [b' ref="A1:B2"', b" ref = 'A1'", b' sqref="A:A"', b' header="0.3"', b" r=", b'"', b"9", b"Z"]
    pieces += [b' r="\nA1"', b' ref="XFD1"', b"r\t=\t'A10'", b' r="AA100"', b' r="0"', b" ref='A1:GS2'"]
    pieces += [b' r = "GS1"', b" r\n='0'", b" ref = 'XFD1'", b' ref\t="A0"']
    for _ in range(5000):
        buf = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 10)))
        for near, exact in ((rx.r_near, rx.r_attr), (rx.ref_near, rx.ref_attr)):
            found = [hit.start() for hit in near.finditer(buf) if exact.match(buf, hit.start())]
            assert found == [m.start() for m in exact.finditer(buf)], buf


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ('<c t="n" r="A1"><v>1</v></c><c s="0" r="B1"><v>2</v></c>', "xlsx"),  # r not first: still placed
        ('<c t="n" r="A1"><v>1</v></c><c s="0" r="XFD1"><v>2</v></c>', "SHEET_TOO_LARGE"),
        ('<c r="A1"><v>1</v></c>' * 50 + "<c><v>2</v></c>" * 201, "SHEET_TOO_LARGE"),  # counted past GR
        ('<c t="n" r="A1"><v>1</v></c>' + "<c><v>2</v></c>" * 10, "xlsx"),
    ],
)
def test_cells_without_r_after_ordinary_ones_are_counted(cells, expected):
    assert outcome(badfiles._one_sheet(badfiles._sheet_xml(f'<row r="1">{cells}</row>'))) == expected


def test_a_utf16_styles_part_is_refused_like_every_other_xml_part():
    """A DOCTYPE in UTF-16 hides from a byte search: styles.xml is no exception."""
    styles = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>'
    data = badfiles._one_sheet(SHEET, extra_parts={"xl/styles.xml": styles.encode("utf-16")})
    assert outcome(data) == "XML_UNSUPPORTED"
    declared = b'<?xml version="1.0" encoding="UTF-7"?><styleSheet/>'
    assert outcome(badfiles._one_sheet(SHEET, extra_parts={"xl/styles.xml": declared})) == "XML_UNSUPPORTED"


ENTRY_FIELDS = ("filename", "orig_filename", "flag_bits", "compress_type", "CRC", "compress_size")
ENTRY_FIELDS += ("file_size", "header_offset")


def _zipfile_reads(data: bytes) -> list[tuple] | str:
    try:
        return [
            tuple(getattr(i, f) for f in ENTRY_FIELDS) for i in zipfile.ZipFile(io.BytesIO(data)).infolist()
        ]
    except Exception as error:  # noqa: BLE001 - any refusal of zipfile's is one outcome
        return type(error).__name__


def _with_zip64_end(data: bytes) -> bytes:
    """The same archive with a zip64 end record and its locator before the end record."""
    end = len(data) - 22
    _, _, _, count, _, size_cd, offset_cd, _ = struct.unpack_from("<4s4H2LH", data, end)
    record = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, size_cd, offset_cd)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, end, 1)
    return data[:end] + record + locator + data[end:]


def test_the_plain_directory_reader_reads_what_zipfile_reads():
    """_plain_directory replaces zipfile's general reader only where it reads exactly the same
    entries; everything else (zip64, comments, odd extras, a directory cut short) goes to zipfile.
    Compared on every zip of the corpus and on copies with bytes changed in the directory."""
    rng = random.Random(26)
    zips = [data for generator, _ in badfiles.CORPUS for _, data in [generator()] if data[:2] == b"PK"]
    zips += [badfiles.valid_xlsx()[1], badfiles.valid_xlsx_prefixed()[1]]
    zips += [_with_zip64_end(badfiles.valid_xlsx()[1]), b"junk before" + badfiles.valid_xlsx()[1]]
    plain = 0
    for data in zips:
        for k in range(40):
            mutant = bytearray(data)
            for _ in range(rng.randint(1, 3) if k else 0):  # the directory and end record are last
                mutant[rng.randrange(max(0, len(mutant) - 400), len(mutant))] = rng.randrange(256)
            mutant = bytes(mutant)
            entries = ziparchive._plain_directory(mutant)
            if entries is not None:
                plain += 1
                assert [tuple(getattr(e, f) for f in ENTRY_FIELDS) for e in entries] == _zipfile_reads(mutant)
    assert plain > len(zips) * 10  # the plain reader did read most of them
