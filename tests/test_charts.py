"""Chart builders: the Vega-Lite specs (encodings, sort orders, reference lines, data rows), not
just that a chart exists."""

from __future__ import annotations

import pandas as pd
import pytest

from selfeval.present import charts
from tests.app_support import seed_card

PROJECTS = pd.DataFrame(
    {
        "project_name": ["劳模管理", "党组织建设", "全区行政事业单位工会经费", "疫情防控"],
        "budget": [350000.0, 30000.0, 16872200.0, 40000.0],
        "executed": [345202.0, 3576.0, 16872200.0, 29200.0],
        "rate": [98.63, 11.92, 100.0, 73.0],
        "total": [99.86, 90.19, 98.0, 96.3],
        "grade": ["优", "优", "优", "优"],
    }
)


def spec(chart) -> dict:
    return chart.to_dict()


def rows(s: dict, layer: dict | None = None) -> list[dict]:
    """The data rows of a spec (or of one layer that carries its own data)."""
    name = (layer or s).get("data", s.get("data", {})).get("name")
    if name is None:
        name = s["data"]["name"]
    return s["datasets"][name]


def assert_cjk_font(s: dict) -> None:
    assert s["config"]["font"].startswith("Noto Sans CJK SC")
    assert "Microsoft YaHei" in s["config"]["font"]
    assert s["config"]["axis"]["labelFont"] == charts.FONT


def test_budget_vs_executed_sorts_by_budget_and_draws_wan():
    s = spec(charts.budget_vs_executed(PROJECTS, log=False))
    assert_cjk_font(s)
    budget, executed = s["layer"]
    assert budget["encoding"]["y"]["field"] == "axis_label"
    assert [label.split("\n")[0] for label in budget["encoding"]["y"]["sort"]] == [
        "全区行政事业单位工会经费",
        "劳模管理",
        "疫情防控",
        "党组织建设",
    ]
    assert "split(datum.label" in budget["encoding"]["y"]["axis"]["labelExpr"]  # two lines
    assert budget["encoding"]["x"]["field"] == "budget_wan"
    assert budget["encoding"]["x"]["title"] == "万元"
    assert executed["encoding"]["x"]["field"] == "executed_wan"
    assert budget["mark"]["size"] > executed["mark"]["size"]  # a bullet: executed drawn inside budget
    assert budget["encoding"]["color"]["scale"]["domain"] == ["预算数", "执行数"]
    data = {r["project_name"]: r for r in rows(s)}
    assert data["劳模管理"]["budget_wan"] == 35.0
    assert data["劳模管理"]["executed_wan"] == 34.52
    assert data["全区行政事业单位工会经费"]["label"] == "执行 1,687.22 / 预算 1,687.22"
    assert data["党组织建设"]["axis_label"] == "党组织建设\n执行 0.36 / 预算 3.00"
    assert data["党组织建设"]["executed_wan"] == 0.36


def test_execution_rate_lowest_first_with_90_and_100_lines():
    s = spec(charts.execution_rate(PROJECTS))
    assert_cjk_font(s)
    bars, labels, rule, *rule_texts = s["layer"]
    assert bars["encoding"]["y"]["sort"] == ["党组织建设", "疫情防控", "劳模管理", "全区行政事业单位工会经费"]
    assert bars["encoding"]["x"]["field"] == "rate"
    assert bars["encoding"]["color"]["scale"]["domain"] == ["低于90%", "不低于90%"]
    bar_rows = {r["project_name"]: r for r in rows(s, bars)}
    assert bar_rows["党组织建设"]["band"] == "低于90%"
    assert bar_rows["劳模管理"]["band"] == "不低于90%"
    assert labels["encoding"]["text"]["format"] == ".2f"
    assert rule["mark"]["type"] == "rule"
    assert [r["value"] for r in rows(s, rule)] == [90.0, 100.0]
    assert [r["label"] for r in rows(s, rule)] == ["90%", "100%"]
    assert [t["mark"]["align"] for t in rule_texts] == ["right", "left"]


def test_execution_rate_custom_rules():
    s = spec(charts.execution_rate(PROJECTS, rules=(80, 95, 100)))
    rule = s["layer"][2]
    assert [r["value"] for r in rows(s, rule)] == [80.0, 95.0, 100.0]
    assert rows(s, s["layer"][0])[0]["band"] == "低于80%"


@pytest.mark.parametrize(
    ("total", "grade"),
    [(100, "优"), (90, "优"), (89.99, "良"), (80, "良"), (60, "中"), (59.99, "差"), (0, "差")],
)
def test_grade_of_bands(total, grade):
    assert charts.grade_of(total) == grade


