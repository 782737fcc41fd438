"""Names of any length and any character (issue 20 item 6): every file name, zip member and sheet name
made from form text goes through selfeval/names.py — cut to 255 bytes of UTF-8 (31 characters for a
sheet), bidi controls, NUL and path separators removed, one "name（n）" — while the full name stays
inside the file. `selfeval report` with a 300-character project name, `export --per-unit` with a
420-character 实施单位, right-to-left overrides, and the pages' downloads."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from selfeval.bundles import unit_zip, units_zip
from selfeval.edit import corrected_filename, templates_zip
from selfeval.names import (
    MAX_NAME_BYTES,
    file_name,
    name_part,
    numbered,
    sheet_name,
    unique_names,
    unique_sheet_names,
    visible,
    write_new,
)
from selfeval.present import exports
from selfeval.report import project_reports_zip, report_filename, unit_report_filename
from selfeval.store import open_store
from selfeval.template import template_filename, write_template
from tests.app_support import fresh_app_db, rescored, run_app, seed_cards
from tests.conftest import ROOT

LONG_NAME = "很长的项目名称" * 43  # 301 characters
LONG_UNIT = "深圳市福田区某某街道某某社区工作站" * 25  # 425 characters
RTL = "\u202egpj.exe\u202c劳模\u2066管理\u2069\u200e\u200f\u061c"
NASTY = 'a/b\\c:d*e?f"g<h>i|j\x00k\x1fl\r\nm'
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")

app_db = pytest.fixture(fresh_app_db, name="app_db")


def fine(name: str, limit: int = MAX_NAME_BYTES) -> bool:
    """A name every filesystem takes: within the bytes, no bidi control, no separator or NUL."""
    return (
        len(name.encode("utf-8")) <= limit
        and not BIDI.search(name)
        and not re.search(r"[/\\\x00-\x1f]", name)
    )


@pytest.mark.parametrize("text", [LONG_NAME, LONG_UNIT, RTL, NASTY, "CON", "  .hidden. ", "𠀀" * 200, ""])
def test_file_names_fit_and_say_what_they_show(text):
    name = file_name([name_part(text, 300), "自评报告"], ".docx", fallback="自评报告")
    assert fine(name) and name.endswith(".docx") and not name.startswith((".", "_"))
    assert "gpj.exe" not in name or name.index("gpj.exe") < name.index("劳模")  # stored order, shown order
    assert name.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL"}
    for n in (2, 10, 999):
        numbered_name = numbered(name, n)
        assert fine(numbered_name) and numbered_name.endswith(f"（{n}）.docx")


def test_sheet_names_fit_excel_and_are_distinct():
    names = unique_sheet_names([LONG_NAME, LONG_NAME, LONG_NAME.upper(), RTL, "History", "'x'", "[a]:b", ""])
    assert all(len(n) <= 31 and not BIDI.search(n) and not re.search(r"[\[\]:*?/\\]", n) for n in names)
    assert len({n.casefold() for n in names}) == len(names)
    assert names[1].endswith("（2）") and names[4] == "History5" and names[-1] == "自评表8"
    assert sheet_name(RTL, 1) == "gpj.exe劳模管理"


def test_one_uniquifier_for_files_and_members(tmp_path):
    assert unique_names(["a.xlsx", "A.xlsx", "a.xlsx"], taken=["a（2）.xlsx"]) == [
        "a.xlsx",
        "A（3）.xlsx",
        "a（4）.xlsx",
    ]
    long = file_name([name_part(LONG_NAME, 300)], ".docx", fallback="x")
    paths = [write_new(tmp_path, long, b"x") for _ in range(3)]
    assert [p.name for p in paths] == [long, numbered(long, 2), numbered(long, 3)]
    assert all(p.read_bytes() == b"x" for p in paths)
    assert visible(RTL + "\x1b[31m") == "gpj.exe劳模管理[31m"
    # no other "（n）" or "(n)" maker left in the library
    makers = [
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "selfeval").rglob("*.py")
        if re.search(r"f\"[^\"]*[（(]\{n\}[）)]", p.read_text(encoding="utf-8"))
    ]
    assert makers == ["selfeval/names.py"], makers


def _cards():
    cards = seed_cards()
    return [
        rescored(cards[0], project_name=LONG_NAME),
        rescored(cards[1], unit=LONG_UNIT),
        rescored(cards[2], project_name=RTL, unit="\u202eevil/../x"),
        rescored(cards[3], project_name=LONG_NAME, unit=LONG_UNIT),
    ]


def test_every_writer_gives_fitting_names_and_keeps_the_full_name_inside():
    cards = _cards()
    for card in cards:
        for name in (template_filename(card.form), report_filename(card), corrected_filename(card.form)):
            assert fine(name), name
    assert fine(unit_report_filename(LONG_UNIT, "2023"))
    for archive in (unit_zip(cards), units_zip(cards), templates_zip(cards), project_reports_zip(cards)):
        with zipfile.ZipFile(io.BytesIO(archive)) as zf:
            members = zf.namelist()
        assert len(set(members)) == len(members) == len(cards)
        assert all(fine(part) for m in members for part in m.split("/")), members
    book = load_workbook(io.BytesIO(write_template(cards)))
    assert all(len(n) <= 31 for n in book.sheetnames) and len(set(book.sheetnames)) == 4
    cells = {c.value for ws in book.worksheets for row in ws.iter_rows() for c in row}
    assert LONG_NAME in cells and LONG_UNIT in cells
    sheets = load_workbook(io.BytesIO(exports.tables_xlsx({LONG_NAME: _frame(), LONG_NAME + "2": _frame()})))
    assert [len(n) for n in sheets.sheetnames] == [31, 31]


def _frame():
    import pandas as pd

    return pd.DataFrame({"a": [1]})


def _store(tmp_path: Path) -> Path:
    path = tmp_path / "names.duckdb"
    with open_store(path) as store:
        for card in _cards()[:3]:
            store.save([card], source_name="x.xlsx", data=None, kind="xlsx", origin="upload")
    return path


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "selfeval", *args], cwd=ROOT, capture_output=True, text=True)


def test_selfeval_report_with_a_300_character_name(tmp_path):
    db = _store(tmp_path)
    done = _cli("report", "--out", str(tmp_path / "out"), "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert "已起草 3 份项目自评报告、3 份单位汇总报告" in done.stdout
    files = sorted((tmp_path / "out").iterdir())
    assert len(files) == 6 and all(fine(f.name) for f in files)
    texts = ["\n".join(p.text for p in Document(str(f)).paragraphs) for f in files]
    assert any(LONG_NAME in t for t in texts) and any(LONG_UNIT in t for t in texts)


def test_export_per_unit_with_a_420_character_unit(tmp_path):
    db = _store(tmp_path)
    for extra in ([], ["--one-workbook"]):
        out = tmp_path / f"per-unit{len(extra)}"
        done = _cli("export", "--out", str(out), "--per-unit", *extra, "--db", str(db))
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
        files = sorted(out.iterdir())
        assert len(files) == 3 and all(fine(f.name) for f in files), [f.name for f in files]
        assert not BIDI.search(done.stdout)
        assert any(f.name.startswith("evil..x_") for f in files)  # no folder climbed, no override kept


def test_the_pages_download_names_fit(app_db, monkeypatch):
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    from tests.app_support import app_store

    store = app_store(app_db)  # the sample's projects, moved to the long and the hostile units
    for card in _cards()[:3]:
        store.save([card], source_name="x.xlsx", data=None, kind="xlsx", origin="upload", allow_transfer=True)
    names: list[str] = []
    original = MemoryMediaFileStorage.load_and_get_id

    def spy(self, path_or_data, mimetype, kind, filename=None):
        if filename:
            names.append(filename)
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    code = _cards()[0].form.header.project_code
    run_app("project", code=code, year="2023")
    run_app("project", code=_cards()[2].form.header.project_code, year="2023")
    assert names and all(fine(n) for n in names), names


def test_units_alike_keep_a_folder_each_and_no_folder_is_a_device():
    """Red team: two units whose names clean or cut to one folder (`甲/单位` and `甲单位`, two long
    names sharing their first 60 characters, `ABC` and `abc`) shared it — one unit's forms in the
    other's folder, and a form of the same file name overwritten on extraction; a unit called `CON`
    or `com1.txt` made a folder Windows cannot create; a zero width space made a folder that looks
    unnamed."""
    units = [
        "甲/单位",
        "甲单位",
        LONG_UNIT + "甲",
        LONG_UNIT + "乙",
        "ABC",
        "abc",
        "CON",
        "com1.txt",
        "LPT¹",
        "\u200b",
    ]
    card = seed_cards()[0]
    cards = [rescored(card, unit=u) for u in units]
    with zipfile.ZipFile(io.BytesIO(units_zip(cards))) as zf:
        members = zf.namelist()
    folders = {m.split("/")[0] for m in members}
    assert len(members) == len(set(members)) == len(folders) == len(units), members
    assert all(f.split(".")[0].upper() not in {"CON", "COM1", "LPT¹"} and "\u200b" not in f for f in folders)
    assert file_name([name_part("lpt¹", 60)], ".zip", fallback="x") == "lpt¹_.zip"
    assert file_name(["Com1"], ".zip", fallback="x") == "Com1_.zip"
    assert file_name(["CON.txt"], ".docx", fallback="x") == "CON_.txt.docx"  # was CON.txt_.docx: still CON


def test_the_cli_names_an_unreadable_file_without_its_bidi_controls(tmp_path):
    """A file named with a right-to-left override (‮slx.evil.xlsx shows as xlsx.live.xls): the
    import's refusal prints the name as it is, without the control that would reverse it."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "\u202eslx.evil.xlsx").write_bytes(b"PK\x03\x04garbage")
    done = subprocess.run(
        [sys.executable, "-m", "selfeval", "import", str(folder), "--db", str(tmp_path / "s.duckdb")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 1
    assert "slx.evil.xlsx" in done.stderr and "\u202e" not in done.stderr
