"""Screenshots of the review loop at 1440×900 -> docs/screenshots/20-review.png (审核),
21-timeline.png (项目详情's 审核记录), 22-organisation.png (总览's 各单位审核进度).

Builds a store with the 13 sample forms plus two more units, walks some forms through the loop
(submitted, returned and fixed, approved) with an editor and a reviewer per unit, sets a deadline,
then starts `streamlit run` (the local administrator sees every unit) and drives chromium.
Run: `.venv/bin/python scripts/screenshots_review.py`.
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.screenshots import OUT, VIEWPORT, launch, running_app, wait_ready  # noqa: E402
from selfeval.access import Principal  # noqa: E402
from selfeval.profile import load_profile  # noqa: E402
from selfeval.rules import score  # noqa: E402
from selfeval.sample import open_seeded_store  # noqa: E402

HOME = "深圳市福田区总工会（本级）"
OTHERS = {"深圳市福田区华强北街道总工会": 3, "深圳市福田区教育系统工会": 4}
REVIEW_CODE = "440304226011500000008"  # 劳模管理: returned, fixed, approved


def _editor(unit: str) -> Principal:
    return Principal(f"填报人@{unit}", "editor", (unit,), True)


def _reviewer(unit: str) -> Principal:
    return Principal(f"审核人@{unit}", "reviewer", (unit,), True)


def build(path: Path) -> None:
    store = open_seeded_store(path)
    try:
        cards = store.current_scorecards("2023")
        n = 0
        for unit, count in OTHERS.items():  # the same sample projects, as other units' own projects
            for card in cards[n : n + count]:
                n += 1
                header = dataclasses.replace(
                    card.form.header, unit=unit, project_code=f"4403042260116{n:08d}"
                )
                moved = score(dataclasses.replace(card.form, header=header), load_profile())
                store.save([moved], source_name=f"{unit}.xlsx", data=None, kind="xlsx", origin="upload")
        ids = store.project_states("2023").set_index("project_code")["submission_id"].to_dict()
        by_unit = store.project_states("2023").groupby("unit")["project_code"].apply(list).to_dict()

        def submit(code: str, unit: str, why: str = "") -> None:
            store.scoped(_editor(unit)).submit(int(ids[code]), why)

        home = [c for c in by_unit[HOME] if c != REVIEW_CODE]
        # 劳模管理: submitted, returned with a comment, fixed (a new version), submitted, approved
        submit(REVIEW_CODE, HOME, "已核对")
        store.scoped(_reviewer(HOME)).return_(
            int(ids[REVIEW_CODE]), "实际完成情况未写明受益人数，请补充后重新送审"
        )
        card = store.load_scorecard(int(ids[REVIEW_CODE]))
        goals = dataclasses.replace(
            card.form.goals, achieved=card.form.goals.achieved + "（受益职工 128 人次）"
        )
        fixed = score(dataclasses.replace(card.form, goals=goals), load_profile())
        new_id = (
            store.scoped(_editor(HOME))
            .save(
                [fixed],
                source_name="在线编辑：劳模管理",
                data=None,
                kind="editor",
                origin="editor",
                submitted_by=_editor(HOME).name,
            )
            .stored[0]
        )
        store.scoped(_editor(HOME)).submit(new_id, "已补充受益人数")
        store.scoped(_reviewer(HOME)).approve(new_id, "同意")
        for code in home[:5]:
            submit(code, HOME)
            store.scoped(_reviewer(HOME)).approve(int(ids[code]))
        for code in home[5:8]:
            submit(code, HOME, "分值按区财政局通知调整")
        submit(home[8], HOME)
        store.scoped(_reviewer(HOME)).return_(int(ids[home[8]]), "偏差原因过于笼统，请逐项说明")
        street, school = (by_unit[u] for u in OTHERS)
        submit(street[0], "深圳市福田区华强北街道总工会")
        store.scoped(_reviewer("深圳市福田区华强北街道总工会")).approve(int(ids[street[0]]))
        submit(street[1], "深圳市福田区华强北街道总工会", "执行率偏低的原因已写入偏差原因")
        submit(school[0], "深圳市福田区教育系统工会")
        store.set_deadline("2023", date.today() + timedelta(days=12))
    finally:
        store.close()


def main() -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "review.duckdb"
        build(db)
        with running_app(db) as url, sync_playwright() as p:
            browser = launch(p)
            try:
                page = browser.new_page(viewport=VIEWPORT)
                page.set_default_timeout(45_000)

                page.goto(f"{url}/review")
                wait_ready(page, '[data-testid="stMetric"]')
                page.screenshot(path=str(OUT / "20-review.png"))

                page.goto(f"{url}/project?code={REVIEW_CODE}&year=2023")
                wait_ready(page, '[data-testid="stMetric"]')
                page.locator("#review-trail").evaluate("e => e.scrollIntoView({block: 'start'})")
                wait_ready(page)
                page.screenshot(path=str(OUT / "21-timeline.png"))

                page.goto(url)
                wait_ready(page, '[data-testid="stMetric"]')
                page.locator("#review-progress").evaluate("e => e.scrollIntoView({block: 'start'})")
                wait_ready(page)
                page.screenshot(path=str(OUT / "22-organisation.png"))
            finally:
                browser.close()
    for name in ("20-review.png", "21-timeline.png", "22-organisation.png"):
        print(OUT / name)


if __name__ == "__main__":
    main()
