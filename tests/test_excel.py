"""workbook_to_grids: hand-built xlsx (openpyxl) and xls (xlwt) workbooks, Grids asserted exactly."""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import zipfile

import openpyxl
import pytest
import xlwt
from hypothesis import given, settings
from hypothesis import strategies as st

from selfeval.model import Cell, Grid
from selfeval.readers.excel import _sheet_to_grid, cell_text, number_text, workbook_to_grids
from selfeval.readers.percents import _xls_percent_cells, is_percent_format, percent_cells


def _cells(grid: Grid) -> list[tuple[int, int, str]]:
    return [(c.row, c.col, c.text) for row in grid.rows for c in row]


def _xlsx(build) -> bytes:
    wb = openpyxl.Workbook()
    build(wb)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _xls(build) -> bytes:
    wb = xlwt.Workbook()
    build(wb)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------ values


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (12.5, "12.5"),
        (350000.0, "350000"),
        (345202.0, "345202"),
        (98.63, "98.63"),
        (0.1 + 0.2, "0.30000000000000004"),  # the float itself; shortest repr, never rounded away
        (1e16, "1E+16"),  # beyond Excel's 15 digits: shown as Excel shows it
        (440304226011500000008.0, "4.403042260115E+20"),
        (1e-05, "0.00001"),
        (-0.0, "0"),
        (-3.25, "-3.25"),
        (7, "7"),
        (True, "TRUE"),
        (False, "FALSE"),
        ("  有效落实 \n", "有效落实"),
        ("a\r\nb", "a\nb"),
        (dt.date(2023, 11, 19), "2023年11月19日"),
        (dt.datetime(2023, 11, 19), "2023年11月19日"),
        (dt.datetime(2023, 11, 19, 9, 30), "2023年11月19日 09:30"),
        (float("nan"), ""),
    ],
)
def test_cell_text(value, text):
    assert cell_text(value) == text


@pytest.mark.parametrize(
    ("value", "text"), [(0.9863, "98.63%"), (1.0, "100%"), (0.3, "30%"), (0.123456, "12.3456%"), (0, "0%")]
)
def test_percent_text(value, text):
    assert cell_text(value, percent=True) == text


def test_number_text_reads_back_as_the_same_float():
    for value in (0.1, 1 / 3, 123456789.123, 2.5e-7, 123456789012345.0, 4005913.08):
        assert float(number_text(value)) == value
        assert "e" not in number_text(value).lower()


@pytest.mark.parametrize(
    ("code", "percent"),
    [
        ("0.00%", True),
        ("0%", True),
        ("#,##0.0%;[Red]-#,##0.0%", True),
        ('0.00"%"', False),
        ("0.00\\%", False),
        ("#,##0.00", False),
        ("[$%-804]0.00", False),
        ("yyyy-mm-dd", False),
        ("General", False),
    ],
)
def test_is_percent_format(code, percent):
    assert is_percent_format(code) is percent


# ------------------------------------------------------------------------------------------- xlsx


def _form_like_xlsx(wb: openpyxl.Workbook) -> None:
    ws = wb.active
    ws.title = "劳模管理"
    ws["A1"] = "项目支出绩效自评表"
    ws.merge_cells("A1:I1")  # horizontal
    ws["A2"] = "项目编码:"
    ws["B2"] = "440304226011500000008"  # 21 digits as text
    ws["F2"] = 2023
    ws["A3"] = "项目资金（元）"
    ws.merge_cells("A3:A5")  # vertical
    ws["B3"] = "年度资金总额"
    ws["C3"] = 350000
    ws["C3"].number_format = "#,##0.00"
    ws["D3"] = 345202.0
    ws["E3"] = 0.9863
    ws["E3"].number_format = "0.00%"
    ws["F3"] = 9.86
    ws["B4"] = "其中：当年财政拨款"
    ws["C4"] = "350000.00"  # a number kept as text
    ws["E4"] = 0.5
    ws["E4"].number_format = "0%"
    ws["B5"] = "  上年结转资金 "
    ws["C5"] = "=C3-C4"  # a formula: openpyxl stores no cached value
    ws["A7"] = "产出指标 (50分)"
    ws["B8"] = "hidden under the merge"  # merged A7:B9 below, as other writers leave it
    ws["A9"] = "hidden too"
    ws["C7"] = dt.date(2023, 11, 19)
    ws["C8"] = dt.datetime(2023, 12, 21, 0, 0)
    ws["C9"] = True
    ws["D9"] = "   "  # blank text: no cell
    wb.create_sheet("空表")
    other = wb.create_sheet("第二张")
    other["C4"] = "只有一个单元格"
    other["D6"] = 12.5
    other["D6"].number_format = '0.00"分"'


