"""Issue 20 in a real browser (Debian's chromium against `streamlit run`): a table's own "Download
as CSV" (Streamlit's toolbar, which writes cells as they are) hands over no formula, and no form text
becomes a live link — a bare URL, `www.` or an e-mail address in a project name shows as text on 总览
(its 结论 included) and on 项目详情 (its heading included)."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest

from scripts.screenshots import CHROMIUM, launch, running_app, wait_ready
from selfeval.cells import formula_like

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and not os.environ.get("CI"), reason=f"no chromium at {CHROMIUM}"
    ),
]
TIMEOUT_MS = 30_000
FORMULAS = {
    "党组织建设": '=HYPERLINK("http://x","点")',
    "职工疗休养": "＝1+1",
    "疫情防控": "=cmd|' /C calc'!A0",
}
LINKS = {
    "劳模管理": "登录 http://evil.example/a",
    "小型工程类项目（非政府投资项目）": "www.evil.example 工程",
    "法律维权服务": "联系 zhang@evil.example",
}
CODES = {"劳模管理": "440304226011500000008", "法律维权服务": "440304236011500105005"}


def _store(path: Path, names: dict[str, str]) -> None:
    from selfeval.sample import open_seeded_store
    from tests.app_support import rescored, seed_card

    store = open_seeded_store(str(path))
    try:
        for seed, name in names.items():
            card = rescored(seed_card(seed), project_name=name)
            store.save([card], source_name="h.xlsx", data=None, kind="xlsx", origin="upload")
    finally:
        store.close()


def _download_csv(page, container: str, tmp_path: Path) -> list[list[str]]:
    """The table's toolbar download (the anchor fallback: headless chromium's file picker is a dialog)."""
    table = page.locator(f"{container} [data-testid='stDataFrame']").first
    table.scroll_into_view_if_needed()
    table.hover()
    button = page.locator(
        f"{container} [data-testid='stElementToolbar'] button[aria-label='Download as CSV']"
    )
    button.first.wait_for()
    with page.expect_download(timeout=TIMEOUT_MS) as info:
        button.first.dispatch_event("click")  # the grid's scroller may lie over the toolbar: click it as such
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    return list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))


def test_a_tables_own_csv_download_carries_no_formula(tmp_path: Path):
    playwright = pytest.importorskip("playwright.sync_api")
    db = tmp_path / "formulas.duckdb"
    _store(db, FORMULAS)
    with running_app(db) as url, playwright.sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900}, accept_downloads=True)
            page.add_init_script("delete window.showSaveFilePicker")
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(url)
            wait_ready(page, '[data-testid="stMetric"]', TIMEOUT_MS)
            rows = _download_csv(page, ".st-key-lowest_table", tmp_path)
            page.goto(f"{url}/project?code=440304226011500000005&year=2023")
            wait_ready(page, '[data-testid="stMetric"]', TIMEOUT_MS)
            history = _download_csv(page, '[data-testid="stMain"]', tmp_path)
        finally:
            browser.close()
    cells = [c for row in rows for c in row]
    assert not [c for c in cells if formula_like(c)], cells
    assert {"'" + name for name in FORMULAS.values()} <= set(cells)
    assert history and not [c for row in history for c in row if formula_like(c)]


def test_form_text_never_becomes_a_live_link(tmp_path: Path):
    playwright = pytest.importorskip("playwright.sync_api")
    db = tmp_path / "links.duckdb"
    _store(db, LINKS)
    found = {}  # a heading's own anchor (href="#…") stays on the page: not a link out
    with running_app(db) as url, playwright.sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.set_default_timeout(TIMEOUT_MS)
            for where in ("", *(f"/project?code={c}&year=2023" for c in CODES.values())):
                page.goto(url + where)
                wait_ready(page, '[data-testid="stMetric"]', TIMEOUT_MS)
                found[where or "/"] = page.evaluate(
                    """() => ({
                        links: [...document.querySelectorAll('a[href]')]
                            .map(a => a.getAttribute('href'))
                            .filter(h => !h.startsWith('#') && /evil|mailto:|^www/i.test(h)),
                        shown: document.body.innerText.includes('evil.example'),
                    })"""
                )
            heading = page.get_by_role("heading", name="联系 zhang@\u200bevil.example")
            assert heading.first.is_visible()
        finally:
            browser.close()
    assert all(v == {"links": [], "shown": True} for v in found.values()), found
