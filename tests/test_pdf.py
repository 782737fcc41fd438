"""Forms as published: every workbook the tests build, printed to PDF, reads as the workbook does (issue 21).

LibreOffice Calc prints the workbooks (one soffice run for the whole session, cached in a tmp dir)
and reportlab draws the same cells, ruled and without lines, portrait and landscape, one page per
form, a form over two pages (the indicator header printed again or not), several forms in one PDF.
Each PDF is compared with its own workbook read by the workbook reader: every declared figure,
computed score and issue, cell by cell (the cell's sheet is the page, its row and column the same).
"""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from selfeval.readers import read_bytes
from selfeval.rules import score
from selfeval.serialize import scorecard_to_dict
from selfeval.template import write_template
from tests import family_forms as ff
from tests import pdf_print as pp
from tests.conftest import SEED
from tests.test_seed import EXPECTED
from tests.test_workbook_variants import LAYOUTS
from tests.workbook_variants import write_layout

SEED_FORMS = list(read_bytes(SEED.read_bytes(), "seed.txt").forms)
FAMILIES = ("central", "yunnan", "sichuan", "leftovers")


def _workbooks() -> dict[str, bytes]:
    """name -> the workbook as the tests build it (before printing)."""
    books = {name: getattr(ff, name)() for name in FAMILIES}
    books |= {f"seed_{name}": write_layout(SEED_FORMS, layout) for name, layout in LAYOUTS.items()}
    books["template"] = write_template([score(f) for f in SEED_FORMS])
    books["cover"] = ff.with_cover(ff.central())
    return books


WORKBOOKS = _workbooks()


def _printed_by_libreoffice() -> dict[str, bytes]:
    """name -> the workbook with a unit's page setup, for LibreOffice."""
    out = {}
    for name in FAMILIES:
        out[f"{name}_portrait"] = pp.printable(WORKBOOKS[name])
        out[f"{name}_landscape"] = pp.printable(WORKBOOKS[name], landscape=True)
    out["central_two_pages_header_repeated"] = pp.printable(
        WORKBOOKS["central"], break_after=15, repeat_rows="12:12"
    )
    out["central_two_pages"] = pp.printable(WORKBOOKS["central"], break_after=15)
    out["central_two_pages_titles_repeated"] = pp.printable(
        WORKBOOKS["central"], break_after=15, repeat_rows="1:2"
    )
    for name in LAYOUTS:
        out[f"seed_{name}"] = pp.printable(WORKBOOKS[f"seed_{name}"], landscape=name == "everything")
    out["template"] = pp.printable(WORKBOOKS["template"], landscape=True, page_setup_only=True)
    out["cover"] = pp.printable(WORKBOOKS["cover"])
    return out


@pytest.fixture(scope="session")
def libreoffice(tmp_path_factory) -> dict[str, bytes]:
    """Every PDF LibreOffice prints for these tests, in one soffice run per test session."""
    return pp.libreoffice(_printed_by_libreoffice(), tmp_path_factory.mktemp("printed"))


def _source(name: str) -> bytes:
    """The workbook a printed PDF came from."""
    for family in FAMILIES:
        if name.startswith(family):
            return WORKBOOKS[family]
    return WORKBOOKS[name]


_PLACE = re.compile(r"^(?:[A-Z]{1,2}\d+|第\d+行)$")


def _unwrapped(text: str) -> str:
    """Text without its spaces: a printout drops the space where a line wraps (the PDF cannot know
    it was there), and the figures compared beside the text are numbers."""
    return re.sub(r"\s+", "", text)