def _add_merges(data: bytes, refs: list[str], sheet: str = "xl/worksheets/sheet1.xml") -> bytes:
    """Merge ranges without clearing the cells under them (openpyxl clears, other writers do not)."""
    xml = "".join(f'<mergeCell ref="{ref}"/>' for ref in refs)

    def edit(name, body):
        if name != sheet:
            return body
        if b"<mergeCells" in body:
            body = re.sub(rb'<mergeCells count="\d+"', b"<mergeCells", body)
            return body.replace(b"</mergeCells>", xml.encode() + b"</mergeCells>")
        return body.replace(b"</sheetData>", f"</sheetData><mergeCells>{xml}</mergeCells>".encode())

    return _rewrite_zip(data, edit)


def test_xlsx_form_like_sheet_exactly():
    data = _add_merges(_xlsx(_form_like_xlsx), ["A7:B9"])  # both ways: the rest of A7:B9 empty
    grids = workbook_to_grids(data, "xlsx", "up.xlsx")
    assert [(g.sheet, bool(g.rows)) for g in grids] == [("劳模管理", True), ("空表", False), ("第二张", True)]
    first = grids[0]
    assert first.source == "up.xlsx"
    assert _cells(first) == [
        (1, 1, "项目支出绩效自评表"),
        (2, 1, "项目编码:"),
        (2, 2, "440304226011500000008"),
        (2, 6, "2023"),
        (3, 1, "项目资金（元）"),
        (3, 2, "年度资金总额"),
        (3, 3, "350000"),
        (3, 4, "345202"),
        (3, 5, "98.63%"),
        (3, 6, "9.86"),
        (4, 1, "项目资金（元）"),
        (4, 2, "其中：当年财政拨款"),
        (4, 3, "350000.00"),
        (4, 5, "50%"),
        (5, 1, "项目资金（元）"),
        (5, 2, "上年结转资金"),
        (7, 1, "产出指标 (50分)"),
        (7, 3, "2023年11月19日"),
        (8, 1, "产出指标 (50分)"),
        (8, 3, "2023年12月21日"),
        (9, 1, "产出指标 (50分)"),
        (9, 3, "TRUE"),
    ]
    # rows hold their cells left to right, one tuple per non-empty row
    assert [tuple(c.row for c in row) for row in first.rows][:2] == [(1,), (2, 2, 2)]
    assert first.rows[0] == (Cell("项目支出绩效自评表", 1, 1),)
    assert _cells(grids[2]) == [(4, 3, "只有一个单元格"), (6, 4, "12.5")]


def test_xlsx_several_sheets_keep_order_and_names():
    def build(wb):
        wb.active.title = "A"
        wb.active["A1"] = 1
        wb.create_sheet("B")
        wb.create_sheet("C")["B2"] = "c"
        hidden = wb.create_sheet("D")
        hidden["A1"] = "d"
        hidden.sheet_state = "hidden"

    grids = workbook_to_grids(_xlsx(build), "xlsx", "s.xlsx")
    assert [(g.sheet, _cells(g)) for g in grids] == [
        ("A", [(1, 1, "1")]),
        ("B", []),
        ("C", [(2, 2, "c")]),
        ("D", [(1, 1, "d")]),
    ]


