"""Workbooks in other layouts (written here, not by our template) score like the published forms."""

from __future__ import annotations

import io

import openpyxl
import pytest
import xlwt  # a dev dependency: without it the test environment is broken, not the test

from selfeval.profile import load_profile
from selfeval.readers import read_bytes
from selfeval.rules import score
from tests.conftest import SEED
from tests.test_seed import EXPECTED
from tests.workbook_variants import Layout, write_layout

PROFILE = load_profile()
FORMS = list(read_bytes(SEED.read_bytes(), "seed.txt").forms)

LAYOUTS = {
    "plain": Layout(),
    "central_template_merges": Layout(name_span=2, reason_span=2, merge_levels=True),
    "titles_and_spacer_column": Layout(title_rows=3, spacer=True),
    "wan_yuan": Layout(wan=True),
    "numbers_as_text": Layout(text_numbers=True),
    "rate_and_actuals_as_fractions": Layout(fraction_rate=True, percent_actuals=True),
    "weight_before_target": Layout(weight_first=True),
    "slipped_rows": Layout(slipped_rows=(1, 4, 9)),
    "national_geometry": Layout(
        year_row=True,
        spacer=True,
        block_labels=True,
        name_span=2,
        reason_span=2,
        wan=True,
        rate_text=True,
        merge_levels=True,
    ),
    "national_blank_initial_budget": Layout(year_row=True, blank_initial=True, rate_text=True, name_span=2),
    "first_level_points_and_cover_sheet": Layout(level1_points=True, cover=True, merge_levels=True),
    "everything": Layout(
        title_rows=2,
        spacer=True,
        name_span=2,
        reason_span=2,
        wan=True,
        fraction_rate=True,
        percent_actuals=True,
        weight_first=True,
        merge_levels=True,
    ),
}


def _outcome(data: bytes, name: str):
    result = read_bytes(data, name)
    assert [p for p in result.problems if p.severity == "error"] == []
    cards = [score(f, PROFILE) for f in result.forms]
    return [
        (
            c.form.header.project_code,
            c.total,
            c.rate,
            tuple((s.indicator.name, s.score, s.indicator.declared_score) for s in c.indicators),
        )
        for c in cards
    ]


BASELINE = [
    (
        c.form.header.project_code,
        c.total,
        c.rate,
        tuple((s.indicator.name, s.score, s.indicator.declared_score) for s in c.indicators),
    )
    for c in (score(f, PROFILE) for f in FORMS)
]


@pytest.mark.parametrize("name", LAYOUTS)
def test_layout_scores_like_the_seed(name):
    got = _outcome(write_layout(FORMS, LAYOUTS[name]), f"{name}.xlsx")
    assert got == BASELINE
    assert [g[1] for g in got] == [e[5] for e in EXPECTED]


def test_wan_amounts_are_converted():
    form = read_bytes(write_layout(FORMS[:1], Layout(wan=True)), "wan.xlsx").forms[0]
    assert form.funds.money_unit == "万元"
    assert (form.funds.total.annual_budget, form.funds.total.executed) == (350000.0, 345202.0)


def test_fraction_rate_is_read_as_percent():
    card = score(read_bytes(write_layout(FORMS[:1], Layout(fraction_rate=True)), "f.xlsx").forms[0], PROFILE)
    assert card.form.funds.declared_rate == pytest.approx(98.63)
    assert not [i for i in card.issues if i.code == "RATE_MISMATCH"]


def test_xls_written_by_xlwt():
    book = xlwt.Workbook(encoding="utf-8")
    source = openpyxl.load_workbook(
        io.BytesIO(write_layout(FORMS[:3], Layout(name_span=2, merge_levels=True)))
    )
    for ws in source.worksheets:
        sheet = book.add_sheet(ws.title)
        merged = {(m.min_row, m.min_col): m for m in ws.merged_cells.ranges}
        covered = {
            (r, c)
            for m in ws.merged_cells.ranges
            for r in range(m.min_row, m.max_row + 1)
            for c in range(m.min_col, m.max_col + 1)
        }
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None or (
                    (cell.row, cell.column) in covered and (cell.row, cell.column) not in merged
                ):
                    continue
                m = merged.get((cell.row, cell.column))
                if m:
                    sheet.write_merge(m.min_row - 1, m.max_row - 1, m.min_col - 1, m.max_col - 1, cell.value)
                else:
                    sheet.write(cell.row - 1, cell.column - 1, cell.value)
    out = io.BytesIO()
    book.save(out)
    got = _outcome(out.getvalue(), "three.xls")
    assert got == BASELINE[:3]


def test_project_code_typed_as_a_number_is_reported_not_trusted():
    wb = openpyxl.load_workbook(io.BytesIO(write_layout(FORMS[:1], Layout())))
    ws = wb.active
    cell = next(c for row in ws.iter_rows() for c in row if c.value == "440304226011500000008")
    cell.value = 440304226011500000008  # what Excel keeps of it: 15 significant digits
    out = io.BytesIO()
    wb.save(out)
    (form,) = read_bytes(out.getvalue(), "number-code.xlsx").forms
    assert form.header.project_code == "4.403042260115E+20"
    card = score(form, PROFILE)
    problem = next(i for i in card.issues if i.code == "CODE_AS_NUMBER")
    assert problem.severity == "error" and problem.location == f"{ws.title}!{cell.coordinate}"
    assert "CODE_FORMAT" not in {i.code for i in card.issues}
