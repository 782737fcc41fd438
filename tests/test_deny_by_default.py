"""Deny by default (issue 20 item 1): a principal's units are explicit. Every role × {units missing,
empty, "*", listed} read from a real role file and used against a real store (DuckDB and
PostgreSQL); a placeholder unit (`（无）`, `全部` …) is nobody's but the principals of every unit; a
role file with any mistake is refused whole, naming its line, in the library, the CLI and the app."""

from __future__ import annotations

import subprocess
import sys

import pytest

from selfeval.access import (
    ALL_UNITS,
    NOBODY,
    REMOTE,
    ROLES,
    Principal,
    RolesError,
    can,
    governs_all,
    is_placeholder_unit,
    load_roles,
    resolve_principal,
)
from selfeval.store import AccessDenied, NotFound, open_store
from tests.app_support import fresh_app_db, run_app
from tests.conftest import ROOT
from tests.factories import make_scorecard

A, B, NONE = "甲单位", "乙单位", "（无）"
CODES = {A: "440304226011500000001", B: "440304226011500000002", NONE: "440304226011500000003"}
CASES = ("missing", "empty", "star", "listed")
UNITS_LINE = {"missing": "", "empty": "units = []\n", "star": 'units = "*"\n', "listed": f'units = ["{A}"]\n'}

app_db = pytest.fixture(fresh_app_db, name="app_db")


def roles_file(tmp_path, role: str, case: str):
    path = tmp_path / "roles.toml"
    path.write_text(
        f'# 角色\n\n[users."who@example.cn"]\nrole = "{role}"\n{UNITS_LINE[case]}', encoding="utf-8"
    )
    return path


def save(store, unit: str, executed: float = 50000.0):
    card = make_scorecard(3, project_code=CODES[unit], unit=unit, executed=executed)
    return store.save([card], source_name=f"{unit}.xlsx", data=None, kind="xlsx", origin="upload")


@pytest.fixture
def three_units(store_location):
    """A's, B's and a form whose 实施单位 is the placeholder `（无）`, stored by the administrator."""
    root = open_store(store_location)
    ids = {u: save(root, u).stored[0] for u in (A, B, NONE)}
    yield root, ids
    root.close()


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("role", ROLES)
def test_every_role_and_units_case_reaches_exactly_what_the_line_says(tmp_path, three_units, role, case):
    root, ids = three_units
    path = roles_file(tmp_path, role, case)
    if case == "missing" and role != "admin":  # refused whole, naming the line of the account
        with pytest.raises(RolesError, match="第 3 行.*缺少 units") as caught:
            load_roles(path)
        assert caught.value.line == 3
        return
    roles = load_roles(path)
    who = resolve_principal(
        {"email": "WHO@example.cn"}, {}, roles=roles, trusted_header="", client_address=None
    )
    expected = {"missing": {A, B, NONE}, "star": {A, B, NONE}, "empty": set(), "listed": {A}}[case]
    assert who.role == role and who.all_units == (case in ("missing", "star"))
    s = root.scoped(who)

    # reads: exactly the units the line names (a placeholder unit only for every unit)
    assert set(s.units()) == expected
    assert set(s.project_scores()["unit"]) == expected
    assert {c.form.header.unit for c in s.current_scorecards()} == expected
    assert s.overview_counts()["projects"] == len(expected)
    for unit, sid in ids.items():
        if unit in expected:
            assert s.load_form(sid).header.unit == unit
        else:
            with pytest.raises(NotFound):
                s.load_form(sid)
            assert s.project_history(CODES[unit], 2023).empty

    # writes: only an editor or administrator, only into their units
    for unit in (A, B, NONE):
        may = can(who, "save") and unit in expected
        if may:
            assert save(s, unit, 40000.0).stored
        else:
            with pytest.raises(AccessDenied):
                save(s, unit, 30000.0)

    # the organisation's operations: an administrator of every unit only
    if governs_all(who):
        assert s.table_counts()["submissions"] >= 3
    else:
        with pytest.raises(AccessDenied):
            s.export_database(tmp_path / "backup")
        with pytest.raises(AccessDenied):
            s.transfer_project(CODES[B], 2023, A)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("role", ["reviewer", "admin"])
