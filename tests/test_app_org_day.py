"""The organisation's day in the pages (AppTest, issue 19): what waits for whom on the home page and
in the menu, a leader of several units seeing all of them, two units' projects of one name told
apart everywhere, a search that selects, the deadline saved and shown at once, a wrong file type
refused in Chinese, another unit's project flagged at upload, an upload opened in 在线编辑 as the
stored version once saved, 通过 on a form with errors confirmed first, and units that never
uploaded counted as missing."""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile

import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from selfeval.access import LOCAL, Principal
from selfeval.present.todo import menu_counts
from selfeval.profile import load_profile
from selfeval.rules import score
from selfeval.template import write_template
from tests.app_support import (
    APP,
    TIMEOUT,
    app_store,
    assert_clean,
    download_bytes,
    fresh_app_db,
    media_spy,
    seed_card,
)

app_db = pytest.fixture(fresh_app_db, name="app_db")
media = pytest.fixture(media_spy, name="media")

A = "深圳市福田区总工会（本级）"  # the sample's unit
B = "深圳市福田区某街道总工会"
EDITOR_A = Principal("zhang@futian.gov.cn", "editor", (A,), True)
EDITOR_B = Principal("li@futian.gov.cn", "editor", (B,), True)
REVIEWER = Principal("wang@futian.gov.cn", "reviewer", (A, B), True)
LEADER = Principal("zhao@futian.gov.cn", "viewer", (A, B), True)


