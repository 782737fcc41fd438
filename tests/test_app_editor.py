"""在线编辑 under AppTest: an edit delta put into the data_editor's session state rescores like a
spreadsheet (the row's 得分, the total, the draft and the issue list change together), a typed
score the rules disagree with is one click from the computed one, a blank actual keeps the rest
of the score, a drafted reason is filled in, the corrected template downloaded and read back, and
a version with errors is saved only after the page asked."""

from __future__ import annotations

import re

import pytest

from selfeval.readers import read_bytes
from tests.app_support import app_store, download_bytes, fresh_app_db, media_spy, run_app

app_db = pytest.fixture(fresh_app_db, name="app_db")
media = pytest.fixture(media_spy, name="media")

CODE = "440304236011500105002"  # 职工疗休养: 93.70; row 0 服务干部人数 is 52人次 of >100人次
ROW = 0


def total(at) -> str:
    found = [m.value for m in at.markdown if "2.4rem" in m.value]
    assert found, "no total on the page"
    return re.search(r">([\d.,—]+)</div>$", found[0]).group(1)


def issue_lines(at) -> list[str]:
    """The issue list under the grid: "…-badge[错误] **第 1 行 · 实际完成值**：message"."""
    return [m.value for m in at.markdown if "-badge[" in m.value and "**" in m.value]


@pytest.fixture
def editor(app_db):
    """The editor opened on 职工疗休养 from the store."""
    at = run_app("editor")
    scores = app_store(app_db).project_scores("2023")
    sid = int(scores.loc[scores["project_code"] == CODE, "submission_id"].item())
    at.selectbox(key="edit_pick").set_value(sid).run()
    assert not at.exception
    assert total(at) == "93.70"
    return at