def test_review_steps_follow_the_units_line(tmp_path, three_units, role, case):
    root, ids = three_units
    for sid in ids.values():
        root.submit(sid)
    path = roles_file(tmp_path, role, case)
    if case == "missing" and role != "admin":
        with pytest.raises(RolesError):
            load_roles(path)
        return
    role_, units = load_roles(path)["who@example.cn"]
    s = root.scoped(Principal("who@example.cn", role_, units, True))
    expected = {"missing": {A, B, NONE}, "star": {A, B, NONE}, "empty": set(), "listed": {A}}[case]
    assert set(s.review_queue()["unit"]) == expected
    for unit, sid in ids.items():
        if unit in expected:
            assert s.approve(sid) == "approved"
        else:
            with pytest.raises(NotFound):
                s.approve(sid)
    assert root.review_state(ids[B])["state"] == ("approved" if B in expected else "submitted")


def test_nobody_unlisted_and_remote_see_no_placeholder_form(three_units):
    root, ids = three_units
    stranger = resolve_principal(
        {"email": "stranger@example.cn"}, {}, roles={}, trusted_header="", client_address=None
    )
    for who in (NOBODY, REMOTE, stranger, Principal("x", "editor", (NONE, "全部", "*", " "), True)):
        assert who.units == () and not who.all_units
        s = root.scoped(who)
        assert s.units() == [] and s.project_scores().empty and s.current_scorecards() == []
        with pytest.raises(NotFound):
            s.load_form(ids[NONE])
        assert not who.sees_unit(NONE) and not who.sees_unit("")


