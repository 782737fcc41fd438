"""总览 under AppTest: the figures on the sample data, the sidebar filters changing them, links to
the detail page, the target-setting panel and the empty state."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from selfeval import sample
from selfeval.access import NOBODY, Principal
from tests.app_support import APP, TIMEOUT, app_store, fresh_app_db, metrics, rescored, run_app, seed_card

app_db = pytest.fixture(fresh_app_db, name="app_db")

SEED_METRICS = {
    "项目数": "13",
    "全年预算数（万元）": "2,733.35",
    "全年执行数（万元）": "2,691.19",
    "预算执行率": "98.46%",
    "平均得分": "97.49",
    "等级“优”": "13 个",
    "执行率低于 60% 却评优良": "2 个",  # 党组织建设 11.92 %, 小型工程类项目 56.34 %
}


def test_dashboard_on_the_sample(app_db):
    at = run_app()
    shown = metrics(at)
    for label, value in SEED_METRICS.items():
        assert shown[label] == value, label
    assert not [label for label in shown if label.startswith("等级") and shown[label] == "0 个"]
    conclusion = next(m.value for m in at.markdown if m.value.startswith("**结论**")).replace("\\", "")
    assert "共 13 个项目：优 13 个" in conclusion
    assert "预算执行率低于 90% 的 3 个（最低：党组织建设 11.92%" in conclusion
    assert "其中 2 个执行率低于 60% 却评为优或良，需复核" in conclusion
    assert "得分最低的是党组织建设（90.19 分：预算执行率 11.92%，失 8.81 分）" in conclusion
    assert any("本地模式：未启用登录，仅限本机访问" in i.value for i in at.info)
    # one year stored: no year-over-year chart; the organisation view adds its review-progress chart
    assert len(at.get("vega_lite_chart")) == 5


def _add_other_year_and_unit(path):
    store = app_store(path)
    old = rescored(seed_card("劳模管理"), year="2022")  # same project, an earlier year
    other = rescored(
        seed_card("疫情防控"), project_code="440304226011500999999", unit="深圳市福田区某街道工会"
    )
    for card, name in ((old, "2022.txt"), (other, "other.txt")):
        store.save([card], source_name=name, data=None, kind="text", origin="upload")


def test_filters_change_the_figures(app_db):
    _add_other_year_and_unit(app_db)
    at = run_app()
    assert at.selectbox(key="filter_year").options == ["2023", "2022", "全部"]
    assert metrics(at)["项目数"] == "14"

    at.selectbox(key="filter_year").set_value("2022").run()
    shown = metrics(at)
    assert shown["项目数"] == "1"
    assert shown["全年预算数（万元）"] == "35.00"
    assert shown["平均得分"] == "99.86"

    at.selectbox(key="filter_year").set_value("全部").run()
    assert metrics(at)["项目数"] == "15"
    assert len(at.get("vega_lite_chart")) == 5  # two years: the year-over-year chart appears

    at.selectbox(key="filter_year").set_value("2023").run()
    at.selectbox(key="filter_unit").set_value("深圳市福田区某街道工会").run()
    shown = metrics(at)
    assert shown["项目数"] == "1"
    assert shown["全年预算数（万元）"] == "4.00"
    assert shown["预算执行率"] == "73.00%"


def test_someone_bound_to_a_unit_sees_only_that_unit(app_db):
    _add_other_year_and_unit(app_db)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state["_principal"] = Principal(
        "jiedao@example.cn", "editor", ("深圳市福田区某街道工会",), True
    )
    at.run()
    assert not at.exception
    assert at.selectbox(key="filter_unit").options == ["深圳市福田区某街道工会"]
    assert metrics(at)["项目数"] == "1"


def test_a_signed_in_stranger_sees_nothing(app_db):
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state["_principal"] = NOBODY
    at.run()
    assert not at.exception
    assert at.selectbox(key="filter_unit").options == ["（无负责单位）"]
    assert not at.metric
    assert any("所选年度与单位尚无数据" in i.value for i in at.info)


def test_lowest_projects_link_to_their_detail(app_db):
    at = run_app()
    table = at.dataframe[0].value
    assert table["项目名称"].tolist()[:3] == ["党组织建设", "职工疗休养", "小型工程类项目（非政府投资项目）"]
    first = table.iloc[0]
    assert first["主要失分原因"] == "预算执行率 11.92%，失 8.81 分"
    assert first["需复核"] == "⚠ 执行率低"
    assert first["全年预算数（万元）"] == pytest.approx(3.0)  # 30,000 元 shown in 万元
    second = table.iloc[1]
    assert second["主要失分原因"] == "“服务干部人数”未达标：实际 52人次、指标 >100人次，失 6.00 分"
    assert second["需复核"] == ""
    links = at.get("page_link")
    assert links[0].proto.label.startswith("党组织建设 — 90.19 分（优）")
    assert links[0].proto.page == "project"
    assert links[0].proto.query_string == "code=440304226011500000005&year=2023"

    # following the link: the detail page opens on that project
    detail = run_app("project", code="440304226011500000005", year="2023")
    scores = app_store(app_db).project_scores("2023")
    wanted = scores.loc[scores["project_code"] == "440304226011500000005", "submission_id"].item()
    assert detail.selectbox(key="project_pick").value == wanted
    assert [h.value for h in detail.subheader][0] == "党组织建设"


def test_one_click_on_a_name_opens_the_project(app_db):
    at = run_app()
    at.session_state["lowest_pick_0"] = {"selection": {"rows": [], "columns": [], "cells": [[1, "项目名称"]]}}
    at.run()
    assert not at.exception
    assert [h.value for h in at.subheader][0] == "职工疗休养"  # 项目详情 of the second row


def test_one_click_in_the_target_check_opens_the_project(app_db):
    at = run_app()
    panel = next(d.value for d in at.dataframe if "完成倍数" in d.value.columns)
    row = panel.index[panel["项目"] == "职工疗休养"][0]
    at.session_state["outliers_pick_0"] = {
        "selection": {"rows": [], "columns": [], "cells": [[int(row), "项目"]]}
    }
    at.run()
    assert not at.exception
    assert [h.value for h in at.subheader][0] == "职工疗休养"


def test_target_setting_panel_lists_over_and_missed(app_db):
    at = run_app()
    panel = at.dataframe[1].value
    assert panel["状态"].value_counts().to_dict() == {"超额 ≥ 50%": 9, "未完成": 1}
    top = panel.iloc[0]
    assert (top["项目"], top["三级指标"], top["完成倍数"]) == (
        "全区行政事业单位工会经费",
        "委托业务完成数量",
        23.5,
    )
    missed = panel[panel["状态"] == "未完成"].iloc[0]
    assert (missed["年度指标值"], missed["实际完成值"]) == (">100人次", "52人次")


def test_empty_store_says_what_to_do(app_db, monkeypatch):
    monkeypatch.setattr(sample, "load_sample", lambda store: None)
    at = run_app()
    assert any("尚无数据，请先上传自评表" in i.value for i in at.info)
    assert not at.metric


def test_many_projects_draw_at_most_30_bars(app_db):
    store = app_store(app_db)
    names = [c.form.header.project_name for c in sample_cards()]
    for i in range(20):
        card = rescored(
            seed_card(names[i % len(names)]),
            project_code=f"4403049990115{i:08d}",
            project_name=f"项目{i:02d}",
        )
        store.save([card], source_name=f"{i}.txt", data=None, kind="text", origin="upload")
    at = run_app()
    assert metrics(at)["项目数"] == "33"
    captions = [c.value for c in at.caption]
    # the chart shows the 30 largest budgets; the caption sums the rest (counted in SQL)
    from selfeval import fmt

    rest = store.project_scores("2023").sort_values("budget", ascending=False, kind="stable").iloc[30:]
    assert len(rest) == 3
    assert (
        f"共 33 个项目，图中显示全年预算数最大的 30 个；其余 3 个项目合计预算 "
        f"{fmt.wan_number(rest['budget'].sum())} 万元、执行 {fmt.wan_number(rest['executed'].sum())} 万元。"
    ) in captions
    assert "图中显示执行率最低的 30 个项目。" in captions
    import json

    import pyarrow as pa

    spec = at.get("vega_lite_chart")[0].proto
    rows = [pa.ipc.open_stream(d.data.data).read_all().num_rows for d in spec.datasets] or [
        len(v) for v in json.loads(spec.spec).get("datasets", {}).values()
    ]
    assert max(rows) == 30


def sample_cards():
    from tests.app_support import seed_cards

    return seed_cards()


def test_configured_sign_in_asks_to_log_in_and_shows_nothing(app_db):
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "test-secret",
        "client_id": "x",
        "client_secret": "y",
        "server_metadata_url": "https://sso.example/.well-known/openid-configuration",
    }
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == ["登录"]
    assert not at.metric and not at.get("vega_lite_chart")
    assert not any("本地模式" in i.value for i in at.info)
