"""The organisation's day in a real browser, signed in behind the deploy guide's nginx (issue 19):
five people over two units that each have a project named 职工疗休养 (tests/organisation.py), two
app instances on one PostgreSQL store, started as the guide's systemd unit says.

Each role walks its pages at 1440×900 (the leader also at 390×844), checks what they show for that
person's scope, and opens every download offered (PDF text, Excel rows, Word text, zip members, forms
read back): the right projects and none of another unit's. The review loop runs last: an editor sends
a form, the reviewer returns it, the editor fixes it with 采用计算得分 and the drafted reason and sends it
again, the reviewer approves, the administrator sees the unit complete. (nginx's ip_hash sends every
browser of one machine to one instance; two instances on one store are tested in test_two_instances.)

Marked `browser`; skipped without chromium or nginx except under CI.
"""

from __future__ import annotations

import os
import re

import pytest

from scripts.screenshots import CHROMIUM, launch, wait_ready
from selfeval.report import unit_report_filename
from selfeval.template import write_template
from tests.downloaded import Opened
from tests.organisation import (
    A_SHARED_CODE,
    ADMIN,
    B_ONLY,
    B_ONLY_CODE,
    B_SHARED_CODE,
    EDITOR_A,
    EDITOR_B,
    LEADER,
    PAGES,
    PHONE,
    REVIEWER,
    SHARED,
    UNIT_A,
    UNIT_B,
    USERS,
    YEAR,
    a_codes,
    a_names,
    choose,
    downloads,
    go,
    menu,
    metric,
    pick,
    returned_workbook,
    seed_organisation,
    sign_in,
    unit_b_cards,
)
from tests.signed_in import NGINX, deployment, roles_file

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (os.path.exists(CHROMIUM) and os.path.exists(NGINX)) and not os.environ.get("CI"),
        reason=f"no chromium at {CHROMIUM} or no nginx at {NGINX}",
    ),
]
OVERVIEW_DONE = "各单位审核进度"  # the last section of 总览
A_CODES = a_codes()
B_CODES = {B_SHARED_CODE, B_ONLY_CODE}
A_ONLY_NAMES = a_names() - {SHARED}
SCOPES = {  # unit -> (its codes, what of the other unit must never show)
    UNIT_A: (A_CODES, (UNIT_B, B_ONLY, *B_CODES)),
    UNIT_B: (B_CODES, (UNIT_A, *A_ONLY_NAMES, *A_CODES)),
}


@pytest.fixture(scope="module")
def front(pg_server, tmp_path_factory):
    from tests.pgserver import create_database, drop_database

    db = create_database(pg_server)
    tmp = tmp_path_factory.mktemp("organisation")
    seed_organisation(db, tmp / "forms")
    roles = roles_file(tmp / "roles.toml", USERS)
    try:
        with deployment(db, roles, instances=2) as front:
            yield front
    finally:
        drop_database(pg_server, db)


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()


# ------------------------------------------------------------------------------------------ checks


def in_scope(files: dict[str, Opened], unit: str) -> None:
    """Every file holds something, and nothing of the other unit: its name, its codes, the names only
    it has; forms read back belong to `unit`."""
    _, foreign = SCOPES[unit]
    for name, opened in files.items():
        assert opened.text.strip() or (name.endswith(".zip") and not opened.members), f"{name} holds no text"
        leaked = [s for s in foreign if s in opened.text or s in name]
        assert not leaked, f"{name} shows another unit's {leaked}"
        assert opened.units <= {unit}, f"{name} holds forms of {opened.units}"


def excel_codes(opened: Opened, sheet: str = "全部项目") -> dict[str, str]:
    """项目编码 -> 实施单位 of an exported table."""
    header, *rows = opened.sheets[sheet]
    code, unit = header.index("项目编码"), header.index("实施单位")
    return {str(r[code]): r[unit] for r in rows if r[code]}


def overview(person, files: set[str] | None = None) -> dict[str, Opened]:
    """总览 drawn to its end; its downloads opened (exactly `files` when given)."""
    person.page.get_by_role("heading", name=OVERVIEW_DONE).wait_for()
    wait_ready(person.page, None, 90_000)
    opened = downloads(person.page)
    if files is not None:
        assert set(opened) == files
    return opened


def visible(page, text: str) -> bool:
    """`text` shown as page text a person can read (a table drawn on a canvas is not)."""
    found = page.get_by_text(text)
    return any(found.nth(i).is_visible() for i in range(found.count()))


def told_apart(text: str) -> bool:
    """Both 职工疗休养 named with what tells them apart (their unit or their code)."""
    return all(u in text or c in text for u, c in ((UNIT_A, A_SHARED_CODE), (UNIT_B, B_SHARED_CODE)))


