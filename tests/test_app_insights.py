"""What a leader reads first (selfeval/present/insights.py, projects.py, places.py, versions.py): the one-sentence summary for several portfolios,
each project's main reason for lost points, the low-execution flag, the search picker's filter,
plain issue locations and the field-by-field diff of two versions."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest

from selfeval.present import insights as _insights
from selfeval.present import places, versions
from selfeval.present import projects as projects_mod
from selfeval.profile import load_profile
from selfeval.rules import score
from tests.app_support import seed_card


def portfolio(*rows) -> pd.DataFrame:
    """project_scores-like rows: (name, total, grade, rate)."""
    return pd.DataFrame(
        [
            {
                "submission_id": i + 1,
                "project_code": f"P{i:03d}",
                "project_name": name,
                "unit": "某单位",
                "year": "2023",
                "total": total,
                "grade": grade,
                "rate": rate,
            }
            for i, (name, total, grade, rate) in enumerate(rows)
        ]
    )


def test_sentence_for_an_all_good_portfolio():
    text = _insights.portfolio_sentence(portfolio(("甲", 98.0, "优", 99.0), ("乙", 95.5, "优", 96.0)))
    assert (
        text == "共 2 个项目：优 2 个；预算执行率均不低于 90%；得分最低的是乙（95.50 分）、甲（98.00 分）。"
    )


def test_sentence_names_grades_low_execution_flags_and_the_weakest_with_why():
    projects = portfolio(
        ("党组织建设", 90.19, "优", 11.92),
        ("疫情防控", 85.0, "良", 73.0),
        ("购置费", 55.0, "差", 95.0),
        ("劳模管理", 99.86, "优", 98.63),
    )
    reasons = {3: "“购置设备数量”未达标", 1: "预算执行率 11.92%，失 8.81 分"}
    text = _insights.portfolio_sentence(projects, reasons, weakest=2)
    assert text.startswith("共 4 个项目：优 2 个、良 1 个、差 1 个；")  # no "中 0 个"
    assert "预算执行率低于 90% 的 2 个（最低：党组织建设 11.92%、疫情防控 73.00%）" in text
    assert "其中 1 个执行率低于 60% 却评为优或良，需复核" in text
    assert text.endswith("得分最低的是购置费（55.00 分：“购置设备数量”未达标）、疫情防控（85.00 分）。")


def test_sentence_with_ungraded_projects_and_a_profile_threshold():
    projects = portfolio(("甲", None, None, 75.0), ("乙", 92.0, "优", 75.0))
    text = _insights.portfolio_sentence(projects, flag_rate=80.0)
    assert "共 2 个项目：优 1 个" in text
    assert "1 个未能定级" in text
    assert "其中 1 个执行率低于 80% 却评为优或良" in text
    assert "得分最低的是甲（未定级）" in text


def test_sentence_for_nothing_and_for_absurd_numbers():
    assert _insights.portfolio_sentence(portfolio()) == "所选范围内尚无项目。"
    absurd = portfolio(("巨额", 1e308, "优", math.inf), ("空", math.nan, None, math.nan))
    text = _insights.portfolio_sentence(absurd)
    assert text.startswith("共 2 个项目") and "1.00e+308" in text


def test_flag_threshold_follows_a_profile_that_caps_totals_by_execution():
    assert _insights.flag_threshold(None) == 60.0
    capped = dataclasses.replace(load_profile(), total_caps=((80.0, 89.0), (70.0, 79.0), (60.0, 69.0)))
    assert _insights.flag_threshold(capped) == 80.0
    flags = _insights.execution_flags(portfolio(("甲", 95, "优", 75.0), ("乙", 70, "中", 10.0)), 80.0)
    assert flags.tolist() == [True, False]


def test_main_reason_is_the_biggest_loss_in_words():
    assert _insights.main_reason(seed_card("离退休干部节日慰问金")) == "未失分"
    assert _insights.main_reason(seed_card("党组织建设")) == "预算执行率 11.92%，失 8.81 分"
    assert (
        _insights.main_reason(seed_card("工会事务"))
        == "“职工大比武活动举办项目类型”超额过多、指标值偏低：实际 3个、指标 >2个，失 1.00 分"
    )
    parts = _insights.loss_parts(seed_card("职工疗休养"))
    assert parts.iloc[0]["part"] == "服务干部人数" and parts.iloc[0]["lost"] == pytest.approx(6.0)
    assert "不适用" not in parts["part"].tolist()


def test_search_matches_code_name_or_unit_and_limits():
    projects = portfolio(*[(f"项目{i}", 90.0, "优", 95.0) for i in range(120)])
    assert len(projects_mod.search_projects(projects, "", 50)) == 50
    assert projects_mod.search_projects(projects, "项目11", 50)["project_name"].tolist() == [
        "项目11",
        *[f"项目11{d}" for d in range(10)],
    ]
    assert projects_mod.search_projects(projects, "P007", 50)["project_name"].tolist() == ["项目7"]
    assert projects_mod.search_projects(projects, "某单位 项目3", 5)["project_name"].tolist()[0] == "项目3"
    labels = projects_mod.project_labels(projects.head(2))
    assert labels == {1: "项目0（P000 · 2023）", 2: "项目1（P001 · 2023）"}


def test_issue_locations_in_words_with_the_source_cell_kept_for_details():
    card = seed_card("职工疗休养")
    form = card.form
    rows = list(form.indicators)
    rows[0] = dataclasses.replace(rows[0], actual="")
    broken = score(dataclasses.replace(form, indicators=tuple(rows)), load_profile())
    table = places.plain_issues(broken)
    row = table[table["代码"] == "VALUE_UNPARSED"].iloc[0]
    assert row["位置"] == "第 1 行「服务干部人数」的实际完成值"
    assert row["原表位置"] == str(rows[0].cells["actual"])
    assert not table["位置"].str.contains(r"![A-Z]+\d", regex=True).any()  # no Excel cells for leaders


def test_version_diff_lists_only_the_fields_that_changed():
    card = seed_card("职工疗休养")
    rows = list(card.form.indicators)
    rows[0] = dataclasses.replace(rows[0], actual="120人次", declared_score=12.5)
    newer = score(dataclasses.replace(card.form, indicators=tuple(rows)), load_profile())
    diff = versions.version_diff(card, newer)
    changed = dict(zip(diff["字段"], zip(diff["早先版本"], diff["本版本"], strict=True), strict=True))
    assert changed["数量指标「服务干部人数」的实际完成值"] == ("52人次", "120人次")
    assert changed["数量指标「服务干部人数」的得分"] == ("6.50", "12.50")
    assert changed["总分"] == ("93.70", "99.70")
    assert "项目名称" not in changed and len(diff) == 3
    assert versions.version_diff(card, card).empty