def test_xlsx_all_empty_gives_an_empty_grid():
    """An empty sheet is kept as a Grid without rows, so the reader can say it skipped it."""
    assert [g.rows for g in workbook_to_grids(_xlsx(lambda wb: None), "xlsx", "e.xlsx")] == [()]


def test_xlsx_merge_beyond_data_is_clipped():
    def build(wb):
        ws = wb.active
        ws["A1"] = "年度绩效指标"
        ws["B2"] = "x"

    (grid,) = workbook_to_grids(_add_merges(_xlsx(build), ["A1:A1048576"]), "xlsx", "m.xlsx")
    assert _cells(grid) == [(1, 1, "年度绩效指标"), (2, 1, "年度绩效指标"), (2, 2, "x")]


def test_xlsx_merge_with_empty_top_left_empties_the_range():
    def build(wb):
        ws = wb.active
        ws["C1"] = "keep"
        ws["B2"] = "stale"

    (grid,) = workbook_to_grids(_add_merges(_xlsx(build), ["A1:B2"]), "xlsx", "m.xlsx")
    assert _cells(grid) == [(1, 3, "keep")]


def test_xlsx_merges_wide_and_narrow_empty_what_they_cover():
    """A merge narrower than the row and one wider than the row's cells: both leave the top-left
    value, fill it down the left column, and empty the rest of the range, whatever lies under it."""

    def build(wb):
        ws = wb.active
        for col in "ABCDEFGH":
            ws[f"{col}1"] = f"{col}1"
            ws[f"{col}2"] = f"{col}2"
        ws["A4"] = "宽"
        ws["F4"] = "under wide"
        ws["Z5"] = "under wide too"
        ws["AA5"] = "beside"

    merges = ["B1:C2", "A4:Z5"]  # narrow over full rows; wide over rows of two cells
    (grid,) = workbook_to_grids(_add_merges(_xlsx(build), merges), "xlsx", "m.xlsx")
    assert _cells(grid) == [
        *[(1, c, f"{'ABCDEFGH'[c - 1]}1") for c in (1, 2, 4, 5, 6, 7, 8)],
        (2, 1, "A2"),
        (2, 2, "B1"),
        *[(2, c, f"{'ABCDEFGH'[c - 1]}2") for c in (4, 5, 6, 7, 8)],
        (4, 1, "宽"),
        (5, 1, "宽"),
        (5, 27, "beside"),
    ]


def test_xlsx_merge_fills_rows_without_values_and_keeps_the_percent_text():
    """A vertical merge over rows holding nothing fills them (in order, between the rows around them),
    with the top-left's text as shown (a percent stays a percent); CRLF in a cell reads as LF."""

    def build(wb):
        ws = wb.active
        ws["A1"] = 0.9863
        ws["A1"].number_format = "0.00%"
        ws["B4"] = "below"
        ws["C1"] = "两行\r\n文字"

    (grid,) = workbook_to_grids(_add_merges(_xlsx(build), ["A1:A3"]), "xlsx", "m.xlsx")
    assert _cells(grid) == [
        (1, 1, "98.63%"),
        (1, 3, "两行\n文字"),
        (2, 1, "98.63%"),
        (3, 1, "98.63%"),
        (4, 2, "below"),
    ]


class _Sheet:
    """What _sheet_to_grid reads of a calamine sheet: a fresh list of rows on each call, as calamine gives."""

    def __init__(self, start, values, merges):
        self.name, self.start, self.values, self.merged_cell_ranges = "S", start, values, merges

    def to_python(self):
        return [list(row) for row in self.values]