# ------------------------------------------------------------------------------------------ journeys


def test_leader_sees_every_unit_and_every_download_holds_them(front, browser):
    leader = sign_in(browser, front, LEADER)
    page = leader.page
    assert menu(page) == PAGES["viewer"]
    assert metric(page, "项目数") == str(len(A_CODES | B_CODES))
    files = overview(leader, {f"自评总览_{YEAR}_全部单位.pdf", f"自评总览_{YEAR}_全部单位.xlsx"})
    table = excel_codes(files[f"自评总览_{YEAR}_全部单位.xlsx"])
    assert table == {**dict.fromkeys(A_CODES, UNIT_A), **dict.fromkeys(B_CODES, UNIT_B)}
    pdf = files[f"自评总览_{YEAR}_全部单位.pdf"].text
    assert "共 15 个项目" in pdf and "54.05" in pdf and "96.98" in pdf  # both 职工疗休养

    # one unit at a time, with the sidebar's picker: every figure and file follows
    choose(page, "实施单位", UNIT_B)
    assert metric(page, "项目数") == "2"
    files = overview(leader, {f"自评总览_{YEAR}_{UNIT_B}.pdf", f"自评总览_{YEAR}_{UNIT_B}.xlsx"})
    in_scope(files, UNIT_B)
    assert set(excel_codes(files[f"自评总览_{YEAR}_{UNIT_B}.xlsx"])) == B_CODES

    go(leader, "项目详情", '[data-testid="stMetric"]')
    files = downloads(page)
    assert len(files) == 2 and {n.rsplit(".", 1)[1] for n in files} == {"pdf", "xlsx"}
    in_scope(files, UNIT_B)
    for name, opened in files.items():
        assert UNIT_B in opened.text, f"issue 19 item 3: 项目详情's {name} does not name its unit"

    # the "told apart": the same name in two units, on 总览 and in its PDF
    choose(page, "实施单位", "全部单位")
    go(leader, "总览")
    files = overview(leader)
    assert told_apart(files[f"自评总览_{YEAR}_全部单位.pdf"].text), (
        "issue 19 item 3: 总览's PDF lists 职工疗休养 twice without its unit or code"
    )


def test_leader_on_a_phone(front, browser):
    leader = sign_in(browser, front, LEADER, PHONE)
    page = leader.page
    assert metric(page, "项目数") == "15"
    files = overview(leader, {f"自评总览_{YEAR}_全部单位.pdf", f"自评总览_{YEAR}_全部单位.xlsx"})
    assert set(excel_codes(files[f"自评总览_{YEAR}_全部单位.xlsx"])) == A_CODES | B_CODES
    # on a phone 得分最低的项目 is a list of links: both 职工疗休养 are in it, told apart
    links = page.get_by_role("link", name=re.compile(SHARED)).filter(visible=True).all_inner_texts()
    assert len(links) == 2, links
    assert told_apart("\n".join(links)), f"issue 19 item 3: 总览's list on a phone shows {links}"
    width = page.evaluate("() => [window.innerWidth, document.documentElement.scrollWidth]")
    assert width[1] <= width[0], f"总览 scrolls sideways on a phone: {width}"
    page.goto(f"{front.url}/project?code={B_SHARED_CODE}&year={YEAR}")
    wait_ready(page, '[data-testid="stMetric"]', 90_000)
    page.get_by_text("54.05%").first.wait_for()  # B's 职工疗休养, not A's
    files = downloads(page)
    assert len(files) == 2
    in_scope(files, UNIT_B)


