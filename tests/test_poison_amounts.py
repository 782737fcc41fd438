"""Amounts that cannot poison (issue 20 item 5): a form with negative amounts or an implausible
执行率 (> 200 %, a profile knob) is kept and shown with the reason, never graded, and left out of
every organisation total and rate — on DuckDB and PostgreSQL, latest and approved figures — and 总览
says how many were left out and why. 执行率 between 100 % and the bound is scored as the profile says
(capped at the weight) and flagged."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from selfeval.profile import load_profile
from selfeval.rules import score
from selfeval.sample import open_seeded_store
from selfeval.store import open_store
from selfeval.store.schema import migrate
from tests.app_support import app_store, fresh_app_db, run_app, seed_card, seed_cards
from tests.rawdb import raw_db

PROFILE = load_profile()
UNIT = "深圳市福田区总工会（本级）"

app_db = pytest.fixture(fresh_app_db, name="app_db")


def with_amounts(name: str, budget: float, executed: float, profile=PROFILE, initial: float | None = None):
    card = seed_card(name)
    total = dataclasses.replace(card.form.funds.total, annual_budget=budget, executed=executed)
    if initial is not None:
        total = dataclasses.replace(total, initial_budget=initial)
    funds = dataclasses.replace(card.form.funds, total=total, parts=())
    return score(dataclasses.replace(card.form, funds=funds, declared_total=None), profile)


@pytest.mark.parametrize(
    ("budget", "executed", "initial", "code"),
    [
        (-999_999_999_999.0, 100.0, None, "AMOUNT_NEGATIVE"),
        (100_000.0, -5.0, None, "AMOUNT_NEGATIVE"),
        (100_000.0, 90_000.0, -1.0, "AMOUNT_NEGATIVE"),
        (1_000.0, 50_000.0, None, "RATE_IMPLAUSIBLE"),  # 5,000 %
        (7.0, 69_040.37, None, "RATE_IMPLAUSIBLE"),  # 986,291 %
    ],
)
def test_a_poisoned_form_is_never_graded(budget, executed, initial, code):
    card = with_amounts("劳模管理", budget, executed, initial=initial)
    assert card.excluded == code
    assert card.budget_score is None and card.total is None and card.grade is None
    assert card.verification == "unverified" and "不计入汇总" in card.verification_reasons[0]
    found = [i for i in card.issues if i.code == code]
    assert found and found[0].severity == "error" and "不计入各项合计与执行率" in found[0].message
    if code == "RATE_IMPLAUSIBLE":
        assert card.rate > 200 and "超出合理范围（不超过 200%）" in found[0].message
    else:
        assert budget >= 0 and executed >= 0 or card.rate is None


def test_above_100_percent_is_scored_as_the_profile_says_and_flagged():
    card = with_amounts("劳模管理", 100_000.0, 150_000.0)
    assert card.excluded is None and card.rate == 150.0
    assert card.budget_score == PROFILE.budget_weight  # capped at the weight (cap_at_weight = true)
    assert card.grade is not None
    flagged = [i for i in card.issues if i.code == "OVERSPENT"]
    assert flagged and "执行率超过 100%" in flagged[0].message


def test_the_bound_is_a_profile_knob(tmp_path):
    text = (Path(__file__).parent.parent / "selfeval/profiles/shenzhen-futian-2023.toml").read_text()
    assert "max_rate = 2.0" in text
    path = tmp_path / "wide.toml"
    path.write_text(
        text.replace("max_rate = 2.0", "max_rate = 3.0").replace(
            'name = "shenzhen-futian-2023"', 'name = "wide"'
        )
    )
    wide = load_profile(str(path))
    assert with_amounts("劳模管理", 1000.0, 2500.0, wide).excluded is None
    assert with_amounts("劳模管理", 1000.0, 2500.0).excluded == "RATE_IMPLAUSIBLE"


POISON = {
    "劳模管理": (-999_999_999_999.0, 100.0),
    "党组织建设": (1_000.0, 50_000.0),
    "职工疗休养": (7.0, 69_040.37),
}


@pytest.fixture
def poisoned(store_location):
    """The 13 sample forms, three of them replaced by poisoned versions."""
    store = open_seeded_store(store_location)
    clean = store.overview_counts("2023")
    for name, (budget, executed) in POISON.items():
        card = with_amounts(name, budget, executed)
        store.save([card], source_name=f"{name}.xlsx", data=None, kind="xlsx", origin="upload")
    yield store, clean
    store.close()


def _clean_totals():
    cards = [c for c in seed_cards() if c.form.header.project_name not in POISON]
    budget = sum(c.form.funds.total.annual_budget for c in cards)
    executed = sum(c.form.funds.total.executed for c in cards)
    return len(cards), budget, executed


def test_every_total_and_rate_leaves_the_poisoned_forms_out(poisoned):
    store, _ = poisoned
    n, budget, executed = _clean_totals()
    counts = store.overview_counts("2023")
    assert counts["projects"] == 13 and counts["excluded"] == {"AMOUNT_NEGATIVE": 1, "RATE_IMPLAUSIBLE": 2}
    assert counts["budget"] == pytest.approx(budget) and counts["executed"] == pytest.approx(executed)
    assert counts["ungraded"] == 3 and sum(counts["grades"].values()) == n
    summary = store.portfolio_summary("2023")
    assert summary["budget"].sum() == pytest.approx(budget, abs=0.01) and summary["rate"].iloc[0] < 200
    organisation = store.organisation("2023")
    assert organisation["rate"].iloc[0] == pytest.approx(round(100 * executed / budget, 2))
    rest = store.overview_rest("2023", top=0)
    assert rest["budget"] == pytest.approx(budget) and rest["executed"] == pytest.approx(executed)
    rows = store.project_scores("2023").set_index("project_name")
    assert rows.loc["劳模管理", "budget"] != rows.loc["劳模管理", "budget"]  # NaN: no amount to add up
    assert pd.isna(rows.loc["党组织建设", "grade"]) and rows.loc["党组织建设", "rate"] > 200


def test_approved_figures_leave_them_out_too(poisoned):
    store, _ = poisoned
    sid = int(store.project_scores("2023").set_index("project_name").loc["党组织建设", "submission_id"])
    store.submit(sid, "金额待核实")
    store.approve(sid)
    approved = store.with_basis("approved")
    counts = approved.overview_counts("2023")
    assert counts["projects"] == 1 and counts["budget"] == 0 and counts["excluded"] == {"RATE_IMPLAUSIBLE": 1}
    assert store.organisation("2023", basis="approved")["rate"].isna().all()


def test_forms_stored_before_the_rule_are_left_out_by_the_migration(store_location):
    """A store of schema 8 holding a graded form with a negative budget and one at 5,000 %."""
    with raw_db(store_location) as db:
        migrate(db, upto=8)
        for sid, (budget, executed, rate) in enumerate(
            ((-5.0, 10.0, 0.0), (1000.0, 50000.0, 5000.0), (100.0, 90.0, 90.0)), 1
        ):
            db.execute(
                f"""INSERT INTO submissions (id, source_name, sha256, size, kind, sheet, submitted_at, submitted_by,
                        profile, origin, project_code, year, form_json, content_hash, is_current)
                    VALUES ({sid}, 'x', 'h{sid}', 1, 'xlsx', 'S', TIMESTAMP '2024-01-01 00:00:00', '', 'p', 'upload',
                            '44030422601150000000{sid}', '2023', '{{}}', 'c{sid}', TRUE)"""
            )
            db.execute(
                f"""INSERT INTO forms (submission_id, project_code, project_name, year, unit, total, grade, rate,
                        budget_weight, budget_score, errors, warnings)
                    VALUES ({sid}, '44030422601150000000{sid}', 'p{sid}', '2023', '甲', 95, '优', {rate}, 10, 10, 1, 0)"""
            )
            db.execute(
                f"INSERT INTO funds (submission_id, line_no, annual_budget, executed) VALUES ({sid}, 0, {budget}, {executed})"
            )
        db.execute(
            "INSERT INTO issues (submission_id, position, code, severity) VALUES (1, 0, 'AMOUNT_NEGATIVE', 'error')"
        )
    with open_store(store_location) as s:
        rows = s.table_rows("forms", ["submission_id", "excluded", "total", "grade"])
        assert rows == [
            (1, "AMOUNT_NEGATIVE", None, None),
            (2, "RATE_IMPLAUSIBLE", None, None),
            (3, None, 95.0, "优"),
        ]
        counts = s.overview_counts("2023")
        assert counts["budget"] == 100.0 and counts["executed"] == 90.0 and counts["grades"]["优"] == 1


def test_overview_says_how_many_were_left_out_and_why(app_db):
    store = app_store(app_db)
    for name, (budget, executed) in POISON.items():
        store.save(
            [with_amounts(name, budget, executed)],
            source_name="p.xlsx",
            data=None,
            kind="xlsx",
            origin="upload",
        )
    at = run_app()
    notes = [c.value for c in at.caption if "未计入" in c.value]
    assert notes == ["另有 3 个项目未计入以上合计、平均得分与执行率（金额为负数 1 个、执行率超出合理范围 2 个）："
                     "多为金额单位或数字填错，这些表不评定等级，请在项目详情中核实后重新提交。"]  # fmt: skip
    budget = next(m for m in at.metric if m.label == "全年预算数（万元）").value
    _, total, _ = _clean_totals()
    assert budget == f"{total / 10_000:,.2f}"
    assert UNIT
