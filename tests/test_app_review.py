"""The review loop in the pages (AppTest): the 审核 queue, approve and return in one step, the
returned comment and 送审 in 在线编辑, state badges and the timeline on 项目详情, the organisation
view and the "仅已通过" switch on 总览; and who may open 审核."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from selfeval.access import LOCAL, Principal
from tests.app_support import APP, TIMEOUT, app_store, assert_clean, fresh_app_db, metrics

app_db = pytest.fixture(fresh_app_db, name="app_db")

UNIT = "深圳市福田区总工会（本级）"
EDITOR = Principal("zhang@futian.gov.cn", "editor", (UNIT,), True)
REVIEWER = Principal("wang@futian.gov.cn", "reviewer", (UNIT,), True)
OTHER_REVIEWER = Principal("qian@other.gov.cn", "reviewer", ("别的单位",), True)


def app_as(who: Principal, page: str | None = None, **query: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state["_principal"] = who
    at.run()
    if page:
        at.query_params.update(query)
        at.switch_page(f"views/{page}.py").run()
    assert_clean(at)
    return at


def project(path, name: str) -> tuple[int, str]:
    """(current submission id, project code) of a seed project."""
    df = app_store(path).project_scores("2023")
    row = df[df["project_name"] == name].iloc[0]
    return int(row["submission_id"]), row["project_code"]


def submitted(path, *names: str) -> list[int]:
    """Send seed projects to review as the editor (through the library, as the editor page does)."""
    store = app_store(path).scoped(EDITOR)
    ids = []
    for name in names:
        sid, _ = project(path, name)
        store.submit(sid, "已核对")
        ids.append(sid)
    return ids


def texts(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_empty_queue_says_so(app_db):
    at = app_as(REVIEWER, "review")
    assert any("没有等待审核的自评表" in s.value for s in at.success)


def test_reviewer_returns_one_and_approves_another_in_one_step(app_db):
    first, second = submitted(app_db, "劳模管理", "党组织建设")
    at = app_as(REVIEWER, "review")
    queue = at.radio(key="review_pick")
    assert len(queue.options) == 2 and queue.value == first  # the oldest submission first
    assert [h.value for h in at.subheader][0] == "劳模管理"
    assert metrics(at)["总分（计算）"] and any("已送审" in m.value for m in at.markdown)
    assert any("送审说明" in i.value and "已核对" in i.value for i in at.info)

    at.button(key=f"return_{first}").click().run()  # no comment: refused, nothing changes
    assert any("退回时必须填写退回意见" in e.value for e in at.error)
    assert app_store(app_db).review_state(first)["state"] == "submitted"

    at.text_area(key=f"review_comment_{first}").input("偏差原因不完整，请补充")
    at.button(key=f"return_{first}").click().run()
    assert_clean(at)
    assert any("已退回" in s.value for s in at.success)
    state = app_store(app_db).review_state(first)
    assert (state["state"], state["comment"]) == ("returned", "偏差原因不完整，请补充")

    assert len(at.radio(key="review_pick").options) == 1
    at.button(key=f"approve_{second}").click().run()
    assert any("已通过审核" in s.value for s in at.success)
    assert app_store(app_db).review_state(second)["state"] == "approved"
    assert any("没有等待审核的自评表" in s.value for s in at.success)


def test_an_admin_who_sent_a_form_cannot_approve_it_a_reviewer_can(app_db):
    """Four eyes: 通过 is greyed out with the reason for the one who sent the version (the store
    refuses it too); the unit's reviewer approves it."""
    admin = Principal("root@futian.gov.cn", "admin", (UNIT,), True)
    sid, _ = project(app_db, "劳模管理")
    app_store(app_db).scoped(admin).submit(sid, "已核对")
    at = app_as(admin, "review")
    assert at.button(key=f"approve_{sid}").disabled
    assert any("不能由您本人审核通过" in w.value for w in at.warning)
    assert not at.button(key=f"return_{sid}").disabled  # sending it back stays possible

    at = app_as(REVIEWER, "review")
    assert not at.button(key=f"approve_{sid}").disabled and not at.warning
    at.button(key=f"approve_{sid}").click().run()
    assert app_store(app_db).review_state(sid)["state"] == "approved"


def test_another_units_reviewer_sees_an_empty_queue(app_db):
    submitted(app_db, "劳模管理")
    at = app_as(OTHER_REVIEWER, "review")
    assert any("没有等待审核的自评表" in s.value for s in at.success)


@pytest.mark.parametrize("who", [EDITOR, Principal("li@futian.gov.cn", "viewer", (UNIT,), True)])
def test_only_reviewers_and_admins_open_the_review_page(app_db, who):
    at = AppTest.from_file(str(APP.parent / "views" / "review.py"), default_timeout=TIMEOUT)
    at.session_state["_principal"] = who
    at.run()
    assert not at.exception
    assert any("无权访问“审核”" in e.value for e in at.error)
    assert not at.get("radio")


def test_editor_sees_the_returned_comment_and_resubmits(app_db):
    (sid,) = submitted(app_db, "劳模管理")
    app_store(app_db).scoped(REVIEWER).return_(sid, "请补充满意度调查的样本量")
    at = app_as(EDITOR, "editor")
    at.session_state["edit_pick"] = sid
    at.run()
    assert_clean(at)
    assert any("已退回" in m.value for m in at.markdown)
    assert any("请补充满意度调查的样本量" in e.value for e in at.error)
    # resubmitting the unchanged version needs words for the reviewer
    at.button(key=f"submit_{sid}").click().run()
    assert any("重新送审时必须填写说明" in e.value for e in at.error)
    at.text_area(key=f"submit_explanation_{sid}").input("样本量 120 人，已写入偏差原因")
    at.button(key=f"submit_{sid}").click().run()
    assert_clean(at)
    assert any("已送审" in s.value for s in at.success)
    assert app_store(app_db).review_state(sid)["state"] == "submitted"