@pytest.mark.parametrize(
    "name",
    [
        "（无）",
        "(无)",
        "无",
        "",
        " ",
        "未填写实施单位",
        "（未填写实施单位）",
        "全部",
        "全部单位",
        "*",
        "－",
        "N/A",
    ],
)
def test_placeholders_are_never_units(name):
    assert is_placeholder_unit(name)
    assert Principal("x", "editor", (name, A), True).units == (A,)
    assert not Principal("x", "admin", (A,), True).sees_unit(name)
    assert Principal("x", "viewer", ALL_UNITS, True).sees_unit(name)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('[users."a@b"]\nrole = "boss"\nunits = ["甲"]\n', 2, "角色“boss”无效"),
        ('[users."a@b"]\nunits = ["甲"]\n', 1, "缺少 role"),
        ('\n[users."a@b"]\nrole = "viewer"\nunits = ["（无）"]\n', 4, "占位写法"),
        ('[users."a@b"]\nrole = "viewer"\nunits = ["*", "甲"]\n', 3, "占位写法"),
        ('[users."a@b"]\nrole = "viewer"\nunits = "甲"\n', 3, "units 应为"),
        ('[users."a@b"]\nrole = "viewer"\nunits = [""]\n', 3, "空的单位名称"),
        ('[users."a@b"]\nrole = "viewer"\nunits = ["甲"]\nunit = ["乙"]\n', 4, "未知的设置“unit”"),
        ('[user."a@b"]\nrole = "viewer"\nunits = ["甲"]\n', 1, "未知的设置或一节“user”"),
        ('[users."a@b"]\nrole = "viewer"\nunits = ["甲"]\n[users."A@B"]\nrole = "admin"\n', 4, "出现了两次"),
        ('[users."a@b"\nrole = "viewer"\n', 1, "不是有效的 TOML"),
        ('units = ["甲", "（无）"]\n[users."a@b"]\nrole = "admin"\n', 1, "占位写法"),  # registered units
        ('[users."a@b"]\nrole = "viewer"\nunits = ["甲"\n', 3, "不是有效的 TOML"),
        # red team: a unit that differs from a real one only by an invisible character
        ('[users."a@b"]\nrole = "editor"\nunits = ["甲单位\u200b"]\n', 3, "看不见的字符"),
        ('[users."a@b"]\nrole = "editor"\nunits = ["甲\u202e单位"]\n', 3, "看不见的字符"),
        (
            '[users."a@b"]\nrole = "viewer"\nunits = ["甲"]\n[users."\uff41@b"]\nrole = "admin"\n',
            4,
            "出现了两次",
        ),
    ],
)
def test_a_role_file_with_a_mistake_is_refused_naming_the_line(tmp_path, text, line, words):
    path = tmp_path / "roles.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RolesError) as caught:
        load_roles(path)
    assert caught.value.line == line and words in str(caught.value) and f"第 {line} 行" in str(caught.value)
    assert "a@b" not in caught.value.page() and f"第 {line} 行" in caught.value.page()
    # the CLI checks a file the same way and exits 1
    done = subprocess.run(
        [sys.executable, "-m", "selfeval", "roles", str(path)], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 1 and f"第 {line} 行" in done.stderr


def test_registered_units_are_accepted_and_grant_nobody_anything(tmp_path):
    path = tmp_path / "roles.toml"
    path.write_text(
        f'units = ["{A}", "{B}"]\n[users."z@x"]\nrole = "editor"\nunits = ["{A}"]\n', encoding="utf-8"
    )
    assert load_roles(path) == {"z@x": ("editor", (A,))}


def test_a_missing_role_file_named_by_the_environment_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("SELFEVAL_ROLES", str(tmp_path / "nowhere.toml"))
    with pytest.raises(RolesError, match="找不到角色文件"):
        load_roles()


def test_selfeval_roles_lists_who_sees_what(tmp_path):
    path = tmp_path / "roles.toml"
    path.write_text(
        f'[users."boss@x"]\nrole = "admin"\n[users."lead@x"]\nrole = "viewer"\nunits = "*"\n'
        f'[users."z@x"]\nrole = "editor"\nunits = ["{A}", "{B}"]\n[users."off@x"]\nrole = "reviewer"\nunits = []\n',
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "selfeval", "roles", str(path)], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "boss@x\t管理员\t全部单位" in lines and "lead@x\t查看者\t全部单位" in lines
    assert f"z@x\t填报人\t{A}、{B}" in lines and "off@x\t审核人\t无" in lines


def test_the_app_refuses_everyone_while_the_role_file_is_wrong(app_db, tmp_path, monkeypatch):
    path = tmp_path / "roles.toml"
    path.write_text('[users."zhang@example.cn"]\nrole = "editor"\n', encoding="utf-8")
    monkeypatch.setenv("SELFEVAL_ROLES", str(path))
    monkeypatch.setenv("SELFEVAL_TRUSTED_HEADER", "X-Forwarded-Email")
    at = run_app()
    assert [e.value for e in at.error] == [load_roles_error(path).page()]
    assert "第 1 行" in at.error[0].value and "zhang@example.cn" not in at.error[0].value
    assert not at.metric and not at.dataframe and not at.sidebar.selectbox


def load_roles_error(path) -> RolesError:
    try:
        load_roles(path)
    except RolesError as exc:
        return exc
    raise AssertionError("the role file was accepted")


@pytest.mark.parametrize(
    "signed_in", ["\u212aate@x.cn", "kate@x.cn\u200b", "ｋａｔｅ@x.cn", "kate@x.cn, a@b"]
)
def test_only_the_account_itself_gets_its_line(signed_in):
    """Red team: `str.lower()` folds the Kelvin sign into `k`, so an account an identity provider
    would let someone register as `\u212aate@x.cn` was kate@x.cn, an administrator. Accounts compare
    with ASCII letters folded only; look-alikes and invisible characters are other (unlisted) people."""
    roles = {"kate@x.cn": ("admin", ALL_UNITS)}
    for headers in ({"X-Email": signed_in}, {"X-Email": "KATE@x.cn"}):
        who = resolve_principal(
            None, headers, client_address="127.0.0.1", roles=roles, trusted_header="X-Email"
        )
        if headers["X-Email"] == signed_in:
            assert (who.role, who.units) == ("viewer", ()), signed_in
        else:
            assert (who.role, who.units) == ("admin", ALL_UNITS)