def test_score_bins_count_every_project_once_and_keep_100():
    bins = charts.score_bins(pd.Series([100.0, 99.86, 90.19, 75.0, 58.0]), step=2)
    assert bins["bin_start"].iloc[0] == 50  # below 60: the axis starts at the tens below the minimum
    assert bins["count"].sum() == 5
    last = bins.iloc[-1]
    assert (last["bin_start"], last["bin_end"], last["count"]) == (98, 100, 2)
    assert bins.loc[bins["bin_start"] == 90, "count"].item() == 1
    assert bins.loc[bins["bin_start"] == 90, "grade"].item() == "优"
    assert bins.loc[bins["bin_start"] == 58, "grade"].item() == "差"


def test_score_distribution_from_counts_draws_what_one_row_per_project_draws():
    """总览 passes (total, how many) counted in SQL instead of a province's 200,000 rows: the same
    bins, bands and counts, absurd totals (inf, NaN, 1e308, below 0) treated alike."""
    totals = [99.86, 90.19, 98.0, 96.3, 90.19, 58.0, 100.0, 1e308, float("inf"), float("nan"), -5.0]
    counts = pd.Series(totals).value_counts(dropna=False).rename_axis("total").reset_index(name="n")
    assert len(counts) < len(totals)
    one_per_project = spec(charts.score_distribution(pd.DataFrame({"total": totals})))
    counted = spec(charts.score_distribution(counts.sample(frac=1, random_state=3)))
    assert counted == one_per_project
    bars = one_per_project["layer"][2]
    assert sum(r["count"] for r in rows(one_per_project, bars)) == 9  # inf and NaN are no score
    none = pd.DataFrame({"total": [float("nan")], "n": [4]})
    assert spec(charts.score_distribution(none))["mark"]["type"] == "text"


def test_score_distribution_has_grade_bands_and_histogram():
    s = spec(charts.score_distribution(PROJECTS))
    assert_cjk_font(s)
    bands, band_text, bars = s["layer"]
    band_rows = rows(s, bands)
    assert [(r["grade"], r["start"], r["end"]) for r in band_rows] == [
        ("中", 60, 80),
        ("良", 80, 90),
        ("优", 90, 100),
    ]
    assert bands["encoding"]["x"]["field"] == "start" and bands["encoding"]["x2"]["field"] == "end"
    assert bands["encoding"]["color"]["scale"]["domain"] == ["差", "中", "良", "优"]
    assert band_text["encoding"]["text"]["field"] == "grade"
    assert bars["encoding"]["y"]["field"] == "count"
    assert bars["encoding"]["y2"] == {"datum": 0}
    assert bars["encoding"]["x"]["scale"]["domain"] == [60.0, 100]
    drawn = rows(s, bars)
    assert sum(r["count"] for r in drawn) == 4
    assert {r["bin_start"]: r["count"] for r in drawn} == {90.0: 1, 96.0: 1, 98.0: 2}


def test_points_lost_drops_rows_without_loss_and_sorts_by_loss():
    lost = pd.DataFrame(
        {
            "level1": ["产出指标", "预算执行", "产出指标", "效益指标"],
            "level2": ["质量指标", "预算执行率", "数量指标", "社会效益指标"],
            "rows": [14, 13, 19, 13],
            "forms": [13, 13, 13, 13],
            "lost": [1.0, 17.67, 14.0, 0.0],
        }
    )
    s = spec(charts.points_lost(lost))
    assert_cjk_font(s)
    bars, text = s["layer"]
    assert bars["encoding"]["y"]["sort"] == [
        "预算执行 · 预算执行率",
        "产出指标 · 数量指标",
        "产出指标 · 质量指标",
    ]
    assert bars["encoding"]["x"]["field"] == "lost"
    assert bars["encoding"]["color"]["field"] == "level1"
    assert bars["encoding"]["color"]["scale"]["domain"] == ["预算执行", "产出指标"]
    assert [r["label"] for r in rows(s)] == [
        "预算执行 · 预算执行率",
        "产出指标 · 数量指标",
        "产出指标 · 质量指标",
    ]
    assert text["encoding"]["text"]["format"] == ".2f"


