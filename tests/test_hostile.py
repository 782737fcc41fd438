"""Hostile and broken input end to end: nothing crashes, nothing is half-stored, exports stay inert.

Preflight's own corpus (tests/badfiles.py) is pushed through the whole upload path into a real store;
form-level mischief (formula-like text, control characters, huge cells, bad amounts, wrong weights,
duplicated codes) is built from the seed forms here.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import replace

import openpyxl
import pytest

from selfeval.checks import batch_issues
from selfeval.ingest import ingest_file
from selfeval.profile import load_profile
from selfeval.readers import read_bytes
from selfeval.rules import score
from selfeval.serialize import scorecards_to_csv
from selfeval.store import open_store
from selfeval.template import write_template
from tests import badfiles, variants
from tests.conftest import SEED

PROFILE = load_profile()
KINDS = {"xlsx", "xls", "pdf", "text"}
NOT_A_FORM = {"FORM_NOT_FOUND", "FUNDS_MISSING", "INDICATORS_MISSING", "HEADER_MISSING", "PDF_SCANNED"}
HOSTILE = [
    "=1+1",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    '\t=HYPERLINK("http://x")',
    "=cmd|'/c calc'!A1",
]


@pytest.fixture()
def store(tmp_path):
    s = open_store(tmp_path / "hostile.duckdb", seed=None)
    yield s
    s.close()


def _counts(store) -> dict[str, int]:
    return store.table_counts()


@pytest.mark.parametrize(("make", "expected"), badfiles.CORPUS, ids=[m.__name__ for m, _ in badfiles.CORPUS])
def test_corpus_through_the_upload_path(store, make, expected):
    name, data = make()
    before = _counts(store)
    outcome = ingest_file(store, name, data, PROFILE)
    if expected in KINDS:
        # valid containers holding no complete form: said so, with where, and nothing stored
        assert outcome.stored == ()
        assert outcome.problems and {p.code for p in outcome.problems} <= NOT_A_FORM
        assert all(p.location for p in outcome.problems)
        assert _counts(store) == before
    else:
        assert [p.code for p in outcome.problems] == [expected]
        assert re.search(r"[\u4e00-\u9fff]", outcome.problems[0].message)
        assert outcome.stored == () and _counts(store) == before


def test_a_batch_with_bad_files_still_stores_the_good_ones(store):
    files = [
        badfiles.zip_bomb(),
        ("seed.txt", SEED.read_bytes()),
        badfiles.encrypted_ooxml(),
        badfiles.png_as_xlsx(),
    ]
    outcomes = [ingest_file(store, name, data, PROFILE) for name, data in files]
    assert [len(o.stored) for o in outcomes] == [0, 13, 0, 0]
    assert [bool(o.problems) for o in outcomes] == [True, False, True, True]
    assert len(store.current_submission_ids()) == 13


def _seed_forms():
    return read_bytes(SEED.read_bytes(), "seed.txt").forms


def _hostile_form():
    form = _seed_forms()[0]
    rows = list(form.indicators)
    for i, text in enumerate(HOSTILE):
        ind = rows[i]
        rows[i] = replace(ind, reason=text, actual=ind.actual if i else text)
    rows[6] = replace(rows[6], reason="很长的原因" * 2000)  # a 10,000-character cell
    rows[7] = replace(rows[7], reason="控制\x07字符\x1b与\x00空字节")
    header = replace(form.header, project_name='=HYPERLINK("http://evil","劳模管理")')
    goals = replace(form.goals, achieved="@achieved " + form.goals.achieved)
    return replace(form, indicators=tuple(rows), header=header, goals=goals)


def _formula_cells(xlsx: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        return [
            n
            for n in z.namelist()
            if n.startswith("xl/worksheets/") and b"<f>" in z.read(n) or b"<f " in z.read(n)
        ]


def test_exported_template_holds_no_formula_from_user_text():
    card = score(_hostile_form(), PROFILE)
    xlsx = write_template([card])
    assert _formula_cells(xlsx) == []
    ws = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    texts = {c.value: c.data_type for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    for text in HOSTILE:
        assert texts.get(text.replace("\t", "")) == "s" or texts.get(text) == "s", text
    assert not any(isinstance(v, str) and v.startswith("=") and t == "f" for v, t in texts.items())


def test_hostile_text_survives_the_round_trip_as_text():
    card = score(_hostile_form(), PROFILE)
    back = read_bytes(write_template([card]), "back.xlsx").forms[0]
    reasons = [i.reason for i in back.indicators]
    assert reasons[1:5] == [h.strip() for h in HOSTILE[1:5]]  # cell text is trimmed, never evaluated
    assert reasons[6] == "很长的原因" * 2000
    assert reasons[7] == "控制字符与空字节"  # control characters dropped, words kept
    assert back.header.project_name.startswith("=HYPERLINK")


def test_csv_export_neutralises_formulas():
    card = score(_hostile_form(), PROFILE)
    rows = list(csv.reader(io.StringIO(scorecards_to_csv([card]).decode("utf-8-sig"))))
    cells = [c for row in rows for c in row]
    assert not any(c.startswith(("=", "+", "@", "\t")) for c in cells)
    assert "'=1+1" in cells and "'@SUM(A1:A2)" in cells


def test_hostile_text_upload_is_stored_and_reexported_safely(store):
    text = variants.split_forms(variants.seed_text())[0].replace("\t无\n", "\t=1+1\n", 1)
    outcome = ingest_file(store, "注入.txt", text.encode("utf-8"), PROFILE)
    assert len(outcome.stored) == 1
    card = store.load_scorecard(outcome.stored[0])
    assert any(i.reason == "=1+1" for i in card.form.indicators)
    assert _formula_cells(write_template([card])) == []


def _edit_funds(form, **amounts):
    return replace(form, funds=replace(form.funds, total=replace(form.funds.total, **amounts)))


def test_negative_and_missing_amounts():
    form = _seed_forms()[0]
    negative = score(_edit_funds(form, executed=-5.0), PROFILE)
    assert "AMOUNT_NEGATIVE" in {i.code for i in negative.issues}
    missing = score(_edit_funds(form, executed=None), PROFILE)
    assert "AMOUNT_MISSING" in {i.code for i in missing.issues}
    assert missing.total is None and missing.grade is None


def test_non_numeric_amount_in_a_text_file():
    text = variants.split_forms(variants.seed_text())[0].replace(
        "350000.00\t345202.00", "350000.00\t三十四万", 1
    )
    result = read_bytes(text.encode("utf-8"), "bad-amount.txt")
    card = score(result.forms[0], PROFILE)
    codes = {i.code for i in card.issues}
    assert {"NUMBER_UNREADABLE", "AMOUNT_MISSING"} <= codes
    assert card.total is None


def test_duplicated_project_codes_in_one_batch():
    forms = _seed_forms()
    cards = [score(f, PROFILE) for f in (forms[0], forms[0], forms[1])]
    problems = batch_issues(cards)
    assert [(p.code, p.location) for p in problems] == [("DUPLICATE_CODE", "440304226011500000008")]


def test_workbook_with_a_form_missing_its_grid_is_refused_with_where():
    card = score(_seed_forms()[0], PROFILE)
    wb = openpyxl.load_workbook(io.BytesIO(write_template([card])))
    ws = wb.active
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.replace("*", "").strip() in (
                "一级指标",
                "三级指标",
                "年度指标值",
            ):
                cell.value = None
    out = io.BytesIO()
    wb.save(out)
    result = read_bytes(out.getvalue(), "nogrid.xlsx")
    assert result.forms == ()
    assert [p.code for p in result.problems] == ["INDICATORS_MISSING"]
    assert result.problems[0].location.startswith(ws.title + "!")
