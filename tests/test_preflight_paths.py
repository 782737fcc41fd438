"""Preflight's short ways (issue 23): a small zip entry inflated whole in one zlib call, and '<!'/'<?'
found by memchr. Each must refuse exactly what the streamed, chunk-by-chunk way refuses."""

import random
import zipfile
import zlib

import pytest

from selfeval.readers import xmlscan, zipxml
from selfeval.readers.limits import DEFAULT_LIMITS, Limits
from selfeval.readers.preflight import Refused, inspect, preflight
from tests import badfiles

SHEET = badfiles._sheet_xml(badfiles._cell("A1", "项目").join(['<row r="1">', "</row>"]))


def outcome(data: bytes) -> str:
    try:
        return preflight(data, "a.xlsx")
    except Refused as refused:
        return refused.code


def _lying_sheet(lie: str) -> bytes:
    """A one-sheet package whose small sheet entry disagrees with its directory record."""
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
    return badfiles._raw_zip(badfiles._package_parts((method, payload, crc, size)))


def _no_streaming(monkeypatch) -> None:
    def chunks(self, info):
        raise AssertionError(f"{info.filename} was streamed, not inflated whole")

    monkeypatch.setattr(zipxml._Zip, "chunks", chunks)


@pytest.mark.parametrize("lie", ["longer", "shorter", "crc", "cut", "stored"])
def test_a_small_entry_inflated_whole_is_refused_as_when_streamed(monkeypatch, lie):
    data = _lying_sheet(lie)
    with monkeypatch.context() as whole:
        _no_streaming(whole)  # every entry is small: none may take the streamed way
        assert outcome(data) == "CORRUPT"
    monkeypatch.setattr(zipxml, "_CHUNK", 7)  # every entry streamed in 7-byte chunks
    assert outcome(data) == "CORRUPT"


def test_the_same_workbook_is_read_whole_and_streamed_alike(monkeypatch):
    name, data = badfiles.valid_xlsx()
    with monkeypatch.context() as whole:
        _no_streaming(whole)
        kind, parts = inspect(data, name)
    monkeypatch.setattr(zipxml, "_CHUNK", 7)
    assert inspect(data, name) == (kind, parts) and kind == "xlsx" and parts


def test_inflating_whole_still_counts_against_the_total(monkeypatch):
    """The running total of inflated bytes is kept on the short way too."""
    name, data = badfiles.valid_xlsx()
    z = zipxml._Zip(data, DEFAULT_LIMITS)
    z.limits = Limits(max_uncompressed=100)
    info = max(z.infos, key=lambda i: i.file_size)
    with pytest.raises(Refused) as refused:
        z.inflate(info)
    assert refused.value.code == "UNCOMPRESSED_TOO_LARGE"


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


def test_rless_hint_finds_what_the_regex_finds():
    """_rless_c starts _RLESS_C's search at the first <c> whose first attribute is not r."""
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
    pieces += [b'<c\nr="A1">', b'<c s="1"/>', b"<c r = 'A1'>", b"<c", b' r="', b">"]
    for _ in range(5000):
        buf = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert xmlscan._rless_c(buf) == (xmlscan._RLESS_C.search(buf) is not None), buf


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
