"""What forms say, normalised where it is read (red-team findings F1, F2, F6, F8): years and project
codes folded to one spelling, junk years never a number, look-alike codes of another unit's project
refused by the store (DuckDB and PostgreSQL), control characters never past the reader."""

from __future__ import annotations

import dataclasses
import io
import subprocess
import sys

import pandas as pd
import pytest
from openpyxl import load_workbook

from selfeval import checks, textnorm
from selfeval.access import Principal
from selfeval.ingest import ingest_file, score_bytes
from selfeval.present import exports
from selfeval.profile import load_profile
from selfeval.rules import score
from selfeval.store import AccessDenied, open_store
from tests.app_support import seed_workbook
from tests.conftest import ROOT, SEED

CODE = "440304226011500000008"
FIRST = "## 项目支出绩效自评表" + SEED.read_text(encoding="utf-8").split("## 项目支出绩效自评表")[1]
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _read(text: str):
    cards, problems, _ = score_bytes(text.encode(), "f.txt", load_profile())
    assert cards and not problems
    return cards[0]


def _with_year(year: str) -> str:
    assert "绩效自评年度:\t2023" in FIRST
    return FIRST.replace("绩效自评年度:\t2023", f"绩效自评年度:\t{year}")


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("2023", "2023"),
        ("２０２３", "2023"),  # full-width
        ("²⁰²³", "2023"),  # superscript: isdigit() yet no int()
        ("2023\u200b", "2023"),  # zero-width space
        ("2023年度", "2023"),
        ("二〇二三", "2023"),  # Chinese numerals, digit by digit (issue 20)
        ("二零二三年度", "2023"),
        ("二○二三年", "2023"),
    ],
)
def test_year_variants_are_read_as_the_year(written, read):
    card = _read(_with_year(written))
    assert card.form.header.year == read
    assert "YEAR_FORMAT" not in {i.code for i in card.issues}


@pytest.mark.parametrize("written", ["abc", "9999", "1E+308", "٢٠٢٣", "20231"])
def test_junk_years_are_reported_at_their_cell_and_never_a_number(written):
    card = _read(_with_year(written))
    year = card.form.header.year
    found = [i for i in card.issues if i.code == "YEAR_FORMAT"]
    assert found and found[0].location == str(card.form.header.locs["year"])
    assert textnorm.year_int(year) is None  # the one year parser the store keys typed values by too
    # the rules and checks dated nothing with it (a superscript year passed by a library caller too)
    header = dataclasses.replace(card.form.header, year=written.translate(SUPERSCRIPT))
    score(dataclasses.replace(card.form, header=header), load_profile())


@pytest.mark.parametrize("year", ["abc", "9999", "1E+308", "²⁰²³", "٢٠٢٣", "1950", "2101", "", "２０２３"])
def test_year_int_never_raises(year):
    assert textnorm.year_int(year) is None


def test_year_int_and_the_picker_order():
    assert textnorm.year_int("2023") == 2023 and textnorm.year_int(2024) == 2024
    assert checks.YEARS == textnorm.YEARS == (1990, 2100)
    years = ["abc", "2022", "9999", "2023", "1E+308", "1950"]
    assert textnorm.years_latest_first(years) == ["2023", "2022", "1950", "1E+308", "9999", "abc"]


@pytest.mark.parametrize(
    ("written", "read"),
    [
        (CODE.translate(FULLWIDTH), CODE),
        (CODE + "\u200b", CODE),
        ("\ufeff" + CODE[:5] + "\u2060" + CODE[5:], CODE),  # BOM, word joiner
        (CODE[:10] + "\u3000" + CODE[10:], CODE),  # ideographic space
    ],
)
def test_lookalike_codes_are_read_as_the_ascii_code(written, read):
    card = _read(FIRST.replace(CODE, written))
    assert card.form.header.project_code == read
    assert "CODE_FORMAT" not in {i.code for i in card.issues}


def test_a_code_in_other_digits_is_an_error_at_its_cell():
    card = _read(FIRST.replace(CODE, "٤" + CODE[1:]))
    found = [i for i in card.issues if i.code == "CODE_FORMAT"]
    assert found and found[0].severity == "error"
    assert found[0].location == str(card.form.header.locs["project_code"])
    assert textnorm.code_key(card.form.header.project_code) == CODE


