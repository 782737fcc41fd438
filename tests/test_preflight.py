"""Preflight: every file of the bad-input corpus gets exactly the expected kind or refusal code."""

import io
import random
import re

import pytest
from python_calamine import CalamineWorkbook

from selfeval.readers import ziparchive
from selfeval.readers.preflight import (
    DEFAULT_LIMITS,
    MESSAGES,
    Limits,
    Refused,
    decode_text,
    preflight,
)
from tests import badfiles

KINDS = {"xlsx", "xls", "pdf", "text"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def outcome(data: bytes, name: str, limits: Limits = DEFAULT_LIMITS) -> str:
    """The kind, or the refusal code after checking its message is a finished Chinese sentence."""
    try:
        return preflight(data, name, limits)
    except Refused as refused:
        assert refused.message and CJK.search(refused.message), refused.message
        assert "{" not in refused.message and "}" not in refused.message, refused.message
        assert str(refused) == refused.message
        return refused.code


def read_all_sheets(data: bytes) -> list[int]:
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return [len(workbook.get_sheet_by_name(name).to_python()) for name in workbook.sheet_names]


@pytest.mark.parametrize(
    ("generator", "expected"), badfiles.CORPUS, ids=[g.__name__ for g, _ in badfiles.CORPUS]
)
def test_corpus(generator, expected):
    name, data = generator()
    assert outcome(data, name) == expected


CODES = sorted(key for key in MESSAGES if key.isupper())


def test_every_code_has_a_corpus_file():
    assert {expected for _generator, expected in badfiles.CORPUS} - KINDS == set(CODES)


@pytest.mark.parametrize("code", CODES)
def test_messages_are_chinese_sentences(code):
    template = MESSAGES[code]
    assert CJK.search(template)
    assert template.endswith("。")


def test_message_fragments_are_chinese():
    fragments = {key: text for key, text in MESSAGES.items() if not key.isupper()}
    assert fragments and all(CJK.search(text) for text in fragments.values())


@pytest.mark.parametrize(
    ("generator", "name"),
    [
        (badfiles.valid_xlsx, "自评表.txt"),
        (badfiles.valid_xlsx, "自评表.xls"),
        (badfiles.valid_xls, "自评表.xlsx"),
        (badfiles.text_gbk, "自评表.xlsx"),
        (badfiles.png_as_xlsx, "截图.png"),
    ],
)
def test_kind_is_decided_by_content_not_name(generator, name):
    original_name, data = generator()
    assert outcome(data, name) == outcome(data, original_name)


@pytest.mark.parametrize(
    ("generator", "expected"),
    [(g, e) for g, e in badfiles.CORPUS if e in ("xlsx", "xls")],
    ids=[g.__name__ for g, e in badfiles.CORPUS if e in ("xlsx", "xls")],
)
def test_accepted_workbooks_are_read_by_calamine(generator, expected):
    _name, data = generator()
    assert all(rows >= 0 for rows in read_all_sheets(data))


BIG = {
    badfiles.zip_bomb,
    badfiles.ratio_bomb,
    badfiles.rows_100k,
    badfiles.cells_without_r_huge,
    badfiles.size_lie,
    badfiles.styles_too_many,
}


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 13, 64, 1000])
def test_chunk_boundaries_change_nothing(monkeypatch, chunk):
    """Parts are streamed in chunks: tags, values and <!DOCTYPE split anywhere must still be seen."""
    monkeypatch.setattr(ziparchive, "_CHUNK", chunk)
    checked = 0
    for generator, expected in badfiles.CORPUS:
        if generator in BIG or generator is badfiles.too_large:
            continue
        name, data = generator()
        if data[:2] == b"PK":
            assert outcome(data, name) == expected, (generator.__name__, chunk)
            checked += 1
    assert checked > 20


def test_large_sheet_refusal_reports_the_real_extent():
    name, data = badfiles.rows_100k()
    with pytest.raises(Refused) as refused:
        preflight(data, name)
    assert "「明细」" in refused.value.message
    assert "100000 行 × 3 列" in refused.value.message


