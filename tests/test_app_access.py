"""The app under AppTest when no sign-in is configured (issue 11 item 5): a client that is not this
computer sees only how to configure sign-in. AppTest cannot set the client's address, so the one
function that reads it (views._ui.client_address, st.context.ip_address) is replaced; the decision
itself is access.resolve_principal, tested case by case in test_access.py."""

from __future__ import annotations

import pytest

from tests.app_support import fresh_app_db, run_app

app_db = pytest.fixture(fresh_app_db, name="app_db")


def test_a_remote_client_in_local_mode_sees_only_how_to_configure_sign_in(app_db, monkeypatch):
    from views import _ui

    monkeypatch.setattr(_ui, "client_address", lambda: "10.0.0.5")
    at = run_app()
    assert [w.value for w in at.warning] == [_ui.REMOTE_PAGE]
    assert "Access" in _ui.REMOTE_PAGE and "SELFEVAL_TRUSTED_PROXIES" in _ui.REMOTE_PAGE
    assert not at.metric and not at.sidebar.selectbox and not at.dataframe  # nothing of the data
    assert not [i for i in at.info if "本地模式" in i.value]


def test_this_computer_in_local_mode_is_the_administrator(app_db, monkeypatch):
    from views import _ui

    monkeypatch.setattr(_ui, "client_address", lambda: "127.0.0.1")
    at = run_app()
    assert not at.warning or _ui.REMOTE_PAGE not in [w.value for w in at.warning]
    assert any("本地模式：未启用登录，仅限本机访问" in i.value for i in at.info)
    assert at.metric  # 总览 with the sample data
