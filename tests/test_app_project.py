"""项目详情 under AppTest: header, funds, indicators with rule and explanation, issues, history,
viewing an earlier version and restoring it; the viewer role."""

from __future__ import annotations

import dataclasses

import pytest
from streamlit.testing.v1 import AppTest

from selfeval.access import ALL_UNITS, Principal
from selfeval.profile import load_profile
from selfeval.rules import score
from tests.app_support import APP, TIMEOUT, app_store, fresh_app_db, metrics, run_app, seed_card

app_db = pytest.fixture(fresh_app_db, name="app_db")

CODE = "440304236011500105002"  # 职工疗休养: 93.70, one row under its target


def frame(at, column: str):
    """The first table on the page that has `column`."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_detail_of_a_project_reads_top_down(app_db):
    at = run_app("project", code=CODE, year="2023")
    assert [h.value for h in at.subheader][0] == "职工疗休养"
    shown = metrics(at)
    assert shown["总分"] == "93.70"
    assert shown["等级"] == "优"
    assert shown["预算执行率"] == "96.98%"
    assert shown["全年预算数（万元）"] == "37.00"
    # lost points come first, with the rule's explanation and the form's reason beside them
    lost = at.dataframe[0].value
    assert lost.columns.tolist() == ["指标", "失分", "得分 / 分值", "评分说明", "偏差原因分析及改进措施"]
    first = lost.iloc[0]
    assert (first["指标"], first["失分"], first["得分 / 分值"]) == (
        "数量指标｜服务干部人数",
        6.0,
        "6.50 / 12.50",
    )
    assert "12.5 × 52/100" in first["评分说明"]
    assert first["偏差原因分析及改进措施"].startswith("1. 偏差原因：")
    assert frame(at, "全年执行数").iloc[0]["全年执行数"] == pytest.approx(35.882)  # 万元
    indicators = frame(at, "计算得分")
    row = indicators[indicators["三级指标"] == "服务干部人数"].iloc[0]
    assert (row["计算得分"], row["规则"]) == (6.5, "正向指标（未达标）")
    assert "不适用" not in indicators["三级指标"].tolist()  # folded away
    assert any(e.label.startswith("不适用的指标（") for e in at.expander)
    assert any("提交历史" in m.value for m in at.markdown)
    assert any("只有一个版本" in c.value for c in at.caption)


def test_issues_are_plain_for_leaders_with_codes_behind_a_toggle(app_db):
    card = seed_card("职工疗休养")
    rows = list(card.form.indicators)
    rows[1] = dataclasses.replace(rows[1], weight=3.0)
    broken = score(dataclasses.replace(card.form, indicators=tuple(rows)), load_profile())
    app_store(app_db).save([broken], source_name="错.xlsx", data=None, kind="editor", origin="editor")
    at = run_app("project", code=CODE, year="2023")
    issues = frame(at, "说明")
    assert "代码" not in issues.columns and "原表位置" not in issues.columns
    assert not issues["说明"].str.contains(r"[A-Z]{3,}_[A-Z]+", regex=True).any()  # no internal codes
    assert "提示" not in issues["级别"].tolist()  # reading notes (row shifted) only under 技术细节
    assert any(p.startswith("第 2 行「") for p in issues["位置"])
    at.toggle(key="tech_current").set_value(True).run()
    technical = frame(at, "代码")
    assert "提示" in technical["级别"].tolist() and "原表位置" in technical.columns
    assert technical["代码"].str.fullmatch(r"[A-Z_]+").all()


def test_picking_another_project(app_db):
    at = run_app("project", code=CODE, year="2023")
    labels = at.selectbox(key="project_pick")
    other = next(o for o in labels.options if "劳模管理" in o)
    index = labels.options.index(other)
    at.selectbox(key="project_pick").set_value(_ids(app_db)[index]).run()
    assert [h.value for h in at.subheader][0] == "劳模管理"
    assert metrics(at)["总分"] == "99.86"
    assert at.query_params["code"] == "440304226011500000008"  # a shareable link


def test_the_picker_searches_code_name_or_unit(app_db):
    at = run_app("project", code=CODE, year="2023")
    at.text_input(key="project_pick_search").input("劳模").run()
    options = at.selectbox(key="project_pick").options
    # a search selects: only the matches are offered, and the first one is shown (issue 19: the old
    # project stayed selected and first in the list, and was sent to review instead)
    assert len(options) == 1 and "劳模管理" in options[0]
    assert any(h.value == "劳模管理" for h in at.subheader)
    at.text_input(key="project_pick_search").input("440304226011500000005").run()
    assert [o for o in at.selectbox(key="project_pick").options if "党组织建设" in o]
    assert any(h.value == "党组织建设" for h in at.subheader)


def _ids(path):
    return app_store(path).project_scores("2023")["submission_id"].tolist()


def _second_version(path):
    """Save an edited 职工疗休养 (the target met) as a second version."""
    card = seed_card("职工疗休养")
    rows = tuple(
        dataclasses.replace(i, actual="120人次", declared_score=12.5, reason="无")
        if i.name == "服务干部人数"
        else i
        for i in card.form.indicators
    )
    better = score(dataclasses.replace(card.form, indicators=rows), load_profile())
    saved = app_store(path).save(
        [better], source_name="第二版.xlsx", data=None, kind="editor", origin="editor"
    )
    return saved.stored[0]


def test_history_view_and_restore(app_db):
    _second_version(app_db)
    at = run_app("project", code=CODE, year="2023")
    assert metrics(at)["总分"] == "99.70"
    history = next(d.value for d in at.dataframe if "版本" in d.value.columns)
    assert history["版本"].tolist() == [1, 2]
    assert history["现行"].tolist() == ["", "是"]
    # the earlier version is shown as it was
    assert at.selectbox(key="history_pick").value is not None
    assert "93.70" in [m.value for m in at.metric]
    diff = frame(at, "早先版本")  # what changed from the earlier version to the current one
    changed = dict(zip(diff["字段"], zip(diff["早先版本"], diff["现行版本"], strict=True), strict=True))
    assert changed["数量指标「服务干部人数」的实际完成值"] == ("52人次", "120人次")
    assert changed["总分"] == ("93.70", "99.70")
    at.button(key=f"restore_{at.selectbox(key='history_pick').value}").click().run()
    assert not at.exception
    assert metrics(at)["总分"] == "93.70"
    history = next(d.value for d in at.dataframe if "版本" in d.value.columns)
    assert history["版本"].tolist() == [1, 2, 3]
    assert history["来源"].tolist()[-1] == "在线编辑"


def test_viewer_sees_two_pages_and_cannot_restore(app_db):
    _second_version(app_db)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state["_principal"] = Principal("reader@example.cn", "viewer", ALL_UNITS, True)
    at.run()
    assert not at.exception
    assert not any("本地模式" in i.value for i in at.info)  # signed in: no local banner
    at.query_params.update({"code": CODE, "year": "2023"})
    at.switch_page("views/project.py").run()
    assert not at.exception
    assert metrics(at)["总分"] == "99.70"
    assert not [b for b in at.button if b.key and b.key.startswith("restore_")]
    assert any("只有管理员可以恢复" in c.value for c in at.caption)


def test_viewer_reaching_the_upload_page_directly_is_refused(app_db):
    at = AppTest.from_file(str(APP.parent / "views" / "upload.py"), default_timeout=TIMEOUT)
    at.session_state["_principal"] = Principal("reader@example.cn", "viewer", ALL_UNITS, True)
    at.run()
    assert not at.exception
    assert any("无权访问“上传评分”" in e.value for e in at.error)
    assert not at.get("file_uploader")


def test_an_unverified_row_says_so_and_the_profile_is_named(app_db):
    card = seed_card("职工疗休养")
    rows = list(card.form.indicators)
    rows[0] = dataclasses.replace(rows[0], actual="")
    unverified = score(dataclasses.replace(card.form, indicators=tuple(rows)), load_profile())
    assert not unverified.indicators[0].verified
    app_store(app_db).save([unverified], source_name="空.xlsx", data=None, kind="editor", origin="editor")
    at = run_app("project", code=CODE, year="2023")
    assert any(c.value.startswith("评分规则：深圳福田 2023") for c in at.caption)
    sid = app_store(app_db).project_scores("2023").query("project_code == @CODE")["submission_id"].item()
    assert not app_store(app_db).load_scorecard(int(sid)).indicators[0].verified  # the store keeps it
    indicators = frame(at, "计算得分")
    row = indicators[indicators["三级指标"] == "服务干部人数"].iloc[0]
    assert row["核验"] == "未核验"
    assert any("核验状态" in i.value for i in at.info)


def test_the_chosen_project_survives_a_page_change(app_db):
    """Issue 19: the project chosen on 项目详情 is still the one shown after visiting 总览 (Streamlit
    forgets a widget's state on another page; the picker keeps the choice itself)."""
    at = run_app("project")
    at.text_input(key="project_pick_search").input("劳模").run()
    assert any(h.value == "劳模管理" for h in at.subheader)
    at.text_input(key="project_pick_search").input("").run()
    assert any(h.value == "劳模管理" for h in at.subheader)  # clearing the search keeps it
    at.switch_page("views/overview.py").run()
    at.switch_page("views/project.py").run()
    assert not at.exception
    assert any(h.value == "劳模管理" for h in at.subheader)
