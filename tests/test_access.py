"""Roles: each role sees its pages and may do its actions; nobody unlisted sees anything."""

from __future__ import annotations

import pytest

from selfeval.access import (
    LOCAL,
    NOBODY,
    REMOTE,
    can,
    header_values,
    is_loopback,
    load_roles,
    may_open,
    resolve_principal,
)

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
    p = resolve_principal(None, {}, roles={}, trusted_header="", client_address="127.0.0.1")
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
    p = resolve_principal(
        {"is_logged_in": True, "email": email}, {}, roles=roles, trusted_header="", client_address="10.0.0.5"
    )
    assert p.authenticated and p.role == role
    assert {page for page in ("overview", "project", "upload", "editor") if may_open(p, page)} == pages
    assert {a for a in ("upload", "edit", "download", "save", "restore") if can(p, a)} == actions
    if role != "admin":
        assert p.sees_unit("深圳市福田区总工会（本级）") and not p.sees_unit("别的单位")


def test_trusted_header_from_sso_proxy(roles):
    p = resolve_principal(
        None,
        {"X-Forwarded-Email": "zhang@futian.gov.cn"},
        roles=roles,
        trusted_header="X-Forwarded-Email",
        client_address="127.0.0.1",
    )
    assert p.role == "editor" and p.authenticated


def test_configured_sign_in_without_identity_gets_nothing(roles):
    local = "127.0.0.1"
    assert (
        resolve_principal(None, {}, roles=roles, trusted_header="X-Forwarded-Email", client_address=local)
        == NOBODY
    )
    assert (
        resolve_principal(
            None, {}, roles=roles, trusted_header="", auth_configured=True, client_address=local
        )
        == NOBODY
    )
    assert not NOBODY.sees_unit("深圳市福田区总工会（本级）") and not can(NOBODY, "upload")


def test_unlisted_user_sees_no_unit(roles):
    p = resolve_principal(
        {"email": "stranger@example.com"}, {}, roles=roles, trusted_header="", client_address=None
    )
    assert p.role == "viewer" and not p.sees_unit("深圳市福田区总工会（本级）")


def test_bad_role_is_refused(tmp_path):
    path = tmp_path / "roles.toml"
    path.write_text('[users."x@y"]\nrole = "boss"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="角色"):
        load_roles(path)


# --- issue 11 item 5: the trusted header only once and only from a proxy; local mode only locally ---
HEADER = "X-Forwarded-Email"
ADMIN, EDITOR = "admin@futian.gov.cn", "zhang@futian.gov.cn"


@pytest.mark.parametrize(
    ("headers", "address", "proxies", "expected"),
    [
        ({HEADER: EDITOR}, "127.0.0.1", None, EDITOR),  # the proxy on this computer (default)
        ({HEADER: EDITOR}, "::1", None, EDITOR),
        ({HEADER: EDITOR}, "::ffff:127.0.0.1", None, EDITOR),
        ({HEADER: EDITOR}, "10.0.0.2", "10.0.0.2", EDITOR),  # a configured proxy
        ({HEADER: EDITOR}, "10.0.0.7", "10.0.0.0/24, 192.168.1.1", EDITOR),  # a configured network
        ({HEADER: EDITOR}, "10.0.0.5", None, None),  # the client straight to the port
        ({HEADER: ADMIN}, "10.0.1.5", "10.0.0.0/24", None),
        ({HEADER: EDITOR}, None, None, None),  # unknown peer
        ({HEADER: EDITOR}, "not an address", None, None),
        ({HEADER: EDITOR}, "127.0.0.1", "", None),  # no proxy configured at all
        ({HEADER: EDITOR}, "127.0.0.1", "garbage, 10.0.0.1", None),
        ([(HEADER, ADMIN), (HEADER, EDITOR)], "127.0.0.1", None, None),  # repeated: refused
        ({HEADER: ADMIN, HEADER.lower(): EDITOR}, "127.0.0.1", None, None),  # repeated, other case
        ({HEADER: f"{ADMIN}, {EDITOR}"}, "127.0.0.1", None, None),  # joined by a proxy: refused
        ({HEADER: ""}, "127.0.0.1", None, None),
        ({"X-Other": ADMIN}, "127.0.0.1", None, None),
        ({}, "127.0.0.1", None, None),
        (None, "127.0.0.1", None, None),
    ],
)
def test_trusted_header_only_once_and_only_from_a_proxy(roles, headers, address, proxies, expected):
    p = resolve_principal(
        None, headers, roles=roles, trusted_header=HEADER, client_address=address, proxies=proxies
    )
    if expected is None:
        assert p == NOBODY
    else:
        assert p.name == expected and p.authenticated and p.role == "editor"


def test_streamlit_headers_with_a_repeated_header_are_refused(roles):
    from streamlit.runtime.context import StreamlitHeaders

    once = StreamlitHeaders([(HEADER, EDITOR), ("Host", "x")])
    twice = StreamlitHeaders([(HEADER, ADMIN), (HEADER.lower(), EDITOR)])
    assert header_values(twice, HEADER) == [ADMIN, EDITOR]
    kw = {"roles": roles, "trusted_header": HEADER, "client_address": "127.0.0.1"}
    assert resolve_principal(None, once, **kw).name == EDITOR
    assert resolve_principal(None, twice, **kw) == NOBODY


def test_trusted_proxies_from_the_environment(roles, monkeypatch):
    monkeypatch.setenv("SELFEVAL_TRUSTED_PROXIES", "10.1.2.3")
    kw = {"roles": roles, "trusted_header": HEADER}
    assert resolve_principal(None, {HEADER: EDITOR}, client_address="10.1.2.3", **kw).name == EDITOR
    assert resolve_principal(None, {HEADER: EDITOR}, client_address="127.0.0.1", **kw) == NOBODY
    monkeypatch.delenv("SELFEVAL_TRUSTED_PROXIES")
    assert resolve_principal(None, {HEADER: EDITOR}, client_address="127.0.0.1", **kw).name == EDITOR


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("127.0.0.1", LOCAL),
        ("127.0.0.2", LOCAL),
        ("::1", LOCAL),
        ("::ffff:127.0.0.1", LOCAL),
        ("10.0.0.5", REMOTE),
        ("192.168.1.20", REMOTE),
        ("0.0.0.0", REMOTE),
        ("fe80::1%eth0", REMOTE),
        (None, REMOTE),
        ("", REMOTE),
        ("localhost", REMOTE),  # a name is no address
    ],
)
def test_local_mode_serves_only_loopback_clients(address, expected):
    p = resolve_principal(
        None, {"Host": "10.0.0.9:8501"}, roles={}, trusted_header="", client_address=address
    )
    assert p == expected
    assert is_loopback(address) == (expected == LOCAL)
    if expected == REMOTE:
        assert not p.authenticated and p.role == "viewer" and not p.sees_unit("深圳市福田区总工会（本级）")
        assert not can(p, "upload") and not p.all_units and p.units == ()


def test_signed_in_oidc_user_is_who_they_are_from_any_address(roles):
    user = {"is_logged_in": True, "email": EDITOR}
    for address in ("10.0.0.5", None, "127.0.0.1"):
        p = resolve_principal(
            user, {HEADER: ADMIN}, roles=roles, trusted_header=HEADER, client_address=address
        )
        assert p.name == EDITOR and p.role == "editor"  # the header never overrides a signed-in user
