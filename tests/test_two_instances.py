"""Real `streamlit run` instances in a real browser (Debian's chromium via Playwright):

- two instances on one PostgreSQL database, a form uploaded through each: the store has both, once;
- one instance behind a trusted SSO header, where an editor of unit A tries to take over unit B's
  project and to download B's forms: refused in the page, the store unchanged, the download empty.

Marked `browser` (run with `pytest -m browser`); skipped without chromium except under CI.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import pytest
from playwright import sync_api as playwright

from scripts.screenshots import CHROMIUM, launch, running_app, wait_ready
from selfeval.readers import read_bytes
from selfeval.sample import open_seeded_store
from selfeval.store import open_store
from selfeval.template import write_template
from tests.app_support import rescored, seed_card

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and not os.environ.get("CI"), reason=f"no chromium at {CHROMIUM}"
    ),
]
TIMEOUT_MS = 60_000
OWNER = "深圳市福田区总工会（本级）"  # the unit of the 13 sample forms
TAKEN_CODE = "440304226011500000008"  # 劳模管理, one of them


def _workbook(tmp_path: Path, name: str, **header) -> Path:
    path = tmp_path / f"{name}.xlsx"
    path.write_bytes(write_template([rescored(seed_card("劳模管理"), **header)]))
    return path


def _upload(page, url: str, workbook: Path) -> None:
    page.goto(url)
    wait_ready(page, None, TIMEOUT_MS)
    page.get_by_test_id("stSidebarNavLink").filter(has_text="上传评分").click()
    page.locator('[data-testid="stFileUploaderDropzone"]').wait_for()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(workbook))
    page.get_by_text("已完成 1 个文件的读取与评分。").wait_for()
    wait_ready(page, None, TIMEOUT_MS)
    page.get_by_role("button", name="保存到数据库").click()


def test_two_instances_on_one_postgresql_store_both_uploads(tmp_path, pg_url):
    first = _workbook(tmp_path, "first", project_code="440304226011599990001")
    second = _workbook(tmp_path, "second", project_code="440304226011599990002")
    # both instances start on an empty database at once: the schema and the sample land once
    with running_app(pg_url) as url1, running_app(pg_url) as url2, playwright.sync_playwright() as p:
        browser = launch(p)
        try:
            pages = [browser.new_page(viewport={"width": 1440, "height": 900}) for _ in range(2)]
            for page in pages:
                page.set_default_timeout(TIMEOUT_MS)
            _upload(pages[0], url1, first)
            _upload(pages[1], url2, second)
            for page in pages:
                page.get_by_text(re.compile("新保存 1 张")).first.wait_for()
            # each instance shows the other's upload on 总览 after a reload
            pages[0].goto(url1)
            wait_ready(pages[0], '[data-testid="stMetric"]', TIMEOUT_MS)
        finally:
            browser.close()
    with open_store(pg_url) as store:
        counts = Counter(c for (c,) in store.table_rows("submissions", ["project_code"]))
        assert counts["440304226011599990001"] == 1 and counts["440304226011599990002"] == 1
        assert len(store.current_submission_ids()) == 15  # the 13 samples, once, and the two uploads
        assert sum(counts.values()) == 15


def test_an_editor_of_another_unit_cannot_take_over_or_download_a_project(tmp_path, monkeypatch):
    db = tmp_path / "sso.duckdb"
    open_seeded_store(db).close()
    roles = tmp_path / "roles.toml"
    roles.write_text('[users."a@example.cn"]\nrole = "editor"\nunits = ["甲单位"]\n', encoding="utf-8")
    monkeypatch.setenv("SELFEVAL_TRUSTED_HEADER", "X-Forwarded-Email")
    monkeypatch.setenv("SELFEVAL_ROLES", str(roles))
    with open_store(db) as store:
        before = store.table_rows("submissions", ["id", "project_code", "form_json"])
    takeover = _workbook(tmp_path, "takeover", unit="甲单位")  # B's project code, A's unit name
    decoy = _workbook(tmp_path, "decoy")  # a form naming B itself
    with running_app(db) as url, playwright.sync_playwright() as p:
        browser = launch(p)
        try:
            context = browser.new_context(
                viewport={"width": 1440, "height": 900},
                accept_downloads=True,
                extra_http_headers={"X-Forwarded-Email": "a@example.cn"},
            )
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            _upload(page, url, takeover)
            refusal = page.get_by_text(re.compile(f"{TAKEN_CODE}.*属于“{re.escape(OWNER)}”"))
            refusal.first.wait_for()
            # the decoy: the page will not save it, and 在线编辑's "all current forms of the unit"
            # download holds none of B's forms
            _upload(page, url, decoy)
            page.get_by_text(re.compile(f"实施单位“{re.escape(OWNER)}”不在您负责的单位")).first.wait_for()
            page.get_by_role("button", name="在线编辑").first.click()
            download = page.get_by_role("button", name=re.compile(f"下载 {re.escape(OWNER)}.*全部现行表"))
            download.first.wait_for()
            with page.expect_download(timeout=TIMEOUT_MS) as info:
                download.first.click()
            saved = tmp_path / "bundle.xlsx"
            info.value.save_as(saved)
            data = saved.read_bytes()
            assert not data or not read_bytes(data, "bundle.xlsx").forms  # none of B's 13 forms
        finally:
            browser.close()
    with open_store(db) as store:
        assert store.table_rows("submissions", ["id", "project_code", "form_json"]) == before
