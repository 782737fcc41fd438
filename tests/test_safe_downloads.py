"""Every download safe to open and no live link from form text (issue 20 items 3, 4), in the library
and on the pages under AppTest: one test of what a spreadsheet would run (selfeval.cells) used by the
CSV, the xlsx exports and templates, and the frames every page hands to st.dataframe (whose own
"Download as CSV" writes cells unchanged); bare URLs, `www.` and e-mail addresses broken on screen
(markdown.plain), in the PDF and absent as links from the .docx. The browser halves are in
tests/test_browser_trust.py."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import zipfile

import pandas as pd
import pytest
from openpyxl import load_workbook

from selfeval.cells import formula_like, neutralise, restore
from selfeval.edit import apply_edits
from selfeval.present import exports, markdown
from selfeval.present.frames import safe_frame
from selfeval.report import project_report
from selfeval.serialize import scorecards_to_csv
from selfeval.template import write_template
from tests.app_support import fresh_app_db, rescored, run_app, seed_card
from tests.conftest import ROOT

HOSTILE = (
    '=HYPERLINK("http://x","点")',
    "=1+1",
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    " =1+1",
    "\u3000=1+1",
    "＝1+1",
    "＋1",
    "－1+1",
    "＠SUM(A1)",
)
HARMLESS = ("党组织建设", "-12.5", "+3", "98.63%", "1,234.50", "—", "", "a=b", "'=1+1 already")
LINKS = ("http://evil.example/登录", "https://evil.example", "www.evil.example", "zhang@evil.example")

app_db = pytest.fixture(fresh_app_db, name="app_db")


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_like_text_is_neutralised(text):
    assert formula_like(text) and neutralise(text) == "'" + text and restore(neutralise(text)) == text


@pytest.mark.parametrize("value", [*HARMLESS, None, 3, -5.0, float("nan")])
def test_everything_else_is_left_alone(value):
    assert not formula_like(value) and neutralise(value) is value


def test_the_csv_export_carries_no_formula():
    card = rescored(seed_card("劳模管理"), project_name=HOSTILE[0], unit=HOSTILE[11])
    rows = list(csv.reader(io.StringIO(scorecards_to_csv([card]).decode("utf-8-sig"))))
    cells = [c for row in rows for c in row]
    assert not any(formula_like(c) for c in cells)
    assert "'" + HOSTILE[0] in cells and "'" + HOSTILE[11] in cells


def test_xlsx_writers_mark_every_formula_like_cell():
    frame = pd.DataFrame({"名称": [*HOSTILE, *HARMLESS[:4]], "数": range(len(HOSTILE) + 4)})
    ws = load_workbook(io.BytesIO(exports.tables_xlsx({"表": frame}))).active
    for row in ws.iter_rows(min_row=2):
        assert row[0].data_type == "s" and row[0].quotePrefix is formula_like(row[0].value), row[0].value
    card = rescored(seed_card("劳模管理"), project_name="＝1+1")
    data = write_template([card])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    named = [c for row in ws.iter_rows() for c in row if c.value == "＝1+1"]
    assert named and all(c.quotePrefix and c.data_type == "s" for c in named)


def test_safe_frame_neutralises_text_and_keeps_numbers():
    frame = pd.DataFrame(
        {"项目名称": list(HOSTILE), "全年预算数": [-1.0] * len(HOSTILE), "=列": ["x"] * len(HOSTILE)}
    )
    safe = safe_frame(frame)
    assert safe["项目名称"].tolist() == ["'" + t for t in HOSTILE]
    assert safe["全年预算数"].tolist() == [-1.0] * len(HOSTILE) and list(safe.columns)[2] == "'=列"
    assert frame["项目名称"].tolist() == list(HOSTILE)  # a copy: the page's own frame is untouched


def test_the_editor_grid_takes_back_what_it_showed_neutralised():
    form = seed_card("劳模管理").form
    edited = apply_edits(form, {"edited_rows": {0: {"实际完成值": "'=1+1", "偏差原因分析及改进措施": "'x"}}})
    assert edited.indicators[0].actual == "=1+1" and edited.indicators[0].reason == "'x"


def test_every_page_table_goes_through_the_safe_wrapper():
    """st.dataframe is called in one place, over safe_frame; the editor's grid is neutralised too."""
    calls = {
        p.relative_to(ROOT).as_posix(): len(re.findall(r"\bst\.dataframe\(", p.read_text(encoding="utf-8")))
        for p in [*(ROOT / "views").glob("*.py"), ROOT / "app.py"]
    }
    assert {k: v for k, v in calls.items() if v} == {"views/_ui.py": 1}
    ui = (ROOT / "views/_ui.py").read_text(encoding="utf-8")
    assert "return st.dataframe(safe_frame(data), **kwargs)" in ui
    assert "frame = safe_frame(grid_frame(form, card))" in (ROOT / "views/editor.py").read_text(
        encoding="utf-8"
    )


