"""Screenshots of the signed-in pages, through the deploy guide's nginx -> docs/screenshots/3x-*.png,
each named after who is signed in (the sidebar shows 当前用户 on the desktop ones).

The organisation of the browser tests (tests/organisation.py: two units that each have a 职工疗休养,
a leader, an editor per unit, a reviewer of both, an administrator) in a temporary DuckDB store, one
form of unit A sent to review, one instance started as docs/deploy/selfeval@.service says, Debian's
nginx running docs/deploy/selfeval.conf in front with the SSO gateway's stand-in (tests/signed_in.py).
Run: `.venv/bin/python scripts/screenshots_signed_in.py`.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.screenshots import OUT, launch, wait_ready  # noqa: E402
from scripts.screenshots import shoot as _shoot  # noqa: E402
from selfeval.access import Principal  # noqa: E402
from selfeval.store import open_store  # noqa: E402
from tests.organisation import (  # noqa: E402
    ADMIN,
    B_SHARED_CODE,
    EDITOR_A,
    EDITOR_B,
    LEADER,
    PHONE,
    REVIEWER,
    UNIT_A,
    USERS,
    YEAR,
    go,
    seed_organisation,
    sign_in,
)
from tests.signed_in import deployment, roles_file  # noqa: E402

SENT = "440304226011500000008"  # 劳模管理 of unit A, waiting for the reviewer


def build(directory: Path) -> tuple[str, Path]:
    db = str(directory / "organisation.duckdb")
    seed_organisation(db, directory / "forms")
    with open_store(db) as store:
        sid = store.find_project(SENT, YEAR, UNIT_A, YEAR)
        store.scoped(Principal(EDITOR_A, "editor", (UNIT_A,), True)).submit(sid)
    return db, roles_file(directory / "roles.toml", USERS)


def shoot(page, name: str) -> None:
    """The page once drawn and its fonts loaded (else the icons show as their names)."""
    wait_ready(page, None, 90_000)
    page.wait_for_function("document.fonts.status === 'loaded'", timeout=90_000)
    page.wait_for_timeout(500)
    _shoot(page, name)


def scroll_to_heading(page, name: str) -> None:
    page.get_by_role("heading", name=name).first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(800)


def main() -> int:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        db, roles = build(Path(tmp))
        with deployment(db, roles) as front:
            browser = launch(p)
            try:
                print(f"nginx at {front.url}; writing {OUT.relative_to(ROOT)}/")
                leader = sign_in(browser, front, LEADER)
                shoot(leader.page, "30-leader-overview")
                leader.open(
                    f"{front.url}/project?code={B_SHARED_CODE}&year={YEAR}", '[data-testid="stMetric"]'
                )
                shoot(leader.page, "31-leader-project")
                phone = sign_in(browser, front, LEADER, PHONE)
                shoot(phone.page, "32-leader-overview-phone")

                editor = sign_in(browser, front, EDITOR_B)
                shoot(editor.page, "33-editor-overview")
                go(editor, "在线编辑", '[data-testid="stDataFrame"]')
                shoot(editor.page, "34-editor-editor")

                reviewer = sign_in(browser, front, REVIEWER)
                go(reviewer, "审核")
                shoot(reviewer.page, "35-reviewer-review")

                admin = sign_in(browser, front, ADMIN)
                scroll_to_heading(admin.page, "各单位审核进度")
                wait_ready(admin.page, None, 90_000)
                shoot(admin.page, "36-admin-organisation")
            finally:
                browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
