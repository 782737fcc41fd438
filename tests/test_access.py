"""Roles: each role sees its pages and may do its actions; nobody unlisted sees anything."""

from __future__ import annotations

import pytest

from selfeval.access import LOCAL, NOBODY, can, load_roles, may_open, resolve_principal

ROLES_TOML = """
[users."admin@futian.gov.cn"]
role = "admin"

[users."zhang@futian.gov.cn"]
role = "editor"
units = ["深圳市福田区总工会（本级）"]

[users."li@futian.gov.cn"]
role = "viewer"
units = ["深圳市福田区总工会（本级）"]
"""


@pytest.fixture()
def roles(tmp_path):
    path = tmp_path / "roles.toml"
    path.write_text(ROLES_TOML, encoding="utf-8")
    return load_roles(path)


def test_local_default_is_unauthenticated_admin():
    p = resolve_principal(None, {}, roles={}, trusted_header="")
    assert p == LOCAL and not p.authenticated and p.role == "admin"


@pytest.mark.parametrize(
    ("email", "role", "pages", "actions"),
    [
        (
            "admin@futian.gov.cn",
            "admin",
            {"overview", "project", "upload", "editor"},
            {"upload", "edit", "download", "save", "restore"},
        ),
        (
            "Zhang@futian.gov.cn",
            "editor",
            {"overview", "project", "upload", "editor"},
            {"upload", "edit", "download", "save", "restore"},
        ),
        ("li@futian.gov.cn", "viewer", {"overview", "project"}, set()),
    ],
)
def test_roles_from_oidc_user(roles, email, role, pages, actions):
    p = resolve_principal({"is_logged_in": True, "email": email}, {}, roles=roles, trusted_header="")
    assert p.authenticated and p.role == role
    assert {page for page in ("overview", "project", "upload", "editor") if may_open(p, page)} == pages
    assert {a for a in ("upload", "edit", "download", "save", "restore") if can(p, a)} == actions
    if role != "admin":
        assert p.sees_unit("深圳市福田区总工会（本级）") and not p.sees_unit("别的单位")


def test_trusted_header_from_sso_proxy(roles):
    p = resolve_principal(
        None, {"X-Forwarded-Email": "zhang@futian.gov.cn"}, roles=roles, trusted_header="X-Forwarded-Email"
    )
    assert p.role == "editor" and p.authenticated


def test_configured_sign_in_without_identity_gets_nothing(roles):
    assert resolve_principal(None, {}, roles=roles, trusted_header="X-Forwarded-Email") == NOBODY
    assert resolve_principal(None, {}, roles=roles, trusted_header="", auth_configured=True) == NOBODY
    assert not NOBODY.sees_unit("深圳市福田区总工会（本级）") and not can(NOBODY, "upload")


def test_unlisted_user_sees_no_unit(roles):
    p = resolve_principal({"email": "stranger@example.com"}, {}, roles=roles, trusted_header="")
    assert p.role == "viewer" and not p.sees_unit("深圳市福田区总工会（本级）")


def test_bad_role_is_refused(tmp_path):
    path = tmp_path / "roles.toml"
    path.write_text('[users."x@y"]\nrole = "boss"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="角色"):
        load_roles(path)