def _model_grid(start, values, merges, percents) -> list[tuple[int, int, str]]:
    """The Grid's cells by the definition (model.Cell), one position at a time: each value's text;
    merges in order, each clipped to the last row holding text, the top-left's text kept and put on
    the left cell of each further row, the rest of the range emptied."""
    row0, col0 = start
    texts = {}
    for i, row in enumerate(values):
        for j, value in enumerate(row):
            r, c = row0 + i + 1, col0 + j + 1
            if value is not None and value != "":
                texts[r, c] = cell_text(value, percent=(r - 1, c - 1) in percents)
    texts = {k: t for k, t in texts.items() if t}
    if not texts:
        return []
    last = max(r for r, _ in texts)
    for (r1, c1), (r2, c2) in merges:
        r1, c1, r2, c2 = r1 + 1, c1 + 1, min(r2 + 1, last), c2 + 1
        if r2 < r1:
            continue
        top = texts.get((r1, c1))
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1):
                    texts.pop((r, c), None)
            if top is not None and r > r1:
                texts[r, c1] = top
    return sorted((r, c, t) for (r, c), t in texts.items())


_VALUES = st.sampled_from(
    ["", "", "", "a", " b ", "   ", "x\r\ny", 0.0, 4.55, 10.0, 1e16, None, True, 3, "c"]
)


def _assert_as_defined(start, values, merges, percents=frozenset()) -> None:
    grid = _sheet_to_grid(_Sheet(start, values, merges), "s", percents)
    model = _model_grid(start, values, merges, percents)
    assert _cells(grid) == [(r, c, t.replace("\r\n", "\n")) for r, c, t in model]
    assert all(row and len({c.row for c in row}) == 1 for row in grid.rows)
    assert [row[0].row for row in grid.rows] == sorted({row[0].row for row in grid.rows})
    assert all([c.col for c in row] == sorted({c.col for c in row}) for row in grid.rows)


@settings(max_examples=300)
@given(
    start=st.tuples(st.integers(0, 3), st.integers(0, 3)),
    shape=st.tuples(st.integers(1, 6), st.integers(1, 5)),
    data=st.data(),
)
def test_sheet_to_grid_matches_the_definition(start, shape, data):
    """Any values and merges (overlapping, beyond the data, above or left of it, inverted) give the
    cells the definition gives, rows in order and each row left to right."""
    height, width = shape
    values = [[data.draw(_VALUES) for _ in range(width)] for _ in range(height)]
    corner = st.tuples(st.integers(0, start[0] + height + 1), st.integers(0, start[1] + width + 1))
    spans = st.tuples(st.integers(-1, 4), st.integers(-1, 4))
    drawn = data.draw(st.lists(st.tuples(corner, spans), max_size=5))
    merges = [((r, c), (r + dr, c + dc)) for (r, c), (dr, dc) in drawn]
    _assert_as_defined(start, values, merges, frozenset(data.draw(st.lists(corner, max_size=3))))


def test_merge_stops_above_trailing_blank_rows():
    """calamine's rows can end with rows of blanks (spaces, empty formulas): a merge is clipped above them."""
    _assert_as_defined((0, 0), [["a"], ["  "], [None]], [((0, 0), (2, 0))])
    assert _cells(_sheet_to_grid(_Sheet((0, 0), [["a"], ["  "]], [((0, 0), (1, 0))]), "s", frozenset())) == [
        (1, 1, "a")
    ]


def _rewrite_zip(data: bytes, edit) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, edit(item.filename, src.read(item.filename)))
    return out.getvalue()


def test_xlsx_percent_with_prefixed_tags_and_cells_without_ref():
    def build(wb):
        ws = wb.active
        ws["A1"] = 0.25
        ws["B1"] = 0.5
        ws["B1"].number_format = "0.0%"
        ws["A2"] = 0.75
        ws["A2"].number_format = "0%"

    def edit(name, body):
        if name == "xl/worksheets/sheet1.xml":
            body = body.replace(b' r="B1"', b"").replace(b' r="A2"', b"")  # r is optional in OOXML
        return body

    (grid,) = workbook_to_grids(_rewrite_zip(_xlsx(build), edit), "xlsx", "p.xlsx")
    assert _cells(grid) == [(1, 1, "0.25"), (1, 2, "50%"), (2, 1, "75%")]


