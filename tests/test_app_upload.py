"""上传评分 under AppTest: a seed workbook uploaded and scored, saved once and reported as a
duplicate the second time, an unreadable file beside a good one, pasted text, and the cache."""

from __future__ import annotations

import dataclasses

import pytest

from selfeval.profile import load_profile
from selfeval.rules import score
from selfeval.template import write_template
from tests.app_support import (
    SEED,
    app_store,
    fresh_app_db,
    metrics,
    run_app,
    seed_card,
    seed_workbook,
)
from views import _ui

app_db = pytest.fixture(fresh_app_db, name="app_db")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(at, *files):
    uploader = at.get("file_uploader")[0]
    for name, data in files:
        uploader.upload(name, data, XLSX if name.endswith("xlsx") else "text/plain")
    return at.run()


def test_upload_scores_the_seed_workbook(app_db, deferred):
    at = run_app("upload")
    assert any("请上传自评表文件或粘贴内容" in i.value for i in at.info)
    at = _upload(at, ("劳模管理.xlsx", seed_workbook("劳模管理")))
    assert not at.exception
    shown = metrics(at)
    assert shown["计算总分"] == "99.86"
    assert shown["申报总分"] == "99.86"
    assert shown["等级"] == "优"
    assert shown["预算执行率"] == "98.63%"
    card_labels = [e.label for e in at.expander if " 分（" in e.label]
    assert card_labels == ["劳模管理 — 99.86 分（优） · 错误 0 · 警告 0 · 文件 劳模管理.xlsx"]
    assert at.get("progress")[0].proto.text == "已完成 1 个文件的读取与评分。"
    summary = at.dataframe[0].value
    assert summary.iloc[0][["文件", "项目名称", "计算总分"]].tolist() == ["劳模管理.xlsx", "劳模管理", 99.86]
    # the corrected template offered beside the result reads back as the same form
    from selfeval.readers import read_bytes

    key = next(b.key for b in at.get("download_button") if b.key.startswith("dl_"))
    back = read_bytes(_deferred_bytes(at, key, deferred), "模板.xlsx")
    assert [f.header.project_name for f in back.forms] == ["劳模管理"]
    assert back.forms[0].declared_total == 99.86