def one_cell(ref: str) -> bytes:
    row = re.search(r"[0-9]+$", ref)
    row_attr = f' r="{row.group(0)}"' if row and ref[:1].isupper() else ""
    return badfiles._one_sheet(badfiles._sheet_xml(f'<row{row_attr}><c r="{ref}"><v>1</v></c></row>'))


def column(n: int) -> str:
    letters = ""
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@pytest.mark.parametrize("max_rows", [1, 9, 10, 99, 100, 20000, 1048575])
@pytest.mark.parametrize("max_cols", [1, 26, 27, 200, 702, 703, 16383])
def test_cell_bound_is_exact(max_rows, max_cols):
    limits = Limits(max_sheet_rows=max_rows, max_sheet_cols=max_cols)
    assert outcome(one_cell(f"{column(max_cols)}{max_rows}"), "a.xlsx", limits) == "xlsx"
    assert outcome(one_cell(f"{column(max_cols)}{max_rows + 1}"), "a.xlsx", limits) == "SHEET_TOO_LARGE"
    assert outcome(one_cell(f"{column(max_cols + 1)}{max_rows}"), "a.xlsx", limits) == "SHEET_TOO_LARGE"


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("a1", "xlsx"),  # read case-insensitively by openpyxl
        ("A0001", "xlsx"),
        ("$B$2", "xlsx"),
        ("gs1", "SHEET_TOO_LARGE"),
        ("A020001", "SHEET_TOO_LARGE"),
        ("A" + "9" * 40, "SHEET_TOO_LARGE"),
        ("A1&#48;", "XML_UNSUPPORTED"),  # a value no reader agrees on
        ("", "XML_UNSUPPORTED"),
    ],
)
def test_odd_cell_references(ref, expected):
    assert outcome(one_cell(ref), "a.xlsx") == expected


def test_hyperlink_and_autofilter_ranges_are_not_the_sheet_extent():
    extra = '<autoFilter ref="A1:H1048576"/><hyperlinks><hyperlink ref="XFD1" r:id="rId9"/></hyperlinks>'
    data = badfiles._one_sheet(badfiles._sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>', "A1", extra))
    assert outcome(data, "a.xlsx") == "xlsx"


def test_styled_rows_beyond_the_limit_are_refused():
    """A row element is part of the sheet's extent even without cells (openpyxl fills the gap)."""
    rows = '<row r="1"><c r="A1"><v>1</v></c></row><row r="30000" ht="20" customHeight="1"/>'
    assert outcome(badfiles._one_sheet(badfiles._sheet_xml(rows)), "a.xlsx") == "SHEET_TOO_LARGE"


@pytest.mark.parametrize(
    ("generator", "limits", "expected"),
    [
        (badfiles.valid_xlsx, Limits(max_sheet_rows=10), "SHEET_TOO_LARGE"),
        (badfiles.valid_xlsx, Limits(max_sheet_cols=4), "SHEET_TOO_LARGE"),
        (badfiles.valid_xls, Limits(max_sheet_cols=4), "SHEET_TOO_LARGE"),
        (badfiles.valid_xls, Limits(max_sheet_rows=4), "SHEET_TOO_LARGE"),
        (badfiles.valid_xlsx, Limits(max_bytes=1000), "TOO_LARGE"),
        (badfiles.valid_xlsx, Limits(max_zip_entries=3), "TOO_MANY_PARTS"),
        (badfiles.valid_xlsx, Limits(max_uncompressed=2000), "UNCOMPRESSED_TOO_LARGE"),
        (badfiles.rows_100k, Limits(max_ratio=2), "COMPRESSION_RATIO"),
        (badfiles.valid_xlsx, Limits(max_cell_chars=9), "xlsx"),  # longest cell: 项目支出绩效自评表
        (badfiles.valid_xlsx, Limits(max_cell_chars=8), "CELL_TOO_LONG"),
        (badfiles.text_utf8, Limits(max_cell_chars=5), "TEXT_LINE_TOO_LONG"),
        (badfiles.text_utf8, Limits(max_sheet_rows=2), "TEXT_TOO_MANY_LINES"),
    ],
)
def test_limits_are_honoured(generator, limits, expected):
    name, data = generator()
    assert outcome(data, name, limits) == expected


def test_preflight_only_ever_returns_a_kind_or_raises_refused():
    """Truncated and bit-flipped workbooks: a kind or a clean refusal, and calamine survives what passes.

    calamine may still *raise* on a damaged file that passes - including pyo3's PanicException,
    which derives from BaseException, so readers must catch it explicitly - but it must never
    abort the process (an abort here kills the whole test run)."""
    rng = random.Random(7)
    for generator in (badfiles.valid_xlsx, badfiles.valid_xls, badfiles.valid_xls_mini_stream):
        _name, data = generator()
        variants = [data[:cut] for cut in range(0, len(data), max(1, len(data) // 60))]
        for _ in range(150):
            mutated = bytearray(data)
            for _ in range(rng.randint(1, 4)):
                mutated[rng.randrange(len(mutated))] = rng.randrange(256)
            variants.append(bytes(mutated))
        for variant in variants:
            result = outcome(variant, "x.xlsx")
            if result in ("xlsx", "xls"):
                try:
                    read_all_sheets(variant)
                except Exception:
                    pass
                except BaseException as error:
                    if type(error).__name__ != "PanicException":
                        raise


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ("项目".encode(), "项目"),
        (b"\xef\xbb\xbf" + "项目".encode(), "项目"),
        ("项目".encode("utf-16-le").join([b"\xff\xfe", b""]), "项目"),
        ("项目".encode("utf-16-be").join([b"\xfe\xff", b""]), "项目"),
        ("项目名称：某某".encode("gbk"), "项目名称：某某"),
        ("镕基金".encode("gb18030"), "镕基金"),  # a GBK-only character among common ones
    ],
)
def test_decode_text(data, text):
    assert decode_text(data) == text


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xfe\x00\xd8",
        b"\x80\x80\x80",
        "プロジェクト名の評価結果".encode("shift_jis"),
        b"\xef\xbb\xbf\xff",
    ],
)
def test_decode_text_refuses(data):
    with pytest.raises(Refused) as refused:
        decode_text(data)
    assert refused.value.code == "TEXT_ENCODING"


