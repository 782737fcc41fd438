"""Sign-in as docs/deploy.md sets it up, in a real browser: Debian's nginx running the guide's
docs/deploy/selfeval.conf in front of an instance started as its systemd unit says (on PostgreSQL),
with a stand-in for the SSO gateway (tests/signed_in.py).

- A colleague on another computer (this machine's network address: neither loopback nor the trusted
  proxy) signs in. The guide's earlier configuration forwarded X-Forwarded-For; Streamlit's server
  (uvicorn) takes the connection's address from it when the peer is local, so the app saw the
  browser's address instead of nginx's and signed everybody in as nobody.
- A browser behind its own proxy (sending X-Forwarded-For itself) signs in the same way.
- Without a gateway session nobody reaches the app, whatever header the browser sends; with one, a
  forged X-Forwarded-Email is not who is signed in; a browser that reaches an instance directly from
  another address is nobody.

Marked `browser`; skipped without chromium or nginx except under CI.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from scripts.screenshots import CHROMIUM, free_port, launch, serving, wait_ready
from selfeval.sample import open_seeded_store
from tests.signed_in import NGINX, SIGN_IN_PAGE, deployment, instance, network_address, roles_file

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (os.path.exists(CHROMIUM) and os.path.exists(NGINX)) and not os.environ.get("CI"),
        reason=f"no chromium at {CHROMIUM} or no nginx at {NGINX}",
    ),
]
TIMEOUT_MS = 60_000
UNIT = "深圳市福田区总工会（本级）"  # the unit of the 13 sample forms
EDITOR, VIEWER, ADMIN = "zhang@futian.gov.cn", "lead@futian.gov.cn", "admin@futian.gov.cn"
USERS = {EDITOR: ("editor", [UNIT]), VIEWER: ("viewer", "*"), ADMIN: ("admin", None)}


@pytest.fixture(scope="module")
def site(pg_server, tmp_path_factory):
    from tests.pgserver import create_database, drop_database

    db = create_database(pg_server)
    open_seeded_store(db).close()
    roles = roles_file(tmp_path_factory.mktemp("roles") / "roles.toml", USERS)
    try:
        with deployment(db, roles) as front:
            yield front, db, roles
    finally:
        drop_database(pg_server, db)


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()


def _page(browser, url: str, cookie: dict | None = None, headers: dict | None = None):
    context = browser.new_context(
        viewport={"width": 1440, "height": 900}, ignore_https_errors=True, extra_http_headers=headers or {}
    )
    if cookie:
        context.add_cookies([cookie])
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def _signed_in_as(page, url: str) -> str:
    page.goto(url)
    wait_ready(page, '[data-testid="stSidebar"]', TIMEOUT_MS)
    caption = page.get_by_text(re.compile("^当前用户：")).first
    caption.wait_for()
    return caption.inner_text().replace(
        "\u200b", ""
    )  # the e-mail's @ carries a zero width space: no mailto link


def _menu(page) -> list[str]:
    """The sidebar's page names (without their icon, or a count the menu may add)."""
    texts = page.get_by_test_id("stSidebarNavLink").all_inner_texts()
    return [re.sub(r"[\s(（]*\d*[)）]?$", "", t.strip().splitlines()[-1]) for t in texts]


def _metric(page, label: str) -> str:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    metric.wait_for()
    return metric.inner_text()


def test_a_colleague_on_another_computer_signs_in_through_nginx(site, browser):
    front, _, _ = site
    if not front.remote:
        pytest.skip("this machine has no network address besides loopback")
    page = _page(browser, front.url, front.cookie(EDITOR))
    assert _signed_in_as(page, front.url) == f"当前用户：{EDITOR}（填报人）"
    assert _menu(page) == ["总览", "项目详情", "上传评分", "在线编辑"]  # the editor's pages
    assert "13" in _metric(page, "项目数")  # the unit's 13 projects on 总览
    page.context.close()
    # its websocket went through nginx from that address (logged when it closes)
    host = re.escape(front.url.split("//")[1].rsplit(":", 1)[0])
    stream = re.compile(rf'^{host} .*"GET /_stcore/stream HTTP/1.1" 101 ', re.M)
    for _ in range(60):
        if stream.search((front.logs / "access.log").read_text()):
            break
        time.sleep(0.5)
    assert stream.search((front.logs / "access.log").read_text())


def test_a_browser_behind_its_own_proxy_signs_in(site, browser):
    front, _, _ = site
    headers = {"X-Forwarded-For": "203.0.113.9"}  # what an office's outgoing proxy adds
    page = _page(browser, front.local_url, front.cookie(VIEWER, front.local_url), headers)
    assert _signed_in_as(page, front.local_url) == f"当前用户：{VIEWER}（查看者）"
    page.context.close()


def test_without_a_gateway_session_nobody_reaches_the_app(site, browser):
    front, _, _ = site
    checks = front.gateway.checks
    page = _page(browser, front.url, headers={"X-Forwarded-Email": ADMIN})
    response = page.goto(front.url)
    assert SIGN_IN_PAGE in page.inner_text("body")
    assert response is not None and "stApp" not in response.text()
    assert not page.locator('[data-testid="stApp"]').count()
    assert front.gateway.checks > checks  # nginx asked the gateway, which said 401
    page.context.close()


def test_a_forged_header_is_not_who_is_signed_in(site, browser):
    front, _, _ = site
    forged = {"X-Forwarded-Email": ADMIN, "X-Forwarded-For": "127.0.0.1"}
    page = _page(browser, front.url, front.cookie(VIEWER), forged)
    assert _signed_in_as(page, front.url) == f"当前用户：{VIEWER}（查看者）"
    assert _menu(page) == ["总览", "项目详情"]  # a viewer's pages, not the administrator's
    page.context.close()


def test_a_browser_straight_to_an_instance_is_nobody(site, browser, tmp_path: Path):
    front, db, roles = site
    address = network_address()
    if address is None:
        pytest.skip("this machine has no network address besides loopback")
    port = free_port()
    cmd, env = instance(port, db, roles)
    cmd[cmd.index("--server.address") + 1] = address  # an instance listening beyond loopback
    with serving(cmd, env, f"http://{address}:{port}", timeout=90) as url:
        page = _page(browser, url, headers={"X-Forwarded-Email": ADMIN})
        assert _signed_in_as(page, url) == "当前用户：未授权用户（查看者）"
        assert not page.locator('[data-testid="stMetric"]').count()  # no figure of anybody's
        page.context.close()