def app_as(who: Principal, page: str | None = None, **query: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state["_principal"] = who
    at.run()
    if page:
        at.query_params.update(query)
        at.switch_page(f"views/{page}.py").run()
    assert_clean(at)
    return at


def _b_project(app_db, name: str = "职工疗休养", code: str = "440304236011500999001", **changes):
    """A project of unit B named like one of unit A's (generic names repeat across units)."""
    card = seed_card(name)
    form = card.form
    header = dataclasses.replace(form.header, unit=B, project_code=code)
    funds = form.funds
    if "executed" in changes:  # 54.05 % executed: the red bar the issue saw over A's grey one
        total = dataclasses.replace(funds.total, executed=changes["executed"])
        funds = dataclasses.replace(funds, total=total, declared_rate=None, declared_score=None)
    b = score(dataclasses.replace(form, header=header, funds=funds, declared_total=None), load_profile())
    app_store(app_db).save([b], source_name=f"{name}_B.xlsx", data=None, kind="editor", origin="upload")
    return b


def _chart_text(proto) -> str:
    """Every value a chart's data holds, as text (Streamlit sends the frames as Arrow datasets)."""
    import pyarrow as pa

    frames = [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in proto.datasets]
    return "\n".join(f.to_csv() for f in frames) + json.dumps(json.loads(proto.spec), ensure_ascii=False)


def _everything(at) -> str:
    parts = [m.value for m in (*at.markdown, *at.caption, *at.info, *at.warning, *at.success, *at.error)]
    return "\n".join(parts)


# ------------------------------------------------------------------------------------------ to-do


def test_the_editor_sees_a_return_with_its_comment_first_and_a_link_to_fix_it(app_db):
    app_as(LOCAL)  # seeds the sample
    s = app_store(app_db)
    sid = int(s.project_scores("2023").query("project_name == '劳模管理'")["submission_id"].item())
    s.scoped(EDITOR_A).submit(sid, "已核对")
    s.scoped(REVIEWER).return_(sid, "实际完成情况未写明受益人数")
    at = app_as(EDITOR_A)
    text = _everything(at)
    assert "待办" in text and "已退回，待修改后重新送审" in text
    assert "劳模管理" in text and "实际完成情况未写明受益人数" in text
    assert any(link.label == "去修改" for link in at.get("page_link"))
    link = next(link for link in at.get("page_link") if link.label == "去修改")
    assert link.proto.page.endswith("editor") or "editor" in link.proto.page
    counts = app_store(app_db).scoped(EDITOR_A).todo_counts()
    assert counts["returned"] == 1 and menu_counts(EDITOR_A, counts)["editor"] == 13  # 1 returned + 12 drafts
    # the link opens the returned project in 在线编辑 with its comment
    ed = app_as(EDITOR_A, "editor", code=s.load_scorecard(sid).form.header.project_code, year="2023")
    assert any("劳模管理" in m.value for m in ed.markdown)
    assert any("实际完成情况未写明受益人数" in e.value for e in ed.error)


def test_the_reviewer_sees_what_waits_with_its_age(app_db):
    app_as(LOCAL)
    s = app_store(app_db)
    sid = int(s.project_scores("2023").query("project_name == '党组织建设'")["submission_id"].item())
    s.scoped(EDITOR_A).submit(sid, "")
    at = app_as(REVIEWER)
    text = _everything(at)
    assert "待审核" in text and "党组织建设" in text and "已等待 今天" in text
    assert any(link.label == "去审核" for link in at.get("page_link"))
    assert menu_counts(REVIEWER, s.scoped(REVIEWER).todo_counts()) == {"review": 1}
    # the link picks that form in 审核
    rv = app_as(REVIEWER, "review", code=s.load_scorecard(sid).form.header.project_code, year="2023")
    assert rv.radio(key="review_pick").value == sid


def test_a_viewer_has_no_to_do(app_db):
    at = app_as(LEADER)
    assert "待办" not in _everything(at)


# ------------------------------------------------------------------------------------------ scope and names


def test_a_leader_of_two_units_sees_both_and_tells_same_named_projects_apart(app_db, media):
    app_as(LOCAL)
    _b_project(app_db, executed=1_000_000.0)
    at = app_as(LEADER)
    assert at.selectbox(key="filter_unit").value == "全部"  # all of mine by default, not the first unit
    assert at.selectbox(key="filter_unit").options == ["全部（我负责的 2 个单位）", A, B]
    caption = "\n".join(c.value for c in at.caption)
    assert "14" in next(m.value for m in at.get("metric") if m.label == "项目数")
    assert f"{A}" in caption and B in caption
    sentence = next(m.value for m in at.markdown if "**结论**" in m.value)
    lowest = next(d.value for d in at.dataframe if "主要失分原因" in d.value.columns)
    assert "实施单位" in lowest.columns and B in set(lowest["实施单位"])
    # the 执行率 chart draws the two 职工疗休养 as two bars, each named with its unit
    data = [_chart_text(c.proto) for c in at.get("vega_lite_chart")]
    assert any(f"职工疗休养（{B}）" in d and f"职工疗休养（{A}）" in d for d in data)
    # PDF and Excel: both projects, told apart
    pdf = download_bytes(at, "export_overview_pdf", media)
    xlsx = download_bytes(at, "export_overview_xlsx", media)
    wb = load_workbook(io.BytesIO(xlsx))
    rows = list(wb["全部项目"].iter_rows(values_only=True))
    named = [r for r in rows[1:] if r[1] == "职工疗休养"]
    assert {r[3] for r in named} == {A, B}
    assert "实施单位" in [c.value for c in wb["得分最低的项目"][1]]
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    if "职工疗休养" in sentence:  # named in the sentence: with its unit (a scope of two units)
        assert f"职工疗休养（{A}）" in sentence or f"职工疗休养（{B}）" in sentence
    # narrowing to one unit
    at.selectbox(key="filter_unit").set_value(B).run()
    assert next(m.value for m in at.get("metric") if m.label == "项目数") == "1"


def test_project_page_and_reports_name_the_unit_of_a_shared_name(app_db, media):
    app_as(LOCAL)
    b = _b_project(app_db)
    at = app_as(LEADER, "project", code=b.form.header.project_code, year="2023")
    assert any(h.value == "职工疗休养" for h in at.subheader)
    assert any(B in m.value and "实施单位" in m.value for m in at.markdown)
    labels = at.selectbox(key="project_pick").options
    twins = [o for o in labels if "职工疗休养" in o]
    assert len(twins) == 2 and any(A in o for o in twins) and any(B in o for o in twins)  # told apart


def test_search_selects_its_match_on_the_editor_picker(app_db):
    at = app_as(EDITOR_A, "editor")
    at.text_input(key="edit_pick_search").input("疫情").run()
    assert at.selectbox(key="edit_pick").options and all(
        "疫情" in o for o in at.selectbox(key="edit_pick").options
    )
    assert any("疫情防控" in m.value for m in at.markdown if m.value.startswith("**"))


# ------------------------------------------------------------------------------------------ deadline, units


def test_the_deadline_is_shown_at_once_with_a_confirmation(app_db):
    at = app_as(LOCAL)
    at.selectbox(key="filter_year").set_value("2023").run()
    assert "尚未设置 2023 年度的审核截止日期" in _everything(at)
    at.button(key="deadline_save").click().run()
    assert_clean(at)
    text = _everything(at)
    assert "已保存 2023 年度的审核截止日期" in text
    assert "尚未设置" not in text and "审核截止日期 **2024年03月31日**" in text
    again = app_as(LOCAL)  # a reload (a new session) shows it too
    again.selectbox(key="filter_year").set_value("2023").run()
    assert "审核截止日期 **2024年03月31日**" in _everything(again)


def test_registered_units_that_never_uploaded_are_missing(app_db, tmp_path, monkeypatch):
    roles = tmp_path / "roles.toml"
    roles.write_text(
        f'units = ["{B}"]\n[users."x@example.cn"]\nrole = "editor"\nunits = ["{A}"]\n', encoding="utf-8"
    )
    monkeypatch.setenv("SELFEVAL_ROLES", str(roles))
    at = app_as(LOCAL)
    at.selectbox(key="filter_year").set_value("2023").run()
    org = next(d.value for d in at.dataframe if "进度" in d.value.columns)
    row = org[org["实施单位"] == B].iloc[0]
    assert (row["进度"], row["项目数"]) == ("未上传", 0)
    assert "1 个单位尚未上传" in _everything(at) and B in _everything(at)


# ------------------------------------------------------------------------------------------ upload, editor, review


def test_a_word_file_is_refused_in_chinese_on_the_page(app_db):
    at = app_as(EDITOR_A, "upload")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    at.get("file_uploader")[0].upload("自评报告.docx", buffer.getvalue(), "application/octet-stream")
    at.run()
    assert_clean(at)
    errors = "\n".join(e.value for e in at.error) + _everything(at)
    assert "自评报告.docx" in errors and "Word" in errors


def test_a_saved_upload_opens_as_the_stored_version_with_its_state(app_db, tmp_path):
    app_as(LOCAL)
    card = seed_card("劳模管理")
    form = card.form
    changed = dataclasses.replace(form, header=dataclasses.replace(form.header, year="2024"))
    data = write_template([score(changed, load_profile())])
    at = app_as(EDITOR_A, "upload")
    at.get("file_uploader")[0].upload("劳模管理_2024.xlsx", data, "application/octet-stream")
    at.run()
    at.button(key="save_upload").click().run()
    assert_clean(at)
    edit = next(b for b in at.button if b.label == "在线编辑")
    edit.click().run()
    assert_clean(at)
    assert at.radio(key="edit_source_kind").value == "数据库中的项目"
    assert any("审核状态" in m.value for m in at.markdown)
    assert any(b.key and b.key.startswith("submit_") for b in at.button)  # 送审 is offered


def test_a_refused_upload_stays_to_be_corrected_in_the_editor(app_db):
    """保存到数据库 on a form claiming another unit: nothing is stored, and the upload stays in the
    session (not released as a stored batch), so its 在线编辑 opens the unsaved form to correct."""
    app_as(LOCAL)
    card = seed_card("劳模管理")
    form = card.form
    theirs = dataclasses.replace(form, header=dataclasses.replace(form.header, unit=B, year="2024"))
    at = app_as(EDITOR_A, "upload")
    at.get("file_uploader")[0].upload("劳模管理_B.xlsx", write_template([score(theirs, load_profile())]), "x")
    at.run()
    at.button(key="save_upload").click().run()
    assert_clean(at)
    assert any("未保存" in w.value and B in w.value for w in at.warning)
    assert at.session_state["upload_batch"]  # still this session's batch
    next(b for b in at.button if b.label == "在线编辑").click().run()
    assert_clean(at)
    assert at.radio(key="edit_source_kind").value == "本次上传的表"
    assert app_store(app_db).project_history(form.header.project_code, "2024").empty


def test_approving_a_form_with_errors_asks_first(app_db):
    app_as(LOCAL)
    card = seed_card("劳模管理")
    first = card.form.indicators[0]
    wrong = dataclasses.replace(first, declared_score=(first.weight or 0) + 5)  # over its weight: an error
    form = dataclasses.replace(card.form, indicators=(wrong, *card.form.indicators[1:]))
    bad = score(form, load_profile())
    assert bad.errors
    s = app_store(app_db)
    sid = s.save([bad], source_name="x.xlsx", data=None, kind="editor", origin="upload").stored[0]
    s.scoped(EDITOR_A).submit(sid, "分值已核对，得分待审核人确认")
    at = app_as(REVIEWER, "review")
    at.button(key=f"approve_{sid}").click().run()
    assert_clean(at)
    assert s.review_state(sid)["state"] == "submitted"  # not yet
    assert any("确定通过吗" in w.value for w in at.warning)
    at.button(key=f"approve_confirmed_{sid}").click().run()
    assert_clean(at)
    assert s.review_state(sid)["state"] == "approved"
