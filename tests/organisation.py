"""The organisation of the signed-in browser tests: two units that each have a project named
职工疗休养, five people (a leader over all units, an editor of each unit, a reviewer of both, an
administrator), the store they share on PostgreSQL, and the browser helpers their journeys use.

Unit A is the sample's 深圳市福田区总工会（本级） (13 forms of 2023). Unit B has two forms made from the
sample: its own 职工疗休养 (another code, 54.05 % executed against A's 96.98 %) and a project only B
has; B's second form is already approved, so B is complete once its 职工疗休养 is.
"""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import openpyxl

from scripts.screenshots import wait_ready
from selfeval.access import Principal
from selfeval.profile import load_profile
from selfeval.rules import score
from selfeval.store import open_store
from selfeval.template import write_template
from tests.app_support import rescored, seed_card, seed_cards
from tests.downloaded import Opened, open_download
from tests.signed_in import ROOT

TIMEOUT_MS = 90_000
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
YEAR = "2023"
UNIT_A = "深圳市福田区总工会（本级）"
UNIT_B = "深圳市福田区沙头街道总工会"
SHARED = "职工疗休养"
B_SHARED_CODE = "440304236011500900001"
B_ONLY = "沙头街道职工服务站运营"
B_ONLY_CODE = "440304236011500900002"
A_SHARED_CODE = "440304236011500105002"

LEADER, EDITOR_A, EDITOR_B = "lead@futian.gov.cn", "zhang@futian.gov.cn", "li@shatou.gov.cn"
REVIEWER, ADMIN = "wang@czj.futian.gov.cn", "admin@czj.futian.gov.cn"
USERS: dict[str, tuple[str, list[str] | str | None]] = {
    LEADER: ("viewer", "*"),  # every unit, said so (README, Access: a missing units line is refused)
    EDITOR_A: ("editor", [UNIT_A]),
    EDITOR_B: ("editor", [UNIT_B]),
    REVIEWER: ("reviewer", [UNIT_A, UNIT_B]),
    ADMIN: ("admin", None),
}
ROLE_NAMES = {"viewer": "查看者", "editor": "填报人", "reviewer": "审核人", "admin": "管理员"}
PAGES = {
    "viewer": ["总览", "项目详情"],
    "editor": ["总览", "项目详情", "上传评分", "在线编辑"],
    "reviewer": ["总览", "项目详情", "审核"],
    "admin": ["总览", "项目详情", "上传评分", "在线编辑", "审核"],
}


def a_codes() -> set[str]:
    return {c.form.header.project_code for c in seed_cards()}


def a_names() -> set[str]:
    return {c.form.header.project_name for c in seed_cards()}


def _with_executed(card, executed: float):
    """The card with 全年执行数 changed on the total and the 财政拨款 row, scored again."""
    funds = card.form.funds
    total = dataclasses.replace(funds.total, executed=executed)
    parts = tuple(
        dataclasses.replace(p, executed=executed) if i == 0 else p for i, p in enumerate(funds.parts)
    )
    form = dataclasses.replace(card.form, funds=dataclasses.replace(funds, total=total, parts=parts))
    return score(form, load_profile())


def unit_b_cards():
    shared = rescored(seed_card(SHARED), unit=UNIT_B, budget_unit=UNIT_B, project_code=B_SHARED_CODE)
    shared = _with_executed(shared, 200_000.0)  # 200000 / 370000 = 54.05 %
    only = rescored(
        seed_card("法律维权服务"),
        unit=UNIT_B,
        budget_unit=UNIT_B,
        project_code=B_ONLY_CODE,
        project_name=B_ONLY,
    )
    return [shared, only]