def test_project_detail_shows_the_state_and_the_timeline(app_db):
    (sid,) = submitted(app_db, "劳模管理")
    app_store(app_db).scoped(REVIEWER).approve(sid, "同意")
    _, code = project(app_db, "劳模管理")
    at = app_as(LOCAL, "project", code=code, year="2023")
    shown = texts(at)
    assert ":green-badge[已通过]" in shown
    events = [  # e-mail addresses are shown with a zero width space after @ (no mailto: link, fmt.unlink)
        m.value.replace("\u200b", "")
        for m in at.markdown
        if "**导入**" in m.value or "**送审**" in m.value or "**通过**" in m.value
    ]
    assert len(events) == 3, events  # seeded (导入), 送审, 通过 — oldest first
    assert "zhang@futian" in events[1] and "（填报人）" in events[1] and "已送审" in events[1]
    assert "wang@futian" in events[2] and "（审核人）" in events[2] and "已通过" in events[2]
    assert any("同意" in m.value for m in at.markdown)


def test_overview_organisation_view_and_approved_only_switch(app_db):
    from tests.app_support import rescored, seed_card

    first, second = submitted(app_db, "劳模管理", "党组织建设")
    later = rescored(seed_card("工会事务"), year="2024")  # a year with nothing approved
    app_store(app_db).save([later], source_name="2024.xlsx", data=None, kind="xlsx", origin="upload")
    app_store(app_db).scoped(REVIEWER).approve(first)
    app_store(app_db).scoped(REVIEWER).return_(second, "请修改")
    at = app_as(LOCAL)
    at.selectbox(key="filter_year").set_value("2023").run()
    org = next(d.value for d in at.dataframe if "已通过" in d.value.columns and "实施单位" in d.value.columns)
    row = org[org["实施单位"] == UNIT].iloc[0]
    assert (row["项目数"], row["未提交"], row["已退回"], row["已送审"], row["已通过"]) == (13, 11, 1, 0, 1)
    assert metrics(at)["项目数"] == "13"
    missing = next(d.value for d in at.dataframe if "退回意见" in d.value.columns)
    assert len(missing) == 12 and "请修改" in missing["退回意见"].tolist()

    at.segmented_control(key="figures_basis_choice").set_value("approved").run()
    assert_clean(at)
    assert metrics(at)["项目数"] == "1"  # every figure now counts the one approved project
    at.run()  # the sidebar (drawn before the page) still offers every year, not only approved ones
    assert at.selectbox(key="filter_year").options == ["2024", "2023", "全部"]
    org = next(d.value for d in at.dataframe if "已通过" in d.value.columns and "实施单位" in d.value.columns)
    approved_total = app_store(app_db).load_scorecard(first).total
    assert org[org["实施单位"] == UNIT]["平均得分"].iloc[0] == pytest.approx(approved_total, abs=0.01)

    # other pages always read the latest versions, whatever 总览's switch says
    at.switch_page("views/project.py").run()
    assert_clean(at)
    assert len(at.selectbox(key="project_pick").options) == 13  # not only the approved one


def test_admin_sets_the_deadline(app_db):
    at = app_as(LOCAL)
    at.selectbox(key="filter_year").set_value("2023").run()
    assert any("尚未设置 2023 年度的审核截止日期" in m.value for m in at.markdown)
    at.button(key="deadline_save").click().run()
    assert_clean(at)
    assert app_store(app_db).deadline("2023") is not None
    assert any("审核截止日期" in m.value and "13" in m.value for m in at.markdown)


def test_overview_offers_the_templates_of_approved_forms_per_unit(app_db):
    """The button is there with the approved scope first (its zip is built on click: tested in
    tests/test_cli_review.py through the same function)."""
    at = app_as(LOCAL)
    at.selectbox(key="filter_year").set_value("2023").run()
    assert at.radio(key="org_export_scope").value == "approved"
    buttons = [b for b in at.get("download_button") if "org_export" in (getattr(b, "key", "") or b.proto.id)]
    assert buttons and "每个单位一个文件夹" in buttons[0].proto.label


def test_a_form_with_errors_is_sent_only_with_an_explanation(app_db):
    import dataclasses

    from selfeval.profile import load_profile
    from selfeval.rules import score
    from tests.app_support import rescored, seed_card

    form = rescored(seed_card("劳模管理"), year="2024").form
    first = form.indicators[0]
    heavier = dataclasses.replace(first, weight=(first.weight or 0) + 5)  # weights no longer add up
    broken = score(dataclasses.replace(form, indicators=(heavier, *form.indicators[1:])), load_profile())
    errors = sum(1 for i in broken.issues if i.severity == "error")
    assert errors
    sid = (
        app_store(app_db)
        .scoped(EDITOR)
        .save([broken], source_name="坏编码.xlsx", data=None, kind="xlsx", origin="upload")
        .stored[0]
    )
    at = app_as(EDITOR, "editor")
    at.session_state["edit_pick"] = sid
    at.run()
    assert_clean(at)
    assert at.text_area(key=f"submit_explanation_{sid}").label == "送审说明（必填）"
    at.button(key=f"submit_{sid}").click().run()
    assert any(f"该表有 {errors} 处错误，送审时必须填写说明" in e.value for e in at.error)
    assert app_store(app_db).review_state(sid)["state"] == "draft"
    at.text_area(key=f"submit_explanation_{sid}").input("项目编码待预算系统下发后更正")
    at.button(key=f"submit_{sid}").click().run()
    assert app_store(app_db).review_state(sid)["explanation"] == "项目编码待预算系统下发后更正"