def edit(at, changes: dict) -> None:
    key = at.session_state["edit_grid_key"]
    at.session_state[key] = {"edited_rows": changes, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def grid_score(at, row: int) -> float | None:
    """The 得分 the grid shows for a row (the frame handed to st.data_editor)."""
    frames = [d for d in at.get("data_editor") if "计算得分" in d.value.columns]
    assert frames, "no grid"
    value = frames[0].value["得分"].iloc[row]
    return None if value != value else float(value)


def test_an_actual_rescores_the_row_total_draft_and_issues_together(editor):
    at = editor
    assert grid_score(at, ROW) == 6.5
    edit(at, {ROW: {"实际完成值": "30人次", "偏差原因分析及改进措施": ""}})
    assert grid_score(at, ROW) == 3.75  # the row's 得分 follows the rules at once: 12.5 × 30/100
    assert total(at) == "90.95"  # 93.70 − 6.50 + 3.75
    assert any("已修改 **1** 行" in m.value and "-2.75" in m.value for m in at.markdown)
    lines = issue_lines(at)
    assert any("第 1 行 · 偏差原因分析及改进措施" in i and "必须填写偏差原因" in i for i in lines), lines
    assert not any("不一致" in i for i in lines), lines  # no "申报得分 6.5 ≠ 3.75" dead end
    assert any("有 1 行失分但未填写偏差原因" in w.value for w in at.warning)
    assert "得 3.75 分" in at.text_area[0].label and "30人次" in at.text_area[0].value

    edit(at, {ROW: {"实际完成值": "120人次", "偏差原因分析及改进措施": ""}})
    assert grid_score(at, ROW) == 12.5
    assert total(at) == "99.70"
    assert not any("必须填写偏差原因" in i for i in issue_lines(at))
    assert not any("失分但未填写" in w.value for w in at.warning)  # the draft followed the score


def test_a_typed_score_stays_as_a_difference_until_adopted(editor):
    at = editor
    edit(at, {ROW: {"实际完成值": "120人次", "得分": 6.5}})
    assert grid_score(at, ROW) == 6.5  # what the person typed stays
    assert any("有 1 行得分与规则计算不一致" in w.value and "计算 12.50" in w.value for w in at.warning)
    assert any("第 1 行 · 得分" in i and "不一致" in i for i in issue_lines(at))
    at.button(key="adopt_computed").click().run()
    assert not at.exception
    assert grid_score(at, ROW) == 12.5
    assert not any("不一致" in w.value for w in at.warning)
    assert total(at) == "99.70"
    assert at.session_state["edit_session"]["base"].indicators[ROW].declared_score == 12.5


def test_one_blank_actual_does_not_blank_the_score(editor):
    at = editor
    edit(at, {ROW: {"实际完成值": ""}})
    assert total(at) == "93.70"  # the row keeps its declared 6.5 (未核验), the rest is scored
    notes = [i.value for i in at.info if "核验状态" in i.value]
    assert notes and "第 1 行「服务干部人数」" in notes[0], notes
    assert "无法识别实际完成值“（空）”，未评分" in notes[0]  # the whole reason, not cut off


def test_a_version_with_errors_is_saved_only_after_asking(editor, app_db):
    at = editor
    edit(at, {1: {"分值": 3}})  # 产出指标's rows no longer sum to 50
    at.button(key="save_version").click().run()
    assert any("该表还有" in w.value and "个错误" in w.value for w in at.warning)
    assert any("分值合计" in m.value for m in at.markdown if m.value.startswith("- "))
    assert app_store(app_db).project_history(CODE, "2023")["origin"].tolist() == ["import"]
    at.button(key="save_anyway").click().run()
    assert not at.exception
    assert app_store(app_db).project_history(CODE, "2023")["origin"].tolist() == ["import", "editor"]


def test_drafted_reason_is_offered_and_filled_in(editor):
    at = editor
    edit(at, {ROW: {"偏差原因分析及改进措施": ""}})
    assert any("有 1 行失分但未填写偏差原因" in w.value for w in at.warning)
    draft = at.text_area[0]
    assert draft.value.startswith("1. 偏差原因：实际完成值“52人次”低于年度指标值“>100人次”")
    assert " 2. 改进措施：" in draft.value
    draft.input(draft.value + "（已核实）").run()
    next(b for b in at.button if b.label == "填入以上偏差原因").click().run()
    assert not at.exception
    assert not at.warning or not any("失分但未填写" in w.value for w in at.warning)
    assert not any("必须填写偏差原因" in i for i in issue_lines(at))
    assert total(at) == "93.70"
    assert at.session_state["edit_session"]["base"].indicators[ROW].reason.endswith("（已核实）")


def test_download_returns_a_workbook_with_the_edited_scores(editor, media):
    at = editor
    edit(at, {ROW: {"实际完成值": "120人次", "得分": 12.5, "偏差原因分析及改进措施": "无"}})
    data = download_bytes(at, "download_template", media)
    back = read_bytes(data, "更正后.xlsx")
    assert back.ok, back.problems
    form = back.forms[0]
    row = form.indicators[ROW]
    assert (row.name, row.actual, row.declared_score, row.reason) == ("服务干部人数", "120人次", 12.5, "无")
    assert form.declared_total == 99.7
    assert form.header.project_code == CODE


def test_save_as_new_version(editor, app_db):
    at = editor
    at.button(key="save_version").click().run()
    assert any("没有修改，无需保存" in i.value for i in at.info)
    edit(at, {ROW: {"实际完成值": "120人次", "得分": 12.5, "偏差原因分析及改进措施": "无"}})
    at.button(key="save_version").click().run()
    assert not at.exception
    assert any("已保存为新版本（总分 99.70，优）" in s.value for s in at.success)
    history = app_store(app_db).project_history(CODE, "2023")
    assert history["origin"].tolist() == ["import", "editor"]
    assert history["total"].tolist() == [93.7, 99.7]
    # the editor now shows the saved version, with a fresh grid
    assert total(at) == "99.70"
    assert at.session_state["edit_session"]["source_id"] == f"db:{history['submission_id'].iloc[-1]}"
    assert not any("已修改 **1** 行" in m.value for m in at.markdown)


def _declared_full_on_a_missed_row(app_db) -> int:
    """劳模管理 saved with its first row's actual halved while it still declares full marks and 无 as
    the reason (a form as units send them): SCORE_MISMATCH, REASON_MISSING and TOTAL_MISMATCH."""
    import dataclasses

    from selfeval.profile import load_profile
    from selfeval.rules import score
    from tests.app_support import seed_card

    card = seed_card("劳模管理")
    first = card.form.indicators[0]
    half = dataclasses.replace(first, actual=_halved(first.target), reason="无", declared_score=first.weight)
    form = dataclasses.replace(card.form, indicators=(half, *card.form.indicators[1:]))
    bad = score(form, load_profile())
    codes = {i.code for i in bad.issues if i.severity == "error"}
    assert {"SCORE_MISMATCH", "TOTAL_MISMATCH"} <= codes, codes
    saved = app_store(app_db).save(
        [bad], source_name="劳模管理.xlsx", data=None, kind="editor", origin="upload"
    )
    return saved.stored[0]


def _halved(target: str) -> str:
    number = re.search(r"\d+(?:\.\d+)?", target)
    assert number, target
    value = float(number.group()) / 2
    return target[number.start() :].replace(number.group(), f"{value:g}", 1).lstrip("≥>＞")


def _errors(at) -> list[str]:
    return [line for line in issue_lines(at) if "badge[错误]" in line]


@pytest.mark.parametrize("order", ["adopt, then the drafted reason", "a typed reason, then adopt"])
def test_the_editor_ends_clean_whatever_the_click_order(app_db, order):
    """Issue 19: 采用计算得分 and the drafted reason leave no error the person cannot act on — the
    declared 总分 follows the adopted scores — whichever is clicked first."""
    sid = _declared_full_on_a_missed_row(app_db)
    at = run_app("editor")
    at.selectbox(key="edit_pick").set_value(sid).run()
    assert _errors(at), "the form starts with errors"

    def adopt():
        next(b for b in at.button if b.key == "adopt_computed").click().run()

    def draft():  # after adopting, the row lost points and has no reason: a draft is offered
        next(b for b in at.button if b.label == "填入以上偏差原因").click().run()

    def typed():  # the reason typed into the grid first, as a person would
        edit(
            at,
            {0: {"偏差原因分析及改进措施": "1. 偏差原因：受场地影响，活动减少。2. 改进措施：提前预订场地。"}},
        )

    for step in (adopt, draft) if order.startswith("adopt") else (typed, adopt):
        step()
        assert not at.exception, [e.value for e in at.exception]
    assert _errors(at) == [], _errors(at)
    assert not any("不一致" in line for line in issue_lines(at))
    assert not any("失分但未填写" in w.value for w in at.warning)
