"""The main flow in a real browser against `streamlit run`: open the dashboard, go to 上传评分,
upload a workbook, see its score, download the corrected template and read it back.

Debian's chromium driven by Playwright (scripts/setup.sh installs it); skipped when it is absent,
except under CI, where a missing browser is a failure.
Run only this with `pytest -m browser`; leave it out with `-m "not browser"`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright import sync_api as playwright

from scripts.screenshots import CHROMIUM, launch, running_app, wait_ready
from selfeval.readers import read_bytes
from tests.app_support import seed_workbook

pytestmark = [
    pytest.mark.browser,
    # CI must run it (make test installs chromium); elsewhere a missing browser only skips it
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and not os.environ.get("CI"), reason=f"no chromium at {CHROMIUM}"
    ),
]
TIMEOUT_MS = 30_000


def test_dashboard_upload_score_download(tmp_path: Path):
    workbook = tmp_path / "劳模管理.xlsx"
    workbook.write_bytes(seed_workbook("劳模管理"))

    with running_app(tmp_path / "browser.duckdb") as url, playwright.sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900}, accept_downloads=True)
            page.set_default_timeout(TIMEOUT_MS)

            page.goto(url)
            wait_ready(page, '[data-testid="stMetric"]', TIMEOUT_MS)
            assert page.get_by_text("本地模式：未启用登录，仅限本机访问").is_visible()
            assert page.get_by_text("97.49").first.is_visible()  # mean score of the 13 samples

            page.get_by_role("link", name="上传评分").click()
            page.locator('[data-testid="stFileUploaderDropzone"]').wait_for()
            page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(workbook))
            result = page.get_by_text("劳模管理 — 99.86 分（优）")
            result.first.wait_for()
            wait_ready(page, '[data-testid="stMetric"]', TIMEOUT_MS)
            assert page.get_by_text("已完成 1 个文件的读取与评分。").is_visible()

            with page.expect_download(timeout=TIMEOUT_MS) as info:
                page.get_by_role("button", name="下载导入模板（.xlsx）").click()
            download = info.value
            assert download.suggested_filename == "440304226011500000008_劳模管理.xlsx"
            saved = tmp_path / "下载.xlsx"
            download.save_as(saved)
        finally:
            browser.close()

    back = read_bytes(saved.read_bytes(), saved.name)
    assert back.ok, back.problems
    assert [f.header.project_name for f in back.forms] == ["劳模管理"]
    assert back.forms[0].declared_total == 99.86
