"""A PDF is accepted wherever a file is (issue 21): the store (one version for the same form as .xlsx
and .pdf, on DuckDB and PostgreSQL), `selfeval score`, `import`, `export` and `report`."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys

import openpyxl
import pytest

from selfeval.ingest import ingest_file
from selfeval.profile import load_profile
from selfeval.readers import read_bytes
from selfeval.store import open_store
from tests import pdf_print as pp
from tests.conftest import ROOT, SEED
from tests.test_seed import EXPECTED
from tests.workbook_variants import Layout, write_layout

PROFILE = load_profile()
SEED_FORMS = list(read_bytes(SEED.read_bytes(), "seed.txt").forms)
WORKBOOK = write_layout(SEED_FORMS, Layout(name_span=2, reason_span=2, merge_levels=True))
PDF = pp.drawn(openpyxl.load_workbook(io.BytesIO(WORKBOOK)).worksheets)


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "selfeval", *args], capture_output=True, text=True, cwd=ROOT, timeout=300
    )


@pytest.fixture()
def store(store_location):
    s = open_store(store_location, seed=None)
    yield s
    s.close()


def test_the_same_forms_as_xlsx_and_as_pdf_are_one_version_each(store):
    first = ingest_file(store, "自评表.xlsx", WORKBOOK, PROFILE)
    assert len(first.stored) == 13 and first.problems == ()
    again = ingest_file(store, "自评表.pdf", PDF, PROFILE)
    assert again.stored == () and len(again.duplicates) == 13
    assert len(store.current_submission_ids()) == 13


def test_a_pdf_first_then_its_workbook(store):
    assert len(ingest_file(store, "a.pdf", PDF, PROFILE).stored) == 13
    assert ingest_file(store, "a.xlsx", WORKBOOK, PROFILE).stored == ()
    assert len(store.current_submission_ids()) == 13


def test_score_reads_a_pdf(tmp_path):
    path = tmp_path / "自评表.pdf"
    path.write_bytes(PDF)
    proc = run("score", str(path), "--json")
    assert proc.returncode == 0, proc.stderr
    cards = json.loads(proc.stdout)
    assert [(c["project_code"], c["total"]) for c in cards] == [(e[0], e[5]) for e in EXPECTED]
    assert all(re.fullmatch(r"第\d+(–\d+)?页", c["sheet"]) for c in cards)  # a form's page(s)


def test_a_scanned_pdf_exits_1_with_the_reason(tmp_path):
    from tests.badfiles import pdf_image_only

    name, data = pdf_image_only()
    (tmp_path / name).write_bytes(data)
    proc = run("score", str(tmp_path / name))
    assert proc.returncode == 1
    assert "扫描件，没有可读取的文字层：请上传 Excel，或可复制文字的 PDF。" in proc.stderr


def test_import_export_and_report_take_a_folder_with_pdfs(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "自评表.pdf").write_bytes(PDF)
    (folder / "自评表.xlsx").write_bytes(WORKBOOK)
    db = tmp_path / "s.duckdb"
    proc = run("import", str(folder), "--db", str(db))
    assert proc.returncode == 0, proc.stderr
    stored = open_store(db, seed=None)
    try:
        assert len(stored.current_submission_ids()) == 13
    finally:
        stored.close()
    out = tmp_path / "out"
    proc = run("export", str(folder / "自评表.pdf"), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert len(list(out.glob("*.xlsx"))) == 13
    reports = tmp_path / "reports"
    proc = run("report", str(folder / "自评表.pdf"), "--out", str(reports))
    assert proc.returncode == 0, proc.stderr
    assert len(list(reports.glob("*.docx"))) == 13