def test_xlsx_styles_with_entities_lose_only_the_percent_sign():
    def build(wb):
        wb.active["A1"] = 0.9863
        wb.active["A1"].number_format = "0.00%"

    def edit(name, body):  # defusedxml refuses entity declarations; the cells are still read
        if name == "xl/styles.xml":
            return body.replace(b"<numFmts", b'<!DOCTYPE x [<!ENTITY a "b">]><numFmts')
        return body

    (grid,) = workbook_to_grids(_rewrite_zip(_xlsx(build), edit), "xlsx", "b.xlsx")
    assert _cells(grid) == [(1, 1, "0.9863")]


# -------------------------------------------------------------------------------------------- xls


def _form_like_xls(wb: xlwt.Workbook) -> None:
    ws = wb.add_sheet("劳模管理")
    percent = xlwt.easyxf(num_format_str="0.00%")
    ws.write_merge(0, 0, 0, 8, "项目支出绩效自评表")  # horizontal A1:I1
    ws.write(1, 0, "项目编码:")
    ws.write(1, 1, "440304226011500000008")
    ws.write_merge(2, 4, 0, 0, "项目资金（元）")  # vertical A3:A5
    ws.write(2, 1, "年度资金总额")
    ws.write(2, 2, 350000.0, xlwt.easyxf(num_format_str="#,##0.00"))
    ws.write(2, 3, 345202)
    ws.write(2, 4, 0.9863, percent)
    ws.write(2, 5, 9.86)
    ws.write(3, 1, "其中：当年财政拨款")
    ws.write(3, 2, "350000.00")
    ws.write(3, 4, 1, xlwt.easyxf(num_format_str="0%"))
    ws.write(4, 2, xlwt.Formula("C3-C4"))
    ws.write(6, 2, dt.date(2023, 11, 19), xlwt.easyxf(num_format_str="yyyy-mm-dd"))
    ws.write(6, 3, True)
    wb.add_sheet("空表")
    other = wb.add_sheet("第二张")
    other.write(3, 2, "只有一个单元格")
    for r in range(10, 400):  # enough records for a Workbook stream in regular sectors
        other.write(r, 0, r / 1000, percent)


def test_xls_form_like_sheet_exactly():
    grids = workbook_to_grids(_xls(_form_like_xls), "xls", "up.xls")
    assert [(g.sheet, bool(g.rows)) for g in grids] == [("劳模管理", True), ("空表", False), ("第二张", True)]
    assert _cells(grids[0]) == [
        (1, 1, "项目支出绩效自评表"),
        (2, 1, "项目编码:"),
        (2, 2, "440304226011500000008"),
        (3, 1, "项目资金（元）"),
        (3, 2, "年度资金总额"),
        (3, 3, "350000"),
        (3, 4, "345202"),
        (3, 5, "98.63%"),
        (3, 6, "9.86"),
        (4, 1, "项目资金（元）"),
        (4, 2, "其中：当年财政拨款"),
        (4, 3, "350000.00"),
        (4, 5, "100%"),
        (5, 1, "项目资金（元）"),
        (7, 3, "2023年11月19日"),
        (7, 4, "TRUE"),
    ]
    second = _cells(grids[2])
    assert second[0] == (4, 3, "只有一个单元格")
    assert second[1:3] == [(11, 1, "1%"), (12, 1, "1.1%")]
    assert len(second) == 1 + 390


def test_xls_without_percent_formats():
    def build(wb):
        ws = wb.add_sheet("S")
        ws.write(0, 0, 0.9863)
        ws.write(0, 1, "文本")

    (grid,) = workbook_to_grids(_xls(build), "xls", "n.xls")
    assert _cells(grid) == [(1, 1, "0.9863"), (1, 2, "文本")]


def test_xls_percent_pass_tolerates_garbage():
    assert percent_cells(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "xls") == {}
    assert percent_cells(b"not a workbook", "xls") == {}
    assert percent_cells(b"not a zip", "xlsx") == {}


def _biff(rtype: int, body: bytes = b"") -> bytes:
    return struct.pack("<HH", rtype, len(body)) + body