def returned_workbook(card) -> bytes:
    """The card's import template as an editor sends it first: the rows that lost points typed with
    full marks and no reason, the 总分 raised to match (职工疗休养: 52人次 of >100人次 given 12.5 of
    12.5 instead of 6.5) — the reviewer returns it; 采用计算得分 and the drafted reason fix it. The
    template writer writes computed scores, so the typed ones are put into its cells here."""
    book = openpyxl.load_workbook(io.BytesIO(write_template([card])))
    sheet = book.active
    lost = {
        s.indicator.name: (s.score, s.indicator.weight)
        for s in card.indicators
        if s.score is not None and s.indicator.weight and s.score < s.indicator.weight - 0.005
    }
    header = next(row for row in sheet.iter_rows() if any("偏差原因" in str(c.value or "") for c in row))
    column = max(c.column for c in header if "得分" in str(c.value or ""))
    reason = min(c.column for c in header if "偏差原因" in str(c.value or ""))
    raised = 0.0
    for row in sheet.iter_rows(min_row=header[0].row + 1):
        names = {str(c.value or "").strip() for c in row}
        for name, (scored, weight) in lost.items():
            if name in names:
                sheet.cell(row[0].row, column).value = weight
                sheet.cell(row[0].row, reason).value = None
                raised += weight - scored
        if "总分" in names:
            sheet.cell(row[0].row, column).value = round(card.total + raised, 2)
    assert raised > 0, "no row that lost points was found in the template"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def seed_organisation(db: str, directory: Path) -> None:
    """The sample (unit A) and unit B's forms in the store at `db`, imported as the CLI does; B's
    project of its own approved by the reviewer."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for card in unit_b_cards():
        path = directory / f"{card.form.header.project_code}.xlsx"
        path.write_bytes(write_template([card]))
        paths.append(str(path))
    subprocess.run(
        [sys.executable, "-m", "selfeval", "init", "--db", db], cwd=ROOT, check=True, capture_output=True
    )
    subprocess.run(
        [sys.executable, "-m", "selfeval", "import", *paths, "--db", db],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with open_store(db) as store:
        sid = store.find_project(B_ONLY_CODE, YEAR, UNIT_B, YEAR)
        store.scoped(Principal(EDITOR_B, "editor", (UNIT_B,), True)).submit(sid)
        store.scoped(Principal(REVIEWER, "reviewer", (UNIT_A, UNIT_B), True)).approve(sid)


# ------------------------------------------------------------------------------------------ browser


@dataclass
class Person:
    email: str
    role: str
    page: object  # playwright Page

    def open(self, url: str, ready: str | None = None) -> None:
        self.page.goto(url)
        wait_ready(self.page, ready, TIMEOUT_MS)


def sign_in(browser, front, email: str, viewport: dict = DESKTOP) -> Person:
    """A browser context signed in at the gateway as `email`, on 总览."""
    context = browser.new_context(
        viewport=viewport, ignore_https_errors=True, accept_downloads=True, locale="zh-CN"
    )
    context.add_cookies([front.cookie(email)])
    context.set_default_timeout(TIMEOUT_MS)
    person = Person(email, USERS[email][0], context.new_page())
    person.open(front.url, '[data-testid="stMetric"]')
    caption = person.page.get_by_text(re.compile("^当前用户：")).first
    caption.wait_for(state="attached")  # in the sidebar, folded away on a phone
    shown = caption.text_content().replace("\u200b", "")  # the @ carries a zero width space: no mailto link
    assert shown == f"当前用户：{email}（{ROLE_NAMES[person.role]}）"
    return person


def menu(page) -> list[str]:
    """The sidebar's page names (without their icon, or a count the menu may add)."""
    texts = page.get_by_test_id("stSidebarNavLink").all_inner_texts()
    return [re.sub(r"[\s(（]*\d*[)）]?$", "", t.strip().splitlines()[-1]) for t in texts]


def go(person: Person, title: str, ready: str | None = None) -> None:
    """Open a page from the menu, as a person does (the session and its filters carry over)."""
    person.page.get_by_test_id("stSidebarNavLink").filter(has_text=title).first.click()
    person.page.get_by_role("heading", name=title).first.wait_for()
    wait_ready(person.page, ready, TIMEOUT_MS)


def metric(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    box.wait_for()
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def downloads(page) -> dict[str, Opened]:
    """Click every download button on the page; file name -> what it holds."""
    buttons = page.locator(
        '[data-testid="stDownloadButton"] button:visible'
    )  # a help tooltip holds a hidden copy
    found: dict[str, Opened] = {}
    for i in range(buttons.count()):
        button = buttons.nth(i)
        button.scroll_into_view_if_needed()
        with page.expect_download(timeout=TIMEOUT_MS) as info:
            button.click()
        download = info.value
        name = download.suggested_filename
        found[name] = open_download(name, Path(download.path()).read_bytes())
    return found


def choose(page, label: str, option: str) -> None:
    """Pick `option` in the sidebar's selectbox `label` (年度, 实施单位)."""
    pick(page.get_by_test_id("stSidebar"), label, option)


def pick(where, label: str, option: str | re.Pattern) -> None:
    """Choose `option` in the selectbox named `label` inside `where` (a page or a part of it)."""
    where.get_by_role("combobox", name=label).click()
    page = getattr(where, "page", where)
    page.get_by_role("option", name=option, exact=isinstance(option, str)).click()
    wait_ready(page, None, TIMEOUT_MS)
