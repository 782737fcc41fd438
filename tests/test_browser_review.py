"""The review loop in a real browser, two people behind the SSO proxy's trusted header: the editor
uploads a form and sends it (送审), the reviewer returns it with a comment (退回), the editor sees the
comment in 在线编辑, uploads the fix and sends it again, the reviewer approves it (通过).

Each person is a browser context whose requests carry X-Forwarded-Email (Playwright's
extra_http_headers), mapped to a role by the roles file in SELFEVAL_ROLES. Real `streamlit run`,
Debian's chromium; skipped without chromium except under CI.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import pytest
from playwright import sync_api as playwright

from scripts.screenshots import CHROMIUM, launch, running_app, wait_ready
from selfeval.profile import load_profile
from selfeval.rules import score
from selfeval.store import Store
from selfeval.template import write_template
from tests.app_support import rescored, seed_card

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and not os.environ.get("CI"), reason=f"no chromium at {CHROMIUM}"
    ),
]
TIMEOUT_MS = 45_000
UNIT = "深圳市福田区总工会（本级）"
EDITOR, REVIEWER = "zhang@futian.gov.cn", "wang@futian.gov.cn"
ROLES = f"""
[users."{EDITOR}"]
role = "editor"
units = ["{UNIT}"]

[users."{REVIEWER}"]
role = "reviewer"
units = ["{UNIT}"]
"""
COMMENT = "实际完成情况未写明受益人数，请补充后重新送审"


def _workbooks(tmp_path: Path) -> tuple[Path, Path]:
    """劳模管理 for 2024 (a project and year the sample does not have), and its fix."""
    first = rescored(seed_card("劳模管理"), year="2024")
    goals = dataclasses.replace(
        first.form.goals, achieved=first.form.goals.achieved + "（受益职工 128 人次）"
    )
    fixed = score(dataclasses.replace(first.form, goals=goals), load_profile())
    paths = tmp_path / "劳模管理_2024.xlsx", tmp_path / "劳模管理_2024_修改.xlsx"
    for path, card in zip(paths, (first, fixed), strict=True):
        path.write_bytes(write_template([card]))
    return paths


def _upload(page, url: str, workbook: Path) -> None:
    page.goto(f"{url}/upload")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(workbook))
    page.get_by_role("button", name="保存到数据库").click()
    page.get_by_text(re.compile("新保存 1 张")).first.wait_for()


def _open_editor(page, url: str) -> None:
    page.goto(f"{url}/editor")
    wait_ready(page, '[data-testid="stDataFrame"], [data-testid="stDataFrameGlideDataEditor"]', TIMEOUT_MS)
    page.get_by_text("审核状态：").first.wait_for()


def _submit(page, explanation: str = "") -> None:
    if explanation:
        page.get_by_label(re.compile("送审说明")).fill(explanation)
    page.get_by_role("button", name="送审", exact=True).click()
    page.get_by_text("已送审，等待审核人审核。").wait_for()


def test_upload_submit_return_fix_submit_approve(tmp_path: Path, monkeypatch):
    roles = tmp_path / "roles.toml"
    roles.write_text(ROLES, encoding="utf-8")
    monkeypatch.setenv("SELFEVAL_TRUSTED_HEADER", "X-Forwarded-Email")
    monkeypatch.setenv("SELFEVAL_ROLES", str(roles))
    first, fixed = _workbooks(tmp_path)
    db = tmp_path / "review.duckdb"

    with running_app(db) as url, playwright.sync_playwright() as p:
        browser = launch(p)
        try:
            people = {}
            for who in (EDITOR, REVIEWER):
                context = browser.new_context(
                    viewport={"width": 1440, "height": 900}, extra_http_headers={"X-Forwarded-Email": who}
                )
                context.set_default_timeout(TIMEOUT_MS)
                people[who] = context.new_page()
            editor, reviewer = people[EDITOR], people[REVIEWER]

            # the editor uploads the 2024 form and sends it to review
            editor.goto(url)
            wait_ready(editor, None, TIMEOUT_MS)
            editor.get_by_text(f"当前用户：{EDITOR}（填报人）").wait_for()
            _upload(editor, url, first)
            _open_editor(editor, url)
            assert editor.get_by_text("草稿", exact=True).first.is_visible()
            _submit(editor)

            # the reviewer sees it waiting and returns it with a comment
            reviewer.goto(f"{url}/review")
            reviewer.get_by_text(f"当前用户：{REVIEWER}（审核人）").wait_for()
            reviewer.get_by_role("heading", name="劳模管理").wait_for()
            assert reviewer.get_by_text("等待审核 1 份").is_visible()
            reviewer.get_by_label("审核意见").fill(COMMENT)
            reviewer.get_by_role("button", name="退回").click()
            reviewer.get_by_text("已退回，填报人将在“在线编辑”中看到退回意见。").wait_for()
            reviewer.get_by_text("没有等待审核的自评表").wait_for()

            # the editor sees the comment where the fix happens, uploads the fix, sends it again
            _open_editor(editor, url)
            editor.get_by_text(COMMENT).wait_for()
            _upload(editor, url, fixed)
            _open_editor(editor, url)
            assert not editor.get_by_text(COMMENT).count()  # the new version is a fresh draft
            _submit(editor, "已补充受益人数")

            # the reviewer approves it
            reviewer.goto(f"{url}/review")
            reviewer.get_by_text("送审说明：已补充受益人数").wait_for()  # the editor's explanation is shown
            reviewer.get_by_role("button", name="通过").click()
            reviewer.get_by_text("已通过审核。").wait_for()

            # and the editor's 项目详情 shows the approved badge and the whole timeline
            editor.goto(f"{url}/project?code=440304226011500000008&year=2024")
            editor.get_by_text("审核记录（6 条）").wait_for()
            assert editor.get_by_text("已通过").first.is_visible()
        finally:
            browser.close()

    with Store(db) as store:
        trail = store.audit_trail("440304226011500000008", "2024")
    assert list(zip(trail["action"], trail["actor"], strict=True)) == [
        ("upload", EDITOR),
        ("submit", EDITOR),
        ("return", REVIEWER),
        ("upload", EDITOR),
        ("submit", EDITOR),
        ("approve", REVIEWER),
    ]
    assert trail["comment"].tolist()[2] == COMMENT and trail["version"].tolist() == [1, 1, 1, 2, 2, 2]
