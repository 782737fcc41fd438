"""Form text is shown as text (issue 11, item 5): a project named like a Markdown link, a Markdown
image or an HTML tag renders literally on every page — titles, captions, metrics, expanders,
links, tables — never as a live link or image. AppTest sees the Markdown each element sends to
the browser: every special character of the name must arrive escaped."""

from __future__ import annotations

import re

import pytest

from selfeval.present.markdown import plain
from selfeval.template import write_template
from tests.app_support import app_store, fresh_app_db, rescored, run_app, seed_card

app_db = pytest.fixture(fresh_app_db, name="app_db")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

HOSTILE = {
    "440304226011500000008": "[点此重新登录](http://x)",  # 劳模管理
    "440304226011500000005": "![](http://x)",  # 党组织建设: the lowest score, named in the summary
    "440304236011500105002": "<img src=x onerror=alert(1)>",  # 职工疗休养
}
# a "](" or "<img" or "![" not preceded by a backslash: Markdown would render it
LIVE = re.compile(r"(?<!\\)\]\((?:http|$)|(?<!\\)<img|(?<!\\)!(?<!\\)\[")


def _store_hostile(path):
    store = app_store(path)
    names = {
        "440304226011500000008": "劳模管理",
        "440304226011500000005": "党组织建设",
        "440304236011500105002": "职工疗休养",
    }
    for code, name in HOSTILE.items():
        card = rescored(seed_card(names[code]), project_name=name)
        store.save([card], source_name=f"{name}.xlsx", data=None, kind="text", origin="upload")


def _texts(at) -> list[str]:
    """Every piece of Markdown the page sends: markdown, captions, headings, alerts, metric labels,
    expander labels, page-link labels, widget labels and help texts."""
    out = []
    for kind in (
        "markdown",
        "caption",
        "title",
        "header",
        "subheader",
        "info",
        "warning",
        "success",
        "error",
    ):
        out += [e.value for e in at.get(kind)]
    out += [m.label for m in at.metric]
    out += [e.label for e in at.expander]
    out += [p.proto.label for p in at.get("page_link")] + [p.proto.help for p in at.get("page_link")]
    for kind in ("selectbox", "text_area", "text_input", "button", "download_button"):
        out += [getattr(w, "label", "") or "" for w in at.get(kind)]
    return [t for t in out if t]


def _assert_nothing_live(at) -> None:
    texts = _texts(at)
    live = [t for t in texts if LIVE.search(t)]
    assert not live, live
    # and the names did reach the page, escaped
    joined = "\n".join(texts)
    assert plain(HOSTILE["440304226011500000005"]) in joined or "\\!\\[\\]" in joined


def test_overview_shows_hostile_names_as_text(app_db):
    _store_hostile(app_db)
    at = run_app()
    _assert_nothing_live(at)
    conclusion = next(m.value for m in at.markdown if m.value.startswith("**结论**"))
    # 党组织建设 renamed: the weakest, named literally (a zero width space after "http:" unlinks it)
    assert "\\!\\[\\]\\(http\\:\u200b//x\\)" in conclusion


@pytest.mark.parametrize("code", list(HOSTILE))
def test_project_page_shows_hostile_names_as_text(app_db, code):
    _store_hostile(app_db)
    at = run_app("project", code=code, year="2023")
    assert not [t for t in _texts(at) if LIVE.search(t)]
    assert at.subheader[0].value == plain(HOSTILE[code])


def test_editor_and_upload_show_hostile_names_as_text(app_db):
    _store_hostile(app_db)
    at = run_app("editor")
    scores = app_store(app_db).project_scores("2023")
    sid = int(scores.loc[scores["project_code"] == "440304226011500000008", "submission_id"].item())
    at.selectbox(key="edit_pick").set_value(sid).run()
    assert not at.exception
    assert not [t for t in _texts(at) if LIVE.search(t)]

    upload = run_app("upload")
    card = rescored(seed_card("劳模管理"), project_name=HOSTILE["440304226011500000008"])
    two = rescored(seed_card("劳模管理"), project_name=HOSTILE["440304236011500105002"])
    uploader = upload.get("file_uploader")[0]
    uploader.upload("[文件](http://x).xlsx", write_template([card]), XLSX)
    uploader.upload("<img src=x>.xlsx", write_template([two]), XLSX)
    upload.run()
    assert not upload.exception
    labels = [e.label for e in upload.expander if " · 文件 " in e.label]
    assert len(labels) == 2 and len(set(labels)) == 2  # two files, two distinguishable cards
    assert any("文件 \\[文件\\]\\(http\\:\u200b//x\\)" in label for label in labels), labels
    assert not [t for t in _texts(upload) if LIVE.search(t)]