def test_defusedxml_guards_openpyxl():
    import defusedxml
    import openpyxl.xml

    assert defusedxml.__version__
    assert openpyxl.xml.DEFUSEDXML is True


def test_refused_carries_code_and_message():
    refused = Refused("EMPTY", MESSAGES["EMPTY"])
    assert (refused.code, refused.message, str(refused)) == ("EMPTY", MESSAGES["EMPTY"], MESSAGES["EMPTY"])
    assert "EMPTY" in repr(refused)


def test_end_record_bytes_inside_the_data_are_not_a_second_end_record():
    """PK\\x05\\x06 turns up by chance inside compressed parts (one generated workbook in a thousand):
    only a record whose comment reaches the end of the file counts, and two such records are refused."""
    import io
    import zipfile

    from selfeval.readers.ziparchive import _end_records

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("a.bin", b"xx" + b"PK\x05\x06" + b"\x00" * 30 + b"yy")
    plain = buf.getvalue()
    assert plain.count(b"PK\x05\x06") == 2 and _end_records(plain) == 1
    # a second, valid end record hidden in the first one's comment: two readers could disagree
    inner = plain[plain.rindex(b"PK\x05\x06") :]
    outer = bytearray(plain)
    outer[-2:] = len(inner).to_bytes(2, "little")
    assert _end_records(bytes(outer) + inner) == 2


def test_a_generated_workbook_with_end_record_bytes_in_its_sheet_is_read():
    """bench.workbooks.generate(1000, seed=99)'s bench00517_plain.xlsx, kept as it was written."""
    from pathlib import Path

    from selfeval.readers import read_bytes_in_process

    data = (Path(__file__).parent / "data" / "end-record-bytes-in-sheet.xlsx").read_bytes()
    assert b"PK\x05\x06" in data[: data.rindex(b"PK\x05\x06")]
    result = read_bytes_in_process(data, "bench00517_plain.xlsx")
    assert result.ok and len(result.forms) == 1
