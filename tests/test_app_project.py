"""项目详情 under AppTest: header, funds, indicators with rule and explanation, issues, history,
viewing an earlier version and restoring it; the viewer role."""

from __future__ import annotations

import dataclasses

import pytest
from streamlit.testing.v1 import AppTest

from selfeval.access import Principal
from selfeval.rules import load_profile, score
from tests.app_support import APP, TIMEOUT, app_store, fresh_app_db, metrics, run_app, seed_card

app_db = pytest.fixture(fresh_app_db, name="app_db")

CODE = "440304236011500105002"  # 职工疗休养: 93.70, one row under its target


def test_detail_of_a_project(app_db):
    at = run_app("project", code=CODE, year="2023")
    assert [h.value for h in at.subheader][0] == "职工疗休养"
    shown = metrics(at)
    assert shown["总分"] == "93.70"
    assert shown["等级"] == "优"
    assert shown["预算执行率"] == "96.98%"
    assert shown["全年预算数（万元）"] == "37.00"
    funds, indicators = at.dataframe[0].value, at.dataframe[1].value
    assert funds.iloc[0]["全年执行数（元）"] == 358820.0
    row = indicators[indicators["三级指标"] == "服务干部人数"].iloc[0]
    assert (row["计算得分"], row["规则"]) == (6.5, "正向指标（未达标）")
    assert "12.5 × 52/100" in row["评分说明"]
    assert any("提交历史" in m.value for m in at.markdown)
    assert any("只有一个版本" in c.value for c in at.caption)


def test_picking_another_project(app_db):
    at = run_app("project", code=CODE, year="2023")
    labels = at.selectbox(key="project_pick")
    other = next(o for o in labels.options if "劳模管理" in o)
    index = labels.options.index(other)
    at.selectbox(key="project_pick").set_value(_ids(app_db)[index]).run()
    assert [h.value for h in at.subheader][0] == "劳模管理"
    assert metrics(at)["总分"] == "99.86"
    assert at.query_params["code"] == "440304226011500000008"  # a shareable link


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
    at.button(key=f"restore_{at.selectbox(key='history_pick').value}").click().run()
    assert not at.exception
    assert metrics(at)["总分"] == "93.70"
    history = next(d.value for d in at.dataframe if "版本" in d.value.columns)
    assert history["版本"].tolist() == [1, 2, 3]
    assert history["来源"].tolist()[-1] == "在线编辑"


def test_viewer_sees_two_pages_and_cannot_restore(app_db):
    _second_version(app_db)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state["_principal"] = Principal("reader@example.cn", "viewer", (), True)
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
    at.session_state["_principal"] = Principal("reader@example.cn", "viewer", (), True)
    at.run()
    assert not at.exception
    assert any("无权访问“上传评分”" in e.value for e in at.error)
    assert not at.get("file_uploader")