def _without_sheet(value, sheet: str, places: bool):
    """A scorecard's JSON with file and sheet names out of it (and rows and columns, unless places)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in ("source", "sheet"):
                continue
            if key in ("row", "col") and not places:
                item = 0
            elif isinstance(item, str) and key in ("location", "loc", "cell"):
                item = item.rpartition("!")[2]
                item = item if places or not _PLACE.match(item) else ""
            elif isinstance(item, str) and key == "message":
                item = _unwrapped(item.replace(f"“{sheet}”", "“<sheet>”"))
            elif isinstance(item, str):
                item = _unwrapped(item)
            else:
                item = _without_sheet(item, sheet, places)
            out[key] = item
        return out
    if isinstance(value, list):
        return [_without_sheet(v, sheet, places) for v in value]
    return value


def outcome(data: bytes, name: str, *, places: bool = True, notes: bool = True) -> list:
    """Everything read and computed, per form: the scorecard's JSON without the file and sheet names
    (a PDF's sheet is its page). places=False also drops rows and columns (forms drawn one after
    another on a page sit lower than on their own sheet); notes=False drops the info notes."""
    result = read_bytes(data, name)
    assert not [p for p in result.problems if p.severity == "error"], result.problems
    cards = [_without_sheet(scorecard_to_dict(score(f)), f.sheet, places) for f in result.forms]
    for card in cards if not notes else ():
        card["issues"] = [i for i in card["issues"] if i["severity"] != "info"]
    return cards


# --- LibreOffice ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [f"{f}_{o}" for f in FAMILIES for o in ("portrait", "landscape")])
def test_family_printed_by_libreoffice_reads_as_its_workbook(libreoffice, name):
    assert outcome(libreoffice[name], f"{name}.pdf") == outcome(_source(name), f"{name}.xlsx")


def test_national_table_printed_reads_every_figure(libreoffice):
    result = read_bytes(libreoffice["central_portrait"], "劳模管理.pdf")
    assert result.kind == "pdf" and result.problems == ()
    (form,) = result.forms
    card = score(form)
    h, f = form.header, form.funds
    assert (h.project_name, h.year, h.unit, h.budget_unit) == (
        "劳模管理",
        "2023",
        "深圳市福田区总工会（本级）",
        "深圳市福田区总工会",
    )
    assert (f.total.initial_budget, f.total.annual_budget, f.total.executed) == (350000.0, 350000.0, 345202.0)
    assert (f.money_unit, f.declared_weight, f.declared_rate, f.declared_score) == ("万元", 10.0, 98.63, 9.86)
    assert form.goals.achieved == "举办活动128人次，劳模满意度93.97%。"
    rows = [
        (s.indicator.name, s.indicator.target, s.indicator.actual, s.indicator.weight, s.score)
        for s in card.indicators
    ]
    assert rows == [(r[2], r[3], r[4], float(r[5]), float(r[6])) for r in ff.CENTRAL_ROWS]
    assert (card.rate, card.budget_score, card.total, card.grade, card.verification) == (
        98.63,
        9.86,
        99.86,
        "优",
        "verified",
    )
    assert [(i.code, i.location) for i in card.issues] == [("FIELD_MISSING", "第1页!第1行")]
    assert card.indicators[0].indicator.cells["name"].col == 4  # D, merged over D:E
    assert card.indicators[0].indicator.cells["reason"].col == 10  # J, merged over J:K


@pytest.mark.parametrize(
    "name", ["central_two_pages_header_repeated", "central_two_pages", "central_two_pages_titles_repeated"]
)
def test_a_form_over_two_pages_is_one_form(libreoffice, name):
    result = read_bytes(libreoffice[name], f"{name}.pdf")
    (form,) = result.forms
    assert form.sheet == "第1–2页"
    assert outcome(libreoffice[name], f"{name}.pdf", places=False) == outcome(
        WORKBOOKS["central"], "c.xlsx", places=False
    )


@pytest.mark.parametrize("layout", LAYOUTS)
def test_thirteen_forms_in_one_pdf_score_like_the_seed(libreoffice, layout):
    data = libreoffice[f"seed_{layout}"]
    got = outcome(data, f"{layout}.pdf")
    assert got == outcome(WORKBOOKS[f"seed_{layout}"], f"{layout}.xlsx")
    totals = [card["total"] for card in got]
    assert totals == [e[5] for e in EXPECTED]


def test_the_template_we_write_printed_reads_back(libreoffice):
    result = read_bytes(libreoffice["template"], "template.pdf")
    assert len(result.forms) == 13
    assert outcome(libreoffice["template"], "t.pdf") == outcome(WORKBOOKS["template"], "t.xlsx")


def test_a_cover_page_is_skipped_with_a_note(libreoffice):
    result = read_bytes(libreoffice["cover"], "cover.pdf")
    assert len(result.forms) == 1
    notes = [(p.code, p.severity) for p in result.problems]
    assert ("SHEET_SKIPPED_KIND", "info") in notes and all(s == "info" for _, s in notes)


# --- reportlab ----------------------------------------------------------------------------------------


def _sheets(data: bytes) -> list:
    return [ws for ws in openpyxl.load_workbook(io.BytesIO(data)).worksheets if ws.max_row > 1]


@pytest.mark.parametrize("landscape", [False, True], ids=["portrait", "landscape"])
@pytest.mark.parametrize("family", FAMILIES)
def test_family_drawn_with_ruling_lines_reads_as_its_workbook(family, landscape):
    data = pp.drawn(_sheets(WORKBOOKS[family]), landscape=landscape)
    assert outcome(data, f"{family}.pdf") == outcome(WORKBOOKS[family], f"{family}.xlsx")


@pytest.mark.parametrize("family", FAMILIES)
def test_borders_as_filled_bars_over_backgrounds_read_as_the_workbook(family):
    """Excel's way: a white rectangle behind the page, grey cells, borders as thin filled bars. Only
    the bars are lines: a background is no table."""
    data = pp.drawn(_sheets(WORKBOOKS[family]), bars=True)
    assert outcome(data, f"{family}.pdf") == outcome(WORKBOOKS[family], f"{family}.xlsx")


@pytest.mark.parametrize("family", FAMILIES)
def test_a_landscape_page_stored_turned_reads_upright(family):
    data = pp.drawn(_sheets(WORKBOOKS[family]), landscape=True, stored_turned=True)
    assert b"/Rotate 90" in data
    assert outcome(data, f"{family}.pdf") == outcome(WORKBOOKS[family], f"{family}.xlsx")


@pytest.mark.parametrize("repeat", [True, False], ids=["header_repeated", "header_not_repeated"])
def test_drawn_over_two_pages(repeat):
    data = pp.drawn(
        _sheets(WORKBOOKS["central"]), break_after={0: 15}, repeat_header={0: 12} if repeat else None
    )
    assert [f.sheet for f in read_bytes(data, "two.pdf").forms] == ["第1–2页"]
    assert outcome(data, "two.pdf", places=False) == outcome(WORKBOOKS["central"], "c.xlsx", places=False)


def test_thirteen_forms_drawn_one_a_page():
    data = pp.drawn(_sheets(WORKBOOKS["seed_national_geometry"]))
    assert outcome(data, "seed.pdf") == outcome(WORKBOOKS["seed_national_geometry"], "seed.xlsx")


def test_forms_drawn_one_after_another_on_a_page():
    sheets = [*_sheets(WORKBOOKS["sichuan"]), *_sheets(WORKBOOKS["yunnan"]), *_sheets(WORKBOOKS["leftovers"])]
    data = pp.drawn(sheets, landscape=True, together=True)
    result = read_bytes(data, "together.pdf")
    assert [f.sheet for f in result.forms][:2] == ["第1页", "第1页"]
    expected = [
        outcome(WORKBOOKS[n], f"{n}.xlsx", places=False)[0] for n in ("sichuan", "yunnan", "leftovers")
    ]
    assert outcome(data, "together.pdf", places=False) == expected


@pytest.mark.parametrize("family", FAMILIES)
def test_drawn_without_lines_is_read_as_printed_or_refused(family):
    """No ruling lines: the gutters decide, through the text layouts' column reader. A form it
    cannot place is refused with the line; one it reads is read exactly."""
    data = pp.drawn(_sheets(WORKBOOKS[family]), landscape=True, ruled=False)
    result = read_bytes(data, f"{family}.pdf")
    errors = [p for p in result.problems if p.severity == "error"]
    if errors:
        assert not result.forms and all(re.search(r"[\u4e00-\u9fff]", p.message) for p in errors)
        return
    # a name merged down the rows prints beside the middle row: read there, and said (an info note)
    expected = outcome(WORKBOOKS[family], "x.xlsx", places=False, notes=False)
    assert outcome(data, "x.pdf", places=False, notes=False) == expected


def test_a_form_without_lines_reads():
    data = pp.drawn(_sheets(WORKBOOKS["sichuan"]), landscape=True, ruled=False)
    (form,) = read_bytes(data, "sichuan.pdf").forms
    card = score(form)
    assert (form.funds.total.annual_budget, form.funds.total.executed, card.total) == (
        200000.0,
        190000.0,
        98.32,
    )
    assert outcome(data, "x.pdf", places=False) == outcome(WORKBOOKS["sichuan"], "x.xlsx", places=False)


# --- refused, with the reason --------------------------------------------------------------------------


def _message(code: str, data: bytes) -> list[str]:
    return [p.message for p in read_bytes(data, "x.pdf").problems if p.code == code]


def test_text_running_over_its_neighbours_is_refused_not_read(tmp_path):
    """Printed without borders or wrapping, long cells overflow into their neighbours and the sheet is
    cut between pages (the kind of printout a hurried unit publishes): refused with the reason."""
    (pdf,) = pp.libreoffice({"careless": WORKBOOKS["central"]}, tmp_path).values()
    result = read_bytes(pdf, "careless.pdf")
    assert result.forms == ()
    assert {p.code for p in result.problems} <= {"PDF_TEXT_OVERLAPS", "PDF_TEXT_CLIPPED"}


def test_a_cell_whose_text_crosses_its_lines_is_refused():
    """A value drawn past its cell's right line, as a cell whose text overflows prints."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    for x in (50, 150, 250):
        c.line(x, 700, x, 800)
    for y in (700, 750, 800):
        c.line(50, y, 250, y)
    c.setFont("STSong-Light", 9)
    c.drawString(55, 770, "项目名称")
    c.drawString(155, 770, "一个很长很长很长很长很长的项目名称")  # runs over the line at x=250
    c.drawString(55, 720, "项目编码")
    c.save()
    assert _message("PDF_TEXT_CROSSES_LINES", out.getvalue())