@pytest.fixture(name="deferred")
def deferred_spy(monkeypatch):
    """file id -> callable of every download written on click (data=callable), and the number of
    templates written (selfeval.template.write_template calls) in templates["n"]."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    import selfeval.template

    seen: dict = {"templates": 0}
    original_add, original_write = MediaFileManager.add_deferred, selfeval.template.write_template

    def add(self, data_callable, *args, **kwargs):
        file_id = original_add(self, data_callable, *args, **kwargs)
        seen[file_id] = data_callable
        return file_id

    def write(*args, **kwargs):
        seen["templates"] += 1
        return original_write(*args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add)
    monkeypatch.setattr(selfeval.template, "write_template", write)
    return seen


def _deferred_bytes(at, key: str, deferred: dict) -> bytes:
    """What a download button written on click hands over: its callable, run as a click runs it."""
    button = next(b for b in at.get("download_button") if b.key == key)
    assert button.proto.deferred_file_id and not button.proto.url  # nothing written before the click
    return deferred[button.proto.deferred_file_id]()


def test_six_hundred_forms_render_a_bounded_page_with_a_summary_of_all(app_db, deferred):
    """A text of 611 forms (the seed's 13, 47 times): the summary lists every form, the detail shows one
    page of upload.PAGE_SIZE forms, and no template is written until its download is clicked."""
    from views import upload

    text = "\n\n".join([SEED.read_text(encoding="utf-8")] * 47)
    at = _upload(run_app("upload"), ("many.txt", text.encode("utf-8")))
    assert not at.exception
    assert any("识别出 **611** 张自评表" in m.value for m in at.markdown)
    summary = at.dataframe[0].value
    assert len(summary) == 611 and summary["序号"].tolist() == list(range(1, 612))
    assert {"项目名称", "项目编码", "计算总分", "等级", "错误"} <= set(summary.columns)
    forms = [e for e in at.expander if " 分（" in e.label]
    assert len(forms) == upload.PAGE_SIZE
    assert len(at.expander) <= 3 * upload.PAGE_SIZE  # each form's issue groups included
    buttons = [b for b in at.get("download_button") if b.key.startswith("dl_")]
    assert len(buttons) == upload.PAGE_SIZE
    assert all(b.proto.deferred_file_id and not b.proto.url for b in buttons)
    assert deferred["templates"] == 0  # no template written up front
    pager = next(s for s in at.selectbox if s.key.startswith("upload_page_"))
    assert len(pager.options) == 31
    pager.set_value(31).run()
    assert not at.exception
    last = [e.label for e in at.expander if " 分（" in e.label]
    assert len(last) == 611 - 30 * upload.PAGE_SIZE and last[0].startswith("601. ")
    from selfeval.readers import read_bytes

    key = next(b.key for b in at.get("download_button") if b.key.startswith("dl_"))
    back = read_bytes(_deferred_bytes(at, key, deferred), "模板.xlsx")
    assert len(back.forms) == 1 and deferred["templates"] == 1  # only the clicked form's template


def test_the_sample_workbook_is_the_current_version_already(app_db):
    at = _upload(run_app("upload"), ("劳模管理.xlsx", seed_workbook("劳模管理")))
    at.button(key="save_upload").click().run()
    assert any("完全相同，未重复保存（劳模管理）" in i.value for i in at.info), [i.value for i in at.info]


def _changed_workbook() -> bytes:
    card = seed_card("劳模管理")
    rows = list(card.form.indicators)
    rows[0] = dataclasses.replace(rows[0], actual="130人次")
    form = dataclasses.replace(card.form, indicators=tuple(rows))
    return write_template([score(form, load_profile())])


def test_save_then_duplicate(app_db):
    at = _upload(run_app("upload"), ("劳模管理.xlsx", _changed_workbook()))
    before = len(app_store(app_db).project_history("440304226011500000008", "2023"))
    at.button(key="save_upload").click().run()
    assert not at.exception
    assert any("新保存 1 张" in s.value and "新版本" in s.value for s in at.success), [
        s.value for s in at.success
    ]
    history = app_store(app_db).project_history("440304226011500000008", "2023")
    assert len(history) == before + 1
    assert history.iloc[-1]["origin"] == "upload"
    # the stored batch left the page (the uploader is empty); the same file again is a duplicate
    assert at.get("file_uploader")[0].value in (None, [])
    at = _upload(at, ("劳模管理.xlsx", _changed_workbook()))
    at.button(key="save_upload").click().run()
    assert any("完全相同，未重复保存（劳模管理）" in i.value for i in at.info), [i.value for i in at.info]
    assert len(app_store(app_db).project_history("440304226011500000008", "2023")) == before + 1


def test_unreadable_file_does_not_stop_the_batch(app_db):
    at = _upload(
        run_app("upload"),
        ("坏文件.xlsx", b"PK\x03\x04 not a workbook at all"),
        ("劳模管理.xlsx", seed_workbook("劳模管理")),
        ("说明.txt", "这不是自评表".encode()),
    )
    assert not at.exception
    assert any("共 **3** 个文件，识别出 **1** 张自评表，**2** 个文件无法读取" in m.value for m in at.markdown)
    errors = [e.value for e in at.error]
    assert any("坏文件.xlsx" in e and "无法读取" in e for e in errors)
    assert any("说明.txt" in e for e in errors)
    reasons = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert any("位置：坏文件.xlsx" in r for r in reasons)
    assert any("未识别到项目支出绩效自评表" in r for r in reasons)
    assert metrics(at)["计算总分"] == "99.86"


def test_pasted_text_scores_every_form(app_db):
    at = run_app("upload")
    at.text_area(key="paste_text").input(SEED.read_text(encoding="utf-8")).run()
    at.button(key="score_paste").click().run()
    assert not at.exception
    assert any("识别出 **13** 张自评表" in m.value for m in at.markdown)
    labels = [e.label for e in at.expander if " 分（" in e.label]
    assert len(labels) == 13
    assert any(label.startswith("职工疗休养 — 93.70 分（优）") for label in labels)


def test_scoring_is_cached_on_bytes_and_profile(app_db, monkeypatch):
    calls = []
    real = _ui.score_bytes

    def counting(data, name, profile):
        calls.append(name)
        return real(data, name, profile)

    monkeypatch.setattr(_ui, "score_bytes", counting)
    at = _upload(run_app("upload"), ("劳模管理.xlsx", seed_workbook("劳模管理")))
    assert calls == ["劳模管理.xlsx"]
    at.run()  # a rerun with the same file: nothing scored again
    at.run()
    assert calls == ["劳模管理.xlsx"]
    assert metrics(at)["计算总分"] == "99.86"


def test_continue_in_the_editor(app_db):
    at = _upload(run_app("upload"), ("劳模管理.xlsx", seed_workbook("劳模管理")))
    edit = next(b for b in at.button if b.key and b.key.startswith("edit_"))
    edit.click().run()
    assert not at.exception
    assert at.radio(key="edit_source_kind").value == "本次上传的表"
    assert "劳模管理" in at.selectbox(key="edit_upload_pick").options[0]
