"""The 自评报告 downloads under AppTest: this project's draft on 项目详情, the unit summary (and the zip
of every draft) on 总览; the bytes behind the buttons are opened with python-docx; none for a viewer."""

from __future__ import annotations

import io

import pytest
from docx import Document
from streamlit.testing.v1 import AppTest

from selfeval.access import ALL_UNITS, Principal
from tests.app_support import APP, TIMEOUT, download_bytes, fresh_app_db, media_spy, run_app

app_db = pytest.fixture(fresh_app_db, name="app_db")
media = pytest.fixture(media_spy, name="media")

CODE = "440304236011500105002"  # 职工疗休养: 93.70
UNIT = "深圳市福田区总工会（本级）"


def _text(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def test_project_detail_downloads_this_projects_report(app_db, media):
    at = run_app("project", code=CODE, year="2023")
    button = next(b for b in at.get("download_button") if b.proto.id.endswith("report_project"))
    assert button.proto.label == "下载自评报告（Word）"
    text = _text(download_bytes(at, "report_project", media))
    assert text.startswith("职工疗休养项目支出绩效自评报告")
    assert "经自评，本项目总得分 93.70 分，自评等级为“优”。" in text


def test_overview_downloads_the_unit_summary(app_db, media):
    at = run_app("overview")
    ids = [b.proto.id for b in at.get("download_button")]
    assert any(i.endswith("report_unit") for i in ids) and any(i.endswith("report_zip") for i in ids)
    text = _text(download_bytes(at, "report_unit", media))
    assert text.startswith(f"{UNIT}项目支出绩效自评报告（汇总）")
    assert f"2023年度，{UNIT}共对 13 个项目开展绩效自评。" in text


def test_a_viewer_gets_no_report_downloads(app_db):
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state["_principal"] = Principal("reader@example.cn", "viewer", ALL_UNITS, True)
    at.run()
    at.query_params.update({"code": CODE, "year": "2023"})
    at.switch_page("views/project.py").run()
    assert not at.exception
    assert not [b for b in at.get("download_button") if b.proto.id.endswith("report_project")]