def test_the_benchmark_forms_drawn_read_as_their_workbooks():
    """The generated forms of bench/ (template and plain layouts; the fifth's 备注 falls alone on a
    second page, in a one-cell table)."""
    from bench.workbooks import generate

    for book in generate(8):
        data = pp.drawn(_sheets(book.data))
        assert outcome(data, "b.pdf", places=False) == outcome(book.data, "b.xlsx", places=False), book.name


def test_a_page_of_notes_after_a_finished_form_is_its_own():
    """A form, then a page of notes printed without lines: the form is finished (its 总分 printed), so
    the notes page is not joined to it (joined, the two kinds of page would refuse the form)."""
    wb = openpyxl.load_workbook(io.BytesIO(WORKBOOKS["sichuan"]))
    notes = wb.create_sheet("说明")
    notes["A1"] = "填表说明"
    notes["A2"] = "本表由项目单位填报，数据以预算管理一体化系统为准。"
    data = pp.drawn(wb.worksheets, unruled=frozenset({1}))
    result = read_bytes(data, "notes.pdf")
    assert [f.sheet for f in result.forms] == ["第1页"]
    assert [(p.code, p.severity) for p in result.problems] == [("SHEET_SKIPPED_KIND", "info")]
    assert outcome(data, "n.pdf") == outcome(WORKBOOKS["sichuan"], "s.xlsx")