def test_year_over_year_weights_the_mean_by_forms():
    summary = pd.DataFrame(
        {
            "year": ["2022", "2023", "2023"],
            "unit": ["甲", "甲", "乙"],
            "forms": [2, 3, 1],
            "budget": [100.0, 200.0, 100.0],
            "executed": [90.0, 150.0, 100.0],
            "mean_score": [80.0, 90.0, 70.0],
        }
    )
    by_year = charts.yearly(summary)
    assert by_year["year"].tolist() == ["2022", "2023"]
    assert by_year.loc[1, "mean_score"] == 85.0  # (3 × 90 + 1 × 70) / 4
    assert by_year.loc[1, "rate"] == 83.33  # 250 / 300
    s = spec(charts.year_over_year(summary))
    assert_cjk_font(s)
    lines, text = s["layer"]
    assert lines["encoding"]["x"]["field"] == "year" and lines["encoding"]["x"]["type"] == "ordinal"
    assert lines["encoding"]["color"]["scale"]["domain"] == ["平均得分", "预算执行率（%）"]
    data = {(r["year"], r["measure"]): r["value"] for r in rows(s)}
    assert data[("2022", "预算执行率（%）")] == 90.0
    assert data[("2023", "平均得分")] == 85.0


def test_breakdown_frame_budget_first_and_no_na_rows():
    card = seed_card("职工疗休养")
    frame = charts.breakdown_frame(card)
    assert frame.iloc[0][["level1", "weight", "score"]].tolist() == ["预算执行", 10.0, 9.7]
    assert "不适用" not in frame["name"].tolist()
    assert frame["weight"].sum() == 100.0
    assert round(frame["score"].sum(), 2) == card.total == 93.7
    row = frame[frame["name"] == "服务干部人数"].iloc[0]
    assert (row["weight"], row["score"], row["lost"]) == (12.5, 6.5, 6.0)


def test_score_breakdown_stretches_and_its_axis_ends_at_the_largest_weight():
    card = seed_card("职工疗休养")
    frame = charts.breakdown_frame(card)
    s = spec(charts.score_breakdown(frame))
    assert_cjk_font(s)
    assert "facet" not in s and "width" not in s  # a plain layer: the page's width, phones included
    weight, points = s["layer"]
    assert weight["encoding"]["x"]["field"] == "weight"
    assert frame["weight"].max() == 15.0
    assert weight["encoding"]["x"]["scale"]["domain"] == [0, 15.0]  # not 45 for weights of 30
    assert points["encoding"]["x"]["field"] == "score"
    assert points["encoding"]["color"]["field"] == "level1"
    assert points["encoding"]["color"]["sort"] == ["预算执行", "产出指标", "效益指标", "满意度指标"]
    labels = {r["name"]: r["label"] for r in s["datasets"][s["data"]["name"]]}
    assert labels["服务干部人数"] == "6.50 / 12.50  数量指标｜服务干部人数"
    assert labels["预算执行率"] == "9.70 / 10.00  预算执行率"  # never 预算执行率｜预算执行率


def test_one_project_that_dwarfs_the_rest_gets_a_log_axis():
    assert charts.dominated(PROJECTS["budget"])  # 1,687 万 against a median of 19.5 万
    s = spec(charts.budget_vs_executed(PROJECTS))
    budget = s["layer"][0]
    assert budget["encoding"]["x"]["scale"]["type"] == "symlog"
    assert "对数" in budget["encoding"]["x"]["title"]
    even = PROJECTS.assign(budget=[350000.0, 300000.0, 400000.0, 380000.0])
    assert "type" not in spec(charts.budget_vs_executed(even))["layer"][0]["encoding"]["x"].get("scale", {})


@pytest.mark.parametrize("value", [1e308, float("inf"), float("nan"), -1e300])
def test_absurd_stored_numbers_never_raise(value):
    absurd = PROJECTS.assign(budget=value, executed=value, rate=value, total=value)
    for chart in (
        charts.budget_vs_executed(absurd),
        charts.execution_rate(absurd),
        charts.score_distribution(absurd),
    ):
        assert chart.to_dict()
    parts = charts.breakdown_frame(seed_card("职工疗休养")).assign(weight=value, score=value)
    assert charts.score_breakdown(parts).to_dict()


@pytest.mark.parametrize(
    "build",
    [
        lambda: charts.budget_vs_executed(PROJECTS.iloc[:0]),
        lambda: charts.execution_rate(PROJECTS.iloc[:0]),
        lambda: charts.score_distribution(PROJECTS.iloc[:0]),
        lambda: charts.points_lost(pd.DataFrame(columns=["level1", "level2", "lost"])),
        lambda: charts.year_over_year(pd.DataFrame()),
        lambda: charts.score_breakdown(pd.DataFrame()),
    ],
)
def test_empty_input_says_so(build):
    s = spec(build())
    assert s["mark"]["type"] == "text"
    assert rows(s) == [{"text": "暂无数据"}]
