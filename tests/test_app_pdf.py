"""上传评分 takes the published PDF (issue 21): the uploader takes .pdf, the form is scored as its
workbook is, and a scan is refused in Chinese with the reason."""

from __future__ import annotations

import io

import openpyxl
import pytest

from tests import pdf_print as pp
from tests.app_support import fresh_app_db, metrics, run_app, seed_workbook
from tests.badfiles import pdf_image_only

app_db = pytest.fixture(fresh_app_db, name="app_db")


def _upload(at, name: str, data: bytes):
    at.get("file_uploader")[0].upload(name, data, "application/pdf")
    return at.run()


def test_the_uploader_takes_pdf_and_says_so(app_db):
    at = run_app("upload")
    types = list(at.get("file_uploader")[0].proto.type)
    assert not types or ".pdf" in types or "pdf" in types  # no filter (every file read), or PDF in it
    assert "PDF" in at.get("file_uploader")[0].proto.help


def test_a_published_pdf_is_scored_like_its_workbook(app_db):
    sheets = openpyxl.load_workbook(io.BytesIO(seed_workbook("劳模管理"))).worksheets
    at = _upload(run_app("upload"), "劳模管理.pdf", pp.drawn(sheets))
    assert not at.exception
    shown = metrics(at)
    assert (shown["计算总分"], shown["申报总分"], shown["等级"], shown["预算执行率"]) == (
        "99.86",
        "99.86",
        "优",
        "98.63%",
    )


def test_a_scan_is_refused_with_the_reason(app_db):
    name, data = pdf_image_only()
    at = _upload(run_app("upload"), name, data)
    assert not at.exception
    shown = [e.value for e in at.error] + [w.value for w in at.warning] + [m.value for m in at.markdown]
    assert any("扫描件，没有可读取的文字层：请上传 Excel，或可复制文字的 PDF。" in text for text in shown), (
        shown
    )