@pytest.mark.parametrize(
    "code",
    [
        CODE.translate(FULLWIDTH),
        "٤" + CODE[1:],
        CODE + "\u200b",
        CODE.translate(ARABIC),
        CODE[:3] + "\u200d" + CODE[3:],
    ],
    ids=["fullwidth", "one-arabic-indic", "zwsp", "all-arabic-indic", "zwj"],
)
def test_a_lookalike_of_another_units_code_is_refused_naming_the_owner(store_location, code):
    root = open_store(store_location)
    try:
        b = _read(FIRST)
        b = score(
            dataclasses.replace(b.form, header=dataclasses.replace(b.form.header, unit="单位乙")),
            load_profile(),
        )
        root.save([b], source_name="b.txt", data=None, kind="text", origin="upload")
        editor_a = root.scoped(Principal("a@x.cn", "editor", ("单位甲",), True))
        attack = FIRST.replace(CODE, code).replace("深圳市福田区总工会（本级）", "单位甲").encode()
        out = ingest_file(editor_a, "a.txt", attack, load_profile(), origin="upload")
        assert not out.stored
        assert "单位乙" in " ".join(p.message for p in out.problems), out
        # the library straight (no reader): the store compares the normalised key too
        card = _read(FIRST.replace("深圳市福田区总工会（本级）", "单位甲"))
        raw = dataclasses.replace(card.form.header, project_code=code)
        with pytest.raises(AccessDenied, match="单位乙"):
            editor_a.save(
                [dataclasses.replace(card, form=dataclasses.replace(card.form, header=raw))],
                source_name="a.txt",
                data=None,
                kind="text",
                origin="upload",
            )
        assert root.project_scores()["project_code"].tolist() == [CODE]
    finally:
        root.close()


@pytest.mark.parametrize("year", ["二〇二三", "二零二三年度", "２０２３"])
def test_a_year_in_other_numerals_is_the_same_project_year_for_ownership(store_location, year):
    """Unit A writing B's project code with the year as 二〇二三 is B's project of 2023: refused."""
    root = open_store(store_location)
    try:
        b = _read(FIRST.replace("深圳市福田区总工会（本级）", "单位乙"))
        root.save([b], source_name="b.txt", data=None, kind="text", origin="upload")
        editor_a = root.scoped(Principal("a@x.cn", "editor", ("单位甲",), True))
        attack = _with_year(year).replace("深圳市福田区总工会（本级）", "单位甲").encode()
        out = ingest_file(editor_a, "a.txt", attack, load_profile(), origin="upload")
        assert not out.stored and "单位乙" in " ".join(p.message for p in out.problems), out
        assert set(root.table_rows("submissions", ["year"])) == {("2023",)}
    finally:
        root.close()


CTRL_NAME = "劳模\x01管理\x1b[31m\x85\x7f"


def test_control_characters_never_pass_the_reader():
    card = _read(FIRST.replace("劳模管理", CTRL_NAME, 1))
    assert card.form.header.project_name == "劳模管理[31m"
    assert textnorm.strip_controls("a\tb\r\nc\rd\x00") == "a\tb\nc\nd"


def test_control_characters_never_pass_the_workbook_reader():
    wb = load_workbook(io.BytesIO(seed_workbook()))
    ws = wb.active
    cell = next(c for row in ws.iter_rows() for c in row if c.value == "劳模管理")
    cell.value = "劳模_x0001_管理_x001B_"  # Excel's escapes: decoded by the readers to U+0001, ESC
    buf = io.BytesIO()
    wb.save(buf)
    cards, problems, _ = score_bytes(buf.getvalue(), "f.xlsx", load_profile())
    assert cards and not problems
    assert cards[0].form.header.project_name == "劳模管理"


def test_cli_score_prints_no_terminal_escapes_from_a_form(tmp_path):
    path = tmp_path / "ctrl.txt"
    path.write_text(FIRST.replace("劳模管理", CTRL_NAME, 1), encoding="utf-8")
    for extra in ([], ["--json"]):
        r = subprocess.run(
            [sys.executable, "-m", "selfeval", "score", str(path), *extra],
            capture_output=True,
            cwd=ROOT,
            check=False,
        )
        assert "劳模管理" in r.stdout.decode("utf-8")
        assert b"\x1b" not in r.stdout + r.stderr and b"\x01" not in r.stdout


def test_the_excel_table_export_drops_control_characters():
    frame = pd.DataFrame({"项目\x02名称": [CTRL_NAME, "=1+1"], "得分": [1.5, 2.0]})
    data = exports.tables_xlsx({"全部\x03项目": frame})
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    assert ws["A1"].value == "项目名称"
    assert ws["A2"].value == "劳模管理[31m"
    assert ws["A3"].value == "=1+1" and ws["A3"].data_type == "s"