@pytest.mark.parametrize(("email", "unit"), [(EDITOR_A, UNIT_A), (EDITOR_B, UNIT_B)])
def test_an_editor_sees_and_downloads_only_their_unit(front, browser, tmp_path, email, unit):
    codes, _ = SCOPES[unit]
    editor = sign_in(browser, front, email)
    page = editor.page
    assert menu(page) == PAGES["editor"]
    assert metric(page, "项目数") == str(len(codes))
    files = overview(editor)
    summary = unit_report_filename(unit, YEAR)
    reports = summary.replace("自评报告汇总.docx", "自评报告.zip")
    assert set(files) == {
        f"自评总览_{YEAR}_{unit}.pdf",
        f"自评总览_{YEAR}_{unit}.xlsx",
        summary,
        reports,
        f"{YEAR}_导入模板_已通过.zip",
    }
    in_scope(files, unit)
    assert set(excel_codes(files[f"自评总览_{YEAR}_{unit}.xlsx"])) == codes
    assert len(files[reports].members) == len(codes) + 1  # a draft per project and the summary
    assert unit in files[summary].text
    # the approved versions' templates: B's approved project; for A (nothing approved) an empty zip
    assert files[f"{YEAR}_导入模板_已通过.zip"].codes == ({B_ONLY_CODE} if unit == UNIT_B else set())
    page.get_by_text("全部项目的最新版本").click()
    wait_ready(page, None, 90_000)
    latest = {n: o for n, o in downloads(page).items() if "导入模板" in n}
    assert set(latest) == {f"{YEAR}_导入模板_最新版本.zip"}
    in_scope(latest, unit)
    assert latest[f"{YEAR}_导入模板_最新版本.zip"].codes == codes

    go(editor, "项目详情", '[data-testid="stMetric"]')
    files = downloads(page)
    assert {n.rsplit(".", 1)[1] for n in files} == {"pdf", "xlsx", "docx"}
    in_scope(files, unit)

    go(editor, "在线编辑", '[data-testid="stDataFrame"]')
    files = downloads(page)
    assert len(files) == 2
    in_scope(files, unit)
    bundle = next(o for n, o in files.items() if "全部现行表" in n or n.startswith(unit))
    assert bundle.codes == codes
    page.get_by_text("压缩包（每表一个文件）").click()
    wait_ready(page, None, 90_000)
    zipped = {n: o for n, o in downloads(page).items() if n.endswith(".zip")}
    assert len(zipped) == 1
    in_scope(zipped, unit)
    assert next(iter(zipped.values())).codes == codes

    go(editor, "上传评分", '[data-testid="stFileUploaderDropzone"]')
    card = next(c for c in unit_b_cards() if c.form.header.project_code == B_ONLY_CODE)
    book = tmp_path / "自评表.xlsx"
    book.write_bytes(write_template([card]))
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(book))
    page.get_by_text("已完成 1 个文件的读取与评分。").wait_for()
    wait_ready(page, None, 90_000)
    files = downloads(page)
    assert files and all(o.codes == {B_ONLY_CODE} for o in files.values())  # what was uploaded


def test_reviewer_sees_both_units(front, browser):
    reviewer = sign_in(browser, front, REVIEWER)
    page = reviewer.page
    assert menu(page) == PAGES["reviewer"]
    for unit in (UNIT_A, UNIT_B):
        choose(page, "实施单位", unit)
        codes, _ = SCOPES[unit]
        assert metric(page, "项目数") == str(len(codes))
        files = overview(reviewer)
        in_scope(files, unit)
        assert set(excel_codes(files[f"自评总览_{YEAR}_{unit}.xlsx"])) == codes
        assert any(n.endswith("自评报告.zip") for n in files)
    go(reviewer, "审核")
    page.get_by_text("没有等待审核的自评表").wait_for()
    go(reviewer, "项目详情", '[data-testid="stMetric"]')
    in_scope(downloads(page), UNIT_B)
    fresh = sign_in(browser, front, REVIEWER)  # a new session: the default scope
    assert metric(fresh.page, "项目数") == "15", (
        "issue 19 item 4: someone bound to two units sees the first only by default, not both"
    )


def test_administrator_sees_the_organisation(front, browser):
    admin = sign_in(browser, front, ADMIN)
    page = admin.page
    assert menu(page) == PAGES["admin"]
    assert metric(page, "项目数") == "15"
    files = overview(admin)
    assert set(files) == {
        f"自评总览_{YEAR}_全部单位.pdf",
        f"自评总览_{YEAR}_全部单位.xlsx",
        f"{YEAR}_导入模板_已通过.zip",
    }
    approved = files[f"{YEAR}_导入模板_已通过.zip"]
    assert approved.codes == {B_ONLY_CODE} and set(approved.members) == {
        f"{UNIT_B}/{B_ONLY_CODE}_{B_ONLY}.xlsx"
    }
    page.get_by_text("全部项目的最新版本").click()
    wait_ready(page, None, 90_000)
    latest = downloads(page)[f"{YEAR}_导入模板_最新版本.zip"]
    assert latest.codes == A_CODES | B_CODES and latest.units == {UNIT_A, UNIT_B}
    assert {m.split("/")[0] for m in latest.members} == {UNIT_A, UNIT_B}  # a folder per unit
    go(admin, "项目详情", '[data-testid="stMetric"]')
    files = downloads(page)
    assert {n.rsplit(".", 1)[1] for n in files} == {"pdf", "xlsx", "docx"}
    go(admin, "在线编辑", '[data-testid="stDataFrame"]')
    files = downloads(page)
    assert len(files) == 2
    bundle = next(o for n, o in files.items() if "_更正_" not in n)  # the unit's current forms
    [unit] = bundle.units
    assert bundle.codes == SCOPES[unit][0]
    go(admin, "上传评分", '[data-testid="stFileUploaderDropzone"]')
    go(admin, "审核")


