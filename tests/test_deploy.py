"""docs/deploy.md prints the files the tests run (docs/deploy/selfeval.conf for nginx,
docs/deploy/selfeval@.service for the instances), and those files say what the app expects: the
header the gateway's identity travels in, the proxies trusted to set it, X-Forwarded-For cleared
(Streamlit's server would take the connection's address from it), the websocket upgrade.
The browser side runs them: tests/test_deploy_nginx.py, tests/test_browser_organisation.py."""

from __future__ import annotations

import logging
import re

import pytest

from selfeval.access import NOBODY, resolve_principal
from tests.signed_in import NGINX_SITE, ROOT, UNIT, site_config, unit_settings

GUIDE = ROOT / "docs" / "deploy.md"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)


def _directives(text: str) -> list[str]:
    """The nginx directives of `text`, comments dropped and spaces collapsed."""
    lines = (re.sub(r"#.*", "", line).strip() for line in text.splitlines())
    return [re.sub(r"\s+", " ", line) for line in lines if line]


def test_the_guide_prints_the_files_the_tests_run():
    assert _blocks("nginx") == [NGINX_SITE.read_text(encoding="utf-8")]
    assert _blocks("ini") == [UNIT.read_text(encoding="utf-8")]


def test_the_unit_and_the_nginx_site_agree_on_the_header_and_the_proxy():
    env, options = unit_settings()
    assert env["SELFEVAL_TRUSTED_HEADER"] == "X-Forwarded-Email"
    assert env["SELFEVAL_TRUSTED_PROXIES"] == "127.0.0.1,::1"
    assert options[options.index("--server.address") + 1] == "127.0.0.1"  # only nginx reaches it
    site = _directives(NGINX_SITE.read_text(encoding="utf-8"))
    root = site[site.index("location / {") : site.index("}", site.index("location / {"))]
    assert "auth_request /oauth2/auth;" in root
    assert "auth_request_set $email $upstream_http_x_auth_request_email;" in root
    # the identity is set by nginx alone (replacing any the client sent), once
    assert [d for d in root if "X-Forwarded-Email" in d] == ["proxy_set_header X-Forwarded-Email $email;"]
    # the address the app checks stays nginx's: no X-Forwarded-For reaches Streamlit's server
    assert [d for d in root if "X-Forwarded-For" in d] == ['proxy_set_header X-Forwarded-For "";']
    assert not [d for d in site if "X-Real-IP" in d or "$proxy_add_x_forwarded_for" in d]
    for upgrade in (
        "proxy_http_version 1.1;",
        "proxy_set_header Upgrade $http_upgrade;",
        "proxy_set_header Connection $connection_upgrade;",
    ):
        assert upgrade in root
    assert "map $http_upgrade $connection_upgrade { default upgrade; '' close; }" in site


def test_the_test_machine_changes_only_addresses_ports_and_the_certificate(tmp_path):
    cert, key = tmp_path / "c.crt", tmp_path / "c.key"
    ran = site_config(listen=[("127.0.0.1", 9443)], instances=[9001, 9002], gateway=9180, cert=cert, key=key)
    printed, ran_lines = _directives(NGINX_SITE.read_text(encoding="utf-8")), _directives(ran)
    assert [d for d in printed if d not in ran_lines] == [
        "server 127.0.0.1:8501;",
        "server 127.0.0.1:8502;",
        "server 127.0.0.1:8503;",
        "listen 443 ssl;",
        "ssl_certificate /etc/ssl/selfeval.crt;",
        "ssl_certificate_key /etc/ssl/selfeval.key;",
        "proxy_pass http://127.0.0.1:4180;",
        "proxy_pass http://127.0.0.1:4180;",
    ]
    assert [d for d in ran_lines if d not in printed] == [
        "server 127.0.0.1:9001;",
        "server 127.0.0.1:9002;",
        "listen 127.0.0.1:9443 ssl;",
        f"ssl_certificate {cert};",
        f"ssl_certificate_key {key};",
        "proxy_pass http://127.0.0.1:9180;",
        "proxy_pass http://127.0.0.1:9180;",
    ]


def test_a_changed_document_fails_loudly_instead_of_running_something_else(monkeypatch, tmp_path):
    changed = tmp_path / "selfeval.conf"
    changed.write_text(NGINX_SITE.read_text(encoding="utf-8").replace("listen 443 ssl;", "listen 8443;"))
    monkeypatch.setattr("tests.signed_in.NGINX_SITE", changed)
    with pytest.raises(AssertionError, match="listen 443 ssl"):
        site_config(listen=[("127.0.0.1", 1)], instances=[2], gateway=3, cert=tmp_path, key=tmp_path)


@pytest.mark.parametrize(
    ("headers", "address", "forwarded"),
    [
        ({"X-Forwarded-Email": "a@x.cn", "X-Forwarded-For": "192.0.2.7"}, "192.0.2.7", "True"),
        ({"X-Forwarded-Email": "a@x.cn"}, "10.0.0.5", "False"),
    ],
)
def test_a_refused_sign_in_header_leaves_the_operator_a_clue(caplog, headers, address, forwarded):
    with caplog.at_level(logging.WARNING, logger="selfeval.access"):
        who = resolve_principal(
            None, headers, roles={}, trusted_header="X-Forwarded-Email", client_address=address, proxies=None
        )
    assert who == NOBODY
    [line] = [r.getMessage() for r in caplog.records]
    assert "X-Forwarded-Email" in line and address in line and f"X-Forwarded-For：{forwarded}" in line


def test_an_accepted_or_absent_header_logs_nothing(caplog):
    with caplog.at_level(logging.WARNING, logger="selfeval.access"):
        for headers in ({"X-Forwarded-Email": "a@x.cn"}, {}):
            resolve_principal(
                None, headers, roles={}, trusted_header="X-Forwarded-Email", client_address="127.0.0.1"
            )
    assert not caplog.records