def _hostile_app(app_db, names):
    from tests.app_support import app_store

    store = app_store(app_db)
    for seed, hostile in names.items():
        card = rescored(seed_card(seed), project_name=hostile)
        store.save([card], source_name="h.xlsx", data=None, kind="xlsx", origin="upload")


def _frames(at) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe]


def test_no_page_hands_streamlit_a_formula(app_db):
    _hostile_app(app_db, {"劳模管理": HOSTILE[0], "党组织建设": HOSTILE[11], "职工疗休养": HOSTILE[2]})
    pages = [run_app(), run_app("project", code="440304226011500000008", year="2023")]
    pages.append(run_app("project", code="440304226011500000005", year="2023"))
    seen = []
    for at in pages:
        for frame in _frames(at):
            for col in frame.columns:
                assert not formula_like(col)
                for value in frame[col]:
                    assert not formula_like(value), (col, value)
                    seen.append(value)
    assert "'" + HOSTILE[0] in seen and "'" + HOSTILE[11] in seen


@pytest.mark.parametrize("text", LINKS)
def test_plain_breaks_every_autolink(text):
    shown = markdown.plain(text)
    assert markdown.ZWSP in shown and shown.replace(markdown.ZWSP, "").replace("\\", "") == text
    assert not re.search(r"(?i)https?://|www\.|@[\w-]", shown.replace("\\", ""))


def test_pages_show_links_as_text(app_db):
    _hostile_app(
        app_db,
        dict(
            zip(
                ("劳模管理", "党组织建设", "职工疗休养", "小型工程类项目（非政府投资项目）"),
                LINKS,
                strict=True,
            )
        ),
    )
    at = run_app("project", code="440304226011500000008", year="2023")
    texts = [m.value for m in at.markdown] + [t.value for t in at.title] + [h.value for h in at.header]
    texts += [s.value for s in at.subheader] + [c.value for c in at.caption]
    shown = [t for t in texts if "evil" in t]
    assert shown, texts
    for t in shown:
        assert not re.search(r"(?i)https?\\?://|www\\?\.|@[\w-]", t), t


def test_the_pdf_carries_no_url_a_viewer_would_link():
    page = exports.PdfPage(
        title=LINKS[0], summary="、".join(LINKS), tables=[("表", pd.DataFrame({"项目": list(LINKS)}))]
    )
    pdf = exports.page_pdf(page)
    assert b"/URI" not in pdf and b"/Link" not in pdf  # no link annotation
    if not shutil.which("pdftotext"):  # Debian's poppler-utils (installed with LibreOffice here)
        pytest.skip("pdftotext is not installed")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "evil.example" in text
    assert not re.search(r"(?i)https?://|www\.|@", text), text  # what viewers (PDFium, pdf.js) link
    assert "http：//evil.example" in text and "zhang＠evil.example" in text


def test_the_docx_report_has_no_hyperlink():
    card = rescored(seed_card("劳模管理"), project_name=LINKS[0], unit=LINKS[3])
    data = project_report(card)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        body = archive.read("word/document.xml").decode("utf-8")
        rels = archive.read("word/_rels/document.xml.rels").decode("utf-8")
    assert "evil.example" in body
    assert "<w:hyperlink" not in body and "hyperlink" not in rels.lower() and "HYPERLINK" not in body