def test_review_loop_send_return_fix_resend_approve(front, browser, tmp_path):
    comment = "“服务干部人数”未达标却得满分，且未写偏差原因，请按规则修改后重新送审"
    book = tmp_path / "职工疗休养_送审.xlsx"
    book.write_bytes(
        returned_workbook(next(c for c in unit_b_cards() if c.form.header.project_code == B_SHARED_CODE))
    )
    editor, reviewer = sign_in(browser, front, EDITOR_B), sign_in(browser, front, REVIEWER)

    # the editor uploads the form, saves it and sends it with an explanation of its errors
    go(editor, "上传评分", '[data-testid="stFileUploaderDropzone"]')
    editor.page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(book))
    editor.page.get_by_text("已完成 1 个文件的读取与评分。").wait_for()
    editor.page.get_by_role("button", name="保存到数据库").click()
    editor.page.get_by_text(re.compile("新保存 1 张")).first.wait_for()
    go(editor, "在线编辑", '[data-testid="stDataFrame"]')
    if not editor.page.get_by_text(f"{SHARED}（{B_SHARED_CODE}").count():
        pick(editor.page, "选择项目", re.compile(B_SHARED_CODE))
        wait_ready(editor.page, None, 90_000)
    editor.page.get_by_text("审核状态：").first.wait_for()
    explanation = editor.page.get_by_role("textbox", name=re.compile("送审说明"))
    explanation.fill("服务干部人数按全年计划计满分")
    editor.page.get_by_role("button", name="送审", exact=True).click()
    editor.page.get_by_text("已送审，等待审核人审核。").wait_for()

    # the reviewer finds it and returns it with a comment
    reviewer.open(front.url, '[data-testid="stMetric"]')
    reviewer.page.get_by_role("heading", name=OVERVIEW_DONE).wait_for()
    todo = visible(reviewer.page, "待审核") and visible(reviewer.page, SHARED)
    assert todo, "issue 19 item 6: the reviewer's home page lists nothing to review"
    go(reviewer, "审核")
    reviewer.page.get_by_role("heading", name=SHARED).wait_for()
    reviewer.page.get_by_label("审核意见").fill(comment)
    reviewer.page.get_by_role("button", name="退回").click()
    reviewer.page.get_by_text("已退回，填报人将在“在线编辑”中看到退回意见。").wait_for()

    # the editor sees the return, its comment, and fixes it where the form is
    editor.open(front.url, '[data-testid="stMetric"]')
    editor.page.get_by_role("heading", name=OVERVIEW_DONE).wait_for()
    assert visible(editor.page, comment), (
        "issue 19 item 6: the editor's home page does not show the return's comment"
    )
    go(editor, "在线编辑", '[data-testid="stDataFrame"]')
    editor.page.get_by_text(comment).first.wait_for()
    editor.page.get_by_role("button", name="采用计算得分").click()
    wait_ready(editor.page, None, 90_000)
    editor.page.get_by_role("button", name="填入以上偏差原因").click()
    wait_ready(editor.page, None, 90_000)
    errors = editor.page.get_by_text(re.compile(r"错误 \d+ 条")).first.inner_text()
    assert errors.startswith("错误 0 条"), (
        f"after 采用计算得分 and the drafted reason the editor shows {errors}"
    )
    editor.page.get_by_role("button", name="保存为新版本").click()  # no error left: saved without asking
    editor.page.get_by_text(re.compile("已保存为新版本")).wait_for()
    wait_ready(editor.page, None, 90_000)
    editor.page.get_by_role("button", name="送审", exact=True).click()  # no explanation needed
    editor.page.get_by_text("已送审，等待审核人审核。").wait_for()

    # the reviewer approves; the administrator sees unit B complete
    go(reviewer, "审核")
    reviewer.page.get_by_role("heading", name=SHARED).wait_for()
    reviewer.page.get_by_role("button", name="通过").click()  # 0 errors: no confirmation asked
    reviewer.page.get_by_text("已通过审核。").wait_for()
    admin = sign_in(browser, front, ADMIN)
    choose(admin.page, "实施单位", UNIT_B)
    admin.page.get_by_role("heading", name=OVERVIEW_DONE).wait_for()
    admin.page.get_by_text("尚未通过审核的项目（0）").wait_for()
