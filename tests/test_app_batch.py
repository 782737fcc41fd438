"""上传评分 with several files in one upload: one form sent as .xlsx, .xls and .txt is stored once
(13 forms, not 39), and a form of another unit's project is refused by the store with the owner's
name, whatever the page checked before (AppTest)."""

from __future__ import annotations

import pytest

from selfeval.access import Principal
from selfeval.store import open_store
from selfeval.template import write_template
from tests.app_support import app_store, fresh_app_db, rescored, run_app, seed_card
from tests.conftest import ROOT, SEED
from tests.factories import make_scorecard

app_db = pytest.fixture(fresh_app_db, name="app_db")
SAMPLES = ROOT / "data" / "samples"
OWNER = "深圳市福田区总工会（本级）"


def _upload(at, *paths):
    uploader = at.get("file_uploader")[0]
    for path in paths:
        uploader.upload(path.name, path.read_bytes(), "application/octet-stream")
    return at.run()


def _messages(at) -> list[str]:
    return [m.value for m in (*at.success, *at.info, *at.error, *at.warning)]


def test_one_form_in_three_files_of_one_upload_is_stored_once(app_db):
    with open_store(app_db) as s:  # not empty: the app does not load the sample itself
        s.save(
            [make_scorecard(2, project_code="1" * 21)],
            source_name="x",
            data=b"x",
            kind="xlsx",
            origin="import",
        )
    at = run_app("upload")
    at = _upload(at, SAMPLES / "futian-2023.xlsx", SAMPLES / "futian-2023.xls", SEED)
    assert not at.exception
    at.button(key="save_upload").click().run()
    assert not at.exception
    said = _messages(at)
    assert any(m.startswith("futian-2023.xlsx：新保存 13 张") for m in said), said
    assert any(m.startswith("futian-2023.xls：新保存 0 张；13 张与已保存内容完全相同") for m in said), said
    assert any(m.startswith("futian-2023.txt：新保存 0 张；13 张与已保存内容完全相同") for m in said), said
    assert app_store(app_db).table_counts()["submissions"] == 14


def test_the_store_refuses_another_units_project_on_the_upload_page(app_db, tmp_path):
    at = run_app()  # seeds the 13 sample forms of OWNER
    before = app_store(app_db).table_counts()["submissions"]
    takeover = tmp_path / "takeover.xlsx"
    takeover.write_bytes(write_template([rescored(seed_card("劳模管理"), unit="甲单位")]))
    at = run_app("upload")
    at.session_state["_principal"] = Principal("a@example.cn", "editor", ("甲单位",), True)
    at.run()
    at = _upload(at, takeover)
    # issue 19: flagged at once, naming the owner and what to do — not first at 保存
    flagged = [e.value for e in at.error if f"属于“{OWNER}”" in e.value]
    assert len(flagged) == 1 and "440304226011500000008" in flagged[0] and "联系管理员" in flagged[0]
    at.button(key="save_upload").click().run()
    assert not at.exception
    refused = [m for m in _messages(at) if "未保存" in m]
    assert len(refused) == 1 and f"属于“{OWNER}”" in refused[0] and "440304226011500000008" in refused[0]
    assert app_store(app_db).table_counts()["submissions"] == before