def _tiny_xls_stream() -> bytes:
    """A BIFF8 Workbook stream: cell XFs 1 (built-in 0.00%) and 2 (custom 0.0%), a style XF 3 (0%)."""

    def xf(ifmt: int, flags: int) -> bytes:
        return _biff(0x00E0, struct.pack("<HHH", 0, ifmt, flags) + b"\x00" * 14)

    name = "表一".encode("utf-16-le")
    globals_ = [
        _biff(0x0809, struct.pack("<HH", 0x0600, 0x0005) + b"\x00" * 12),
        _biff(0x041E, struct.pack("<HHB", 164, 4, 0) + b"0.0%"),
        xf(0, 0xFFF5),  # 0: style XF (fStyle set)
        xf(10, 0x0001),  # 1: cell XF, 0.00%
        xf(164, 0x0001),  # 2: cell XF, 0.0%
        xf(9, 0x0004),  # 3: style XF, 0% (never a cell's percent)
    ]
    boundsheet_len = 4 + 4 + 2 + 2 + len(name)
    sheet_at = sum(map(len, globals_)) + boundsheet_len + 4  # after BOUNDSHEET and EOF
    globals_ += [
        _biff(0x0085, struct.pack("<IBBBB", sheet_at, 0, 0, 2, 1) + name),
        _biff(0x000A),
    ]
    sheet = [
        _biff(0x0809, struct.pack("<HH", 0x0600, 0x0010) + b"\x00" * 12),
        _biff(0x0203, struct.pack("<HHHd", 0, 1, 1, 0.9863)),  # NUMBER B1, percent
        _biff(0x027E, struct.pack("<HHHI", 1, 0, 2, 0)),  # RK A2, percent
        _biff(0x00BD, struct.pack("<HHHIHIH", 2, 0, 0, 0, 1, 0, 1)),  # MULRK A3 (plain), B3 (percent)
        _biff(0x0203, struct.pack("<HHHd", 3, 0, 3, 1.0)),  # A4 with the style XF: not a percent
        _biff(0x000A),
    ]
    stream = b"".join(globals_ + sheet)
    assert len(globals_[0]) + sum(map(len, globals_[1:])) == sheet_at
    return stream


def _tiny_cfb(stream: bytes) -> bytes:
    """An OLE compound file whose Workbook stream is small enough to live in the mini stream."""
    free, end, fat_sect = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    mini_count = -(-len(stream) // 64)
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIII", header, 0x2C, 1, 1, 0, 4096, 2, 1, end, 0)
    struct.pack_into("<109I", header, 0x4C, 0, *([free] * 108))
    fat = struct.pack("<128I", fat_sect, end, end, end, *([free] * 124))

    def entry(name: str, kind: int, start: int, size: int) -> bytes:
        raw = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        raw[: len(encoded)] = encoded
        struct.pack_into("<HBB", raw, 64, len(encoded), kind, 1)
        struct.pack_into("<III", raw, 68, free, free, 1 if kind == 5 else free)
        struct.pack_into("<IQ", raw, 0x74, start, size)
        return bytes(raw)

    directory = entry("Root Entry", 5, 3, 64 * mini_count) + entry("Workbook", 2, 0, len(stream))
    directory = directory.ljust(512, b"\x00")
    minifat = struct.pack(f"<{mini_count}I", *range(1, mini_count), end).ljust(512, b"\xff")
    mini_stream = stream.ljust(64 * mini_count, b"\x00").ljust(512 * -(-64 * mini_count // 512), b"\x00")
    return bytes(header) + fat + directory + minifat + mini_stream


def test_xls_percent_cells_from_a_mini_stream_workbook():
    from selfeval.readers.ole import workbook_stream

    stream = _tiny_xls_stream()
    data = _tiny_cfb(stream)
    assert workbook_stream(data) == stream
    assert _xls_percent_cells(data) == {"表一": frozenset({(0, 1), (1, 0), (2, 1)})}
